"""A race on a shared counter: `counter = counter + 1` is a load then a store, and a thread
switch between the two loses updates (the "Python Threading" slides, `process_item`).

    python3 race.py --threads 2 --items 2    # small enough to explore, or to play by hand
"""
import argparse
import random
import threading
import time

counter = 0


def process_item():
    """Does the work, then counts the item, unsafely."""
    global counter
    time.sleep(random.uniform(0.2, 0.6))  # ... do something with item ...

    # `counter += 1` is three steps: load the value, add one, store it back.
    value = counter
    # A thread switch here lets another thread load the same old value. A short random
    # sleep makes the switch happen every time instead of now and then.
    time.sleep(random.uniform(0.1, 0.3))
    counter = value + 1
    print(f"read {value}, stored {value + 1}")


def worker(items):
    for _ in range(items):
        process_item()


parser = argparse.ArgumentParser(description="Threads count on one shared counter, without a lock.")
parser.add_argument("--threads", type=int, default=4, choices=range(1, 9), metavar="N",
                    help="the threads that count (1..8, default 4)")
parser.add_argument("--items", type=int, default=5, choices=range(1, 21), metavar="N",
                    help="the items each thread counts (1..20, default 5)")
args = parser.parse_args()

# Thread-N: the name Python gives a thread of its own (3.10+ would add "(worker)").
workers = [threading.Thread(target=worker, args=(args.items,), name=f"Thread-{n}")
           for n in range(1, args.threads + 1)]
for w in workers:
    w.start()
for w in workers:
    w.join()

print(f"Expected counter: {args.threads * args.items}")
print(f"Final counter: {counter}")
# Without a lock, increments were lost: the final count is lower.
