"""Starting a program under the hook, as `python3 prog.py ARGS` or `python3 -m mod ARGS` would.

threadviz starts `python -c BOOTSTRAP PROGRAM ARGS` (or `... -m MODULE ARGS`) with
THREADVIZ_HOOK (the JSON settings) and THREADVIZ_HOOK_DIR in the environment; main() removes
both, connects, says hello, instruments the standard library and runs the program so that
it behaves as it does bare: the same argv, sys.path[0], __main__, output, exceptions,
tracebacks (no hook frames) and exit status.

With `controlled` the run is one thread at a time, threadviz choosing (sched.py); with
`server` the interpreter prepares the program once and forks a controlled run of it for each
`run` control line (server.py).
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
    from . import core, gate
    core._emit_keep(1, "null", '{"kind":"shutdown_begin"}')
    if core._controlled:
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
    from . import core, wire
    lines = []
    for tid in sorted(core._alive):
        lines.append(core._ev(tid, "null", '{"kind":"thread_exited","tid":%d,"exit":{"how":"killed"}}' % tid))
    core._alive.clear()
    if _main_exit is None:
        ex = '{"how":"normal"}'
    else:
        ex = '{"how":"panicked","message":%s}' % json.dumps(_main_exit)
    lines.append(core._ev(1, "null", '{"kind":"thread_exited","tid":1,"exit":%s}' % ex))
    lines.append(core._ev(1, "null", '{"kind":"session_ended"}'))
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
    from . import core
    import threading
    core._tids[_thread.get_ident()] = 1
    core._emit_keep(1, "null", '{"kind":"thread_created","tid":1,"name":%s,"daemon":false,"foreign":false}'
                    % json.dumps(threading.main_thread().name))
    core._emit_keep(1, "null", '{"kind":"thread_started","tid":1,"daemon":false,"os_tid":%d}'
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
    from . import threads
    try:
        run()
    except SystemExit:
        _program_returned()
        raise
    except BaseException as e:
        tb = clean_tb(e.__traceback__, True)
        e.__traceback__ = tb
        _clean_chain(e)
        _main_exit = threads._exc_message(type(e), e)
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
    from . import clock, gate, prims, streams
    if opts["server"]:
        from .server import serve
        return serve(cfg, opts, path, module, args)
    if opts["controlled"]:
        _begin_controlled(opts)
    else:
        speed = float(cfg.get("speed", 1.0) or 1.0)
        speed = min(10.0, max(0.1, speed))
        clock.clock_write(speed=speed, paused=bool(cfg.get("paused", False)))
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
    from . import clock, sched
    import threading
    clock.clock_write(paused=True)
    sched.begin(opts["auto"], opts["seed"], opts["epoch"], pick)
    if _orig_threading_shutdown is None:
        _orig_threading_shutdown = threading._shutdown
        threading._shutdown = _controlled_shutdown


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
