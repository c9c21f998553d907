"""The fork server (spec section 4): the program prepared once, then a controlled run of it
forked for each `run` control line, each process forked ahead and waiting on a pipe, its exit
status told; and a run that becomes the server of the later ones at its first thread's start.
"""

import atexit
import json
import os
import sys

from . import outside
from .boot import (_arm_parent_death, _at_exit, _begin_controlled, _exit_status,
                   _main_thread_events, _run_main, _runner, _set_argv, _start_tracing)


def serve(cfg, opts, path, module, args):
    """The fork server (spec section 4): prepares the program once, then for each `run`
    forks a controlled run of it, and tells its exit status."""
    from . import prims, streams, wire
    prims.install(0)
    streams.install()
    _arm_parent_death(cfg.get("parent"))
    _set_argv(path, module, args)
    run = _runner(path, module)
    # What every run imports on its way, imported once here rather than in each child: the
    # hook's own modules (compiling the tracer's alone takes 10 ms) and the standard library
    # modules the program imports at its top level.
    import ast, linecache, traceback  # noqa: F401,E401
    from . import instrs, randoms, sched, trace  # noqa: F401
    randoms.prepare()
    _preimport(path)
    code = getattr(run, "code", None)
    if code is not None and trace.wanted(opts["step"], opts["watch"], opts["shared"]):
        instrs.prepare(code)
    import gc
    gc.freeze()        # the server's objects stay put: a child copies fewer pages on write
    server_pid = os.getpid()
    # The next run's process is forked ahead, while the run before it goes on, and waits for
    # its `run` line on a pipe: starting a run is then a write, not a fork (the fork of a
    # prepared interpreter took 3 to 5 ms here, the larger part of a short run).
    sys.addaudithook(outside.audit)
    waiting = _wait_here(cfg, opts, run, server_pid)
    while True:
        msg = wire.read_control_or_eof()
        if msg is None:
            os._exit(0)
        what = msg.get("control") if isinstance(msg, dict) else None
        if what == "quit":
            os._exit(0)
        if what != "run":
            continue
        line = (json.dumps(msg) + "\n").encode()
        pid, done = _go(waiting, line)
        if pid is None:                           # the waiting process is gone: one afresh
            pid, done = _go(_wait_here(cfg, opts, run, server_pid), line)
        waiting = _wait_here(cfg, opts, run, server_pid)   # the next run's, while this one goes
        code = _run_status(pid, done)
        if code is None:                          # a run that served the later ones has quit
            os._exit(0)
        if code is _UNTOLD:
            wire.send_now('{"ran":{"status":%d}}' % _UNTOLD.status)
        _reap()


def _wait_here(cfg, opts, run, server_pid):
    """A process forked to wait for the next run of the program (see _fork_waiting); in that
    process, once its `run` line came, the run."""
    waiting = _fork_waiting(server_pid)
    if waiting[0] is None:
        _, msg, done = waiting
        _child_run(cfg, opts, run, server_pid, msg, done)   # never returns
    return waiting


def _fork_waiting(server_pid):
    """Forks a process that waits for its `run` line on a pipe. In the server: (pid, the
    pipe to write that line to, the pipe the run tells its exit status on); in the forked
    process, once its line came: (None, the line parsed, the pipe to tell its status on)."""
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    from . import wire
    wire.own_fork = True
    try:
        pid = os.fork()
    finally:
        wire.own_fork = False
    if pid == 0:
        os.close(go_w)
        os.close(done_r)
        for fd in _server_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        _server_fds.clear()
        _unreaped.clear()
        _arm_parent_death(server_pid)
        from . import pin, sched, threads
        if sched.active:          # a run forked from another's first part
            pin.served()        # on the run's CPU before it waits: it wakes up there
            threads.renew_unstarted()
        msg = _read_go(go_r)
        os.close(go_r)
        if msg is None:                           # the server quit before this run was wanted
            os._exit(0)
        return None, msg, done_w
    os.close(go_r)
    os.close(done_w)
    _server_fds.add(done_r)
    return pid, go_w, done_r


