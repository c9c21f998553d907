"""An RLock held across calls: getAll holds it while getPart1 and getPart2 take it too,
and its level rises and falls with the calls (the "Threading" tutorial's Re-Entrant locks)."""
import re
import threading


def level(lock):
    """The RLock's recursion level, which Python shows only in its repr (`... count=2 at ...`)."""
    return int(re.search(r"count=(\d+)", repr(lock)).group(1))


def get_part1(lock):
    with lock:
        print(f"getPart1: level {level(lock)}")
        return "first part"


def get_part2(lock):
    with lock:
        print(f"getPart2: level {level(lock)}")
        return "second part"


def get_all(lock):
    """Holds the lock across both reads, so nobody changes the data in between. With a plain
    Lock, get_part1 would block forever on the lock its own caller holds."""
    with lock:
        print(f"getAll: level {level(lock)}")
        first = get_part1(lock)
        second = get_part2(lock)
        return first, second


lock = threading.RLock()
first, second = get_all(lock)
print(f"getAll returned {first!r} and {second!r}; level {level(lock)}")
