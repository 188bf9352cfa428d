/*
 * bench_gil.c -- the new GIL's handoff and switch rate, at the GIL's own
 * interface (no engine, no scenario).
 *
 * Measures, on real threads:
 *   - the switch rate of two CPU-bound threads at intervals of 1, 5, 20 ms;
 *   - the handoff: from a waiter setting the drop request to that waiter
 *     holding the GIL (median, p99);
 *   - the wake-up delay of a thread that sleeps 1 ms in a loop beside one
 *     CPU-bound thread: how long past its 1 ms it runs again (mean, p50,
 *     p99) -- about one interval plus the handoff.
 * The same switch rates and wake-up delays, measured through scenarios and
 * beside real CPython, are cases 4 and 5 of bench_cases; CPython has no
 * way to show the handoff itself, which is why it is measured here.
 *
 * Usage: bench_gil [--seconds S]
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gil.h"
#include "ring.h"
#include "sync.h"

#define MS 1000000LL

static const int intervals_ms[] = { 1, 5, 20 };
#define NINTERVALS 3

struct figures {
	double switches_per_s[NINTERVALS];
	double handoff_p50_us[NINTERVALS], handoff_p99_us[NINTERVALS];
	double wake_mean_ms[NINTERVALS], wake_p50_ms[NINTERVALS], wake_p99_ms[NINTERVALS];
};

struct run {
	struct sync *sync;
	struct ring *ring;
	struct gil *gil;
	int64_t run_ns;
	atomic_int done;
};

struct worker {
	struct run *r;
	uint16_t tid;
	int64_t *delays;
	size_t ndelays, cap;
};

static void *hog_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	struct gil_thread t;
	gil_thread_init(&t, r->gil, w->tid);
	gil_take(&t);
	if (r->run_ns) {
		gil_run_until(&t, sync_now(r->sync) + r->run_ns);
	} else {
		/* Until the I/O thread is done. */
		while (!atomic_load(&r->done))
			gil_run_ticks(&t, 1000);
	}
	gil_drop(&t, RELEASE_EXIT);
	return NULL;
}

static void *io_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	struct sync *s = r->sync;
	struct gil_thread t;
	gil_thread_init(&t, r->gil, w->tid);
	gil_take(&t);
	int64_t end = sync_now(s) + r->run_ns;
	while (sync_now(s) < end && w->ndelays < w->cap) {
		int64_t t0 = sync_now(s);
		gil_drop(&t, RELEASE_BLOCKING);
		s->ops->sleep(s, 1 * MS);
		gil_take(&t);
		w->delays[w->ndelays++] = sync_now(s) - t0 - 1 * MS;
	}
	gil_drop(&t, RELEASE_EXIT);
	atomic_store(&r->done, 1);
	return NULL;
}

static void run_init(struct run *r, int ms, int64_t run_ns)
{
	r->sync = sync_real_create();
	r->ring = ring_create(1u << 22);
	ring_touch(r->ring); /* as a real-time run does */
	r->gil = gil_create(GIL_NEW, r->sync, r->ring, 0);
	gil_set_interval(r->gil, ms * MS);
	r->run_ns = run_ns;
	atomic_init(&r->done, 0);
}

static void run_fini(struct run *r)
{
	gil_destroy(r->gil);
	ring_destroy(r->ring);
	sync_destroy(r->sync);
}

/* Drop request set by X at t1, X holding the GIL at t2: one handoff. */
static size_t handoffs(struct ring *ring, int64_t *out, size_t max)
{
	static struct event evs[1u << 16];
	int64_t pending[2] = { -1, -1 };
	size_t n = 0, got;
	while ((got = ring_pop(ring, evs, 1u << 16)) > 0) {
		for (size_t i = 0; i < got; i++) {
			const struct event *e = &evs[i];
			if (e->tid > 1)
				continue;
			if (e->type == EV_DROP_REQUEST && pending[e->tid] < 0)
				pending[e->tid] = (int64_t)e->t;
			else if (e->type == EV_GIL_ACQUIRE && pending[e->tid] >= 0) {
				if (n < max)
					out[n++] = (int64_t)e->t - pending[e->tid];
				pending[e->tid] = -1;
			}
		}
	}
	return n;
}

static void measure_gilviz(struct figures *f, double seconds)
{
	int64_t run_ns = (int64_t)(seconds * 1e9);
	size_t cap = 1u << 16;
	int64_t *buf = malloc(cap * sizeof *buf);
	for (int i = 0; i < NINTERVALS; i++) {
		struct run r;
		run_init(&r, intervals_ms[i], run_ns);
		struct worker w[2] = { { &r, 0, NULL, 0, 0 }, { &r, 1, NULL, 0, 0 } };
		pthread_t th[2];
		int64_t t0 = sync_now(r.sync);
		for (int k = 0; k < 2; k++)
			pthread_create(&th[k], NULL, hog_main, &w[k]);
		for (int k = 0; k < 2; k++)
			pthread_join(th[k], NULL);
		int64_t elapsed = sync_now(r.sync) - t0;
		struct gil_counters c;
		gil_counters(r.gil, &c);
		f->switches_per_s[i] = (double)c.switches / ((double)elapsed / 1e9);
		size_t n = handoffs(r.ring, buf, cap);
		f->handoff_p50_us[i] = (double)bench_percentile(buf, n, 50) / 1e3;
		f->handoff_p99_us[i] = (double)bench_percentile(buf, n, 99) / 1e3;
		run_fini(&r);
	}
	for (int i = 0; i < NINTERVALS; i++) {
		struct run r;
		run_init(&r, intervals_ms[i], run_ns);
		r.run_ns = run_ns;
		struct worker hog = { &r, 0, NULL, 0, 0 };
		struct worker io = { &r, 1, buf, 0, cap };
		pthread_t th[2];
		/* Let the hog take the GIL first, as the Python script does. */
		int64_t keep = r.run_ns;
		r.run_ns = 0;
		pthread_create(&th[0], NULL, hog_main, &hog);
		r.sync->ops->sleep(r.sync, 50 * MS);
		r.run_ns = keep;
		pthread_create(&th[1], NULL, io_main, &io);
		pthread_join(th[1], NULL);
		pthread_join(th[0], NULL);
		double sum = 0;
		for (size_t k = 0; k < io.ndelays; k++)
			sum += (double)buf[k];
		f->wake_mean_ms[i] = io.ndelays ? sum / (double)io.ndelays / 1e6 : 0;
		f->wake_p50_ms[i] = (double)bench_percentile(buf, io.ndelays, 50) / 1e6;
		f->wake_p99_ms[i] = (double)bench_percentile(buf, io.ndelays, 99) / 1e6;
		run_fini(&r);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	double seconds = 1.0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_gil [--seconds S]\n");
			return 2;
		}
	}
	struct figures g = { 0 };
	measure_gilviz(&g, seconds);
	printf("  %-12s %12s %22s %26s\n", "interval", "switches/s",
	       "handoff p50 / p99 us", "I/O wake-up mean / p99 ms");
	for (int i = 0; i < NINTERVALS; i++)
		printf("  %9d ms %12.1f %11.1f / %7.1f %14.3f / %8.3f\n", intervals_ms[i],
		       g.switches_per_s[i], g.handoff_p50_us[i], g.handoff_p99_us[i],
		       g.wake_mean_ms[i], g.wake_p99_ms[i]);
	printf("  (switches/s: two CPU-bound threads; handoff: from a waiter setting the\n"
	       "  drop request to it holding the GIL; I/O wake-up: a thread sleeping 1 ms\n"
	       "  beside one CPU-bound thread, its delay past the 1 ms)\n");
	return 0;
}
