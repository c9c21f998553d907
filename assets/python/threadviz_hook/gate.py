"""The pause/step gate: the state machine of threadviz's session/gate/mod.rs.

Modes: running, paused, stepping(tid). Every instrumented operation passes the gate when
core._closed is set (paused, stepping or a wake-up hold). Paused, a thread that reaches it is
held there (ready) until it is granted a step or the run resumes; a stepped thread moves until
its next operation, or until it blocks, sleeps or ends (stopped). A step with nobody ready
advances demo time to the earliest sleeper's wake-up. A hold keeps every thread at its next
operation for linger/speed of real time, with the demo clock frozen.
"""

import _thread
import time

from . import clock, core
from .places import _loc

_alloc = _thread.allocate_lock
_mono = time.monotonic

_lock = _alloc()
mode = "running"
stepping = 0
ready = set()
places = {}               # tid -> the JSON place of the operation a ready thread stopped before
grant = None
last_stepped = 0
hold_until = 0.0
lingered_us = 0.0
_waiters = set()          # wake locks of threads waiting at the gate
sleepers = {}             # tid -> (deadline us, wake lock)


def _order():
    after = sorted(t for t in ready if t > last_stepped)
    return after + sorted(t for t in ready if t <= last_stepped)


def _announce():
    """Tells the gate's state (call with _lock held)."""
    if mode == "stepping":
        head = '{"gate":{"mode":"stepping","thread":%d,' % stepping
    else:
        head = '{"gate":{"mode":"%s",' % mode
    order = _order()
    at = ",".join('"%d":%s' % (t, places[t]) for t in order if places.get(t, "null") != "null")
    core._put_keep(head + '"ready":[%s],"ready_at":{%s},"time_us":%d,"speed":%r}}'
                   % (",".join("%d" % t for t in order), at, core._now(), float(clock.speed())))
    from . import wire
    wire.kick()


def tick():
    """Tells the gate's state while it runs, so that threadviz's clock keeps up with ours."""
    with _lock:
        if mode == "running":
            _announce()


def _control(action_json):
    core._put_keep('{"time_us":%d,"thread":0,"loc":null,"kind":{"kind":"control","control":%s}}'
                   % (core._now(), action_json))


def _wait(timeout):
    w = _alloc()
    w.acquire()
    _waiters.add(w)
    _lock.release()
    try:
        if timeout is None:
            w.acquire()
        else:
            w.acquire(True, max(0.0, min(timeout, _thread.TIMEOUT_MAX)))
    finally:
        _lock.acquire()
        _waiters.discard(w)


def _wake_all():
    for w in list(_waiters):
        try:
            w.release()
        except RuntimeError:
            pass


def _wake_sleepers():
    for _, w in list(sleepers.values()):
        try:
            w.release()
        except RuntimeError:
            pass


def _publish():
    core._closed = mode != "running" or hold_until > _mono()


def _unready(tid):
    """The thread leaves the ready set (call with _lock held)."""
    ready.discard(tid)
    places.pop(tid, None)


def pass_(tid, frame=None):
    """The gate, for the thread `tid` about to perform an operation called from `frame`: the
    place of the nearest program frame outward is where a held thread is shown, about to run."""
    global mode, grant
    place = _loc(frame) if frame is not None else "null"
    with _lock:
        changed = False
        if mode == "stepping" and stepping == tid:
            mode = "paused"
            changed = True
        try:
            while True:
                if mode == "running":
                    if tid in ready:
                        _unready(tid)
                        changed = True
                    if changed:
                        _announce()
                        changed = False
                    left = hold_until - _mono()
                    if left > 0:
                        _wait(left)
                        continue
                    _publish()
                    return
                if grant == tid:
                    grant = None
                    _unready(tid)
                    _set_stepping(tid)
                    _announce()
                    return
                if tid not in ready:
                    ready.add(tid)
                    places[tid] = place
                    changed = True
                if changed:
                    _announce()
                    changed = False
                _wait(None)
        except BaseException:
            if tid in ready:
                _unready(tid)
                _announce()
            raise


