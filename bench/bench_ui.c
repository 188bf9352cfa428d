/*
 * bench_ui.c -- what the terminal UI costs: the time to build a frame
 * with 64 threads, the frames per second that allows, the UI thread's
 * share of a core with 8 threads at 30 frames a second, and how much the
 * UI beside a run changes its GIL figures against a headless consumer.
 * The machine may be shared: each UI run sits between two headless runs
 * of the same scenario, so that a change of load affects both sides, and
 * the two headless runs give the noise floor; a few rounds, the median
 * and the least of them printed, with the load average before and after.
 *
 * The UI draws into a real curses screen whose output goes to /dev/null
 * (TERM=xterm-256color, 200x50), so drawing and curses' own diffing are
 * measured; only the terminal's write is not.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "bench.h"
#include "consumer.h"
#include "crt.h"
#include "ui.h"
#include "watch.h"

static const char many_text[] =
	"title \"64 threads\"\n"
	"duration 60s\n"
	"thread cpu * 48 { forever { cpu 5ms } }\n"
	"thread io * 16 { forever { io 1ms cpu 100us } }\n";

static const char eight_text[] =
	"title \"8 threads\"\n"
	"duration 60s\n"
	"thread cpu * 6 { forever { cpu 5ms } }\n"
	"thread io * 2 { forever { io 1ms cpu 100us } }\n";

static void sleep_until(int64_t t);
static struct ui *start(const char *text, struct gv_error *err);

/* Threads that only sleep: the flood below makes their events. */
static const char flood_text[] =
	"title \"a flood of events\"\n"
	"duration 60s\n"
	"thread t * 5 { sleep 60s }\n";

/* A producer of GIL turns for threads 1 to 4 (request, take, drop at a
 * check), stamped with the run's clock, at rate events a second (0: as
 * fast as the ring takes them). */
struct flood {
	struct ring *ring;
	double rate;
	atomic_int stop;
	uint64_t offered;
};

static void *flood_run(void *arg)
{
	struct flood *f = arg;
	uint32_t seq[5] = { 0, 1000, 1000, 1000, 1000 };
	int64_t t0 = bench_now_ns();
	uint64_t n = 0;
	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		if (f->rate > 0 && (double)n > (double)(bench_now_ns() - t0) * f->rate / 1e9) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
			continue;
		}
		for (uint16_t tid = 1; tid <= 4; tid++) {
			static const uint8_t types[] = { EV_GIL_REQUEST, EV_GIL_ACQUIRE, EV_GIL_RELEASE };
			for (int k = 0; k < 3; k++) {
				struct event ev = { .t = (uint64_t)bench_now_ns(), .tid = tid,
						    .type = types[k], .seq = seq[tid]++,
						    .aux = types[k] == EV_GIL_RELEASE ? RELEASE_CHECK : 0 };
				ring_push(f->ring, &ev);
				n++;
			}
		}
	}
	f->offered = n;
	return NULL;
}

/* Frames at 30 a second while a flood offers rate events a second for
 * secs: the events the UI's consumer took a second, the most it was
 * ever behind (events in the ring after a frame) and the events the
 * ring had to drop. */
static void flood_frames(double rate, double secs, double *taken_per_s, double *share,
			 uint64_t *max_behind, uint64_t *dropped)
{
	struct gv_error err;
	struct ui *ui = start(flood_text, &err);
	struct watch *w = ui_watch(ui);
	struct ring *ring = engine_ring(watch_engine(w));
	struct flood f = { .ring = ring, .rate = rate };
	pthread_t th;
	uint64_t e0 = watch_consumer(w)->events, behind = 0;
	int64_t t0 = bench_now_ns(), next = t0;
	pthread_create(&th, NULL, flood_run, &f);
	while (bench_now_ns() - t0 < (int64_t)(secs * 1e9)) {
		ui_frame(ui);
		uint64_t b = ring_pushed(ring) - watch_consumer(w)->events;
		if (b > behind)
			behind = b;
		next += 1000000000 / UI_FPS;
		sleep_until(next);
	}
	atomic_store(&f.stop, 1);
	pthread_join(th, NULL);
	ui_frame(ui); /* what is left */
	uint64_t taken = watch_consumer(w)->events - e0;
	*taken_per_s = (double)taken / ((double)(bench_now_ns() - t0) / 1e9);
	*share = f.offered ? 100.0 * (double)taken / (double)f.offered : 0;
	*max_behind = behind;
	*dropped = ring_dropped(ring);
	ui_destroy(ui);
}

