import sys


def spin(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


print(spin(int(sys.argv[1]) if len(sys.argv) > 1 else 100000))
