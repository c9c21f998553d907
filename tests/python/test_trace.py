"""The hook's tracing (trace.py), driven through fakeviz: shared variables found at run time or
watched, their load and store events, line and bytecode step points, instruction events, and a
program that cannot tell it is traced (run with run_all.sh, on every CPython from 3.9)."""

import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakeviz  # noqa: E402

PROGRAMS = os.path.join(HERE, "programs")
PY = os.environ.get("THREADVIZ_TEST_PYTHON", sys.executable)
VERSION = tuple(int(x) for x in subprocess.run(
    [PY, "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
    stdout=subprocess.PIPE, check=True).stdout.split())


def kind(e):
    return e["kind"]["kind"]


def watch(args, **settings):
    return fakeviz.watch(args, timeout=120, python=PY, cwd=PROGRAMS, hook_settings=settings)


def bare(args):
    return fakeviz.bare(args, python=PY, cwd=PROGRAMS)


def shared_prims(run):
    return {p: (n, i) for p, (n, i) in run.prims().items() if i["type"] == "shared"}


def named(run, name):
    return next(p for p, (n, _) in shared_prims(run).items() if n == name)


def accesses(run, prim):
    """(thread, load/store, value) of every access to `prim`, in order."""
    return [(e["thread"], kind(e), e["kind"]["value"]) for e in run.events
            if kind(e) in ("load", "store") and e["kind"]["prim"] == prim]


def step_through(test, run, limit=2000):
    """Steps the paused run to its end, one step at a time (the gate picks the thread):
    [(thread, the step's events)] for the steps that moved a thread."""
    steps = []
    first = run.wait_for(lambda l: "gate" in l and l["gate"]["ready"])
    test.assertIsNotNone(first, "the run is held at its first step point")
    last = first + 1
    idle_until = None
    while len(steps) < limit:
        if run.events and kind(run.events[-1]) == "session_ended":
            return steps
        run.step(None)
        k = run.wait_for(lambda l: "step" in l, start=last)
        if k is None:
            test.assertTrue(run.events and kind(run.events[-1]) == "session_ended", "no answer to a step")
            return steps
        answer = run.lines[k]["step"]
        if "refused" in answer:
            # Busy: the last step is not over; nothing to step: a thread started is not yet at
            # its first point, or the run is ending. Both pass.
            test.assertIn(answer["refused"], ("busy", "nothing_to_step"), answer)
            if answer["refused"] == "nothing_to_step":
                idle_until = idle_until or time.monotonic() + 10
                if time.monotonic() > idle_until:
                    return steps
            time.sleep(0.005)
            last = k + 1
            continue
        idle_until = None
        m = run.wait_for(lambda l: ("gate" in l and l["gate"]["mode"] == "paused")
                         or ("time_us" in l and kind(l) == "session_ended"), start=k + 1)
        test.assertIsNotNone(m, "a step that never ended")
        batch = [l for l in run.lines[k + 1:m + 1] if "time_us" in l and kind(l) != "control"]
        steps.append((answer["thread"], batch))
        last = m + 1
    test.fail("more than %d steps" % limit)


class SharedVariables(unittest.TestCase):
    def test_a_global_two_threads_add_to_is_shared_and_its_values_add_up(self):
        run = watch(["bank.py"], step="op", shared=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        balance = named(run, "balance")
        self.assertEqual(sorted(n for n, _ in shared_prims(run).values()), ["balance"])
        self.assertEqual(shared_prims(run)[balance][1], {"type": "shared", "initial": "0"})
        seen = accesses(run, balance)
        workers = sorted({t for t, _, _ in seen if t != 1})
        self.assertEqual(len(workers), 2)
        for t in workers:
            mine = [(k, int(v)) for th, k, v in seen if th == t]
            self.assertEqual([k for k, _ in mine], ["load", "store"] * 2)
            for (_, loaded), (_, stored) in zip(mine[::2], mine[1::2]):
                self.assertEqual(stored, loaded + 1)
        stores = [int(v) for _, k, v in seen if k == "store"]
        final = int(run.stdout.decode())
        self.assertEqual(stores[-1], final)
        self.assertEqual(seen[-1], (1, "load", str(final)), "print(balance) is the main thread's load")
        with open(os.path.join(PROGRAMS, "bank.py")) as f:
            src = f.read().splitlines()
        for e in run.events:
            if kind(e) in ("load", "store") and e["thread"] != 1:
                self.assertEqual(src[e["loc"]["line"] - 1].strip(), "balance += 1")

    def test_a_watched_name_is_shared_from_its_first_store(self):
        run = watch(["bank.py"], watch=["balance"], shared=False)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual([n for n, _ in shared_prims(run).values()], ["balance"])
        created = next(i for i, e in enumerate(run.events)
                       if kind(e) == "prim_created" and e["kind"]["info"]["type"] == "shared")
        e = run.events[created]
        self.assertEqual((e["thread"], e["loc"]["line"]), (1, 3), "balance = 0, before any thread")
        self.assertEqual(e["kind"]["info"]["initial"], "0")
        first_worker = next(i for i, x in enumerate(run.events) if kind(x) == "thread_created" and x["kind"]["tid"] != 1)
        self.assertLess(created, first_worker)
        self.assertEqual(len([a for a in accesses(run, e["kind"]["prim"]) if a[1] == "store"]), 4)

    def test_attributes_of_two_instances_are_numbered(self):
        run = watch(["accounts.py"], step="op", shared=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        names = sorted(n for n, _ in shared_prims(run).values())
        # savings and checking are globals every thread reads, but only the main thread stored
        # them, before the others started: nothing can change what a reader sees, so they are
        # not shared. Their balances are stored by both workers.
        self.assertEqual(names, ["Account.balance", "Account.balance#2"])
        for name in ("Account.balance", "Account.balance#2"):
            p = named(run, name)
            self.assertEqual(shared_prims(run)[p][1]["initial"], "0")
            seen = accesses(run, p)
            self.assertEqual(sorted(t for t, k, _ in seen if k == "store"), [2, 3])
            self.assertEqual(seen[-1][:2], (1, "load"), "print() reads it last")
        final = [seen_last for seen_last in run.stdout.decode().split()]
        self.assertEqual(final, [accesses(run, named(run, n))[-1][2]
                                 for n in ("Account.balance", "Account.balance#2")])

    def test_functions_classes_modules_and_locks_are_never_shared(self):
        run = watch(["accounts.py"], step="bytecode")
        self.assertEqual(run.returncode, 0, run.stderr)
        names = {n for n, _ in shared_prims(run).values()}
        for never in ("helper", "work", "Account", "threading", "Account.deposit", "threads", "t"):
            self.assertNotIn(never, names)
        run = watch(["stepper.py"], step="line")
        self.assertEqual(sorted(n for n, _ in shared_prims(run).values()), ["count"], "lock is a lock")


class Steps(unittest.TestCase):
    def test_bytecode_steps_tell_each_instruction_after_it_ran(self):
        run = fakeviz.Run(["bank.py"], python=PY, cwd=PROGRAMS, paused=True,
                          hook_settings={"step": "bytecode"}).start()
        try:
            steps = step_through(self, run)
            run.resume()
            run.wait(60)
        finally:
            run.kill()
        # Taken in turns an instruction at a time, the two threads may well lose an update.
        final = int(run.stdout.decode())
        self.assertIn(final, (2, 3, 4))
        balance = named(run, "balance")
        by_thread = {}
        for tid, batch in steps:
            ins = [e for e in batch if kind(e) == "instruction"]
            # One step, one instruction of the stepped thread (its load or store first), and
            # when it returns from a call, the call that it ends.
            for e in ins[:-1]:
                self.assertTrue(e["kind"]["text"].startswith(("RETURN_", "YIELD_VALUE")), batch)
            for e in batch:
                if kind(e) == "prim_created":
                    break
                if kind(e) in ("instruction", "load", "store"):
                    self.assertEqual(e["thread"], tid, batch)
            if ins:
                ins = ins[-1:]
                # The loads made before the variable turned shared are told when it does, just
                # before the store that makes it shared: after this step's instruction.
                told_late = next((i for i, e in enumerate(batch) if kind(e) == "prim_created"), len(batch))
                access = [e for e in batch[:told_late] if kind(e) in ("load", "store")]
                if access:
                    self.assertLess(batch.index(access[-1]), batch.index(ins[0]), batch)
                by_thread.setdefault(tid, []).append(ins[0]["kind"]["text"])
        add = "INPLACE_ADD" if VERSION < (3, 11) else "BINARY_OP +="
        for tid in (2, 3):
            texts = by_thread[tid]
            loads = [i for i, t in enumerate(texts) if t.startswith("LOAD_GLOBAL balance → ")]
            self.assertEqual(len(loads), 2, texts)
            for i in loads:
                v = int(texts[i].rsplit(" ", 1)[1])
                self.assertEqual(texts[i:i + 4], ["LOAD_GLOBAL balance → %d" % v, "LOAD_CONST 1", add,
                                                  "STORE_GLOBAL balance ← %d" % (v + 1)])
        # The load and store events tell the same values as the instructions, in the same order.
        told = [(t, "load" if "→" in x else "store", x.rsplit(" ", 1)[1])
                for t, batch in steps for e in batch if kind(e) == "instruction"
                for x in [e["kind"]["text"]] if " balance " in x]
        self.assertEqual(told[0], (1, "store", "0"), "balance = 0, before it is shared")
        told = told[1:]
        self.assertEqual(told, accesses(run, balance))
        self.assertEqual(int(told[-1][2]), final)

    def test_bytecode_points_and_events_are_only_in_the_programs_file(self):
        run = fakeviz.Run(["bank.py"], python=PY, cwd=PROGRAMS, paused=True,
                          hook_settings={"step": "bytecode"}).start()
        try:
            step_through(self, run)
            run.resume()
            run.wait(60)
        finally:
            run.kill()
        for g in run.gates:
            for loc in g.get("ready_at", {}).values():
                self.assertEqual(loc["file"], "bank.py", g)
        ins = [e for e in run.events if kind(e) == "instruction"]
        self.assertGreater(len(ins), 100)
        for e in run.events:
            if e["loc"] is not None:
                self.assertEqual(e["loc"]["file"], "bank.py", e)

    def test_line_steps_stop_at_each_line(self):
        run = fakeviz.Run(["lines.py"], python=PY, cwd=PROGRAMS, paused=True,
                          hook_settings={"step": "line"}).start()
        try:
            step_through(self, run)
            run.resume()
            run.wait(60)
        finally:
            run.kill()
        self.assertEqual(run.stdout, b"1 2 4\n")
        held = []
        for g in run.gates:
            at = g.get("ready_at", {}).get("1")
            if g["mode"] == "paused" and at and (not held or held[-1] != at["line"]):
                held.append(at["line"])
        self.assertEqual(held, [1, 2, 3, 4])
        self.assertEqual(run.kinds.count("instruction"), 0, "instructions are told at bytecode steps only")

    def test_a_free_run_at_line_steps_is_unchanged(self):
        rc, out, err = bare(["stepper.py"])
        run = watch(["stepper.py"], step="line")
        self.assertEqual((run.returncode, run.stdout, run.stderr), (rc, out, err))


class Transparent(unittest.TestCase):
    def test_a_program_only_watched_has_no_tracer(self):
        run = watch(["untraced.py"])
        self.assertEqual(run.stdout, b"tracer in thread: None\ntracer in main: None 1\n")
        self.assertEqual(shared_prims(run), {})
        self.assertNotIn("load", run.kinds)

    def test_a_traced_program_sees_no_tracer_of_ours(self):
        rc, out, err = bare(["untraced.py"])
        for step in ("line", "bytecode"):
            run = watch(["untraced.py"], step=step)
            self.assertEqual((run.returncode, run.stdout, run.stderr), (rc, out, err), step)

    def test_the_programs_own_tracer_is_still_called(self):
        rc, out, err = bare(["own_tracer.py"])
        self.assertIn(b"main: ['call', 'line', 'line', 'return']", out)
        for step in ("line", "bytecode"):
            run = watch(["own_tracer.py"], step=step)
            self.assertEqual((run.returncode, run.stdout.decode(), run.stderr), (rc, out.decode(), err), step)

    def test_exceptions_and_tracebacks_are_unchanged(self):
        for prog in ("uncaught.py", "thread_exc.py", "exit3.py"):
            rc, out, err = bare([prog])
            run = watch([prog], step="bytecode")
            self.assertEqual((run.returncode, run.stdout, run.stderr.decode()), (rc, out, err.decode()), prog)
            self.assertNotIn("threadviz_hook", run.stderr.decode())


if __name__ == "__main__":
    unittest.main()
