"""Appends a line to the file it is given, then starts a thread: a run that reaches outside
its process before its first thread (each run must append its own line)."""
import sys
import threading

with open(sys.argv[1], "a") as log:
    log.write("run\n")
worker = threading.Thread(target=print, args=("worker",))
worker.start()
worker.join()
