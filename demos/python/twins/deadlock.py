"""Deadlock: two threads take the same two locks in opposite order, and each ends up waiting
for the lock the other holds (`--sleep 0`: only when a thread is switched out between its locks).
"""
import argparse
import threading
import time


def in_range(low, high):
    def number(text):
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not {low} to {high}")
        return value
    return number


parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--sleep", type=in_range(0, 1000), default=500,
                    help="milliseconds a thread sleeps holding its first lock "
                         "(0 to 1000, default 500)")
args = parser.parse_args()


def transfer(first_name, first, second_name, second):
    """Takes `first`, then `second`, each with `with lock:`, and works with both."""
    print(f"acquiring {first_name}")
    with first:
        print(f"holding {first_name}")
        # The other thread takes its first lock meanwhile: now the deadlock comes every time,
        # instead of once in a while.
        if args.sleep > 0:
            time.sleep(args.sleep / 1000)
        print(f"acquiring {second_name}")
        with second:
            print("holding both: working")


lock_a = threading.Lock()
lock_b = threading.Lock()
t1 = threading.Thread(target=transfer, args=("lock-a", lock_a, "lock-b", lock_b), name="Thread-1")
t2 = threading.Thread(target=transfer, args=("lock-b", lock_b, "lock-a", lock_a), name="Thread-2")
t1.start()
t2.start()

print("waiting for both threads")
t1.join()
t2.join()
# Never reached: each thread waits forever for the lock the other one holds.
print("both threads done")
