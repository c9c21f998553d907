"""The hot path and the instrumented standard library: the demo clock, thread numbers,
source locations, event templates, and threading/_thread/queue/time replaced by instrumented
versions that send the same events as threadviz's own Rust primitives, in causal order.

An operation's cost with the gate open: one check of `_closed`, the thread's number (a dict
lookup), its location (cached per code object and instruction), one %-template and a deque
append. Primitives that the standard library creates for itself are the originals.
"""

import _thread
import json
import os
import sys
import sysconfig
import threading
import time
import queue as _queue_mod

from . import wire, names

# --- originals, saved before anything is patched -------------------------------------------
_alloc = _thread.allocate_lock
_CRLock = _thread.RLock
_gid = _thread.get_ident
_native = threading.get_native_id
_orig_start_new_thread = _thread.start_new_thread
_orig_sleep = time.sleep
_mono = time.monotonic
_getframe = sys._getframe
_OrigCondition = threading.Condition
_OrigSemaphore = threading.Semaphore
_OrigBounded = threading.BoundedSemaphore
_OrigEvent = threading.Event
_OrigBarrier = threading.Barrier
_OrigLocal = threading.local
_OrigLock = threading.Lock
_OrigRLock = threading.RLock
_OrigQueue = _queue_mod.Queue
_OrigLifo = _queue_mod.LifoQueue
_OrigPriority = _queue_mod.PriorityQueue
_OrigSimple = _queue_mod.SimpleQueue
_Thread = threading.Thread
_TIMEOUT_MAX = _thread.TIMEOUT_MAX
_local_getattr = _thread._local.__getattribute__
_local_setattr = _thread._local.__setattr__
U64_MAX = 18446744073709551615

# --- settings (boot sets them) -------------------------------------------------------------
_closed = False          # the gate is paused, stepping or holding: every operation passes it
_controlled = False      # a controlled run (sched.begin sets it, with _closed): sched decides
_linger = 0.0            # seconds of a wake-up hold at 1x (0: never)
_hook_dir = os.path.dirname(os.path.abspath(__file__))
_thread_hook = None      # called first in each raw _thread thread of the program (trace.py)

# --- the demo clock: (base real s, base demo us, speed, paused) ----------------------------
_clock = (_mono(), 0.0, 1.0, False)
_lin = (1e6, -_clock[0] * 1e6, 0.0)
_clock_lock = _alloc()


def _now():
    a, b, fl = _lin
    t = a * _mono() + b
    return int(t) if t > fl else int(fl)


def _relin():
    """The clock as demo = max(a * real + b, floor): linear while running, flat while
    paused, flat then linear across a hold."""
    global _lin
    br, bd, sp, pa = _clock
    if pa:
        _lin = (0.0, bd, bd)
    else:
        a = sp * 1e6
        _lin = (a, bd - br * a, bd)


def clock_write(paused=None, speed=None, hold=None, advance=None):
    global _clock
    with _clock_lock:
        real = _mono()
        br, bd, sp, pa = _clock
        if not pa and real > br:
            bd = bd + (real - br) * sp * 1e6
        br = max(br, real)
        if paused is not None:
            pa = paused
        if speed is not None:
            sp = speed
        if hold is not None:
            br = max(br, real + hold)
        if advance is not None:
            bd = max(bd, advance)
        _clock = (br, bd, sp, pa)
        _relin()


def real_wait(deadline):
    """Real seconds until demo time `deadline` (us): 0.0 when past, None while paused."""
    br, bd, sp, pa = _clock
    real = _mono()
    now = bd if (pa or real <= br) else bd + (real - br) * sp * 1e6
    if now >= deadline:
        return 0.0
    if pa:
        return None
    return max(0.0, br - real) + (deadline - now) / 1e6 / sp + 1e-6


def speed():
    return _clock[2]


def _real_timeout(timeout):
    if timeout is None:
        return None
    if timeout <= 0:
        return timeout
    return min(timeout / _clock[2], _TIMEOUT_MAX)


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


# --- source locations ----------------------------------------------------------------------
_code_locs = {}          # id(code) -> {lasti: loc json} for program code, False for internals
_keep_codes = []
_sources_sent = set()
_src_lock = _alloc()


def _prefixes():
    internal, site = set(), set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib"):
        p = paths.get(key)
        if p:
            internal.add(p)
            internal.add(os.path.realpath(p))
    internal.add(os.path.dirname(threading.__file__))
    internal.add(os.path.realpath(os.path.dirname(threading.__file__)))
    for key in ("purelib", "platlib"):
        p = paths.get(key)
        if p:
            site.add(p)
            site.add(os.path.realpath(p))
    return (tuple(p.rstrip("/") + "/" for p in internal),
            tuple(p.rstrip("/") + "/" for p in site))


_STD, _SITE = _prefixes()


def is_internal_file(fn):
    if fn.startswith(_hook_dir + "/") or fn.startswith("<frozen") or fn == "<string>":
        return True
    return fn.startswith(_STD) and not fn.startswith(_SITE)


def _classify(code):
    d = False if is_internal_file(code.co_filename) else {}
    _code_locs[id(code)] = d
    _keep_codes.append(code)
    return d


def _source(fn):
    with _src_lock:
        if fn in _sources_sent:
            return
        try:
            import linecache
            text = "".join(linecache.getlines(fn if os.path.isabs(fn) else os.path.join(_cwd, fn)))
        except Exception:
            text = ""
        if len(text) > 900000:
            text = text[:900000]
        _put_keep('{"time_us":0,"thread":0,"loc":null,"kind":{"kind":"source","path":%s,"text":%s}}' % (_js(fn), _js(text)))
        _sources_sent.add(fn)


