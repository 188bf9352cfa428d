/*
 * bench_cases.c -- gilviz beside real CPython, case by case.
 *
 * Each case is a scenario run by the engine in real time, and the same
 * program in Python (bench/cpython_cases.py), measured the same way:
 *   1. four threads of `spin 1s`: wall time;
 *   2. `cpu X` in one thread, then in each of four: the ratio of wall times
 *      (the median over 15 alternating pairs of 50 ms runs);
 *   3. four threads of `sleep 0.5s`: wall time;
 *   4. two CPU-bound threads: switches per second at 1, 5, 20 ms; four
 *      at 5 ms;
 *   5. an I/O thread sleeping 1 ms in a loop beside one, then two CPU-bound
 *      threads: its extra delay past the 1 ms after each wake-up (p50,
 *      mean, p99) at 1, 5, 20 ms, over 4 s (at 20 ms, 1 s gave twenty
 *      waits: too few for a p99), in real time the median of as many runs
 *      as Python's, each figure on its own; with two, also the share of
 *      the forced handoffs it waited through that the hog which had set
 *      the drop request won (gilviz only: CPython's events are not seen);
 *   6. four threads of native code that releases the GIL (hashlib on a
 *      large buffer): speed-up over one;
 *   7. an I/O thread beside C code that holds the GIL (`sum(range(n))`):
 *      its wake-up delay;
 *   8. forty such calls of about 50 ms in a loop beside a thread that sleeps
 *      1 ms: its wait after each wake-up (the loop checks the eval breaker
 *      between calls, so it gets in after each one).
 *      In 7 and 8 the waits are the rest of a call, and this machine's
 *      speed moves the calls' lengths by up to half within a run: gilviz
 *      replays the lengths the calls took in the Python run with the
 *      median call, in their order, and that run's waits are the CPython
 *      column (the min-max column is still every run's).
 * Each case runs in real time and again in virtual time (the machine's
 * cores, seed 1), so the table shows both beside CPython. The Python
 * script runs first, RUNS times (3 by default): the CPython column is the
 * median of its runs and the min-max column their spread, CPython's own
 * noise to judge gilviz's differences by. Its figures (the length of one
 * hashlib or sum() call) set the sizes of the gilviz cases 6 and 7.
 *
 * Usage: bench_cases [--python PYTHON] [--script FILE] [--scale S] [--runs N]
 *                    [--virtual-only]
 * (--virtual-only skips the real-time column: quick, for tuning the model.)
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "engine.h"
#include "scenario.h"

#define MS 1000000LL
#define MAXLINES 64
#define MAXRUNS 9

static double scale = 1.0;
static bool in_virtual; /* measuring the virtual column */
static bool virtual_only; /* no real-time column */
static char *py_lines[MAXRUNS][MAXLINES]; /* whole lines, however long */
static int py_nlines[MAXRUNS];
static int py_runs;

/* A figure from run k of the Python script: the line of this case that
 * has both filters (substrings such as "\"hogs\": 2,"; NULL for none),
 * then the value of field. -1 if missing. */
static double py_run(int k, const char *kase, const char *f1, const char *f2,
		     const char *field)
{
	char want_case[128], want_field[128];
	snprintf(want_case, sizeof want_case, "\"case\": \"%s\"", kase);
	snprintf(want_field, sizeof want_field, "\"%s\": ", field);
	for (int i = 0; i < py_nlines[k]; i++) {
		const char *l = py_lines[k][i];
		if (!strstr(l, want_case) || (f1 && !strstr(l, f1)) || (f2 && !strstr(l, f2)))
			continue;
		const char *at = strstr(l, want_field);
		double v;
		if (at && sscanf(at + strlen(want_field), "%lf", &v) == 1)
			return v;
	}
	return -1;
}

