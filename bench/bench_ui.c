/*
 * bench_ui.c -- what the terminal UI costs: the time to build a frame
 * with 64 threads, the frames per second that allows, the UI thread's
 * share of a core with 8 threads at 30 frames a second, and how much the
 * UI beside a run changes its GIL figures against the same run unobserved.
 *
 * The effect is measured inside one run, cut into windows of half a
 * second: in some the UI draws at 30 frames a second, in the others
 * nobody touches the run at all (the ring holds its events; they are
 * taken later, and each is counted in the window its stamp falls in).
 * A headless watch that woke every 2 ms to drain was no zero: that
 * alone moved the figures by several percent (now it wakes every
 * WATCH_DRAIN_REAL_NS in real time). The windows go
 * unobserved, UI, unobserved, stand-in, unobserved, UI, ...: each UI
 * window is compared with the mean of the two unobserved windows on
 * either side (so that a drift in the machine's load cancels), and so is
 * each stand-in, unobserved too: the noise floor, worked out the same
 * way. The mean of these signed differences and its 95% confidence
 * interval are printed. The switches in a window are about as noisy as
 * a Poisson count (5% in a second at 270 switches a second), so the
 * interval narrows only with the time spent: 150 s (the default; the
 * whole program then takes under three minutes) resolves about 2%, four
 * times as long about 1% (bench_ui [SECONDS]).
 *
 * What the effect comes from, measured the same way (600 s runs): the
 * UI's CPU time. A loop that only burns the CPU time of a frame at 30 a
 * second moves the figures as much as the UI does; draining the ring at
 * 30 a second without drawing does not; and a UI thread at nice 5 or 10
 * or SCHED_IDLE moves them as much as at nice 0 (SCHED_IDLE frames came
 * up to 0.7 s late). Cheaper frames are the way down.
 *
 * The UI draws into a real curses screen on a pseudo-terminal
 * (TERM=xterm-256color, 200x50) whose other end a thread of this
 * program reads and throws away: drawing, curses' own diffing and the
 * writes to the terminal are measured, as in use; only what a terminal
 * emulator does with the bytes is not. A pty's writes cost more than
 * /dev/null's: curses once made about 95 of them a frame (see crt.c).
 * Where no pty can be had, /dev/null, and it says so.
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

#include <errno.h>
#include <fcntl.h>

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
static struct ui *start(const char *text, int64_t duration_ns, struct gv_error *err);

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
	struct ui *ui = start(flood_text, 0, &err);
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

/* The UI on a run of text, for duration_ns (0: the scenario's). */
static struct ui *start(const char *text, int64_t duration_ns, struct gv_error *err)
{
	struct ui_options o = {
		.builtin_text = text,
		.builtin_name = "(bench)",
		.engine = { .policy = -1, .duration_ns = duration_ns },
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

/* ---- the UI's effect on the run --------------------------------- */

enum { WIN_MAX = 4096 };
#define WIN_NS 500000000LL

/* Per window (by the stamp of each event): the switches, and the GIL
 * waits with their sum, as stats counts them (EV_GIL_ACQUIRE: aux 1 is a
 * switch, arg the wait). The UI's own hook is called first. */
struct windows {
	consumer_hook ui_hook;
	void *ui_arg;
	uint64_t t0; /* the first window's start, on the events' clock */
	size_t n;
	uint64_t switches[WIN_MAX], waits[WIN_MAX], wait_sum[WIN_MAX];
};

static void count_event(void *arg, const struct event *ev, const struct stats *st)
{
	struct windows *wn = arg;
	if (wn->ui_hook)
		wn->ui_hook(wn->ui_arg, ev, st);
	if (ev->type != EV_GIL_ACQUIRE || ev->t < wn->t0)
		return;
	uint64_t k = (ev->t - wn->t0) / WIN_NS;
	if (k >= wn->n)
		return;
	wn->switches[k] += ev->aux == 1;
	wn->waits[k]++;
	wn->wait_sum[k] += ev->arg;
}

/* The windows go unobserved, UI, unobserved, stand-in, unobserved, UI,
 * ... : each UI window and each stand-in (unobserved too) sits between
 * two unobserved windows, which it is compared with. */
static bool ui_draws_in(size_t k)
{
	return k % 4 == 1;
}

/* The 97.5th percentile of Student's t with df degrees of freedom (an
 * expansion about the normal's 1.96: within 0.3% from df 5 up). */
static double t975(double df)
{
	const double z = 1.959964;
	return z + (z * z * z + z) / (4 * df) +
	       (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * df * df);
}

/* The mean of n paired differences d, as a percentage of ref, with the
 * half-width of its 95% confidence interval. */
static void mean_ci(const double *d, size_t n, double ref, double *mean, double *half)
{
	double m = 0, ss = 0;
	for (size_t i = 0; i < n; i++)
		m += d[i] / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (d[i] - m) * (d[i] - m);
	double se = n > 1 ? sqrt(ss / (double)(n - 1) / (double)n) : 0;
	*mean = ref ? 100 * m / ref : 0;
	/* One sample has no spread to go by: its interval is unknown. */
	*half = n < 2 ? NAN : ref ? 100 * t975((double)(n - 1)) * se / ref : 0;
}

/* A signed figure with its interval, against a goal of |x| <= goal:
 * met when the whole interval lies within, MISSED when it lies wholly
 * outside, else not resolved (the run was too short or too noisy, or
 * the interval unknown: NaN). */
static void print_ci(const char *label, double mean, double half, double goal)
{
	char name[96];
	snprintf(name, sizeof name, "%s:", label);
	if (isnan(half))
		printf("%-56s %+8.1f %% (95%% CI unknown: one sample)", name, mean);
	else
		printf("%-56s %+8.1f %% (95%% CI %+.1f .. %+.1f)", name, mean, mean - half,
		       mean + half);
	if (goal > 0) {
		const char *verdict = isnan(half) ? "  (not resolved)"
				      : fabs(mean) + half <= goal ? ""
				      : fabs(mean) - half > goal ? "  MISSED"
								 : "  (not resolved)";
		printf(" (target within +-%g)%s", goal, verdict);
	}
	putchar('\n');
	fflush(stdout);
}

/* One run of the 8-thread scenario for secs, cut into windows: the UI
 * draws at 30 frames a second in its windows and sleeps in the others;
 * a second first, drawn, lets the run and the window settle. */
static void effect_run(const char *text, double secs, struct windows *wn)
{
	struct gv_error err;
	/* Long enough for the warm-up, the windows and some to spare. */
	struct ui *ui = start(text, (int64_t)((secs + 10) * 1e9), &err);
	struct watch *w = ui_watch(ui);
	struct engine *e = watch_engine(w);
	struct consumer *c = watch_consumer(w);
	int64_t ft[64], cpu, wall;
	run_frames(ui, 1.0, ft, 64, &cpu, &wall);
	wn->n = ((size_t)(secs * 1e9 / WIN_NS) - 1) / 4 * 4 + 1;
	if (wn->n > WIN_MAX - 3)
		wn->n = WIN_MAX - 3;
	/* The events' clock is the run's, from watch_t_start. */
	int64_t m0 = bench_now_ns();
	wn->t0 = watch_t_start(w) + (uint64_t)engine_now(e);
	wn->ui_hook = c->hook;
	wn->ui_arg = c->hook_arg;
	c->hook = count_event;
	c->hook_arg = wn;
	for (size_t k = 0; k < wn->n; k++) {
		int64_t end = m0 + (int64_t)(k + 1) * WIN_NS;
		if (!ui_draws_in(k)) {
			sleep_until(end);
			continue;
		}
		for (int64_t next = m0 + (int64_t)k * WIN_NS; next < end; next += 1000000000 / UI_FPS) {
			ui_frame(ui);
			sleep_until(next + 1000000000 / UI_FPS < end ? next + 1000000000 / UI_FPS : end);
		}
	}
	if (engine_wait(e, 0))
		printf("the run ended before its windows did: the figures below are wrong\n");
	watch_finish(w, NULL);
	if (watch_dropped(w))
		printf("the ring dropped %llu events: the figures below are short of them\n",
		       (unsigned long long)watch_dropped(w));
	c->hook = wn->ui_hook;
	c->hook_arg = wn->ui_arg;
	ui_destroy(ui);
}

/* Each UI window against the mean of the unobserved windows on either
 * side (effect), and each stand-in the same way (noise): switches a
 * second and the mean wait. ref: the mean over the unobserved windows. */
static double win_rate(const struct windows *wn, size_t k)
{
	return (double)wn->switches[k] / ((double)WIN_NS / 1e9);
}

static double win_wait(const struct windows *wn, size_t k)
{
	return wn->waits[k] ? (double)wn->wait_sum[k] / (double)wn->waits[k] : 0;
}

/* Window k's figure less the mean of its two neighbours'. */
static double against_neighbours(double (*fig)(const struct windows *, size_t),
				 const struct windows *wn, size_t k)
{
	return fig(wn, k) - (fig(wn, k - 1) + fig(wn, k + 1)) / 2;
}

static void effect_samples(const struct windows *wn, double *eff_rate, double *eff_wait,
			   double *noise_rate, double *noise_wait, double *ref_rate,
			   double *ref_wait, size_t *nsamples)
{
	size_t n = 0, nref = 0;
	double rr = 0, rw = 0;
	for (size_t k = 1; k + 3 < wn->n; k += 4, n++) {
		size_t s = k + 2; /* the stand-in */
		eff_rate[n] = against_neighbours(win_rate, wn, k);
		eff_wait[n] = against_neighbours(win_wait, wn, k);
		noise_rate[n] = against_neighbours(win_rate, wn, s);
		noise_wait[n] = against_neighbours(win_wait, wn, s);
	}
	for (size_t k = 0; k < wn->n; k += 2, nref++) {
		rr += win_rate(wn, k);
		rw += win_wait(wn, k);
	}
	*ref_rate = nref ? rr / (double)nref : 0;
	*ref_wait = nref ? rw / (double)nref : 0;
	*nsamples = n;
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

/* The far end of the pty: read and thrown away, as fast as it comes. */
static void *terminal_drain(void *arg)
{
	int fd = *(int *)arg;
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	return NULL;
}

/* The UI's terminal: a pty with a reader, else /dev/null. */
static const char *open_terminal(FILE **out, FILE **in)
{
	static int master = -1;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	const char *name = master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0
				   ? ptsname(master) : NULL;
	int fd = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	pthread_t t;
	if (fd >= 0 && pthread_create(&t, NULL, terminal_drain, &master) == 0) {
		pthread_detach(t);
		*out = fdopen(fd, "w");
		*in = fdopen(dup(fd), "r");
		return "a pseudo-terminal";
	}
	if (fd >= 0)
		close(fd);
	*out = fopen("/dev/null", "w");
	*in = fopen("/dev/null", "r");
	return "/dev/null (no pseudo-terminal to be had)";
}

int main(int argc, char **argv)
{
	double effect_secs = argc > 1 ? atof(argv[1]) : 150;
	if (!(effect_secs >= 4)) {
		fprintf(stderr, "usage: bench_ui [SECONDS]: the effect run's length, at least 4\n");
		return 2;
	}
	setenv("LINES", "50", 1);
	setenv("COLUMNS", "200", 1);
	FILE *out, *in;
	const char *where = open_terminal(&out, &in);
	if (!out || !in || crt_init(out, in, "xterm-256color", true) != 0) {
		fprintf(stderr, "bench_ui: cannot start curses on %s\n", where);
		return 0;
	}
	printf("the UI draws on %s\n", where);
	static int64_t ft[100000];
	struct gv_error err;
	int64_t cpu, wall;
	print_load("before");

	/* 64 threads: the time to build a frame. */
	struct ui *ui = start(many_text, 0, &err);
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

	/* 8 threads at 30 frames a second: the UI thread's CPU share. */
	enum { ROUNDS = 3 };
	const double secs = 4.0;
	double share[ROUNDS], fps[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		ui = start(eight_text, 0, &err);
		n = run_frames(ui, secs, ft, 100000, &cpu, &wall);
		long draws = ui_draws(ui), written = ui_rows_drawn(ui);
		ui_destroy(ui);
		share[r] = 100.0 * (double)cpu / (double)wall;
		fps[r] = (double)draws / ((double)wall / 1e9);
		printf("8 threads, round %d of %d, %.0f s: UI thread %.2f%% of a core, %.1f frames "
		       "drawn a second, %.1f row parts written a frame\n",
		       r + 1, ROUNDS, secs, share[r], fps[r], draws ? (double)written / (double)draws : 0);
	}
	bench_print("8 threads, 30 fps: the UI thread's share of a core, median", median(share, ROUNDS), "%", BENCH_AT_MOST, 1);
	bench_print("8 threads, 30 fps: the UI thread's share of a core, least", least(share, ROUNDS), "%", BENCH_AT_MOST, 0);
	bench_print("8 threads: frames drawn a second, median", median(fps, ROUNDS), "fps", BENCH_AT_LEAST, 0);

	/* The UI's effect on the run, against the run unobserved. */
	static struct windows wn;
	static double er[WIN_MAX / 4], ew[WIN_MAX / 4], nr[WIN_MAX / 4], nw[WIN_MAX / 4];
	double ref_rate, ref_wait, m, h;
	size_t nsamp;
	print_load("before the effect run");
	effect_run(eight_text, effect_secs, &wn);
	effect_samples(&wn, er, ew, nr, nw, &ref_rate, &ref_wait, &nsamp);
	printf("8 threads, one run of %.1f s in windows of %.1f s: %zu with the UI drawing and "
	       "%zu stand-ins, each between two unobserved windows (%.1f switches/s, mean wait "
	       "%.3f ms)\n",
	       (double)wn.n * WIN_NS / 1e9, WIN_NS / 1e9, nsamp, nsamp, ref_rate, ref_wait / 1e6);
	print_load("after the effect run");
	mean_ci(er, nsamp, ref_rate, &m, &h);
	print_ci("the UI's effect on switches/s (signed), mean", m, h, 1);
	mean_ci(nr, nsamp, ref_rate, &m, &h);
	print_ci("  noise floor: unobserved against unobserved, the same", m, h, 0);
	mean_ci(ew, nsamp, ref_wait, &m, &h);
	print_ci("the UI's effect on the mean GIL wait (signed), mean", m, h, 1);
	mean_ci(nw, nsamp, ref_wait, &m, &h);
	print_ci("  noise floor: unobserved against unobserved, the same", m, h, 0);
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
