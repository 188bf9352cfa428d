/*
 * test_engine.c -- each op does what it says, in real time.
 *
 * The assertions look at the events' time intervals rather than at wall
 * time where they can: two ops overlap in time whether the machine has two
 * idle cores or is busy running the rest of the test suite, so the tests
 * hold on a loaded 2-core machine. Bounds on wall time are generous.
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
	size_t n;
	int64_t elapsed;
};

static void drain_into(struct run *r)
{
	size_t cap = r->n + 4096;
	for (;;) {
		r->evs = realloc(r->evs, cap * sizeof *r->evs);
		size_t got = ring_pop(engine_ring(r->e), r->evs + r->n, cap - r->n);
		r->n += got;
		if (r->n < cap)
			break;
		cap *= 2;
	}
}

static void run_text(struct run *r, const char *text, const struct engine_options *opt)
{
	struct gv_error err;
	memset(r, 0, sizeof *r);
	r->sc = scenario_parse(text, strlen(text), "test.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->sc);
	struct engine_options o = { .policy = -1 };
	if (opt)
		o = *opt;
	r->e = engine_create(r->sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
	engine_start(r->e);
	/* Drain as it runs, so that no event is dropped. */
	while (!engine_wait(r->e, 2 * MS))
		drain_into(r);
	drain_into(r);
	r->elapsed = engine_elapsed(r->e);
}

static void run_free(struct run *r)
{
	engine_destroy(r->e);
	scenario_free(r->sc);
	free(r->evs);
}

/* The first interval [start, end) of an op of this kind in thread tid. */
static bool op_span(const struct run *r, int tid, enum op_kind kind, int64_t *start, int64_t *end)
{
	*start = -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->evs[i];
		if (e->tid != tid || e->aux != kind)
			continue;
		if (e->type == EV_OP_START && *start < 0)
			*start = (int64_t)e->t;
		else if (e->type == EV_OP_END && *start >= 0) {
			*end = (int64_t)e->t;
			return true;
		}
	}
	return false;
}

static int64_t overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
	return hi > lo ? hi - lo : 0;
}

static size_t count(const struct run *r, int tid, enum event_type type)
{
	size_t c = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].type == type && (tid < 0 || r->evs[i].tid == tid))
			c++;
	return c;
}

static void io_threads_overlap(void)
{
	struct run r;
	run_text(&r, "thread t * 4 { sleep 100ms }", NULL);
	int64_t s[4], e[4];
	for (int i = 0; i < 4; i++)
		CU_ASSERT_FATAL(op_span(&r, i, OP_SLEEP, &s[i], &e[i]));
	for (int i = 1; i < 4; i++)
		CU_ASSERT(overlap(s[0], e[0], s[i], e[i]) >= 50 * MS);
	CU_ASSERT(r.elapsed >= 100 * MS);
	CU_ASSERT(r.elapsed < 350 * MS);
	run_free(&r);
}

/* Holding spans, from acquire to release or forced drop, never overlap. */
static void cpu_threads_take_turns(void)
{
	struct run r;
	run_text(&r, "interval 1ms\nthread t * 3 { cpu 40ms }", NULL);
	int64_t held_from[3] = { -1, -1, -1 };
	int64_t spans[4096][3];
	size_t nspans = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct event *e = &r.evs[i];
		if (e->tid >= 3)
			continue;
		if (e->type == EV_GIL_ACQUIRE)
			held_from[e->tid] = (int64_t)e->t;
		else if ((e->type == EV_GIL_RELEASE || e->type == EV_FORCED_DROP) &&
			 held_from[e->tid] >= 0 && nspans < 4096) {
			spans[nspans][0] = held_from[e->tid];
			spans[nspans][1] = (int64_t)e->t;
			spans[nspans][2] = e->tid;
			nspans++;
			held_from[e->tid] = -1;
		}
	}
	CU_ASSERT(nspans >= 3);
	size_t overlapping = 0;
	for (size_t i = 0; i < nspans; i++)
		for (size_t j = i + 1; j < nspans; j++)
			if (spans[i][2] != spans[j][2] &&
			    overlap(spans[i][0], spans[i][1], spans[j][0], spans[j][1]) > 0)
				overlapping++;
	CU_ASSERT_EQUAL(overlapping, 0);
	/* 120 ms of work, one thread at a time. */
	CU_ASSERT(r.elapsed >= 90 * MS);
	CU_ASSERT(count(&r, -1, EV_FORCED_DROP) >= 3);
	run_free(&r);
}

