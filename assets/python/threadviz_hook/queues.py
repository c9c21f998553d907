"""queue.Queue, LifoQueue, PriorityQueue and SimpleQueue, instrumented: each put and get told
with the item and the size after it, a blocked put or get as a wait. queue's own algorithm
runs unchanged, its conditions swapped for the baton's (baton_cond.Cond) in a controlled
run; a SimpleQueue the standard library makes for itself stays quiet but gives the baton up
to wait.
"""

import queue as _queue_mod

from . import core
from . import names
from . import sched as _sched
from .baton_cond import Cond
from .clock import _real_timeout
from .core import (T_FAIL, T_GOT, T_PUT, T_TIMEOUT, _emit, _gate, _getframe, _gid, _hold, _misuse,
                   _now, _put, _regate, _repr, _stopped, _tids, _timeout_us, me)
from .places import _internal_caller, _loc, _register

_OrigQueue = _queue_mod.Queue
_OrigLifo = _queue_mod.LifoQueue
_OrigPriority = _queue_mod.PriorityQueue
_OrigSimple = _queue_mod.SimpleQueue

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
        if core._controlled:
            self.not_empty = Cond()
            self.not_full = Cond()
            self.all_tasks_done = Cond()
        self._tv_prim = _register(type(self).__name__ if type(self).__name__ in names.KINDS else "Queue",
                                  '{"type":"queue","maxsize":%d}' % max(0, maxsize or 0), _getframe(1))

    def _put(self, item):
        super()._put(item)
        if self._tv_prim:
            _put(T_PUT % (_now(), me(), _loc(_getframe(1)), self._tv_prim, _repr(item), self._qsize()))
            if self._tv_getters and core._linger:
                _hold()

    def _get(self):
        item = super()._get()
        if self._tv_prim:
            _put(T_GOT % (_now(), me(), _loc(_getframe(1)), self._tv_prim, _repr(item), self._qsize()))
            if self._tv_putters and core._linger:
                _hold()
        return item

    def put(self, item, block=True, timeout=None):
        if core._closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        blocked = False
        if 0 < self.maxsize <= self._qsize() and block:
            _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
            blocked = True
            self._tv_putters += 1
            if core._closed:
                _stopped(tid)
        try:
            _OrigQueue.put(self, item, block, timeout if core._controlled else _real_timeout(timeout))
        except _queue_mod.Full:
            _put((T_FAIL if not block else T_TIMEOUT) % (_now(), tid, loc, p))
            raise
        finally:
            if blocked:
                self._tv_putters -= 1

    def get(self, block=True, timeout=None):
        if core._closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        blocked = False
        if block and not self._qsize():
            _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
            blocked = True
            self._tv_getters += 1
            if core._closed:
                _stopped(tid)
        try:
            return _OrigQueue.get(self, block, timeout if core._controlled else _real_timeout(timeout))
        except _queue_mod.Empty:
            _put((T_FAIL if not block else T_TIMEOUT) % (_now(), tid, loc, p))
            raise
        finally:
            if blocked:
                self._tv_getters -= 1

    def task_done(self):
        if core._closed:
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
        if core._closed:
            _gate()
        tid = me()
        loc = _loc(_getframe(1))
        p = self._tv_prim
        _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":null}' % p)
        if core._closed:
            _stopped(tid)
        _OrigQueue.join(self)
        if core._closed:
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
            if core._controlled:
                return _QuietSimpleQueue(*args, **kwargs)
            return _OrigSimple(*args, **kwargs)
        return _OrigSimple.__new__(cls, *args, **kwargs)

    def __init__(self):
        self._tv_prim = _register("SimpleQueue", '{"type":"queue","maxsize":0}', _getframe(1))

    def _tv_put(self, item, loc):
        if core._closed:
            _gate()
        _put(T_PUT % (_now(), me(), loc, self._tv_prim, _repr(item), _OrigSimple.qsize(self) + 1))
        _OrigSimple.put(self, item)

    def put(self, item, block=True, timeout=None):
        self._tv_put(item, _loc(_getframe(1)))

    def put_nowait(self, item):
        self._tv_put(item, _loc(_getframe(1)))

    def _tv_get(self, block, timeout, loc):
        if core._closed:
            _gate()
        tid = me()
        p = self._tv_prim
        blocked = block and _OrigSimple.empty(self)
        if blocked:
            _emit(tid, loc, '{"kind":"wait_begin","prim":%d,"timeout_us":%s}' % (p, _timeout_us(timeout)))
            if core._closed:
                _stopped(tid)
        try:
            if core._controlled and blocked:
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
