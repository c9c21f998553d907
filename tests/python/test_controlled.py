"""Controlled runs and the fork server of the Python hook (spec sections 3 and 4), driven
through fakeviz: one thread at a time, threadviz choosing, demo time and seeded random
numbers, so that a run depends only on its choices."""

import json
import os
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakeviz  # noqa: E402

PROGRAMS = os.path.join(HERE, "programs")
PY = os.environ.get("THREADVIZ_TEST_PYTHON", sys.executable)


def controlled(args, policy=None, auto=False, seed=0, timeout=60, **kw):
    run = fakeviz.Controlled(args, policy=policy, auto=auto, seed=seed, python=PY, cwd=PROGRAMS, **kw)
    run.start()
    run.wait(timeout)
    return run


def server(args, **kw):
    return fakeviz.Server(args, python=PY, cwd=PROGRAMS, **kw).start()


def kind(e):
    return e["kind"]["kind"]


def masked(events):
    """Events as JSON text with what differs between identical runs (the OS's thread ids)
    taken out."""
    out = []
    for e in events:
        e = json.loads(json.dumps(e))
        if kind(e) == "thread_started":
            e["kind"]["os_tid"] = 0
        out.append(json.dumps(e, sort_keys=True))
    return out


class Strict(fakeviz.Policy):
    """A fixed list of choices, each of which must be offered when its turn comes."""

    def __init__(self, choices):
        super().__init__(choices)
        self.refused = []

    def __call__(self, choose):
        if self.choices:
            want = self.choices[0]
            offered = choose["time"] is not None if want == "time" else want in choose["threads"]
            if not offered:
                self.refused.append((want, choose))
        return super().__call__(choose)


def alternate(choose):
    """Prefers a thread other than the one that moved last (the most interleaving)."""
    others = [t for t in choose["threads"] if t != choose["moving"]]
    if others:
        return {"control": "grant", "thread": others[0]}
    return fakeviz.first_choice(choose)


def latest(choose):
    """Prefers the newest worker other than the one that moved last, then the main thread."""
    others = [t for t in choose["threads"] if t not in (1, choose["moving"])]
    if others:
        return {"control": "grant", "thread": others[-1]}
    if 1 in choose["threads"]:
        return {"control": "grant", "thread": 1}
    return fakeviz.first_choice(choose)


def recorded(policy):
    """Wraps a policy to record its grants as a choice list."""
    grants = []

    def answer(choose):
        control = policy(choose)
        if control is not None:
            grants.append("time" if control.get("time") else control["thread"])
        return control
    return answer, grants


class Determinism(unittest.TestCase):
    def test_a_fixed_choice_list_gives_the_same_run_twenty_times(self):
        answer, grants = recorded(alternate)
        first = controlled(["ctl_race.py"], policy=fakeviz.Policy(then=answer))
        self.assertEqual(first.returncode, 0, first.stderr)
        out = first.stdout.decode()
        self.assertIn("locked count 6", out)
        self.assertIn("bare count 3", out, "alternating between the read and the write loses updates")
        for _ in range(20):
            policy = Strict(grants)
            run = controlled(["ctl_race.py"], policy=policy)
            self.assertEqual(policy.refused, [])
            self.assertEqual(policy.choices, [], "every choice was asked for")
            self.assertEqual(run.stdout, first.stdout)
            self.assertEqual(masked(run.events), masked(first.events))
            self.assertEqual(run.chooses, first.chooses)

    def test_auto_takes_single_options_without_asking_and_counts_them(self):
        run = controlled(["ctl_counter.py"], auto=True)
        self.assertEqual(run.stdout, b"count 6\n")
        for choose in run.chooses:
            self.assertGreater(len(choose["threads"]) + (choose["time"] is not None), 1, choose)
        self.assertGreater(sum(c["auto"] for c in run.chooses), 0)
        asked = controlled(["ctl_counter.py"], auto=False)
        self.assertEqual(asked.stdout, b"count 6\n")
        self.assertTrue(all(c["auto"] == 0 for c in asked.chooses))
        self.assertGreater(len(asked.chooses), len(run.chooses))


