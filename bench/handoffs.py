"""handoffs.py -- CPython's own GIL handoffs beside two CPU-bound threads,
traced at its pthread calls (bench/condtrace.so), for the virtual model.

The program is bench_cases' case 5 with two hogs: two threads spin in
`while not done[0]: x += 1`, a third sleeps 1 ms in a loop and needs the
GIL after each sleep. For each switch interval it runs the program once
untraced and once under the trace, and prints:

  - the I/O thread's delays past its 1 ms sleep, both runs, in 1 ms bins:
    the trace must not move them;
  - how long the I/O thread holds the GIL: from the end of its take's
    signal (take_gil wakes the forced dropper through switch_cond) to its
    drop's signal; and the same split by where the forced dropper woke,
    on the I/O thread's CPU or another;
  - how often the forced dropper is back in its timed wait before the I/O
    thread drops: its saved switch number is then stale when its first
    interval ends, and it sets no drop request;
  - where the I/O thread wakes when its timed wait times out;
  - at each forced handoff with two sleepers, who asked (the waiter whose
    timed wait ended by a timeout last, within 200 us before the drop),
    whether it had been on the dropper's CPU, and whether it won;
  - and, last, how long the I/O thread holds the GIL with no hog beside it.

At 1 ms the trace itself moves the waits (a handoff every millisecond or
so): read that interval's shares as a rough guide. The figures are the
machine's, as CPython's are: its cores, its kernel.

With --gilviz, the same figures for gilviz in real time on bench_cases'
scenario for this program (two `forever { cpu 1ms }` hogs, an I/O thread
`forever { sleep 1ms cpu 1us }`): its waits are the I/O thread's waiting
spans (--export csv), and the same library traces its pthread calls.

Usage: python3 handoffs.py --lib bench/condtrace.so [--gilviz src/gilviz] [--seconds S]
                           [INTERVAL_MS ...]
"""
import errno
import json
import os
import subprocess
import sys
import tempfile
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict

import cpython_cases  # beside this file: the same program as bench_cases' case 5

TIMEDWAIT, SIGNAL, WAIT = 1, 2, 3


def child(interval_ms, secs, nhogs):
    delays, io = cpython_cases.io_delays(interval_ms / 1e3, nhogs, secs,
                                         cpython_cases.python_hog)
    json.dump({"io": io, "delays_ms": delays}, sys.stdout)


def traced_env(lib, out):
    env = dict(os.environ)
    if lib:
        env["LD_PRELOAD"] = lib
        env["CONDTRACE_OUT"] = out
    return env


def read_trace(path):
    """condtrace's records: (start, end, cond, tid, call, result, cpu0, cpu1)."""
    with open(path) as f:
        return [(int(t0), int(t1), cond, int(tid), int(call), int(rc), int(c0), int(c1))
                for t0, t1, cond, tid, call, rc, c0, c1 in (line.split() for line in f)]


def run(interval_ms, secs, lib=None, out=None, nhogs=2):
    p = subprocess.run([sys.executable, __file__, "--child", str(interval_ms), str(secs), str(nhogs)],
                       env=traced_env(lib, out), stdout=subprocess.PIPE, check=True)
    return json.loads(p.stdout)


GILVIZ_SCENARIO = """interval {iv}ms
thread hog * 2 {{ forever {{ cpu 1ms }} }}
thread io start 50ms {{ forever {{ sleep 1ms cpu 1us }} }}
"""


def run_gilviz(gilviz, interval_ms, secs, lib=None, out=None):
    # bench_cases' scenario for this program, in real time: the I/O
    # thread's waits are its waiting spans (--export csv).
    with tempfile.TemporaryDirectory() as d:
        gil = os.path.join(d, "handoffs.gil")
        csv = os.path.join(d, "spans.csv")
        with open(gil, "w") as f:
            f.write(GILVIZ_SCENARIO.format(iv=interval_ms))
        subprocess.run([gilviz, "--headless", "--real", f"--duration={50 + secs * 1000:g}ms",
                        "--export", "csv", csv, gil], env=traced_env(lib, out),
                       stdout=subprocess.DEVNULL, check=True)
        delays = []
        with open(csv) as f:
            for line in f:
                p = line.strip().split(",")
                if p[0] == "io" and p[2] == "waiting":
                    delays.append((int(p[4]) - int(p[3])) / 1e6)
    io = None
    if out:
        # The I/O thread is the one that sleeps: timed waits of about 1 ms
        # on a condition of its own, the most of any thread.
        waits = [(r[2], r[3]) for r in read_trace(out)
                 if r[4] == TIMEDWAIT and 900000 < r[1] - r[0] < 1500000]
        users = defaultdict(set)
        for cond, tid in waits:
            users[cond].add(tid)
        sleeps = Counter(tid for cond, tid in waits if len(users[cond]) == 1)
        io = sleeps.most_common(1)[0][0] if sleeps else None
    return {"io": io, "delays_ms": delays}


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def by_ms(delays):
    # The delays gather a little under whole intervals (a hog asked first)
    # and at them (the I/O thread asked): 1 ms bins tell the two apart.
    n = len(delays)
    if not n:
        return "no waits"
    bins = Counter(int(d) for d in delays)
    common = " ".join(f"{k}:{100 * bins[k] / n:.0f}%" for k in sorted(bins) if bins[k] >= 0.03 * n)
    return (f"{n} waits, p50 {pct(delays, .5):.2f} mean {sum(delays) / n:.2f} ms; "
            f"by 1 ms bins (those of 3% or more): {common}")


