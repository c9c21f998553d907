"""A Lock around the counter: two workers increment it twice each and no update is lost
(PyMOTW `threading_lock`, `Counter`).

    python3 lock.py --increments 1    # a smaller program to explore
"""
import argparse
import random
import threading
import time


class Counter:
    def __init__(self, start=0):
        self.lock = threading.Lock()
        self.value = start

    def increment(self):
        print("Waiting for lock")
        self.lock.acquire()
        try:
            print("Acquired lock")
            # Only the lock holder can be between this load and store.
            self.value = self.value + 1
        finally:
            self.lock.release()


def worker(c, increments):
    for i in range(increments):
        pause = random.random()
        print(f"Sleeping {pause:.2f}")
        time.sleep(pause)
        c.increment()
    print("Done")


parser = argparse.ArgumentParser(description="Two workers increment a counter under a Lock.")
parser.add_argument("--increments", type=int, default=2, choices=range(1, 11), metavar="N",
                    help="the increments each worker makes (1..10, default 2)")
args = parser.parse_args()

counter = Counter(0)
for i in range(2):
    # Thread-N: the name Python gives a thread of its own (3.10+ would add "(worker)").
    t = threading.Thread(target=worker, args=(counter, args.increments), name=f"Thread-{i + 1}")
    t.start()

print("Waiting for worker threads")
main_thread = threading.current_thread()
for t in threading.enumerate():
    if t is not main_thread:
        t.join()
print(f"Counter: {counter.value}")
