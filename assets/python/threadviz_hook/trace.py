"""Step points inside the program's own code, shared variables and instruction events, through
`sys.settrace` / `threading.settrace` with opcode events (spec-py-controlled.md, section 2).

Installed only when the settings ask for it (`step` is `line` or `bytecode`, or shared
variables are looked for): a program that is only watched pays nothing. Only frames of the
program's own files are traced locally (`places._classify`); threading.py, the rest of the
standard library and the hook run untraced, so no step point and no event is ever inside them.

The code's tables are instrs.py's, the shared variables shared_vars.py's.

A program that sets its own tracer (sys.settrace, threading.settrace) still has it called:
ours stays installed and calls theirs, and sys.gettrace() answers theirs.
"""

import _thread
import json
import sys
import threading

from . import shared_vars
from .core import _adopt, _emit, _now, _point, _put, _tids
from .instrs import (A_IF_BOUND, K_ATTR_LOAD, K_ATTR_STORE, K_GLOBAL_LOAD, K_GLOBAL_STORE,
                     K_LOCAL_LOAD, K_LOCAL_STORE, K_LOCALS_LOAD, K_LOCALS_STORE, K_NAME_LOAD,
                     K_NAME_STORE, K_NONE, K_STORE_LOAD, _table, _tables)
from .places import _hook_dir, _source, _sources_sent
from .shared_vars import (_MISSING, Remember, Var, _dict_of, _global_value, _local_value,
                          _name_value, _never_shared, _register, _repr, _resolve, _touch,
                          _vars_lock)

_gid = _thread.get_ident
_real_settrace = sys.settrace

# --- settings (install sets them; shared_vars has the shared variables' own) ---------------
_bytecode = False        # every instruction is a step point and an `instruction` event
_lines = False           # every new line is a step point
_toggle = sys.version_info < (3, 12)   # opcode events switched on only on lines that need them
_installed = False


# --- the tracer ----------------------------------------------------------------------------
_users = {}              # thread ident -> the program's own trace function in that thread
_user_thread = None      # the program's threading.settrace function
_hook_prefix = _hook_dir + "/"


def _global(frame, event, arg):
    """The global trace function: a local tracer for a frame of the program's code."""
    code = frame.f_code
    t = _tables.get(id(code))
    if t is None:
        t = _table(code)
    if _users:
        user = _users.get(_gid())
        if user is not None:
            return _chained(frame, event, arg, user, t)
    if t is False:
        return None
    return _local(frame, t)


def _chained(frame, event, arg, user, t):
    """Both the program's tracer and ours on one frame (the hook's own frames are not shown
    to the program's tracer: run bare, they would not exist)."""
    if frame.f_code.co_filename.startswith(_hook_prefix):
        return None
    theirs = user(frame, event, arg)
    if t is False:
        return theirs
    ours = _local(frame, t)
    frame.f_trace_lines = True
    if theirs is None:
        return ours

    def both(frame, event, arg):
        nonlocal theirs
        ours(frame, event, arg)
        if theirs is not None and event != "opcode":
            theirs = theirs(frame, event, arg)
        return both
    frame.f_trace = both
    return both