/* A figure over every run: its median, and the smallest and largest. */
struct pyfig {
	double med, min, max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct pyfig py(const char *kase, const char *f1, const char *f2, const char *field)
{
	double v[MAXRUNS];
	int n = 0;
	for (int k = 0; k < py_runs; k++) {
		double x = py_run(k, kase, f1, f2, field);
		if (x >= 0)
			v[n++] = x;
	}
	if (!n)
		return (struct pyfig){ -1, -1, -1 };
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	return (struct pyfig){ v[n / 2], v[0], v[n - 1] };
}

/* The run whose field is the median of the runs' (-1: no run has it). */
static int py_pick(const char *kase, const char *field)
{
	struct pyfig f = py(kase, NULL, NULL, field);
	for (int k = 0; k < py_runs && f.med >= 0; k++)
		if (py_run(k, kase, NULL, NULL, field) == f.med)
			return k;
	return -1;
}

/* A figure of run k beside the spread of every run's. */
static struct pyfig py_of_run(int k, const char *kase, const char *field)
{
	struct pyfig f = py(kase, NULL, NULL, field);
	f.med = k >= 0 ? py_run(k, kase, NULL, NULL, field) : -1;
	return f;
}

/* The list of numbers in field (`"field": [1.5, 2, ...]`) of run k's line
 * of this case: how many; 0, with a warning, if it does not end or has
 * more than max. */
static size_t py_list(int k, const char *kase, const char *field, double *out, size_t max)
{
	char want_case[128], want_field[128];
	snprintf(want_case, sizeof want_case, "\"case\": \"%s\"", kase);
	snprintf(want_field, sizeof want_field, "\"%s\": [", field);
	for (int i = 0; k >= 0 && i < py_nlines[k]; i++) {
		const char *l = py_lines[k][i], *at = strstr(l, want_field);
		if (!strstr(l, want_case) || !at)
			continue;
		size_t n = 0;
		char *end;
		for (at += strlen(want_field);; at = end + 1) {
			double x = strtod(at, &end);
			if (end == at)
				break;
			if (n == max) {
				fprintf(stderr, "bench_cases: %s: more than %zu %s; not replayed\n",
					kase, max, field);
				return 0;
			}
			out[n++] = x;
			end += strspn(end, " ");
			if (*end != ',')
				break;
		}
		if (*end != ']') {
			fprintf(stderr, "bench_cases: %s: %s does not end; not replayed\n", kase, field);
			return 0;
		}
		return n;
	}
	return 0;
}

/* Python's C calls as gilviz ops, in the order they ran: "native_hold
 * 41.2ms<then> native_hold 65.3ms<then> ...". */
static void holds(char *buf, size_t len, const double *ms, size_t n, const char *then)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "native_hold %.3fms%s\n", ms[i], then);
}

/* Where the first of these calls (each followed by gap_ms of work) to
 * end after after_ms ends: where an I/O thread started then begins its
 * first sleep in CPython, whose new thread needs the GIL to start. */
static double first_end_after(const double *ms, size_t n, double gap_ms, double after_ms)
{
	double t = 0;
	for (size_t i = 0; i < n; i++) {
		t += ms[i] + gap_ms;
		if (t >= after_ms)
			return t;
	}
	return after_ms;
}

static const char *key(char *buf, size_t len, const char *name, int value)
{
	snprintf(buf, len, "\"%s\": %d,", name, value);
	return buf;
}

static void run_python(const char *python, const char *script, int k)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "'%s' '%s' %g", python, script, scale);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (py_nlines[k] < MAXLINES && getline(&line, &cap, p) > 0) {
		py_lines[k][py_nlines[k]++] = line;
		line = NULL;
		cap = 0;
	}
	free(line);
	pclose(p);
}

struct result {
	char *text; /* the scenario's */
	struct scenario *sc;
	struct engine *e;
	struct event *evs;
	size_t n, cap;
	double elapsed_s;
};

static void drain(struct result *r)
{
	for (;;) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 1u << 16;
			r->evs = xreallocarray(r->evs, r->cap, sizeof *r->evs);
		}
		size_t got = ring_pop(engine_ring(r->e), r->evs + r->n, r->cap - r->n);
		if (!got)
			return;
		r->n += got;
	}
}

static void run(struct result *r, const char *fmt, ...) GV_PRINTF(2, 3);

