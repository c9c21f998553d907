import os
import threading

lock = threading.Lock()
with lock:
    print("parent before fork", flush=True)
pid = os.fork()
if pid == 0:
    for _ in range(200000 // 100):
        with lock:
            pass
    print("child done", flush=True)
    raise SystemExit(0)
_, status = os.waitpid(pid, 0)
with lock:
    print("parent after child, status", status)
