"""Step points inside the program's own code, shared variables and instruction events, through
`sys.settrace` / `threading.settrace` with opcode events (spec-py-controlled.md, section 2).

Installed only when the settings ask for it (`step` is `line` or `bytecode`, or shared
variables are looked for): a program that is only watched pays nothing. Only frames of the
program's own files are traced locally (`prims._classify`); threading.py, the rest of the
standard library and the hook run untraced, so no step point and no event is ever inside them.

Each code object is read once with `dis` into a table, offset -> Instr, so that an opcode event
costs a dict lookup and a few checks. An attribute's object is on the value stack, which Python
cannot read: the table names, for each LOAD_ATTR / STORE_ATTR, where that object was loaded
from (a local, a global, an attribute of one of those), found by following the stack through
the instructions before it; an object produced any other way is not followed.

A program that sets its own tracer (sys.settrace, threading.settrace) still has it called:
ours stays installed and calls theirs, and sys.gettrace() answers theirs.
"""

import _thread
import dis
import json
import sys
import threading
import types
import weakref

from . import prims

_gid = _thread.get_ident
_real_settrace = sys.settrace
_MISSING = object()
_REPR_LIMIT = 200

# --- settings (install sets them) ----------------------------------------------------------
_bytecode = False        # every instruction is a step point and an `instruction` event
_lines = False           # every new line is a step point
_shared = False          # shared variables are found at run time
_watch = frozenset()     # names shared from their first touch
_toggle = sys.version_info < (3, 12)   # opcode events switched on only on lines that need them
_LOCALS_UNSAFE = sys.version_info[:2] == (3, 12)
_installed = False

# --- what an instruction is, for the tracer -----------------------------------------------
K_NONE = 0               # nothing but its instruction event
K_GLOBAL_LOAD = 1        # LOAD_GLOBAL, LOAD_NAME at module level
K_GLOBAL_STORE = 2       # STORE_GLOBAL, STORE_NAME at module level
K_ATTR_LOAD = 3          # LOAD_ATTR (not the method form)
K_ATTR_STORE = 4         # STORE_ATTR
K_LOCAL_LOAD = 5         # LOAD_FAST, LOAD_DEREF...: a value for the instruction's text only
K_LOCAL_STORE = 6        # STORE_FAST, STORE_DEREF
K_NAME_LOAD = 7          # LOAD_NAME in a class body
K_NAME_STORE = 8         # STORE_NAME in a class body
K_LOCALS_LOAD = 9        # LOAD_FAST_LOAD_FAST (3.13): two names
K_LOCALS_STORE = 10      # STORE_FAST_STORE_FAST (3.13): two names
K_STORE_LOAD = 11        # STORE_FAST_LOAD_FAST (3.13): a store, then a load

_LOCAL_LOADS = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_CLASSDEREF",
                "LOAD_FROM_DICT_OR_DEREF"}
_LOCAL_STORES = {"STORE_FAST", "STORE_DEREF"}
# Instructions that pop two values and push one, or pop one and push one: the stack below
# them is followed on through them.
_TWO_TO_ONE = {"BINARY_OP", "COMPARE_OP", "IS_OP", "CONTAINS_OP", "BINARY_SUBSCR"}
_ONE_TO_ONE = {"UNARY_NEGATIVE", "UNARY_NOT", "UNARY_INVERT", "UNARY_POSITIVE", "GET_ITER",
               "TO_BOOL", "FORMAT_SIMPLE", "GET_LEN"}


