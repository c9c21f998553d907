"""Every instrumented part of the API, with output that does not depend on timing."""
import _thread
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

log = []


class Account:
    def __init__(self):
        self.lock = threading.Lock()
        self.balance = 0

    def deposit(self, n):
        with self.lock:
            self.balance += n


forks = [threading.Lock() for _ in range(5)]
rlock = threading.RLock()
cond = threading.Condition()
cond_lock = threading.Condition(threading.Lock())
cond_rlock = threading.Condition(rlock)
sem = threading.Semaphore(2)
bsem = threading.BoundedSemaphore(1)
event = threading.Event()
barrier = threading.Barrier(3, action=lambda: log.append("barrier action"))
data = threading.local()
raw = _thread.allocate_lock()
q = queue.Queue(maxsize=2)
lq = queue.LifoQueue()
pq = queue.PriorityQueue()
sq = queue.SimpleQueue()

# Lock and RLock
acct = Account()
for i in range(3):
    acct.deposit(i)
print("balance", acct.balance)
with forks[2]:
    print("fork 2 locked", forks[2].locked(), "acquire again:", forks[2].acquire(False))
print("timeout acquire", forks[0].acquire(timeout=0.01), forks[0].acquire(timeout=0.01))
forks[0].release()
with rlock:
    with rlock:
        print("rlock nested")
try:
    rlock.release()
except RuntimeError as e:
    print("RuntimeError:", e)
with raw:
    print("raw lock", raw.locked())

# Condition: wait, wait_for, notify(n), notify_all, over Lock, RLock and default
ready = []


def waiter(c, name):
    with c:
        c.wait_for(lambda: name in ready)
        log.append("woke " + name)


ws = [threading.Thread(target=waiter, args=(c, n), name="waiter-" + n)
      for c, n in ((cond, "a"), (cond_lock, "b"), (cond_rlock, "c"))]
for w in ws:
    w.start()
for c, n in ((cond, "a"), (cond_lock, "b"), (cond_rlock, "c")):
    with c:
        ready.append(n)
        c.notify(1)
        c.notify_all()
for w in ws:
    w.join()
print(sorted(log))
log.clear()
with cond:
    print("wait timeout", cond.wait(0.01))
try:
    cond.notify()
except RuntimeError as e:
    print("RuntimeError:", e)

# Semaphore, BoundedSemaphore
with sem:
    print("sem acquire nonblocking", sem.acquire(False), sem.acquire(False))
    sem.release()
bsem.acquire()
bsem.release()
try:
    bsem.release()
except ValueError as e:
    print("ValueError:", e)

# Event
setter = threading.Timer(0.02, event.set)
setter.start()
print("event wait", event.wait(5))
setter.join()
event.clear()
print("event wait timeout", event.wait(0.01), event.is_set())

# Barrier: action, timeout, abort, reset
results = []


def party():
    results.append(barrier.wait())


ps = [threading.Thread(target=party) for _ in range(3)]
for p in ps:
    p.start()
for p in ps:
    p.join()
print("barrier indexes", sorted(results), log)
try:
    threading.Barrier(2).wait(timeout=0.02)
except threading.BrokenBarrierError:
    print("barrier broken by timeout")
b2 = threading.Barrier(2)
b2.abort()
try:
    b2.wait()
except threading.BrokenBarrierError:
    print("aborted barrier broken")
b2.reset()
print("after reset broken:", b2.broken)

# local
data.x = 1


def look():
    log.append(hasattr(data, "x"))
    data.x = 2


t = threading.Thread(target=look)
t.start()
t.join()
print("local", data.x, log)

# queues
q.put(1)
q.put_nowait(2)
try:
    q.put(3, timeout=0.01)
except queue.Full:
    print("Full")
try:
    q.put_nowait(3)
except queue.Full:
    print("Full nowait")
print(q.get(), q.get_nowait())
try:
    q.get(timeout=0.01)
except queue.Empty:
    print("Empty")
try:
    q.get_nowait()
except queue.Empty:
    print("Empty nowait")
q.task_done()
q.task_done()
try:
    q.task_done()
except ValueError as e:
    print("ValueError:", e)
q.join()
for i in (3, 1, 2):
    lq.put(i)
    pq.put(i)
    sq.put(i)
print([lq.get() for _ in range(3)], [pq.get() for _ in range(3)], [sq.get() for _ in range(3)])
try:
    sq.get(timeout=0.01)
except queue.Empty:
    print("SimpleQueue Empty")
consumer_q = queue.Queue()


def consume():
    while True:
        item = consumer_q.get()
        if item is None:
            consumer_q.task_done()
            break
        log.append(item)
        consumer_q.task_done()


c = threading.Thread(target=consume)
c.start()
for i in range(3):
    consumer_q.put(i)
consumer_q.put(None)
consumer_q.join()
c.join()

# threads: names, renames, daemon, ident, native_id, enumerate, current/main thread
t = threading.Thread(target=lambda: None, name="before")
t.name = "after"
t.daemon = True
t.start()
t.join(timeout=5)
print("thread", t.name, t.daemon, t.ident is not None, t.native_id is not None, t.is_alive())
print("main", threading.current_thread() is threading.main_thread(), threading.main_thread().name)
print("enumerate", [x.name for x in threading.enumerate()], threading.active_count())


class Sub(threading.Thread):
    def run(self):
        log.append("sub ran " + self.name)


s = Sub(name="sub")
s.start()
s.join()
with ThreadPoolExecutor(max_workers=2) as pool:
    print("pool", list(pool.map(lambda x: x * x, range(5))))
time.sleep(0.01)
done = _thread.allocate_lock()
done.acquire()
_thread.start_new_thread(done.release, ())
done.acquire()
print(log)
print("end")