static void sleep_until(int64_t t)
{
	int64_t left = t - bench_now_ns();
	if (left <= 0)
		return;
	struct timespec ts = { left / 1000000000, left % 1000000000 };
	nanosleep(&ts, NULL);
}

static struct ui *start(const char *text, struct gv_error *err)
{
	struct ui_options o = {
		.builtin_text = text,
		.builtin_name = "(bench)",
		.engine = { .policy = -1 },
		.want_color = true,
	};
	return ui_create(&o, err);
}

/* Frames at 30 a second for secs; each frame's time into ft. */
/* Frame times are the UI thread's CPU time: with 64 simulated threads
 * on a few cores, wall time mostly measures preemption. */
static size_t run_frames(struct ui *ui, double secs, int64_t *ft, size_t max,
			 int64_t *cpu_ns, int64_t *wall_ns)
{
	size_t n = 0;
	int64_t t0 = bench_now_ns(), c0 = bench_thread_cpu_ns();
	int64_t next = t0;
	while (bench_now_ns() - t0 < (int64_t)(secs * 1e9) && n < max) {
		int64_t a = bench_thread_cpu_ns();
		ui_frame(ui);
		ft[n++] = bench_thread_cpu_ns() - a;
		next += 1000000000 / UI_FPS;
		sleep_until(next);
	}
	*cpu_ns = bench_thread_cpu_ns() - c0;
	*wall_ns = bench_now_ns() - t0;
	return n;
}

/* Switches per second and mean wait of every thread, from stats. */
static void gil_figures(struct watch *w, double *rate, double *wait_mean)
{
	const struct consumer *c = watch_consumer(w);
	struct stats_gil g;
	int64_t el = watch_elapsed(w);
	stats_gil(c->st, 0, (uint64_t)el, &g);
	*rate = g.switches_per_s;
	uint64_t sum = 0, n = 0;
	for (unsigned i = 0; i < stats_nthreads(c->st); i++) {
		struct stats_thread t;
		stats_thread(c->st, i, watch_t_start(w) + (uint64_t)el, &t);
		sum += t.c.wait_sum_ns;
		n += t.c.waits;
	}
	*wait_mean = n ? (double)sum / (double)n : 0;
}

/* The same run watched headless, as the report watches it. */
static void headless(const char *text, double secs, double *rate, double *wait)
{
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, strlen(text), "(bench)", &err);
	struct watch_options wo = { .sc = sc, .engine = { .policy = -1,
				    .duration_ns = (int64_t)(secs * 1e9) } };
	struct watch *w = watch_open(&wo, &err);
	watch_run(w, NULL);
	gil_figures(w, rate, wait);
	watch_close(w);
	scenario_free(sc);
}