_rel = {}
_cwd = os.getcwd()


def shown_path(fn):
    """A program file as threadviz shows it: relative to the working directory when inside it."""
    r = _rel.get(fn)
    if r is None:
        r = fn
        if os.path.isabs(fn) and fn.startswith(_cwd.rstrip("/") + "/"):
            r = os.path.relpath(fn, _cwd)
        _rel[fn] = r
    return r


def _make_loc(f, d):
    code = f.f_code
    fn = shown_path(code.co_filename)
    if fn not in _sources_sent:
        _source(fn)
    s = '{"file":%s,"line":%d}' % (_js(fn), f.f_lineno or 0)
    d[f.f_lasti] = s
    return s


_place_ids = {}         # a location's JSON -> its number in the wire's compact lines
_place_lock = _alloc()


def _place(loc):
    """The number compact lines name `loc` by (0 for none), told once before its first use."""
    i = _place_ids.get(loc)
    if i is None:
        i = _new_place(loc)
    return i


def _new_place(loc):
    if loc == "null":
        return 0
    with _place_lock:
        i = _place_ids.get(loc)
        if i is None:
            i = len(_place_ids) + 1
            # Told before the number is used: any line naming it comes after this one.
            _put_keep('{"place":{"id":%d,"loc":%s}}' % (i, loc))
            _place_ids[loc] = i
    return i


def _loc(f):
    """The JSON location of the nearest program frame from `f` outward ("null" if none)."""
    while f is not None:
        d = _code_locs.get(id(f.f_code))
        if d is None:
            d = _classify(f.f_code)
        if d is False:
            f = f.f_back
            continue
        s = d.get(f.f_lasti)
        if s is None:
            s = _make_loc(f, d)
        return s
    return "null"


def program_frame(f):
    while f is not None:
        d = _code_locs.get(id(f.f_code))
        if d is None:
            d = _classify(f.f_code)
        if d is not False:
            return f
        f = f.f_back
    return None


def _internal_caller(f):
    """Whether a constructor was called by the standard library (or the hook) for itself."""
    d = _code_locs.get(id(f.f_code))
    if d is None:
        d = _classify(f.f_code)
    return d is False


def _register(kind_label, info_json, frame, name=None):
    """Numbers a new primitive and tells prim_created; returns its number."""
    prim = _next_prim()
    pf = program_frame(frame)
    if name is None:
        name = names.prim_name(kind_label, pf)
    loc = _loc(pf) if pf is not None else "null"
    _emit_keep(me(), loc, '{"kind":"prim_created","prim":%d,"name":%s,"info":%s}'
               % (prim, _js(name), info_json))
    return prim


# --- the gate ------------------------------------------------------------------------------
from . import gate as _gate_mod  # noqa: E402
from . import sched as _sched  # noqa: E402


def _gate():
    """A step point: an operation is about to be performed (call only when _closed)."""
    if _controlled:
        _sched.point(me(), _getframe(1))
    else:
        _gate_mod.pass_(me(), _getframe(1))


def _point(tid, frame, alone=False):
    """A step point of thread `tid` at `frame` (the trace module's lines and instructions);
    `alone`: an instruction that is no choice in a controlled run with `auto` (trace.py)."""
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


class _QuietLock:
    """In a controlled run, the lock the standard library makes for itself where it waits
    (threading.Condition's waiter locks: Future.result, the library's own queues and events):
    no events, but a wait gives the baton up instead of blocking in the kernel with it."""
    __slots__ = ("_lk", "__weakref__")

    def __init__(self):
        self._lk = _alloc()

    def acquire(self, blocking=True, timeout=-1):
        lk = self._lk
        if lk.acquire(False):
            return True
        tid = _tids.get(_gid())
        if not blocking or (timeout != -1 and timeout < 0) or not _sched.schedulable(tid):
            return lk.acquire(blocking, timeout)    # as the original (raising as it does)
        return _cacquire(tid, lk, None if timeout == -1 else _sched.deadline(timeout))

    __enter__ = acquire

    def __exit__(self, t, v, tb):
        self._lk.release()

    def release(self):
        self._lk.release()

    def locked(self):
        return self._lk.locked()

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def _at_fork_reinit(self):
        self._lk._at_fork_reinit()


def _refuse(cls, *args, **kwargs):
    raise TypeError("cannot create '%s.%s' instances" % (cls.__module__, cls.__qualname__))


def _new_lock(prim):
    lock = object.__new__(_Lock)
    lock.__init__(prim)
    return lock


_Lock.__new__ = _refuse


def _make_lock(f):
    return _new_lock(_register("Lock", '{"type":"lock"}', f))


if isinstance(_OrigLock, type):
    # 3.13+: threading.Lock is a class; so is ours, and both kinds of lock are instances.
    class _LockMeta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, (_OrigLock, _Lock))

        def __subclasscheck__(cls, sub):
            return issubclass(sub, (_OrigLock, _Lock))

    class Lock(metaclass=_LockMeta):
        def __init_subclass__(cls, **kwargs):
            raise TypeError("type '_thread.lock' is not an acceptable base type")

        def __new__(cls, *args, **kwargs):
            f = _getframe(1)
            if args or kwargs or _internal_caller(f):
                return _OrigLock(*args, **kwargs)
            return _make_lock(f)
else:
    def Lock(*args, **kwargs):
        f = _getframe(1)
        if args or kwargs or _internal_caller(f):
            return _OrigLock(*args, **kwargs)
        return _make_lock(f)


def allocate_lock(*args, **kwargs):
    f = _getframe(1)
    if args or kwargs or _internal_caller(f):
        return _alloc(*args, **kwargs)
    return _make_lock(f)


