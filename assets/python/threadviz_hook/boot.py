"""Starting a program under the hook, as `python3 prog.py ARGS` or `python3 -m mod ARGS` would.

threadviz starts `python -c BOOTSTRAP PROGRAM ARGS` (or `... -m MODULE ARGS`) with
THREADVIZ_HOOK (the JSON settings) and THREADVIZ_HOOK_DIR in the environment; main() removes
both, connects, says hello, instruments the standard library and runs the program so that
it behaves as it does bare: the same argv, sys.path[0], __main__, output, exceptions,
tracebacks (no hook frames) and exit status.

With `controlled` the run is one thread at a time, threadviz choosing (sched.py); with
`server` the interpreter prepares the program once and forks a controlled run of it for each
`run` control line (serve()).
"""

import _thread
import atexit
import json
import os
import signal
import sys
import types

_BOOT_NAMES = ("os", "sys", "b")
_main_exit = None          # None: normal; else the panic message of the main program
_sigint = False
_hook_dir = os.path.dirname(os.path.abspath(__file__))


def _hook_frame(frame):
    return frame.f_code.co_filename.startswith(_hook_dir + os.sep)


def clean_tb(tb, main):
    """The traceback without the hook's frames (and, for the main program, the -c frame)."""
    entries = []
    t = tb
    while t is not None:
        entries.append(t)
        t = t.tb_next
    keep = [t for t in entries if not _hook_frame(t.tb_frame)]
    if main and keep and keep[0].tb_frame.f_code.co_filename == "<string>" and entries[0] is keep[0]:
        keep = keep[1:]
    if len(keep) == len(entries):
        return tb
    nxt = None
    for t in reversed(keep):
        nxt = types.TracebackType(nxt, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return nxt


def _clean_chain(exc):
    seen = set()
    stack = [exc.__cause__, exc.__context__]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        try:
            e.__traceback__ = clean_tb(e.__traceback__, False)
        except Exception:
            pass
        stack.extend((e.__cause__, e.__context__))


_unraisable_type = None


def _get_unraisable_type():
    global _unraisable_type
    if _unraisable_type is None:
        got = []
        old = sys.unraisablehook
        sys.unraisablehook = got.append
        try:
            class _X:
                def __del__(self):
                    raise Exception
            _X()
        finally:
            sys.unraisablehook = old
        _unraisable_type = type(got[0])
    return _unraisable_type


def unraisable_thread(exc, function):
    """An exception that ended a raw _thread thread, told as CPython tells it."""
    tb = clean_tb(exc.__traceback__, False)
    exc.__traceback__ = tb
    _clean_chain(exc)
    try:
        if sys.version_info >= (3, 13):
            args = (type(exc), exc, tb, "Exception ignored in thread started by %r" % (function,), None)
        else:
            args = (type(exc), exc, tb, "Exception ignored in thread started by", function)
        sys.unraisablehook(_get_unraisable_type()(args))
    except Exception:
        import traceback
        traceback.print_exception(type(exc), exc, tb)


def _parse_argv():
    argv = sys.argv[1:]
    if argv[:1] == ["-m"]:
        if len(argv) < 2:
            sys.stderr.write("Argument expected for the -m option\n")
            raise SystemExit(2)
        return None, argv[1], argv[2:]
    if not argv:
        sys.stderr.write("threadviz hook: no program given\n")
        raise SystemExit(2)
    return argv[0], None, argv[1:]


def _fix_orig_argv():
    orig = getattr(sys, "orig_argv", None)
    if isinstance(orig, list) and "-c" in orig:
        i = orig.index("-c")
        sys.orig_argv = orig[:i] + orig[i + 2:]


def _clean_main_globals():
    d = sys.modules["__main__"].__dict__
    me = sys.modules[__name__]
    for k in _BOOT_NAMES:
        v = d.get(k)
        if v is os or v is sys or v is me:
            del d[k]


_libc = None               # the C library, loaded once (a fork server's runs inherit it)


def _arm_parent_death(parent):
    global _libc
    try:
        if _libc is None:
            import ctypes
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)   # PR_SET_PDEATHSIG
    except Exception:
        pass
    if parent and os.getppid() != parent:
        os._exit(1)


def _run_file(path):
    _compile_file(path)()


