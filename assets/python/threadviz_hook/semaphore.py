"""threading.Semaphore and BoundedSemaphore, instrumented: threading's own algorithm, its
condition swapped for the baton's (baton_cond.Cond) in a controlled run, with the count told
at each acquire and release.
"""

import threading

from . import core
from . import sched as _sched
from .baton_cond import Cond
from .clock import _real_timeout
from .core import (T_ACQ, T_FAIL, T_REL, T_REQ, T_TIMEOUT, _gate, _getframe, _hold, _misuse,
                   _mode, _mono, _now, _put, _regate, _stopped, me)
from .places import _internal_caller, _loc, _register

_OrigSemaphore = threading.Semaphore
_OrigBounded = threading.BoundedSemaphore

class Semaphore(_OrigSemaphore):
    _tv_bounded = False

    def __new__(cls, *args, **kwargs):
        if cls in (Semaphore, BoundedSemaphore) and _internal_caller(_getframe(1)):
            return (_OrigBounded if cls is BoundedSemaphore else _OrigSemaphore)(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, value=1):
        _OrigSemaphore.__init__(self, value)
        if core._controlled:
            self._cond = Cond()
        self._tv_initial = value
        self._tv_blocked = 0
        label = "BoundedSemaphore" if self._tv_bounded else "Semaphore"
        self._tv_prim = _register(label, '{"type":"semaphore","initial":%d,"bounded":%s}'
                                  % (value, "true" if self._tv_bounded else "false"), _getframe(1))

    def acquire(self, blocking=True, timeout=None):
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        if core._closed:
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
        if core._closed:
            _stopped(tid)
        rc = False
        endtime = None
        # A controlled run counts the timeout in demo time, on a condition that gives the
        # baton up (baton_cond.Cond).
        rt = timeout if core._controlled else _real_timeout(timeout)
        clock = _sched.monotonic if core._controlled else _mono
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
            if core._closed:
                _regate()
            _put(T_ACQ % (_now(), tid, loc, p, left))
        return rc

    __enter__ = acquire

    def release(self, n=1):
        if n < 1:
            raise ValueError('n must be one or more')
        if core._closed:
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
        if waking and core._linger:
            _hold()

    def __exit__(self, t, v, tb):
        self.release()


class BoundedSemaphore(Semaphore):
    _tv_bounded = True

    def __repr__(self):
        return _OrigSemaphore.__repr__(self)
