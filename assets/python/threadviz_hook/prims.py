"""The instrumented standard library, put in place: threading, _thread, queue and time.sleep
replaced by versions that send the same events as threadviz's own Rust primitives, in causal
order. Each primitive has its module (the hot path they share is core.py); install() puts them
where the program finds them. Primitives that the standard library creates for itself are
the originals.
"""

import _thread
import queue as _queue_mod
import threading
import time

from . import core
from .barrier import Barrier, _OrigBarrier
from .condition import Condition, _OrigCondition
from .core import _Lock
from .event import Event, _OrigEvent
from .local import local, _OrigLocal
from .locks import Lock, RLock, _CRLock, _RLock, allocate_lock
from .queues import (LifoQueue, PriorityQueue, Queue, SimpleQueue, _OrigLifo, _OrigPriority,
                     _OrigQueue, _OrigSimple)
from .semaphore import BoundedSemaphore, Semaphore, _OrigBounded, _OrigSemaphore
from .threads import (_Thread, _orig_name, _set_name, _thread_bootstrap_inner, _thread_init,
                      _thread_join, _thread_start, sleep, start_new_thread)

_RawLock = type(_thread.allocate_lock())


def shown_types():
    """The hook's primitives and threads, and the standard library's own: a variable holding
    one is shown as that primitive, never as a shared variable (trace.py)."""
    return tuple(t for t in (_Lock, _RLock, Condition, Semaphore, Event, Barrier, local, Queue,
                             SimpleQueue, _Thread, _RawLock, _CRLock, _OrigCondition,
                             _OrigSemaphore, _OrigEvent, _OrigBarrier, _OrigQueue, _OrigSimple,
                             _OrigLocal)
                 if isinstance(t, type))


def install(linger_ms):
    """Replaces the standard library's primitives with the instrumented ones."""
    core._linger = max(0, linger_ms) / 1000.0
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
