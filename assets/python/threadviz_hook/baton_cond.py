"""threading.Condition for a controlled run, put in place of the one inside Event, Semaphore,
Barrier and Queue: its lock is the baton, so the standard library's own algorithms run
unchanged, one thread at a time.
"""

import collections

from .core import me
from .sched import block, deadline, monotonic


class _Waiter:
    """One wait on a Cond: notified or not."""
    __slots__ = ("notified",)

    def __init__(self):
        self.notified = False


class Cond:
    """threading.Condition for a controlled run, put in place of the one inside Event,
    Semaphore, Barrier and Queue: its lock is the baton (so entering it is nothing), a wait
    gives the baton up until notified (FIFO, as Python's) or timed out in demo time, so the
    standard library's own algorithms run unchanged."""

    __slots__ = ("_waiters",)

    def __init__(self, lock=None):
        self._waiters = collections.deque()

    def __enter__(self):
        return True

    def __exit__(self, *args):
        return None

    def acquire(self, *args, **kwargs):
        return True

    def release(self):
        pass

    def _is_owned(self):
        return True

    def _at_fork_reinit(self):
        self._waiters.clear()

    def wait(self, timeout=None):
        # A waiter of its own, equal only to itself: a timed-out waiter takes itself out of
        # the queue, and a list `[False]` would take out the first waiter equal to it.
        token = _Waiter()
        self._waiters.append(token)
        got = block(me(), lambda: token.notified, deadline(timeout))
        if not got:
            try:
                self._waiters.remove(token)
            except ValueError:
                pass
        return got

    def wait_for(self, predicate, timeout=None):
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = monotonic() + waittime
                else:
                    waittime = endtime - monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n=1):
        waiters = self._waiters
        while waiters and n > 0:
            waiters.popleft().notified = True
            n -= 1

    def notify_all(self):
        self.notify(len(self._waiters))

    notifyAll = notify_all
