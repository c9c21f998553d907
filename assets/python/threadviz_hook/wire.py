"""The socket to threadviz: the hello, the writer thread that drains pending events, and the
control reader. Both threads are started with the original _thread.start_new_thread, so the
program's threading.enumerate() and interpreter shutdown never see them.

In a controlled run there are no such threads: the thread holding the baton sends the pending
events before each choose line and reads the one control line that answers it (ask), and an
emitter that finds the queue long sends it itself."""

import _thread
import collections
import json
import os
import signal
import socket
import sys
import time

_alloc = _thread.allocate_lock
_start = _thread.start_new_thread

VERSION = 1
LIMIT = 100000          # pending lines before an emitting thread waits (or drops, lossy)
BATCH = 8192
_mono = time.monotonic
TICK = 0.1              # while running, the gate (and so the clock) is told at least this often

pending = collections.deque()
lossy = False
dropped = collections.deque()   # events dropped at their source (lossy), told as `lost` events
lost_tid = 1
done = False            # session_ended was written: nothing more goes out
finished = False        # the run is over: the socket closing no longer kills the process
sock = None
_wlock = _alloc()       # held while writing to the socket
_kick = _alloc()
_kick.acquire()
_sleep = None           # the original time.sleep
_controls = None        # callback(dict) for each control line
controlled = False      # a controlled run or a server: no writer or reader thread
_rfile = None           # controlled: the socket read a line at a time
own_fork = False        # server.py forks a run's process: not the program's fork


def connect(path):
    global sock
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    sock = s


def send_now(line):
    """Writes one line at once (the hello)."""
    with _wlock:
        sock.sendall((line + "\n").encode("utf-8", "surrogatepass"))


def hello(program):
    impl = sys.implementation.name
    runtime = "%s %d.%d.%d" % ("CPython" if impl == "cpython" else impl, *sys.version_info[:3])
    send_now(json.dumps({"wire": "threadviz-wire", "version": VERSION, "language": "python",
                         "runtime": runtime, "pid": os.getpid(), "program": program},
                        separators=(",", ":")))


def kick():
    try:
        _kick.release()
    except RuntimeError:
        pass


def _gone():
    if not finished:
        os.kill(os.getpid(), signal.SIGKILL)


def _send(buf):
    """Sends the lines of buf, which ends with an empty string (for the last newline)."""
    try:
        sock.sendall("\n".join(buf).encode("utf-8", "surrogatepass"))
    except OSError:
        _gone()
        raise SystemExit


def drain():
    """Sends everything pending, in order; only one thread writes at a time."""
    with _wlock:
        if done:
            return
        _drain_locked()


def _drain_locked():
    """drain(), holding _wlock."""
    pop = pending.popleft
    while True:
        n = min(len(pending), BATCH)
        if not n:
            break
        buf = [pop() for _ in range(n)]
        buf.append("")
        _send(buf)
    n = 0
    try:
        while True:
            n += dropped.popleft()
    except IndexError:
        pass
    if n:
        from . import core
        _send(['{"time_us":%d,"thread":%d,"loc":null,"kind":{"kind":"lost","events":%d}}'
               % (core._now(), lost_tid, n), ""])


def overflow(line, keep):
    """The deque is long: wait for the writer (lossless), or drop and count (lossy)."""
    global lost_tid
    if done:
        return
    if lossy and not keep:
        # A compact "a" line stands for two events (requested and acquired), as do two lines
        # joined by a newline.
        dropped.append(2 if line.startswith('["a"') else line.count("\n") + 1)
        try:
            from . import core
            lost_tid = core._tids.get(_thread.get_ident(), 0)
        except Exception:
            pass
        return
    if controlled:
        drain()
        if done:
            return
        pending.append(line)
        return
    while len(pending) >= LIMIT and not done:
        kick()
        _sleep(0.0005)
    pending.append(line)


