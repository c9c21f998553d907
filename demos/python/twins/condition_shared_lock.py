"""Two conditions sharing one RLock: two waiting rooms, "an item is on the shelf" and "the shelf
has room", guarding the same data with one lock (Condition(lock)).
"""
import re
import threading
import time

ITEMS = 3


def level(rlock):
    """How many times the owner holds `rlock`: an RLock shows it only in its repr (count=N)."""
    return int(re.search(r"count=(\d+)", repr(rlock)).group(1))


def producer():
    global shelf
    for item in range(1, ITEMS + 1):
        time.sleep(0.5)  # making the item
        with condition_2:
            while shelf is not None:
                print("Shelf full: waiting on condition_2")
                # Releases the RLock completely while waiting, and takes it back before returning.
                condition_2.wait()
            shelf = item
            print(f"Put item {item}")
            # Same RLock: entering condition_1 here only raises the level.
            with condition_1:
                print(f"Notifying condition_1 at lock level {level(lock)}")
                condition_1.notify(1)


def consumer():
    global shelf
    for _ in range(ITEMS):
        with condition_1:
            while shelf is None:
                print("Shelf empty: waiting on condition_1")
                condition_1.wait()
            item = shelf
            shelf = None
            print(f"Took item {item}")
            with condition_2:
                print(f"Notifying condition_2 at lock level {level(lock)}")
                condition_2.notify(1)
        time.sleep(1.5)  # using the item, lock released


# A one-item shelf: the producer is faster than the consumer, so each waits in its own room.
lock = threading.RLock()
condition_1 = threading.Condition(lock)
condition_2 = threading.Condition(lock)
shelf = None

consumer_thread = threading.Thread(target=consumer, name="consumer")
producer_thread = threading.Thread(target=producer, name="producer")
consumer_thread.start()
producer_thread.start()