static void spin_threads_end_together(void)
{
	struct run r;
	run_text(&r, "thread t * 4 { spin 150ms }", NULL);
	for (int i = 0; i < 4; i++) {
		int64_t s, e;
		CU_ASSERT_FATAL(op_span(&r, i, OP_SPIN, &s, &e));
		/* Each ends by the clock, 150 ms after it started ... */
		CU_ASSERT(e - s >= 150 * MS);
		CU_ASSERT(e - s < 260 * MS);
	}
	/* ... so all four end after about 150 ms, not 600. */
	CU_ASSERT(r.elapsed < 400 * MS);
	run_free(&r);
}

static void native_runs_beside_a_gil_holder(void)
{
	struct run r;
	run_text(&r, "thread hog { cpu 200ms }\nthread c { native 100ms }", NULL);
	int64_t hs, he, ns, ne;
	CU_ASSERT_FATAL(op_span(&r, 0, OP_CPU, &hs, &he));
	CU_ASSERT_FATAL(op_span(&r, 1, OP_NATIVE, &ns, &ne));
	/* The native op ran while the hog held the GIL for most of it. */
	CU_ASSERT(overlap(hs, he, ns, ne) >= 50 * MS);
	CU_ASSERT(count(&r, 1, EV_GIL_RELEASE) >= 2);
	run_free(&r);
}

static void native_hold_cannot_be_interrupted(void)
{
	struct run r;
	run_text(&r, "interval 1ms\n"
		     "thread c { native_hold 120ms }\n"
		     "thread w start 10ms { cpu 1ms }", NULL);
	int64_t cs, ce;
	CU_ASSERT_FATAL(op_span(&r, 0, OP_NATIVE_HOLD, &cs, &ce));
	CU_ASSERT(ce - cs >= 110 * MS);
	/* The waiter asked, again and again, and waited out the C call:
	 * the holder drops only at the check site after the call returns. */
	CU_ASSERT(count(&r, 1, EV_DROP_REQUEST) >= 1);
	CU_ASSERT(count(&r, 0, EV_FORCED_DROP) <= 1);
	for (size_t i = 0; i < r.n; i++)
		if (r.evs[i].tid == 0 && r.evs[i].type == EV_FORCED_DROP)
			CU_ASSERT(r.evs[i].t >= (uint64_t)ce);
	for (size_t i = 0; i < r.n; i++)
		if (r.evs[i].tid == 1 && r.evs[i].type == EV_GIL_ACQUIRE)
			CU_ASSERT(r.evs[i].t >= (uint64_t)ce - 1 * MS);
	run_free(&r);
}

static void io_releases_and_retakes_the_gil(void)
{
	struct run r;
	run_text(&r, "thread t { repeat 3 { io 1ms cpu 100us } }", NULL);
	/* One request at start, one after each io. */
	CU_ASSERT_EQUAL(count(&r, 0, EV_GIL_REQUEST), 4);
	CU_ASSERT_EQUAL(count(&r, 0, EV_GIL_ACQUIRE), 4);
	/* Three blocking releases and the one at exit. */
	CU_ASSERT_EQUAL(count(&r, 0, EV_GIL_RELEASE), 4);
	CU_ASSERT_EQUAL(count(&r, 0, EV_OP_START), 6);
	CU_ASSERT_EQUAL(count(&r, 0, EV_OP_END), 6);
	CU_ASSERT_EQUAL(count(&r, 0, EV_THREAD_START), 1);
	CU_ASSERT_EQUAL(count(&r, 0, EV_THREAD_END), 1);
	/* Each source's sequence numbers run without a gap. */
	uint32_t next = 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.evs[i].tid == 0)
			CU_ASSERT_EQUAL(r.evs[i].seq, next++);
	run_free(&r);
}

