"""A bank account that loses deposits: four clerks add to one balance without a lock.

    threadviz run demos/python/bank.py          # watch the lost updates
    threadviz run demos/python/bank.py --lock   # the same clerks, one at a time
"""
import sys
import threading
import time

DEPOSITS = 25
balance = 0
balance_lock = threading.Lock()
use_lock = "--lock" in sys.argv[1:]


def clerk():
    global balance
    for _ in range(DEPOSITS):
        if use_lock:
            with balance_lock:
                current = balance
                time.sleep(0)
                balance = current + 1
        else:
            current = balance  # read the balance
            time.sleep(0)  # another clerk may run here
            balance = current + 1  # write it back, maybe over another's deposit


clerks = [threading.Thread(target=clerk, name=f"clerk-{n}") for n in range(1, 5)]
for c in clerks:
    c.start()
for c in clerks:
    c.join()

expected = DEPOSITS * len(clerks)
print(f"expected {expected}, balance {balance}: {expected - balance} deposits lost")
