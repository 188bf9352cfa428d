"""Many threads in real CPython, to print beside gilviz's (bench_many.sh).

Each thread does 1 ms of pure-Python work and sleeps 1 ms, ten times:
`thread t * N { repeat 10 { cpu 1ms; io 1ms } }` in gilviz's language.
Prints the wall time in seconds. CPython starts its threads one by one
from a main thread that needs the GIL for each start, so the early ones
have often ended before the late ones begin, and only a few wait for the
GIL at any time ("staggered", gilviz's 'startup one-by-one'). "together"
has all N wait for the GIL at once (gilviz's 'startup together'): every thread
sleeps until one instant after all have started (a sleep, not a lock or
an Event, which would queue the threads on that lock instead of on the
GIL), and the time is counted from that instant.
Run: python3 cpython_many.py staggered|together N
"""
import sys
import threading
import time


def count(n):
    while n:
        n -= 1


def timed(n):
    t0 = time.perf_counter()
    count(n)
    return time.perf_counter() - t0


def calibrate(seconds):
    """The fastest of many short trials, as gilviz calibrates its ticks:
    a trial longer than a time slice on a busy machine is slowed down,
    and would make "1 ms" of work well under 1 ms of an idle core's."""
    n = 1000
    while timed(n) < 0.002:
        n *= 2
    best = min(timed(n) for _ in range(100))
    return max(1, int(n * seconds / best))


def main():
    n1ms = calibrate(0.001)
    together = sys.argv[1] == "together"
    n = int(sys.argv[2])
    # Time enough to start every thread (about 0.2 ms each here).
    t0 = time.monotonic() + (0.5 + n * 0.001 if together else 0)

    def work():
        if together:
            time.sleep(max(0.0, t0 - time.monotonic()))
        for _ in range(10):
            count(n1ms)
            time.sleep(0.001)

    threads = [threading.Thread(target=work) for _ in range(n)]
    if not together:
        t0 = time.monotonic()
    for t in threads:
        t.start()
    late = time.monotonic() > t0
    for t in threads:
        t.join()
    if together and late:
        print("late", flush=True)  # not every thread was waiting at t0
    else:
        print("%.2f" % (time.monotonic() - t0), flush=True)


main()
