import threading


def boom():
    raise RuntimeError("thread failed")


def misuse():
    threading.Lock().release()


t = threading.Thread(target=boom, name="boomer")
t.start()
t.join()
t = threading.Thread(target=misuse, name="misuser")
t.start()
t.join()
seen = []
threading.excepthook = lambda args: seen.append((args.exc_type.__name__, str(args.exc_value), args.thread.name))
t = threading.Thread(target=boom, name="hooked")
t.start()
t.join()
print(seen)
