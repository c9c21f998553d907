"""Semaphore(2): four workers want in, never more than two run at once; ActivePool records
who is inside (PyMOTW `threading_semaphore`).

    python3 semaphore.py --workers 3 --pool 0    # fewer workers, no bookkeeping
"""
import argparse
import threading
import time


class ActivePool:
    """Tracks which threads are running. It does not limit anything: the semaphore does that."""

    def __init__(self):
        self.active = []
        self.lock = threading.Lock()

    def make_active(self, name):
        with self.lock:
            # A new list, stored back: one read and one write of `active`.
            active = self.active.copy()
            active.append(name)
            print(f"Running: {active}")
            self.active = active

    def make_inactive(self, name):
        with self.lock:
            active = self.active.copy()
            active.remove(name)
            print(f"Running: {active}")
            self.active = active


def worker(s, pool, keep_books):
    print("Waiting to join the pool")
    # with s: takes one of the two places, waiting while both are taken.
    with s:
        name = threading.current_thread().name
        if keep_books:
            pool.make_active(name)
        time.sleep(0.1)
        if keep_books:
            pool.make_inactive(name)


parser = argparse.ArgumentParser(description="Workers share a Semaphore with two places.")
parser.add_argument("--workers", type=int, default=4, choices=range(1, 9), metavar="N",
                    help="the workers sharing the semaphore (1..8, default 4)")
parser.add_argument("--pool", type=int, default=1, choices=range(0, 2), metavar="N",
                    help="1 keeps the list of running workers, 0 leaves it out (default 1)")
args = parser.parse_args()

pool = ActivePool()
s = threading.Semaphore(2)
for i in range(args.workers):
    t = threading.Thread(target=worker, name=str(i), args=(s, pool, args.pool != 0))
    t.start()
