import threading

count = 0
lock = threading.Lock()


def work(n):
    global count
    for _ in range(n):
        with lock:
            count += 1


threads = [threading.Thread(target=work, args=(3,), name="w%d" % i) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("count", count)
