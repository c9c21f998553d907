import threading

lock = threading.Lock()
count = 0


def work():
    global count
    for _ in range(3):
        with lock:
            count += 1


threads = [threading.Thread(target=work, name="w%d" % i) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(count)