# --- RLock ---------------------------------------------------------------------------------
class _RLock:
    """threading.RLock, instrumented: the level is the count."""
    __slots__ = ("_lk", "_prim", "_owner", "_count", "_blocked", "__weakref__")

    def __init__(self, prim):
        self._lk = _CRLock()
        self._prim = prim
        self._owner = None
        self._count = 0
        self._blocked = 0

    def acquire(self, blocking=True, timeout=-1):
        if _closed:
            _gate()
        if timeout != -1 and (not blocking or timeout < 0):
            return self._lk.acquire(blocking, timeout)
        ident = _gid()
        tid = _tids.get(ident) or _adopt()
        if self._owner == ident or self._lk.acquire(False):
            if self._owner == ident:
                self._lk.acquire()
                self._count += 1
            else:
                self._owner = ident
                self._count = 1
            t = _now()
            loc = _loc(_getframe(1))
            p = self._prim
            _put(T_REQ_ACQ % (t, tid, loc, p, _mode(blocking, None if timeout == -1 else timeout),
                              t, tid, loc, p, self._count))
            return True
        return self._slow(ident, tid, _loc(_getframe(1)), blocking, timeout)

    __enter__ = acquire

    def _slow(self, ident, tid, loc, blocking, timeout):
        p = self._prim
        if not blocking:
            _put(T_REQ % (_now(), tid, loc, p, NONBLOCKING))
            _put(T_FAIL % (_now(), tid, loc, p))
            return False
        _put(T_REQ % (_now(), tid, loc, p, _mode(True, None if timeout == -1 else timeout)))
        if _closed:
            _stopped(tid)
        self._blocked += 1
        try:
            if _controlled:
                got = self._tv_cacquire(tid, None if timeout == -1 else timeout)
            elif timeout == -1:
                got = self._lk.acquire()
            else:
                got = self._lk.acquire(True, _real_timeout(timeout))
        finally:
            self._blocked -= 1
        if got:
            self._owner = ident
            self._count = 1
        if _closed:
            _regate()
        if got:
            _put(T_ACQ % (_now(), tid, loc, p, 1))
        else:
            _put(T_TIMEOUT % (_now(), tid, loc, p))
        return got

    def _tv_cacquire(self, tid, timeout):
        """A controlled run's blocking acquire: gives the baton up until nobody owns it."""
        dl = None if timeout is None else _sched.deadline(timeout)
        lk = self._lk
        while not lk.acquire(False):
            if not _sched.block(tid, lambda: self._owner is None, dl):
                return False
        return True

    def release(self):
        if _closed:
            _gate()
        ident = _gid()
        tid = _tids.get(ident) or _adopt()
        if self._owner != ident:
            _misuse(tid, _loc(_getframe(1)), self._prim, "cannot release un-acquired lock")
            self._lk.release()       # raises RuntimeError as the original does
        c = self._count - 1
        _put(T_REL % (_now(), tid, _loc(_getframe(1)), self._prim, c))
        self._count = c
        if c == 0:
            self._owner = None
        self._lk.release()
        if c == 0 and self._blocked and _linger:
            _hold()

    def __exit__(self, t, v, tb):
        self.release()

    def locked(self):
        return self._owner is not None

    def _is_owned(self):
        return self._owner == _gid()

    def _release_save(self):
        state = (self._count, self._owner)
        self._owner, self._count = None, 0
        return (self._lk._release_save(), state)

    def _acquire_restore(self, saved):
        self._lk._acquire_restore(saved[0])
        self._count, self._owner = saved[1]

    def _at_fork_reinit(self):
        self._lk._at_fork_reinit()
        self._owner, self._count = None, 0

    def _tv_owned(self):
        return self._owner == _gid()

    def _tv_release_save(self, tid, loc):
        _put(T_REL % (_now(), tid, loc, self._prim, 0))
        return self._release_save()

    def _tv_acquire_restore(self, saved, tid, loc):
        p = self._prim
        _put(T_REQ % (_now(), tid, loc, p, BLOCKING))
        if _closed:
            _stopped(tid)
        self._blocked += 1
        try:
            if _controlled and self._owner is not None:
                _sched.block(tid, lambda: self._owner is None, None)
            self._acquire_restore(saved)
        finally:
            self._blocked -= 1
        if _closed:
            _regate()
        _put(T_ACQ % (_now(), tid, loc, p, self._count))

    def __repr__(self):
        return "<%s %s.%s object owner=%r count=%d at %s>" % (
            "locked" if self._owner is not None else "unlocked", "_thread", "RLock",
            self._owner, self._count, hex(id(self)))


def _new_rlock(prim):
    lock = object.__new__(_RLock)
    lock.__init__(prim)
    return lock


_RLock.__new__ = _refuse


def RLock(*args, **kwargs):
    f = _getframe(1)
    if args or kwargs or _internal_caller(f):
        return _OrigRLock(*args, **kwargs)
    return _new_rlock(_register("RLock", '{"type":"r_lock"}', f))


