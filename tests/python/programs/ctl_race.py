import threading
import time

count = 0
lock = threading.Lock()


def locked(n):
    global count
    for _ in range(n):
        with lock:
            value = count
            time.sleep(0)
            count = value + 1


def bare(n):
    global count
    for _ in range(n):
        value = count
        time.sleep(0)          # a step point between the read and the write
        count = value + 1


for target in (locked, bare):
    count = 0
    threads = [threading.Thread(target=target, args=(3,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(target.__name__, "count", count)
