"""The controlled scheduler (spec section 3): exactly one program thread runs at a time, the
one holding the baton, and threadviz chooses who moves at every step point.

The baton holder does everything itself, single-threaded: at a step point, or when it blocks,
sleeps or ends, it computes the options (threads at a step point, blocked threads whose wait
would now succeed, the earliest deadline), takes the only one when `auto` allows it, else
writes the pending events and a `choose` line and reads ONE control line from the socket in
its own thread. Handing the baton over is setting `current` and releasing the chosen thread's
wake lock; every other thread sleeps on its own wake lock. A blocked thread's wait is a
predicate, evaluated only by the baton holder (so without races), and a deadline in demo time,
which stands still except when `time` is granted.

Also here: demo time as the program reads it (time.time, monotonic, perf_counter) and the
deterministic per-thread random streams (fastrand's wyrand, as src/random.rs draws them).
"""

import _thread
import collections
import json
import os
import random as _random_mod
import time as _time_mod

from . import prims, wire

_alloc = _thread.allocate_lock
MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
DEADLINE_MAX = 1 << 62            # a timeout too long to be told in microseconds
DEFAULT_EPOCH = 1735689600.0      # time.time() at demo time 0: 2025-01-01 00:00:00 UTC

POINT, BLOCKED, RUNNING, STARTING = "point", "blocked", "running", "starting"
THREAD, TIME = "thread", "time"

active = False          # a controlled run is under way in this process
auto = False            # one option: take it without asking
seed = 0
epoch = DEFAULT_EPOCH
current = 1             # the thread holding the baton
moving = 1              # the thread that took the last step
auto_steps = 0          # steps taken without asking since the last choose line
returned = False        # the main thread's program has returned
finishing = False       # ... and no non-daemon thread is left: the main thread goes on alone
threads = {}            # tid -> _Thread, every live thread of the run
starting = 0            # threads started and not yet at their first point (or ended)
_picker = None          # the run's own chooser (begin), or None: it asks
first_start = None      # called when the run's first thread is about to start (boot.py)
PICKED_BATCH = 512      # a run that chooses itself sends its events in batches of this many


class _Thread:
    """A program thread as the scheduler sees it."""
    __slots__ = ("tid", "daemon", "state", "ready", "deadline", "granted", "wake", "started")

    def __init__(self, tid, daemon, state):
        self.tid = tid
        self.daemon = daemon
        self.state = state
        self.ready = None        # BLOCKED: the predicate saying its wait would now succeed
        self.deadline = None     # BLOCKED: demo-time deadline (us) of a timed wait, or None
        self.granted = None      # how it was last let go: THREAD or TIME
        self.wake = _alloc()     # released to hand it the baton
        self.wake.acquire()
        self.started = None      # STARTING: released when it reaches its first point (or ends)


def begin(auto_steps_alone, run_seed, run_epoch=None, pick=None):
    """A controlled run starts in this process, its main thread (1) holding the baton.
    `pick`: the state of threadviz's random chooser (fastrand's wyrand), when threadviz lets
    the run make its choices itself: each is then drawn here as threadviz would draw it and
    told in the stream (a `choose` line with `picked`), where threadviz checks it against its
    own draw, instead of asked for and waited on (a line each way, a third of a short run)."""
    global active, auto, seed, epoch, current, moving, auto_steps, returned, finishing, _picker
    active = True
    choose_by(pick)
    auto = bool(auto_steps_alone)
    seed = int(run_seed) & MASK
    epoch = DEFAULT_EPOCH if run_epoch is None else float(run_epoch)
    current = moving = 1
    auto_steps = 0
    returned = finishing = False
    threads.clear()
    threads[1] = _Thread(1, False, RUNNING)
    global starting
    starting = 0
    _streams.clear()
    set_now(0)
    prims._controlled = True
    prims._closed = True          # every operation is a step point
    prims._linger = 0.0
    import threading
    threading._allocate_lock = prims._QuietLock     # Condition's waiter locks
    _install_time()
    _install_random()
    _pin()


