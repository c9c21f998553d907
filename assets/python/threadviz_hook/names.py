"""A primitive's name as the program binds it, read from the creating line's source:
`cond = Condition()` -> cond, `self.lock = Lock()` -> self.lock, `forks = [Lock() for _ in
range(5)]` -> forks[0]..forks[4], `a, b = Lock(), Lock()` -> a, b; otherwise Lock@bank.py:7."""


import linecache
import os

KINDS = {"Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier",
         "Queue", "LifoQueue", "PriorityQueue", "SimpleQueue", "local", "allocate_lock",
         "allocate", "Timer", "Thread"}

_cache = {}
_counts = {}


def _text(node):
    import ast
    try:
        return ast.unparse(node)
    except Exception:
        return None


def _func_name(node):
    import ast
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute):
            return f.attr
        if isinstance(f, ast.Name):
            return f.id
    return None


def _parse(filename, lineno):
    import ast
    line = linecache.getline(filename, lineno)
    if not line.strip():
        return None
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return None
    if not tree.body:
        return None
    stmt = tree.body[0]
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    if isinstance(target, (ast.Tuple, ast.List)):
        if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
            return ("tuple", [_text(t) for t in target.elts])
        return None
    name = _text(target)
    if name is None:
        return None
    if isinstance(value, (ast.ListComp, ast.GeneratorExp)):
        return ("comp", name)
    if isinstance(value, ast.Call) and isinstance(value.args and value.args[0], ast.GeneratorExp):
        return ("comp", name)
    outer = _func_name(value)
    return ("one", name, outer)


def prim_name(kind, frame, label=None):
    """The name for a primitive of `kind` ("Lock"...) created at `frame` (a program frame)."""
    if frame is None:
        return "%s@?" % (label or kind)
    code = frame.f_code
    filename, lineno = code.co_filename, frame.f_lineno
    fallback = "%s@%s:%d" % (label or kind, os.path.basename(filename), lineno)
    key = (filename, lineno)
    info = _cache.get(key, False)
    if info is False:
        try:
            info = _parse(filename, lineno)
        except Exception:
            info = None
        _cache[key] = info
    if info is None:
        return fallback
    if info[0] == "one":
        outer = info[2]
        if outer in KINDS and outer not in (kind, label) and not (
                kind == "Lock" and outer == "allocate_lock"):
            if kind in ("Lock", "RLock"):
                return info[1] + ".lock"
            return fallback
        return info[1]
    ckey = (id(frame), lineno)
    index = _counts.get(ckey, 0)
    _counts[ckey] = index + 1
    if info[0] == "comp":
        return "%s[%d]" % (info[1], index)
    names = info[1]
    if index < len(names) and names[index]:
        return names[index]
    return fallback