# --- instructions that are not choices (partial-order reduction) --------------------------
# In a controlled run with `auto` (explore, schedule replay) the step point before one of these
# instructions offers no choice: the thread holding the baton takes the step alone (a step all
# the same, counted in `auto`, its instruction event sent). This loses no outcome. Such an
# instruction reads and writes only its own thread's frame (its locals, its value stack, where
# it is in its code) and cannot raise, so it commutes with every step of every other thread:
# another thread's steps taken before it, at the point offered, give the same states as the
# same steps taken after it, at the thread's next point, which is offered (unless it is one of
# these too, and so on until a point that is). Every interleaving of the full set of points is
# thus equivalent to one of the reduced set, with the same output and final values. What such
# an instruction can set off indirectly is no exception: a finalizer of a value it drops (a
# STORE_FAST over the last reference, a POP_TOP), or a signal handler or a collection at a
# backward jump's or a RESUME's check of the eval breaker, is either the program's own code,
# traced, whose loads and stores have their own points, or code outside the program, inside
# which no mode of threadviz steps. Not here: anything that can run the program's code itself
# (calls, operators, PRECALL whose 3.11 specialisations call), read a global, a cell, an
# attribute or a container, branch on an object's truth, iterate, or return (a thread's end is
# seen by its joiner). Names of every CPython from 3.9 to 3.13; a name a version lacks never
# comes up. The dashboard's stepping (not `auto`) still stops at every instruction.
A_CHOICE = 0             # a choice point as any other
A_ALONE = 1              # never a choice under `auto`
A_IF_BOUND = 2           # LOAD_FAST raising when its local is unbound (3.9-3.11; 3.12+
#                          LOAD_FAST_CHECK): taken alone only when the local is bound
_ALONE = frozenset({
    "NOP", "RESUME", "EXTENDED_ARG", "CACHE", "NOT_TAKEN",
    "LOAD_CONST", "LOAD_SMALL_INT", "STORE_FAST", "STORE_FAST_STORE_FAST", "STORE_FAST_LOAD_FAST",
    "LOAD_FAST_LOAD_FAST", "LOAD_FAST_AND_CLEAR", "LOAD_CLOSURE", "KW_NAMES",
    "POP_TOP", "PUSH_NULL", "COPY", "SWAP", "DUP_TOP", "DUP_TOP_TWO",
    "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N",
    "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_ABSOLUTE", "JUMP_BACKWARD_NO_INTERRUPT",
} | ({"LOAD_FAST"} if sys.version_info >= (3, 12) else set()))
_ALONE_IF_BOUND = frozenset({"LOAD_FAST_CHECK"} | ({"LOAD_FAST"} if sys.version_info < (3, 12) else set()))


class Instr:
    """One instruction of a program's code object, as the tracer needs it."""
    __slots__ = ("kind", "offset", "name", "loc", "head", "plain", "obj", "alone")

    def __init__(self, kind, offset, name, loc, head, plain, obj, alone):
        self.kind = kind      # K_*
        self.offset = offset  # its offset in the code's bytes
        self.name = name      # the variable's name (a pair for the 3.13 double instructions)
        self.loc = loc        # its location's JSON
        self.head = head      # "OPNAME ARGREPR": the instruction's text before a value
        self.plain = plain    # its whole instruction event with the time and thread left to fill
        self.obj = obj        # an attribute's object: where it was loaded from, or None
        self.alone = alone    # A_*: whether its point is a choice under `auto`


class Code:
    """The table of one program code object."""
    __slots__ = ("code", "instrs", "hot_lines", "path")

    def __init__(self, code, instrs, hot_lines, path):
        self.code = code            # kept alive: tables are keyed by id(code)
        self.instrs = instrs        # offset -> Instr
        self.hot_lines = hot_lines  # lines holding a load or store a shared variable may be
        self.path = path            # its file as threadviz shows it (its source is sent first)


_tables = {}             # id(code) -> Code, or False for code that is not the program's


def _line_of(ins, current):
    if sys.version_info >= (3, 13):
        n = ins.line_number
    elif sys.version_info >= (3, 11):
        n = ins.positions.lineno if ins.positions is not None else None
    else:
        n = ins.starts_line
    return current if n is None else n


def _is_method_form(ins):
    """3.12+ LOAD_ATTR with the method flag: `obj.meth(...)`, a method looked up for a call."""
    return sys.version_info >= (3, 12) and ins.opname == "LOAD_ATTR" and (ins.arg or 0) & 1


def _unrooted(stack, kind, name):
    """Forgets stack entries loaded from `name` (a store changes it)."""
    for i, e in enumerate(stack):
        r = e
        while r is not None and r[0] == "attr":
            r = r[1]
        if r is not None and r[0] == kind and r[1] == name:
            stack[i] = None


def _pop(stack):
    return stack.pop() if stack else None


