"""The GIL measurements of bench_gil, in real CPython, for comparison.

Prints one JSON object per line:
  {"case": "switch_rate", "interval_ms": I, "switches_per_s": R}
  {"case": "wakeup", "interval_ms": I, "mean_ms": M, "p50_ms": P, "p99_ms": Q}

switch_rate: two CPU-bound threads; a switch is counted whenever a thread
finds that the other one ran last.
wakeup: an I/O thread sleeps 1 ms in a loop beside one CPU-bound thread;
its extra delay after each wake-up (time past the 1 ms) is the wait for the
GIL: about one switch interval, plus the handoff.
"""
import json
import sys
import threading
import time

RUN_S = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0


def switch_rate(interval):
    sys.setswitchinterval(interval)
    state = {"last": None, "switches": 0}
    stop = time.perf_counter() + RUN_S

    def hog(me):
        n = 0
        while True:
            n += 1
            if state["last"] != me:
                state["last"] = me
                state["switches"] += 1
            if n % 64 == 0 and time.perf_counter() > stop:
                break

    threads = [threading.Thread(target=hog, args=(i,)) for i in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return state["switches"] / elapsed


def wakeup(interval, hogs=1):
    sys.setswitchinterval(interval)
    done = [False]
    delays = []

    def hog():
        x = 0
        while not done[0]:
            x += 1

    def io():
        stop = time.perf_counter() + RUN_S
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            time.sleep(0.001)
            delays.append(time.perf_counter() - t0 - 0.001)

    hs = [threading.Thread(target=hog) for _ in range(hogs)]
    for h in hs:
        h.start()
    time.sleep(0.05)
    t = threading.Thread(target=io)
    t.start()
    t.join()
    done[0] = True
    for h in hs:
        h.join()
    delays.sort()
    n = len(delays)
    return {
        "mean_ms": 1e3 * sum(delays) / n,
        "p50_ms": 1e3 * delays[n // 2],
        "p99_ms": 1e3 * delays[min(n - 1, (n * 99) // 100)],
        "wakeups": n,
    }


def main():
    for ms in (1, 5, 20):
        print(json.dumps({"case": "switch_rate", "interval_ms": ms,
                          "switches_per_s": switch_rate(ms / 1e3)}), flush=True)
    for ms in (1, 5, 20):
        r = wakeup(ms / 1e3)
        r.update({"case": "wakeup", "interval_ms": ms})
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