def _local(frame, t):
    """The local tracer of one program frame."""
    if t.path not in _sources_sent:
        _source(t.path)       # before the first event that names the file
    tid = _tids.get(_gid()) or _adopt()
    instrs = t.instrs
    hot = t.hot_lines
    bytecode = _bytecode
    lines = _lines
    shared = shared_vars._shared or bool(shared_vars._watch)
    pend = None          # the instruction before this one, its events told once it has run
    pend_var = None      # its shared Var (or a (Var, name) to register), or None
    pend_obj = None      # its attribute's object
    pend_value = _MISSING   # a load's value, read just before it ran
    pointed = False      # a line's step point was just taken, before its first instruction

    def flush(frame, ran):
        nonlocal pend
        ins = pend
        pend = None
        kind = ins.kind
        var = pend_var
        value = pend_value
        if ran and kind in (K_GLOBAL_STORE, K_ATTR_STORE):
            if kind == K_GLOBAL_STORE:
                value = frame.f_globals.get(ins.name, _MISSING)
            else:
                d = _dict_of(pend_obj)
                value = _MISSING if d is None else d.get(ins.name, _MISSING)
        if var is not None and ran and value is not _MISSING:
            if type(var) is Remember:
                var = var.var
                with _vars_lock:
                    if not var.prim:
                        var.loads.pop(tid, None)
                        var.loads[tid] = (ins.loc, _repr(value))
                        var = None
                if var is not None:
                    # It turned shared while this thread stood at its step point.
                    _emit(tid, ins.loc, '{"kind":"load","prim":%d,"value":%s}'
                          % (var.prim, json.dumps(_repr(value))))
            elif type(var) is tuple:
                if not _never_shared(value):
                    with _vars_lock:
                        if not var[0].prim:
                            _register(var[0], var[1], value, tid, ins.loc)
            else:
                _emit(tid, ins.loc, '{"kind":"%s","prim":%d,"value":%s}'
                      % ("store" if kind in (K_GLOBAL_STORE, K_ATTR_STORE) else "load",
                         var.prim, json.dumps(_repr(value))))
        if not bytecode:
            return
        if not ran or kind == K_NONE:
            _put(ins.plain % (_now(), tid))
            return
        if kind in (K_LOCAL_STORE, K_NAME_STORE, K_LOCALS_STORE, K_STORE_LOAD):
            value = _text_value(ins, frame)
        elif kind in (K_LOCAL_LOAD, K_NAME_LOAD, K_LOCALS_LOAD):
            value = pend_value
        if value is _MISSING or (kind == K_ATTR_LOAD and callable(value)):
            _put(ins.plain % (_now(), tid))
            return
        if kind in (K_LOCALS_LOAD, K_LOCALS_STORE):
            text = "%s %s %s" % (ins.head, "→" if kind == K_LOCALS_LOAD else "←",
                                 ", ".join(_repr(v) for v in value))
        elif kind == K_STORE_LOAD:
            text = "%s ← %s → %s" % (ins.head, _repr(value[0]), _repr(value[1]))
        else:
            text = "%s %s %s" % (ins.head, "←" if kind in (K_GLOBAL_STORE, K_ATTR_STORE, K_LOCAL_STORE,
                                                            K_NAME_STORE) else "→", _repr(value))
        _emit(tid, ins.loc, '{"kind":"instruction","offset":%d,"text":%s}'
              % (ins.offset, json.dumps(text)))

    def tracer(frame, event, arg):
        nonlocal pend, pend_var, pend_obj, pend_value, pointed
        if event == "opcode":
            if pend is not None:
                flush(frame, True)
            ins = instrs.get(frame.f_lasti)
            if ins is None:
                return tracer
            kind = ins.kind
            var = None
            obj = None
            if shared and kind and kind <= K_ATTR_STORE:
                if kind >= K_ATTR_LOAD:
                    obj = _resolve(ins.obj, frame) if ins.obj is not None else _MISSING
                    if obj is not _MISSING:
                        var = _touch(ins, frame, tid, obj)
                else:
                    var = _touch(ins, frame, tid, None)
            early = _MISSING
            if bytecode:
                alone = ins.alone
                if alone == A_IF_BOUND:
                    early = _text_value(ins, frame)
                    alone = early is not _MISSING
                _point(tid, frame, alone)
            elif type(var) is Var and not pointed:
                _point(tid, frame)
            pointed = False
            if bytecode or var is not None:
                pend = ins
                pend_var = var
                pend_obj = obj
                # A load's value, read as late as can be: nothing runs between this and the load.
                if kind == K_GLOBAL_LOAD:
                    pend_value = _global_value(frame, ins.name, True)
                elif kind == K_ATTR_LOAD:
                    d = _dict_of(obj) if obj is not _MISSING else None
                    pend_value = _MISSING if d is None else d.get(ins.name, _MISSING)
                elif bytecode and kind in (K_LOCAL_LOAD, K_NAME_LOAD, K_LOCALS_LOAD):
                    # (A local's value cannot change at its own thread's step point.)
                    pend_value = early if ins.alone == A_IF_BOUND else _text_value(ins, frame)
                else:
                    pend_value = _MISSING
            return tracer
        if event == "line":
            if pend is not None:
                flush(frame, True)
            if _toggle and shared and not bytecode:
                frame.f_trace_opcodes = frame.f_lineno in hot
            if lines:
                _point(tid, frame)
                pointed = True
            return tracer
        if pend is not None:
            flush(frame, event != "exception")
        return tracer

    frame.f_trace = tracer
    if bytecode:
        frame.f_trace_opcodes = True
        frame.f_trace_lines = lines
    elif shared:
        frame.f_trace_lines = _toggle or lines
        frame.f_trace_opcodes = not _toggle
    return tracer