def forked():
    """In a child the program forked: one thread, no socket; it runs free (on every CPU
    again)."""
    global active
    active = False
    prims._controlled = False
    prims._closed = False
    _unpin()


# --- one CPU -------------------------------------------------------------------------------
# Exactly one thread of a controlled run moves at a time, so the run loses nothing by being
# held on one CPU, and handing the baton over becomes a switch on that CPU instead of waking
# another one up (measured here: a lock handed back and forth between two threads, 72 us a
# round trip free, 19 us on one CPU). The program does not see it: its affinity reads as it
# was, and what it starts (a subprocess, a fork) runs on the CPUs it had.
_cpus = None            # the CPUs the run had before it was held on one, or None


def choose_by(pick):
    """A run forked from another's first part (boot.py) makes its own choices from `pick`
    (None: it asks), as begin's `pick` says."""
    global _picker
    _picker = None if pick is None else Stream(pick)
    prims._LIMIT = wire.LIMIT if pick is None else PICKED_BATCH


def _pin():
    global _cpus
    if _cpus is not None or not hasattr(os, "sched_setaffinity"):
        return
    try:
        cpus = os.sched_getaffinity(0)
        if len(cpus) < 2:
            return
        os.sched_setaffinity(0, {min(cpus)})
    except OSError:
        return
    _cpus = cpus
    _real_getaffinity = os.sched_getaffinity

    def sched_getaffinity(pid):
        if _cpus is not None and pid in (0, os.getpid()):
            return set(_cpus)
        return _real_getaffinity(pid)
    os.sched_getaffinity = sched_getaffinity
    if hasattr(os, "process_cpu_count"):
        os.process_cpu_count = lambda: len(_cpus) if _cpus is not None else os.cpu_count()
    for owner, name in ((os, "posix_spawn"), (os, "posix_spawnp"), (os, "system")):
        if hasattr(owner, name):
            setattr(owner, name, _unpinned(getattr(owner, name)))
    try:
        import _posixsubprocess
        _posixsubprocess.fork_exec = _unpinned(_posixsubprocess.fork_exec)
    except (ImportError, AttributeError):
        pass


def _unpinned(spawn):
    """`spawn` called with the calling thread on every CPU the run had, so that what it
    starts inherits them; held on one again after."""
    def call(*args, **kwargs):
        cpus = _cpus
        if cpus is None:
            return spawn(*args, **kwargs)
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            return spawn(*args, **kwargs)
        try:
            return spawn(*args, **kwargs)
        finally:
            try:
                os.sched_setaffinity(0, {min(cpus)})
            except OSError:
                pass
    call.__wrapped__ = spawn
    return call


def serving():
    """This run's process becomes a server of runs forked from it (boot.py): on every CPU
    again, so that it forks the next run's process beside the run under way, not after it."""
    if _cpus is not None:
        try:
            os.sched_setaffinity(0, _cpus)
        except OSError:
            pass


def served():
    """A run forked from a serving process: on its one CPU again."""
    if _cpus is not None:
        try:
            os.sched_setaffinity(0, {min(_cpus)})
        except OSError:
            pass


def _unpin():
    global _cpus
    cpus = _cpus
    _cpus = None
    if cpus is not None:
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            pass


# --- demo time -----------------------------------------------------------------------------
def now():
    return prims._now()


def set_now(us):
    """Demo time is `us` microseconds from now on (it only moves forward)."""
    us = float(us)
    prims._lin = (0.0, us, us)


def deadline(timeout):
    """The demo-time deadline (us) of a wait of `timeout` seconds (None: none); a timeout of
    zero or less is a deadline of now, as Rust's zero timeout: only `time` ends the wait."""
    if timeout is None:
        return None
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    if timeout <= 0:
        return now()
    if timeout >= 4e12:
        return DEADLINE_MAX
    # Rounded (0.57 s is 570000 us), and never now for a positive timeout: a loop that waits
    # for what is left of its timeout, computed in float seconds, must see time pass.
    return min(DEADLINE_MAX, now() + max(1, int(round(timeout * 1e6))))


