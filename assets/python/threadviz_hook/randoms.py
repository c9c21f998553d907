"""A controlled run's random numbers: each thread draws from a stream of its own, seeded from
the run's seed and its thread number as src/session/registry.rs seeds a thread's, with
fastrand 2's wyrand, so a run's draws are the same every time it is replayed; the random
module's functions draw from the calling thread's stream.
"""

import random as _random_mod

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
seed = 0                # the run's seed (begin sets it)

_W0 = 0x2D358DCCAA6C78A5
_W1 = 0x8BB84B93962EACC9
_F64 = 1.0 / (1 << 63)
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


class Stream(_random_mod.Random):
    """One thread's random numbers: fastrand 2's wyrand, seeded as src/session/registry.rs
    seeds a thread's, with fastrand's own f64() and i64(range) for random(), uniform() and
    randint(); every other method of random.Random draws its bits from the same stream."""

    def __init__(self, state=0):
        self._tv_state = int(state) & MASK
        self.gauss_next = None

    def seed(self, a=None, version=2):
        """The stream starts again from `a` (an int as it is, anything else hashed as
        random.Random seeds a str); no argument keeps the stream (there is no entropy in a
        controlled run)."""
        if a is None:
            return
        if not isinstance(a, int):
            import hashlib
            if isinstance(a, str):
                a = a.encode()
            if isinstance(a, (bytes, bytearray)):
                a = int.from_bytes(hashlib.sha512(a).digest()[:8], "little")
            else:
                a = hash(a)
        self._tv_state = a & MASK
        self.gauss_next = None

    def getstate(self):
        return ("threadviz", self._tv_state, self.gauss_next)

    def setstate(self, state):
        if not (isinstance(state, tuple) and len(state) == 3 and state[0] == "threadviz"):
            raise ValueError("state is not one of a controlled run's random streams")
        self._tv_state, self.gauss_next = state[1], state[2]

    def _u64(self):
        s = (self._tv_state + _W0) & MASK
        self._tv_state = s
        t = s * (s ^ _W1)
        return (t & MASK) ^ (t >> 64)

    def random(self):
        while True:
            x = (self._u64() >> 1) * _F64
            if x < 1.0:
                return x

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def _mod_u64(self, n):
        r = self._u64()
        m = r * n
        hi, lo = m >> 64, m & MASK
        if lo < n:
            t = ((1 << 64) - n) % n
            while lo < t:
                r = self._u64()
                m = r * n
                hi, lo = m >> 64, m & MASK
        return hi

    def randint(self, a, b):
        if (type(a) is int and type(b) is int and _I64_MIN <= a <= b <= _I64_MAX):
            if a == _I64_MIN and b == _I64_MAX:
                u = self._u64()
                return u - (1 << 64) if u >= (1 << 63) else u
            return a + self._mod_u64(b - a + 1)
        return _random_mod.Random.randint(self, a, b)     # raises, or a range past i64

    def getrandbits(self, k):
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        words = (k + 63) // 64
        x = 0
        for i in range(words):
            x |= self._u64() << (64 * i)
        return x >> (64 * words - k)


_streams = {}


def stream(tid=None):
    """The calling thread's stream (created on its first draw)."""
    if tid is None:
        tid = me()
    s = _streams.get(tid)
    if s is None:
        s = _streams[tid] = Stream(seed ^ ((tid * GOLDEN) & MASK))
    return s


def _random():
    return stream().random()


def _uniform(a, b):
    return stream().uniform(a, b)


def _randint(a, b):
    return stream().randint(a, b)


def _through_stream(name):
    def draw(*args, **kwargs):
        return getattr(stream(), name)(*args, **kwargs)
    draw.__name__ = draw.__qualname__ = name
    draw.__doc__ = getattr(_random_mod.Random, name).__doc__
    return draw


_draws = None            # (name, function) for each of random's module functions


def prepare():
    """What every controlled run of this process installs, made once ahead (a fork server's
    runs inherit it): the random module's functions drawing from the thread's stream."""
    global _draws
    if _draws is not None:
        return
    draws = [("random", _random), ("uniform", _uniform), ("randint", _randint)]
    inst = _random_mod._inst
    for name in dir(_random_mod):
        if name in ("random", "uniform", "randint") or name.startswith("_"):
            continue
        value = getattr(_random_mod, name)
        if getattr(value, "__self__", None) is inst:
            draws.append((name, _through_stream(name)))
    _draws = draws


def _install_random():
    prepare()
    for name, draw in _draws:
        setattr(_random_mod, name, draw)


def begin(run_seed):
    """A controlled run starts: fresh streams from its seed, drawn by the random module."""
    global seed
    seed = int(run_seed) & MASK
    _streams.clear()
    _install_random()


# Imported last: sched imports this module while core imports sched.
from .core import me  # noqa: E402
