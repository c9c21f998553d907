"""Where in the program an operation is: the nearest frame of the program's own code outward
(the standard library's and the hook's frames are internal), its location's JSON cached per
code object and instruction, the file's source sent before the first event that names it, and
the numbers the wire's compact lines name locations by. Also a new primitive's number and
name, read from the line that creates it (names.py).
"""

import _thread
import os
import sysconfig
import threading

from . import names

_alloc = _thread.allocate_lock
_hook_dir = os.path.dirname(os.path.abspath(__file__))

_code_locs = {}          # id(code) -> {lasti: loc json} for program code, False for internals
_keep_codes = []
_sources_sent = set()
_src_lock = _alloc()


def _prefixes():
    internal, site = set(), set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib"):
        p = paths.get(key)
        if p:
            internal.add(p)
            internal.add(os.path.realpath(p))
    internal.add(os.path.dirname(threading.__file__))
    internal.add(os.path.realpath(os.path.dirname(threading.__file__)))
    for key in ("purelib", "platlib"):
        p = paths.get(key)
        if p:
            site.add(p)
            site.add(os.path.realpath(p))
    return (tuple(p.rstrip("/") + "/" for p in internal),
            tuple(p.rstrip("/") + "/" for p in site))


_STD, _SITE = _prefixes()


def is_internal_file(fn):
    if fn.startswith(_hook_dir + "/") or fn.startswith("<frozen") or fn == "<string>":
        return True
    return fn.startswith(_STD) and not fn.startswith(_SITE)


def _classify(code):
    d = False if is_internal_file(code.co_filename) else {}
    _code_locs[id(code)] = d
    _keep_codes.append(code)
    return d


def _source(fn):
    with _src_lock:
        if fn in _sources_sent:
            return
        try:
            import linecache
            text = "".join(linecache.getlines(fn if os.path.isabs(fn) else os.path.join(_cwd, fn)))
        except Exception:
            text = ""
        if len(text) > 900000:
            text = text[:900000]
        _put_keep('{"time_us":0,"thread":0,"loc":null,"kind":{"kind":"source","path":%s,"text":%s}}' % (_js(fn), _js(text)))
        _sources_sent.add(fn)


_rel = {}
_cwd = os.getcwd()


def shown_path(fn):
    """A program file as threadviz shows it: relative to the working directory when inside it."""
    r = _rel.get(fn)
    if r is None:
        r = fn
        if os.path.isabs(fn) and fn.startswith(_cwd.rstrip("/") + "/"):
            r = os.path.relpath(fn, _cwd)
        _rel[fn] = r
    return r


def _make_loc(f, d):
    code = f.f_code
    fn = shown_path(code.co_filename)
    if fn not in _sources_sent:
        _source(fn)
    s = '{"file":%s,"line":%d}' % (_js(fn), f.f_lineno or 0)
    d[f.f_lasti] = s
    return s


_place_ids = {}         # a location's JSON -> its number in the wire's compact lines
_place_lock = _alloc()


def _place(loc):
    """The number compact lines name `loc` by (0 for none), told once before its first use."""
    i = _place_ids.get(loc)
    if i is None:
        i = _new_place(loc)
    return i


def _new_place(loc):
    if loc == "null":
        return 0
    with _place_lock:
        i = _place_ids.get(loc)
        if i is None:
            i = len(_place_ids) + 1
            # Told before the number is used: any line naming it comes after this one.
            _put_keep('{"place":{"id":%d,"loc":%s}}' % (i, loc))
            _place_ids[loc] = i
    return i


def _loc(f):
    """The JSON location of the nearest program frame from `f` outward ("null" if none)."""
    while f is not None:
        d = _code_locs.get(id(f.f_code))
        if d is None:
            d = _classify(f.f_code)
        if d is False:
            f = f.f_back
            continue
        s = d.get(f.f_lasti)
        if s is None:
            s = _make_loc(f, d)
        return s
    return "null"


def program_frame(f):
    while f is not None:
        d = _code_locs.get(id(f.f_code))
        if d is None:
            d = _classify(f.f_code)
        if d is not False:
            return f
        f = f.f_back
    return None


def _internal_caller(f):
    """Whether a constructor was called by the standard library (or the hook) for itself."""
    d = _code_locs.get(id(f.f_code))
    if d is None:
        d = _classify(f.f_code)
    return d is False


def _register(kind_label, info_json, frame, name=None):
    """Numbers a new primitive and tells prim_created; returns its number."""
    prim = _next_prim()
    pf = program_frame(frame)
    if name is None:
        name = names.prim_name(kind_label, pf)
    loc = _loc(pf) if pf is not None else "null"
    _emit_keep(me(), loc, '{"kind":"prim_created","prim":%d,"name":%s,"info":%s}'
               % (prim, _js(name), info_json))
    return prim


# Imported last: core imports this module.
from .core import _emit_keep, _js, _next_prim, _put_keep, me  # noqa: E402