def _build(code):
    """Reads `code` with dis: its Instr table, and where each attribute's object comes from.
    Sends nothing: a fork server builds the tables of the program's code before any run."""
    fn = prims.shown_path(code.co_filename)
    module_level = code.co_name == "<module>"
    instrs = {}
    hot_lines = set()
    stack = []           # what each stack entry was loaded from, None when not known; the
    #                      entries below the list's start are not known either
    line = code.co_firstlineno
    ops = set()
    for ins in dis.get_instructions(code):
        line = _line_of(ins, line)
        if ins.is_jump_target:
            stack = []
        op = ins.opname
        name = ins.argval if isinstance(ins.argval, str) else None
        kind = K_NONE
        obj = None
        if op == "LOAD_GLOBAL":
            kind = K_GLOBAL_LOAD
            if sys.version_info >= (3, 11) and (ins.arg or 0) & 1:
                stack.append(None)
            stack.append(("global", name))
        elif op == "LOAD_NAME":
            kind = K_GLOBAL_LOAD if module_level else K_NAME_LOAD
            stack.append(("global" if module_level else "name", name))
        elif op == "STORE_GLOBAL" or (op == "STORE_NAME" and module_level):
            kind = K_GLOBAL_STORE
            _pop(stack)
            _unrooted(stack, "global", name)
            _unrooted(stack, "name", name)
        elif op == "STORE_NAME":
            kind = K_NAME_STORE
            _pop(stack)
            _unrooted(stack, "name", name)
        elif op in _LOCAL_LOADS:
            kind = K_LOCAL_LOAD
            stack.append(("local", name))
        elif op in _LOCAL_STORES:
            kind = K_LOCAL_STORE
            _pop(stack)
            _unrooted(stack, "local", name)
        elif op == "LOAD_FAST_LOAD_FAST":
            kind = K_LOCALS_LOAD
            name = tuple(ins.argval)
            stack.append(("local", name[0]))
            stack.append(("local", name[1]))
        elif op == "STORE_FAST_STORE_FAST":
            kind = K_LOCALS_STORE
            name = tuple(ins.argval)
            _pop(stack)
            _pop(stack)
            _unrooted(stack, "local", name[0])
            _unrooted(stack, "local", name[1])
        elif op == "STORE_FAST_LOAD_FAST":
            kind = K_STORE_LOAD
            name = tuple(ins.argval)
            _pop(stack)
            _unrooted(stack, "local", name[0])
            stack.append(("local", name[1]))
        elif op == "LOAD_ATTR" and not _is_method_form(ins):
            obj = _pop(stack)
            kind = K_ATTR_LOAD
            stack.append(("attr", obj, name) if obj is not None else None)
        elif op == "STORE_ATTR":
            obj = _pop(stack)
            _pop(stack)
            kind = K_ATTR_STORE
            for i, e in enumerate(stack):
                if e is not None and e[0] == "attr" and e[2] == name:
                    stack[i] = None
        elif op in ("DELETE_FAST", "DELETE_DEREF"):
            _unrooted(stack, "local", name)
        elif op in ("DELETE_GLOBAL", "DELETE_NAME"):
            _unrooted(stack, "global", name)
            _unrooted(stack, "name", name)
        elif op == "LOAD_CONST":
            stack.append(None)
        elif op == "DUP_TOP":
            stack.append(stack[-1] if stack else None)
        elif op == "DUP_TOP_TWO":
            a = stack[-2] if len(stack) >= 2 else None
            b = stack[-1] if stack else None
            stack += [a, b]
        elif op == "COPY":
            n = ins.arg
            stack.append(stack[-n] if len(stack) >= n else None)
        elif op in ("SWAP", "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N"):
            n = {"ROT_TWO": 2, "ROT_THREE": 3, "ROT_FOUR": 4}.get(op, ins.arg)
            while len(stack) < n:
                stack.insert(0, None)
            if op == "SWAP":
                stack[-1], stack[-n] = stack[-n], stack[-1]
            else:      # ROT_*: the top moves down to position n
                stack.insert(len(stack) - n, stack.pop())
        elif op == "POP_TOP":
            _pop(stack)
        elif op in ("NOP", "RESUME", "EXTENDED_ARG", "CACHE", "NOT_TAKEN"):
            pass
        elif op in _TWO_TO_ONE or op.startswith(("BINARY_", "INPLACE_")):
            _pop(stack)
            _pop(stack)
            stack.append(None)
        elif op in _ONE_TO_ONE:
            _pop(stack)
            stack.append(None)
        else:
            stack = []      # anything else: nothing on the stack is known any more
        if kind in (K_GLOBAL_LOAD, K_GLOBAL_STORE, K_ATTR_LOAD, K_ATTR_STORE):
            hot_lines.add(line)
        loc = '{"file":%s,"line":%d}' % (json.dumps(fn), line)
        head = op + (" " + ins.argrepr if ins.argrepr else "")
        plain = ('{"time_us":%%d,"thread":%%d,"loc":%s,"kind":{"kind":"instruction","offset":%d,"text":%s}}'
                 % (loc.replace("%", "%%"), ins.offset, json.dumps(head).replace("%", "%%")))
        alone = A_ALONE if op in _ALONE else A_IF_BOUND if op in _ALONE_IF_BOUND else A_CHOICE
        instrs[ins.offset] = Instr(kind, ins.offset, name, loc, head, plain, obj, alone)
        ops.add(op)
    if _LOCALS_UNSAFE and "LOAD_FAST_AND_CLEAR" in ops:
        # 3.12: reading f_locals while an inlined comprehension hides a local writes the
        # frame's locals back wrong (None into the hidden one): no local is read in this code.
        for i in instrs.values():
            if i.kind in (K_LOCAL_LOAD, K_LOCAL_STORE, K_NAME_LOAD, K_NAME_STORE):
                i.kind = K_NONE
            if i.alone == A_IF_BOUND:
                i.alone = A_CHOICE       # whether it is bound cannot be read
            if i.obj is not None and _rooted_in_locals(i.obj):
                i.obj = None
    return Code(code, instrs, hot_lines, fn)