static void duration_stops_a_forever_loop(void)
{
	struct run r;
	run_text(&r, "duration 100ms\nthread t { forever { cpu 1ms io 1ms } }", NULL);
	CU_ASSERT_EQUAL(r.elapsed, 100 * MS);
	CU_ASSERT_EQUAL(count(&r, 0, EV_THREAD_END), 1);
	run_free(&r);
}

static void command_line_overrides_the_scenario(void)
{
	struct run r;
	struct engine_options o = { .policy = GIL_LEGACY, .interval_ns = 2 * MS,
				    .duration_ns = 50 * MS };
	run_text(&r, "gil new\ninterval 5ms\nthread t { forever { cpu 1ms } }", &o);
	CU_ASSERT_EQUAL(engine_policy(r.e), GIL_LEGACY);
	CU_ASSERT_EQUAL(engine_interval(r.e), 2 * MS);
	CU_ASSERT_EQUAL(r.elapsed, 50 * MS);
	run_free(&r);
}

static void processes_have_a_gil_each(void)
{
	struct run r;
	run_text(&r, "process p * 2 { thread main { cpu 50ms } }", NULL);
	CU_ASSERT_EQUAL(engine_ngils(r.e), r.sc->nprocs);
	int64_t s0, e0, s1, e1;
	CU_ASSERT_FATAL(op_span(&r, 0, OP_CPU, &s0, &e0));
	CU_ASSERT_FATAL(op_span(&r, 1, OP_CPU, &s1, &e1));
	/* Each ran without waiting for the other's GIL. */
	CU_ASSERT(overlap(s0, e0, s1, e1) >= 20 * MS);
	CU_ASSERT_EQUAL(count(&r, -1, EV_DROP_REQUEST), 0);
	run_free(&r);
}