def monotonic():
    return prims._now() / 1e6


def monotonic_ns():
    return prims._now() * 1000


def time():
    return epoch + prims._now() / 1e6


def time_ns():
    return int(epoch * 1e9) + prims._now() * 1000


def _install_time():
    _time_mod.time = time
    _time_mod.time_ns = time_ns
    _time_mod.monotonic = monotonic
    _time_mod.monotonic_ns = monotonic_ns
    _time_mod.perf_counter = monotonic
    _time_mod.perf_counter_ns = monotonic_ns
    import queue
    queue.time = monotonic       # Queue.put/get count their timeouts on it


# --- the options and the baton -------------------------------------------------------------
def options():
    """(threads that can move, sorted; (deadline, tid) of the earliest timed wait or None)."""
    movers = []
    timed = None
    for tid in sorted(threads):
        t = threads[tid]
        state = t.state
        if state == POINT or state == STARTING:
            movers.append(tid)
        elif state == BLOCKED:
            if t.ready():
                movers.append(tid)
            d = t.deadline
            if d is not None and (timed is None or (d, tid) < timed):
                timed = (d, tid)
    return movers, timed


def _main_may_finish():
    """The main thread has returned and waits for no non-daemon thread."""
    for tid, t in threads.items():
        if tid != 1 and not t.daemon:
            return False
    return True


def _next(me, alone=False):
    """The baton holder `me` (None: a thread that has just ended) lets the next mover go,
    and, unless that is itself, waits for the baton to come back. Returns how `me` was let
    go (THREAD or TIME), or None when it has ended. `alone`: `me` is at an instruction that
    is no choice (trace.py, partial-order reduction): it takes the step, as the only option."""
    global current, moving, auto_steps, finishing
    main = threads.get(1)
    if returned and main is not None and main.state == BLOCKED and _main_may_finish():
        # The run is over but for its end: the main thread finishes alone, unasked, as in
        # the Rust session (its daemon threads are never let go again).
        finishing = True
        chosen, how = main, THREAD
    else:
        if alone or (auto and len(threads) == 1 and me is not None and me.state == POINT):
            # Its only option, as options() would say (the run's only thread, at a point),
            # or the only one worth offering (an instruction that is no choice).
            auto_steps += 1
            chosen, how = me, THREAD
        else:
            movers, timed = options()
            count = len(movers) + (timed is not None)
            if count == 0:
                _deadlock()
            if count == 1 and auto:
                auto_steps += 1
                if movers:
                    chosen, how = threads[movers[0]], THREAD
                else:
                    chosen, how = threads[timed[1]], TIME
            elif _picker is not None:
                chosen, how = _pick(movers, timed)
            else:
                chosen, how = _ask(movers, timed)
            if how == TIME:
                if timed[0] > prims._now():
                    set_now(timed[0])
        moving = chosen.tid
        # Each step's events start with its control, as in a Rust session's: the explorer
        # counts steps by them, and finds at which step something went wrong.
        prims._put_keep('{"time_us":%d,"thread":0,"loc":null,"kind":{"kind":"control","control":'
                        '{"action":"%s","thread":%d}}}' % (prims._now(), "advance" if how == TIME else "step", moving))
    chosen.granted = how
    if chosen is me:
        return how
    current = chosen.tid
    chosen.wake.release()
    if me is None:
        return None
    me.wake.acquire()
    return me.granted


