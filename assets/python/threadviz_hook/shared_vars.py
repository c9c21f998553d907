"""Shared variables: a global or an attribute that program threads touch, found at run time as
the tracer meets its loads and stores, and shown as a `Shared` primitive once it is shared;
and the values the tracer reads from a frame without running any of the program's code.
"""

import _thread
import json
import types
import weakref

from .core import _emit, _emit_keep, _next_prim
from .instrs import K_ATTR_STORE, K_GLOBAL_STORE

_MISSING = object()      # no value (unbound, or not read)
_REPR_LIMIT = 200

# --- settings (trace.install sets them) ----------------------------------------------------
_shared = False          # shared variables are found at run time
_watch = frozenset()     # names shared from their first touch


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


_PRIM_TYPES = ()         # the hook's own primitives and threads, shown as themselves (trace.install)


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
    var.prim = _next_prim()
    _emit_keep(tid, loc, '{"kind":"prim_created","prim":%d,"name":%s,"info":{"type":"shared","initial":%s}}'
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
            _emit(reader, loc, '{"kind":"load","prim":%d,"value":%s}' % (var.prim, json.dumps(seen)))
        var.loads = {}
        return var
