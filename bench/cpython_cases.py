"""The cases of `make bench` in real CPython, to print beside gilviz's.

Each case prints one JSON line: {"case": NAME, ...figures}. The gilviz side
(bench/bench_cases.c) runs the same cases as scenarios and reads this
output. Run: python3 cpython_cases.py [SCALE]; SCALE (default 1.0) scales
every duration, for a quicker run.
"""
import hashlib
import json
import sys
import threading
import time

SCALE = 1.0  # set from the command line (bench/handoffs.py imports this file)


def emit(case, **figures):
    figures["case"] = case
    print(json.dumps(figures), flush=True)


def run_threads_once(target, n, *args):
    threads = [threading.Thread(target=target, args=args) for _ in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def run_threads(target, n, *args, repeat=3):
    """The fastest of a few runs: the slower ones were disturbed (the
    first run on this VM is often slow, as the CPU warms up)."""
    return min(run_threads_once(target, n, *args) for _ in range(repeat))


PAIRS = 15


def paired_ratio(run, pairs):
    """The ratio of four threads' wall time to one's, robust to a machine
    whose speed drifts: this VM's speed moves by up to half within
    seconds, so the best of three long runs of each gave ratios from 2.6
    to 5.0. Short runs alternate one, four, one, ...; each four is divided
    by the mean of the ones on either side, and the median of those is
    the ratio. Returns it with the median one and four (s)."""
    ones, fours, ratios = [run(1)], [], []
    for _ in range(pairs):
        fours.append(run(4))
        ones.append(run(1))
        ratios.append(fours[-1] / ((ones[-2] + ones[-1]) / 2))
    return median(ratios), median(ones), median(fours)


def call_seconds(fn, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def spin(d):
    start = time.time()
    while time.time() - start < d:
        pass


def count(n):
    while n:
        n -= 1


def calibrate_count(seconds):
    n = 100000
    while True:
        t0 = time.perf_counter()
        count(n)
        dt = time.perf_counter() - t0
        if dt > 0.05:
            return int(n * seconds / dt)
        n *= 4


def wakeup_delays(interval, hogs, seconds, hog_target):
    """mean, p50, p99 of io_delays."""
    return summary(io_delays(interval, hogs, seconds, hog_target)[0])


def io_delays(interval, hogs, seconds, hog_target):
    """An I/O thread sleeps 1 ms in a loop beside `hogs` other threads; its
    extra delay after each wake-up (past the 1 ms) in ms, and its thread id
    (threading's native_id)."""
    sys.setswitchinterval(interval)
    done = [False]
    delays = []

    def io():
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            time.sleep(0.001)
            delays.append((time.perf_counter() - t0 - 0.001) * 1e3)

    hs = [threading.Thread(target=hog_target, args=(done,)) for _ in range(hogs)]
    for h in hs:
        h.start()
    time.sleep(0.05)
    t = threading.Thread(target=io)
    t.start()
    t.join()
    done[0] = True
    for h in hs:
        h.join()
    sys.setswitchinterval(0.005)
    return delays, t.native_id


def summary(delays):
    """mean, p50, p99 of a list of delays in ms (0s if there are none)."""
    if not delays:
        return 0.0, 0.0, 0.0
    delays.sort()
    n = len(delays)
    return sum(delays) / n, delays[n // 2], delays[min(n - 1, (n * 99) // 100)]


def median(v):
    return sorted(v)[len(v) // 2]


def rounded(v):
    """Lengths in ms to the microsecond, in the order they ran."""
    return [round(x, 3) for x in v]


def python_hog(done):
    x = 0
    while not done[0]:
        x += 1


SUM_N = [0]
SUM_LENGTHS = []


def c_hog(done):
    while not done[0]:
        t0 = time.perf_counter()
        sum(range(SUM_N[0]))
        SUM_LENGTHS.append((time.perf_counter() - t0) * 1e3)


def main():
    # 1. four threads of a clock-bound loop
    emit("spin4", wall_s=run_threads(spin, 4, 1.0 * SCALE, repeat=1), d_s=1.0 * SCALE)

    # 2. the same CPU work in one thread, then in each of four
    n = calibrate_count(0.05 * SCALE)
    ratio, one, four = paired_ratio(lambda k: run_threads_once(count, k, n), PAIRS)
    emit("cpu_1_vs_4", one_s=one, four_s=four, ratio=ratio, pairs=PAIRS)

    # 3. four threads sleeping
    emit("sleep4", wall_s=run_threads(time.sleep, 4, 0.5 * SCALE), d_s=0.5 * SCALE)

    # 4. two (and four) CPU-bound threads: switches per second
    for nthreads, ms in ((2, 1), (2, 5), (2, 20), (4, 5)):
        sys.setswitchinterval(ms / 1e3)
        state = {"last": None, "switches": 0}
        stop = time.perf_counter() + 1.0 * SCALE

        def hog(me):
            k = 0
            while True:
                k += 1
                if state["last"] != me:
                    state["last"] = me
                    state["switches"] += 1
                if k % 64 == 0 and time.perf_counter() > stop:
                    break

        ts = [threading.Thread(target=hog, args=(i,)) for i in range(nthreads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        emit("switch_rate", threads=nthreads, interval_ms=ms,
             switches_per_s=state["switches"] / (time.perf_counter() - t0))
    sys.setswitchinterval(0.005)

    # 5. an I/O thread beside one, then two CPU-bound threads
    for hogs in (1, 2):
        for ms in (1, 5, 20):
            mean, p50, p99 = wakeup_delays(ms / 1e3, hogs, 4.0 * SCALE, python_hog)
            emit("convoy", hogs=hogs, interval_ms=ms, mean_ms=mean, p50_ms=p50,
                 p99_ms=p99)

    # 6. native code that releases the GIL: hashlib on a large buffer
    buf = b"x" * (32 << 20)
    call_s = call_seconds(lambda: hashlib.sha256(buf).digest())
    calls = max(1, int(0.5 * SCALE / call_s))

    def hasher():
        for _ in range(calls):
            hashlib.sha256(buf).digest()

    one = run_threads(hasher, 1)
    four = run_threads(hasher, 4)
    emit("native4", call_ms=call_s * 1e3, calls=calls, one_s=one, four_s=four,
         speedup=4 * one / four)

    # 7. an I/O thread beside C code that holds the GIL (sum(range(n)))
    n = 1 << 20
    while True:
        dt = call_seconds(lambda: sum(range(n)))
        if dt > 0.02:
            break
        n *= 2
    SUM_N[0] = n
    mean, p50, p99 = wakeup_delays(0.005, 1, 1.0 * SCALE, c_hog)
    # The calls' own lengths as they ran beside the I/O thread, in order
    # (as in 8): this VM's speed moves within a run, so the same call took
    # 42 to 69 ms in one run where the best of five alone took 40 ms, and
    # the I/O thread's wait is the rest of a call. gilviz replays them.
    emit("native_hold", call_ms=median(SUM_LENGTHS), lengths_ms=rounded(SUM_LENGTHS),
         calibrated_ms=dt * 1e3, mean_ms=mean, p50_ms=p50, p99_ms=p99)

    # 8. forty C calls of about 50 ms in a loop (sum(range(n)) keeps the GIL)
    # beside a thread that sleeps 1 ms: the loop between two calls is
    # bytecode that checks the eval breaker, so the sleeper gets in after
    # each call; its wait is about the rest of the call.
    n50 = max(1, int(n * 0.05 / dt))
    calls = max(1, int(40 * SCALE))
    done = [False]
    delays = []

    lengths = []

    def c_loop():
        for _ in range(calls):
            t0 = time.perf_counter()
            sum(range(n50))
            lengths.append((time.perf_counter() - t0) * 1e3)
        done[0] = True

    def sleeper():
        while not done[0]:
            t0 = time.perf_counter()
            time.sleep(0.001)
            # Only the waits for a call: the last sleep, begun after the
            # last call, would add a wait of next to nothing.
            if not done[0]:
                delays.append((time.perf_counter() - t0 - 0.001) * 1e3)

    h = threading.Thread(target=c_loop)
    h.start()
    time.sleep(0.01)
    t = threading.Thread(target=sleeper)
    t.start()
    h.join()
    t.join()
    mean, p50, p99 = summary(delays)
    # The calls' own lengths as they ran, not as calibrated: beside the
    # sleeper (and on a CPU whose clock moves) they differ by up to half.
    emit("native_hold_loop", call_ms=median(lengths), lengths_ms=rounded(lengths),
         calls=calls, mean_ms=mean, p50_ms=p50, p99_ms=p99)


if __name__ == "__main__":
    SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    main()
