"""threading.Condition, instrumented: over the hook's Lock or RLock (whose events its waits
tell: released, then requested and acquired again), or silently over another lock. In a
controlled run a wait gives the baton up (core._cacquire) until notified or timed out in demo
time.
"""

import collections as _collections
import sys
import threading

from . import core
from . import names
from . import sched as _sched
from .clock import _real_timeout
from .core import (U64_MAX, _Lock, _alloc, _cacquire, _emit, _gate, _getframe, _hold, _misuse,
                   _now, _regate, _stopped, _timeout_us, me)
from .locks import _RLock, _new_rlock
from .places import _internal_caller, _loc, _register, program_frame

_OrigCondition = threading.Condition

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
        if core._closed:
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
        if core._closed:
            _stopped(tid)
        gotit = False
        try:
            if core._controlled:
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
            if core._closed:
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
        if core._closed:
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
        if woken and core._linger:
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
