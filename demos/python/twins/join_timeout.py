"""join() with a timeout: the main thread gives up after 1 s while the daemon still sleeps."""
import threading
import time


def daemon():
    print("Starting")
    time.sleep(2)
    print("Exiting")


def non_daemon():
    print("Starting")
    print("Exiting")


d = threading.Thread(name="daemon", target=daemon, daemon=True)
t = threading.Thread(name="non-daemon", target=non_daemon)

d.start()
t.start()

# Wait at most 1 s: the daemon sleeps 2 s, so this returns before it ends.
d.join(1)
# join() does not say why it returned: ask the thread (isAlive() in the tutorial's Python 2).
print(f"d.isAlive() {d.is_alive()}")
t.join()
