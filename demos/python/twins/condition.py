"""Condition: consumers c1 and c2 wait until producer p makes the resource available and wakes
them all with notify_all().
"""
import threading
import time


def consumer(condition):
    print("Starting consumer thread")
    with condition:
        condition.wait()
        print("Resource is available to consumer")


def producer(condition):
    print("Starting producer thread")
    with condition:
        print("Making resource available")
        condition.notify_all()


condition = threading.Condition()
c1 = threading.Thread(name="c1", target=consumer, args=(condition,))
c2 = threading.Thread(name="c2", target=consumer, args=(condition,))
p = threading.Thread(name="p", target=producer, args=(condition,))

c1.start()
time.sleep(2)
c2.start()
time.sleep(2)
p.start()
