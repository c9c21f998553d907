"""Threads, instrumented: threading.Thread's creation, start, bootstrap, end, join and renaming
told as the Rust threads tell them, _thread.start_new_thread's raw threads too, and
time.sleep in demo time. In a controlled run a started thread is part of its starter's step
until its first point (sched.thread_starting).
"""

import _thread
import sys
import threading

from . import core
from . import gate as _gate_mod
from . import sched as _sched
from .clock import _real_timeout, real_wait
from .core import (_alive, _alloc, _emit, _emit_keep, _gate, _getframe, _gid, _js, _native,
                   _next_tid, _now, _orig_sleep, _regate, _stopped, _tids, _timeout_us, me)
from .places import _internal_caller, _loc

_orig_start_new_thread = _thread.start_new_thread
_TIMEOUT_MAX = _thread.TIMEOUT_MAX
_Thread = threading.Thread
_thread_hook = None      # called first in each raw _thread thread of the program (trace.py)

def sleep(secs):
    f = _getframe(1)
    if _internal_caller(f) or not isinstance(secs, (int, float)) or secs != secs or secs < 0:
        return _orig_sleep(secs)
    if core._closed:
        _gate()
    tid = me()
    loc = _loc(f)
    if core._controlled:
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
    """After a run's own fork (server.py), in the process that goes on: the program's threads
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
    if core._controlled:
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
    if core._closed:
        _gate()
    self._tv_start = (me(), _loc(_getframe(1)))
    tid = self.__dict__.get("_tv_tid")
    if not core._controlled or tid is None or self._started.is_set():
        return _orig_start(self)
    # A controlled run: the new thread is part of this step until its first point.
    started = _sched.thread_starting(tid, self._daemonic)   # (a run may fork here: server.py)
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
    if core._closed:
        _stopped(tid)
    _alive.pop(tid, None)
    if panicked is None:
        ex = '{"how":"normal"}'
    else:
        ex = '{"how":"panicked","message":%s}' % _js(panicked)
    _emit_keep(tid, "null", '{"kind":"thread_exited","tid":%d,"exit":%s}' % (tid, ex))
    _tids.pop(ident, None)
    if core._controlled:
        _sched.thread_end(tid)


def _thread_join(self, timeout=None):
    target = self.__dict__.get("_tv_tid")
    if target is None or not self._started.is_set() or self is threading.current_thread():
        return _orig_join(self, timeout)
    if core._closed:
        _gate()
    tid = me()
    loc = _loc(_getframe(1))
    _emit(tid, loc, '{"kind":"join_begin","target":%d,"timeout_us":%s}' % (target, _timeout_us(timeout)))
    if core._closed:
        _stopped(tid)
    if core._controlled:
        if _sched.block(tid, lambda: _sched.ended(target), _sched.deadline(timeout)):
            _orig_join(self)     # its end was its last step: only the OS thread is left
    else:
        _orig_join(self, _real_timeout(timeout))
    if core._closed:
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
    started = _sched.thread_starting(tid, True) if core._controlled else None
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
