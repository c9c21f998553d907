"""Joining a daemon thread: the main thread waits in join(), so the daemon gets to finish and
print `Exiting`.
"""
import threading
import time


def daemon():
    print("Starting")
    time.sleep(2)
    print("Exiting")


def non_daemon():
    print("Starting")
    print("Exiting")


d = threading.Thread(name="daemon", target=daemon, daemon=True)
t = threading.Thread(name="non-daemon", target=non_daemon)

d.start()
t.start()

# Wait for the daemon to end: it finishes its sleep and prints `Exiting`.
d.join()
t.join()
