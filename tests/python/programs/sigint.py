import threading
import time

lock = threading.Lock()
print("ready", flush=True)
with lock:
    time.sleep(30)
print("not reached")
