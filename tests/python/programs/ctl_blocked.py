import threading

lock = threading.Lock()


def worker():
    with lock:
        print("worker has it")


lock.acquire()
t = threading.Thread(target=worker)
t.start()
lock.release()
t.join()
