"""`with lock:` and explicit acquire() / release() do the same thing: the with block
releases the lock however it ends (PyMOTW `threading_lock_with`)."""
import threading


def worker_with(lock):
    with lock:
        print("Lock acquired via with")


def worker_no_with(lock):
    lock.acquire()
    try:
        print("Lock acquired directly")
    finally:
        lock.release()


lock = threading.Lock()
# Thread-N: the name Python gives a thread of its own (3.10+ would add "(worker_with)").
w = threading.Thread(target=worker_with, args=(lock,), name="Thread-1")
nw = threading.Thread(target=worker_no_with, args=(lock,), name="Thread-2")

w.start()
nw.start()