def _rooted_in_locals(res):
    while res is not None and res[0] == "attr":
        res = res[1]
    return res is not None and res[0] in ("local", "name")


def prepare(code):
    """Builds the tables of `code` and of the code nested in it (functions, classes,
    comprehensions) ahead of their first call: a fork server does it once, before forking,
    rather than each run reading the same code with dis again (5 ms for the bank program)."""
    todo = [code]
    while todo:
        c = todo.pop()
        if _tables.get(id(c)) is None:
            _table(c)
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))


def _table(code):
    d = prims._code_locs.get(id(code))
    if d is None:
        d = prims._classify(code)       # keeps the code object alive
    if d is False or code.co_filename.startswith(prims._SITE):
        # Not the program's own: the standard library, the hook, installed packages.
        t = False
    else:
        try:
            t = _build(code)
        except Exception:
            t = False
    _tables[id(code)] = t
    return t


# --- values --------------------------------------------------------------------------------
def _repr(value):
    try:
        r = repr(value)
    except Exception as e:
        r = "<repr failed: %s>" % type(e).__name__
    if len(r) > _REPR_LIMIT:
        r = r[:_REPR_LIMIT - 3] + "..."
    return r


def _dict_of(obj):
    """An object's own attribute dict (a module's globals, a class's namespace), read without
    running any of the program's code; None if it has none."""
    try:
        d = object.__getattribute__(obj, "__dict__")
    except Exception:
        return None
    return d if isinstance(d, (dict, types.MappingProxyType)) else None


def _global_value(frame, name, load):
    v = frame.f_globals.get(name, _MISSING)
    if v is _MISSING and load:
        v = frame.f_builtins.get(name, _MISSING)
    return v


def _local_value(frame, name):
    try:
        return frame.f_locals.get(name, _MISSING)
    except Exception:
        return _MISSING


def _name_value(frame, name):
    v = _local_value(frame, name)
    if v is _MISSING:
        v = _global_value(frame, name, True)
    return v


def _resolve(res, frame):
    """The object a table entry says was loaded from `res`, or _MISSING."""
    k = res[0]
    if k == "local":
        return _local_value(frame, res[1])
    if k == "global":
        return _global_value(frame, res[1], True)
    if k == "name":
        return _name_value(frame, res[1])
    base = _resolve(res[1], frame) if res[1] is not None else _MISSING
    if base is _MISSING:
        return _MISSING
    d = _dict_of(base)
    return _MISSING if d is None else d.get(res[2], _MISSING)


_PRIM_TYPES = ()         # the hook's own primitives and threads: shown as themselves


def _never_shared(value):
    """Functions, classes, modules and other callables, and the primitives the hook already
    shows (a global `lock = Lock()` read by every thread is a lock, not a shared variable)."""
    return callable(value) or isinstance(value, types.ModuleType) or isinstance(value, _PRIM_TYPES)