static void control_from_another_thread(void)
{
	struct gv_error err;
	const char *text = "interval 5ms\nthread t * 2 { forever { cpu 1ms } }";
	struct scenario *sc = scenario_parse(text, strlen(text), "ctl.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct engine_options o = { .policy = -1 };
	struct engine *e = engine_create(sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	engine_start(e);
	CU_ASSERT_FALSE(engine_wait(e, 20 * MS));
	CU_ASSERT_EQUAL(engine_set_interval(e, 0), -1);
	CU_ASSERT_EQUAL(engine_set_interval(e, 10 * MS), 0);
	CU_ASSERT_EQUAL(engine_interval(e), 10 * MS);
	engine_pause(e);
	CU_ASSERT(engine_paused(e));
	engine_resume(e);
	CU_ASSERT_FALSE(engine_paused(e));
	engine_stop(e);
	CU_ASSERT(engine_wait(e, 0));
	struct event evs[4096];
	size_t n = ring_pop(engine_ring(e), evs, 4096), intervals = 0, ends = 0;
	for (size_t i = 0; i < n; i++) {
		if (evs[i].type == EV_INTERVAL && evs[i].arg == 10 * MS)
			intervals++;
		ends += evs[i].type == EV_THREAD_END;
	}
	CU_ASSERT_EQUAL(intervals, 1);
	CU_ASSERT_EQUAL(ends, 2);
	engine_destroy(e);
	scenario_free(sc);
}

static void slow_motion_scales_durations(void)
{
	struct run r;
	struct engine_options o = { .policy = -1, .slow = 10 };
	run_text(&r, "interval 1ms\nthread t { sleep 10ms }", &o);
	int64_t s, e;
	CU_ASSERT_FATAL(op_span(&r, 0, OP_SLEEP, &s, &e));
	CU_ASSERT(e - s >= 100 * MS);
	/* The interval shown is the scenario's; the GIL's is ten times it. */
	CU_ASSERT_EQUAL(engine_interval(r.e), 1 * MS);
	CU_ASSERT(engine_slow(r.e) == 10.0);
	run_free(&r);
}

/* The tasks of a loop take turns on its one thread: every switch is an
 * EV_TASK, their CPU work never overlaps, and the loop needs the sum. */
static void loop_tasks_take_turns(void)
{
	struct run r;
	run_text(&r, "loop web { task t * 3 { repeat 5 { await io 2ms; cpu 3ms } } }", NULL);
	/* Each task runs at its start and after each of its 5 awaits. */
	CU_ASSERT_EQUAL(count(&r, 0, EV_TASK), 18);
	int64_t last_end = -1, last_start = -1, busy = 0;
	size_t ncpu = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct event *e = &r.evs[i];
		if (e->aux != OP_CPU)
			continue;
		if (e->type == EV_OP_START) {
			CU_ASSERT((int64_t)e->t >= last_end);
			last_start = (int64_t)e->t;
			ncpu++;
		} else if (e->type == EV_OP_END) {
			last_end = (int64_t)e->t;
			busy += last_end - last_start;
		}
	}
	CU_ASSERT_EQUAL(ncpu, 15);
	/* The run lasts at least the sum of its CPU work as the work took
	 * it: the calibrated work of 45 ms ran in 44.3 ms once (a CPU a
	 * little faster than at calibration), so the nominal sum is only a
	 * loose floor; three tasks' work run side by side would take 15 ms. */
	CU_ASSERT(r.elapsed >= busy);
	CU_ASSERT(r.elapsed >= 40 * MS);
	CU_ASSERT_FALSE(engine_deadlocked(r.e));
	run_free(&r);
}

/* A task that computes without awaiting holds up the others: the light
 * task's 1 ms await ends only when the heavy task's 100 ms are done. */
static void cpu_heavy_task_delays_the_others(void)
{
	struct run r;
	run_text(&r, "loop web {\n task light { repeat 3 { await io 1ms; cpu 1ms } }\n"
		     " task heavy { cpu 100ms }\n}", NULL);
	int64_t s, e;
	CU_ASSERT_FATAL(op_span(&r, 0, OP_AWAIT_IO, &s, &e));
	CU_ASSERT(e - s >= 90 * MS);
	run_free(&r);
}

/* get on an empty queue releases the GIL while it waits: the putter
 * computes meanwhile, and the getter goes on after the put. */
static void get_blocks_without_holding_the_gil(void)
{
	struct run r;
	run_text(&r, "queue q\nthread getter { get q; cpu 1ms }\n"
		     "thread putter { sleep 30ms; cpu 30ms; put q }", NULL);
	int64_t gs, ge, ps, pe;
	CU_ASSERT_FATAL(op_span(&r, 0, OP_GET, &gs, &ge));
	CU_ASSERT_FATAL(op_span(&r, 1, OP_CPU, &ps, &pe));
	CU_ASSERT(ge >= pe);
	CU_ASSERT(overlap(gs, ge, ps, pe) >= 25 * MS);
	bool released = false;
	for (size_t i = 0; i < r.n; i++)
		if (r.evs[i].tid == 0 && r.evs[i].type == EV_GIL_RELEASE &&
		    r.evs[i].aux == RELEASE_BLOCKING && (int64_t)r.evs[i].t <= ps)
			released = true;
	CU_ASSERT_TRUE(released);
	CU_ASSERT_FALSE(engine_deadlocked(r.e));
	run_free(&r);
}

static size_t count_ops(const struct run *r, int tid, enum op_kind kind)
{
	size_t c = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].type == EV_OP_END && r->evs[i].aux == kind && r->evs[i].tid == tid)
			c++;
	return c;
}

/* Every item put is got once: 100 puts feed 100 gets and the run ends;
 * a 101st get waits for ever, which ends the run as a deadlock. A sized
 * queue holds its putter back and loses nothing. */