static void run(struct result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *text = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(text, (size_t)len + 1, fmt, ap);
	va_end(ap);
	memset(r, 0, sizeof *r);
	r->text = text;
	struct gv_error err;
	r->sc = scenario_parse(text, strlen(text), "bench", &err);
	if (!r->sc) {
		char msg[1024];
		gv_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "bench_cases: %s\n%s\n", msg, text);
		exit(1);
	}
	/* Virtual time models this machine's cores, with a fixed seed. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct engine_options o = {
		.policy = -1,
		.virtual_time = in_virtual,
		.cores = cores > 0 ? (unsigned)cores : 1,
		.seed = 1,
	};
	r->e = engine_create(r->sc, &o, &err);
	engine_start(r->e);
	/* The drain is the observer: in real time it wakes as seldom as the
	 * ring allows (its 1M events are seconds of these cases), because a
	 * thread waking every few ms beside the run changes the OS's choices
	 * (take_gil's steps in C with two hogs and an I/O thread, a loaded
	 * machine: the I/O thread's mean wait at 5 ms fell from 13-16 to
	 * 10-12 ms when a thread slept 5 ms in a loop beside them). */
	while (!engine_wait(r->e, in_virtual ? 5 * MS : 50 * MS))
		drain(r);
	drain(r);
	r->elapsed_s = (double)engine_elapsed(r->e) / 1e9;
}

static void done(struct result *r);

/* The shortest wall time of a few runs, as the Python side measures. */
static double best_of(int n, const char *fmt, ...) GV_PRINTF(2, 3);

static double best_of(int n, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	double best = 1e300;
	for (int i = 0; i < n; i++) {
		struct result r;
		run(&r, "%s", text);
		if (r.elapsed_s < best)
			best = r.elapsed_s;
		done(&r);
	}
	return best;
}

/* Four threads' wall time over one's, as the Python side measures it:
 * short runs alternate one, four, one, ...; each four over the mean of
 * the ones either side of it; the median of those (cpython_cases.py,
 * paired_ratio, says why). In virtual time every pair is the same. */
static double paired_ratio(int pairs, double unit_ms)
{
	double ratios[64], prev = best_of(1, "thread t { cpu %gms }", unit_ms);
	if (pairs > (int)GV_ARRAY_LEN(ratios))
		pairs = (int)GV_ARRAY_LEN(ratios);
	for (int i = 0; i < pairs; i++) {
		double four = best_of(1, "thread t * 4 { cpu %gms }", unit_ms);
		double one = best_of(1, "thread t { cpu %gms }", unit_ms);
		ratios[i] = four / ((prev + one) / 2);
		prev = one;
	}
	qsort(ratios, (size_t)pairs, sizeof ratios[0], cmp_double);
	return ratios[pairs / 2];
}

static void done(struct result *r)
{
	engine_destroy(r->e);
	scenario_free(r->sc);
	free(r->text);
	free(r->evs);
}

/* The extra delay past its sleep of thread tid after each wake-up: from
 * its blocking release to holding the GIL again, less the sleep. */
static void wakeups(const struct result *r, int tid, int64_t sleep_ns, double *mean_ms,
		    double *p50_ms, double *p99_ms)
{
	int64_t *d = xmalloc((r->n + 1) * sizeof *d);
	size_t nd = 0;
	int64_t released = -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->evs[i];
		if (e->tid != tid)
			continue;
		if (e->type == EV_GIL_RELEASE && e->aux == RELEASE_BLOCKING)
			released = (int64_t)e->t;
		else if (e->type == EV_GIL_ACQUIRE && released >= 0) {
			d[nd++] = (int64_t)e->t - released - sleep_ns;
			released = -1;
		}
	}
	double sum = 0;
	for (size_t i = 0; i < nd; i++)
		sum += (double)d[i];
	*mean_ms = nd ? sum / (double)nd / 1e6 : 0;
	*p50_ms = (double)bench_percentile(d, nd, 50) / 1e6;
	*p99_ms = (double)bench_percentile(d, nd, 99) / 1e6;
	free(d);
}

/* Of the forced handoffs that thread io waited through, the share (in %)
 * the thread that had set the drop request won: the race of take_gil's
 * requester, not yet asleep, against the oldest waiter the futex wakes
 * (sync_real.c, real_cpu; sync_virtual.c, cond_pick). */
