"""The demo clock: real time scaled by the speed, frozen while paused, standing still across
a wake-up hold, as src/session/clock.rs keeps it. Its state is (base real s, base demo us,
speed, paused); demo time is read from the line it sets in core (core._lin, core._now), so
that reading it costs no lock and no lookup through this module.
"""

import _thread
import time

_alloc = _thread.allocate_lock
_mono = time.monotonic
_TIMEOUT_MAX = _thread.TIMEOUT_MAX

_clock = (_mono(), 0.0, 1.0, False)
_clock_lock = _alloc()


def _relin():
    """The clock as demo = max(a * real + b, floor): linear while running, flat while
    paused, flat then linear across a hold."""
    br, bd, sp, pa = _clock
    if pa:
        core._lin = (0.0, bd, bd)
    else:
        a = sp * 1e6
        core._lin = (a, bd - br * a, bd)


def clock_write(paused=None, speed=None, hold=None, advance=None):
    global _clock
    with _clock_lock:
        real = _mono()
        br, bd, sp, pa = _clock
        if not pa and real > br:
            bd = bd + (real - br) * sp * 1e6
        br = max(br, real)
        if paused is not None:
            pa = paused
        if speed is not None:
            sp = speed
        if hold is not None:
            br = max(br, real + hold)
        if advance is not None:
            bd = max(bd, advance)
        _clock = (br, bd, sp, pa)
        _relin()


def real_wait(deadline):
    """Real seconds until demo time `deadline` (us): 0.0 when past, None while paused."""
    br, bd, sp, pa = _clock
    real = _mono()
    now = bd if (pa or real <= br) else bd + (real - br) * sp * 1e6
    if now >= deadline:
        return 0.0
    if pa:
        return None
    return max(0.0, br - real) + (deadline - now) / 1e6 / sp + 1e-6


def speed():
    return _clock[2]


def _real_timeout(timeout):
    if timeout is None:
        return None
    if timeout <= 0:
        return timeout
    return min(timeout / _clock[2], _TIMEOUT_MAX)


# Imported last: core reads this module's clock as it is imported.
from . import core  # noqa: E402
