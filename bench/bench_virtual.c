/*
 * bench_virtual.c -- how fast virtual time runs, and how close it comes to
 * real time.
 *
 *   1. simulated GIL events per second of wall time (two CPU-bound
 *      threads at a 10 us interval: switches as fast as the model goes);
 *   2. a 60 s scenario of 8 CPU-bound threads at a 5 ms interval;
 *   3. a 20-point sweep of it, 0.1 ms to 50 ms, on one worker and on
 *      one per core;
 *   4. agreement: switches per second of two CPU-bound threads and the
 *      wait of an I/O thread beside a CPU hog, in virtual and in real
 *      time, at 1, 5 and 20 ms;
 *   5. waiting for a core: lesson 9's four processes on 2 cores, the
 *      time they spent runnable off a core, measured in real time from
 *      the threads' CPU clocks against what virtual time knows;
 *   6. many threads in virtual time: N threads of ten turns of 1 ms of
 *      work and 1 ms of I/O, N = 1024 and 2048 (and 4096 with --many).
 *      Every waiter times out once an interval, so a run has N x its
 *      length / 5 ms timeouts, at least N^2 x 2 (N x 10 ms of work, more
 *      when the waiters' wake-ups take the cores from the holder): the
 *      figure is the CPU time per waiter and interval, which stays the
 *      same at every N if each operation costs the same whatever the
 *      number of waiters.
 *
 * Usage: bench_virtual [--no-real] [--many]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "engine.h"
#include "scenario.h"
#include "stats.h"
#include "sweep.h"

#define MS 1000000LL

struct result {
	double wall_s;
	double cpu_s; /* the process's CPU time over the run */
	uint64_t events;
	double switches_per_s;
	uint64_t io_wait_mean_ns; /* thread 1's mean wait for the GIL */
	int64_t elapsed;
	uint64_t core_ns; /* every thread's time waiting for a core */
	uint64_t hold_ns; /* ... and holding its GIL */
};

