"""Thread-local data with a default: every thread starts from the same value, then changes only
its own (MyLocal(1000): __init__ runs once in each thread, on its first use).
"""
import random
import threading


def show_value(data):
    try:
        val = data.value
    except AttributeError:
        print("No value yet")
    else:
        print(f"value={val}")


def worker(data):
    show_value(data)
    data.value = random.randint(1, 100)
    show_value(data)


class MyLocal(threading.local):
    def __init__(self, value):
        super().__init__()
        print("Initializing local_data")
        self.value = value


# Every thread, the main one included, starts from 1000.
local_data = MyLocal(1000)
show_value(local_data)

for n in range(1, 3):
    t = threading.Thread(target=worker, args=(local_data,), name=f"Thread-{n}")
    t.start()
