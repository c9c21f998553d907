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

Also here: demo time as the program reads it (time.time, monotonic, perf_counter). The
run's CPU is pin.py's, its random streams randoms.py's, the condition inside the standard
library's primitives baton_cond.py's.
"""

import _thread
import json
import os
import time as _time_mod

from . import core, randoms, wire
from .pin import pin, unpin
from .randoms import Stream

_alloc = _thread.allocate_lock
DEADLINE_MAX = 1 << 62            # a timeout too long to be told in microseconds
DEFAULT_EPOCH = 1735689600.0      # time.time() at demo time 0: 2025-01-01 00:00:00 UTC

POINT, BLOCKED, RUNNING, STARTING = "point", "blocked", "running", "starting"
THREAD, TIME = "thread", "time"

active = False          # a controlled run is under way in this process
auto = False            # one option: take it without asking
epoch = DEFAULT_EPOCH
current = 1             # the thread holding the baton
moving = 1              # the thread that took the last step
auto_steps = 0          # steps taken without asking since the last choose line
returned = False        # the main thread's program has returned
finishing = False       # ... and no non-daemon thread is left: the main thread goes on alone
threads = {}            # tid -> _Thread, every live thread of the run
starting = 0            # threads started and not yet at their first point (or ended)
_picker = None          # the run's own chooser (begin), or None: it asks
first_start = None      # called when the run's first thread is about to start (server.py)
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
    global active, auto, epoch, current, moving, auto_steps, returned, finishing, _picker
    active = True
    choose_by(pick)
    auto = bool(auto_steps_alone)
    epoch = DEFAULT_EPOCH if run_epoch is None else float(run_epoch)
    current = moving = 1
    auto_steps = 0
    returned = finishing = False
    threads.clear()
    threads[1] = _Thread(1, False, RUNNING)
    global starting
    starting = 0
    set_now(0)
    core._controlled = True
    core._closed = True          # every operation is a step point
    core._linger = 0.0
    import threading
    from .locks import _QuietLock
    threading._allocate_lock = _QuietLock     # Condition's waiter locks
    _install_time()
    randoms.begin(run_seed)
    pin()


def forked():
    """In a child the program forked: one thread, no socket; it runs free (on every CPU
    again)."""
    global active
    active = False
    core._controlled = False
    core._closed = False
    unpin()


def choose_by(pick):
    """A run forked from another's first part (server.py) makes its own choices from `pick`
    (None: it asks), as begin's `pick` says."""
    global _picker
    _picker = None if pick is None else Stream(pick)
    core._LIMIT = wire.LIMIT if pick is None else PICKED_BATCH


# --- demo time -----------------------------------------------------------------------------
def now():
    return _now()


def set_now(us):
    """Demo time is `us` microseconds from now on (it only moves forward)."""
    us = float(us)
    core._lin = (0.0, us, us)


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
    return _now() / 1e6


def monotonic_ns():
    return _now() * 1000


def time():
    return epoch + _now() / 1e6


def time_ns():
    return int(epoch * 1e9) + _now() * 1000


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
    is no choice (instrs.py, partial-order reduction): it takes the step, as the only option."""
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
                if timed[0] > _now():
                    set_now(timed[0])
        moving = chosen.tid
        # Each step's events start with its control, as in a Rust session's: the explorer
        # counts steps by them, and finds at which step something went wrong.
        _put_keep('{"time_us":%d,"thread":0,"loc":null,"kind":{"kind":"control","control":'
                  '{"action":"%s","thread":%d}}}' % (_now(), "advance" if how == TIME else "step", moving))
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
    _put_keep('{"choose":{"threads":[%s],"time":%s,"auto":%d,"moving":%s,"picked":%s}}' % (
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
    instruction that is no choice, instrs.py)."""
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
        if deadline_us is not None and _now() >= deadline_us:
            return False
        _orig_sleep(0.001)
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


# Imported last: core imports this module.
from .core import _now, _orig_sleep, _put_keep  # noqa: E402