class Options(unittest.TestCase):
    def test_a_thread_blocked_on_a_held_lock_is_offered_only_once_it_is_released(self):
        # Not auto: every step is asked. Main acquires, starts the worker, which is granted.
        policy = Strict([1, 1, 2, 1])
        run = controlled(["ctl_blocked.py"], policy=policy)
        self.assertEqual(policy.refused, [])
        self.assertEqual(run.stdout, b"worker has it\n")
        chooses = run.chooses
        self.assertEqual([c["threads"] for c in chooses[:2]], [[1], [1]])
        # After start(): main is at lock.release(), the worker at its `with lock`.
        self.assertEqual(chooses[2]["threads"], [1, 2])
        # The worker was granted and found the lock held: it is not offered while it is.
        self.assertEqual(chooses[3]["threads"], [1])
        self.assertEqual(chooses[3]["moving"], 2)
        # Main released it: now the worker can move.
        self.assertEqual(chooses[4]["threads"], [1, 2])
        self.assertEqual(chooses[4]["moving"], 1)
        kinds = [(e["thread"], kind(e)) for e in run.events if kind(e) in ("requested", "acquired", "released")]
        self.assertEqual(kinds, [(1, "requested"), (1, "acquired"), (2, "requested"), (1, "released"),
                                 (2, "acquired"), (2, "released")])

    def test_start_returns_only_once_the_new_thread_is_at_its_first_point(self):
        run = controlled(["ctl_start.py"], auto=True,
                         policy=fakeviz.Policy(then=lambda c: {"control": "grant", "thread": 1}
                                               if 1 in c["threads"] else fakeviz.first_choice(c)))
        self.assertEqual(run.stdout, b"child before its first operation\nmain after start\n")
        self.assertEqual(run.chooses[0]["threads"], [1, 2], "the new thread is an option as start() returns")
        logs = [e["kind"]["message"] for e in run.events if kind(e) == "log"]
        self.assertEqual(logs, ["child before its first operation", "main after start"])

    def test_a_two_lock_deadlock_ends_with_an_empty_choose_line(self):
        policy = fakeviz.Policy(then=latest)
        run = fakeviz.Controlled(["ctl_deadlock.py"], policy=policy, auto=True, python=PY, cwd=PROGRAMS).start()
        i = run.wait_for(lambda line: "choose" in line and not line["choose"]["threads"], timeout=30)
        self.assertIsNotNone(i, "no empty choose line")
        self.assertIsNone(run.lines[i]["choose"]["time"])
        time.sleep(0.2)
        self.assertIsNone(run.proc.poll(), "a deadlocked run waits to be ended")
        run.kill()
        run.wait(30)
        self.assertEqual(run.stdout, b"")
        blocked = [e["thread"] for e in run.events if kind(e) == "requested"]
        self.assertEqual(sorted(blocked[-2:]), [2, 3])