def _compile_file(path):
    """Reads and compiles the program as `python3 path` would, running none of it; returns
    what runs it (raising what python3 would, e.g. SystemExit(2) for a missing file, or a
    SyntaxError, only when it runs)."""
    import io
    d = sys.modules["__main__"].__dict__
    if os.path.isdir(path) or (not path.endswith(".py") and _is_zip(path)):
        import runpy
        return lambda: runpy.run_path(path, run_name="__main__")
    try:
        with io.open_code(path) as f:
            source = f.read()
    except OSError as e:
        exe = os.path.basename(getattr(sys, "orig_argv", [sys.executable])[0] or "python3")
        message = ("%s: can't open file %r: [Errno %d] %s\n"
                   % (exe, os.path.abspath(path), e.errno, e.strerror))

        def cannot_open():
            sys.stderr.write(message)
            sys.stderr.flush()
            raise SystemExit(2)
        return cannot_open
    import importlib.machinery
    path = os.path.abspath(path)       # as python3 prog.py does since 3.9
    d["__file__"] = path
    d["__cached__"] = None
    d["__loader__"] = importlib.machinery.SourceFileLoader("__main__", path)
    try:
        if path.endswith((".pyc", ".pyo")):
            import marshal
            code = marshal.loads(source[16:])
        else:
            code = compile(source, path, "exec", dont_inherit=True)
    except BaseException as e:
        failed = e

        def fail():
            raise failed
        return fail
    run = lambda: exec(code, d)  # noqa: E731
    run.code = code              # a fork server reads it ahead of the runs (trace.prepare)
    return run


def _is_zip(path):
    try:
        import zipfile
        return zipfile.is_zipfile(path)
    except Exception:
        return False


def _program_returned():
    from . import prims, gate
    prims._emit_keep(1, "null", '{"kind":"shutdown_begin"}')
    if prims._controlled:
        return               # threading._shutdown (_controlled_shutdown) does the rest
    gate.stopped(1)
    from . import wire
    wire.kick()


_orig_threading_shutdown = None


def _controlled_shutdown():
    """threading._shutdown in a controlled run (Python's finalization calls it, after it
    printed a SystemExit's message): the threading atexit calls (concurrent.futures stops its
    workers there) run while the main thread still holds the baton, then it gives the baton
    up until the non-daemon threads have ended; the original _shutdown then finds them gone."""
    import threading
    from . import sched
    if sched.active and not sched.returned:
        _give_up_baton(threading, sched)
    return _orig_threading_shutdown()


def _give_up_baton(threading, sched):
    """The threading atexit calls, with the baton; then the baton goes (sched.main_returned)."""
    calls = getattr(threading, "_threading_atexits", None)
    if calls:
        threading._SHUTTING_DOWN = True
        for call in reversed(list(calls)):
            try:
                call()
            except BaseException:
                import traceback
                sys.stderr.write("Exception ignored on threading shutdown:\n")
                traceback.print_exc()
        del calls[:]
    sched.main_returned()


def _at_exit():
    from . import prims, wire
    lines = []
    for tid in sorted(prims._alive):
        lines.append(prims._ev(tid, "null", '{"kind":"thread_exited","tid":%d,"exit":{"how":"killed"}}' % tid))
    prims._alive.clear()
    if _main_exit is None:
        ex = '{"how":"normal"}'
    else:
        ex = '{"how":"panicked","message":%s}' % json.dumps(_main_exit)
    lines.append(prims._ev(1, "null", '{"kind":"thread_exited","tid":1,"exit":%s}' % ex))
    lines.append(prims._ev(1, "null", '{"kind":"session_ended"}'))
    wire.final(lines)
    if _sigint:
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except Exception:
                pass
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except Exception:
            pass


def _settings(cfg):
    """The controlled-run keys of the settings (spec section 1), normalised."""
    server = bool(cfg.get("server", False))
    controlled = server or bool(cfg.get("controlled", False))
    step = cfg.get("step", "op")
    if step not in ("op", "line", "bytecode"):
        step = "op"
    watch = [str(w) for w in cfg.get("watch", []) or []]
    shared = cfg.get("shared")
    if shared is None:
        shared = step != "op" or bool(watch) or controlled
    try:
        seed = int(cfg.get("seed", 0) or 0) & ((1 << 64) - 1)
    except (TypeError, ValueError):
        seed = 0
    epoch = cfg.get("epoch")
    return {"server": server, "controlled": controlled, "auto": server or bool(cfg.get("auto", False)),
            "step": step, "watch": watch, "shared": bool(shared), "seed": seed,
            "epoch": float(epoch) if isinstance(epoch, (int, float)) else None}


