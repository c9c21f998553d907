import threading
import time

started = threading.Event()


def forever():
    started.set()
    while True:
        time.sleep(0.01)


d = threading.Thread(target=forever, name="daemon", daemon=True)
d.start()
started.wait()
print("main exits; daemon alive:", d.is_alive())
