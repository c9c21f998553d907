"""Producers and consumers on a bounded list under one Condition: producers wait while it is
full, consumers while it is empty (the "python multithreading" notes' Producer / Consumer)."""
import random
import threading
import time

# Room in the list (the notes allow 100 items; a small list makes producers wait too).
CAPACITY = 2
# The notes loop forever; here each producer makes two items and each consumer takes three,
# so every item made is taken and the program ends.
ITEMS_PER_PRODUCER = 2
ITEMS_PER_CONSUMER = 3

con = threading.Condition()
queue = []


class Producer(threading.Thread):
    def run(self):
        global queue
        made = 0
        while made < ITEMS_PER_PRODUCER:
            con.acquire()
            if len(queue) >= CAPACITY:
                # Full: release the lock and sleep until a consumer makes room.
                con.wait()
            else:
                elem = random.randint(0, 99)
                # A new list, stored back: one read and one write of `queue`.
                items = queue.copy()
                items.append(elem)
                queue = items
                print(f"Producer a elem {elem}, Now size is {len(queue)}")
                time.sleep(random.random())
                # The notes call notify(): wake one waiter. With one condition for both "not
                # full" and "not empty", that one could be a thread of the same kind, and
                # every thread could end up waiting; notify_all() wakes them all to check.
                con.notify_all()
                made += 1
            con.release()


class Consumer(threading.Thread):
    def run(self):
        global queue
        taken = 0
        while taken < ITEMS_PER_CONSUMER:
            con.acquire()
            # The notes test `len(queue) < 0`, which is never true: a consumer would pop from
            # an empty list and die holding the lock. The corrected test:
            if not queue:
                con.wait()
            else:
                items = queue.copy()
                elem = items.pop()
                queue = items
                print(f"Consumer a elem {elem}. Now size is {len(queue)}")
                time.sleep(random.random())
                con.notify_all()
                taken += 1
            con.release()


def main():
    for i in range(3):
        Producer().start()

    for i in range(2):
        Consumer().start()


if __name__ == "__main__":
    main()
