import threading
print("before exit")
threading.Thread(target=print, args=("from a thread",)).start()
raise SystemExit(3)
