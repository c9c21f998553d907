"""Timer threads: t1 runs its function after the delay, t2 is cancelled first and never
runs it (PyMOTW `threading_timer`)."""
import threading
import time


def delayed():
    print("worker running")


t1 = threading.Timer(3, delayed)
t1.name = "t1"
t2 = threading.Timer(3, delayed)
t2.name = "t2"

print("starting timers")
t1.start()
t2.start()

print(f"waiting before canceling {t2.name}")
time.sleep(2)
print(f"canceling {t2.name}")
t2.cancel()
print("done")
# t1 is not a daemon: the program waits for it to fire.
