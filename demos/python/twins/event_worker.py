"""An Event as a start/stop switch: the worker starts when it is set, works while it stays set,
and stops when it is cleared.
"""
import threading
import time


def worker(start):
    if start.wait():
        print("Start")
        # clear() interrupts nothing: the worker notices only at its next check.
        while start.is_set():
            print("Working...")
            time.sleep(1)
        print("End")


start = threading.Event()
t = threading.Thread(target=worker, args=(start,), name="Thread-1")
t.start()

for _ in range(3):
    print(".")
    time.sleep(1)

start.set()
time.sleep(3)
start.clear()