class DemoTime(unittest.TestCase):
    def test_time_is_offered_for_a_sleeper_and_ends_its_sleep_at_the_deadline(self):
        run = controlled(["ctl_sleep.py"])
        self.assertEqual(run.returncode, 0, run.stderr)
        # Main waits in join(), the worker sleeps: only time can move.
        self.assertIn({"threads": [], "time": [250000, 2], "auto": 0, "moving": 2}, run.chooses)
        ends = [e for e in run.events if kind(e) == "sleep_end"]
        self.assertEqual([(e["thread"], e["time_us"]) for e in ends], [(2, 250000)])
        begins = [e for e in run.events if kind(e) == "sleep_begin"]
        self.assertEqual([(e["time_us"], e["kind"]["duration_us"]) for e in begins], [(0, 250000)])
        lines = run.stdout.decode().splitlines()
        self.assertEqual(lines[0], "slept until 0.25")

    def test_a_timed_condition_wait_granted_time_times_out(self):
        run = controlled(["ctl_sleep.py"], auto=True)
        lines = run.stdout.decode().splitlines()
        self.assertEqual(lines[1], "notified False at 0.75 1735689600.0")
        woken = [e for e in run.events if kind(e) == "woken"]
        self.assertEqual([(e["time_us"], e["kind"]["notified"]) for e in woken], [(750000, False)])
        self.assertEqual([e["time_us"] for e in run.events if kind(e) == "session_ended"], [750000])

    def test_sleep_zero_is_a_timed_wait_of_no_time(self):
        run = controlled(["ctl_race.py"], auto=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        zero = [c["time"] for c in run.chooses if c["time"] is not None]
        self.assertTrue(zero and all(t[0] == 0 for t in zero), zero)
        self.assertTrue(all(e["time_us"] == 0 for e in run.events))


# The Rust reference: fastrand 2.5.0 (Cargo.lock's), as src/session/registry.rs seeds a
# thread's stream, printed by a throwaway program (/tmp/sched-fastrand/src/main.rs):
#   let mut rng = fastrand::Rng::with_seed(seed ^ tid.wrapping_mul(0x9E37_79B9_7F4A_7C15));
#   3 x rng.f64(), 3 x rng.i64(1..=6), rng.i64(-10^12..=10^12), rng.i64(i64::MIN..=i64::MAX),
#   2.5 + (7.5 - 2.5) * rng.f64()
RUST = {
    (0, 1): [0.481457716733319, 0.8055962857341846, 0.08826527373143964, 4, 5, 5, -549522274209,
             5252140027460226187, 6.362893781932226],
    (0, 2): [0.373461033888118, 0.02525636988569217, 0.5664459164494136, 6, 5, 5, 521549362030,
             241444618160001916, 6.166346551366612],
    (42, 1): [0.47056180094641364, 0.572024406559228, 0.6050332866234349, 6, 5, 2, 465682232579,
              3401621551305974982, 2.890881806891997],
    (42, 3): [0.9238392371129986, 0.12076381843784922, 0.22083856296926765, 2, 4, 5, -162031337995,
              7575687299445987042, 7.038295264294932],
    (0xDEADBEEF, 2): [0.15885262440252876, 0.9926226715533664, 0.6535845208116029, 1, 4, 4, 792801670792,
                      778279587574175292, 3.1071954985011363],
}


class Random(unittest.TestCase):
    def drawn(self, seed):
        run = controlled(["ctl_random.py"], auto=True, seed=seed)
        self.assertEqual(run.returncode, 0, run.stderr)
        values, others = {}, {}
        for line in run.stdout.decode().splitlines():
            label, _, rest = line.partition(" ", )
            tid = int(rest.split(" ", 1)[0])
            text = rest.split(" ", 1)[1]
            if text.startswith("others "):
                others[tid] = text
            else:
                values[tid] = eval(text)
        return values, others

    def test_random_uniform_and_randint_match_the_rust_streams(self):
        for seed in (0, 42, 0xDEADBEEF):
            values, others = self.drawn(seed)
            for (s, tid), expected in RUST.items():
                if s == seed:
                    self.assertEqual(values[tid], expected, (seed, tid))
            again = self.drawn(seed)
            self.assertEqual(again, (values, others), "the other functions draw from the stream too")
        self.assertNotEqual(self.drawn(1)[1], self.drawn(2)[1])


class Exits(unittest.TestCase):
    def same_status(self, prog):
        rc, out, _ = fakeviz.bare([prog], python=PY, cwd=PROGRAMS)
        run = controlled([prog], auto=True)
        self.assertEqual(run.returncode, rc, run.stderr)
        self.assertEqual(kind(run.events[-1]), "session_ended")
        srv = server([prog])
        served = srv.run()
        srv.quit()
        self.assertEqual(served.status, rc)
        self.assertEqual(kind(served.events[-1]), "session_ended")
        return run, served, out

    def test_daemon_threads_and_sys_exit_exit_as_bare_python(self):
        run, served, out = self.same_status("ctl_daemon.py")
        self.assertEqual(run.stdout, out)
        names = run.threads()
        exits = {names[e["kind"]["tid"]]: e["kind"]["exit"] for e in run.events if kind(e) == "thread_exited"}
        self.assertEqual(exits["Thread-1 (forever)" if sys.version_info >= (3, 10) else "Thread-1"],
                         {"how": "killed"})
        run, served, out = self.same_status("exit3.py")
        self.assertEqual(run.returncode, 3)
        self.assertEqual(sorted(run.stdout.splitlines()), sorted(out.splitlines()))
        self.same_status("uncaught.py")
        self.same_status("exit_message.py")


class ForkServer(unittest.TestCase):
    def test_three_runs_with_the_same_choices_send_the_same_events(self):
        srv = server(["ctl_race.py"])
        self.assertEqual(srv.hello["language"], "python")
        answer, grants = recorded(alternate)
        runs = [srv.run(fakeviz.Policy(then=answer))]
        for _ in range(2):
            runs.append(srv.run(Strict(grants)))
        self.assertEqual(srv.quit(), 0)
        for r in runs:
            self.assertEqual(r.status, 0)
            self.assertNotEqual(r.pid, srv.proc.pid)
        self.assertEqual(masked(runs[1].events), masked(runs[0].events))
        self.assertEqual(masked(runs[2].events), masked(runs[0].events))
        kinds = [kind(e) for e in runs[0].events]
        self.assertEqual(kinds[:3], ["thread_created", "thread_started", "source"],
                         "each run tells its main thread and its sources afresh")
        self.assertEqual(kinds[-1], "session_ended")
        self.assertEqual(runs[0].events[0]["kind"]["tid"], 1)
        self.assertEqual(runs[0].chooses, runs[2].chooses)

    def test_a_killed_run_is_answered_with_its_signal(self):
        srv = server(["ctl_deadlock.py"])
        pids = []

        def kill_when_deadlocked(choose):
            if not choose["threads"] and choose["time"] is None:
                os.kill(pids[0], signal.SIGKILL)
                return None
            return latest(choose)
        served = srv.run(fakeviz.Policy(then=kill_when_deadlocked), on_run=pids.append)
        self.assertEqual(served.status, -9)
        again = srv.run()          # the server goes on serving
        self.assertEqual(again.status, 0)
        self.assertEqual(srv.quit(), 0)

    def test_later_runs_go_on_from_the_first_runs_first_thread_start(self):
        srv = server(["ctl_race.py"])
        answer, grants = recorded(alternate)
        first = srv.run(fakeviz.Policy(then=answer))
        later = [srv.run(Strict(grants)) for _ in range(3)]
        pids = {first.pid} | {r.pid for r in later}
        self.assertEqual(srv.quit(), 0)
        self.assertFalse(first.continued)
        self.assertEqual(len(pids), 4, "each run is a process of its own")
        for r in later:
            self.assertTrue(r.continued, "forked where the first run's first thread started")
            self.assertEqual(r.status, 0)
            self.assertEqual(masked(r.events), masked(first.events))
        self.assertEqual(_alive(pids | {srv.proc.pid}), [])

    def test_a_program_that_reaches_outside_before_its_threads_runs_afresh(self):
        log = os.path.join(fakeviz.tempfile.mkdtemp(prefix="appends-"), "log")
        srv = server(["ctl_appends.py", log])
        runs = [srv.run() for _ in range(3)]
        self.assertEqual(srv.quit(), 0)
        self.assertEqual([r.continued for r in runs], [False] * 3)
        with open(log) as f:
            self.assertEqual(f.read(), "run\n" * 3, "every run appends its own line")

    def test_a_file_held_open_across_the_first_thread_start_keeps_runs_afresh(self):
        srv = server(["ctl_reads_later.py", os.path.join(PROGRAMS, "ctl_race.py")])
        runs = [srv.run() for _ in range(3)]
        self.assertEqual(srv.quit(), 0)
        self.assertEqual([r.continued for r in runs], [False] * 3)
        lines = len(open(os.path.join(PROGRAMS, "ctl_race.py")).read().splitlines())
        for r in runs:
            printed = [e["kind"]["message"] for e in r.events if kind(e) == "log"]
            self.assertEqual(printed, ["%d lines" % lines], "each run reads the whole file")

    def test_eof_ends_the_server(self):
        srv = server(["ctl_counter.py"])
        srv.close_socket()
        self.assertEqual(srv.wait(), 0)


def _alive(pids, patience=10.0):
    """The processes of `pids` still alive (zombies are not) after at most `patience` s."""
    end = time.monotonic() + patience
    while True:
        alive = []
        for pid in pids:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except OSError:
                pass
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.05)


