"""Starting threads with an argument: five workers, each prints its own number
(PyMOTW `threading_simpleargs`)."""
import threading


def worker(num):
    """thread worker function"""
    print(f"Worker: {num}")


for i in range(5):
    # Thread-N: the name Python gives a thread of its own (3.10+ would add "(worker)").
    t = threading.Thread(target=worker, args=(i,), name=f"Thread-{i + 1}")
    t.start()
