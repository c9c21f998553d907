"""The hot path every instrumented operation takes: the gate's flags, demo time now, the
lines waiting to be sent and the events' templates, thread numbers, step points, and the
instrumented Lock itself, the busiest primitive, whose `with` writes its line without a call.

An operation's cost with the gate open: one check of `_closed`, the thread's number (a dict
lookup), its location (cached per code object and instruction, places.py), one %-template and
a deque append. What a fast path reads is a global of this module, so the Lock's costs no
lookup through another. The flags other modules set (`_closed`, `_controlled`, `_linger`,
`_lin`, `_LIMIT`) live only here: every other module reads and writes them as `core._closed`,
never a copy of its own.
"""

import _thread
import json
import sys
import threading
import time

from . import wire
from . import clock as _clock_mod
from .clock import _real_timeout

_alloc = _thread.allocate_lock
_gid = _thread.get_ident
_native = threading.get_native_id
_orig_sleep = time.sleep
_mono = time.monotonic
_getframe = sys._getframe
U64_MAX = 18446744073709551615

# --- settings (boot, gate and sched set them) ----------------------------------------------
_closed = False          # the gate is paused, stepping or holding: every operation passes it
_controlled = False      # a controlled run (sched.begin sets it, with _closed): sched decides
_linger = 0.0            # seconds of a wake-up hold at 1x (0: never)

# --- demo time now (clock.py moves the line) -----------------------------------------------
_lin = (1e6, -_clock_mod._clock[0] * 1e6, 0.0)   # the clock's start


def _now():
    a, b, fl = _lin
    t = a * _mono() + b
    return int(t) if t > fl else int(fl)


# --- emitting ------------------------------------------------------------------------------
_pending = wire.pending
_LIMIT = wire.LIMIT


def _put(line):
    if len(_pending) < _LIMIT:
        _pending.append(line)
    else:
        wire.overflow(line, False)


def _put_keep(line):
    """Lifecycle events: never dropped."""
    if len(_pending) < _LIMIT:
        _pending.append(line)
    else:
        wire.overflow(line, True)


_EV = '{"time_us":%d,"thread":%d,"loc":%s,"kind":'


def _ev(tid, loc, kind):
    return (_EV % (_now(), tid, loc)) + kind + "}"


def _emit(tid, loc, kind):
    _put(_ev(tid, loc, kind))


def _emit_keep(tid, loc, kind):
    _put_keep(_ev(tid, loc, kind))


def _js(s):
    return json.dumps(s)


def _repr(value):
    try:
        r = repr(value)
    except Exception as e:
        r = "<repr failed: %s>" % type(e).__name__
    if len(r) > 4096:
        r = r[:4093] + "..."
    return json.dumps(r)


T_REQ_ACQ = (_EV + '{"kind":"requested","prim":%d,"mode":%s}}\n'
             + _EV + '{"kind":"acquired","prim":%d,"count":%d}}')
T_REQ = _EV + '{"kind":"requested","prim":%d,"mode":%s}}'
T_ACQ = _EV + '{"kind":"acquired","prim":%d,"count":%d}}'
T_REL = _EV + '{"kind":"released","prim":%d,"count":%d}}'
T_FAIL = _EV + '{"kind":"try_failed","prim":%d}}'
T_TIMEOUT = _EV + '{"kind":"timed_out","prim":%d}}'
T_PUT = _EV + '{"kind":"put","prim":%d,"item":%s,"qsize":%d}}'
T_GOT = _EV + '{"kind":"got","prim":%d,"item":%s,"qsize":%d}}'
BLOCKING = '"blocking"'
NONBLOCKING = '"non_blocking"'


def _mode(blocking, timeout):
    if not blocking:
        return NONBLOCKING
    if timeout is None or timeout < 0:
        return BLOCKING
    return '{"timeout":%d}' % int(timeout * 1e6)


def _timeout_us(timeout):
    if timeout is None:
        return "null"
    return "%d" % int(max(0, timeout) * 1e6)


# --- thread numbers ------------------------------------------------------------------------
_tids = {}               # OS ident -> thread number
_alive = {}              # thread number -> daemon? (threads started and not ended)
_next_tid = iter(range(2, 1 << 62)).__next__
_next_prim = iter(range(1, 1 << 62)).__next__
_dummies = iter(range(1, 1 << 62)).__next__


def _adopt():
    """A thread threadviz did not see start: registered on first use, as Rust does."""
    ident = _gid()
    tid = _tids.get(ident)
    if tid is not None:
        return tid
    tid = _next_tid()
    _tids[ident] = tid
    t = threading._active.get(ident)
    name = t.name if t is not None else "Dummy-%d" % _dummies()
    _alive[tid] = True
    _emit_keep(tid, "null", '{"kind":"thread_created","tid":%d,"name":%s,"daemon":true,"foreign":true}'
               % (tid, _js(name)))
    _emit_keep(tid, "null", '{"kind":"thread_started","tid":%d,"daemon":true,"os_tid":%d}'
               % (tid, _native()))
    return tid