# --- Condition -----------------------------------------------------------------------------
class Condition:
    """threading.Condition, instrumented; over our Lock, RLock, or (silently) another lock."""

    def __new__(cls, *args, **kwargs):
        if cls is Condition and _internal_caller(_getframe(1)):
            return _OrigCondition(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, lock=None):
        f = _getframe(1)
        pf = program_frame(f)
        name = names.prim_name("Condition", pf)
        if lock is None:
            lname = name + ".lock" if "@" not in name else names.prim_name("RLock", pf)
            lock = _new_rlock(_register("RLock", '{"type":"r_lock"}', f, lname))
        self._lock = lock
        self._ours = isinstance(lock, (_Lock, _RLock))
        self._plain = isinstance(lock, _Lock)
        lockprim = lock._prim if self._ours else 0
        self._prim = _register("Condition", '{"type":"condition","lock":%d}' % lockprim, f, name)
        self.acquire = lock.acquire
        self.release = lock.release
        self._waiters = _collections.deque()

    def __enter__(self):
        if self._plain:
            return self._lock._tv_enter(_getframe(1))
        return self._lock.__enter__()

    def __exit__(self, *args):
        if self._plain:
            return self._lock._tv_exit(_getframe(1))
        return self._lock.__exit__(*args)

    def __repr__(self):
        return "<Condition(%s, %d)>" % (self._lock, len(self._waiters))

    def _is_owned(self):
        if self._ours:
            return self._lock._tv_owned()
        if hasattr(self._lock, "_is_owned"):
            return self._lock._is_owned()
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def _at_fork_reinit(self):
        self._lock._at_fork_reinit()
        self._waiters.clear()

    def wait(self, timeout=None):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._prim
        if not self._is_owned():
            _misuse(tid, loc, p, "cannot wait on un-acquired lock")
            raise RuntimeError("cannot wait on un-acquired lock")
        _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
        waiter = _alloc()
        waiter.acquire()
        entry = (waiter, tid)
        self._waiters.append(entry)
        lock = self._lock
        if self._ours:
            saved = lock._tv_release_save(tid, loc)
        elif hasattr(lock, "_release_save"):
            saved = lock._release_save()
        else:
            lock.release()
            saved = None
        if _closed:
            _stopped(tid)
        gotit = False
        try:
            if _controlled:
                gotit = _cacquire(tid, waiter, _sched.deadline(timeout))
            elif timeout is None:
                waiter.acquire()
                gotit = True
            elif timeout > 0:
                gotit = waiter.acquire(True, _real_timeout(timeout))
            else:
                gotit = waiter.acquire(False)
            return gotit
        finally:
            if _closed:
                _regate()
            _emit(tid, loc, '{"kind":"woken","prim":%d,"notified":%s}' % (p, "true" if gotit else "false"))
            if self._ours:
                lock._tv_acquire_restore(saved, tid, loc)
            elif hasattr(lock, "_acquire_restore"):
                lock._acquire_restore(saved)
            else:
                lock.acquire()
            if not gotit:
                try:
                    self._waiters.remove(entry)
                except ValueError:
                    pass

    def wait_for(self, predicate, timeout=None):
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = _now() / 1e6 + waittime
                else:
                    waittime = endtime - _now() / 1e6
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def _notify(self, n, told, loc):
        if _closed:
            _gate()
        tid = me()
        p = self._prim
        if not self._is_owned():
            _misuse(tid, loc, p, "cannot notify on un-acquired lock")
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters
        woken = []
        while waiters and len(woken) < n:
            try:
                woken.append(waiters.popleft())
            except IndexError:
                break
        _emit(tid, loc, '{"kind":"notified","prim":%d,"n":%d,"woken":[%s]}'
              % (p, told, ",".join("%d" % w[1] for w in woken)))
        for w, _ in woken:
            try:
                w.release()
            except RuntimeError:
                pass
        if woken and _linger:
            _hold()

    def notify(self, n=1):
        self._notify(n, n if n >= 0 else 0, _loc(_getframe(1)))

    def notify_all(self):
        self._notify(1 << 62, U64_MAX, _loc(_getframe(1)))

    def notifyAll(self):
        if sys.version_info >= (3, 10):
            import warnings
            warnings.warn('notifyAll() is deprecated, use notify_all() instead',
                          DeprecationWarning, stacklevel=2)
        self._notify(1 << 62, U64_MAX, _loc(_getframe(1)))


import collections as _collections  # noqa: E402


# --- Semaphore -----------------------------------------------------------------------------
class Semaphore(_OrigSemaphore):
    _tv_bounded = False

    def __new__(cls, *args, **kwargs):
        if cls in (Semaphore, BoundedSemaphore) and _internal_caller(_getframe(1)):
            return (_OrigBounded if cls is BoundedSemaphore else _OrigSemaphore)(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, value=1):
        _OrigSemaphore.__init__(self, value)
        if _controlled:
            self._cond = _sched.Cond()
        self._tv_initial = value
        self._tv_blocked = 0
        label = "BoundedSemaphore" if self._tv_bounded else "Semaphore"
        self._tv_prim = _register(label, '{"type":"semaphore","initial":%d,"bounded":%s}'
                                  % (value, "true" if self._tv_bounded else "false"), _getframe(1))

    def acquire(self, blocking=True, timeout=None):
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        _put(T_REQ % (_now(), tid, loc, p, _mode(blocking, timeout)))
        cond = self._cond
        with cond:
            if self._value > 0:
                self._value -= 1
                _put(T_ACQ % (_now(), tid, loc, p, self._value))
                return True
            if not blocking:
                _put(T_FAIL % (_now(), tid, loc, p))
                return False
            self._tv_blocked += 1
        if _closed:
            _stopped(tid)
        rc = False
        endtime = None
        # A controlled run counts the timeout in demo time, on a condition that gives the
        # baton up (sched.Cond).
        rt = timeout if _controlled else _real_timeout(timeout)
        clock = _sched.monotonic if _controlled else _mono
        with cond:
            try:
                while self._value == 0:
                    if rt is not None:
                        if endtime is None:
                            endtime = clock() + rt
                        else:
                            rt = endtime - clock()
                            if rt <= 0:
                                break
                    cond.wait(rt)
                else:
                    self._value -= 1
                    rc = True
                    left = self._value
            finally:
                self._tv_blocked -= 1
            if not rc:
                _put(T_TIMEOUT % (_now(), tid, loc, p))
        if rc:
            if _closed:
                _regate()
            _put(T_ACQ % (_now(), tid, loc, p, left))
        return rc

    __enter__ = acquire

    def release(self, n=1):
        if n < 1:
            raise ValueError('n must be one or more')
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        with self._cond:
            if self._tv_bounded and self._value + n > self._tv_initial:
                _misuse(tid, loc, self._tv_prim, "Semaphore released too many times")
                raise ValueError("Semaphore released too many times")
            self._value += n
            _put(T_REL % (_now(), tid, loc, self._tv_prim, self._value))
            for i in range(n):
                self._cond.notify()
            waking = self._tv_blocked
        if waking and _linger:
            _hold()

    def __exit__(self, t, v, tb):
        self.release()


