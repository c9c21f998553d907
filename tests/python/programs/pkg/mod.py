import sys
import threading
lock = threading.Lock()
with lock:
    print("module", __name__, sys.argv[1:], sys.path[0] == __import__("os").getcwd())
raise SystemExit(4)
