"""A tiny stand-in for threadviz's side of the wire (/tmp/wire-spec.md): makes the private
folder and socket, copies the hook there, starts `PYTHON -c BOOTSTRAP PROGRAM ARGS` with the
spec's environment, collects the hello, events, gate and step lines, and sends controls.

    python3 fakeviz.py [--python PY] [--paused] [--speed S] [--linger MS] [--jsonl FILE] prog.py ARGS
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HOOK_SRC = os.path.normpath(os.path.join(HERE, "..", "..", "assets", "python", "threadviz_hook"))
BOOTSTRAP = ("import os,sys;sys.path.insert(0,os.environ['THREADVIZ_HOOK_DIR']);"
             "import threadviz_hook.boot as b;b.main()")


def _default_signals():
    """A child starts with SIGINT as a shell's foreground job has it (a background job in a
    script inherits it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """One watched run of a program."""

    def __init__(self, args, python=None, paused=False, speed=1.0, linger_ms=0, lossy=False,
                 cwd=None, env=None, parse=True, stdin=None, hook_settings=None):
        self.args = list(args)
        self.python = python or sys.executable
        self.settings = {"paused": paused, "speed": speed, "linger_ms": linger_ms, "lossy": lossy}
        self.settings.update(hook_settings or {})     # step, watch, shared...
        self.cwd = cwd
        self.env = env
        self.parse = parse
        self.stdin = stdin
        self.raw = []            # every line after the hello, as text
        self.lines = []          # parsed lines (when parse)
        self.places = {}         # place number -> location, from the place lines
        self.hello = None
        self.bad = []
        self._cv = threading.Condition()
        self._eof = False
        self.stdout = b""
        self.stderr = b""
        self.returncode = None
        self.on_line = None      # called (in the reader thread) with each parsed line
        self.threaded_reader = True

    # -- starting ----------------------------------------------------------------------------
    def start(self):
        self.dir = tempfile.mkdtemp(prefix="fakeviz-")
        os.chmod(self.dir, 0o700)
        shutil.copytree(HOOK_SRC, os.path.join(self.dir, "threadviz_hook"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        path = os.path.join(self.dir, "wire.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        hook = dict(self.settings, wire=path, version=1, parent=os.getpid())
        env = dict(os.environ if self.env is None else self.env)
        env["THREADVIZ_HOOK"] = json.dumps(hook)
        env["THREADVIZ_HOOK_DIR"] = self.dir
        self.started = time.monotonic()
        self.proc = subprocess.Popen([self.python, "-c", BOOTSTRAP] + self.args, cwd=self.cwd, env=env,
                                     stdin=subprocess.PIPE if self.stdin is not None else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True, preexec_fn=_default_signals)
        self._pipes = []
        for name, pipe in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr)):
            t = threading.Thread(target=self._drain_pipe, args=(name, pipe), daemon=True)
            t.start()
            self._pipes.append(t)
        if self.stdin is not None:
            self.proc.stdin.write(self.stdin)
            self.proc.stdin.close()
        self.proc.stdout = self.proc.stderr = None   # the drain threads own and close them
        self.server.settimeout(30)
        try:
            self.conn, _ = self.server.accept()
        except socket.timeout:
            self.conn = None
            self._eof = True
            return self
        self.conn.settimeout(None)
        if self.threaded_reader:
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()
        return self

    def _drain_pipe(self, name, pipe):
        data = pipe.read()
        pipe.close()
        setattr(self, name, data)

    def _expand(self, line):
        """A line as threadviz reads it: a place is kept, not a message; a compact line
        becomes the event (or the two events) it stands for, as src/wire.rs expands it."""
        if isinstance(line, dict):
            if "place" in line:
                self.places[line["place"]["id"]] = line["place"]["loc"]
                return []
            return [line]
        code, time_us, thread, place, prim, count = line
        loc = self.places[place] if place else None
        def event(kind):
            return {"time_us": time_us, "thread": thread, "loc": loc, "kind": kind}
        if code == "a":
            return [event({"kind": "requested", "prim": prim, "mode": "blocking"}),
                    event({"kind": "acquired", "prim": prim, "count": count})]
        if code == "q":
            return [event({"kind": "requested", "prim": prim, "mode": "blocking"})]
        if code == "A":
            return [event({"kind": "acquired", "prim": prim, "count": count})]
        if code == "r":
            return [event({"kind": "released", "prim": prim, "count": count})]
        raise ValueError("no compact event %r" % (code,))

    def _read(self):
        conn = self.conn
        if not self.parse:
            chunks = []
            while True:
                try:
                    chunk = conn.recv(1 << 20)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                chunks.append(chunk)
            texts = b"".join(chunks).decode("utf-8").split("\n")
            if texts and texts[-1] == "":
                texts.pop()
            if texts:
                self.hello_text = texts[0]
                try:
                    self.hello = json.loads(texts[0])
                except ValueError:
                    self.bad.append(texts[0])
            with self._cv:
                self.raw = texts[1:]
                self._eof = True
                self._cv.notify_all()
            return
        buf = b""
        first = True
        while True:
            try:
                chunk = conn.recv(1 << 20)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            if b"\n" not in chunk:
                continue
            parts = buf.split(b"\n")
            buf = parts.pop()
            texts = [p.decode("utf-8") for p in parts]
            if first and texts:
                self.hello_text = texts[0]
                try:
                    self.hello = json.loads(texts[0])
                except ValueError:
                    self.bad.append(texts[0])
                texts = texts[1:]
                first = False
            parsed = []
            for t in texts:
                parsed.extend(self._expand(json.loads(t)))
            with self._cv:
                self.raw.extend(texts)
                self.lines.extend(parsed)
                self._cv.notify_all()
            if self.on_line is not None:
                for line in parsed:
                    self.on_line(line)
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    # -- controls ----------------------------------------------------------------------------
    def send(self, control):
        """Sends one control; False if the child is gone."""
        try:
            self.conn.sendall((json.dumps(control) + "\n").encode())
            return True
        except OSError:
            return False

    def pause(self):
        self.send({"control": "pause"})

    def resume(self):
        self.send({"control": "resume"})

    def step(self, thread=None):
        self.send({"control": "step", "thread": thread})

    def speed(self, value):
        self.send({"control": "speed", "speed": value})

    def close_socket(self):
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()

    # -- reading -----------------------------------------------------------------------------
    def wait_for(self, pred, timeout=20, start=0):
        """Waits for a parsed line (from index `start`) that satisfies pred; returns its index."""
        deadline = time.monotonic() + timeout
        with self._cv:
            i = start
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i
                    i += 1
                if self._eof:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cv.wait(left)

    def wait(self, timeout=60):
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.returncode = self.proc.wait()
            raise
        finally:
            for t in self._pipes:
                t.join(10)
            if self.conn is not None and self.threaded_reader:
                self._reader.join(10)
                self.conn.close()
            self.server.close()
            shutil.rmtree(self.dir, ignore_errors=True)
        self.elapsed = time.monotonic() - self.started
        return self.returncode

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass

    @property
    def events(self):
        return [line for line in self.lines if "time_us" in line and "kind" in line]

    @property
    def kinds(self):
        return [e["kind"]["kind"] for e in self.events]

    @property
    def sources(self):
        return [line["kind"] for line in self.events if line["kind"]["kind"] == "source"]

    @property
    def gates(self):
        return [line["gate"] for line in self.lines if "gate" in line]

    @property
    def steps(self):
        return [line["step"] for line in self.lines if "step" in line]

    def prims(self):
        """prim number -> (name, info)"""
        return {e["kind"]["prim"]: (e["kind"]["name"], e["kind"]["info"])
                for e in self.events if e["kind"]["kind"] == "prim_created"}

    def threads(self):
        """thread number -> name (the latest)"""
        names = {}
        for e in self.events:
            k = e["kind"]
            if k["kind"] in ("thread_created", "thread_renamed"):
                names[k["tid"]] = k["name"]
        return names


def first_choice(choose):
    """The default policy of a controlled run: the first thread offered, else time."""
    if choose["threads"]:
        return {"control": "grant", "thread": choose["threads"][0]}
    if choose["time"] is not None:
        return {"control": "grant", "time": True}
    return None                   # a deadlock: nothing to grant


def _grant(choice):
    if choice == "time":
        return {"control": "grant", "time": True}
    return {"control": "grant", "thread": choice}


class Policy:
    """Answers choose lines: from `choices` (thread numbers, or "time") while they last, then
    by `then` (a function of the choose line, first_choice by default)."""

    def __init__(self, choices=(), then=first_choice):
        self.choices = list(choices)
        self.then = then
        self.chooses = []          # every choose line, in order

    def __call__(self, choose):
        self.chooses.append(choose)
        if self.choices:
            return _grant(self.choices.pop(0))
        return self.then(choose)


class Controlled(Run):
    """One controlled run (spec section 3): every choose line is answered by `policy`."""

    def __init__(self, args, policy=None, auto=False, seed=0, extra=None, **kwargs):
        super().__init__(args, **kwargs)
        self.settings = {"controlled": True, "auto": auto, "seed": seed}
        self.settings.update(extra or {})
        self.policy = policy if policy is not None else Policy()
        self.on_line = self._answer

    def _answer(self, line):
        if "choose" in line:
            control = self.policy(line["choose"])
            if control is not None:
                self.send(control)

    @property
    def chooses(self):
        return [line["choose"] for line in self.lines if "choose" in line]


class Server(Run):
    """A fork server (spec section 4), driven synchronously: run() sends `run`, answers the
    child's choose lines by a policy, and returns its lines (run and ran included)."""

    def __init__(self, args, seed=0, extra=None, **kwargs):
        super().__init__(args, **kwargs)
        self.settings = {"server": True, "seed": seed}
        self.settings.update(extra or {})
        self.threaded_reader = False
        self._buf = b""
        self.prefix = None          # the first part later runs go on from, once told

    def start(self):
        super().start()
        if self.conn is not None:
            self.conn.settimeout(60)
            self.hello = json.loads(self._line())
        return self

    def _line(self):
        while b"\n" not in self._buf:
            chunk = self.conn.recv(1 << 20)
            if not chunk:
                raise EOFError("the server closed the socket")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode("utf-8")

    def run(self, policy=None, on_run=None):
        """One run; `on_run(pid)` is called once the child has said its pid. Returns a
        ServedRun."""
        policy = policy if policy is not None else Policy()
        self.places = {}
        self.send({"control": "run"})
        served = ServedRun()
        while True:
            line = json.loads(self._line())
            if "ran" in line:
                served.status = line["ran"]["status"]
                return served
            if "run" in line:
                served.pid = line["run"]["pid"]
                if line["run"].get("prefix"):
                    # The run goes on from the first part of a run (threadviz's
                    # Link::prefix): told in the middle of a run, what came so far is that
                    # part; at a run's start, the run begins with it.
                    if served.lines:
                        self.prefix = (list(served.lines), dict(self.places))
                    else:
                        served.lines.extend(self.prefix[0])
                        self.places = dict(self.prefix[1])
                        served.continued = True
                if on_run is not None:
                    on_run(served.pid)
                continue
            served.lines.extend(self._expand(line))
            if "choose" in line:
                control = policy(line["choose"])
                if control is not None:
                    self.send(control)

    def quit(self):
        self.send({"control": "quit"})
        return self.wait()


class ServedRun:
    """What one run of a server sent."""

    def __init__(self):
        self.pid = None
        self.status = None
        self.lines = []
        self.continued = False      # forked at the first thread's start of an earlier run

    @property
    def events(self):
        return [line for line in self.lines if "time_us" in line and "kind" in line]

    @property
    def chooses(self):
        return [line["choose"] for line in self.lines if "choose" in line]


def watch(args, timeout=60, **kwargs):
    run = Run(args, **kwargs).start()
    run.wait(timeout)
    return run


def bare(args, python=None, cwd=None, timeout=60, env=None, stdin=None):
    proc = subprocess.run([python or sys.executable] + list(args), cwd=cwd, env=env,
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                          start_new_session=True, preexec_fn=_default_signals)
    return proc.returncode, proc.stdout, proc.stderr


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--paused", action="store_true")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--linger", type=int, default=0)
    p.add_argument("--jsonl")
    split = next((i for i, arg in enumerate(argv) if arg == "-m" or not arg.startswith("-")), len(argv))
    if split < len(argv) and argv[split] != "-m" and split > 0 and argv[split - 1] in (
            "--python", "--speed", "--linger", "--jsonl"):
        split = next((i for i, arg in enumerate(argv) if i > split and (arg == "-m" or not arg.startswith("-"))
                      and argv[i - 1] not in ("--python", "--speed", "--linger", "--jsonl")), len(argv))
    a = p.parse_args(argv[:split])
    a.program = argv[split:]
    run = Run(a.program, python=a.python, paused=a.paused, speed=a.speed, linger_ms=a.linger,
              parse=False).start()
    rc = run.wait(3600)
    sys.stdout.buffer.write(run.stdout)
    sys.stderr.buffer.write(run.stderr)
    if a.jsonl:
        with open(a.jsonl, "w") as f:
            f.write(run.hello_text + "\n")
            for line in run.raw:
                f.write(line + "\n")
    ended = bool(run.raw) and '"session_ended"' in run.raw[-1]
    sys.stderr.write("fakeviz: exit %s, %d lines, %.3f s, %s\n"
                     % (rc, len(run.raw), run.elapsed, "ended" if ended else "CUT SHORT"))
    return rc if rc >= 0 else 128 - rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
