import threading
cv = threading.Condition(threading.Lock())


def first():
    with cv:
        pass


def second():
    with cv:
        pass


first()
second()
with cv:
    cv.notify()
