import threading
import time

lock_a = threading.Lock()
lock_b = threading.Lock()


def worker(first, second):
    with first:
        time.sleep(0.2)
        with second:
            print("never")


t1 = threading.Thread(target=worker, args=(lock_a, lock_b), daemon=True)
t2 = threading.Thread(target=worker, args=(lock_b, lock_a), daemon=True)
t1.start()
t2.start()
t1.join(1.0)
print("deadlocked:", t1.is_alive() and t2.is_alive())
