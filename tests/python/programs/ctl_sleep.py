import threading
import time

cond = threading.Condition()


def sleeper():
    time.sleep(0.25)
    print("slept until", time.monotonic())


t = threading.Thread(target=sleeper)
t.start()
t.join()
with cond:
    print("notified", cond.wait(0.5), "at", time.monotonic(), time.time() - time.monotonic())
