"""A daemon thread computes square roots while the main thread reports its progress once a
second (the "Threading" tutorial's SquareRootCalculator and its CalculatorThread)."""
import math
import threading
import time

# How many roots to calculate (the tutorial reads it from the command line).
TARGET = 35

results = []


class CalculatorThread(threading.Thread):
    """A separate thread which actually does the calculations."""

    def __init__(self, target):
        # A daemon, so that the script could end without waiting for this thread.
        super().__init__(daemon=True)
        self.target = target

    def run(self):
        """Appends sqrt(i) for every i from 1 to the target."""
        global results
        for i in range(1, self.target + 1):
            # Each root stands for a slow calculation: 0.1 s, so the demo lasts a few seconds.
            time.sleep(0.1)
            # Only this thread writes `results`, so its read-append-write loses nothing.
            results = results + [math.sqrt(i)]


counter = CalculatorThread(TARGET)
print("Turning on the calculator thread...")
counter.start()

while len(results) < TARGET:
    print(f"{len(results)} square roots calculated so far.")
    time.sleep(1)
done = results
print(f"Calculated {TARGET} square root(s); the last one is sqrt({len(done)})={done[-1]:f}")
