"""Event: one thread blocks until the event is set, another waits 2 s at a time and does other
work in between; the main thread sets it.
"""
import threading
import time


def wait_for_event(e):
    print("wait_for_event starting")
    event_is_set = e.wait()
    print(f"event set: {event_is_set}")


def wait_for_event_timeout(e, t):
    while not e.is_set():
        print("wait_for_event_timeout starting")
        # True if the event was set, False if the timeout ran out first.
        event_is_set = e.wait(t)
        print(f"event set: {event_is_set}")
        if event_is_set:
            print("processing event")
        else:
            print("doing other work")


e = threading.Event()
t1 = threading.Thread(name="block", target=wait_for_event, args=(e,))
t1.start()

t2 = threading.Thread(name="non-block", target=wait_for_event_timeout, args=(e, 2))
t2.start()

print("Waiting before calling Event.set()")
time.sleep(3)
e.set()
print("Event is set")
