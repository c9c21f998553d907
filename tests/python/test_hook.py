"""The Python hook of `threadviz run`, driven through fakeviz: the program is not changed by
being watched, and its events tell the truth (tests/python/README is run_all.sh)."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakeviz  # noqa: E402

PROGRAMS = os.path.join(HERE, "programs")
PY = os.environ.get("THREADVIZ_TEST_PYTHON", sys.executable)
ADDR = re.compile(rb"0x[0-9a-f]+")


def watch(args, **kw):
    kw.setdefault("python", PY)
    kw.setdefault("cwd", PROGRAMS)
    timeout = kw.pop("timeout", 60)
    return fakeviz.watch(args, timeout=timeout, **kw)


def bare(args, **kw):
    kw.setdefault("python", PY)
    kw.setdefault("cwd", PROGRAMS)
    return fakeviz.bare(args, **kw)


def kind(e):
    return e["kind"]["kind"]


class Hello(unittest.TestCase):
    def test_hello_names_the_wire_the_runtime_and_the_program(self):
        run = watch(["condition.py"])
        h = run.hello
        self.assertEqual(h["wire"], "threadviz-wire")
        self.assertEqual(h["version"], 1)
        self.assertEqual(h["language"], "python")
        out = subprocess.run([PY, "-c", "import sys; print('CPython %d.%d.%d' % sys.version_info[:3])"],
                             stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        self.assertEqual(h["runtime"], out)
        self.assertEqual(h["program"], "condition.py")
        self.assertEqual(h["pid"], run.proc.pid)
        self.assertEqual(run.kinds[:2], ["thread_created", "thread_started"])
        self.assertEqual(run.kinds[-1], "session_ended")
        self.assertEqual(run.bad, [])


class Unchanged(unittest.TestCase):
    """The same stdout, stderr and exit status with and without the hook."""

    def same(self, args, mask_addresses=False, stdin=None):
        rc, out, err = bare(args, stdin=stdin)
        run = watch(args, stdin=stdin)
        if mask_addresses:
            err, run.stderr = ADDR.sub(b"0x", err), ADDR.sub(b"0x", run.stderr)
        self.assertEqual(run.stdout.decode(), out.decode(), args)
        self.assertEqual(run.stderr.decode(), err.decode(), args)
        self.assertEqual(run.returncode, rc, args)
        self.assertEqual(kind(run.events[-1]), "session_ended", args)
        return run

    def test_everything(self):
        self.same(["everything.py"])

    def test_condition(self):
        self.same(["condition.py"])

    def test_sys_exit_3(self):
        run = self.same(["exit3.py"])
        self.assertEqual(run.returncode, 3)

    def test_sys_exit_with_a_message(self):
        self.same(["exit_message.py"])

    def test_uncaught_exception_traceback_is_identical(self):
        run = self.same(["uncaught.py"])
        self.assertNotIn("threadviz_hook", run.stderr.decode())
        self.assertNotIn("runpy", run.stderr.decode())
        exited = [e for e in run.events if kind(e) == "thread_exited" and e["kind"]["tid"] == 1]
        self.assertEqual(exited[0]["kind"]["exit"], {"how": "panicked", "message": "ValueError: bad value"})

    def test_misuse_traceback(self):
        run = self.same(["misuse.py"])
        self.assertIn("misuse", run.kinds)

    def test_exception_in_a_thread(self):
        run = self.same(["thread_exc.py"])
        exits = {e["kind"]["tid"]: e["kind"]["exit"] for e in run.events if kind(e) == "thread_exited"}
        names = run.threads()
        by_name = {names[t]: x for t, x in exits.items()}
        self.assertEqual(by_name["boomer"], {"how": "panicked", "message": "RuntimeError: thread failed"})
        self.assertEqual(by_name["misuser"]["how"], "panicked")
        self.assertEqual(by_name["hooked"]["how"], "panicked")
        self.assertEqual(by_name["MainThread"], {"how": "normal"})

    def test_daemon_threads_die_at_exit(self):
        run = self.same(["daemon.py"])
        names = run.threads()
        exits = {names[e["kind"]["tid"]]: e["kind"]["exit"] for e in run.events if kind(e) == "thread_exited"}
        self.assertEqual(exits["daemon"], {"how": "killed"})
        tail = run.kinds[-3:]
        self.assertEqual(tail, ["thread_exited", "thread_exited", "session_ended"])

    def test_syntax_error(self):
        self.same(["syntax_error.py"])

    def test_raw_threads(self):
        run = self.same(["raw_thread.py"], mask_addresses=True)
        created = [e["kind"] for e in run.events if kind(e) == "thread_created"]
        self.assertIn("work", [c["name"] for c in created])

    def test_argv_path_main_and_environment(self):
        self.same(["argv.py", "a", "--b"])

    def test_module(self):
        run = self.same(["-m", "pkg.mod", "x", "y"])
        self.assertEqual(run.returncode, 4)
        self.assertEqual(run.hello["program"], "pkg.mod")

    def test_input_print_logging_warnings(self):
        run = self.same(["io_prog.py"], stdin=b"bob\n")
        logs = [(e["kind"]["level"], e["kind"]["message"]) for e in run.events if kind(e) == "log"]
        self.assertIn(("info", "name? hello bob!"), logs)
        self.assertIn(("info", "partial line"), logs)
        self.assertIn(("warn", "WARNING:root:a warning from MainThread"), logs)
        self.assertIn(("warn", "to stderr"), logs)

    def test_internals(self):
        self.same(["internals.py"])

    def test_keyboard_interrupt(self):
        p = subprocess.Popen([PY, "sigint.py"], cwd=PROGRAMS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=fakeviz._default_signals)
        p.stdout.readline()
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(30)
        run = fakeviz.Run(["sigint.py"], python=PY, cwd=PROGRAMS).start()
        self.assertIsNotNone(run.wait_for(lambda l: "time_us" in l and kind(l) == "sleep_begin"))
        time.sleep(0.3)
        run.proc.send_signal(signal.SIGINT)
        run.wait(30)
        self.assertEqual(run.returncode, p.returncode)
        self.assertEqual(run.returncode, -signal.SIGINT)
        self.assertEqual(run.stderr.decode(), err.decode())
        self.assertEqual(kind(run.events[-1]), "session_ended")


class Events(unittest.TestCase):
    def test_condition_events_at_the_programs_lines(self):
        run = watch(["condition.py"])
        prims = run.prims()
        self.assertEqual(sorted(n for n, _ in prims.values()), ["cond", "cond.lock"])
        cond = next(p for p, (n, _) in prims.items() if n == "cond")
        lock = next(p for p, (n, _) in prims.items() if n == "cond.lock")
        self.assertEqual(prims[cond][1], {"type": "condition", "lock": lock})
        self.assertEqual(prims[lock][1], {"type": "r_lock"})
        for e in run.events:
            if e["loc"] is not None:
                self.assertEqual(e["loc"]["file"], "condition.py", e)
        src = open(os.path.join(PROGRAMS, "condition.py")).read().splitlines()
        consumer = run.threads()
        c1 = next(t for t, n in consumer.items() if n == "c1")
        mine = [(kind(e), e["kind"].get("prim"), src[e["loc"]["line"] - 1].strip())
                for e in run.events if e["thread"] == c1 and e["loc"] and kind(e) != "log"]
        # The end of a with block: CPython 3.9 names the block's last line there.
        end = "with cond:" if sys.version_info >= (3, 10) or PY != sys.executable else mine[-1][2]
        if PY != sys.executable and mine[-1][2] != "with cond:":
            end = 'print("consumed", items.pop())'
        self.assertEqual(mine, [
            ("requested", lock, "with cond:"), ("acquired", lock, "with cond:"),
            ("wait_begin", cond, "cond.wait()"), ("released", lock, "cond.wait()"),
            ("woken", cond, "cond.wait()"), ("requested", lock, "cond.wait()"),
            ("acquired", lock, "cond.wait()"), ("released", lock, end)])
        notified = [e for e in run.events if kind(e) == "notified"]
        self.assertEqual(notified[0]["kind"]["woken"], [c1])
        self.assertEqual(notified[0]["kind"]["n"], 18446744073709551615)
        ix = {id(e): i for i, e in enumerate(run.events)}
        woken = next(e for e in run.events if kind(e) == "woken")
        self.assertLess(ix[id(notified[0])], ix[id(woken)], "a notify before its wake-up")
        logs = [e["kind"] for e in run.events if kind(e) == "log"]
        self.assertIn({"kind": "log", "level": "info", "message": "consumed 1"}, logs)

    def test_each_with_is_at_its_own_line(self):
        run = watch(["cond_lines.py"])
        got = sorted(set((kind(e), e["loc"]["line"]) for e in run.events
                         if e["loc"] and kind(e) in ("acquired", "released", "notified")))
        old = subprocess.run([PY, "-c", "import sys; print(sys.version_info < (3, 10))"],
                             stdout=subprocess.PIPE).stdout.strip() == b"True"
        ends = (7, 12, 18) if old else (6, 11, 17)    # 3.9 names a with block's last line at its end
        self.assertEqual(got, [("acquired", 6), ("acquired", 11), ("acquired", 17), ("notified", 18)]
                         + [("released", n) for n in ends])
        self.assertEqual(sorted(n for n, _ in run.prims().values()), ["cv", "cv.lock"])

    def test_names_as_the_program_binds_them(self):
        run = watch(["names_prog.py"])
        names = sorted(n for n, _ in run.prims().values())
        self.assertEqual(names, sorted(["self.lock", "self.cond"] + ["forks[%d]" % i for i in range(5)]
                                       + ["cond", "cond.lock", "left", "right", "jobs", "gate",
                                          "Semaphore@names_prog.py:17"]))
        prims = run.prims()
        f2 = next(p for p, (n, _) in prims.items() if n == "forks[2]")
        self.assertIn(f2, [e["kind"].get("prim") for e in run.events if kind(e) == "acquired"])

    def test_no_stdlib_internal_primitive_appears(self):
        run = watch(["internals.py"])
        self.assertEqual(run.returncode, 0)
        self.assertEqual(sorted(n for n, _ in run.prims().values()), ["work"])
        names = set(run.threads().values())
        self.assertTrue({"ThreadPoolExecutor-0_0", "ThreadPoolExecutor-0_1"} & names, names)
        for e in run.events:
            if e["loc"] is not None:
                self.assertEqual(e["loc"]["file"], "internals.py", e)
        logs = [e["kind"]["message"] for e in run.events if kind(e) == "log"]
        self.assertIn("[0, 1, 4, 9, 16]"[:0] + "[0, 1, 4, 9]", logs)

    def test_every_event_of_everything(self):
        run = watch(["everything.py"])
        kinds = set(run.kinds)
        for k in ("thread_created", "thread_started", "thread_renamed", "thread_exited", "shutdown_begin",
                  "session_ended", "prim_created", "requested", "acquired", "try_failed", "timed_out",
                  "released", "wait_begin", "woken", "notified", "set", "clear", "put", "got", "task_done",
                  "barrier_arrive", "barrier_pass", "barrier_broken", "barrier_reset", "local_get",
                  "local_set", "sleep_begin", "sleep_end", "join_begin", "join_end", "log", "misuse"):
            self.assertIn(k, kinds)
        for e in run.events:
            if e["loc"] is not None:
                self.assertEqual(e["loc"]["file"], "everything.py", e)
        prims = run.prims()
        infos = sorted(i["type"] for _, i in prims.values())
        self.assertIn("semaphore", infos)
        self.assertIn("barrier", infos)
        self.assertIn("local", infos)

    def test_sources_precede_locations(self):
        run = watch(["-m", "pkg.mod"])
        sent = set()
        for line in run.events:
            if kind(line) == "source":
                self.assertEqual(line["loc"], None)
                sent.add(line["kind"]["path"])
                self.assertTrue(line["kind"]["text"])
            elif line["loc"] is not None:
                self.assertIn(line["loc"]["file"], sent)
        self.assertEqual(sent, {os.path.join("pkg", "mod.py")})

    def test_a_deadlock_leaves_both_threads_requested_without_acquired(self):
        run = watch(["deadlock.py"])
        self.assertIn(b"deadlocked: True", run.stdout)
        prims = run.prims()
        a = next(p for p, (n, _) in prims.items() if n == "lock_a")
        b = next(p for p, (n, _) in prims.items() if n == "lock_b")
        state = {}
        for e in run.events:
            k = e["kind"]
            if kind(e) in ("requested", "acquired", "released"):
                state.setdefault(e["thread"], []).append((kind(e), k["prim"]))
        workers = [t for t in state if t != 1]
        self.assertEqual(len(workers), 2)
        tails = sorted(tuple(state[t][-3:]) for t in workers)
        self.assertEqual(tails, sorted([(("requested", a), ("acquired", a), ("requested", b)),
                                        (("requested", b), ("acquired", b), ("requested", a))]))
        exits = [e["kind"]["exit"]["how"] for e in run.events if kind(e) == "thread_exited" and e["kind"]["tid"] in workers]
        self.assertEqual(exits, ["killed", "killed"])

    def test_events_parse_as_the_rust_side_reads_them(self):
        binary = os.path.join(HERE, "..", "..", "target", "release", "threadviz")
        if not os.path.exists(binary):
            self.skipTest("no threadviz binary")
        run = watch(["everything.py"])
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(json.dumps({"format": "threadviz-recording", "version": 1, "threadviz": "0.1.0",
                                "demo": "python", "seed": 0, "speed": 1.0,
                                "started": "2026-01-01T00:00:00Z", "unix_time": 0}) + "\n")
            last = 0
            for seq, e in enumerate(run.events):
                e = dict(e, seq=seq)
                last = e["time_us"] = max(last, e["time_us"])
                f.write(json.dumps(e) + "\n")
        out = subprocess.run([binary, "export", f.name, "--format", "chrome", "-o", f.name + ".json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.unlink(f.name)
        if os.path.exists(f.name + ".json"):
            os.unlink(f.name + ".json")
        self.assertEqual(out.returncode, 0, out.stderr.decode())


class Gate(unittest.TestCase):
    def test_pause_then_step_one_thread_at_a_time(self):
        run = fakeviz.Run(["stepper.py"], python=PY, cwd=PROGRAMS, paused=True).start()
        try:
            # Paused from the start: the main thread is held at its first operation.
            i = run.wait_for(lambda l: "gate" in l and l["gate"]["ready"] == [1])
            self.assertIsNotNone(i, run.lines)
            self.assertEqual(run.lines[i]["gate"]["mode"], "paused")
            # Held, it is shown at the line of the operation it stopped before.
            self.assertEqual(run.lines[i]["gate"]["ready_at"]["1"]["file"], "stepper.py", run.lines[i])
            run.step(2)
            j = run.wait_for(lambda l: "step" in l, start=i)
            self.assertEqual(run.lines[j]["step"], {"refused": "not_ready", "thread": 2})
            steps = 0
            placed = 0        # steps whose thread's next line the gate had told
            last = j
            while True:
                if run.events and kind(run.events[-1]) == "session_ended":
                    break
                run.step(None)
                k = run.wait_for(lambda l: "step" in l, start=last + 1)
                if k is None and run.events and kind(run.events[-1]) == "session_ended":
                    break
                self.assertIsNotNone(k)
                answer = run.lines[k]["step"]
                if "refused" in answer:
                    if answer["refused"] == "busy":
                        time.sleep(0.01)
                        last = k
                        continue
                    self.assertEqual(answer["refused"], "nothing_to_step", answer)
                    break
                steps += 1
                moved = answer["thread"]
                # Wait until the step is over: the thread is back at the gate, blocked or ended.
                m = run.wait_for(lambda l: ("gate" in l and l["gate"]["mode"] == "paused")
                                 or ("time_us" in l and kind(l) == "session_ended"), start=k + 1)
                self.assertIsNotNone(m)
                batch = [l for l in run.lines[k + 1:m + 1] if "time_us" in l and l["kind"]["kind"] != "control"]
                others = {e["thread"] for e in batch if e["thread"] != moved}
                # Only the stepped thread acts, except that its start() tells another's start.
                for e in batch:
                    if e["thread"] != moved:
                        self.assertIn(kind(e), ("thread_started",), e)
                # The line the gate said the moved thread stopped at is its operation's.
                told = [l["gate"] for l in run.lines[:k] if "gate" in l]
                at = told[-1].get("ready_at", {}) if told else {}
                mine = [e for e in batch if e["thread"] == moved]
                if not answer.get("advanced") and str(moved) in at and mine:
                    self.assertEqual(mine[0]["loc"], at[str(moved)], (mine[0], at))
                    placed += 1
                self.assertLessEqual(len(others), 1)
                last = m
                if kind(run.events[-1]) == "session_ended":
                    break
                self.assertLess(steps, 200)
            run.resume()      # harmless if it is over
            run.wait(30)
            self.assertEqual(run.stdout, b"6\n")
            self.assertGreater(steps, 10)
            self.assertGreater(placed, 10, "the gate tells where its ready threads are")
            controls = [e["kind"]["control"]["action"] for e in run.events if kind(e) == "control"]
            self.assertIn("step", controls)
        finally:
            run.kill()

    def test_pause_and_resume(self):
        run = fakeviz.Run(["sleeper.py"], python=PY, cwd=PROGRAMS).start()
        try:
            run.wait_for(lambda l: "time_us" in l and kind(l) == "sleep_begin")
            run.pause()
            i = run.wait_for(lambda l: "gate" in l and l["gate"]["mode"] == "paused")
            self.assertIsNotNone(i)
            time.sleep(1.2)
            self.assertNotIn("sleep_end", run.kinds, "a sleep does not end while paused")
            run.resume()
            run.wait(30)
            self.assertIn("sleep_end", run.kinds)
            controls = [e["kind"]["control"] for e in run.events if kind(e) == "control"]
            self.assertEqual(controls, [{"action": "pause"}, {"action": "resume"}])
        finally:
            run.kill()

    def test_a_step_with_nobody_ready_advances_to_the_sleeper(self):
        run = fakeviz.Run(["sleeper.py"], python=PY, cwd=PROGRAMS).start()
        try:
            run.wait_for(lambda l: "time_us" in l and kind(l) == "sleep_begin")
            run.pause()
            run.wait_for(lambda l: "gate" in l and l["gate"]["mode"] == "paused")
            t0 = time.monotonic()
            run.step(None)
            k = run.wait_for(lambda l: "step" in l)
            self.assertEqual(run.lines[k]["step"], {"thread": 1, "advanced": True})
            self.assertIsNotNone(run.wait_for(lambda l: "time_us" in l and kind(l) == "sleep_end"))
            self.assertLess(time.monotonic() - t0, 0.9)
            run.resume()
            run.wait(30)
            sleep_begin = next(e for e in run.events if kind(e) == "sleep_begin")
            sleep_end = next(e for e in run.events if kind(e) == "sleep_end")
            self.assertGreaterEqual(sleep_end["time_us"] - sleep_begin["time_us"], 1000000)
        finally:
            run.kill()

    def test_sleep_in_demo_time_at_speed_2(self):
        run = watch(["sleeper.py"], speed=2.0)
        real = float(run.stderr.decode().split()[1])
        self.assertGreater(real, 0.45)
        self.assertLess(real, 0.9)
        b = next(e for e in run.events if kind(e) == "sleep_begin")
        e = next(e for e in run.events if kind(e) == "sleep_end")
        self.assertEqual(b["kind"]["duration_us"], 1000000)
        self.assertGreaterEqual(e["time_us"] - b["time_us"], 1000000)
        self.assertLess(e["time_us"] - b["time_us"], 1300000)

    def test_a_speed_change_is_told(self):
        run = fakeviz.Run(["sleeper.py"], python=PY, cwd=PROGRAMS).start()
        run.wait_for(lambda l: "time_us" in l and kind(l) == "sleep_begin")
        run.speed(5)
        run.wait(30)
        real = float(run.stderr.decode().split()[1])
        self.assertLess(real, 0.85)
        self.assertIn({"action": "speed", "speed": 5.0},
                      [e["kind"]["control"] for e in run.events if kind(e) == "control"])

    def test_the_clock_is_told_while_nothing_happens(self):
        # A sleep of 1 s sends no event between its begin and end; the gate says the time at
        # least every 100 ms, so that threadviz's clock keeps up and never runs far ahead.
        run = watch(["sleeper.py"])
        running = [g for g in run.gates if g["mode"] == "running"]
        self.assertGreaterEqual(len(running), 7, running)
        times = [g["time_us"] for g in running]
        self.assertEqual(times, sorted(times))
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertLess(max(gaps), 250000, gaps)

    def test_wake_up_holds(self):
        run = watch(["condition.py"], linger_ms=300)
        self.assertEqual(run.returncode, 0)
        self.assertEqual(run.stdout, b"consumed 1\ndone\n")
        self.assertGreater(run.elapsed, 0.3)


class Lifetime(unittest.TestCase):
    def test_the_control_socket_closing_kills_the_child(self):
        run = fakeviz.Run(["sleeper.py"], python=PY, cwd=PROGRAMS).start()
        run.wait_for(lambda l: "time_us" in l and kind(l) == "sleep_begin")
        run.close_socket()
        t0 = time.monotonic()
        rc = run.wait(10)
        self.assertEqual(rc, -signal.SIGKILL)
        self.assertLess(time.monotonic() - t0, 2)

    def test_a_forked_child_sends_nothing(self):
        run = watch(["forker.py"])
        self.assertEqual(run.stdout, b"parent before fork\nchild done\nparent after child, status 0\n")
        self.assertEqual(run.returncode, 0)
        self.assertEqual(run.kinds.count("session_ended"), 1)
        self.assertEqual(run.kinds[-1], "session_ended")
        self.assertEqual(run.kinds.count("acquired"), 2)

    def test_lossy_drops_and_counts(self):
        run = watch(["lockbench.py", "50000"], lossy=True)
        self.assertEqual(run.stdout, b"200000\n")
        self.assertEqual(run.kinds[-1], "session_ended")
        lost = sum(e["kind"]["events"] for e in run.events if kind(e) == "lost")
        # Any event but a lifecycle one may be dropped: the three of each `with lock:`, and
        # the main thread's four joins (a begin and an end each) in the flood.
        told = sum(1 for e in run.events
                   if kind(e) in ("requested", "acquired", "released", "join_begin", "join_end"))
        self.assertEqual(told + lost, 600000 + 8)

    def test_lossless_under_a_flood(self):
        run = watch(["lockbench.py", "20000"], parse=False)
        self.assertEqual(run.stdout, b"80000\n")
        self.assertTrue(run.raw[-1].endswith('"session_ended"}}'))
        pairs = sum(1 for line in run.raw if '"released"' in line or line.startswith('["r",'))
        self.assertEqual(pairs, 80000)


if __name__ == "__main__":
    unittest.main()
