"""Fetching URLs in three threads and appending to one file under a lock: the downloads run
side by side, the writes one at a time.
"""
import threading
import time

DOWNLOAD_SECONDS = {"http://www.yahoo.fr": 2.5, "http://www.lemonde.fr": 1.0}


def get_data(url):
    """Stands in for urllib2.urlopen(url).read(): each site takes its own time to answer."""
    time.sleep(DOWNLOAD_SECONDS.get(url, 1.5))
    return f"<html> from {url}"


def fetch_url(url):
    """Downloads `url`, then appends one line to the shared file, holding the lock only while
    writing."""
    global test_txt
    data = get_data(url)
    print(f"{url} was requested and returned")

    lock.acquire()
    name = threading.current_thread().name
    print(f"lock acquired by {name}")
    # Open, append, close: a load-modify-store that only the lock holder may do.
    lines = test_txt
    lines = lines + [f"Data from {url} fetched"]
    time.sleep(1)  # writing takes a while too
    test_txt = lines
    print(f"write done by {name}")
    print(f"lock released by {name}")
    lock.release()
    return data


test_txt = []  # the file test.txt, one string a line
lock = threading.Lock()

fetchers = []
for n, url in enumerate(["http://www.yahoo.fr", "http://www.lemonde.fr", "http://www.youtube.fr"],
                        start=1):
    t = threading.Thread(target=fetch_url, args=(url,), name=f"Thread-{n}")
    t.start()
    fetchers.append(t)

for t in fetchers:
    t.join()
print("test.txt:")
for line in test_txt:
    print(f"  {line}")
