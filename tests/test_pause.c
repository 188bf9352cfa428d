/*
 * test_pause.c -- a pause stops the run's time, in both time modes: the
 * figures of a run paused for a while are those of the same run not
 * paused. In virtual time that is exact (the same events, byte for
 * byte); in real time the run lasts its duration of run time after the
 * pause and the wait across the pause does not grow by it, where a clock
 * that ran on through the pause would add the pause to that wait and end
 * the run early.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cu.h"
#include "engine.h"
#include "scenario.h"

#define MS 1000000LL

static const char convoy[] =
	"interval 5ms\nduration 600ms\n"
	"thread hog { forever { cpu 1ms } }\n"
	"thread server start 10ms { forever { io 1ms\ncpu 50us } }\n";

struct run {
	struct scenario *sc;
	struct engine *e;
	struct event *evs;
	size_t n, cap;
	int64_t elapsed;
	int64_t wall;
	struct gil_counters c;
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

static int by_time(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Run convoy; if pause_ns > 0, pause once the run's clock has passed
 * 250 ms, for pause_ns of wall time, then resume. */
static void run(struct run *r, bool virt, double speed, int64_t pause_ns)
{
	struct gv_error err;
	memset(r, 0, sizeof *r);
	r->sc = scenario_parse(convoy, strlen(convoy), "convoy.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->sc);
	struct engine_options o = {
		.policy = -1, .virtual_time = virt, .cores = 2, .seed = 5, .speed = speed,
	};
	r->e = engine_create(r->sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
	int64_t w0 = wall_ns();
	engine_start(r->e);
	bool paused = false, resumed = false;
	int64_t paused_at = 0;
	while (!engine_wait(r->e, 2 * MS)) {
		drain_into(r);
		if (pause_ns > 0 && !paused && engine_elapsed(r->e) >= 250 * MS) {
			engine_pause(r->e);
			paused = true;
			paused_at = wall_ns();
		}
		if (paused && !resumed) {
			int64_t frozen = engine_now(r->e);
			if (wall_ns() - paused_at >= pause_ns) {
				/* The clock stood still the whole time. */
				CU_ASSERT(engine_now(r->e) - frozen < 1 * MS);
				engine_resume(r->e);
				resumed = true;
			}
		}
	}
	drain_into(r);
	/* The lanes of the ring are drained in turn, so the order events
	 * arrive in depends on when they were drained: compare in time. */
	qsort(r->evs, r->n, sizeof *r->evs, by_time);
	CU_ASSERT(pause_ns <= 0 || resumed);
	r->elapsed = engine_elapsed(r->e);
	r->wall = wall_ns() - w0;
	engine_gil_counters(r->e, 0, &r->c);
}

static void run_free(struct run *r)
{
	engine_destroy(r->e);
	scenario_free(r->sc);
	free(r->evs);
}

/* The wait of thread tid's first acquisition at or after run time t. */
static uint64_t wait_after(const struct run *r, int tid, int64_t t)
{
	int64_t t0 = engine_start_time(r->e);
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].tid == tid && r->evs[i].type == EV_GIL_ACQUIRE &&
		    (int64_t)r->evs[i].t - t0 >= t)
			return r->evs[i].arg;
	return UINT64_MAX;
}

static void virtual_pause_changes_nothing(void)
{
	struct run a, b;
	run(&a, true, 0, 0);
	run(&b, true, 0, 300 * MS);
	CU_ASSERT_EQUAL(a.n, b.n);
	CU_ASSERT(a.n == b.n && memcmp(a.evs, b.evs, a.n * sizeof *a.evs) == 0);
	CU_ASSERT_EQUAL(a.elapsed, b.elapsed);
	run_free(&a);
	run_free(&b);
}

/* Paced (the UI's way): a run at 4x paused for 300 ms of wall time. */
static void paced_virtual_pause_changes_nothing(void)
{
	struct run a, b;
	run(&a, true, 0, 0);
	run(&b, true, 4.0, 300 * MS);
	CU_ASSERT_EQUAL(a.n, b.n);
	CU_ASSERT(a.n == b.n && memcmp(a.evs, b.evs, a.n * sizeof *a.evs) == 0);
	run_free(&a);
	run_free(&b);
}

static void real_pause_accrues_nothing(void)
{
	struct run a, b;
	run(&a, false, 0, 0);
	run(&b, false, 0, 400 * MS);
	/* The duration is run time: the run did not end while paused, it
	 * went on for its 600 ms after the pause. */
	CU_ASSERT_EQUAL(a.elapsed, 600 * MS);
	CU_ASSERT_EQUAL(b.elapsed, 600 * MS);
	CU_ASSERT(b.wall >= 950 * MS);
	/* No wait took in the pause: the server's wait across it (its
	 * first acquisition after 250 ms) would otherwise be most of the
	 * 400 ms. (A loaded machine may stretch any wait to 100 ms or so.)
	 * Switches go on after the pause. */
	CU_ASSERT(wait_after(&b, 1, 250 * MS) < 300 * MS);
	CU_ASSERT(b.c.switches > 10);
	run_free(&a);
	run_free(&b);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(virtual_pause_changes_nothing),
	CU_TEST_ENTRY(paced_virtual_pause_changes_nothing),
	CU_TEST_ENTRY(real_pause_accrues_nothing),
	CU_TEST_END,
};

CU_MAIN("pause", tests)