def _ask(movers, timed):
    global auto_steps
    line = '{"choose":{"threads":[%s],"time":%s,"auto":%d,"moving":%s}}' % (
        ",".join("%d" % t for t in movers),
        "null" if timed is None else "[%d,%d]" % timed,
        auto_steps, "null" if moving is None else "%d" % moving)
    auto_steps = 0
    msg = wire.ask(line)
    if isinstance(msg, dict) and msg.get("control") == "grant":
        if msg.get("time") is True and timed is not None:
            return threads[timed[1]], TIME
        tid = msg.get("thread")
        if isinstance(tid, int) and not isinstance(tid, bool) and tid in movers:
            return threads[tid], THREAD
    _protocol_error(msg)


def _pick(movers, timed):
    """The run's own choice (begin's `pick`): the option threadviz's random chooser draws,
    `options[usize(..n)]` over the threads then time, told in the stream as asked and chosen."""
    global auto_steps
    n = len(movers) + (timed is not None)
    i = _picker._mod_u64(n)
    if i < len(movers):
        chosen, how, picked = threads[movers[i]], THREAD, '{"thread":%d}' % movers[i]
    else:
        chosen, how, picked = threads[timed[1]], TIME, '{"time":true}'
    prims._put_keep('{"choose":{"threads":[%s],"time":%s,"auto":%d,"moving":%s,"picked":%s}}' % (
        ",".join("%d" % t for t in movers),
        "null" if timed is None else "[%d,%d]" % timed,
        auto_steps, "null" if moving is None else "%d" % moving, picked))
    auto_steps = 0
    return chosen, how


def _protocol_error(msg):
    try:
        os.write(2, ("threadviz hook: expected a grant of one of the options, got %s\n"
                     % json.dumps(msg)).encode("utf-8", "replace"))
    except Exception:
        pass
    os._exit(1)


def _deadlock():
    """Nothing can move and threads are alive: tell it, and wait to be ended."""
    wire.ask('{"choose":{"threads":[],"time":null,"auto":%d,"moving":%s}}'
             % (auto_steps, "null" if moving is None else "%d" % moving), reply=False)
    wire.wait_eof()
    os._exit(1)


# --- what the hook's threads call ----------------------------------------------------------
def point(tid, frame=None, alone=False):
    """Thread `tid` is at a step point (about to perform an operation, or a line or an
    instruction): it goes on when chosen; at once, under `auto`, when `alone` (an
    instruction that is no choice, trace.py)."""
    t = threads.get(tid)
    if t is None or finishing:
        return                   # a thread the run does not know, or the main one finishing
    if t.state == STARTING:
        _first_point(t, POINT)
        t.state = RUNNING
        return
    if current != tid:
        return
    t.state = POINT
    _next(t, alone and auto)
    t.state = RUNNING


def _first_point(t, state):
    """A new thread reaches its first point: its starter's step goes on (start() returns);
    it waits to be chosen."""
    global starting
    starting -= 1
    t.state = state
    t.started.release()
    t.wake.acquire()


def _never():
    return False


def block(tid, ready, deadline_us=None):
    """The running thread `tid` cannot go on until `ready()` is true or demo time reaches
    `deadline_us` (None: never). Gives the baton up; True once its wait succeeds, False when
    it timed out (granted `time` with `ready()` still false)."""
    t = threads.get(tid)
    if t is None:
        return _unscheduled_wait(ready, deadline_us)
    if ready():
        return True
    if finishing:
        _deadlock()
    t.ready = ready
    t.deadline = deadline_us
    if t.state == STARTING:
        _first_point(t, BLOCKED)
        how = t.granted
    else:
        t.state = BLOCKED
        how = _next(t)
    t.state = RUNNING
    t.ready = None
    t.deadline = None
    if how == TIME:
        return bool(ready())
    return True


def sleep(tid, deadline_us):
    """A sleep until `deadline_us`: only `time` ends it."""
    block(tid, _never, deadline_us)


def _unscheduled_wait(ready, deadline_us):
    """A thread the run does not schedule (one it never saw start) waits by polling."""
    while not ready():
        if deadline_us is not None and prims._now() >= deadline_us:
            return False
        prims._orig_sleep(0.001)
    return True


