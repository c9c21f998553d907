"""threading.Event, instrumented: threading's own algorithm, its condition swapped for the
baton's (baton_cond.Cond) in a controlled run; set, clear and each wait told.
"""

import threading

from . import core
from .baton_cond import Cond
from .clock import _real_timeout
from .core import _emit, _gate, _getframe, _hold, _regate, _stopped, _timeout_us, me
from .places import _internal_caller, _loc, _register

_OrigEvent = threading.Event

class Event(_OrigEvent):
    def __new__(cls, *args, **kwargs):
        if cls is Event and _internal_caller(_getframe(1)):
            return _OrigEvent(*args, **kwargs)
        return object.__new__(cls)

    def __init__(self):
        _OrigEvent.__init__(self)
        if core._controlled:
            self._cond = Cond()
        self._tv_waiting = 0
        self._tv_prim = _register("Event", '{"type":"event"}', _getframe(1))

    def set(self):
        if core._closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        with self._cond:
            _emit(tid, loc, '{"kind":"set","prim":%d}' % self._tv_prim)
            self._flag = True
            self._cond.notify_all()
            waiting = self._tv_waiting
        if waiting and core._linger:
            _hold()

    def clear(self):
        if core._closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        with self._cond:
            _emit(tid, loc, '{"kind":"clear","prim":%d}' % self._tv_prim)
            self._flag = False

    def wait(self, timeout=None):
        if core._closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
        blocked = not self._flag
        if blocked:
            self._tv_waiting += 1
            if core._closed:
                _stopped(tid)
        try:
            r = _OrigEvent.wait(self, timeout if core._controlled else _real_timeout(timeout))
        finally:
            if blocked:
                self._tv_waiting -= 1
        if blocked and core._closed:
            _regate()
        _emit(tid, loc, '{"kind":"woken","prim":%d,"notified":%s}' % (p, "true" if r else "false"))
        return r