class BoundedSemaphore(Semaphore):
    _tv_bounded = True

    def __repr__(self):
        return _OrigSemaphore.__repr__(self)


# --- Event ---------------------------------------------------------------------------------
class Event(_OrigEvent):
    def __new__(cls, *args, **kwargs):
        if cls is Event and _internal_caller(_getframe(1)):
            return _OrigEvent(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self):
        _OrigEvent.__init__(self)
        if _controlled:
            self._cond = _sched.Cond()
        self._tv_waiting = 0
        self._tv_prim = _register("Event", '{"type":"event"}', _getframe(1))

    def set(self):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        with self._cond:
            _emit(tid, loc, '{"kind":"set","prim":%d}' % self._tv_prim)
            self._flag = True
            self._cond.notify_all()
            waiting = self._tv_waiting
        if waiting and _linger:
            _hold()

    def clear(self):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        with self._cond:
            _emit(tid, loc, '{"kind":"clear","prim":%d}' % self._tv_prim)
            self._flag = False

    def wait(self, timeout=None):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
        blocked = not self._flag
        if blocked:
            self._tv_waiting += 1
            if _closed:
                _stopped(tid)
        try:
            r = _OrigEvent.wait(self, timeout if _controlled else _real_timeout(timeout))
        finally:
            if blocked:
                self._tv_waiting -= 1
        if blocked and _closed:
            _regate()
        _emit(tid, loc, '{"kind":"woken","prim":%d,"notified":%s}' % (p, "true" if r else "false"))
        return r


# --- Barrier -------------------------------------------------------------------------------
class Barrier(_OrigBarrier):
    def __new__(cls, *args, **kwargs):
        if cls is Barrier and _internal_caller(_getframe(1)):
            return _OrigBarrier(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, parties, action=None, timeout=None):
        _OrigBarrier.__init__(self, parties, action, timeout)
        if _controlled:
            self._cond = _sched.Cond()
        self._tv_gen = 0
        self._tv_prim = _register("Barrier", '{"type":"barrier","parties":%d}' % parties, _getframe(1))

    def wait(self, timeout=None):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        if timeout is None:
            timeout = self._timeout
        waited = False
        passed = False
        try:
            with self._cond:
                try:
                    self._enter()
                except threading.BrokenBarrierError:
                    _emit(tid, loc, '{"kind":"barrier_broken","prim":%d}' % p)
                    raise
                index = self._count
                self._count += 1
                _emit(tid, loc, '{"kind":"barrier_arrive","prim":%d,"index":%d}' % (p, index))
                try:
                    if index + 1 == self._parties:
                        self._release()
                    else:
                        _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}'
                              % (p, _timeout_us(timeout)))
                        waited = True
                        if _closed:
                            _stopped(tid)
                        self._wait(timeout if _controlled else _real_timeout(timeout))
                        passed = True
                    return index
                finally:
                    self._count -= 1
                    self._exit()
        finally:
            if waited:
                if _closed:
                    _regate()
                _emit(tid, loc, '{"kind":"woken","prim":%d,"notified":%s}'
                      % (p, "true" if passed else "false"))

    def _release(self):
        try:
            if self._action:
                self._action()
            self._state = 1
            _emit(me(), _loc(_getframe(1)), '{"kind":"barrier_pass","prim":%d,"generation":%d}'
                  % (self._tv_prim, self._tv_gen))
            self._tv_gen += 1
            self._cond.notify_all()
            if self._parties > 1 and _linger:
                _hold()
        except:  # noqa: E722  (as threading.Barrier._release)
            self._break()
            raise

    def _break(self):
        _emit(me(), _loc(_getframe(1)), '{"kind":"barrier_broken","prim":%d}' % self._tv_prim)
        _OrigBarrier._break(self)

    def reset(self):
        if _closed:
            _gate()
        _emit(me(), _loc(_getframe(1)), '{"kind":"barrier_reset","prim":%d}' % self._tv_prim)
        _OrigBarrier.reset(self)

    def abort(self):
        if _closed:
            _gate()
        _OrigBarrier.abort(self)


# --- local ---------------------------------------------------------------------------------
import weakref as _weakref  # noqa: E402
_local_prims = _weakref.WeakKeyDictionary()