def analyse(path, io):
    recs = sorted(read_trace(path))
    # The GIL's condition is the one the most threads wait on with a
    # timeout: gilviz's own sleeps are timed waits too, each thread on a
    # condition of its own.
    timed = Counter(c for c, t in {(r[2], r[3]) for r in recs if r[4] == TIMEDWAIT})
    untimed = Counter(r[2] for r in recs if r[4] == WAIT)
    if not timed or not untimed:
        return None
    gil_cond = timed.most_common(1)[0][0]
    switch_cond = untimed.most_common(1)[0][0]
    waits = sorted((r for r in recs if r[4] == TIMEDWAIT and r[2] == gil_cond),
                   key=lambda r: r[1])
    wait_ends = [w[1] for w in waits]
    longest = max(w[1] - w[0] for w in waits)
    drops = [r for r in recs if r[4] == SIGNAL and r[2] == gil_cond]
    takes = [r for r in recs if r[4] == SIGNAL and r[2] == switch_cond]
    take_t = [r[0] for r in takes]
    drop_t = [r[0] for r in drops]
    # Each thread's timed waits on the GIL, by start.
    tid_waits = defaultdict(list)
    for w in sorted(waits):
        tid_waits[w[3]].append(w)
    tid_wait_t = {tid: [w[0] for w in ws] for tid, ws in tid_waits.items()}

    holds, early = [], []
    # The holds again, by where the forced dropper woke: on the CPU the
    # I/O thread took the GIL on (the two then share it), or elsewhere.
    by_cpu = defaultdict(list)
    for tk in (r for r in takes if r[3] == io):
        j = bisect_right(drop_t, tk[0])
        if j == len(drops) or drops[j][3] != io:
            continue
        holds.append((drops[j][0] - tk[1]) / 1e3)
        # The forced dropper: in its switch wait when the I/O thread took.
        for r in recs[bisect_left(recs, (tk[0] - 200000,)):bisect_right(recs, (tk[0],))]:
            if r[4] == WAIT and r[2] == switch_cond and r[0] < tk[0] < r[1]:
                ws = tid_waits.get(r[3], [])
                i = bisect_right(tid_wait_t.get(r[3], []), r[1])
                if i < len(ws):
                    early.append(ws[i][0] < drops[j][0])
                by_cpu[r[7] == tk[7]].append(holds[-1])

    won = defaultdict(lambda: [0, 0])
    for d in drops:
        t = d[0]
        sleepers = [w for w in waits[bisect_right(wait_ends, t):bisect_right(wait_ends, t + longest)]
                    if w[0] < t and w[3] != d[3]]
        if len(sleepers) < 2:
            continue
        j = bisect_left(wait_ends, t) - 1
        asked = None
        while j >= 0 and t - waits[j][1] < 200000:
            if waits[j][5] == errno.ETIMEDOUT and waits[j][3] != d[3]:
                asked = waits[j]
                break
            j -= 1
        again = [w for w in sleepers if asked and w[3] == asked[3]]
        k = bisect_right(take_t, t)
        if not again or k == len(takes) or k == 0:
            continue
        # A timeout asks only if no switch came during its wait, and it
        # asks this holder only if it came after this holder's take (take_gil
        # clears any earlier request): otherwise this drop was not forced
        # by it (the I/O thread's own drop before it sleeps, for one).
        if not (take_t[k - 1] < asked[1] and bisect_right(take_t, asked[0]) == k):
            continue
        newest = max(sleepers, key=lambda w: w[0])[3] == asked[3]
        key = ("I/O thread" if asked[3] == io else "a hog",
               "newest" if newest else "older",
               "the dropper's CPU" if again[0][6] == d[6] else "another CPU")
        won[key][0] += 1
        won[key][1] += takes[k][3] == asked[3]
    # Where the I/O thread wakes when its timed wait times out: on the CPU
    # the GIL's holder took it on, or elsewhere.
    on_holder, holder_cpu, holder = [], None, None
    for r in recs:
        if r[4] == SIGNAL and r[2] == switch_cond:
            holder, holder_cpu = r[3], r[7]
        elif (r[3] == io and r[4] == TIMEDWAIT and r[2] == gil_cond and
              r[5] == errno.ETIMEDOUT and holder not in (None, io)):
            on_holder.append(r[7] == holder_cpu)
    return holds, early, by_cpu, won, on_holder