def thread_starting(tid, daemon):
    """The baton holder is about to start thread `tid`: it is part of this step until its
    first point. Returns the lock that is released then (or when it ends)."""
    global starting
    if first_start is not None and len(threads) == 1 and not starting:
        first_start()
    t = _Thread(tid, daemon, STARTING)
    t.started = _alloc()
    t.started.acquire()
    threads[tid] = t
    starting += 1
    return t.started


def start_failed(tid):
    global starting
    t = threads.pop(tid, None)
    if t is not None and t.state == STARTING:
        starting -= 1


def schedulable(tid):
    """Whether thread `tid` waits through the scheduler (block) rather than in the kernel: a
    thread of the run holding the baton, or one on its way to its first point. A starter
    waiting for its new thread's bootstrap (Thread.start's own wait) waits for real: the new
    thread is part of its step."""
    if not active or finishing or tid is None:
        return False
    t = threads.get(tid)
    if t is None:
        return False
    if t.state == STARTING:
        return True
    return current == tid and not starting


def wait_started(started):
    """The starter waits (for real: it keeps the baton) until the new thread is at its first
    point or has ended."""
    started.acquire()


def ended(tid):
    """Whether thread `tid` has ended (as far as the run's steps go)."""
    return tid not in threads


def thread_end(tid):
    """Thread `tid` ends: its end is part of its own step; it lets the next one go and leaves."""
    t = threads.pop(tid, None)
    if t is None:
        return
    if t.state == STARTING:
        global starting
        starting -= 1
        t.started.release()      # it ended before any point: its starter's step goes on
        return
    if current != tid or finishing:
        return
    _next(None)


def main_returned():
    """The main thread's program has returned: it gives the baton up and waits for the
    non-daemon threads (then goes on alone, as Python's shutdown does)."""
    global returned, finishing
    if not active or finishing:
        return
    returned = True
    t = threads.get(1)
    if t is None or current != 1:
        return
    t.ready = _main_may_finish
    t.deadline = None
    t.state = BLOCKED
    if _main_may_finish():
        finishing = True
    else:
        _next(t)
    t.state = RUNNING
    t.ready = None


# --- a condition for the standard library's algorithms -------------------------------------
class _Waiter:
    """One wait on a Cond: notified or not."""
    __slots__ = ("notified",)

    def __init__(self):
        self.notified = False


class Cond:
    """threading.Condition for a controlled run, put in place of the one inside Event,
    Semaphore, Barrier and Queue: its lock is the baton (so entering it is nothing), a wait
    gives the baton up until notified (FIFO, as Python's) or timed out in demo time, so the
    standard library's own algorithms run unchanged."""

    __slots__ = ("_waiters",)

    def __init__(self, lock=None):
        self._waiters = collections.deque()

    def __enter__(self):
        return True

    def __exit__(self, *args):
        return None

    def acquire(self, *args, **kwargs):
        return True

    def release(self):
        pass

    def _is_owned(self):
        return True

    def _at_fork_reinit(self):
        self._waiters.clear()

    def wait(self, timeout=None):
        # A waiter of its own, equal only to itself: a timed-out waiter takes itself out of
        # the queue, and a list `[False]` would take out the first waiter equal to it.
        token = _Waiter()
        self._waiters.append(token)
        got = block(prims.me(), lambda: token.notified, deadline(timeout))
        if not got:
            try:
                self._waiters.remove(token)
            except ValueError:
                pass
        return got

    def wait_for(self, predicate, timeout=None):
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = monotonic() + waittime
                else:
                    waittime = endtime - monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n=1):
        waiters = self._waiters
        while waiters and n > 0:
            waiters.popleft().notified = True
            n -= 1

    def notify_all(self):
        self.notify(len(self._waiters))

    notifyAll = notify_all


# --- deterministic random numbers ----------------------------------------------------------
_W0 = 0x2D358DCCAA6C78A5
_W1 = 0x8BB84B93962EACC9
_F64 = 1.0 / (1 << 63)
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