class local(_OrigLocal):
    def __new__(cls, *args, **kwargs):
        f = _getframe(1)
        if cls is local and _internal_caller(f):
            return _OrigLocal(*args, **kwargs)
        self = _OrigLocal.__new__(cls, *args, **kwargs)
        try:
            _local_prims[self] = _register("local", '{"type":"local"}', f)
        except TypeError:
            pass
        return self

    def __getattribute__(self, name):
        if name[:2] == "__":
            return _local_getattr(self, name)
        prim = _local_prims.get(self)
        if prim is None:
            return _local_getattr(self, name)
        try:
            value = _local_getattr(self, name)
        except AttributeError:
            _emit(me(), _loc(_getframe(1)), '{"kind":"local_get","prim":%d,"value":null}' % prim)
            raise
        try:
            mine = name in _local_getattr(self, "__dict__")
        except Exception:
            mine = False
        if mine:
            _emit(me(), _loc(_getframe(1)), '{"kind":"local_get","prim":%d,"value":%s}'
                  % (prim, _repr(value)))
        return value

    def __setattr__(self, name, value):
        _local_setattr(self, name, value)
        if name[:2] != "__":
            prim = _local_prims.get(self)
            if prim is not None:
                _emit(me(), _loc(_getframe(1)), '{"kind":"local_set","prim":%d,"value":%s}'
                      % (prim, _repr(value)))


# --- queues --------------------------------------------------------------------------------
class Queue(_OrigQueue):
    _tv_orig = _OrigQueue

    def __new__(cls, *args, **kwargs):
        if cls in (Queue, LifoQueue, PriorityQueue) and _internal_caller(_getframe(1)):
            return cls._tv_orig(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, maxsize=0):
        self._tv_getters = 0
        self._tv_putters = 0
        self._tv_prim = 0
        type(self)._tv_orig.__init__(self, maxsize)
        if _controlled:
            self.not_empty = _sched.Cond()
            self.not_full = _sched.Cond()
            self.all_tasks_done = _sched.Cond()
        self._tv_prim = _register(type(self).__name__ if type(self).__name__ in names.KINDS else "Queue",
                                  '{"type":"queue","maxsize":%d}' % max(0, maxsize or 0), _getframe(1))

    def _put(self, item):
        super()._put(item)
        if self._tv_prim:
            _put(T_PUT % (_now(), me(), _loc(_getframe(1)), self._tv_prim, _repr(item), self._qsize()))
            if self._tv_getters and _linger:
                _hold()

    def _get(self):
        item = super()._get()
        if self._tv_prim:
            _put(T_GOT % (_now(), me(), _loc(_getframe(1)), self._tv_prim, _repr(item), self._qsize()))
            if self._tv_putters and _linger:
                _hold()
        return item

    def put(self, item, block=True, timeout=None):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        blocked = False
        if 0 < self.maxsize <= self._qsize() and block:
            _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
            blocked = True
            self._tv_putters += 1
            if _closed:
                _stopped(tid)
        try:
            _OrigQueue.put(self, item, block, timeout if _controlled else _real_timeout(timeout))
        except _queue_mod.Full:
            _put((T_FAIL if not block else T_TIMEOUT) % (_now(), tid, loc, p))
            raise
        finally:
            if blocked:
                self._tv_putters -= 1

    def get(self, block=True, timeout=None):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        blocked = False
        if block and not self._qsize():
            _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
            blocked = True
            self._tv_getters += 1
            if _closed:
                _stopped(tid)
        try:
            return _OrigQueue.get(self, block, timeout if _controlled else _real_timeout(timeout))
        except _queue_mod.Empty:
            _put((T_FAIL if not block else T_TIMEOUT) % (_now(), tid, loc, p))
            raise
        finally:
            if blocked:
                self._tv_getters -= 1

    def task_done(self):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        with self.all_tasks_done:
            unfinished = self.unfinished_tasks - 1
            if unfinished < 0:
                _misuse(tid, loc, self._tv_prim, "task_done() called too many times")
                raise ValueError('task_done() called too many times')
            _emit(tid, loc, '{"kind":"task_done","prim":%d,"unfinished":%d}' % (self._tv_prim, unfinished))
            if unfinished == 0:
                self.all_tasks_done.notify_all()
            self.unfinished_tasks = unfinished

    def join(self):
        if _closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":null}' % p)
        if _closed:
            _stopped(tid)
        _OrigQueue.join(self)
        if _closed:
            _regate()
        _emit(tid, loc, '{"kind":"woken","prim":%d,"notified":true}' % p)


class LifoQueue(Queue, _OrigLifo):
    _tv_orig = _OrigLifo


class PriorityQueue(Queue, _OrigPriority):
    _tv_orig = _OrigPriority


class _QuietSimpleQueue(_OrigSimple):
    """In a controlled run, a SimpleQueue the standard library makes for itself
    (concurrent.futures' work queue): no events, but get() gives the baton up to wait."""

    def get(self, block=True, timeout=None):
        if block and _OrigSimple.empty(self):
            tid = _tids.get(_gid())
            if _sched.schedulable(tid):
                if timeout is not None and timeout < 0:
                    raise ValueError("'timeout' must be a non-negative number")
                if not _sched.block(tid, lambda: not _OrigSimple.empty(self), _sched.deadline(timeout)):
                    raise _queue_mod.Empty
                return _OrigSimple.get(self, False)
        return _OrigSimple.get(self, block, timeout)


