import logging
import sys
import threading
import warnings

name = input("name? ")
print("hello", name, end="")
print("!")
sys.stdout.write("partial ")
sys.stdout.flush()
sys.stdout.write("line\n")
logging.warning("a warning from %s", threading.current_thread().name)
warnings.warn("careful")
print("to stderr", file=sys.stderr)
print(sys.stdout.isatty(), sys.stdout.encoding, sys.stderr.fileno())
sys.stdout.writelines(["a\n", "b\n"])
