"""A Queue feeding ten daemon workers: each takes an item, works 0.2 s and calls
task_done(); the main thread waits in join() until all 100 are done (the "Threading
tutorial", Queued threads)."""
import queue
import threading
import time


def worker(stream):
    # A daemon: this loop never ends, the thread is stopped at shutdown.
    while True:
        item = stream.get()
        print(item)
        time.sleep(0.2)
        stream.task_done()


def process(data):
    stream = queue.Queue()

    # Start parallel workers to work on the stream.
    for i in range(10):
        # Thread-N: the name Python gives a thread of its own (3.10+ would add "(worker)").
        t = threading.Thread(target=worker, args=(stream,), name=f"Thread-{i + 1}")
        t.daemon = True
        t.start()

    for item in data:
        stream.put(item)

    # Wait until every item was taken *and* marked done.
    stream.join()


if __name__ == "__main__":
    process(range(100))