class SimpleQueue(_OrigSimple):
    def __new__(cls, *args, **kwargs):
        if cls is SimpleQueue and _internal_caller(_getframe(1)):
            if _controlled:
                return _QuietSimpleQueue(*args, **kwargs)
            return _OrigSimple(*args, **kwargs)
        return _OrigSimple.__new__(cls, *args, **kwargs)

    def __init__(self):
        self._tv_prim = _register("SimpleQueue", '{"type":"queue","maxsize":0}', _getframe(1))

    def _tv_put(self, item, loc):
        if _closed:
            _gate()
        _put(T_PUT % (_now(), me(), loc, self._tv_prim, _repr(item), _OrigSimple.qsize(self) + 1))
        _OrigSimple.put(self, item)

    def put(self, item, block=True, timeout=None):
        self._tv_put(item, _loc(_getframe(1)))

    def put_nowait(self, item):
        self._tv_put(item, _loc(_getframe(1)))

    def _tv_get(self, block, timeout, loc):
        if _closed:
            _gate()
        tid = me()
        p = self._tv_prim
        blocked = block and _OrigSimple.empty(self)
        if blocked:
            _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
            if _closed:
                _stopped(tid)
        try:
            if _controlled and blocked:
                if timeout is not None and timeout < 0:
                    raise ValueError("'timeout' must be a non-negative number")
                if not _sched.block(tid, lambda: not _OrigSimple.empty(self), _sched.deadline(timeout)):
                    raise _queue_mod.Empty
                item = _OrigSimple.get(self, False)
            else:
                item = _OrigSimple.get(self, block, _real_timeout(timeout))
        except _queue_mod.Empty:
            _put((T_FAIL if not block else T_TIMEOUT) % (_now(), tid, loc, p))
            raise
        _put(T_GOT % (_now(), tid, loc, p, _repr(item), _OrigSimple.qsize(self)))
        return item

    def get(self, block=True, timeout=None):
        return self._tv_get(block, timeout, _loc(_getframe(1)))

    def get_nowait(self):
        return self._tv_get(False, None, _loc(_getframe(1)))


# --- time.sleep in demo time ---------------------------------------------------------------
def sleep(secs):
    f = _getframe(1)
    if _internal_caller(f) or not isinstance(secs, (int, float)) or secs != secs or secs < 0:
        return _orig_sleep(secs)
    if _closed:
        _gate()
    tid = me()
    loc = _loc(f)
    if _controlled:
        deadline = _sched.deadline(secs)
        _emit(tid, loc, '{"kind":"sleep_begin","duration_us":%d}' % (deadline - _now()))
        _sched.sleep(tid, deadline)
        _emit(tid, loc, '{"kind":"sleep_end"}')
        return
    dur = int(secs * 1e6)
    _emit(tid, loc, '{"kind":"sleep_begin","duration_us":%d}' % dur)
    deadline = _now() + dur
    w = _alloc()
    w.acquire()
    _gate_mod.add_sleeper(tid, deadline, w)
    try:
        while True:
            rw = real_wait(deadline)
            if rw == 0.0:
                if _gate_mod.may_expire(tid):
                    break
                w.acquire()
            elif rw is None:
                w.acquire()
            else:
                w.acquire(True, min(rw, _TIMEOUT_MAX))
    finally:
        _gate_mod.remove_sleeper(tid)
    _emit(tid, loc, '{"kind":"sleep_end"}')


# --- threads -------------------------------------------------------------------------------
_orig_init = _Thread.__init__
_orig_start = _Thread.start
_orig_join = _Thread.join
_orig_bootstrap_inner = _Thread._bootstrap_inner
_orig_name = _Thread.name


def _exc_message(et, ev):
    text = ""
    try:
        text = str(ev)
    except Exception:
        pass
    name = getattr(et, "__name__", "Exception")
    return "%s: %s" % (name, text) if text else name


_unstarted = None    # a controlled run's Thread objects not started yet (a weakref.WeakSet)


def renew_unstarted():
    """After a run's own fork (boot.py), in the process that goes on: the program's threads
    not started yet get fresh handles. CPython 3.13's fork marks every thread handle but the
    calling thread's as done, started or not, and such a thread could not start."""
    make = getattr(_thread, "_ThreadHandle", None)
    if make is None or not _unstarted:
        return
    for t in list(_unstarted):
        if "_handle" in t.__dict__ and not t._started.is_set():
            t._handle = make()


def _thread_init(self, *args, **kwargs):
    global _unstarted
    _orig_init(self, *args, **kwargs)
    if isinstance(self, threading._DummyThread):
        return
    if _controlled:
        if _unstarted is None:
            import weakref
            _unstarted = weakref.WeakSet()
        _unstarted.add(self)
    tid = _next_tid()
    self._tv_tid = tid
    self._tv_exit = None
    _emit_keep(me(), _loc(_getframe(1)),
               '{"kind":"thread_created","tid":%d,"name":%s,"daemon":%s,"foreign":false}'
               % (tid, _js(self._name), "true" if self._daemonic else "false"))
    orig_invoke = self._invoke_excepthook

    def invoke(thread):
        et, ev, tb = sys.exc_info()
        if et is not None and not issubclass(et, SystemExit):
            thread._tv_exit = _exc_message(et, ev)
        from . import boot
        clean = boot.clean_tb(tb, False)
        if clean is tb or ev is None:
            return orig_invoke(thread)
        ev.__traceback__ = clean
        if sys.version_info >= (3, 11):
            return orig_invoke(thread)
        try:
            hook = threading.excepthook
            hook(threading.ExceptHookArgs([et, ev, clean, thread]))
        except Exception:
            return orig_invoke(thread)
    self._invoke_excepthook = invoke


def _thread_start(self):
    if _closed:
        _gate()
    self._tv_start = (me(), _loc(_getframe(1)))
    tid = self.__dict__.get("_tv_tid")
    if not _controlled or tid is None or self._started.is_set():
        return _orig_start(self)
    # A controlled run: the new thread is part of this step until its first point.
    started = _sched.thread_starting(tid, self._daemonic)   # (a run may fork here: boot.py)
    if _unstarted is not None:
        _unstarted.discard(self)
    try:
        _orig_start(self)
    except BaseException:
        _sched.start_failed(tid)
        raise
    _sched.wait_started(started)


