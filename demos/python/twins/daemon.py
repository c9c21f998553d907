"""Daemon threads: the program ends without waiting for the daemon, which is stopped in its
sleep and never prints `Exiting`.
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


# daemon=True (the tutorial's d.setDaemon(True)): the program will not wait for this thread.
d = threading.Thread(name="daemon", target=daemon, daemon=True)
t = threading.Thread(name="non-daemon", target=non_daemon)

d.start()
t.start()
# Shutdown waits for `non-daemon` only; `daemon` is stopped while it still sleeps.
