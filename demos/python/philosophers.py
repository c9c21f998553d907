"""Five philosophers, five forks: each picks up the left fork, then the right one.

If every philosopher holds a left fork, nobody gets a right one: a deadlock.

    threadviz run demos/python/philosophers.py            # watch them deadlock
    threadviz run demos/python/philosophers.py --ordered  # lower-numbered fork first: no cycle
"""
import sys
import threading
import time

SEATS = 5
MEALS = 2
forks = [threading.Lock() for _ in range(SEATS)]
ordered = "--ordered" in sys.argv[1:]


def philosopher(seat):
    left, right = seat, (seat + 1) % SEATS
    if ordered:
        left, right = min(left, right), max(left, right)
    for meal in range(1, MEALS + 1):
        print(f"philosopher {seat} thinks")
        time.sleep(0.1)
        with forks[left]:
            time.sleep(0.1)  # long enough for everyone to take a left fork
            with forks[right]:
                print(f"philosopher {seat} eats meal {meal}")
                time.sleep(0.1)


diners = [threading.Thread(target=philosopher, args=(seat,), name=f"phil-{seat}") for seat in range(SEATS)]
for diner in diners:
    diner.start()
for diner in diners:
    diner.join()
print("everyone has eaten")
