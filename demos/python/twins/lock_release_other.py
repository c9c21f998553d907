"""A Lock has no owner: another thread may release the main thread's lock, while a
non-blocking acquire by another thread fails as long as it is held.
"""
import threading


def test_01(lock):
    # This thread never acquired the lock, and may release it all the same.
    lock.release()
    print(lock.locked())


def test_02(lock):
    # acquire(0): do not wait.
    result = lock.acquire(0)
    print(result)


print("@test_01 : Another thread releases the lock")
lock_1 = threading.Lock()
lock_1.acquire()
print(lock_1.locked())

test = threading.Thread(target=test_01, args=(lock_1,), name="Thread-1")
test.start()
test.join()

print("@test_02 : Another thread tries to acquire the lock")
lock_2 = threading.Lock()
lock_2.acquire()
print(lock_2.locked())

test = threading.Thread(target=test_02, args=(lock_2,), name="Thread-2")
test.start()
test.join()