static double pct_diff(double a, double b)
{
	return b ? 100.0 * (a - b) / b : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, size_t n)
{
	double s[16];
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double least(const double *v, size_t n)
{
	double m = v[0];
	for (size_t i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

/* The load average over the last minute, as uptime says it. */
static void print_load(const char *when)
{
	double l[1];
	if (getloadavg(l, 1) == 1)
		printf("load average %s: %.2f (%ld cores)\n", when, l[0], sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void)
{
	setenv("LINES", "50", 1);
	setenv("COLUMNS", "200", 1);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	if (!out || !in || crt_init(out, in, "xterm-256color", true) != 0) {
		fprintf(stderr, "bench_ui: cannot start curses on /dev/null\n");
		return 0;
	}
	static int64_t ft[100000];
	struct gv_error err;
	int64_t cpu, wall;
	print_load("before");

	/* 64 threads: the time to build a frame. */
	struct ui *ui = start(many_text, &err);
	run_frames(ui, 0.5, ft, 100000, &cpu, &wall); /* warm up: fill the window */
	size_t n = run_frames(ui, 3.0, ft, 100000, &cpu, &wall);
	qsort(ft, n, sizeof *ft, bench_cmp_i64);
	double mean = 0;
	for (size_t i = 0; i < n; i++)
		mean += (double)ft[i] / (double)n;
	bench_print("64 threads, 200x50: a frame (UI thread CPU), median", (double)bench_percentile(ft, n, 50) / 1e6, "ms", BENCH_AT_MOST, 2);
	bench_print("64 threads, 200x50: a frame (UI thread CPU), p99", (double)bench_percentile(ft, n, 99) / 1e6, "ms", BENCH_AT_MOST, 0);
	bench_print("64 threads: frames per second reachable (1 / mean)", 1e9 / mean, "fps", BENCH_AT_LEAST, 30);
	ui_destroy(ui);

	/* 8 threads at 30 frames a second: the UI thread's CPU share, and
	 * the run's GIL figures beside headless runs of the same length. */
	enum { ROUNDS = 3 };
	const double secs = 4.0;
	double share[ROUNDS], fps[ROUNDS], rows[ROUNDS], eff_rate[ROUNDS], eff_wait[ROUNDS],
		noise_rate[ROUNDS], noise_wait[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		double a_rate, a_wait, b_rate, b_wait, u_rate, u_wait;
		headless(eight_text, secs, &a_rate, &a_wait);
		ui = start(eight_text, &err);
		n = run_frames(ui, secs, ft, 100000, &cpu, &wall);
		watch_finish(ui_watch(ui), NULL);
		gil_figures(ui_watch(ui), &u_rate, &u_wait);
		long draws = ui_draws(ui), written = ui_rows_drawn(ui);
		ui_destroy(ui);
		headless(eight_text, secs, &b_rate, &b_wait);
		double h_rate = (a_rate + b_rate) / 2, h_wait = (a_wait + b_wait) / 2;
		share[r] = 100.0 * (double)cpu / (double)wall;
		fps[r] = (double)draws / ((double)wall / 1e9);
		rows[r] = draws ? (double)written / (double)draws : 0;
		eff_rate[r] = fabs(pct_diff(u_rate, h_rate));
		eff_wait[r] = fabs(pct_diff(u_wait, h_wait));
		noise_rate[r] = fabs(pct_diff(a_rate, b_rate));
		noise_wait[r] = fabs(pct_diff(a_wait, b_wait));
		printf("8 threads, round %d of %d, %.0f s a run: headless %.1f and %.1f switches/s, "
		       "mean wait %.3f and %.3f ms; with the UI %.1f switches/s, %.3f ms; "
		       "UI thread %.2f%% of a core, %.1f frames drawn a second, %.1f row parts "
		       "written a frame\n",
		       r + 1, ROUNDS, secs, a_rate, b_rate, a_wait / 1e6, b_wait / 1e6, u_rate,
		       u_wait / 1e6, share[r], fps[r], rows[r]);
	}
	bench_print("8 threads, 30 fps: the UI thread's share of a core, median", median(share, ROUNDS), "%", BENCH_AT_MOST, 1);
	bench_print("8 threads, 30 fps: the UI thread's share of a core, least", least(share, ROUNDS), "%", BENCH_AT_MOST, 0);
	bench_print("8 threads: frames drawn a second, median", median(fps, ROUNDS), "fps", BENCH_AT_LEAST, 0);
	bench_print("the UI's effect on switches/s (|difference|), median", median(eff_rate, ROUNDS), "%", BENCH_AT_MOST, 1);
	bench_print("  noise floor: two headless runs, switches/s, median", median(noise_rate, ROUNDS), "%", BENCH_AT_MOST, 0);
	bench_print("the UI's effect on the mean GIL wait (|difference|), median", median(eff_wait, ROUNDS), "%", BENCH_AT_MOST, 1);
	bench_print("  noise floor: two headless runs, mean wait, median", median(noise_wait, ROUNDS), "%", BENCH_AT_MOST, 0);
	bench_print("the UI's effect on switches/s, least of the rounds", least(eff_rate, ROUNDS), "%", BENCH_AT_MOST, 0);
	bench_print("the UI's effect on the mean GIL wait, least of the rounds", least(eff_wait, ROUNDS), "%", BENCH_AT_MOST, 0);
	/* The consumer against a flood, while the UI draws at 30 frames a
	 * second: as fast as the ring takes events, then at 2 million a
	 * second (the free-threaded lesson under the old GIL makes about a
	 * million). */
	double taken;
	uint64_t behind, dropped;
	double taken_share;
	flood_frames(0, 3.0, &taken, &taken_share, &behind, &dropped);
	bench_print("a flood while the UI draws: events the consumer takes a second", taken / 1e6, "M/s", BENCH_AT_LEAST, 5);
	bench_print("  of the events the flood offered", taken_share, "%", BENCH_AT_LEAST, 0);
	flood_frames(2e6, 3.0, &taken, &taken_share, &behind, &dropped);
	bench_print("2 M events/s offered while the UI draws: share taken", taken_share, "%", BENCH_AT_LEAST, 99.9);
	bench_print("2 M events/s offered: most left in the ring after a frame", (double)behind / 2e3, "ms", BENCH_AT_MOST, 1000.0 / UI_FPS);
	bench_print("2 M events/s offered: events dropped", (double)dropped, "events", BENCH_AT_MOST, 0);
	crt_done();
	print_load("after");
	return 0;
}
