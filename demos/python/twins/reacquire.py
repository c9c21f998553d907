"""A plain Lock cannot be acquired twice, not even by the thread that holds it
(PyMOTW `threading_lock_reacquire`)."""
import threading

lock = threading.Lock()

print("First try :", lock.acquire())
# acquire(0): do not block. Held is held, even by this very thread, so this fails at once.
print("Second try:", lock.acquire(0))