def _writer():
    from . import gate
    idle = 0.001
    told = _mono()
    try:
        while not done:
            if pending:
                drain()
                idle = 0.001
            else:
                _kick.acquire(True, idle)
                idle = min(idle * 2, 0.02)
            now = _mono()
            if now - told >= TICK:
                # threadviz's clock runs on from the child's last word, at most 150 ms.
                gate.tick()
                told = now
    except SystemExit:
        pass


def final(lines):
    """Sends what is pending, then `lines` (the last one session_ended), and stops writing."""
    global done, finished
    finished = True
    drain()
    with _wlock:
        if done:
            return
        done = True
        try:
            pop = pending.popleft
            buf = []
            try:
                while True:
                    buf.append(pop())
            except IndexError:
                pass
            buf.extend(lines)
            sock.sendall(("\n".join(buf) + "\n").encode("utf-8", "surrogatepass"))
        except OSError:
            pass
    pending.clear()


def read_control():
    """Controlled: the next control line, parsed (None for one that is not JSON); EOF ends
    the process, as the socket closing does in a watched run."""
    msg = read_control_or_eof()
    if msg is None:
        os._exit(1)
    return msg


# The two grants as threadviz writes them, read without the JSON parser (any other spelling
# of a control line is parsed).
_GRANT_THREAD = b'{"control":"grant","thread":'
_GRANT_TIME = b'{"control":"grant","time":true}\n'
_AFTER = len(_GRANT_THREAD)


def read_control_or_eof():
    """The next control line, parsed ("" for one that is not JSON); None at EOF."""
    global _rfile
    if _rfile is None:
        _rfile = sock.makefile("rb")
    try:
        line = _rfile.readline()
    except (OSError, ValueError):
        line = b""
    if not line:
        return None
    if line.startswith(_GRANT_THREAD) and line.endswith(b"}\n") and line[_AFTER:-2].isdigit():
        return {"control": "grant", "thread": int(line[_AFTER:-2])}
    if line == _GRANT_TIME:
        return {"control": "grant", "time": True}
    try:
        return json.loads(line)
    except ValueError:
        return ""


def ask(line, reply=True):
    """Controlled: sends the pending events and `line`, in one write, and reads the control
    line that answers it (when `reply`)."""
    with _wlock:
        if not done:
            if dropped:             # the count of lost events goes before the line
                _drain_locked()
                _send([line, ""])
            else:
                pending.append(line)
                _drain_locked()
    if reply:
        return read_control()
    return None


def wait_eof():
    """Controlled, deadlocked: reads (and ignores) control lines until the socket closes."""
    global _rfile
    if _rfile is None:
        _rfile = sock.makefile("rb")
    try:
        while _rfile.readline():
            pass
    except (OSError, ValueError):
        pass


def _reader():
    f = sock.makefile("rb")
    try:
        while True:
            line = f.readline()
            if not line:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            try:
                _controls(msg)
            except Exception:
                pass
    except (OSError, ValueError):
        pass
    _gone()


def _forked():
    """In a child made by os.fork(): the stream is the parent's; this process sends nothing
    (but for a run's own fork, server.py's, whose child goes on as a run)."""
    global done, finished, _wlock
    if own_fork:
        return
    done = finished = True
    _wlock = _alloc()
    pending.clear()
    try:
        from . import core, gate
        core._LIMIT = -1          # every event goes to overflow(), which drops it
        core._closed = False
        if controlled:
            from . import sched
            sched.forked()
        gate._lock = _alloc()
        gate.mode = "running"
        gate._waiters.clear()
        gate.sleepers.clear()
    except Exception:
        pass
    try:
        os.close(sock.detach())    # close our copy without shutting the parent's stream down
    except Exception:
        pass


def start(controls):
    global _controls
    _controls = controls
    _start(_writer, ())
    _start(_reader, ())
    watch_forks()


def start_controlled():
    """A controlled run: no threads; the baton holder reads and writes (ask)."""
    global controlled
    controlled = True
    watch_forks()


def watch_forks():
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forked)
