import queue
import threading


class Bank:
    def __init__(self):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)


bank = Bank()
forks = [threading.Lock() for _ in range(5)]
cond = threading.Condition()
left, right = threading.Lock(), threading.RLock()
jobs = queue.Queue()
gate = threading.Event()
threading.Semaphore(3)
with forks[2]:
    pass
print("named")