def _start_tracing(opts):
    """Line and bytecode steps and shared variables (trace.py), only when asked for."""
    from . import trace
    trace.install(step=opts["step"], watch=opts["watch"], shared=opts["shared"])


def _main_thread_events():
    from . import prims
    import threading
    prims._tids[_thread.get_ident()] = 1
    prims._emit_keep(1, "null", '{"kind":"thread_created","tid":1,"name":%s,"daemon":false,"foreign":false}'
                     % json.dumps(threading.main_thread().name))
    prims._emit_keep(1, "null", '{"kind":"thread_started","tid":1,"daemon":false,"os_tid":%d}'
                     % threading.get_native_id())


def _set_argv(path, module, args):
    safe = getattr(sys.flags, "safe_path", False)
    if module is None:
        sys.argv = [path] + args
        if not safe:
            sys.path[0] = os.path.dirname(os.path.realpath(path))
    else:
        sys.argv = ["-m"] + args
        if not safe:
            sys.path[0] = os.getcwd()


def _run_main(run):
    """Runs the program's main (`run()`) as python3 would, telling how it ended."""
    global _main_exit, _sigint
    from . import prims
    try:
        run()
    except SystemExit:
        _program_returned()
        raise
    except BaseException as e:
        tb = clean_tb(e.__traceback__, True)
        e.__traceback__ = tb
        _clean_chain(e)
        _main_exit = prims._exc_message(type(e), e)
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
        if sys.version_info >= (3, 12):
            sys.last_exc = e
        try:
            sys.excepthook(type(e), e, tb)
        except BaseException as hook_error:
            sys.stderr.write("Error in sys.excepthook:\n")
            sys.__excepthook__(type(hook_error), hook_error, hook_error.__traceback__)
            sys.stderr.write("\nOriginal exception was:\n")
            sys.__excepthook__(type(e), e, tb)
        del e, tb
        _program_returned()
        if _main_exit.startswith("KeyboardInterrupt"):
            _sigint = True
            raise SystemExit(130)
        raise SystemExit(1)
    _program_returned()


def _runner(path, module):
    if module is None:
        return _compile_file(path)
    import runpy
    return lambda: runpy._run_module_as_main(module, alter_argv=True)


def main():
    global _main_exit, _sigint
    cfg = json.loads(os.environ.pop("THREADVIZ_HOOK", "{}") or "{}")
    hook_dir = os.environ.pop("THREADVIZ_HOOK_DIR", None)
    if hook_dir is not None and hook_dir in sys.path:
        sys.path.remove(hook_dir)
    path, module, args = _parse_argv()
    _fix_orig_argv()
    _clean_main_globals()

    from . import wire
    wire._sleep = __import__("time").sleep
    wire.lossy = bool(cfg.get("lossy", False))
    wire.connect(cfg["wire"])
    wire.hello(path if module is None else module)

    opts = _settings(cfg)
    from . import prims, gate, streams
    if opts["server"]:
        return serve(cfg, opts, path, module, args)
    if opts["controlled"]:
        _begin_controlled(opts)
    else:
        speed = float(cfg.get("speed", 1.0) or 1.0)
        speed = min(10.0, max(0.1, speed))
        prims.clock_write(speed=speed, paused=bool(cfg.get("paused", False)))
        if cfg.get("paused"):
            gate.start_paused()
    _main_thread_events()
    prims.install(0 if opts["controlled"] else float(cfg.get("linger_ms", 0) or 0))
    streams.install()
    if opts["controlled"]:
        wire.start_controlled()
    else:
        wire.start(gate.control)
    _arm_parent_death(cfg.get("parent"))
    atexit.register(_at_exit)
    if not opts["controlled"]:
        import threading
        try:
            threading._register_atexit(wire.kick)
        except Exception:
            pass
    _set_argv(path, module, args)
    _start_tracing(opts)
    _run_main(_runner(path, module))


