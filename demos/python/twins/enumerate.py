"""Joining every thread found by threading.enumerate(), skipping the main thread itself."""
import random
import threading
import time


def worker():
    pause = random.randint(1, 5)
    print(f"sleeping {pause}")
    time.sleep(pause)
    print("ending")


# Three daemon workers, joined through enumerate() without keeping their handles.
for n in range(1, 4):
    t = threading.Thread(target=worker, name=f"Thread-{n}")
    t.daemon = True
    t.start()

main_thread = threading.main_thread()
for t in threading.enumerate():
    # Joining itself is refused ("cannot join current thread"): skip the main thread.
    if t is main_thread:
        continue
    print(f"joining {t.name}")
    t.join()