# --- shared variables ----------------------------------------------------------------------
class Var:
    """A global or an attribute some program thread touched.

    It becomes shared at a store made once another thread has touched it: a counter that
    clerks increment, a flag one thread sets for another. A value stored only before the others
    read it (a constant, a settings object, `self.args` set in `__init__` and read in `run`) is
    not shared: nothing another thread does can change what a reader sees. The loads made since
    the last store are kept until then, and told when it turns shared, so that the updates each
    reader builds on are counted from the first."""
    __slots__ = ("first", "prim", "loads")

    def __init__(self, first):
        self.first = first    # the first thread that touched it (0: several have)
        self.prim = 0         # its primitive number once shared
        self.loads = {}       # thread -> (loc, value's repr) of its load since the last store


class Remember:
    """A load of a variable not shared yet: once it has run, its value is kept with the
    variable (read then, after the step point, since another thread may store before it)."""
    __slots__ = ("var",)

    def __init__(self, var):
        self.var = var


_globals_vars = {}       # id(a module's globals) -> {name: Var}
_objects = {}            # id(object) -> (weakref, {attr: Var}, label)
_name_counts = {}        # a shared variable's name -> how many have been given it
_vars_lock = _thread.allocate_lock()


def _object_vars(obj):
    """The Var dict of an object's attributes, or None when it cannot be followed."""
    i = id(obj)
    entry = _objects.get(i)
    if entry is not None and entry[0]() is obj:
        return entry
    try:
        ref = weakref.ref(obj, lambda _r, i=i: _objects.pop(i, None))
    except TypeError:
        return None
    if isinstance(obj, type):
        label = obj.__name__
    else:
        label = type(obj).__name__
    entry = (ref, {}, label)
    _objects[i] = entry
    return entry


def _var_for(ins, frame, obj):
    """The Var an instruction touches, its current value and its name's stem, or None."""
    if ins.kind <= K_GLOBAL_STORE:
        g = frame.f_globals
        vars_ = _globals_vars.get(id(g))
        if vars_ is None:
            vars_ = _globals_vars.setdefault(id(g), {})
        return vars_, g.get(ins.name, _MISSING), None
    if isinstance(obj, types.ModuleType):
        g = obj.__dict__
        vars_ = _globals_vars.get(id(g))
        if vars_ is None:
            vars_ = _globals_vars.setdefault(id(g), {})
        return vars_, g.get(ins.name, _MISSING), None
    d = _dict_of(obj)
    if d is None:
        return None
    entry = _object_vars(obj)
    if entry is None:
        return None
    return entry[1], d.get(ins.name, _MISSING), entry[2]


def _register(var, name, value, tid, loc):
    """Makes `var` a shared primitive named after `name` with the initial `value`, told at `loc`
    (the instruction's own line: the frame may have moved on to the next one)."""
    n = _name_counts.get(name, 0) + 1
    _name_counts[name] = n
    shown = name if n == 1 else "%s#%d" % (name, n)
    var.prim = prims._next_prim()
    prims._emit_keep(tid, loc, '{"kind":"prim_created","prim":%d,"name":%s,"info":{"type":"shared","initial":%s}}'
                     % (var.prim, json.dumps(shown), json.dumps(_repr(value))))


def _touch(ins, frame, tid, obj):
    """A load or store of a global or an attribute, before it runs: the Var if it is shared
    (the caller then makes this a step point), a Var to register once the store has run (its
    first value being that store's), or None."""
    found = _var_for(ins, frame, obj)
    if found is None:
        return None
    vars_, value, label = found
    name = ins.name
    store = ins.kind in (K_GLOBAL_STORE, K_ATTR_STORE)
    with _vars_lock:
        var = vars_.get(name)
        if var is not None and var.prim:
            return var
        if value is not _MISSING and _never_shared(value):
            return None
        if var is None:
            var = vars_[name] = Var(tid)
        elif var.first != tid:
            var.first = 0
        watched = name in _watch
        if not watched:
            if not _shared:
                return None
            if not store:
                return Remember(var) if value is not _MISSING else None
            if var.first != 0:
                var.loads.clear()
                return None
        shown = name if label is None else "%s.%s" % (label, name)
        if value is _MISSING:
            # A first store (watched): the variable is born with the value stored.
            return (var, shown) if store else None
        _register(var, shown, value, tid, ins.loc)
        for reader, (loc, seen) in var.loads.items():
            prims._emit(reader, loc, '{"kind":"load","prim":%d,"value":%s}' % (var.prim, json.dumps(seen)))
        var.loads = {}
        return var