def _begin_controlled(opts, pick=None):
    """A controlled run begins; `pick`: the state of threadviz's random chooser, when the run
    makes its choices itself (see sched.begin)."""
    global _orig_threading_shutdown
    from . import prims, sched
    import threading
    prims.clock_write(paused=True)
    sched.begin(opts["auto"], opts["seed"], opts["epoch"], pick)
    if _orig_threading_shutdown is None:
        _orig_threading_shutdown = threading._shutdown
        threading._shutdown = _controlled_shutdown


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
    # hook's own modules (compiling trace.py alone takes 10 ms) and the standard library
    # modules the program imports at its top level.
    import ast, linecache, traceback  # noqa: F401,E401
    from . import sched, trace  # noqa: F401
    sched.prepare()
    _preimport(path)
    code = getattr(run, "code", None)
    if code is not None and trace.wanted(opts["step"], opts["watch"], opts["shared"]):
        trace.prepare(code)
    import gc
    gc.freeze()        # the server's objects stay put: a child copies fewer pages on write
    server_pid = os.getpid()
    # The next run's process is forked ahead, while the run before it goes on, and waits for
    # its `run` line on a pipe: starting a run is then a write, not a fork (the fork of a
    # prepared interpreter took 3 to 5 ms here, the larger part of a short run).
    sys.addaudithook(_audit)
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
        from . import prims, sched
        if sched.active:          # a run forked from another's first part
            sched.served()        # on the run's CPU before it waits: it wakes up there
            prims.renew_unstarted()
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
        from . import prims
        spec = importlib.util.find_spec(name.split(".")[0])
    except Exception:
        return False
    origin = getattr(spec, "origin", None) if spec is not None else None
    if origin in ("built-in", "frozen"):
        return True
    return bool(origin) and prims.is_internal_file(origin)


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
            _scout_from_here()
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
_scouting = None         # the descriptors open at the run's start, while it may still serve
_outside = None          # the first audit event of the run that reaches outside the process

# Audit events that only read, or change nothing outside the process.
_HARMLESS = frozenset((
    "os.listdir", "os.scandir", "os.chdir", "os.putenv", "os.unsetenv", "os.listxattr",
    "os.getxattr", "os.walk", "os.fwalk", "glob.glob", "glob.glob/2",
))
_OUTSIDE = (
    "os.", "shutil.", "subprocess.", "socket.", "ctypes.", "mmap.", "sqlite3.", "urllib.",
    "http.", "ftplib.", "smtplib.", "poplib.", "imaplib.", "nntplib.", "telnetlib.",
    "webbrowser.", "signal.", "fcntl.", "resource.", "syslog.", "pty.", "termios.", "select.",
    "builtins.input", "_posixsubprocess.", "tempfile.", "msvcrt.", "winreg.", "_winapi.",
    "multiprocessing.", "asyncio.", "pdb.", "code.", "cpython.run_",
)
_WRITING = (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC)


def _audit(event, args):
    if _scouting is None or _outside is not None:
        return
    if event == "open":
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITING):
            _set_outside(event)
        return
    if event.startswith(_OUTSIDE) and event not in _HARMLESS:
        _set_outside(event)


def _set_outside(event):
    global _outside
    _outside = event


def _open_fds():
    try:
        return frozenset(os.listdir("/proc/self/fd"))
    except OSError:
        return None


def _scout_from_here():
    """The run may serve the later ones: watch what it does from here."""
    global _scouting, _outside
    _outside = None
    _scouting = _open_fds()


def _at_first_start():
    """The run's first thread is about to start (sched.thread_starting): become the server of
    the later runs when that is safe, and go on as this run either way."""
    global _scouting
    fds, _scouting = _scouting, None
    from . import sched, wire
    sched.first_start = None
    if fds is None or _outside is not None or _open_fds() != fds:
        return
    try:
        if len(os.listdir("/proc/self/task")) != 1:
            return
    except OSError:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    wire.drain()                  # the first part's events go out once, from here
    sched.serving()
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


def _exit_status(e):
    """The exit status of SystemExit `e` as python's own handling tells it (printing what
    it prints)."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1
