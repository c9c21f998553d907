"""The program's code as the tracer reads it: each code object read once with `dis` into a
table, offset -> Instr (its kind, its location, its instruction event's text with the time and
thread left to fill in, and whether its step point is a choice under `auto`), so that an
opcode event costs a dict lookup and a few checks.

An attribute's object is on the value stack, which Python cannot read: the table names, for
each LOAD_ATTR / STORE_ATTR, where that object was loaded from (a local, a global, an
attribute of one of those), found by following the stack through the instructions before it;
an object produced any other way is not followed.
"""

import dis
import json
import sys
import types

from .places import _SITE, _classify, _code_locs, shown_path

_LOCALS_UNSAFE = sys.version_info[:2] == (3, 12)

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
    fn = shown_path(code.co_filename)
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
    d = _code_locs.get(id(code))
    if d is None:
        d = _classify(code)       # keeps the code object alive
    if d is False or code.co_filename.startswith(_SITE):
        # Not the program's own: the standard library, the hook, installed packages.
        t = False
    else:
        try:
            t = _build(code)
        except Exception:
            t = False
    _tables[id(code)] = t
    return t
