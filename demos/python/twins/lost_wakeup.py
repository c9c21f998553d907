"""A lost wake-up: the consumer waits without first checking whether the item is already
there. If the producer notifies before the consumer waits, nobody is waiting to be woken,
and the consumer waits forever."""
import threading
import time

condition = threading.Condition()
item = None


def consumer():
    print("Starting consumer")
    with condition:
        # The bug: no `while item is None:` before the wait.
        condition.wait()
        print(f"Consumed {item!r}")


def producer():
    global item
    print("Starting producer")
    time.sleep(0.5)  # making the item
    with condition:
        item = 42
        print("Produced 42, notify()")
        condition.notify()


# The consumer starts first, and the producer takes half a second to make its item: the
# consumer is almost always waiting by then. Almost.
c = threading.Thread(target=consumer, name="consumer")
p = threading.Thread(target=producer, name="producer")
c.start()
p.start()
c.join()
p.join()
