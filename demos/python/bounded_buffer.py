"""A bounded buffer guarded by one Condition: producers wait while it is full, consumers while
it is empty, and each side wakes the other with notify_all().

    threadviz run demos/python/bounded_buffer.py
"""
import threading
import time

CAPACITY = 3
ITEMS = 6

buffer = []
cond = threading.Condition()


def producer(name):
    for n in range(ITEMS):
        item = f"{name}{n}"
        with cond:
            cond.wait_for(lambda: len(buffer) < CAPACITY)
            buffer.append(item)
            print(f"{name} put {item} ({len(buffer)} in the buffer)")
            cond.notify_all()
        time.sleep(0.05)


def consumer():
    for _ in range(ITEMS):
        with cond:
            while not buffer:
                cond.wait()
            item = buffer.pop(0)
            print(f"{threading.current_thread().name} got {item}")
            cond.notify_all()
        time.sleep(0.15)


threads = [
    threading.Thread(target=producer, args=("a",), name="producer-a"),
    threading.Thread(target=producer, args=("b",), name="producer-b"),
    threading.Thread(target=consumer, name="consumer-1"),
    threading.Thread(target=consumer, name="consumer-2"),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("buffer empty:", buffer == [])
