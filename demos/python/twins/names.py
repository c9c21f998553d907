"""Thread names: two named threads and one with the default name Thread-1; every line
printed carries the name of the thread that printed it (the "Python Threading" slides,
`wait_3` / `wait_2`; PyMOTW `threading_names`)."""
import threading
import time


def worker2s():
    print("starting...")
    time.sleep(2)
    print("exiting...")


def worker3s():
    print("starting...")
    time.sleep(3)
    print("exiting...")


t1 = threading.Thread(target=worker3s, name="wait_3")
t2 = threading.Thread(target=worker2s, name="wait_2")
# No name of its own: Python numbers it Thread-1 (only unnamed threads are counted). Python
# 3.10+ would add the function, "Thread-1 (worker2s)"; spelled out so every version agrees.
t3 = threading.Thread(target=worker2s, name="Thread-1")

t1.start()
t2.start()
t3.start()
