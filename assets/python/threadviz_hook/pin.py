"""A controlled run held on one CPU, the program none the wiser.

Exactly one thread of a controlled run moves at a time, so the run loses nothing by being
held on one CPU, and handing the baton over becomes a switch on that CPU instead of waking
another one up (measured here: a lock handed back and forth between two threads, 72 us a
round trip free, 19 us on one CPU). The program does not see it: its affinity reads as it
was, and what it starts (a subprocess, a fork) runs on the CPUs it had.
"""

import os

_cpus = None            # the CPUs the run had before it was held on one, or None


def pin():
    global _cpus
    if _cpus is not None or not hasattr(os, "sched_setaffinity"):
        return
    try:
        cpus = os.sched_getaffinity(0)
        if len(cpus) < 2:
            return
        os.sched_setaffinity(0, {min(cpus)})
    except OSError:
        return
    _cpus = cpus
    _real_getaffinity = os.sched_getaffinity

    def sched_getaffinity(pid):
        if _cpus is not None and pid in (0, os.getpid()):
            return set(_cpus)
        return _real_getaffinity(pid)
    os.sched_getaffinity = sched_getaffinity
    if hasattr(os, "process_cpu_count"):
        os.process_cpu_count = lambda: len(_cpus) if _cpus is not None else os.cpu_count()
    for owner, name in ((os, "posix_spawn"), (os, "posix_spawnp"), (os, "system")):
        if hasattr(owner, name):
            setattr(owner, name, _unpinned(getattr(owner, name)))
    try:
        import _posixsubprocess
        _posixsubprocess.fork_exec = _unpinned(_posixsubprocess.fork_exec)
    except (ImportError, AttributeError):
        pass


def _unpinned(spawn):
    """`spawn` called with the calling thread on every CPU the run had, so that what it
    starts inherits them; held on one again after."""
    def call(*args, **kwargs):
        cpus = _cpus
        if cpus is None:
            return spawn(*args, **kwargs)
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            return spawn(*args, **kwargs)
        try:
            return spawn(*args, **kwargs)
        finally:
            try:
                os.sched_setaffinity(0, {min(cpus)})
            except OSError:
                pass
    call.__wrapped__ = spawn
    return call


def serving():
    """This run's process becomes a server of runs forked from it (server.py): on every CPU
    again, so that it forks the next run's process beside the run under way, not after it."""
    if _cpus is not None:
        try:
            os.sched_setaffinity(0, _cpus)
        except OSError:
            pass


def served():
    """A run forked from a serving process: on its one CPU again."""
    if _cpus is not None:
        try:
            os.sched_setaffinity(0, {min(_cpus)})
        except OSError:
            pass


def unpin():
    global _cpus
    cpus = _cpus
    _cpus = None
    if cpus is not None:
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            pass
