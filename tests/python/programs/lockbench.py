import threading
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
lock = threading.Lock()
n = 0


def work():
    global n
    for _ in range(N):
        with lock:
            n += 1


threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(n)