static double process_cpu_s(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		fatal("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct result run(const char *text, bool virt, int64_t interval)
{
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, strlen(text), "bench.gil", &err);
	if (!sc) {
		fprintf(stderr, "bench_virtual: %s\n", err.msg);
		exit(1);
	}
	struct engine_options o = { .policy = -1, .interval_ns = interval,
				    .virtual_time = virt, .cores = 2 };
	struct result r = { 0 };
	double t0 = ((double)bench_now_ns() / 1e9), c0 = process_cpu_s();
	struct engine *e = engine_create(sc, &o, &err);
	struct stats *st = stats_create((unsigned)sc->nthreads, NULL, 1);
	struct event *batch = malloc(4096 * sizeof *batch);
	engine_start(e);
	bool ended;
	do {
		ended = engine_wait(e, 2 * MS);
		size_t n;
		while ((n = ring_pop(engine_ring(e), batch, 4096)) > 0) {
			for (size_t i = 0; i < n; i++)
				stats_add(st, &batch[i]);
			r.events += n;
		}
	} while (!ended);
	r.wall_s = ((double)bench_now_ns() / 1e9) - t0;
	r.cpu_s = process_cpu_s() - c0;
	r.elapsed = engine_elapsed(e);
	struct stats_gil g;
	stats_gil(st, 0, (uint64_t)r.elapsed, &g);
	r.switches_per_s = g.switches_per_s;
	if (sc->nthreads > 1) {
		struct stats_thread t;
		stats_thread(st, 1, (uint64_t)(engine_start_time(e) + r.elapsed), &t);
		r.io_wait_mean_ns = t.wait_mean_ns;
	}
	for (size_t i = 0; i < sc->nthreads; i++) {
		struct stats_thread t;
		stats_thread(st, (unsigned)i, (uint64_t)(engine_start_time(e) + r.elapsed), &t);
		r.core_ns += t.core_ns;
		r.hold_ns += t.hold_ns;
	}
	free(batch);
	stats_destroy(st);
	engine_destroy(e);
	scenario_free(sc);
	return r;
}

int main(int argc, char **argv)
{
	bool real = true, many = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-real"))
			real = false;
		else if (!strcmp(argv[i], "--many"))
			many = true;
	}

	/* The best of three: a short run, easily disturbed on a busy
	 * machine; the CPU time beside the wall time for the same reason. */
	struct result r = { 0 };
	for (int i = 0; i < 3; i++) {
		struct result x = run("duration 20s\nthread a { cpu 100s }\nthread b { cpu 100s }",
				      true, 10000);
		if (i == 0 || x.wall_s < r.wall_s)
			r = x;
	}
	printf("simulated events: %llu in %.3f s of wall time (%.3f s of CPU): "
	       "%.2f million events/s (goal >= 10)%s\n",
	       (unsigned long long)r.events, r.wall_s, r.cpu_s, (double)r.events / r.wall_s / 1e6,
	       (double)r.events / r.wall_s / 1e6 >= 10 ? "" : "  MISSED");

	const char *eight = "duration 60s\nthread t * 8 { cpu 100s }";
	r = run(eight, true, 5 * MS);
	printf("60 s, 8 CPU threads, 5 ms interval: %.3f s of wall time (target < 1), %llu events\n",
	       r.wall_s, (unsigned long long)r.events);

	struct gv_error err;
	struct scenario *sc = scenario_parse(eight, strlen(eight), "eight.gil", &err);
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2 };
	/* One worker, then one per core: the same rows (test_compare). On
	 * every core three times, judged by the median: this machine's
	 * speed drifts by a fifth within an hour, and one run near the
	 * goal said met or missed by chance. */
	for (unsigned jobs = 1;; jobs = 0) {
		struct sweep_spec sp = { .lo_ns = 100000, .hi_ns = 50 * MS, .points = 20,
					 .jobs = jobs };
		size_t runs = jobs ? 1 : 3;
		int64_t walls[3], cpus[3];
		for (size_t k = 0; k < runs; k++) {
			struct sweep_result res;
			int64_t t0 = bench_now_ns();
			double c0 = process_cpu_s();
			if (sweep_run(sc, &o, &sp, &res, NULL, &err) == 0)
				sweep_result_free(&res);
			walls[k] = bench_now_ns() - t0;
			cpus[k] = (int64_t)((process_cpu_s() - c0) * 1e9);
		}
		/* The median of three (or the one), and the CPU time beside:
		 * on a machine whose cores are not all free, wall time alone
		 * hides what the workers did. */
		double wall = (double)bench_percentile(walls, runs, 50) / 1e9;
		double cpu = (double)bench_percentile(cpus, runs, 50) / 1e9;
		unsigned nw = sweep_workers(&o, jobs, 20);
		if (runs == 1)
			printf("20-point sweep of it, 0.1 ms to 50 ms, %u worker%s: %.3f s of wall time, "
			       "%.3f s of CPU\n", nw, nw == 1 ? "" : "s", wall, cpu);
		else
			printf("20-point sweep of it, 0.1 ms to 50 ms, %u worker%s, median of 3: "
			       "%.3f s of wall time (%.3f-%.3f) (goal <= 2), %.3f s of CPU%s\n", nw,
			       nw == 1 ? "" : "s", wall,
			       (double)bench_percentile(walls, runs, 0) / 1e9,
			       (double)bench_percentile(walls, runs, 100) / 1e9, cpu,
			       wall > 2 ? "  MISSED" : "");
		if (!jobs)
			break;
	}
	scenario_free(sc);

	double first = 0;
	for (unsigned n = 1024; n <= (many ? 4096u : 2048u); n *= 2) {
		char text[128];
		snprintf(text, sizeof text, "thread t * %u {\n repeat 10 {\n  cpu 1ms\n  io 1ms\n }\n}\n",
			 n);
		r = run(text, true, 5 * MS);
		/* Every waiter times out once an interval: the CPU time per
		 * waiter and interval is the cost of one such timeout, which
		 * should not grow with N. */
		double per = r.cpu_s * 1e9 / ((double)n * ((double)r.elapsed / (5.0 * MS)));
		if (!first)
			first = per;
		printf("%u threads, 10 x (1 ms cpu, 1 ms io), virtual: %.2f s of wall time, "
		       "%.2f s of CPU, %.1f s virtual; %.0f ns of CPU per waiter and interval "
		       "(goal <= 1.5 x 1024's)%s\n",
		       n, r.wall_s, r.cpu_s, (double)r.elapsed / 1e9, per,
		       per <= 1.5 * first ? "" : "  MISSED");
	}

	if (!real)
		return 0;
	printf("\nagreement, 2 cores (real time runs 2 s each):\n");
	printf("%-34s %8s %10s %10s %7s\n", "case", "interval", "virtual", "real", "diff");
	const int64_t ivs[] = { 1 * MS, 5 * MS, 20 * MS };
	for (size_t i = 0; i < 3; i++) {
		const char *two = "duration 2s\nthread a { cpu 10s }\nthread b { cpu 10s }";
		struct result v = run(two, true, ivs[i]), w = run(two, false, ivs[i]);
		printf("%-34s %6lldms %10.1f %10.1f %+6.1f%%\n", "two CPU threads: switches/s",
		       (long long)(ivs[i] / MS), v.switches_per_s, w.switches_per_s,
		       100.0 * (v.switches_per_s - w.switches_per_s) / w.switches_per_s);
	}
	for (size_t i = 0; i < 3; i++) {
		const char *io = "duration 2s\nthread hog { cpu 10s }\n"
				 "thread io start 10ms { forever { io 1ms\ncpu 50us } }";
		struct result v = run(io, true, ivs[i]), w = run(io, false, ivs[i]);
		printf("%-34s %6lldms %8.3fms %8.3fms %+6.1f%%\n", "I/O beside a hog: mean GIL wait",
		       (long long)(ivs[i] / MS), (double)v.io_wait_mean_ns / 1e6,
		       (double)w.io_wait_mean_ns / 1e6,
		       100.0 * ((double)v.io_wait_mean_ns - (double)w.io_wait_mean_ns) /
			       (double)w.io_wait_mean_ns);
	}
	/* The same four processes as lesson 9: 2 s of work on 2 cores, so
	 * about 2 s of waiting for a core in all, if nothing else runs. On a
	 * busy machine real time waits longer; then read the second line:
	 * what is not counted as waiting for a core counts as holding, so
	 * real time's holding beyond the 2 s of work is off-core time the
	 * measurement missed (stretches under 100 us, calls under 20 us). */
	const char *procs = "process p * 4 { thread main { cpu 500ms } }";
	struct result v = run(procs, true, 5 * MS), w = run(procs, false, 5 * MS);
	printf("%-34s %8s %9.3fs %9.3fs %+6.1f%%\n", "4 processes: waiting for a core", "5ms",
	       (double)v.core_ns / 1e9, (double)w.core_ns / 1e9,
	       100.0 * ((double)v.core_ns - (double)w.core_ns) / (double)w.core_ns);
	printf("%-34s %8s %9.3fs %9.3fs %+6.1f%%  (of %.3f s of run)\n",
	       "  ... holding (the work: 2 s)", "", (double)v.hold_ns / 1e9,
	       (double)w.hold_ns / 1e9, 100.0 * ((double)w.hold_ns / 2e9 - 1),
	       (double)w.elapsed / 1e9);
	return 0;
}
