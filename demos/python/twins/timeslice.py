"""Time slices: more CPU-bound threads than cores, so the cores are handed around in turns
(the "Python Threading" slides: time slices, context switch, Run and Sleep states). Python
adds a lesson of its own: the GIL lets only one of these threads compute at a time."""
import os
import threading
import time

DEMO_TIME = 7.0  # how long the busy threads work, in seconds
CHUNK = 0.004  # CPU time of one chunk of work on an idle core
MAX_BUSY = 12  # at most this many busy threads, however many cores there are
NAP = 0.5  # how long the sleeper sleeps, then works, in turns
MASK = (1 << 64) - 1
CALIBRATION_TRIES = 5  # the fastest of this many measurements sets a chunk's rounds


def crunch(rounds, seed):
    """`rounds` steps of arithmetic that never waits for anything."""
    x = seed | 1
    for _ in range(rounds):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return x


def calibrate():
    """How many rounds of crunch take one CHUNK of this thread's CPU time, measured once before
    any worker starts, so that a chunk is the same amount of work for every thread. The fastest
    of several tries counts: the interpreter's first rounds run slower while it warms up, and a
    busy neighbour on the machine slows a try down, which would make every chunk cheaper."""
    rounds = 1_000
    while True:
        started = time.thread_time()
        crunch(rounds, rounds)
        took = time.thread_time() - started
        if took >= 0.002:
            break
        rounds *= 2
    for _ in range(CALIBRATION_TRIES):
        started = time.thread_time()
        crunch(rounds, rounds)
        took = min(took, time.thread_time() - started)
    return max(1, int(rounds * CHUNK / took))


def busy(chunks, rounds, end):
    """Works in chunks until `end`, counting them in `chunks`."""
    done = 0
    while time.monotonic() < end:
        crunch(rounds, done)
        done += 1
        chunks.done = done  # one visible operation per chunk
    print(f"done: {done} chunks")


def sleeper(chunks, rounds, end):
    """Sleeps and works in turns: its state flips between Sleep and Run, and each sleep is a
    voluntary context switch."""
    done = 0
    while time.monotonic() < end:
        time.sleep(NAP)
        work_until = time.monotonic() + NAP
        while time.monotonic() < min(work_until, end):
            crunch(rounds, done)
            done += 1
            chunks.done = done
    print(f"done: {done} chunks between naps")


# The cores this process may run on (os.cpu_count() counts the machine's).
cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
count = min(cores + 2, MAX_BUSY)
print(f"{cores} cores, {count} busy threads and one sleeper")
rounds = calibrate()
chunks = threading.local()
end = time.monotonic() + DEMO_TIME
threads = [threading.Thread(target=busy, args=(chunks, rounds, end), name=f"busy-{number}")
           for number in range(1, count + 1)]
threads.append(threading.Thread(target=sleeper, args=(chunks, rounds, end), name="sleeper"))
for worker in threads:
    worker.start()
for worker in threads:
    worker.join()
print("time is up")