_server_fds = set()        # the server's ends of its runs' pipes, closed in every run


def _read_go(fd):
    data = b""
    while not data.endswith(b"\n"):
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    try:
        msg = json.loads(data)
    except ValueError:
        return None
    return msg if isinstance(msg, dict) else None


def _go(waiting, line):
    """Lets the waiting run go with its `run` line; (pid, its status pipe), or (None, None)
    when it is gone."""
    pid, go, done = waiting
    try:
        os.write(go, line)
        return pid, done
    except OSError:
        _server_fds.discard(done)
        os.close(done)
        return None, None
    finally:
        os.close(go)


def _run_status(pid, done):
    """How a run ended: the exit status it told (to threadviz too) just before exiting (its
    process is reaped later, so that tearing a process down is not part of the next run's
    wait); _UNTOLD, with the status waitpid says, when it died without telling (a signal,
    os._exit in the program); None when the run became the server of the later runs and
    has now quit with them."""
    data = b""
    while True:
        try:
            chunk = os.read(done, 64)
        except InterruptedError:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            break
        data += chunk
    _server_fds.discard(done)
    os.close(done)
    told = data.strip()
    if told == b"quit":
        return None
    if told.lstrip(b"-").isdigit():
        _unreaped.add(pid)
        return int(told)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = None
    if status is None:
        _UNTOLD.status = 1
    elif hasattr(os, "waitstatus_to_exitcode"):
        _UNTOLD.status = os.waitstatus_to_exitcode(status)
    else:
        _UNTOLD.status = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return _UNTOLD


class _Untold:
    """A run that died without telling its exit status: the status waitpid says, for the
    server to tell."""
    status = 1


_UNTOLD = _Untold()


_unreaped = set()          # runs that told their status and may still be exiting


def _reap():
    for pid in list(_unreaped):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _unreaped.discard(pid)


def _preimport(path):
    """Imports the standard library modules the program at `path` imports at its top level
    (`import argparse`, `from collections import deque`), so that each forked run finds them
    loaded. Only the standard library's: importing the program's own modules would run their
    code, which is the run's to run."""
    if path is None:
        return
    try:
        import ast
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except Exception:
        return
    stdlib = getattr(sys, "stdlib_module_names", None)
    for node in tree.body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] in sys.modules and name in sys.modules:
                continue
            if stdlib is not None and name.split(".")[0] not in stdlib:
                continue
            if stdlib is None and not _in_stdlib(name):
                continue
            try:
                __import__(name)
            except Exception:
                pass
    if "argparse" in sys.modules:
        _prime_argparse()


def _prime_argparse():
    """Fills the caches a first use of argparse fills, so that each run finds them full: the
    regular expressions it compiles (re's cache) and the `locale` module its messages' gettext
    lookups import. Nothing the program can see: a parser thrown away, parsing no arguments
    of the program's."""
    try:
        import argparse
        import locale  # noqa: F401
        parser = argparse.ArgumentParser(prog="threadviz", description="x")
        parser.add_argument("--count", type=int, default=1, help="x")
        parser.add_argument("--flag", action="store_true", help="x")
        parser.add_argument("names", nargs="*")
        parser.parse_args(["--count", "2", "--flag", "a"])
    except BaseException:
        pass


def _in_stdlib(name):
    """Whether module `name` is the standard library's (for Pythons without
    sys.stdlib_module_names: where its file is)."""
    try:
        import importlib.util
        from . import places
        spec = importlib.util.find_spec(name.split(".")[0])
    except Exception:
        return False
    origin = getattr(spec, "origin", None) if spec is not None else None
    if origin in ("built-in", "frozen"):
        return True
    return bool(origin) and places.is_internal_file(origin)