static void put_and_get_hand_over_every_item(void)
{
	struct run r;
	run_text(&r, "queue q\nthread p * 2 { repeat 50 { put q } }\n"
		     "thread c { repeat 100 { get q } }", NULL);
	CU_ASSERT_EQUAL(count_ops(&r, 2, OP_GET), 100);
	CU_ASSERT_FALSE(engine_deadlocked(r.e));
	run_free(&r);

	run_text(&r, "queue q\nthread p * 2 { repeat 50 { put q } }\n"
		     "thread c { repeat 101 { get q } }", NULL);
	CU_ASSERT_TRUE(engine_deadlocked(r.e));
	CU_ASSERT(r.elapsed < 500 * MS);
	run_free(&r);

	run_text(&r, "queue q size 2\nthread p { repeat 20 { put q } }\n"
		     "thread c { repeat 20 { get q; sleep 1ms } }\n"
		     "loop l { task t * 2 { repeat 5 { put q } } }\n"
		     "thread c2 { repeat 10 { get q } }", NULL);
	CU_ASSERT_EQUAL(count_ops(&r, 1, OP_GET), 20);
	CU_ASSERT_FALSE(engine_deadlocked(r.e));
	run_free(&r);

	/* Tasks that await get share the items with a thread. */
	run_text(&r, "queue q\nqueue done\nthread p { repeat 30 { put q; sleep 1ms } }\n"
		     "loop l { task t * 2 { repeat 10 { await get q; put done } } }\n"
		     "thread c { repeat 10 { get q } }\nthread d { repeat 20 { get done } }", NULL);
	CU_ASSERT_EQUAL(count_ops(&r, 3, OP_GET), 20);
	CU_ASSERT_FALSE(engine_deadlocked(r.e));
	run_free(&r);
}

/* A stop wakes threads blocked in get and loops awaiting a queue. */
static void stop_wakes_blocked_getters(void)
{
	static const char text[] = "queue q\nthread g { get q }\n"
		"loop l { task t { await get q } }\nthread s { sleep 10s }";
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, strlen(text), "test.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct engine_options o = { .policy = -1 };
	struct engine *e = engine_create(sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	engine_start(e);
	CU_ASSERT_FALSE(engine_wait(e, 30 * MS));
	engine_stop(e);
	CU_ASSERT(engine_elapsed(e) < 1000 * MS);
	CU_ASSERT_FALSE(engine_deadlocked(e));
	engine_destroy(e);
	scenario_free(sc);

	/* The same with a duration. */
	struct run r;
	run_text(&r, "duration 50ms\nqueue q\nthread g { forever { get q } }\n"
		     "loop l { task t { await get q } }\nthread s { sleep 10s }", NULL);
	CU_ASSERT(r.elapsed < 1000 * MS);
	run_free(&r);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(io_threads_overlap),
	CU_TEST_ENTRY(cpu_threads_take_turns),
	CU_TEST_ENTRY(spin_threads_end_together),
	CU_TEST_ENTRY(native_runs_beside_a_gil_holder),
	CU_TEST_ENTRY(native_hold_cannot_be_interrupted),
	CU_TEST_ENTRY(io_releases_and_retakes_the_gil),
	CU_TEST_ENTRY(duration_stops_a_forever_loop),
	CU_TEST_ENTRY(command_line_overrides_the_scenario),
	CU_TEST_ENTRY(processes_have_a_gil_each),
	CU_TEST_ENTRY(control_from_another_thread),
	CU_TEST_ENTRY(slow_motion_scales_durations),
	CU_TEST_ENTRY(loop_tasks_take_turns),
	CU_TEST_ENTRY(cpu_heavy_task_delays_the_others),
	CU_TEST_ENTRY(get_blocks_without_holding_the_gil),
	CU_TEST_ENTRY(put_and_get_hand_over_every_item),
	CU_TEST_ENTRY(stop_wakes_blocked_getters),
	CU_TEST_END,
};

CU_MAIN("engine", tests)
