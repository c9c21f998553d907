"""BoundedSemaphore(5) as a connection pool: at most five connections at once, and a release
too many is an error instead of a silent sixth place.
"""
import threading
import time

MAX_CONNECTIONS = 5


def worker(pool_sema):
    print("Waiting for a connection")
    with pool_sema:  # takes a place, or waits while all five are in use
        print("Connected")
        time.sleep(1)  # use the connection
        print("Closing the connection")


pool_sema = threading.BoundedSemaphore(MAX_CONNECTIONS)
workers = []
for n in range(1, 8):
    t = threading.Thread(target=worker, args=(pool_sema,), name=f"Thread-{n}")
    t.start()
    workers.append(t)
for t in workers:
    t.join()

# A programming error: one release more than acquires. A plain Semaphore would silently
# allow six connections from now on; a bounded one refuses.
print("Releasing once too often")
try:
    pool_sema.release()
except ValueError as error:
    print(f"ValueError: {error}")
print(f"Value is still {pool_sema._value}")
