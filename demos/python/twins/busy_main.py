"""The low-level thread example: two threads print the time every 2 s and 4 s while the main
thread keeps the program alive with a busy loop (`while 1: pass`).
"""
import threading
import time

start = time.monotonic()


def print_time(threadname, delay):
    """Prints the thread's name and the time five times, `delay` apart."""
    count = 0
    while count < 5:
        time.sleep(delay)
        count += 1
        # Seconds since the program started (the tutorial prints the clock time,
        # time.ctime(time.time())).
        now = time.monotonic() - start
        print(f"{threadname}: {now:.1f} s")


thread_1 = threading.Thread(target=print_time, args=("thread-1", 2), name="thread-1")
thread_2 = threading.Thread(target=print_time, args=("thread-2", 4), name="thread-2")
thread_1.start()
thread_2.start()

# `while 1: pass`: the main thread never waits, it just burns CPU. The tutorial spins forever
# and needs Ctrl-C; here it stops once both threads are done.
while thread_1.is_alive() or thread_2.is_alive():
    pass