def _child_run(cfg, opts, run, server_pid, msg, done):
    """One run in a child of the server: controlled and auto, its lines after a `run` line,
    its own session_ended last, then the exit status python would exit with (told on the
    `done` pipe first, so that the server need not wait for this process to be torn down)."""
    global _done_fd, _run_pid
    _done_fd = done
    _run_pid = os.getpid()
    status = 1
    try:
        from . import sched, wire
        wire.send_now('{"run":{"pid":%d}}' % os.getpid())
        _begin_controlled(opts, msg.get("pick"))
        _main_thread_events()
        wire.start_controlled()
        atexit.register(_at_exit)      # before the program's own: it runs last
        _start_tracing(opts)
        if opts["auto"]:
            outside.scout_from_here()
            sched.first_start = _at_first_start
        try:
            _run_main(run)
            status = 0
        except SystemExit as e:
            status = _exit_status(e)
        import threading
        threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        try:
            import traceback
            traceback.print_exc()
        except BaseException:
            pass
    finally:
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except BaseException:
                pass
        code = status & 0xFF if status >= 0 else 1
        if os.getpid() != _run_pid:      # a process the program forked: not the run's word
            os._exit(code)
        # The status goes to threadviz first, as the run's last line (the server, told too,
        # then need not relay it: one process fewer to wake before the next run), and to the
        # server, which reaps this process later.
        try:
            from . import wire
            wire.send_now('{"ran":{"status":%d}}' % code)
        except BaseException:
            pass
        try:
            os.write(_done_fd, b"%d\n" % code)
        except BaseException:
            pass
        os._exit(code)


# --- runs forked at their first thread's start ----------------------------------------------
# A served run makes no choice before its program starts a second thread: up to there every
# run of an exploration does the same. So the first run, at that point, becomes the server of
# the later ones, each forked from there rather than from the program's first line (bank.py at
# --step bytecode spends 6 of its 11 ms on the argparse lines before its threads start). Only
# when that changes nothing the program can tell: it did nothing that reaches outside its
# process (an audit hook watches: a file opened for writing, a socket, a subprocess, a file
# removed...), it holds no file descriptor it did not start with (a file read by the runs
# would be shared between them), and it is one thread. threadviz keeps the first run's
# events up to there and puts them before each later run's.

_done_fd = None          # the pipe this run's process tells its exit status on
_run_pid = None          # the run's process (not one the program forked)


def _at_first_start():
    """The run's first thread is about to start (sched.thread_starting): become the server of
    the later runs when that is safe, and go on as this run either way."""
    from . import pin, sched, wire
    sched.first_start = None
    if not outside.stayed_inside():
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    wire.drain()                  # the first part's events go out once, from here
    pin.serving()
    server_pid = os.getpid()
    waiting = _fork_waiting(server_pid)
    if waiting[0] is None:
        return _continue(waiting[1], waiting[2], True)
    pid, done = _go(waiting, b'{"control":"continue"}\n')
    while True:
        waiting = _fork_waiting(server_pid)     # the next run's, while this one goes on
        if waiting[0] is None:
            return _continue(waiting[1], waiting[2], False)
        code = _run_status(pid, done)
        if code is None or code is _UNTOLD:
            wire.send_now('{"ran":{"status":%d}}' % (1 if code is None else _UNTOLD.status))
        _reap()
        while True:
            msg = wire.read_control_or_eof()
            what = msg.get("control") if isinstance(msg, dict) else None
            if msg is None or what == "quit":
                _quit_serving()
            if what == "run":
                break
        line = (json.dumps(msg) + "\n").encode()
        pid, done = _go(waiting, line)
        if pid is None:                          # the waiting process is gone: one afresh
            fresh = _fork_waiting(server_pid)
            if fresh[0] is None:
                return _continue(fresh[1], fresh[2], False)
            pid, done = _go(fresh, line)


def _quit_serving():
    try:
        os.write(_done_fd, b"quit\n")
    except OSError:
        pass
    os._exit(0)


def _continue(msg, done, first):
    """A run forked at the first thread's start goes on from there: its own status pipe, its
    own choices (a later run's `run` line), and its word that it continues the first part."""
    global _done_fd, _run_pid
    from . import sched, wire
    _done_fd = done
    _run_pid = os.getpid()
    if not first:
        sched.choose_by(msg.get("pick"))
    wire.send_now('{"run":{"pid":%d,"prefix":true}}' % os.getpid())
