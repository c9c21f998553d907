import threading

lock = threading.Lock()


def inner(x):
    with lock:
        return 1 / x


def outer():
    try:
        inner(0)
    except ZeroDivisionError as e:
        raise ValueError("bad value") from e


print("start")
outer()
