"""A thread pool downloads (pretends to) eight pages with three workers; a lock guards the
running total, and the results come back in the order the pages were asked for.

    threadviz run demos/python/pool.py
"""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

PAGES = [f"page-{n}" for n in range(1, 9)]
total_bytes = 0
total_lock = threading.Lock()


def fetch(page):
    global total_bytes
    size = 1000 * len(page) + int(page.split("-")[1])
    time.sleep(0.1 * (int(page.split("-")[1]) % 3 + 1))  # the network
    with total_lock:
        total_bytes += size
    return page, size


with ThreadPoolExecutor(max_workers=3, thread_name_prefix="worker") as pool:
    for page, size in pool.map(fetch, PAGES):
        print(f"{page}: {size} bytes")

print(f"{len(PAGES)} pages, {total_bytes} bytes")
