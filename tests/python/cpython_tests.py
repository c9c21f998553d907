"""CPython's own tests of threading's neighbours, run bare and under the hook (through
fakeviz): the pass/fail counts must match.

    python3 cpython_tests.py PYTHON test_threading_local test_queue [test_threading]

Each test module is copied out of the standard library into a temporary folder first, so that
the hook counts its code as the program's and instruments what it creates.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakeviz  # noqa: E402

RUNNER = r'''
import os, sys, unittest
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib
module = importlib.import_module(sys.argv[1])
suite = unittest.defaultTestLoader.loadTestsFromModule(module)
result = unittest.TextTestRunner(verbosity=0).run(suite)
print("COUNTS %d %d %d %d" % (result.testsRun, len(result.failures), len(result.errors), len(result.skipped)))
for test, _ in result.failures + result.errors:
    print("FAILED", test.id())
'''


def counts(text):
    lines = [line for line in text.splitlines() if line.startswith("COUNTS ")]
    failed = sorted(line[7:] for line in text.splitlines() if line.startswith("FAILED "))
    return (tuple(int(x) for x in lines[-1].split()[1:]) if lines else None), failed


def main(argv):
    python, modules = argv[0], argv[1:]
    stdlib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"],
                            stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    ok = True
    for name in modules:
        src = os.path.join(stdlib, "test", name + ".py")
        if not os.path.exists(src):
            print("  %-22s absent" % name)
            continue
        folder = tempfile.mkdtemp(prefix="cpython-tests-")
        try:
            shutil.copy(src, os.path.join(folder, name + ".py"))
            with open(os.path.join(folder, "run_cpython_test.py"), "w") as f:
                f.write(RUNNER)
            args = ["run_cpython_test.py", name]
            results = {}

            def bare():
                results["bare"] = fakeviz.bare(args, python=python, cwd=folder, timeout=300)

            t = threading.Thread(target=bare)
            t.start()
            run = fakeviz.Run(args, python=python, cwd=folder, parse=False).start()
            run.wait(300)
            t.join()
            rc, out, err = results["bare"]
            want, want_failed = counts(out.decode())
            got, got_failed = counts(run.stdout.decode())
            ended = bool(run.raw) and '"session_ended"' in run.raw[-1]
            same = want is not None and want == got and want_failed == got_failed and rc == run.returncode and ended
            print("  %-22s bare %s, hooked %s (%d events)%s" % (
                name, fmt(want), fmt(got), len(run.raw), "" if same else "  MISMATCH"))
            if not same:
                ok = False
                print("    bare failed:", want_failed, "\n    hooked failed:", got_failed,
                      "\n    ended:", ended, "rc", rc, run.returncode)
                sys.stdout.write(run.stderr.decode()[-3000:])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


def fmt(c):
    if c is None:
        return "no result"
    return "%d run, %d failures, %d errors, %d skipped" % c


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
