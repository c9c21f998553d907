import threading
lock = threading.Lock()
print("releasing an unlocked lock")
lock.release()