# Instructions that touch only their own thread's frame (trace.py's _ALONE), as dis names them.
ALONE = ("LOAD_CONST", "STORE_FAST", "POP_TOP", "NOP", "RESUME", "JUMP_FORWARD", "JUMP_BACKWARD",
         "JUMP_ABSOLUTE", "PUSH_NULL", "COPY", "SWAP", "DUP_TOP", "ROT_TWO", "EXTENDED_ARG")


def asked_before(lines):
    """The opname of the instruction each choose line was asked before, for a run whose
    policy always lets the thread that moved last go on: the next instruction told."""
    asked, waiting = [], False
    for line in lines:
        if "choose" in line:
            waiting = True
        elif waiting and "kind" in line and line["kind"]["kind"] == "instruction":
            asked.append(line["kind"]["text"].split()[0])
            waiting = False
    return asked


def keep_moving(choose):
    """Lets the thread that moved last go on when it can, else the first offered."""
    if choose["moving"] in choose["threads"]:
        return {"control": "grant", "thread": choose["moving"]}
    return fakeviz.first_choice(choose)


class Reduction(unittest.TestCase):
    """Partial-order reduction at bytecode steps (trace.py): under `auto`, an instruction that
    touches only its own thread's frame is no choice; not under `auto` (the dashboard)."""

    def test_under_auto_no_choice_is_asked_before_an_instruction_of_the_threads_own_frame(self):
        run = controlled(["ctl_race.py"], policy=fakeviz.Policy(then=keep_moving), auto=True,
                         extra={"step": "bytecode"})
        self.assertEqual(run.returncode, 0, run.stderr)
        told = [e["kind"]["text"].split()[0] for e in run.events if kind(e) == "instruction"]
        self.assertTrue(any(op in ALONE for op in told), "the program runs such instructions")
        asked = asked_before(run.lines)
        self.assertGreater(len(asked), 10)
        self.assertEqual([op for op in asked if op in ALONE], [])
        # Each is still a step of its own: a control event begins it.
        steps = sum(1 for e in run.events if kind(e) == "control")
        self.assertGreaterEqual(steps, len(told))

    def test_not_under_auto_every_instruction_is_asked(self):
        run = controlled(["ctl_race.py"], policy=fakeviz.Policy(then=keep_moving), auto=False,
                         extra={"step": "bytecode"})
        self.assertEqual(run.returncode, 0, run.stderr)
        asked = asked_before(run.lines)
        self.assertTrue(any(op in ALONE for op in asked), asked)

    def test_the_lost_update_is_still_found_and_the_lock_still_prevents_it(self):
        # Every choice alternating threads: `bare` loses updates, `locked` none.
        run = controlled(["ctl_race.py"], policy=fakeviz.Policy(then=alternate), auto=True,
                         extra={"step": "bytecode"})
        self.assertEqual(run.returncode, 0, run.stderr)
        out = run.stdout.decode()
        self.assertIn("locked count 6", out)
        self.assertNotIn("bare count 6", out)