def me():
    return _tids.get(_gid()) or _adopt()


# --- step points ---------------------------------------------------------------------------

def _gate():
    """A step point: an operation is about to be performed (call only when _closed)."""
    if _controlled:
        _sched.point(me(), _getframe(1))
    else:
        _gate_mod.pass_(me(), _getframe(1))


def _point(tid, frame, alone=False):
    """A step point of thread `tid` at `frame` (the trace module's lines and instructions);
    `alone`: an instruction that is no choice in a controlled run with `auto` (instrs.py)."""
    if _closed:
        if _controlled:
            _sched.point(tid, frame, alone)
        else:
            _gate_mod.pass_(tid, frame)


def _regate():
    """The gate again once a wait is over (call only when _closed): a paused session shows
    the woken thread there. In a controlled run the grant that ended the wait is the step."""
    if not _controlled:
        _gate_mod.pass_(me(), _getframe(1))


def _stopped(tid):
    if not _controlled:
        _gate_mod.stopped(tid)


def _cacquire(tid, lk, dl):
    """A controlled run's blocking acquire of the raw lock `lk` by `tid`, with a demo-time
    deadline (None: none): gives the baton up until the lock is free; False when the
    deadline passed first."""
    while not lk.acquire(False):
        if not _sched.block(tid, lambda: not lk.locked(), dl):
            return False
    return True


def _hold():
    _gate_mod.hold()


def _misuse(tid, loc, prim, message):
    _emit(tid, loc, '{"kind":"misuse","prim":%s,"message":%s}'
          % ("null" if prim is None else "%d" % prim, _js(message)))


# --- Lock ----------------------------------------------------------------------------------
_YIELDS = 3


def _yield_for(lk):
    """Gives the interpreter to the lock's holder a few times before blocking for real: the
    holder needs it to finish the critical section the hook made a little longer, and a waiter
    that took the lock in the kernel without the interpreter would make every later acquire
    wait in turn (a convoy). Python promises no order among waiters, so none is changed."""
    for _ in range(_YIELDS):
        _orig_sleep(0)
        if lk.acquire(False):
            return True
    return False


