import threading
import time

cond = threading.Condition()
items = []


def consumer():
    with cond:
        while not items:
            cond.wait()
        print("consumed", items.pop())


def producer():
    time.sleep(0.05)
    with cond:
        items.append(1)
        cond.notify_all()


c = threading.Thread(target=consumer, name="c1")
p = threading.Thread(target=producer, name="p")
c.start()
p.start()
c.join()
p.join()
print("done")