static double requester_share(const struct result *r, int io)
{
	bool io_waits = false;
	int requester = -1;
	unsigned won = 0, all = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->evs[i];
		if (e->tid == io && e->type == EV_GIL_REQUEST)
			io_waits = true;
		else if (e->type == EV_DROP_REQUEST && io_waits)
			requester = e->tid;
		else if (e->type == EV_GIL_ACQUIRE && e->aux == 1 && requester >= 0) {
			all++;
			won += e->tid == requester;
			requester = -1;
		}
		if (e->tid == io && e->type == EV_GIL_ACQUIRE)
			io_waits = false;
	}
	return all ? 100.0 * won / all : 0;
}

/* The table: every figure measured in real time first, then the same
 * cases again in virtual time, row by row in the same order. */
static struct {
	char label[96];
	double real, virt;
	struct pyfig py;
} rows[64];
static int nrows, cursor;

static void row(const char *what, double mine, struct pyfig theirs)
{
	if (!in_virtual || virtual_only) {
		if (nrows == (int)GV_ARRAY_LEN(rows))
			return;
		snprintf(rows[nrows].label, sizeof rows[nrows].label, "%s", what);
		rows[nrows].real = virtual_only ? 0 : mine;
		rows[nrows].virt = mine;
		rows[nrows].py = theirs;
		nrows++;
	} else if (cursor < nrows) {
		rows[cursor++].virt = mine;
	}
}

/* The bounds for a figure against the CPython column (the median
 * of the runs; in 7 and 8 the replayed run's): within 10%, or for
 * virtual time's p99 a factor 1.5. Outside them, "spread" if the figure
 * is still within CPython's own runs (min-max), else "OUT". */
static const char *verdict(double mine, const struct pyfig *py, bool p99_virtual)
{
	double r = mine / py->med, lo = p99_virtual ? 1 / 1.5 : 0.9, hi = p99_virtual ? 1.5 : 1.1;
	if (r >= lo && r <= hi)
		return "ok";
	return mine >= py->min && mine <= py->max ? "spread" : "OUT";
}

static void print_rows(void)
{
	printf("  %-46s %8s %8s %8s %17s %7s %7s  %s\n", "", "real", "virtual", "CPython",
	       "CPython min-max", "real/Py", "virt/Py", "bounds: real, virtual");
	int out[2] = { 0, 0 };
	for (int i = 0; i < nrows; i++) {
		printf("  %-46s %8.3f %8.3f ", rows[i].label, rows[i].real, rows[i].virt);
		if (rows[i].py.med > 0) {
			char spread[40];
			snprintf(spread, sizeof spread, "%.3f-%.3f", rows[i].py.min, rows[i].py.max);
			bool p99 = strstr(rows[i].label, "p99") != NULL;
			const char *vr = virtual_only ? "-" : verdict(rows[i].real, &rows[i].py, false);
			const char *vv = verdict(rows[i].virt, &rows[i].py, p99);
			out[0] += !strcmp(vr, "OUT");
			out[1] += !strcmp(vv, "OUT");
			printf("%8.3f %17s %7.3f %7.3f  %s, %s\n", rows[i].py.med, spread,
			       rows[i].real / rows[i].py.med, rows[i].virt / rows[i].py.med, vr, vv);
		} else {
			printf("%8s\n", "-");
		}
	}
	printf("  bounds: within 10%% of the CPython column (virtual p99: a factor 1.5); "
	       "\"spread\": outside, but within CPython's own runs. OUT: real %d, virtual %d\n",
	       out[0], out[1]);
}

static void measure(void);

int main(int argc, char **argv)
{
	const char *python = NULL, *script = "bench/cpython_cases.py";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--python") && i + 1 < argc)
			python = argv[++i];
		else if (!strcmp(argv[i], "--script") && i + 1 < argc)
			script = argv[++i];
		else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
			scale = atof(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			py_runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--virtual-only"))
			virtual_only = true;
		else {
			fprintf(stderr, "usage: bench_cases [--python PYTHON] [--script FILE] [--scale S] [--runs N] [--virtual-only]\n");
			return 2;
		}
	}
	if (py_runs < 1 || py_runs > MAXRUNS)
		py_runs = 3;
	if (python && *python)
		for (int k = 0; k < py_runs; k++)
			run_python(python, script, k);
	if (!py_nlines[0])
		printf("  (no CPython figures: python3 not found or the script failed)\n");
	in_virtual = virtual_only;
	measure();
	if (!virtual_only) {
		in_virtual = true;
		measure();
	}
	print_rows();
	return 0;
}