class _Lock:
    """threading.Lock, instrumented."""
    __slots__ = ("_lk", "_prim", "_blocked", "_c", "__weakref__")

    def __init__(self, prim):
        self._lk = _alloc()
        self._prim = prim
        self._blocked = 0
        self._c = {}

    def acquire(self, blocking=True, timeout=-1):
        if _closed:
            _gate()
        if timeout != -1 and (not blocking or timeout < 0):
            return self._lk.acquire(blocking, timeout)    # raises as the original does
        tid = _tids.get(_gid()) or _adopt()
        lk = self._lk
        if lk.acquire(False):
            t = _now()
            loc = _loc(_getframe(1))
            p = self._prim
            _put(T_REQ_ACQ % (t, tid, loc, p, BLOCKING if blocking and timeout == -1
                              else _mode(blocking, timeout), t, tid, loc, p, 1))
            return True
        return self._slow(tid, _loc(_getframe(1)), blocking, timeout)

    def _slow(self, tid, loc, blocking, timeout):
        p = self._prim
        if not blocking:
            _put(T_REQ % (_now(), tid, loc, p, NONBLOCKING))
            _put(T_FAIL % (_now(), tid, loc, p))
            return False
        place = _place(loc)
        if timeout == -1:
            _put('["q",%d,%d,%d,%d,0]' % (_now(), tid, place, p))
        else:
            _put(T_REQ % (_now(), tid, loc, p, _mode(True, timeout)))
        if _closed:
            _stopped(tid)
        self._blocked += 1
        try:
            if _controlled:
                got = _cacquire(tid, self._lk, None if timeout == -1 else _sched.deadline(timeout))
            elif timeout == -1:
                got = _yield_for(self._lk) or self._lk.acquire()
            else:
                got = self._lk.acquire(True, _real_timeout(timeout))
        finally:
            self._blocked -= 1
        if _closed:
            _regate()
        if got:
            _put('["A",%d,%d,%d,%d,1]' % (_now(), tid, place, p))
        else:
            _put(T_TIMEOUT % (_now(), tid, loc, p))
        return got

    def __enter__(self):
        if _closed:
            _gate()
        tid = _tids.get(_gid()) or _adopt()
        f = _getframe(1)
        c = self._c.get((id(f.f_code), f.f_lasti, tid))
        if c is None:
            c = self._mk(tid, f)
        if self._lk.acquire(False):
            a, b, fl = _lin
            t = a * _mono() + b
            if t < fl:
                t = fl
            if len(_pending) < _LIMIT:
                _pending.append(c[0] % t)
            else:
                wire.overflow(c[0] % t, False)
            return True
        return self._slow(tid, c[2], True, -1)

    def _mk(self, tid, f):
        """The events of a `with` at frame f's instruction by thread tid, with only the time
        left to fill in: (requested+acquired, released, loc). Keyed by the code object's id
        (code objects of program frames are kept alive by _keep_codes, so ids are not reused)."""
        loc = _loc(f)
        p = self._prim
        place = _place(loc)
        # The wire's compact lines: an acquire found free (requested + acquired) and a release.
        c = ('["a",%%d,%d,%d,%d,1]' % (tid, place, p), '["r",%%d,%d,%d,%d,0]' % (tid, place, p), loc)
        code = f.f_code
        d = _code_locs.get(id(code))
        if d is None:
            d = _classify(code)
        if d is not False:     # a frame of the hook or the library: its caller may vary
            self._c[(id(code), f.f_lasti, tid)] = c
        return c

    def _tv_enter(self, f):
        """__enter__ for a caller that is itself in the hook (Condition): f is its caller."""
        if _closed:
            _gate()
        tid = _tids.get(_gid()) or _adopt()
        c = self._c.get((id(f.f_code), f.f_lasti, tid))
        if c is None:
            c = self._mk(tid, f)
        if self._lk.acquire(False):
            t = _now()
            _put(c[0] % t)
            return True
        return self._slow(tid, c[2], True, -1)

    def _tv_exit(self, f):
        if _closed:
            _gate()
        tid = _tids.get(_gid()) or _adopt()
        c = self._c.get((id(f.f_code), f.f_lasti, tid))
        if c is None:
            c = self._mk(tid, f)
        lk = self._lk
        if not lk.locked():
            _misuse(tid, c[2], self._prim, "release unlocked lock")
            lk.release()
        _put(c[1] % _now())
        lk.release()
        if self._blocked and _linger:
            _hold()

    def release(self):
        if _closed:
            _gate()
        tid = _tids.get(_gid()) or _adopt()
        lk = self._lk
        if not lk.locked():
            _misuse(tid, _loc(_getframe(1)), self._prim, "release unlocked lock")
            lk.release()
        _put(T_REL % (_now(), tid, _loc(_getframe(1)), self._prim, 0))
        lk.release()
        if self._blocked and _linger:
            _hold()

    def __exit__(self, t, v, tb):
        if _closed:
            _gate()
        tid = _tids.get(_gid()) or _adopt()
        f = _getframe(1)
        c = self._c.get((id(f.f_code), f.f_lasti, tid))
        if c is None:
            c = self._mk(tid, f)
        lk = self._lk
        if not lk.locked():
            _misuse(tid, c[2], self._prim, "release unlocked lock")
            lk.release()
        a, b, fl = _lin
        t = a * _mono() + b
        if t < fl:
            t = fl
        if len(_pending) < _LIMIT:
            _pending.append(c[1] % t)
        else:
            wire.overflow(c[1] % t, False)
        lk.release()
        if self._blocked and _linger:
            _hold()

    def locked(self):
        return self._lk.locked()

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def _at_fork_reinit(self):
        self._lk._at_fork_reinit()

    # Condition support: release fully / take back, with events.
    def _tv_owned(self):
        if self._lk.acquire(False):
            self._lk.release()
            return False
        return True

    def _tv_release_save(self, tid, loc):
        _put(T_REL % (_now(), tid, loc, self._prim, 0))
        self._lk.release()
        return None

    def _tv_acquire_restore(self, saved, tid, loc):
        p = self._prim
        if self._lk.acquire(False):
            t = _now()
            _put(T_REQ_ACQ % (t, tid, loc, p, BLOCKING, t, tid, loc, p, 1))
            return
        _put(T_REQ % (_now(), tid, loc, p, BLOCKING))
        if _closed:
            _stopped(tid)
        self._blocked += 1
        try:
            if _controlled:
                _cacquire(tid, self._lk, None)
            else:
                self._lk.acquire()
        finally:
            self._blocked -= 1
        if _closed:
            _regate()
        _put(T_ACQ % (_now(), tid, loc, p, 1))

    def __repr__(self):
        return "<%s %s object at %s>" % ("locked" if self._lk.locked() else "unlocked",
                                          "_thread.lock", hex(id(self)))


def _refuse(cls, *args, **kwargs):
    raise TypeError("cannot create '%s.%s' instances" % (cls.__module__, cls.__qualname__))


def _new_lock(prim):
    lock = object.__new__(_Lock)
    lock.__init__(prim)
    return lock


_Lock.__new__ = _refuse


# Imported last: they import this module (their own names are not read before a call).
from . import gate as _gate_mod  # noqa: E402
from . import sched as _sched  # noqa: E402
from .places import _classify, _code_locs, _loc, _place  # noqa: E402
