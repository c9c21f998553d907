import random
import threading


def draw(label):
    values = [random.random() for _ in range(3)] + [random.randint(1, 6) for _ in range(3)]
    values += [random.randint(-10**12, 10**12), random.randint(-2**63, 2**63 - 1), random.uniform(2.5, 7.5)]
    print(label, repr(values))
    others = random.choice("abcdef"), random.randrange(100), random.sample(range(10), 3)
    print(label, "others", repr(others))


draw("thread 1")
for i in (2, 3):
    t = threading.Thread(target=draw, args=("thread %d" % i,))
    t.start()
    t.join()
