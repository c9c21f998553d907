"""Trying a lock without waiting: Worker uses acquire(False) and counts how many tries it needs
to get the lock three times while LockHolder keeps taking and dropping it.
"""
import threading
import time


def lock_holder(lock):
    print("Starting")
    # A daemon: this loop never ends, the thread is stopped at shutdown.
    while True:
        lock.acquire()
        print("Holding")
        time.sleep(0.5)
        print("Not holding")
        lock.release()
        time.sleep(0.5)


def worker(lock):
    print("Starting")
    num_tries = 0
    num_acquires = 0
    while num_acquires < 3:
        time.sleep(0.5)
        print("Trying to acquire")
        # Never blocks: True if the lock was free and is now ours, False at once otherwise.
        have_it = lock.acquire(False)
        num_tries += 1
        if have_it:
            print(f"Iteration {num_tries}: Acquired")
            num_acquires += 1
            # Release only a lock we really got.
            lock.release()
        else:
            print(f"Iteration {num_tries}: Not acquired")
    print(f"Done after {num_tries} iterations")


lock = threading.Lock()

holder = threading.Thread(target=lock_holder, args=(lock,), name="LockHolder", daemon=True)
holder.start()

# Start Worker a quarter second later, so that its tries fall in the middle of LockHolder's
# half-second phases, not on their edges, where who goes first is luck.
time.sleep(0.25)
worker_thread = threading.Thread(target=worker, args=(lock,), name="Worker")
worker_thread.start()