/* Every case once, in the current time mode. */
static void measure(void)
{
	struct result r;
	char what[128], k1[64], k2[64];

	run(&r, "thread t * 4 { spin %gms }", 1000 * scale);
	row("1. 4 threads of spin 1s: wall s", r.elapsed_s, py("spin4", NULL, NULL, "wall_s"));
	done(&r);

	double pairs = py("cpu_1_vs_4", NULL, NULL, "pairs").med;
	row("2. cpu X in 4 threads / in 1: wall ratio",
	    paired_ratio(in_virtual ? 1 : pairs > 0 ? (int)pairs : 15, 50 * scale),
	    py("cpu_1_vs_4", NULL, NULL, "ratio"));

	run(&r, "thread t * 4 { sleep %gms }", 500 * scale);
	row("3. 4 threads of sleep 0.5s: wall s", r.elapsed_s, py("sleep4", NULL, NULL, "wall_s"));
	done(&r);

	static const int ms[] = { 1, 5, 20 };
	static const int sw[][2] = { { 2, 1 }, { 2, 5 }, { 2, 20 }, { 4, 5 } };
	for (int i = 0; i < 4; i++) {
		run(&r, "interval %dms\nthread t * %d { spin %gms }", sw[i][1], sw[i][0],
		    1000 * scale);
		struct gil_counters c;
		engine_gil_counters(r.e, 0, &c);
		snprintf(what, sizeof what, "4. %d CPU threads, %2d ms: switches/s", sw[i][0], sw[i][1]);
		row(what, (double)c.switches / r.elapsed_s,
		    py("switch_rate", key(k1, sizeof k1, "threads", sw[i][0]),
		       key(k2, sizeof k2, "interval_ms", sw[i][1]), "switches_per_s"));
		done(&r);
	}

	for (int hogs = 1; hogs <= 2; hogs++) {
		for (int i = 0; i < 3; i++) {
			/* The hogs are threads 0..hogs-1; the I/O thread starts
			 * 50 ms later, as in the Python script. In real time
			 * the median of as many runs as Python's: which thread
			 * wins a handoff moves from run to run, as CPython's. */
			int reps = in_virtual ? 1 : py_runs;
			double f[4][MAXRUNS];
			for (int j = 0; j < reps; j++) {
				run(&r, "interval %dms\nduration %gms\n"
					"thread hog * %d { forever { cpu 1ms } }\n"
					"thread io start 50ms { forever { sleep 1ms cpu 1us } }\n",
				    ms[i], 50 + 4000 * scale, hogs);
				wakeups(&r, hogs, 1 * MS, &f[0][j], &f[1][j], &f[2][j]);
				f[3][j] = requester_share(&r, hogs);
				done(&r);
			}
			for (int q = 0; q < 4; q++)
				qsort(f[q], (size_t)reps, sizeof f[q][0], cmp_double);
			double mean = f[0][reps / 2], p50 = f[1][reps / 2], p99 = f[2][reps / 2];
			key(k1, sizeof k1, "hogs", hogs);
			key(k2, sizeof k2, "interval_ms", ms[i]);
			snprintf(what, sizeof what, "5. I/O beside %d CPU, %2d ms: delay p50 ms", hogs, ms[i]);
			row(what, p50, py("convoy", k1, k2, "p50_ms"));
			snprintf(what, sizeof what, "   I/O beside %d CPU, %2d ms: delay mean ms", hogs, ms[i]);
			row(what, mean, py("convoy", k1, k2, "mean_ms"));
			snprintf(what, sizeof what, "   I/O beside %d CPU, %2d ms: delay p99 ms", hogs, ms[i]);
			row(what, p99, py("convoy", k1, k2, "p99_ms"));
			if (hogs == 2) {
				snprintf(what, sizeof what, "   ... handoffs the requester won, %%");
				row(what, f[3][reps / 2], (struct pyfig){ -1, -1, -1 });
			}
		}
	}

	/* 6. The length of one hashlib call, from Python (30 ms otherwise). */
	double call_ms = py("native4", NULL, NULL, "call_ms").med;
	double calls = py("native4", NULL, NULL, "calls").med;
	if (call_ms <= 0 || calls <= 0) {
		call_ms = 30;
		calls = 500 * scale / call_ms;
	}
	double one = best_of(3, "thread t { repeat %.0f { native %gms cpu 10us } }", calls, call_ms);
	double four = best_of(3, "thread t * 4 { repeat %.0f { native %gms cpu 10us } }", calls, call_ms);
	row("6. 4 threads of native code: speed-up over 1", 4 * one / four,
	    py("native4", NULL, NULL, "speedup"));

	/* 7. C code that holds the GIL for one sum() call at a time: the
	 * calls of the Python run with the median call, each as long as it
	 * was, then calls of the median length; that run's figures beside. */
	static double lengths[4096];
	static char ops[sizeof lengths / sizeof lengths[0] * 40];
	int k = py_pick("native_hold", "call_ms");
	size_t nl = py_list(k, "native_hold", "lengths_ms", lengths, GV_ARRAY_LEN(lengths));
	holds(ops, sizeof ops, lengths, nl, " cpu 1us");
	call_ms = k >= 0 ? py_run(k, "native_hold", NULL, NULL, "call_ms") : 30;
	double io_start = first_end_after(lengths, nl, 0.001, 50);
	run(&r, "interval 5ms\nduration %gms\n"
		"thread c {\n%s forever { native_hold %gms cpu 1us } }\n"
		"thread io start %gms { forever { sleep 1ms cpu 1us } }\n",
	    io_start + 1000 * scale, ops, call_ms, io_start);
	double mean, p50, p99;
	wakeups(&r, 1, 1 * MS, &mean, &p50, &p99);
	snprintf(what, sizeof what, "7. I/O beside %.0f ms C calls: delay mean ms", call_ms);
	row(what, mean, py_of_run(k, "native_hold", "mean_ms"));
	row("   ... delay p99 ms", p99, py_of_run(k, "native_hold", "p99_ms"));
	done(&r);

	/* 8. Forty C calls of about 50 ms in a loop: the loop checks between
	 * calls. Each call as long as Python's calls were as they ran. */
	k = py_pick("native_hold_loop", "call_ms");
	nl = py_list(k, "native_hold_loop", "lengths_ms", lengths, GV_ARRAY_LEN(lengths));
	if (!nl) {
		nl = (size_t)(40 * scale < 1 ? 1 : 40 * scale);
		if (nl > GV_ARRAY_LEN(lengths))
			nl = GV_ARRAY_LEN(lengths);
		for (size_t i = 0; i < nl; i++)
			lengths[i] = 50;
	}
	double total = 0;
	for (size_t i = 0; i < nl; i++)
		total += lengths[i];
	holds(ops, sizeof ops, lengths, nl, "");
	call_ms = k >= 0 ? py_run(k, "native_hold_loop", NULL, NULL, "call_ms") : 50;
	run(&r, "interval 5ms\nduration %.0fms\n"
		"thread c {\n%s}\n"
		"thread io start %gms { forever { sleep 1ms cpu 1us } }\n",
	    total + 20, ops, first_end_after(lengths, nl, 0, 10));
	/* The sleeper's loop outlives the C calls: only its waits while
	 * the calls run count, as in the Python script. */
	int64_t c_end = 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.evs[i].tid == 0 && r.evs[i].type == EV_THREAD_END)
			c_end = (int64_t)r.evs[i].t;
	size_t keep = 0;
	for (size_t i = 0; i < r.n; i++)
		if ((int64_t)r.evs[i].t <= c_end)
			r.evs[keep++] = r.evs[i];
	r.n = keep;
	wakeups(&r, 1, 1 * MS, &mean, &p50, &p99);
	snprintf(what, sizeof what, "8. sleeper beside %zu x %.0f ms C calls: p50 ms", nl, call_ms);
	row(what, p50, py_of_run(k, "native_hold_loop", "p50_ms"));
	row("   ... mean ms", mean, py_of_run(k, "native_hold_loop", "mean_ms"));
	done(&r);
}
