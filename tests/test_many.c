/*
 * test_many.c -- many threads: a run takes time in proportion to its
 * work, and ends.
 *
 * N threads that each do 1 ms of work and sleep 1 ms, ten times, need
 * N x 10 ms of the one GIL. In virtual time the run must take about that
 * (the GIL changes hands at every sleep, so nobody has to ask for it);
 * in real time it must at least end well within a generous bound (it
 * once did not end at all at 2048 threads; `make bench` puts the real
 * figures beside CPython's).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cu.h"
#include "engine.h"
#include "ring.h"
#include "stats.h"
#include "util.h"
#include "watch.h"

#define MS 1000000LL

static struct scenario *many_started(unsigned n, const char *startup)
{
	char text[160];
	int len = snprintf(text, sizeof text,
			   "startup %s\nthread t * %u {\n repeat 10 {\n  cpu 1ms\n  io 1ms\n }\n}\n",
			   startup, n);
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_parse(text, (size_t)len, "many.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	return sc;
}

static struct scenario *many(unsigned n)
{
	return many_started(n, "one-by-one");
}

/* The most threads that were ever waiting for the GIL at once, in a
 * virtual-time run of n threads started so. */
static unsigned peak_waiters(unsigned n, const char *startup)
{
	struct scenario *sc = many_started(n, startup);
	struct gv_error err = { 0 };
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = 1 };
	struct engine *e = engine_create(sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	engine_start(e);
	static struct event evs[4096];
	unsigned waiting = 0, peak = 0;
	bool ended;
	do {
		ended = engine_wait(e, 2 * MS);
		size_t got;
		while ((got = ring_pop(engine_ring(e), evs, 4096)) > 0) {
			for (size_t i = 0; i < got; i++) {
				if (evs[i].type == EV_GIL_REQUEST && ++waiting > peak)
					peak = waiting;
				else if (evs[i].type == EV_GIL_ACQUIRE && waiting > 0)
					waiting--;
			}
		}
	} while (!ended);
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(e)), 0);
	engine_destroy(e);
	scenario_free(sc);
	return peak;
}

/* Runs n threads to their end (or the bound); the wall time it took. */
static int64_t run(unsigned n, const struct engine_options *o, struct watch **out)
{
	struct scenario *sc = many(n);
	struct gv_error err = { 0 };
	struct watch_options wo = { .sc = sc, .engine = *o };
	int64_t t0 = gv_mono_ns();
	struct watch *w = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	watch_run(w, NULL);
	int64_t wall = gv_mono_ns() - t0;
	CU_ASSERT_FALSE(watch_interrupted(w)); /* it ended before the bound */
	struct stats_gil g;
	CU_ASSERT_EQUAL(stats_gil(watch_consumer(w)->st, 0, (uint64_t)watch_elapsed(w), &g), 0);
	/* Each thread takes the GIL at its start and after each sleep (and
	 * again after a forced drop). */
	CU_ASSERT_TRUE(g.c.acquisitions >= (uint64_t)n * 11);
	if (o->virtual_time) /* the GIL changed hands at every sleep */
		CU_ASSERT_EQUAL(g.c.drop_requests, 0);
	*out = w;
	return wall;
}

/* 1024 threads, far past the ring's 64 lanes: about 10.24 s of virtual
 * time, and a few seconds of wall time (the bound is generous for
 * sanitizers and a busy machine). */
static void a_thousand_threads_take_virtual_time_in_proportion_to_their_work(void)
{
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = 1,
				    .duration_ns = 60000 * MS };
	struct watch *w;
	int64_t wall = run(1024, &o, &w);
	int64_t elapsed = watch_elapsed(w);
	printf("(%.2f s virtual, %.2f s wall) ", (double)elapsed / 1e9, (double)wall / 1e9);
	CU_ASSERT_TRUE(elapsed >= 10240 * MS);
	CU_ASSERT_TRUE(elapsed <= 10240 * MS * 12 / 10);
	CU_ASSERT_TRUE(wall <= 120000 * MS);
	struct scenario *sc = (struct scenario *)watch_scenario(w);
	watch_close(w);
	scenario_free(sc);
}

/* What made real time collapse at a thousand threads was that all of them
 * waited for the GIL together, each waking once an interval. Started one
 * by one, as CPython's Thread.start() in a loop starts them, only a few
 * ever wait at once; started together, all of them do. */
static void threads_started_one_by_one_rarely_wait_together(void)
{
	unsigned one = peak_waiters(1024, "one-by-one");
	unsigned together = peak_waiters(1024, "together");
	printf("(peak waiters %u one by one, %u together) ", one, together);
	CU_ASSERT_TRUE(one <= 64);
	CU_ASSERT_TRUE(together >= 1000);
}

/* 256 real threads: 2.56 s of work; the run must end well within a
 * minute (the duration bound), loaded machine or not. */
static void many_real_threads_end(void)
{
	struct engine_options o = { .policy = -1, .duration_ns = 60000 * MS };
	struct watch *w;
	int64_t wall = run(256, &o, &w);
	printf("(%.2f s) ", (double)wall / 1e9);
	struct scenario *sc = (struct scenario *)watch_scenario(w);
	watch_close(w);
	scenario_free(sc);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(a_thousand_threads_take_virtual_time_in_proportion_to_their_work),
	CU_TEST_ENTRY(threads_started_one_by_one_rarely_wait_together),
	CU_TEST_ENTRY(many_real_threads_end),
	CU_TEST_END,
};

CU_MAIN("many", tests)
