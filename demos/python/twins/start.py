"""Quick start: two functions run in two threads at the same time; the faster one ends
first (the "Threading" tutorial's Quick Start)."""
import threading
import time


def func1():
    for _ in range(3):
        print("Inside func1")
        time.sleep(2)


def func2():
    for _ in range(3):
        print("Inside func2")
        time.sleep(1)


# The tutorial's thread.start_new_thread(func1, ()) makes a bare thread that dies with the
# main thread; threading.Thread is the same thread that the program waits for.
threading.Thread(target=func1, name="Thread-1").start()
threading.Thread(target=func2, name="Thread-2").start()
# The main thread is done; the program still waits for both threads.
