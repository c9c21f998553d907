import threading

lock = threading.Lock()


def child():
    print("child before its first operation")
    with lock:
        pass


t = threading.Thread(target=child)
t.start()
print("main after start")
t.join()
