"""A lock made by hand from a flag, as beginners write it: wait while the flag is up, then raise
it. Looking at the flag and raising it are two steps, so two threads can both find it down and
both go in.
"""
import threading
import time

flag = False


def worker():
    """`while flag: wait` then `flag = True`: the hand-made lock around the critical section."""
    global flag
    # Wait while another thread is inside.
    while flag:
        time.sleep(0.01)
    # A switch here lets the other thread find the flag still down, too.
    flag = True
    print("in the critical section")
    time.sleep(0.1)  # the work only one thread may do at a time
    print("leaving the critical section")
    flag = False


workers = [threading.Thread(target=worker, name=f"Thread-{n}") for n in (1, 2)]
for t in workers:
    t.start()
for t in workers:
    t.join()
