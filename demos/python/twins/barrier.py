"""Barrier(parties, action, timeout): three threads pass in lockstep, the action runs once per
round, and abort() breaks the barrier for everyone (`--rounds 1`: nobody gives up).
"""
import argparse
import random
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
parser.add_argument("--rounds", type=in_range(1, 5), default=3,
                    help="the rounds the first two workers go through (1 to 5, default 3)")
args = parser.parse_args()


def worker(barrier, rounds, all_rounds):
    """Works `rounds` of the `all_rounds`, meeting the others at the barrier after each one; a
    thread with fewer rounds gives up and aborts the barrier so nobody waits for it forever."""
    for round_number in range(1, all_rounds + 1):
        if round_number > rounds:
            time.sleep(2)  # stuck, while the others wait
            print(f"Round {round_number}: giving up, abort()")
            barrier.abort()
            return
        time.sleep(random.uniform(0.5, 1.5))  # this round's work
        print(f"Round {round_number}: waiting at the barrier")
        try:
            index = barrier.wait()
        except threading.BrokenBarrierError:
            print(f"Round {round_number}: BrokenBarrierError: the barrier is broken")
            return
        print(f"Round {round_number}: passed (arrived as number {index})")


def everyone_arrived():
    print("All 3 arrived: everyone passes")


# The action runs once per round, in the last thread to arrive, before anyone passes.
# A thread waiting longer than 5 s would break the barrier too.
barrier = threading.Barrier(3, action=everyone_arrived, timeout=5)
for n, rounds in enumerate([args.rounds, args.rounds, min(args.rounds, 2)], start=1):
    t = threading.Thread(target=worker, args=(barrier, rounds, args.rounds), name=f"Thread-{n}")
    t.start()
