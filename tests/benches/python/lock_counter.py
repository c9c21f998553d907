"""The benchmark of `threadviz run`: four threads, 50,000 `with lock:` increments each.

The count can be changed with THREADVIZ_BENCH_INCREMENTS; the program checks its own total.
"""
import os
import threading

INCREMENTS = int(os.environ.get("THREADVIZ_BENCH_INCREMENTS", "50000"))
counter = 0
lock = threading.Lock()


def work():
    global counter
    for _ in range(INCREMENTS):
        with lock:
            counter += 1


threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert counter == 4 * INCREMENTS, counter
print(counter)
