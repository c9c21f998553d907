"""An RLock can be acquired again by the thread that holds it, one level deeper, where a
plain Lock refuses its own holder (PyMOTW `threading_rlock`)."""
import threading

lock = threading.RLock()

print("First try :", lock.acquire())
# acquire(0): do not block. The owner asks again and gets it, at level 2.
print("Second try:", lock.acquire(0))