class Stream(_random_mod.Random):
    """One thread's random numbers: fastrand 2's wyrand, seeded as src/session/registry.rs
    seeds a thread's, with fastrand's own f64() and i64(range) for random(), uniform() and
    randint(); every other method of random.Random draws its bits from the same stream."""

    def __init__(self, state=0):
        self._tv_state = int(state) & MASK
        self.gauss_next = None

    def seed(self, a=None, version=2):
        """The stream starts again from `a` (an int as it is, anything else hashed as
        random.Random seeds a str); no argument keeps the stream (there is no entropy in a
        controlled run)."""
        if a is None:
            return
        if not isinstance(a, int):
            import hashlib
            if isinstance(a, str):
                a = a.encode()
            if isinstance(a, (bytes, bytearray)):
                a = int.from_bytes(hashlib.sha512(a).digest()[:8], "little")
            else:
                a = hash(a)
        self._tv_state = a & MASK
        self.gauss_next = None

    def getstate(self):
        return ("threadviz", self._tv_state, self.gauss_next)

    def setstate(self, state):
        if not (isinstance(state, tuple) and len(state) == 3 and state[0] == "threadviz"):
            raise ValueError("state is not one of a controlled run's random streams")
        self._tv_state, self.gauss_next = state[1], state[2]

    def _u64(self):
        s = (self._tv_state + _W0) & MASK
        self._tv_state = s
        t = s * (s ^ _W1)
        return (t & MASK) ^ (t >> 64)

    def random(self):
        while True:
            x = (self._u64() >> 1) * _F64
            if x < 1.0:
                return x

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def _mod_u64(self, n):
        r = self._u64()
        m = r * n
        hi, lo = m >> 64, m & MASK
        if lo < n:
            t = ((1 << 64) - n) % n
            while lo < t:
                r = self._u64()
                m = r * n
                hi, lo = m >> 64, m & MASK
        return hi

    def randint(self, a, b):
        if (type(a) is int and type(b) is int and _I64_MIN <= a <= b <= _I64_MAX):
            if a == _I64_MIN and b == _I64_MAX:
                u = self._u64()
                return u - (1 << 64) if u >= (1 << 63) else u
            return a + self._mod_u64(b - a + 1)
        return _random_mod.Random.randint(self, a, b)     # raises, or a range past i64

    def getrandbits(self, k):
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        words = (k + 63) // 64
        x = 0
        for i in range(words):
            x |= self._u64() << (64 * i)
        return x >> (64 * words - k)


_streams = {}


def stream(tid=None):
    """The calling thread's stream (created on its first draw)."""
    if tid is None:
        tid = prims.me()
    s = _streams.get(tid)
    if s is None:
        s = _streams[tid] = Stream(seed ^ ((tid * GOLDEN) & MASK))
    return s


def _random():
    return stream().random()


def _uniform(a, b):
    return stream().uniform(a, b)


def _randint(a, b):
    return stream().randint(a, b)


def _through_stream(name):
    def draw(*args, **kwargs):
        return getattr(stream(), name)(*args, **kwargs)
    draw.__name__ = draw.__qualname__ = name
    draw.__doc__ = getattr(_random_mod.Random, name).__doc__
    return draw


_draws = None            # (name, function) for each of random's module functions


def prepare():
    """What every controlled run of this process installs, made once ahead (a fork server's
    runs inherit it): the random module's functions drawing from the thread's stream."""
    global _draws
    if _draws is not None:
        return
    draws = [("random", _random), ("uniform", _uniform), ("randint", _randint)]
    inst = _random_mod._inst
    for name in dir(_random_mod):
        if name in ("random", "uniform", "randint") or name.startswith("_"):
            continue
        value = getattr(_random_mod, name)
        if getattr(value, "__self__", None) is inst:
            draws.append((name, _through_stream(name)))
    _draws = draws


def _install_random():
    prepare()
    for name, draw in _draws:
        setattr(_random_mod, name, draw)

