/*
 * test_checks.c -- the eval breaker is checked where CPython checks it:
 * inside pure-Python work, and at every op boundary, every turn of a
 * loop and between two asyncio tasks (calls and backward jumps).
 *
 * Every run is in virtual time (2 cores, a fixed seed), so the counts are
 * the same on every machine; the bounds are the behaviour with a margin.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "engine.h"
#include "scenario.h"

#define MS 1000000LL

struct run {
	struct scenario *sc;
	struct engine *e;
	struct event *evs;
	size_t n, cap;
};

static void drain_into(struct run *r)
{
	for (;;) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 65536;
			r->evs = realloc(r->evs, r->cap * sizeof *r->evs);
			CU_ASSERT_PTR_NOT_NULL_FATAL(r->evs);
		}
		size_t got = ring_pop(engine_ring(r->e), r->evs + r->n, r->cap - r->n);
		r->n += got;
		if (!got)
			return;
	}
}

static void run_text(struct run *r, const char *text, int64_t interval_ns)
{
	struct gv_error err;
	memset(r, 0, sizeof *r);
	r->sc = scenario_parse(text, strlen(text), "test.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->sc);
	struct engine_options o = {
		.policy = -1, .interval_ns = interval_ns,
		.virtual_time = true, .cores = 2, .seed = 3,
	};
	r->e = engine_create(r->sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
	engine_start(r->e);
	while (!engine_wait(r->e, 5 * MS))
		drain_into(r);
	drain_into(r);
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(r->e)), 0);
}

static void run_free(struct run *r)
{
	engine_destroy(r->e);
	scenario_free(r->sc);
	free(r->evs);
}

static size_t count(const struct run *r, int tid, enum event_type type, int aux)
{
	size_t c = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].type == type && (tid < 0 || r->evs[i].tid == tid) &&
		    (aux < 0 || r->evs[i].aux == aux))
			c++;
	return c;
}

/* The longest wait for the GIL of thread tid. */
static uint64_t max_wait(const struct run *r, int tid)
{
	uint64_t m = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].tid == tid && r->evs[i].type == EV_GIL_ACQUIRE && r->evs[i].arg > m)
			m = r->evs[i].arg;
	return m;
}

/* `for i in range(40): sum(range(n))`: the loop between two calls is
 * bytecode, so a waiting thread gets in after each call, whatever the
 * interval; it never waits longer than one call (and one interval). */
static void native_hold_calls_let_a_waiter_in_between(void)
{
	static const int64_t intervals[] = { 1 * MS, 5 * MS, 20 * MS };
	for (size_t k = 0; k < sizeof intervals / sizeof intervals[0]; k++) {
		struct run r;
		run_text(&r, "duration 2100ms\nthread hog { repeat 40 { native_hold 50ms } }\n"
			     "thread server start 10ms { forever { io 1ms } }\n",
			 intervals[k]);
		/* The hog dropped at the check after a call, many times. */
		CU_ASSERT(count(&r, 0, EV_FORCED_DROP, -1) >= 30);
		/* The server ran during the hog's 2 s, not only after it. */
		CU_ASSERT(count(&r, 1, EV_GIL_ACQUIRE, -1) >= 30);
		CU_ASSERT(max_wait(&r, 1) <= (uint64_t)(50 * MS + intervals[k] + 5 * MS));
		run_free(&r);
	}
}

/* A loop of ops shorter than one tick still checks, at every turn. */
static void tiny_ops_in_a_loop_still_switch(void)
{
	struct run r;
	run_text(&r, "thread small { repeat 10000 { cpu 10ns } }\n"
		     "thread hog { cpu 50ms }\n",
		 100000);
	size_t forced = count(&r, 0, EV_FORCED_DROP, -1);
	CU_ASSERT(forced >= 2);
	/* The hog got the GIL from it before the small loop ended. */
	uint64_t small_end = 0, hog_first = UINT64_MAX;
	for (size_t i = 0; i < r.n; i++) {
		const struct event *e = &r.evs[i];
		if (e->tid == 0 && e->type == EV_THREAD_END)
			small_end = e->t;
		if (e->tid == 1 && e->type == EV_GIL_ACQUIRE && e->t < hog_first)
			hog_first = e->t;
	}
	CU_ASSERT(hog_first < small_end);
	run_free(&r);
}

/* legacy: every op boundary is a tick toward the checkinterval, so C
 * calls in a loop are released every checkinterval turns. */
static void legacy_counts_op_boundaries(void)
{
	struct run r;
	run_text(&r, "gil legacy\ncheckinterval 10\n"
		     "thread a { repeat 1000 { native_hold 10us } }\n"
		     "thread b { repeat 1000 { native_hold 10us } }\n",
		 0);
	/* 1000 boundaries each, one release every 10 while the other waits. */
	size_t ra = count(&r, 0, EV_GIL_RELEASE, RELEASE_CHECK);
	size_t rb = count(&r, 1, EV_GIL_RELEASE, RELEASE_CHECK);
	CU_ASSERT(ra + rb >= 50);
	CU_ASSERT(ra + rb <= 250);
	run_free(&r);
}

/* Between two asyncio tasks the loop's own bytecode checks too: a task
 * that awaits at once in a loop gives the GIL up to a waiting thread. */
static void tasks_switching_check_between_them(void)
{
	struct run r;
	run_text(&r, "loop l { task a { forever { await sleep 0ns } } }\n"
		     "thread hog start 1ms { cpu 20ms }\n"
		     "duration 40ms\n",
		 1 * MS);
	CU_ASSERT(count(&r, 0, EV_FORCED_DROP, -1) >= 5);
	CU_ASSERT(count(&r, 1, EV_THREAD_END, -1) == 1);
	run_free(&r);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(native_hold_calls_let_a_waiter_in_between),
	CU_TEST_ENTRY(tiny_ops_in_a_loop_still_switch),
	CU_TEST_ENTRY(legacy_counts_op_boundaries),
	CU_TEST_ENTRY(tasks_switching_check_between_them),
	CU_TEST_END,
};

CU_MAIN("checks", tests)