def alone_holds(path, io):
    # With no other thread to wait, nothing waits on a condition: take_gil
    # only signals switch_cond, drop_gil gil->cond. The I/O thread's hold
    # is from the end of one signal to the start of the next, on the other
    # condition, well under its 1 ms sleep.
    sig = sorted(r for r in read_trace(path) if r[3] == io and r[4] == SIGNAL)
    return [(b[0] - a[1]) / 1e3 for a, b in zip(sig, sig[1:])
            if a[2] != b[2] and b[0] - a[1] < 500000]


def report(holds, early, by_cpu, won, on_holder):
    print(f"    the I/O thread holds the GIL {pct(holds, .1):.1f} / {pct(holds, .5):.1f} / "
          f"{pct(holds, .9):.1f} us (p10 / p50 / p90, take's signal to drop's)")
    for same in (True, False):
        h = by_cpu.get(same, [])
        if h:
            where = "on the I/O thread's CPU" if same else "on another CPU"
            print(f"      the forced dropper woke {where:23s}: {len(h):4d} holds, "
                  f"{pct(h, .1):.1f} / {pct(h, .5):.1f} / {pct(h, .9):.1f} us")
    if early:
        print(f"    the forced dropper is back in its wait before the I/O thread drops: "
              f"{100 * sum(early) / len(early):.0f}% of {len(early)}")
    if on_holder:
        print(f"    the I/O thread's timeouts on the CPU the holder took the GIL on: "
              f"{100 * sum(on_holder) / len(on_holder):.0f}% of {len(on_holder)}")
    for key in sorted(won):
        n, w = won[key]
        print(f"    asked by {key[0]:10s} ({key[1]:6s} sleeper), on {key[2]:17s}: {n:5d} "
              f"handoffs, the asker won {100 * w / n:3.0f}%")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
        return
    args = sys.argv[1:]
    lib, gilviz, secs, intervals = None, None, 15.0, []
    while args:
        a = args.pop(0)
        if a == "--lib":
            lib = os.path.abspath(args.pop(0))
        elif a == "--gilviz":
            gilviz = os.path.abspath(args.pop(0))
        elif a == "--seconds":
            secs = float(args.pop(0))
        else:
            intervals.append(float(a))
    if not lib or not os.path.exists(lib):
        sys.exit("usage: handoffs.py --lib PATH/condtrace.so [--gilviz PATH/gilviz] "
                 "[--seconds S] [INTERVAL_MS ...]")
    for iv in intervals or [1, 5, 20]:
        print(f"== switch interval {iv:g} ms, {secs:g} s each")
        programs = [("CPython", lambda *a: run(iv, secs, *a))]
        if gilviz:
            programs.append(("gilviz --real", lambda *a: run_gilviz(gilviz, iv, secs, *a)))
        for name, go in programs:
            print(f"  {name}")
            plain = go()
            print(f"    untraced: {by_ms(plain['delays_ms'])}")
            with tempfile.NamedTemporaryFile(suffix=".condtrace") as tf:
                traced = go(lib, tf.name)
                print(f"    traced:   {by_ms(traced['delays_ms'])}")
                found = analyse(tf.name, traced["io"]) if traced["io"] else None
            if found:
                report(*found)
            else:
                print("    the trace holds no GIL waits: was the library preloaded?")
    # The same I/O thread with no hog: how much of its hold the hogs make.
    with tempfile.NamedTemporaryFile(suffix=".condtrace") as tf:
        alone = run(5, min(secs, 5), lib, tf.name, nhogs=0)
        holds = alone_holds(tf.name, alone["io"])
    if holds:
        print(f"== the I/O thread alone, no hog: it holds the GIL {pct(holds, .1):.1f} / "
              f"{pct(holds, .5):.1f} / {pct(holds, .9):.1f} us (p10 / p50 / p90)")


if __name__ == "__main__":
    main()
