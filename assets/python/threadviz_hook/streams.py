"""sys.stdout and sys.stderr wrapped: every complete line written is also a `log` event of the
writing thread (level info for stdout, warn for stderr: tracebacks, warnings and logging's
default handler go there). The bytes the real streams get are unchanged; everything but write
and writelines is delegated."""

import sys

from . import core, places


class Tee:
    def __init__(self, stream, level):
        object.__setattr__(self, "_tv_stream", stream)
        object.__setattr__(self, "_tv_level", level)
        object.__setattr__(self, "_tv_partial", {})

    def write(self, s):
        n = self._tv_stream.write(s)
        try:
            if isinstance(s, str) and s:
                self._tv_log(s)
        except Exception:
            pass
        return n

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def _tv_log(self, s):
        tid = core.me()
        partial = self._tv_partial
        text = partial.pop(tid, "") + s
        if "\n" not in text:
            if len(text) < 65536:
                partial[tid] = text
            else:
                self._tv_emit(tid, text)
            return
        lines = text.split("\n")
        rest = lines.pop()
        if rest:
            partial[tid] = rest
        loc = places._loc(sys._getframe(2))
        for line in lines:
            self._tv_emit(tid, line, loc)

    def _tv_emit(self, tid, line, loc="null"):
        if len(line) > 65536:
            line = line[:65533] + "..."
        core._emit(tid, loc, '{"kind":"log","level":"%s","message":%s}' % (self._tv_level, core._js(line)))

    def __getattr__(self, name):
        return getattr(self._tv_stream, name)

    def __setattr__(self, name, value):
        setattr(self._tv_stream, name, value)

    def __iter__(self):
        return iter(self._tv_stream)

    def __enter__(self):
        return self._tv_stream.__enter__()

    def __exit__(self, *a):
        return self._tv_stream.__exit__(*a)

    def __repr__(self):
        return repr(self._tv_stream)


def install():
    if sys.stdout is not None:
        sys.stdout = Tee(sys.stdout, "info")
    if sys.stderr is not None:
        sys.stderr = Tee(sys.stderr, "warn")
