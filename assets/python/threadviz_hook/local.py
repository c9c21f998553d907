"""threading.local, instrumented: each write of an attribute told with its value, and each read
of one the thread has set (a missing attribute reads as null).
"""

import _thread
import threading
import weakref as _weakref

from .core import _emit, _getframe, _repr, me
from .places import _internal_caller, _loc, _register

_OrigLocal = threading.local
_local_getattr = _thread._local.__getattribute__
_local_setattr = _thread._local.__setattr__

_local_prims = _weakref.WeakKeyDictionary()


class local(_OrigLocal):
    def __new__(cls, *args, **kwargs):
        f = _getframe(1)
        if cls is local and _internal_caller(f):
            return _OrigLocal(*args, **kwargs)
        self = _OrigLocal.__new__(cls, *args, **kwargs)
        try:
            _local_prims[self] = _register("local", '{"type":"local"}', f)
        except TypeError:
            pass
        return self

    def __getattribute__(self, name):
        if name[:2] == "__":
            return _local_getattr(self, name)
        prim = _local_prims.get(self)
        if prim is None:
            return _local_getattr(self, name)
        try:
            value = _local_getattr(self, name)
        except AttributeError:
            _emit(me(), _loc(_getframe(1)), '{"kind":"local_get","prim":%d,"value":null}' % prim)
            raise
        try:
            mine = name in _local_getattr(self, "__dict__")
        except Exception:
            mine = False
        if mine:
            _emit(me(), _loc(_getframe(1)), '{"kind":"local_get","prim":%d,"value":%s}'
                  % (prim, _repr(value)))
        return value

    def __setattr__(self, name, value):
        _local_setattr(self, name, value)
        if name[:2] != "__":
            prim = _local_prims.get(self)
            if prim is not None:
                _emit(me(), _loc(_getframe(1)), '{"kind":"local_set","prim":%d,"value":%s}'
                      % (prim, _repr(value)))