def _set_stepping(tid):
    global mode, stepping
    mode = "stepping"
    stepping = tid


def stopped(tid):
    """The thread blocks, sleeps or ends: it is no longer ready, and its step is over."""
    with _lock:
        _stopped(tid)


def _stopped(tid):
    """stopped(), with _lock held."""
    global mode
    changed = False
    if tid in ready:
        _unready(tid)
        changed = True
    if mode == "stepping" and stepping == tid:
        mode = "paused"
        changed = True
    if changed:
        _announce()


def may_expire(tid):
    return mode == "running" or (mode == "stepping" and stepping == tid)


def add_sleeper(tid, deadline, w):
    with _lock:
        sleepers[tid] = (deadline, w)
        _stopped(tid)


def remove_sleeper(tid):
    with _lock:
        sleepers.pop(tid, None)


def hold():
    """A wake-up: hold everyone at their next operation for linger/speed of real time."""
    global hold_until, lingered_us
    linger = core._linger
    if not linger:
        return
    if lingered_us > core._now():
        return
    real = linger / clock.speed()
    with _lock:
        now = _mono()
        if mode != "running" or hold_until > now:
            return
        hold_until = now + real
        lingered_us += linger * 1e6
        core._closed = True
    clock.clock_write(hold=real)


def pause():
    global mode
    with _lock:
        core._closed = True
        if mode == "running":
            mode = "paused"
            clock.clock_write(paused=True)
            _control('{"action":"pause"}')
            _announce()
        _publish()


def resume():
    global mode, grant
    with _lock:
        if mode != "running":
            mode = "running"
            grant = None
            clock.clock_write(paused=False)
            _control('{"action":"resume"}')
            _announce()
        _publish()
        _wake_all()
        _wake_sleepers()


def _answer(body):
    core._put_keep('{"step":%s}' % body)
    from . import wire
    wire.kick()


def step(target):
    global grant, last_stepped
    with _lock:
        if mode == "running":
            return _answer('{"refused":"not_paused"}')
        if mode == "stepping":
            return _answer('{"refused":"busy","thread":%d}' % stepping)
        first = min(sleepers.items(), key=lambda kv: (kv[1][0], kv[0])) if sleepers else None
        sleeper = first[0] if first else None
        if target is not None:
            if target in ready:
                chosen = target
            elif target == sleeper:
                chosen = None
            else:
                return _answer('{"refused":"not_ready","thread":%d}' % target)
        else:
            order = _order()
            chosen = order[0] if order else None
        if chosen is not None:
            grant = chosen
            last_stepped = chosen
            _control('{"action":"step","thread":%d}' % chosen)
            _answer('{"thread":%d,"advanced":false}' % chosen)
            _wake_all()
            return
        if sleeper is None:
            return _answer('{"refused":"nothing_to_step"}')
        _set_stepping(sleeper)
        last_stepped = sleeper
        clock.clock_write(advance=first[1][0])
        _control('{"action":"advance","thread":%d}' % sleeper)
        _answer('{"thread":%d,"advanced":true}' % sleeper)
        _announce()
        try:
            first[1][1].release()
        except RuntimeError:
            pass


def set_speed(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return
    if value != value:
        value = 1.0
    value = min(10.0, max(0.1, value))
    with _lock:
        clock.clock_write(speed=value)
        _control('{"action":"speed","speed":%r}' % value)
        _announce()
        _wake_sleepers()
        _wake_all()


def control(msg):
    """One control line from threadviz."""
    what = msg.get("control")
    if what == "pause":
        pause()
    elif what == "resume":
        resume()
    elif what == "step":
        t = msg.get("thread")
        step(int(t) if isinstance(t, (int, float)) else None)
    elif what == "speed":
        set_speed(msg.get("speed", 1.0))


def start_paused():
    global mode
    mode = "paused"
    core._closed = True
