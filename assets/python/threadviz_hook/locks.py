"""The locks a program makes: threading.Lock() and _thread.allocate_lock() (the instrumented
lock itself is core's _Lock, on the hot path), threading.RLock, whose level is the count, and
the quiet lock a controlled run gives the standard library for its own waits. A lock the
standard library makes for itself is the original.
"""

import _thread
import sys
import threading

from . import sched as _sched
from .clock import _real_timeout
from .core import (BLOCKING, NONBLOCKING, T_ACQ, T_FAIL, T_REL, T_REQ, T_REQ_ACQ, T_TIMEOUT,
                   _Lock, _adopt, _cacquire, _gid, _hold, _misuse, _mode, _new_lock, _now, _put,
                   _gate, _refuse, _regate, _stopped, _tids)
from . import core
from .places import _internal_caller, _loc, _register

_alloc = _thread.allocate_lock
_CRLock = _thread.RLock
_getframe = sys._getframe
_OrigLock = threading.Lock
_OrigRLock = threading.RLock


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
        if core._closed:
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
        if core._closed:
            _stopped(tid)
        self._blocked += 1
        try:
            if core._controlled:
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
        if core._closed:
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
        if core._closed:
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
        if c == 0 and self._blocked and core._linger:
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
        if core._closed:
            _stopped(tid)
        self._blocked += 1
        try:
            if core._controlled and self._owner is not None:
                _sched.block(tid, lambda: self._owner is None, None)
            self._acquire_restore(saved)
        finally:
            self._blocked -= 1
        if core._closed:
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
