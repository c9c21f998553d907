"""The hook's cost: a `with lock:` pair (4 threads x 50,000 `with lock: n += 1`, bare and
through fakeviz), start-up (an empty program), and tracing: a CPU-bound loop (programs/cpuloop.py)
bare, watched, and at `step` line and bytecode running free (nobody pausing), best of several
runs.

    python3 bench.py [PYTHON...]
"""

import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakeviz  # noqa: E402

PROGRAM = os.path.join(HERE, "programs", "lockbench.py")
PAIRS = 4 * 50000
LOOP = os.path.join(HERE, "programs", "cpuloop.py")
BARE_ITERATIONS = 3000000   # enough for the bare loop to dwarf start-up
TRACED_ITERATIONS = 200000  # the traced loop's cost per iteration is the same at any length


def best(f, n):
    """The best (wall, cpu) of n runs: wall seconds, and the child's user+system seconds (less
    sensitive to a busy machine)."""
    results = [f() for _ in range(n)]
    return min(r[0] for r in results), min(r[1] for r in results)


def _cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bare(python, args):
    c, t = _cpu(), time.monotonic()
    subprocess.run([python] + args, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - t, _cpu() - c


def hooked(python, args, **settings):
    c, t = _cpu(), time.monotonic()
    run = fakeviz.Run(args, python=python, parse=False, hook_settings=settings).start()
    run.wait(300)
    assert run.returncode == 0 and run.raw and '"session_ended"' in run.raw[-1], run.stderr
    return time.monotonic() - t, _cpu() - c


def main(pythons):
    empty = os.path.join(tempfile.mkdtemp(), "empty.py")
    with open(empty, "w") as f:
        f.write("pass\n")
    for python in pythons or [sys.executable]:
        version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                 stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        b = best(lambda: bare(python, [PROGRAM]), 3)
        h = best(lambda: hooked(python, [PROGRAM]), 3)
        sb = best(lambda: bare(python, [empty]), 5)
        sh = best(lambda: hooked(python, [empty]), 5)
        print("CPython %-8s with lock: wall bare %.3f s, hooked %.3f s: %.2f us a pair (cpu %.2f us); "
              "start-up wall bare %.0f ms, hooked %.0f ms (+%.0f ms; cpu +%.0f ms)"
              % (version, b[0], h[0], (h[0] - b[0]) / PAIRS * 1e6, (h[1] - b[1]) / PAIRS * 1e6,
                 sb[0] * 1e3, sh[0] * 1e3, (sh[0] - sb[0]) * 1e3, (sh[1] - sb[1]) * 1e3))
        # Tracing: the loop's cost an iteration beyond start-up, bare and hooked side by side.
        lb = best(lambda: bare(python, [LOOP, str(BARE_ITERATIONS)]), 3)
        per_bare = (lb[0] - sb[0]) / BARE_ITERATIONS
        lines = ["CPython %-8s CPU-bound loop an iteration: bare %.3f us" % (version, per_bare * 1e6)]
        for step in ("op", "line", "bytecode"):
            # Untraced (op), an iteration costs what it costs bare: only the bare length makes
            # the loop long enough to stand out of the start-up's noise.
            n = BARE_ITERATIONS if step == "op" else TRACED_ITERATIONS
            lh = best(lambda: hooked(python, [LOOP, str(n)], step=step), 3)
            per = (lh[0] - sh[0]) / n
            lines.append("%s %.3f us (x%.1f)" % (step, per * 1e6, per / per_bare))
        print(", ".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
