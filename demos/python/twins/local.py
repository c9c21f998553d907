"""Thread-local data: each thread sees only the value it set itself."""
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
    # Show local data for this thread before and after change.
    show_value(data)
    data.value = random.randint(1, 100)
    show_value(data)


local_data = threading.local()
show_value(local_data)
local_data.value = 1000
show_value(local_data)

for n in range(1, 3):
    t = threading.Thread(target=worker, args=(local_data,), name=f"Thread-{n}")
    t.start()
