"""Checks that each Python twin in demos/python/twins/ does what its Rust demo does.

Runs both under threadviz with `--record`, exports both recordings as JSON Lines and compares
(a) each thread's log lines, (b) the threads' names and daemon flags in creation order, (c) the
kinds of the primitives in creation order (shared variables apart: the hook finds those when a
second thread touches them, not when they are made), their final values when both recordings
have them, and (d) the exit status; for demos whose order is not decided by timing or random
sleeps, also the merged order of all log lines.

    python3 tests/python/twins.py race                  # one demo
    python3 tests/python/twins.py race --param threads=2 --param items=2
    python3 tests/python/twins.py --all                 # every twin present

Free runs draw different random numbers in the two languages and let timing decide some
orders, so a few demos compare log lines with their varying parts masked (TWINS below). The
functions `summarize` and `compare` are importable for a test of controlled runs, where none of
that is needed (`compare(..., masks=(), merged=True)`).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TWIN_DIR = os.path.join(ROOT, "demos", "python", "twins")
DEFAULT_BINARY = os.path.join(ROOT, "target", "debug", "threadviz")
# A run that takes longer than this is stuck (the slowest demo, timeslice, takes about 10 s).
RUN_TIMEOUT_S = 180

# How to compare a free run of each demo. `merged`: the merged order of all log lines is
# decided by the program (joins, one thread, sleeps far apart), not by timing. `masks`:
# patterns whose matches are replaced by `…` on both sides, for parts that random numbers or
# timing decide. `pool`: which worker takes which item is timing, so the log lines are compared
# as one multiset instead of per thread. `varying`: shared variables whose final value timing
# decides, not compared. A demo not listed is compared in full, merged order included. Demos
# with random sleeps have `merged` False.
TWINS = {
    "lock-with": {"merged": False},
    "lock": {"merged": False, "masks": [r"(?<=^Sleeping )\d+\.\d+$"]},
    "lost-wakeup": {"merged": False},
    "names": {"merged": False},
    "producer-consumer": {"merged": False, "masks": [r"(?<=elem )\d+", r"(?<=size is )\d+"]},
    "queue": {"merged": False, "pool": True},
    "race": {"merged": False, "masks": [r"^read \d+, stored \d+$", r"(?<=^Final counter: )\d+$"],
             "varying": ["counter"]},
    "reacquire": {"merged": True},
    "rlock-levels": {"merged": True},
    "rlock-owner": {"merged": True},
    "rlock-reacquire": {"merged": True},
    "self-deadlock": {"merged": True},
    "semaphore": {"merged": False, "masks": [r"(?<=^Running: )\[.*\]$"]},
    "simple": {"merged": False},
    "square-roots": {"merged": True, "masks": [r"^\d+(?= square roots calculated so far\.$)"]},
    "start": {"merged": False},
    "subclass": {"merged": False},
    "timer": {"merged": True},
    "timeslice": {"merged": False, "masks": [r"(?<=^done: )\d+(?= chunks)"]},
}

MASK = "…"


def twin_path(demo):
    """demos/python/twins/NAME.py for a demo: dashes become underscores, and a name that would
    shadow a standard-library module (`queue`) gets `_demo`, or `import queue` would find it."""
    name = demo.replace("-", "_")
    if name in getattr(sys, "stdlib_module_names", {"queue"}):
        name += "_demo"
    return os.path.join(TWIN_DIR, name + ".py")


def present_twins():
    """Every demo that has a twin: the Rust demos in demos/ whose twin file exists."""
    demos = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "demos")) if f.endswith(".rs"))
    return [d for d in demos if os.path.exists(twin_path(d))]


def read_jsonl(path):
    """The events of an exported recording (its header and end lines left out)."""
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                record = json.loads(line)
                if "kind" in record:
                    events.append(record)
    return events


class NotRecorded(Exception):
    """A run that ended without writing its recording."""


def record(command, binary, workdir, label, timeout=RUN_TIMEOUT_S):
    """Runs `threadviz COMMAND...` recording to a file, exports it, and returns (exit status,
    events). `command` holds everything after the binary but the recording option. A run that
    writes no recording raises NotRecorded with its last line of output."""
    tvr = os.path.join(workdir, label + ".tvr")
    jsonl = os.path.join(workdir, label + ".jsonl")
    argv = [binary] + command[:1] + ["--record", tvr] + command[1:]
    output = os.path.join(workdir, label + ".out")
    with open(output, "wb") as out:
        try:
            status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            return "timed out after %d s" % timeout, []
    if not os.path.exists(tvr):
        # Refused before it ran (a parameter it does not take, a bad option): say why.
        with open(output, encoding="utf-8", errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
        raise NotRecorded("%s run (exit status %s) made no recording: %s"
                          % (label.capitalize(), status, lines[-1] if lines else "no output"))
    exported = subprocess.run([binary, "export", tvr, "--format", "jsonl", "-o", jsonl],
                              capture_output=True, text=True)
    if exported.returncode != 0:
        raise RuntimeError("export of %s failed: %s" % (tvr, exported.stderr.strip()))
    return status, read_jsonl(jsonl)


def run_rust(demo, binary, workdir, speed, seed, params):
    """The Rust demo: `threadviz demo NAME --plain`."""
    command = ["demo", demo, "--plain", "--speed", str(speed), "--seed", str(seed)]
    for name, value in params:
        command += ["--param", "%s=%s" % (name, value)]
    return record(command, binary, workdir, "rust")


def run_python(demo, binary, workdir, speed, params, python):
    """The twin: `threadviz run --plain TWIN.py`, each parameter as `--NAME VALUE`."""
    command = ["run", "--plain", "--speed", str(speed), "--python", python, twin_path(demo)]
    for name, value in params:
        command += ["--" + name, str(value)]
    return record(command, binary, workdir, "python")


def _level(level):
    # Python's stderr is one level, warn: a Rust error! is printed there too.
    return "warn" if level == "error" else level


def summarize(events):
    """What the comparison looks at, from a recording's events:
    threads: [(name, daemon)] in creation order (names after renames, daemon as started);
    logs: {thread key: [(level, text)]}, a thread's key its name (`name#2` for a second
    thread of that name); merged: [(thread key, level, text)] in recording order;
    prims: [kind] of the primitives other than shared variables, in creation order;
    shared: {name: final value repr} of the shared variables."""
    names, daemons, order = {}, {}, []
    prims, shared, shared_prims = [], {}, {}
    for e in events:
        kind = e["kind"]
        k = kind.get("kind")
        if k == "thread_created":
            names[kind["tid"]] = kind["name"]
            daemons[kind["tid"]] = kind["daemon"]
            order.append(kind["tid"])
        elif k == "thread_renamed":
            names[kind["tid"]] = kind["name"]
        elif k == "thread_started":
            daemons[kind["tid"]] = kind["daemon"]
        elif k == "prim_created":
            info = kind.get("info") or {}
            prim_kind = info.get("type") or info.get("kind")
            if prim_kind == "shared":
                shared_prims[kind["prim"]] = kind["name"]
                shared[kind["name"]] = info.get("initial")
            else:
                prims.append(prim_kind)
        elif k in ("load", "store") and kind.get("prim") in shared_prims:
            shared[shared_prims[kind["prim"]]] = kind.get("value")
    keys, seen = {}, Counter()
    for tid in order:
        seen[names[tid]] += 1
        name, count = names[tid], seen[names[tid]]
        keys[tid] = name if count == 1 else "%s#%d" % (name, count)
    logs = {keys[tid]: [] for tid in order}
    merged = []
    for e in events:
        kind = e["kind"]
        if kind.get("kind") == "log":
            key = keys.get(e["thread"], "thread %d" % e["thread"])
            line = (_level(kind["level"]), kind["message"])
            logs.setdefault(key, []).append(line)
            merged.append((key,) + line)
    return {
        "threads": [(names[tid], daemons[tid]) for tid in order],
        "logs": logs,
        "merged": merged,
        "prims": prims,
        "shared": shared,
    }


def _mask(text, masks):
    for pattern in masks:
        text = re.sub(pattern, MASK, text)
    return text


def _short_name(name):
    """`Counter.value#2` -> `value`: a Rust Shared's name is the bare variable's."""
    return re.sub(r"#\d+$", "", name).rsplit(".", 1)[-1]


def _first_difference(label, rust, python):
    """One line naming where two sequences part, or None when they are equal."""
    if rust == python:
        return None
    for index, (r, p) in enumerate(zip(rust, python)):
        if r != p:
            return "%s: item %d differs: Rust %r, Python %r" % (label, index + 1, r, p)
    longer, which = (rust, "Rust") if len(rust) > len(python) else (python, "Python")
    return "%s: %s has %d more, from %r" % (label, which, abs(len(rust) - len(python)),
                                             longer[min(len(rust), len(python))])


def compare(rust, python, masks=(), merged=False, pool=False, varying=(), rust_status=None,
            python_status=None):
    """The differences between two summaries (from `summarize`), each one line; an empty list
    when the twin matches. Notes that are not differences (a check that could not be made)
    come back as lines starting with `note:`."""
    diffs = []

    def masked(lines):
        return [(level, _mask(text, masks)) for level, text in lines]

    if rust["threads"] != python["threads"]:
        diffs.append(_first_difference("threads (name, daemon) in creation order",
                                       rust["threads"], python["threads"]))
    if pool:
        rust_lines = Counter(line for lines in rust["logs"].values() for line in masked(lines))
        python_lines = Counter(line for lines in python["logs"].values() for line in masked(lines))
        if rust_lines != python_lines:
            only_rust = sorted((rust_lines - python_lines).elements())
            only_python = sorted((python_lines - rust_lines).elements())
            diffs.append("log lines (any thread): only in Rust %r, only in Python %r"
                         % (only_rust[:5], only_python[:5]))
    else:
        for key in list(rust["logs"]) + [k for k in python["logs"] if k not in rust["logs"]]:
            d = _first_difference("log of %s" % key, masked(rust["logs"].get(key, [])),
                                  masked(python["logs"].get(key, [])))
            if d:
                diffs.append(d)
    if merged:
        def masked_merged(lines):
            return [(key, level, _mask(text, masks)) for key, level, text in lines]

        d = _first_difference("merged log order", masked_merged(rust["merged"]),
                              masked_merged(python["merged"]))
        if d:
            diffs.append(d)
    if rust["prims"] != python["prims"]:
        diffs.append(_first_difference("primitive kinds in creation order",
                                       rust["prims"], python["prims"]))
    if rust["shared"] and not python["shared"]:
        diffs.append("note: the Python recording has no shared variables (the hook does not "
                     "report them yet): %s not compared" % ", ".join(sorted(rust["shared"])))
    elif rust["shared"]:
        python_values = {}
        for name, value in python["shared"].items():
            python_values.setdefault(_short_name(name), value)
        for name, value in sorted(rust["shared"].items()):
            if name not in python_values:
                diffs.append("shared variable %s: not found in the Python recording" % name)
            elif python_values[name] != value and name not in varying:
                diffs.append("shared variable %s: final value Rust %s, Python %s"
                             % (name, value, python_values[name]))
        extra = sorted(set(python_values) - set(rust["shared"]))
        if extra:
            diffs.append("note: shared only in Python: %s" % ", ".join(extra))
    if rust_status != python_status:
        diffs.append("exit status: Rust %s, Python %s" % (rust_status, python_status))
    return diffs


def check(demo, binary, speed=10.0, seed=0, params=(), python="python3", keep=None):
    """Runs both versions of `demo` and returns the list of differences (`compare`'s)."""
    spec = TWINS.get(demo, {"merged": True})
    workdir = keep or tempfile.mkdtemp(prefix="twins-")
    os.makedirs(workdir, exist_ok=True)
    try:
        rust_status, rust_events = run_rust(demo, binary, workdir, speed, seed, params)
        python_status, python_events = run_python(demo, binary, workdir, speed, params, python)
        return compare(summarize(rust_events), summarize(python_events),
                       masks=spec.get("masks", ()), merged=spec.get("merged", True),
                       pool=spec.get("pool", False), varying=spec.get("varying", ()),
                       rust_status=rust_status, python_status=python_status)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("demos", nargs="*", metavar="DEMO", help="the demos to check, e.g. race")
    parser.add_argument("--all", action="store_true", help="check every twin present")
    parser.add_argument("--binary", default=DEFAULT_BINARY,
                        help="the threadviz binary (default: %(default)s)")
    parser.add_argument("--python", default="python3", help="the interpreter for the twins")
    parser.add_argument("--speed", type=float, default=10.0,
                        help="demo speed of both runs (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="the Rust demo's seed")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter: --param NAME=VALUE for Rust, --NAME VALUE for Python")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the recordings and outputs in DIR/DEMO/")
    args = parser.parse_args(argv)
    demos = present_twins() if args.all else args.demos
    if not demos:
        parser.error("name a demo or give --all")
    params = []
    for p in args.param:
        name, sep, value = p.partition("=")
        if not sep:
            parser.error("--param wants NAME=VALUE, not %r" % p)
        params.append((name, value))
    failed = 0
    for demo in demos:
        if not os.path.exists(twin_path(demo)):
            print("%s: no twin at %s" % (demo, os.path.relpath(twin_path(demo), ROOT)))
            failed += 1
            continue
        keep = os.path.join(args.keep, demo) if args.keep else None
        try:
            diffs = check(demo, args.binary, args.speed, args.seed, params, args.python, keep)
        except NotRecorded as e:
            diffs = [str(e)]
        real = [d for d in diffs if not d.startswith("note:")]
        print("%s: %s" % (demo, "differs" if real else "same"))
        for d in diffs:
            print("    " + d)
        failed += bool(real)
    if len(demos) > 1:
        print("%d of %d twins match" % (len(demos) - failed, len(demos)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
