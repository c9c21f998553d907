import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
work = queue.Queue()
names = set()


def square(x):
    names.add(threading.current_thread().name.rsplit("_", 1)[0])
    logging.info("square")
    return x * x


with ThreadPoolExecutor(max_workers=2) as pool:
    print(sorted(pool.map(square, range(4))))
print(sorted(names))
t = threading.Thread(target=lambda: work.put(1))
t.start()
t.join()
print(work.get())
