"""A bank account that loses deposits: clerks add to one balance without a lock.

`balance += 1` is three steps for the interpreter: load the balance, add one, store it. A thread
switch between the load and the store loses a deposit. CPython 3.10 and later switch threads only
at a few points, so a bare run almost never shows it; exploring the bytecode finds it at once:

    threadviz run demos/python/bank.py                   # 4 clerks x 25 deposits, watched
    threadviz explore --step bytecode demos/python/bank.py --clerks 2 --deposits 2
    threadviz explore --strategy dfs demos/python/bank.py --clerks 2 --deposits 2 --lock
"""
import argparse
import threading

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--clerks", type=int, default=4, help="threads that deposit (default 4)")
parser.add_argument("--deposits", type=int, default=25, help="deposits each clerk makes (default 25)")
parser.add_argument("--lock", action="store_true", help="make each deposit under a lock")
args = parser.parse_args()

balance = 0
balance_lock = threading.Lock()


def clerk():
    global balance
    for _ in range(args.deposits):
        if args.lock:
            with balance_lock:
                balance += 1
        else:
            balance += 1  # load, add, store: another clerk may run in between


clerks = [threading.Thread(target=clerk, name=f"clerk-{n}") for n in range(1, args.clerks + 1)]
for c in clerks:
    c.start()
for c in clerks:
    c.join()

expected = args.deposits * args.clerks
print(f"expected {expected}, balance {balance}: {expected - balance} deposits lost")