def _text_value(ins, frame):
    kind = ins.kind
    if kind in (K_LOCAL_LOAD, K_LOCAL_STORE):
        return _local_value(frame, ins.name)
    if kind in (K_NAME_LOAD, K_NAME_STORE):
        return _name_value(frame, ins.name)
    if kind in (K_LOCALS_LOAD, K_LOCALS_STORE, K_STORE_LOAD):
        values = (_local_value(frame, ins.name[0]), _local_value(frame, ins.name[1]))
        return _MISSING if _MISSING in values else values
    return _MISSING


# --- the program's own tracers -------------------------------------------------------------
def _settrace(function):
    """sys.settrace as the program calls it: theirs is called from ours."""
    ident = _gid()
    if function is _global:
        # threading's bootstrap starting a traced thread.
        if _user_thread is not None:
            _users[ident] = _user_thread
        else:
            _users.pop(ident, None)
    elif function is None:
        _users.pop(ident, None)
    else:
        _users[ident] = function
    _real_settrace(_global)


def _gettrace():
    return _users.get(_gid())


def _thread_settrace(function):
    global _user_thread
    _user_thread = function


def _thread_gettrace():
    return _user_thread


def _thread_settrace_all(function):
    _thread_settrace(function)
    for ident in list(threading._active):
        if function is None:
            _users.pop(ident, None)
        else:
            _users[ident] = function
    _settrace(function)


def _thread_started():
    """A raw _thread thread of the program starts: traced as threading's threads are."""
    _settrace(_global)


def wanted(step, watch, shared):
    return step != "op" or bool(shared) or bool(watch)


def install(step, watch, shared):
    """Starts tracing the program's threads, from the calling (main) thread on."""
    global _bytecode, _lines, _installed
    if not wanted(step, watch, shared):
        return False
    _bytecode = step == "bytecode"
    _lines = step == "line"
    shared_vars._shared = bool(shared)
    shared_vars._watch = frozenset(watch)
    from . import prims, threads
    shared_vars._PRIM_TYPES = prims.shown_types()
    _installed = True
    sys.settrace = _settrace
    sys.gettrace = _gettrace
    threading.settrace = _thread_settrace
    if hasattr(threading, "gettrace"):
        threading.gettrace = _thread_gettrace
    if hasattr(threading, "settrace_all_threads"):
        threading.settrace_all_threads = _thread_settrace_all
    threading._trace_hook = _global
    threads._thread_hook = _thread_started
    # 3.12 turns opcode events on for the interpreter only when some frame asks for them
    # before settrace (CPython gh-103615); then each frame's f_trace_opcodes decides.
    sys._getframe().f_trace_opcodes = True
    _real_settrace(_global)
    return True