# --- the tracer ----------------------------------------------------------------------------
_users = {}              # thread ident -> the program's own trace function in that thread
_user_thread = None      # the program's threading.settrace function
_hook_prefix = prims._hook_dir + "/"


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
    if t.path not in prims._sources_sent:
        prims._source(t.path)       # before the first event that names the file
    tid = prims._tids.get(_gid()) or prims._adopt()
    instrs = t.instrs
    hot = t.hot_lines
    bytecode = _bytecode
    lines = _lines
    shared = _shared or bool(_watch)
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
                    prims._emit(tid, ins.loc, '{"kind":"load","prim":%d,"value":%s}'
                                % (var.prim, json.dumps(_repr(value))))
            elif type(var) is tuple:
                if not _never_shared(value):
                    with _vars_lock:
                        if not var[0].prim:
                            _register(var[0], var[1], value, tid, ins.loc)
            else:
                prims._emit(tid, ins.loc, '{"kind":"%s","prim":%d,"value":%s}'
                            % ("store" if kind in (K_GLOBAL_STORE, K_ATTR_STORE) else "load",
                               var.prim, json.dumps(_repr(value))))
        if not bytecode:
            return
        if not ran or kind == K_NONE:
            prims._put(ins.plain % (prims._now(), tid))
            return
        if kind in (K_LOCAL_STORE, K_NAME_STORE, K_LOCALS_STORE, K_STORE_LOAD):
            value = _text_value(ins, frame)
        elif kind in (K_LOCAL_LOAD, K_NAME_LOAD, K_LOCALS_LOAD):
            value = pend_value
        if value is _MISSING or (kind == K_ATTR_LOAD and callable(value)):
            prims._put(ins.plain % (prims._now(), tid))
            return
        if kind in (K_LOCALS_LOAD, K_LOCALS_STORE):
            text = "%s %s %s" % (ins.head, "→" if kind == K_LOCALS_LOAD else "←",
                                 ", ".join(_repr(v) for v in value))
        elif kind == K_STORE_LOAD:
            text = "%s ← %s → %s" % (ins.head, _repr(value[0]), _repr(value[1]))
        else:
            text = "%s %s %s" % (ins.head, "←" if kind in (K_GLOBAL_STORE, K_ATTR_STORE, K_LOCAL_STORE,
                                                            K_NAME_STORE) else "→", _repr(value))
        prims._emit(tid, ins.loc, '{"kind":"instruction","offset":%d,"text":%s}'
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
                prims._point(tid, frame, alone)
            elif type(var) is Var and not pointed:
                prims._point(tid, frame)
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
                prims._point(tid, frame)
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
    global _bytecode, _lines, _shared, _watch, _installed, _PRIM_TYPES
    if not wanted(step, watch, shared):
        return False
    _bytecode = step == "bytecode"
    _lines = step == "line"
    _shared = bool(shared)
    _watch = frozenset(watch)
    _PRIM_TYPES = tuple(t for t in (prims._Lock, prims._RLock, prims.Condition, prims.Semaphore,
                                    prims.Event, prims.Barrier, prims.local, prims.Queue,
                                    prims.SimpleQueue, prims._Thread, type(prims._alloc()),
                                    prims._CRLock, prims._OrigCondition, prims._OrigSemaphore,
                                    prims._OrigEvent, prims._OrigBarrier, prims._OrigQueue,
                                    prims._OrigSimple, prims._OrigLocal)
                        if isinstance(t, type))
    _installed = True
    sys.settrace = _settrace
    sys.gettrace = _gettrace
    threading.settrace = _thread_settrace
    if hasattr(threading, "gettrace"):
        threading.gettrace = _thread_gettrace
    if hasattr(threading, "settrace_all_threads"):
        threading.settrace_all_threads = _thread_settrace_all
    threading._trace_hook = _global
    prims._thread_hook = _thread_started
    # 3.12 turns opcode events on for the interpreter only when some frame asks for them
    # before settrace (CPython gh-103615); then each frame's f_trace_opcodes decides.
    sys._getframe().f_trace_opcodes = True
    _real_settrace(_global)
    return True