def _thread_bootstrap_inner(self):
    tid = self.__dict__.get("_tv_tid")
    if tid is None:
        return _orig_bootstrap_inner(self)
    ident = _gid()
    _tids[ident] = tid
    starter, loc = self.__dict__.get("_tv_start", (1, "null"))
    daemon = "true" if self._daemonic else "false"
    _alive[tid] = self._daemonic
    _emit_keep(starter, loc, '{"kind":"thread_started","tid":%d,"daemon":%s,"os_tid":%d}'
               % (tid, daemon, _native()))
    try:
        _orig_bootstrap_inner(self)
    finally:
        _thread_ended(tid, ident, self.__dict__.get("_tv_exit"))


def _thread_ended(tid, ident, panicked):
    if _closed:
        _stopped(tid)
    _alive.pop(tid, None)
    if panicked is None:
        ex = '{"how":"normal"}'
    else:
        ex = '{"how":"panicked","message":%s}' % _js(panicked)
    _emit_keep(tid, "null", '{"kind":"thread_exited","tid":%d,"exit":%s}' % (tid, ex))
    _tids.pop(ident, None)
    if _controlled:
        _sched.thread_end(tid)


def _thread_join(self, timeout=None):
    target = self.__dict__.get("_tv_tid")
    if target is None or not self._started.is_set() or self is threading.current_thread():
        return _orig_join(self, timeout)
    if _closed:
        _gate()
    tid = me()
    loc = _loc(_getframe(1))
    _emit(tid, loc, '{"kind":"join_begin","target":%d,"timeout_us":%s}' % (target, _timeout_us(timeout)))
    if _closed:
        _stopped(tid)
    if _controlled:
        if _sched.block(tid, lambda: _sched.ended(target), _sched.deadline(timeout)):
            _orig_join(self)     # its end was its last step: only the OS thread is left
    else:
        _orig_join(self, _real_timeout(timeout))
    if _closed:
        _regate()
    _emit(tid, loc, '{"kind":"join_end","target":%d,"finished":%s}'
          % (target, "false" if self.is_alive() else "true"))


def _set_name(self, name):
    _orig_name.fset(self, name)
    tid = self.__dict__.get("_tv_tid")
    if tid is not None:
        _emit_keep(me(), _loc(_getframe(1)), '{"kind":"thread_renamed","tid":%d,"name":%s}'
                   % (tid, _js(self._name)))


def start_new_thread(function, args, kwargs=None, *rest):
    f = _getframe(1)
    if rest or _internal_caller(f):
        if kwargs is None:
            return _orig_start_new_thread(function, args, *rest)
        return _orig_start_new_thread(function, args, kwargs, *rest)
    tid = _next_tid()
    starter = me()
    loc = _loc(f)
    name = getattr(function, "__name__", "thread")
    _emit_keep(starter, loc, '{"kind":"thread_created","tid":%d,"name":%s,"daemon":true,"foreign":false}'
               % (tid, _js(name)))

    def run(*a, **k):
        ident = _gid()
        _tids[ident] = tid
        _alive[tid] = True
        if _thread_hook is not None:
            _thread_hook()
        _emit_keep(starter, loc, '{"kind":"thread_started","tid":%d,"daemon":true,"os_tid":%d}'
                   % (tid, _native()))
        exit_msg = None
        try:
            return function(*a, **k)
        except SystemExit:
            pass
        except BaseException as e:
            exit_msg = _exc_message(type(e), e)
            from . import boot
            boot.unraisable_thread(e, function)
        finally:
            _thread_ended(tid, ident, exit_msg)
    started = _sched.thread_starting(tid, True) if _controlled else None
    try:
        if kwargs is None:
            ident = _orig_start_new_thread(run, args)
        else:
            ident = _orig_start_new_thread(run, args, kwargs)
    except BaseException:
        if started is not None:
            _sched.start_failed(tid)
        raise
    if started is not None:
        _sched.wait_started(started)
    return ident


def install(linger_ms):
    """Replaces the standard library's primitives with the instrumented ones."""
    global _linger
    _linger = max(0, linger_ms) / 1000.0
    threading.Lock = Lock
    threading.RLock = RLock
    threading.Condition = Condition
    threading.Semaphore = Semaphore
    threading.BoundedSemaphore = BoundedSemaphore
    threading.Event = Event
    threading.Barrier = Barrier
    threading.local = local
    _thread.allocate_lock = allocate_lock
    _thread.allocate = allocate_lock
    _thread.start_new_thread = start_new_thread
    if hasattr(_thread, "start_new"):
        _thread.start_new = start_new_thread
    _queue_mod.Queue = Queue
    _queue_mod.LifoQueue = LifoQueue
    _queue_mod.PriorityQueue = PriorityQueue
    _queue_mod.SimpleQueue = SimpleQueue
    time.sleep = sleep
    _Thread.__init__ = _thread_init
    _Thread.start = _thread_start
    _Thread.join = _thread_join
    _Thread._bootstrap_inner = _thread_bootstrap_inner
    _Thread.name = property(_orig_name.fget, _set_name)
    for cls, orig in ((Condition, _OrigCondition), (Semaphore, _OrigSemaphore),
                      (BoundedSemaphore, _OrigBounded), (Event, _OrigEvent), (Barrier, _OrigBarrier),
                      (local, _OrigLocal), (Queue, _OrigQueue), (LifoQueue, _OrigLifo),
                      (PriorityQueue, _OrigPriority), (SimpleQueue, _OrigSimple)):
        cls.__module__ = orig.__module__
        cls.__qualname__ = orig.__qualname__
    Lock.__module__ = RLock.__module__ = "threading"
    _Lock.__module__, _Lock.__name__, _Lock.__qualname__ = "_thread", "lock", "lock"
    _RLock.__module__, _RLock.__name__, _RLock.__qualname__ = "_thread", "RLock", "RLock"