def unidented(events):
    """masked(), and the OS thread idents in reprs of threads (`<Thread(..., started 1397...)>`)
    that instruction texts show taken out."""
    import re
    return [re.sub(r"started( daemon)? \d+", r"started\1 N", e) for e in masked(events)]


class PreparedServer(unittest.TestCase):
    def test_bytecode_runs_of_a_server_tell_their_source_first_and_repeat_exactly(self):
        srv = server(["ctl_race.py"], extra={"step": "bytecode"})
        answer, grants = recorded(alternate)
        runs = [srv.run(fakeviz.Policy(then=answer))]
        runs.append(srv.run(Strict(grants)))
        self.assertEqual(srv.quit(), 0)
        for r in runs:
            self.assertEqual(r.status, 0)
            kinds = [kind(e) for e in r.events]
            self.assertIn("instruction", kinds)
            self.assertLess(kinds.index("source"), kinds.index("instruction"),
                            "the tables are built before the fork, the source told in each run")
        self.assertEqual(unidented(runs[1].events), unidented(runs[0].events))

    def test_grants_as_threadviz_writes_them_run_as_grants_spelled_with_spaces(self):
        srv = server(["ctl_race.py"], extra={"step": "bytecode"})
        answer, grants = recorded(alternate)
        spaced = srv.run(fakeviz.Policy(then=answer))
        queue = list(grants)

        def compact(choose):
            g = queue.pop(0)
            line = ('{"control":"grant","time":true}' if g == "time"
                    else '{"control":"grant","thread":%d}' % g)
            srv.conn.sendall(line.encode() + b"\n")
            return None
        tight = srv.run(fakeviz.Policy(then=compact))
        self.assertEqual(srv.quit(), 0)
        self.assertEqual(queue, [])
        self.assertEqual(tight.status, 0)
        self.assertEqual(unidented(tight.events), unidented(spaced.events))


class Speed(unittest.TestCase):
    def test_runs_per_second_through_the_server(self):
        srv = server(["ctl_counter.py"])
        srv.run()
        n = 30
        start = time.monotonic()
        for _ in range(n):
            self.assertEqual(srv.run().status, 0)
        rate = n / (time.monotonic() - start)
        srv.quit()
        sys.stderr.write("\n[server: %.0f runs/s of a 2-thread program, 2 x 3 locked increments] " % rate)
        self.assertGreater(rate, 5)


if __name__ == "__main__":
    unittest.main()
