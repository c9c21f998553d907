"""Self-deadlock: a function holding a lock calls another that takes the same lock. With an
RLock the owner just goes one level deeper; with a plain Lock the thread waits for a release
only it could make (the "Threading" tutorial's getAll / getPart1)."""
import re
import threading


def level(lock):
    """The RLock's recursion level, which Python shows only in its repr (`... count=2 at ...`)."""
    return int(re.search(r"count=(\d+)", repr(lock)).group(1))


def get_part1_rlock(lock):
    """Reads the first part under the lock."""
    lock.acquire()
    try:
        print(f"getPart1: RLock level {level(lock)}")
    finally:
        lock.release()
    print(f"getPart1: released, level {level(lock)}")
    return "first part"


def get_all_rlock(lock):
    """Holds the lock across the read so nobody changes the data meanwhile."""
    lock.acquire()
    try:
        print(f"getAll: RLock level {level(lock)}")
        first = get_part1_rlock(lock)
    finally:
        lock.release()
    print(f"getAll: released, level {level(lock)}")
    return first


def get_part1_lock(lock):
    """The same getPart1 with a plain Lock."""
    print("getPart1: acquiring the Lock again")
    # The caller holds it: this waits for a release that never comes.
    lock.acquire()
    try:
        print("getPart1: never printed")
    finally:
        lock.release()
    return "first part"


def get_all_lock(lock):
    """The same getAll with a plain Lock."""
    lock.acquire()
    try:
        print("getAll: Lock acquired")
        first = get_part1_lock(lock)
    finally:
        lock.release()
    return first


rlock = threading.RLock()
part = get_all_rlock(rlock)
print(f"with an RLock, getAll returned {part!r}")

lock = threading.Lock()
part = get_all_lock(lock)
print(f"with a Lock, getAll returned {part!r}")
