"""threading.Barrier, instrumented: threading's own algorithm, its condition swapped for the
baton's (baton_cond.Cond) in a controlled run; each arrival, pass, break and reset told.
"""

import threading

from . import core
from .baton_cond import Cond
from .clock import _real_timeout
from .core import _emit, _gate, _getframe, _hold, _regate, _stopped, _timeout_us, me
from .places import _internal_caller, _loc, _register

_OrigBarrier = threading.Barrier

class Barrier(_OrigBarrier):
    def __new__(cls, *args, **kwargs):
        if cls is Barrier and _internal_caller(_getframe(1)):
            return _OrigBarrier(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self, parties, action=None, timeout=None):
        _OrigBarrier.__init__(self, parties, action, timeout)
        if core._controlled:
            self._cond = Cond()
        self._tv_gen = 0
        self._tv_prim = _register("Barrier", '{"type":"barrier","parties":%d}' % parties, _getframe(1))

    def wait(self, timeout=None):
        if core._closed:
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
                        if core._closed:
                            _stopped(tid)
                        self._wait(timeout if core._controlled else _real_timeout(timeout))
                        passed = True
                    return index
                finally:
                    self._count -= 1
                    self._exit()
        finally:
            if waited:
                if core._closed:
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
            if self._parties > 1 and core._linger:
                _hold()
        except:  # noqa: E722  (as threading.Barrier._release)
            self._break()
            raise

    def _break(self):
        _emit(me(), _loc(_getframe(1)), '{"kind":"barrier_broken","prim":%d}' % self._tv_prim)
        _OrigBarrier._break(self)

    def reset(self):
        if core._closed:
            _gate()
        _emit(me(), _loc(_getframe(1)), '{"kind":"barrier_reset","prim":%d}' % self._tv_prim)
        _OrigBarrier.reset(self)

    def abort(self):
        if core._closed:
            _gate()
        _OrigBarrier.abort(self)
