"""Opens a file before its thread starts and reads it in the thread: runs that shared the
open file would share its offset, and a later one would read nothing."""
import sys
import threading

source = open(sys.argv[1])


def read():
    print(len(source.read().splitlines()), "lines")


reader = threading.Thread(target=read)
reader.start()
reader.join()
