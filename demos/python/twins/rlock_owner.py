"""An RLock has an owner: another thread may not release it, and is kept out until the
owner's last release (the "Threading tutorial", RLock: test_01, test_02, test_03)."""
import itertools
import threading

thread_numbers = itertools.count(1)


def test_01(lock):
    try:
        lock.release()
    except RuntimeError:
        print("RLock can be released only by the owner!")


def test_02(lock):
    result = lock.acquire(blocking=False)
    if result:
        print("Locked by me")
    else:
        print("Already locked by another thread")


def in_new_thread(lock, f):
    """Runs f(lock) in a new thread and waits for it."""
    # Thread-N: the name Python gives a thread of its own (3.10+ would add "(test_01)").
    test = threading.Thread(target=f, args=(lock,), name=f"Thread-{next(thread_numbers)}")
    test.start()
    test.join()


def main():
    # Test 01: another thread releases the lock (not allowed for an RLock: it has an owner)
    print("@test_01")
    lock = threading.RLock()
    lock.acquire()
    in_new_thread(lock, test_01)

    # Test 02: another thread tries to take the lock (it cannot while the owner holds it)
    print("@test_02")
    lock = threading.RLock()
    lock.acquire()
    in_new_thread(lock, test_02)

    # Test 03: the owner acquires the lock several times
    print("@test_03")
    lock = threading.RLock()

    # Lock several times
    lock.acquire()
    lock.acquire()
    lock.acquire()

    # First release (should still be locked)
    lock.release()
    in_new_thread(lock, test_02)

    # Second release (should still be locked)
    lock.release()
    in_new_thread(lock, test_02)

    # Third release (should be free)
    lock.release()
    in_new_thread(lock, test_02)


if __name__ == "__main__":
    main()
