/*
 * test_virtual.c -- virtual time: the GIL's behaviour, exactly, and the
 * virtual scheduler's primitives.
 *
 * In virtual time a run depends only on the scenario, the options and the
 * seed, so these tests can assert bounds taken from the model's constants
 * (sync_virtual_model) rather than generous wall-clock margins.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "overlap.h"
#include "mx.h"
#include "engine.h"
#include "gil.h"
#include "report.h"
#include "scenario.h"
#include "sync.h"

#define MS 1000000LL
#define US 1000LL

struct run {
	struct scenario *sc;
	struct engine *e;
	struct event *evs;
	size_t n;
	int64_t elapsed;
	struct gil_counters c;
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

/* Start text under o (in virtual time), nothing read yet. */
static void vstart(struct run *r, const char *text, struct engine_options o)
{
	struct gv_error err;
	memset(r, 0, sizeof *r);
	r->sc = scenario_parse(text, strlen(text), "test.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->sc);
	o.virtual_time = true;
	r->e = engine_create(r->sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
	engine_start(r->e);
}

/* Run text in virtual time on cores cores with seed, draining as it goes. */
static void vrun(struct run *r, const char *text, unsigned cores, uint64_t seed,
		 int policy, int64_t interval)
{
	vstart(r, text, (struct engine_options){ .policy = policy, .interval_ns = interval,
						 .cores = cores, .seed = seed });
	while (!engine_wait(r->e, 2 * MS))
		drain_into(r);
	drain_into(r);
	r->elapsed = engine_elapsed(r->e);
	engine_gil_counters(r->e, 0, &r->c);
}

static void run_free(struct run *r)
{
	engine_destroy(r->e);
	scenario_free(r->sc);
	free(r->evs);
}

static int64_t t_of(const struct run *r, int tid, enum event_type type, int nth)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].tid == tid && r->evs[i].type == type && nth-- == 0)
			return (int64_t)r->evs[i].t;
	return -1;
}

static struct sync_virtual_model model(void)
{
	struct sync_virtual_model m;
	sync_virtual_model(&m);
	return m;
}

/* ---- the GIL in virtual time --------------------------------------- */

static void two_cpu_threads_switch_once_per_interval(void)
{
	struct sync_virtual_model m = model();
	const int64_t intervals[] = { 1 * MS, 5 * MS, 20 * MS };
	for (size_t k = 0; k < GV_ARRAY_LEN(intervals); k++) {
		int64_t iv = intervals[k];
		struct run r;
		vrun(&r, "duration 4s\nthread a { cpu 10s }\nthread b { cpu 10s }", 2, 0, -1, iv);
		double per_s = (double)r.c.switches / ((double)r.elapsed / 1e9);
		/* A switch comes one interval after the waiter began to wait,
		 * plus its timer's latency and the two wake-ups of the handoff
		 * (the new holder's, then the dropper's back into the wait). */
		double period = (double)(iv + m.timer_mean + 2 * m.wake_mean);
		double want = 1e9 / period;
		CU_ASSERT(per_s > want * 0.98 && per_s < want * 1.02);
		/* 1/I itself, within 2%, where the timer's latency and the
		 * two wake-ups (about 130 us in all on a busy machine, see
		 * sync_virtual.c) are under 2% of the interval: at 20 ms, not
		 * at 5 ms (2.6%) since the wake-up latency was measured with
		 * both cores busy. */
		if (iv >= 20 * MS)
			CU_ASSERT(per_s > 1e9 / (double)iv * 0.98 && per_s <= 1e9 / (double)iv);
		/* Every switch but the first acquisitions is forced. */
		CU_ASSERT(r.c.forced_switches + 2 >= r.c.switches);
		run_free(&r);
	}
}

static void io_thread_waits_interval_plus_wakeup_cost(void)
{
	struct sync_virtual_model m = model();
	struct run r;
	vrun(&r, "interval 5ms\nduration 1s\nthread hog { cpu 10s }\n"
		 "thread server start 10ms { forever { io 1ms\ncpu 50us } }", 2, 0, -1, 0);
	int checked = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct event *ev = &r.evs[i];
		/* After the duration the hog stops and drops the GIL at once. */
		if (ev->tid != 1 || ev->type != EV_GIL_ACQUIRE || ev->t >= 1000 * MS)
			continue;
		/* Its timed wait, the timer's latency, the hog's tick in
		 * progress, then the wake-up of the handoff. */
		CU_ASSERT((int64_t)ev->arg >= 5 * MS + m.timer_min + m.wake_min);
		CU_ASSERT((int64_t)ev->arg <= 5 * MS + m.timer_max + m.wake_max + m.tick_ns);
		checked++;
	}
	CU_ASSERT(checked > 100);
	run_free(&r);
}

static void four_threads_of_cpu_take_four_times_as_long(void)
{
	struct run r;
	vrun(&r, "thread t * 4 { cpu 250ms }", 4, 0, -1, 0);
	CU_ASSERT(r.elapsed >= 1000 * MS);
	CU_ASSERT(r.elapsed <= 1000 * MS * 102 / 100);
	run_free(&r);
}

/* CPython's Thread.start() returns once the new thread holds the GIL: by
 * default each thread starts when the one before first takes the GIL;
 * 'startup together' starts them all at once. Processes have their own
 * GILs and start apart (the test above). */
static void threads_start_one_by_one_unless_told_together(void)
{
	struct run r;
	vrun(&r, "thread t * 4 { cpu 20ms }", 2, 0, -1, 5 * MS);
	for (int t = 1; t < 4; t++) {
		int64_t start = t_of(&r, t, EV_THREAD_START, 0);
		int64_t before = t_of(&r, t - 1, EV_GIL_ACQUIRE, 0);
		CU_ASSERT(before >= 0 && start >= before);
	}
	/* The second takes the GIL after an interval, the third after at
	 * least another: the fourth starts two intervals in. */
	CU_ASSERT(t_of(&r, 3, EV_THREAD_START, 0) >= 2 * 5 * MS);
	run_free(&r);
	vrun(&r, "startup together\nthread t * 4 { cpu 20ms }", 2, 0, -1, 5 * MS);
	for (int t = 0; t < 4; t++)
		CU_ASSERT(t_of(&r, t, EV_THREAD_START, 0) < MS);
	run_free(&r);
}

static void four_processes_of_cpu_take_twice_as_long_on_two_cores(void)
{
	struct run r;
	vrun(&r, "process p * 4 { thread main { cpu 500ms } }", 2, 0, -1, 0);
	CU_ASSERT(r.elapsed >= 1000 * MS);
	CU_ASSERT(r.elapsed <= 1000 * MS * 101 / 100);
	run_free(&r);
	vrun(&r, "process p * 4 { thread main { cpu 500ms } }", 4, 0, -1, 0);
	CU_ASSERT(r.elapsed >= 500 * MS);
	CU_ASSERT(r.elapsed <= 500 * MS + 100 * US);
	run_free(&r);
}

static void four_spinning_threads_end_at_about_d(void)
{
	struct sync_virtual_model m = model();
	struct run r;
	vrun(&r, "interval 5ms\nthread t * 4 { spin 500ms }", 4, 0, -1, 0);
	/* One turn of the GIL: an interval and what a forced switch costs. */
	int64_t turn = 5 * MS + m.timer_max + 2 * m.wake_max + m.tick_ns;
	int64_t sum = 0;
	for (int t = 0; t < 4; t++) {
		int64_t start = t_of(&r, t, EV_OP_START, 0);
		int64_t end = t_of(&r, t, EV_OP_END, 0);
		CU_ASSERT(end - start >= 500 * MS);
		/* It ends when it next holds the GIL past D: after the
		 * holder's turn and the other waiters' (a waiter that loses
		 * a race starts its interval again, so one may be passed
		 * over once). */
		CU_ASSERT(end - start <= 500 * MS + 5 * turn);
		sum += end - start;
	}
	/* On average, about two turns late; not 4 x D. */
	CU_ASSERT(sum / 4 <= 500 * MS + 5 * turn / 2);
	/* Four threads of cpu D would take 4 x D. */
	CU_ASSERT(r.elapsed < 2 * 500 * MS);
	run_free(&r);
}

static void native_hold_makes_the_waiter_wait_d_whatever_the_interval(void)
{
	struct sync_virtual_model m = model();
	const int64_t intervals[] = { 1 * MS, 20 * MS };
	for (size_t k = 0; k < GV_ARRAY_LEN(intervals); k++) {
		struct run r;
		vrun(&r, "thread holder { native_hold 200ms }\n"
			 "thread waiter start 1ms { cpu 1ms }", 2, 0, -1, intervals[k]);
		int64_t req = t_of(&r, 1, EV_GIL_REQUEST, 0);
		int64_t acq = t_of(&r, 1, EV_GIL_ACQUIRE, 0);
		int64_t end = t_of(&r, 0, EV_OP_END, 0);
		CU_ASSERT(end >= 200 * MS);
		CU_ASSERT(acq - req >= end - req);
		CU_ASSERT(acq - end <= (m.wake_max > m.timer_max ? m.wake_max : m.timer_max));
		run_free(&r);
	}
}

static void legacy_battle_fails_wakeups_more_on_two_cores_than_on_one(void)
{
	const char *text = "duration 500ms\nthread a { cpu 10s }\nthread b { cpu 10s }";
	struct run one, two;
	vrun(&one, text, 1, 0, GIL_LEGACY, 0);
	vrun(&two, text, 2, 0, GIL_LEGACY, 0);
	CU_ASSERT(two.c.failed_wakeups > 1000);
	CU_ASSERT(two.c.failed_wakeups > 10 * one.c.failed_wakeups);
	/* On one core the threads do take turns. */
	CU_ASSERT(one.c.switches > 10);
	run_free(&one);
	run_free(&two);
}

static const char convoy[] =
	"interval 5ms\nduration 300ms\nthread hog { cpu 10s }\n"
	"thread server start 5ms { forever { io 1ms\ncpu 50us } }\n"
	"thread other { repeat 20 { sleep 3ms\ncpu 2ms } }";

static void same_seed_gives_identical_events(void)
{
	struct run a, b;
	vrun(&a, convoy, 2, 42, -1, 0);
	vrun(&b, convoy, 2, 42, -1, 0);
	CU_ASSERT_EQUAL(a.n, b.n);
	CU_ASSERT(a.n == b.n && memcmp(a.evs, b.evs, a.n * sizeof *a.evs) == 0);
	run_free(&a);
	run_free(&b);
}

static char *json_report(uint64_t seed)
{
	struct gv_error err;
	struct scenario *sc = scenario_parse(convoy, strlen(convoy), "convoy.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = seed };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(report_run(sc, &o, REPORT_JSON, f, NULL, NULL, &err), 0);
	fclose(f);
	scenario_free(sc);
	return buf;
}

static void same_seed_gives_identical_json_reports(void)
{
	char *a = json_report(7), *b = json_report(7);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"time_mode\": \"virtual (seed 7, 2 cores)\""));
	free(a);
	free(b);
}

static void two_seeds_may_differ_but_both_keep_the_invariants(void)
{
	struct sync_virtual_model m = model();
	struct run r[2];
	vrun(&r[0], convoy, 2, 1, -1, 0);
	vrun(&r[1], convoy, 2, 2, -1, 0);
	CU_ASSERT(r[0].n != r[1].n || memcmp(r[0].evs, r[1].evs, r[0].n * sizeof *r[0].evs) != 0);
	/* A signal wakes any of the waiters, so the server may lose to
	 * "other" a few times in a row (a fresh interval each time), but
	 * most of its waits end after one interval, and none is starved. */
	const int64_t one = 5 * MS + m.timer_max + m.wake_max + m.tick_ns + 2 * MS /* other's cpu */;
	for (int k = 0; k < 2; k++) {
		int acq = 0, within_one = 0;
		for (size_t i = 0; i < r[k].n; i++) {
			const struct event *ev = &r[k].evs[i];
			if (ev->tid == 1 && ev->type == EV_GIL_ACQUIRE) {
				acq++;
				within_one += (int64_t)ev->arg <= one;
				CU_ASSERT((int64_t)ev->arg <= 20 * one);
			}
		}
		CU_ASSERT(acq > 20);
		CU_ASSERT(2 * within_one > acq);
		CU_ASSERT_EQUAL(r[k].elapsed, 300 * MS);
		run_free(&r[k]);
	}
}

/* ---- the primitives ------------------------------------------------- */

struct prim {
	struct sync *s;
	struct sync_mutex *m;
	struct sync_cond *c;
	int woken;
	int order[8];
	int norder;
	int64_t t_before, t_after;
	bool timed_out;
};

struct waiter_arg {
	struct prim *p;
	int id;
};

static void prim_init_seed(struct prim *p, unsigned cores, uint64_t seed)
{
	memset(p, 0, sizeof *p);
	p->s = sync_virtual_create(cores, seed);
	p->m = p->s->ops->mutex_new(p->s);
	p->c = p->s->ops->cond_new(p->s);
}

static void prim_init(struct prim *p, unsigned cores)
{
	prim_init_seed(p, cores, 3);
}

static void prim_fini(struct prim *p)
{
	p->s->ops->cond_free(p->s, p->c);
	p->s->ops->mutex_free(p->s, p->m);
	sync_destroy(p->s);
}

/* Waiters that begin to wait id + 1 ms after the start, far enough apart
 * that no timer's latency can reorder them. */
static void *waiter_ms(void *arg)
{
	struct waiter_arg *w = arg;
	struct prim *p = w->p;
	p->s->ops->sleep(p->s, (w->id + 1) * MS);
	sync_lock(p->s, p->m);
	sync_wait(p->s, p->c, p->m);
	p->woken++;
	p->order[p->norder++] = w->id;
	sync_unlock(p->s, p->m);
	return NULL;
}

static void *signal_at_10ms(void *arg)
{
	struct prim *p = arg;
	p->s->ops->sleep(p->s, 10 * MS);
	sync_lock(p->s, p->m);
	sync_signal(p->s, p->c);
	sync_unlock(p->s, p->m);
	return NULL;
}

/* Wake the waiters left, one signal each, from outside, and end the run. */
static void prim_finish(struct prim *p, struct sync_thread **th, int n, int left)
{
	sync_lock(p->s, p->m);
	for (int i = 0; i < left; i++)
		sync_signal(p->s, p->c);
	sync_unlock(p->s, p->m);
	CU_ASSERT_EQUAL(sync_virtual_run(p->s, INT64_MAX), SYNC_VIRTUAL_ENDED);
	for (int i = 0; i < n; i++)
		p->s->ops->thread_join(p->s, th[i]);
	prim_fini(p);
}

/* The end at the run's duration is where the run reaches it whole: a
 * reader that drains a small ring a few events at a time stops the run
 * at dl with timers due at dl unfired, and the run must not end there
 * (it did: two events fewer, the last different). */
static void the_end_does_not_depend_on_the_reader(void)
{
	const char *text = "gil none\nduration 1508200ns\nthread t * 2 { forever { cpu 10us } }";
	struct run big;
	vrun(&big, text, 2, 1, -1, 0);
	struct run r;
	vstart(&r, text, (struct engine_options){ .policy = -1, .cores = 2, .seed = 1,
						  .ring_capacity = 300 });
	size_t cap = big.n * 2 + 8;
	r.evs = malloc(cap * sizeof *r.evs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.evs);
	bool ended;
	do {
		ended = engine_wait(r.e, 13 * MS);
		size_t k;
		do {
			k = ring_pop(engine_ring(r.e), r.evs + r.n, 7);
			r.n += k;
		} while (ended && k && r.n + 7 <= cap);
	} while (!ended && r.n + 7 <= cap);
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(r.e)), 0);
	CU_ASSERT_EQUAL(r.n, big.n);
	CU_ASSERT(r.n == big.n && memcmp(r.evs, big.evs, r.n * sizeof *r.evs) == 0);
	run_free(&r);
	run_free(&big);
}

/* At its end, by its duration or by engine_stop, a run's threads wind
 * down as engine_wait runs them, and stop while the ring is half full:
 * the sleepers started by then (threads start one by one), woken at
 * once, say more than a ring of 256 holds, and the reader still gets the
 * end of every thread that started, with nothing dropped. */
static void a_run_winds_down_as_its_reader_reads(void)
{
	const char *text = "duration 20ms\nthread t * 200 { forever { sleep 1ms\ncpu 10us } }";
	for (int stop = 0; stop < 2; stop++) {
		struct run r;
		vstart(&r, text, (struct engine_options){ .policy = -1, .cores = 2,
							  .ring_capacity = 256 });
		bool stopped = false;
		while (!engine_wait(r.e, 1 * MS)) {
			drain_into(&r);
			if (stop && !stopped && engine_now(r.e) >= engine_start_time(r.e) + 15 * MS) {
				engine_stop(r.e);
				stopped = true;
			}
		}
		drain_into(&r);
		CU_ASSERT_EQUAL(stopped, stop == 1);
		CU_ASSERT_EQUAL(ring_dropped(engine_ring(r.e)), 0);
		size_t starts = 0, ends = 0;
		for (size_t i = 0; i < r.n; i++) {
			starts += r.evs[i].type == EV_THREAD_START;
			ends += r.evs[i].type == EV_THREAD_END;
		}
		CU_ASSERT(starts > 64);
		CU_ASSERT_EQUAL(ends, starts);
		run_free(&r);
	}
}

/* The run's end can fall while a thread is inside the engine's own
 * lock, at the work a futex wake costs it: the driver lets it finish its
 * section before it stops the run (it used to be a fatal error: "locked
 * from outside while a simulated thread holds it"). */
static void a_run_ends_while_a_thread_holds_the_engine_lock(void)
{
	struct run r;
	vrun(&r, "gil none\nobject o\nduration 300ms\n"
		 "thread t * 6 { forever { cpu 100us\nwith o { cpu 50us\nnative 30us } } }",
	     2, 1, -1, 0);
	CU_ASSERT_EQUAL(r.elapsed, 300 * MS);
	CU_ASSERT(r.n > 10000);
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(r.e)), 0);
	run_free(&r);
}

/* A thread that wakes another and loses its core to it, while it goes
 * on to wait on a condition, is blocked from then on: not runnable, so
 * not off a core. One core: a holds m and works 5 ms; its time slice
 * ends at 3 ms and b runs and blocks on m (a waits for the core a
 * moment); a's wait on c releases m and wakes b, which takes a's core (a
 * has run over 1 ms more) and works 5 ms before it signals. Off-core
 * stretches are reported for a only where it was runnable: the moment
 * at 3 ms, never the 5 ms it slept. */
struct offcore_log {
	struct prim *p;
	int64_t begin[8], end[8];
	int nbegin, nend;
};

static void log_offcore(void *arg, int64_t from, int64_t to, unsigned parts)
{
	struct offcore_log *l = arg;
	if ((parts & SYNC_OFF_BEGIN) && l->nbegin < 8)
		l->begin[l->nbegin++] = from;
	if ((parts & SYNC_OFF_END) && l->nend < 8)
		l->end[l->nend++] = to;
}

static void *holds_then_waits(void *arg)
{
	struct offcore_log *l = arg;
	struct prim *p = l->p;
	sync_lock(p->s, p->m);
	p->s->ops->cpu(p->s, 5 * MS / SYNC_VIRTUAL_TICK_NS, NULL);
	p->t_before = p->s->ops->now(p->s);
	sync_wait(p->s, p->c, p->m);
	p->t_after = p->s->ops->now(p->s);
	sync_unlock(p->s, p->m);
	return NULL;
}

static void *locks_then_signals(void *arg)
{
	struct offcore_log *l = arg;
	struct prim *p = l->p;
	sync_lock(p->s, p->m);
	p->s->ops->cpu(p->s, 5 * MS / SYNC_VIRTUAL_TICK_NS, NULL);
	sync_signal(p->s, p->c);
	sync_unlock(p->s, p->m);
	return NULL;
}

static void a_blocked_waker_is_not_off_a_core(void)
{
	struct prim p;
	prim_init(&p, 1);
	p.s->offcore = log_offcore;
	struct offcore_log a = { .p = &p }, b = { .p = &p };
	struct sync_thread *th[2] = {
		p.s->ops->thread_start(p.s, holds_then_waits, &a),
		p.s->ops->thread_start(p.s, locks_then_signals, &b),
	};
	CU_ASSERT_EQUAL(sync_virtual_run(p.s, INT64_MAX), SYNC_VIRTUAL_ENDED);
	/* a slept on c through b's 5 ms of work, and lost its core once
	 * before, at the end of its slice. */
	CU_ASSERT(p.t_after - p.t_before >= 5 * MS);
	CU_ASSERT(a.nbegin >= 1);
	CU_ASSERT_EQUAL(a.nbegin, a.nend);
	for (int i = 0; i < a.nbegin && i < a.nend; i++) {
		CU_ASSERT(a.end[i] - a.begin[i] < 100000);
		CU_ASSERT(a.end[i] <= p.t_before || a.begin[i] >= p.t_after);
	}
	for (int i = 0; i < 2; i++)
		p.s->ops->thread_join(p.s, th[i]);
	prim_fini(&p);
}

/* A signal wakes exactly one waiter: of waiters long asleep, the oldest,
 * whatever the seed (a futex queue is FIFO). */
static void a_signal_wakes_the_oldest_sleeping_waiter(void)
{
	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct prim p;
		prim_init_seed(&p, 4, seed);
		struct waiter_arg wa[3];
		struct sync_thread *th[4];
		for (int i = 0; i < 3; i++) {
			wa[i] = (struct waiter_arg){ &p, i };
			th[i] = p.s->ops->thread_start(p.s, waiter_ms, &wa[i]);
		}
		th[3] = p.s->ops->thread_start(p.s, signal_at_10ms, &p);
		CU_ASSERT_EQUAL(sync_virtual_run(p.s, 20 * MS), SYNC_VIRTUAL_STUCK);
		CU_ASSERT_EQUAL_FATAL(p.woken, 1);
		CU_ASSERT_EQUAL(p.order[0], 0);
		CU_ASSERT_EQUAL(sync_virtual_live(p.s), 2);
		prim_finish(&p, th, 4, 2);
	}
}

/* take_gil's race, with the primitives: a thread spins until a flag is
 * set (the holder checking its eval breaker), then signals; another sets
 * the flag and begins to wait (the waiter that timed out and set the drop
 * request), while an older waiter sleeps (the I/O thread). */
struct race {
	struct prim p;
	atomic_int flag;
	int64_t nap_ns; /* > 0: the new waiter's last wait times out after it;
			 * 0: it sleeps 5 ms instead */
};

static void *race_old(void *arg)
{
	struct waiter_arg *w = arg;
	struct prim *p = w->p;
	sync_lock(p->s, p->m);
	sync_wait(p->s, p->c, p->m);
	p->order[p->norder++] = w->id;
	sync_unlock(p->s, p->m);
	return NULL;
}

static void *race_new(void *arg)
{
	struct waiter_arg *w = arg;
	struct prim *p = w->p;
	struct race *r = (struct race *)p;
	if (r->nap_ns) {
		sync_lock(p->s, p->m);
		CU_ASSERT(sync_timedwait(p->s, p->c, p->m, r->nap_ns));
	} else {
		p->s->ops->sleep(p->s, 5 * MS);
		sync_lock(p->s, p->m);
	}
	atomic_store(&r->flag, 1);
	sync_wait(p->s, p->c, p->m);
	p->order[p->norder++] = w->id;
	sync_unlock(p->s, p->m);
	return NULL;
}

static void *race_holder(void *arg)
{
	struct race *r = arg;
	struct prim *p = &r->p;
	p->s->ops->cpu(p->s, 1000000, &r->flag); /* until the flag */
	sync_lock(p->s, p->m);
	sync_signal(p->s, p->c);
	sync_unlock(p->s, p->m);
	return NULL;
}

/* How many of rounds races (seeds 1 to rounds) the new waiter won. */
static int new_waiter_wins(int rounds, int64_t nap_ns)
{
	int fresh = 0;
	for (uint64_t seed = 1; seed <= (uint64_t)rounds; seed++) {
		struct race r;
		prim_init_seed(&r.p, 4, seed);
		atomic_init(&r.flag, 0);
		r.nap_ns = nap_ns;
		struct waiter_arg old = { &r.p, 0 }, young = { &r.p, 1 };
		struct sync_thread *th[3];
		th[0] = r.p.s->ops->thread_start(r.p.s, race_old, &old);
		th[1] = r.p.s->ops->thread_start(r.p.s, race_new, &young);
		th[2] = r.p.s->ops->thread_start(r.p.s, race_holder, &r);
		/* Past the end of the holder's planned work (its timer). */
		CU_ASSERT_EQUAL(sync_virtual_run(r.p.s, 100 * MS), SYNC_VIRTUAL_STUCK);
		CU_ASSERT_EQUAL_FATAL(r.p.norder, 1);
		fresh += r.p.order[0] == 1;
		prim_finish(&r.p, th, 3, 1);
	}
	return fresh;
}

/* ... the waiter that has only just begun to wait, not asleep yet, takes
 * the signal the model's share of the time; the older one otherwise.
 * Here it slept 5 ms before: the share of the table's last point. */
static void a_waiter_just_beginning_to_wait_often_takes_the_signal(void)
{
	struct sync_virtual_model m = model();
	const int rounds = 200;
	CU_ASSERT_FATAL(m.steal_sleep_ns[2] <= 5 * MS);
	int fresh = new_waiter_wins(rounds, 0);
	/* 200 draws of a share of m.steal_pct[2] %: four standard deviations
	 * (at most 14 points) either side. */
	CU_ASSERT(fresh * 100 >= (m.steal_pct[2] - 14) * rounds);
	CU_ASSERT(fresh * 100 <= (m.steal_pct[2] + 14) * rounds);
	CU_ASSERT(fresh < rounds);
}

/* ... less often when its last wait, the one that timed out before it
 * set the flag, was long: the share by that wait's length, at each of
 * the table's points. */
static void a_waiter_that_slept_longer_takes_fewer_signals(void)
{
	struct sync_virtual_model m = model();
	const int rounds = 2000;
	CU_ASSERT_FATAL(m.steal_pct[0] > m.steal_pct[1] && m.steal_pct[1] > m.steal_pct[2]);
	/* Its timer latency comes on top of the nap: at most timer_max for
	 * the first point; about timer_mean (within 0.1 ms, a share point)
	 * for the second. */
	int wins[3] = {
		new_waiter_wins(rounds, m.steal_sleep_ns[0] - m.timer_max),
		new_waiter_wins(rounds, m.steal_sleep_ns[1] - m.timer_mean),
		new_waiter_wins(rounds, 2 * m.steal_sleep_ns[2]),
	};
	/* 2000 draws: four standard deviations are at most 4.5 points, less
	 * than the points' shares differ by. */
	for (int i = 0; i < 3; i++) {
		CU_ASSERT(wins[i] * 200 >= (2 * m.steal_pct[i] - 9) * rounds);
		CU_ASSERT(wins[i] * 200 <= (2 * m.steal_pct[i] + 9) * rounds);
	}
	CU_ASSERT(wins[0] > wins[1] && wins[1] > wins[2]);
}

/* Many waiters on one condition, far more than a word of the waiter
 * set's bitmap, some of them timing out while others are still beginning
 * to wait: every one leaves the condition exactly once, by its timeout
 * or by one signal each, and a signal wakes exactly one. */
#define MANY_WAITERS 300

struct many {
	struct prim p;
	int woken_by_signal, timed_out;
	bool out[MANY_WAITERS];
	int order[MANY_WAITERS];
	int64_t began[MANY_WAITERS]; /* when each began to wait */
};

struct many_arg {
	struct many *m;
	int id;
};

static void *many_waiter(void *arg)
{
	struct many_arg *a = arg;
	struct many *m = a->m;
	struct prim *p = &m->p;
	p->s->ops->sleep(p->s, (a->id + 1) * US);
	sync_lock(p->s, p->m);
	m->began[a->id] = sync_now(p->s);
	bool timed_out;
	if (a->id % 2) {
		/* Times out while later ids still arrive. */
		timed_out = sync_timedwait(p->s, p->c, p->m, 40 * US);
	} else {
		sync_wait(p->s, p->c, p->m);
		timed_out = false;
	}
	CU_ASSERT_FALSE(m->out[a->id]);
	m->out[a->id] = true;
	if (timed_out)
		m->timed_out++;
	else
		m->order[m->woken_by_signal++] = a->id;
	sync_unlock(p->s, p->m);
	return NULL;
}

static void hundreds_of_waiters_each_leave_a_condition_once(void)
{
	struct many *m = calloc(1, sizeof *m);
	struct many_arg a[MANY_WAITERS];
	struct sync_thread *th[MANY_WAITERS];
	prim_init_seed(&m->p, 2, 11);
	struct sync *s = m->p.s;
	for (int i = 0; i < MANY_WAITERS; i++) {
		a[i] = (struct many_arg){ m, i };
		th[i] = s->ops->thread_start(s, many_waiter, &a[i]);
	}
	CU_ASSERT_EQUAL(sync_virtual_run(s, 100 * MS), SYNC_VIRTUAL_STUCK);
	CU_ASSERT_EQUAL(m->timed_out, MANY_WAITERS / 2);
	CU_ASSERT_EQUAL(m->woken_by_signal, 0);
	for (int k = 1; k <= MANY_WAITERS / 2; k++) {
		sync_lock(s, m->p.m);
		sync_signal(s, m->p.c);
		sync_unlock(s, m->p.m);
		enum sync_virtual_status st = sync_virtual_run(s, INT64_MAX);
		CU_ASSERT_EQUAL(st, k == MANY_WAITERS / 2 ? SYNC_VIRTUAL_ENDED : SYNC_VIRTUAL_STUCK);
		CU_ASSERT_EQUAL_FATAL(m->woken_by_signal, k);
	}
	int fifo = 0, odd = 0;
	for (int i = 0; i < MANY_WAITERS / 2; i++) {
		fifo += i && m->began[m->order[i]] >= m->began[m->order[i - 1]];
		odd += m->order[i] % 2;
	}
	CU_ASSERT_EQUAL(odd, 0); /* only the ones that had no timeout */
	/* Signalled long after they began to wait: the oldest first. */
	CU_ASSERT_EQUAL(fifo, MANY_WAITERS / 2 - 1);
	for (int i = 0; i < MANY_WAITERS; i++) {
		CU_ASSERT(m->out[i]);
		s->ops->thread_join(s, th[i]);
	}
	prim_fini(&m->p);
	free(m);
}

static void *timed_waiter(void *arg)
{
	struct prim *p = arg;
	sync_lock(p->s, p->m);
	p->t_before = sync_now(p->s);
	p->timed_out = sync_timedwait(p->s, p->c, p->m, 3 * MS);
	p->t_after = sync_now(p->s);
	sync_unlock(p->s, p->m);
	return NULL;
}

static void timedwait_times_out_at_the_deadline_plus_timer_latency(void)
{
	struct sync_virtual_model m = model();
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct prim p;
		memset(&p, 0, sizeof p);
		p.s = sync_virtual_create(1, seed);
		p.m = p.s->ops->mutex_new(p.s);
		p.c = p.s->ops->cond_new(p.s);
		struct sync_thread *t = p.s->ops->thread_start(p.s, timed_waiter, &p);
		CU_ASSERT_EQUAL(sync_virtual_run(p.s, INT64_MAX), SYNC_VIRTUAL_ENDED);
		CU_ASSERT(p.timed_out);
		int64_t late = p.t_after - p.t_before - 3 * MS;
		CU_ASSERT(late >= m.timer_min && late <= m.timer_max);
		p.s->ops->thread_join(p.s, t);
		prim_fini(&p);
	}
}

static void *cpu_worker(void *arg)
{
	struct prim *p = arg;
	p->s->ops->cpu(p->s, 1000000, NULL); /* 50 ms */
	return NULL;
}

static void cpu_work_shares_a_core_and_runs_in_parallel_on_two(void)
{
	for (unsigned cores = 1; cores <= 2; cores++) {
		struct prim p;
		prim_init(&p, cores);
		struct sync_thread *a = p.s->ops->thread_start(p.s, cpu_worker, &p);
		struct sync_thread *b = p.s->ops->thread_start(p.s, cpu_worker, &p);
		CU_ASSERT_EQUAL(sync_virtual_run(p.s, INT64_MAX), SYNC_VIRTUAL_ENDED);
		int64_t want = cores == 1 ? 100 * MS : 50 * MS;
		CU_ASSERT(sync_now(p.s) >= want);
		/* One core: a context switch per time slice. */
		CU_ASSERT(sync_now(p.s) <= want + 40 * 2 * US);
		p.s->ops->thread_join(p.s, a);
		p.s->ops->thread_join(p.s, b);
		prim_fini(&p);
	}
}

/* test_gil's mutual exclusion, with coroutines: never two holders. */
static void the_gil_excludes_under_coroutines_for_every_policy(void)
{
	for (int policy = GIL_NEW; policy <= GIL_LEGACY; policy++) {
		struct mx mx;
		struct gil_counters c;
		mx_run(&mx, (enum gil_policy)policy, 300, 300, &c);
		CU_ASSERT_EQUAL(mx.violations, 0);
		CU_ASSERT_EQUAL(mx.rounds, 4 * 300);
	}
}

static void a_pause_freezes_the_virtual_clock(void)
{
	struct gv_error err;
	const char *text = "thread t { cpu 50ms }";
	struct scenario *sc = scenario_parse(text, strlen(text), "t.gil", &err);
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 1 };
	struct engine *e = engine_create(sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	engine_start(e);
	CU_ASSERT_FALSE(engine_wait(e, 10 * MS));
	int64_t t = engine_now(e);
	engine_pause(e);
	CU_ASSERT_FALSE(engine_wait(e, 1 * MS));
	CU_ASSERT_EQUAL(engine_now(e), t);
	engine_resume(e);
	while (!engine_wait(e, 10 * MS))
		;
	CU_ASSERT_EQUAL(engine_elapsed(e) >= 50 * MS, 1);
	engine_destroy(e);
	scenario_free(sc);
}

/* A reader that drains a small ring only every 100 ms of virtual time,
 * where 100 ms of the run make ten times the ring's events: the run
 * stops short whenever the ring is half full, and the reader gets every
 * event, the same stream as from the default ring drained every 2 ms. */
static void a_virtual_run_waits_for_its_reader(void)
{
	const char *text = "duration 1s\nthread t * 2 { cpu 10s }";
	struct run big;
	vrun(&big, text, 2, 3, -1, 10000);
	CU_ASSERT(big.n > 20000);
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(big.e)), 0);

	struct run r;
	vstart(&r, text, (struct engine_options){ .policy = -1, .interval_ns = 10000,
						  .cores = 2, .seed = 3, .ring_capacity = 256 });
	CU_ASSERT_EQUAL(ring_capacity(engine_ring(r.e)), 256);
	unsigned calls = 1;
	while (!engine_wait(r.e, 100 * MS)) {
		drain_into(&r);
		calls++;
	}
	drain_into(&r);
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(r.e)), 0);
	/* 1 s in slices of 100 ms would be 10 calls. */
	CU_ASSERT(calls > big.n / 256);
	CU_ASSERT_EQUAL(r.n, big.n);
	CU_ASSERT(r.n == big.n && memcmp(r.evs, big.evs, r.n * sizeof *r.evs) == 0);
	run_free(&r);
	run_free(&big);
}

/* Four spinners on one GIL and two cores: the GIL goes round. Before the
 * wake-up latency was paid by every woken thread, a thread whose timer
 * fired a few microseconds before another's was always overtaken by it
 * through the ready queue and never got the GIL (a 505 ms wait out of
 * 500). Each of three waiters should wait about three intervals; a
 * woken waiter can lose the GIL to a timed-out one that runs first, and
 * a turn can run an interval past the moment the thread forced off asks
 * again (queued on the new holder's core), so the bound on the longest
 * wait is loose, but far below starvation. */
static const char four_spinners[] = "thread t * 4 { spin 1s }";

static void four_spinners_share_the_gil_on_two_cores(void)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct run r;
		vrun(&r, four_spinners, 2, seed, -1, 5 * MS);
		int64_t maxw[4] = { 0 };
		unsigned acq[4] = { 0 };
		for (size_t i = 0; i < r.n; i++) {
			const struct event *e = &r.evs[i];
			if (e->type != EV_GIL_ACQUIRE || e->tid >= 4)
				continue;
			acq[e->tid]++;
			if ((int64_t)e->arg > maxw[e->tid])
				maxw[e->tid] = (int64_t)e->arg;
		}
		for (int t = 0; t < 4; t++) {
			if (getenv("GILVIZ_TEST_VERBOSE"))
				printf("seed %llu t%d acq %u max %.3f ms\n",
				       (unsigned long long)seed, t, acq[t], (double)maxw[t] / 1e6);
			/* A fair share is about 200 / 4 acquisitions. */
			CU_ASSERT(acq[t] >= 25);
			CU_ASSERT(maxw[t] < 40 * 5 * MS);
		}
		run_free(&r);
	}
	struct run a, b;
	vrun(&a, four_spinners, 2, 11, -1, 5 * MS);
	vrun(&b, four_spinners, 2, 11, -1, 5 * MS);
	CU_ASSERT(a.n == b.n && memcmp(a.evs, b.evs, a.n * sizeof *a.evs) == 0);
	run_free(&a);
	run_free(&b);
}


/* ---- free-threaded Python's costs ---------------------------------- */

/* A point where a thread begins (+1) or ends (-1) holding something. */
/* The most threads holding at once from `from` on: a hold runs from a
 * start event to the thread's next end event, each a list of types. */
static int most_at_once(const struct run *r, uint64_t from, const int *starts, size_t nstarts,
			const int *ends, size_t nends, unsigned aux_only, bool use_aux)
{
	struct edge *ev = calloc(r->n * 2 + 1, sizeof *ev);
	size_t n = 0;
	bool held[64] = { false };
	uint64_t since[64] = { 0 };
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->evs[i];
		if (e->tid >= 64 || (use_aux && e->aux != aux_only))
			continue;
		bool is_start = false, is_end = false;
		for (size_t k = 0; k < nstarts; k++)
			is_start |= e->type == starts[k];
		for (size_t k = 0; k < nends; k++)
			is_end |= e->type == ends[k];
		if (is_start && !held[e->tid]) {
			held[e->tid] = true;
			since[e->tid] = e->t;
		} else if (is_end && held[e->tid]) {
			held[e->tid] = false;
			if (e->t > from && e->t > since[e->tid]) {
				ev[n++] = (struct edge){ since[e->tid] > from ? since[e->tid] : from, 1 };
				ev[n++] = (struct edge){ e->t, -1 };
			}
		}
	}
	int most = overlap_most(ev, n);
	free(ev);
	return most;
}

static int lock_holders_at_once(const struct run *r, unsigned obj)
{
	static const int starts[] = { EV_LOCK_TAKE }, ends[] = { EV_LOCK_RELEASE };
	return most_at_once(r, 0, starts, 1, ends, 1, obj, true);
}

/* GIL holders: from an acquisition to the thread's next release, forced
 * drop, request (a thread that stops running without the GIL asks for
 * it) or its own turning on of the GIL. */
static int gil_holders_at_once(const struct run *r, uint64_t from)
{
	static const int starts[] = { EV_GIL_ACQUIRE };
	static const int ends[] = { EV_GIL_RELEASE, EV_FORCED_DROP, EV_GIL_REQUEST,
				    EV_GIL_ENABLE, EV_THREAD_END };
	return most_at_once(r, from, starts, 1, ends, 5, 0, false);
}

static size_t count_of(const struct run *r, enum event_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->evs[i].type == type;
	return n;
}

static const char shared_list[] =
	"gil none\nobject l\n"
	"thread t * 4 { repeat 20 { cpu 200us; with l { cpu 300us } } }\n";

/* Under gil none a shared object's lock admits one thread at a time,
 * and with four threads on four cores they do wait for it. */
static void a_critical_section_admits_one_thread_at_a_time_under_none(void)
{
	struct run r;
	vrun(&r, shared_list, 4, 3, -1, 0);
	CU_ASSERT_EQUAL(count_of(&r, EV_LOCK_TAKE), 80);
	CU_ASSERT_EQUAL(count_of(&r, EV_LOCK_RELEASE), 80);
	CU_ASSERT(count_of(&r, EV_LOCK_WAIT) > 10);
	CU_ASSERT_EQUAL(lock_holders_at_once(&r, 0), 1);
	/* The threads themselves ran in parallel outside the section. */
	CU_ASSERT(gil_holders_at_once(&r, 0) >= 2);
	/* Serialised sections: at least 80 x 300 us, 8% slower. */
	CU_ASSERT(r.elapsed >= 80 * 300 * US);
	run_free(&r);
}

/* Under a GIL the sections compile to nothing: no lock events, and the
 * run is the very same as without them. */
static void critical_sections_cost_nothing_under_a_gil(void)
{
	static const char plain[] =
		"gil none\nobject l\n"
		"thread t * 4 { repeat 20 { cpu 200us; cpu 300us } }\n";
	struct run a, b;
	vrun(&a, shared_list, 2, 3, GIL_NEW, 0);
	vrun(&b, plain, 2, 3, GIL_NEW, 0);
	CU_ASSERT_EQUAL(count_of(&a, EV_LOCK_TAKE) + count_of(&a, EV_LOCK_WAIT), 0);
	CU_ASSERT_EQUAL(a.elapsed, b.elapsed);
	run_free(&a);
	run_free(&b);
}

/* A thread that blocks inside a section lets its lock go (CPython
 * suspends the section) and takes it back when it goes on: the other
 * thread gets the lock during the io, not after the whole section. */
static void a_thread_releases_its_lock_while_it_blocks(void)
{
	struct run r;
	vrun(&r, "gil none\nobject l\n"
		 "thread a { with l { cpu 1ms; io 10ms; cpu 1ms } }\n"
		 "thread b { cpu 500us; with l { cpu 1ms } }\n", 2, 1, -1, 0);
	int64_t a_off = t_of(&r, 0, EV_LOCK_RELEASE, 0);
	int64_t a_back = t_of(&r, 0, EV_LOCK_TAKE, 1);
	int64_t b_take = t_of(&r, 1, EV_LOCK_TAKE, 0);
	CU_ASSERT(a_off > 0 && a_back > a_off);
	CU_ASSERT(b_take > a_off && b_take < a_back);
	/* b waited for a's first millisecond, never for its io. */
	CU_ASSERT(t_of(&r, 1, EV_LOCK_WAIT, 0) > 0);
	CU_ASSERT(b_take - t_of(&r, 1, EV_LOCK_WAIT, 0) < 2 * MS);
	CU_ASSERT_EQUAL(lock_holders_at_once(&r, 0), 1);
	run_free(&r);
}

/* gc every D pause P: a collection starts every D of run time (within a
 * few ticks in virtual time) and pauses P. */
static void gc_every_collects_on_time_in_virtual_time(void)
{
	struct run r;
	vrun(&r, "gil none\ngc every 10ms pause 1ms\nthread t { cpu 50ms }\n", 2, 1, -1, 0);
	int64_t start = engine_start_time(r.e);
	int k = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct event *e = &r.evs[i];
		if (e->type == EV_OP_START && e->aux == OP_GC) {
			k++;
			int64_t late = (int64_t)e->t - start - k * 10 * MS;
			CU_ASSERT(late >= 0 && late <= 4 * SYNC_VIRTUAL_TICK_NS);
			CU_ASSERT_EQUAL(e->arg, 1 * MS);
		}
	}
	/* 54 ms of work and 5 ms of pauses: collections at 10..50 ms. */
	CU_ASSERT_EQUAL(k, 5);
	CU_ASSERT(r.elapsed >= 59 * MS && r.elapsed < 60 * MS);
	run_free(&r);
}

/* Under a GIL the collecting thread holds the GIL throughout: nobody
 * acquires it between a collection's start and end. */
static void gc_every_holds_the_gil_under_a_gil(void)
{
	struct run r;
	vrun(&r, "gc every 7ms pause 2ms\nthread t * 2 { cpu 30ms }\n", 2, 1, GIL_NEW, 0);
	int gcs = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct event *e = &r.evs[i];
		if (e->type != EV_OP_START || e->aux != OP_GC)
			continue;
		gcs++;
		uint64_t from = e->t, to = UINT64_MAX;
		for (size_t j = i + 1; j < r.n; j++)
			if (r.evs[j].tid == e->tid && r.evs[j].type == EV_OP_END) {
				to = r.evs[j].t;
				break;
			}
		CU_ASSERT(to - from >= 2 * MS);
		for (size_t j = 0; j < r.n; j++) {
			const struct event *o = &r.evs[j];
			if (o->t > from && o->t < to)
				CU_ASSERT(!(o->type == EV_GIL_ACQUIRE ||
					    (o->tid == e->tid && (o->type == EV_GIL_RELEASE ||
								  o->type == EV_FORCED_DROP))));
		}
	}
	CU_ASSERT(gcs >= 6);
	run_free(&r);
}

/* When tid took the GIL it turned on: its first acquisition after
 * its EV_GIL_ENABLE. From then on at most one thread may hold it. */
static uint64_t gil_on_since(const struct run *r, int tid)
{
	int64_t on = t_of(r, tid, EV_GIL_ENABLE, 0);
	CU_ASSERT_FATAL(on >= 0);
	for (size_t i = 0; i < r->n; i++)
		if (r->evs[i].tid == tid && r->evs[i].type == EV_GIL_ACQUIRE &&
		    r->evs[i].t >= (uint64_t)on)
			return r->evs[i].t;
	CU_FAIL("no acquisition after the GIL came on");
	return UINT64_MAX;
}

static const char importer[] =
	"gil none\n"
	"thread w { cpu 100ms }\n"
	"thread i { cpu 20ms; import_unsafe \"old_ext\"; cpu 50ms }\n";

/* import_unsafe under none: the threads ran in parallel before it, at
 * most one holds the GIL after it, and the run takes the longer for it. */
static void an_unsafe_import_turns_the_gil_on(void)
{
	struct run r;
	vrun(&r, importer, 2, 5, -1, 0);
	CU_ASSERT_EQUAL_FATAL(count_of(&r, EV_GIL_ENABLE), 1);
	int64_t on = t_of(&r, 1, EV_GIL_ENABLE, 0);
	CU_ASSERT(on >= 21 * MS && on < 23 * MS);
	CU_ASSERT_EQUAL(gil_holders_at_once(&r, 0), 2);
	/* The importer waits at most a chunk of work (1 ms) for the other
	 * thread to stop at its next check. */
	CU_ASSERT(gil_on_since(&r, 1) - (uint64_t)on <= 1100 * US);
	CU_ASSERT_EQUAL(gil_holders_at_once(&r, gil_on_since(&r, 1)), 1);
	/* After it the two share one GIL: switches, forced ones. */
	CU_ASSERT(r.c.forced_switches > 5);
	/* 21.6 ms side by side, then 86.4 + 54 ms one at a time. */
	CU_ASSERT(r.elapsed > 150 * MS);
	run_free(&r);
	/* Under a GIL the import changes nothing. */
	vrun(&r, importer, 2, 5, GIL_NEW, 0);
	CU_ASSERT_EQUAL(count_of(&r, EV_GIL_ENABLE), 0);
	run_free(&r);
}

/* A thread inside a section when the GIL comes on lets its lock go: a
 * thread waiting for that lock is not left waiting, and the run ends. */
static void an_unsafe_import_releases_the_locks_in_flight(void)
{
	struct run r;
	vrun(&r, "gil none\nobject l\n"
		 "thread h { with l { cpu 30ms } }\n"
		 "thread w { cpu 1ms; with l { cpu 1ms } }\n"
		 "thread i { cpu 5ms; import_unsafe \"old\"; cpu 1ms }\n", 3, 2, -1, 0);
	CU_ASSERT_EQUAL(count_of(&r, EV_GIL_ENABLE), 1);
	CU_ASSERT_EQUAL(count_of(&r, EV_THREAD_END), 3);
	CU_ASSERT_EQUAL(gil_holders_at_once(&r, gil_on_since(&r, 2)), 1);
	CU_ASSERT_EQUAL(lock_holders_at_once(&r, 0), 1);
	run_free(&r);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(two_cpu_threads_switch_once_per_interval),
	CU_TEST_ENTRY(io_thread_waits_interval_plus_wakeup_cost),
	CU_TEST_ENTRY(four_threads_of_cpu_take_four_times_as_long),
	CU_TEST_ENTRY(threads_start_one_by_one_unless_told_together),
	CU_TEST_ENTRY(four_processes_of_cpu_take_twice_as_long_on_two_cores),
	CU_TEST_ENTRY(four_spinning_threads_end_at_about_d),
	CU_TEST_ENTRY(four_spinners_share_the_gil_on_two_cores),
	CU_TEST_ENTRY(native_hold_makes_the_waiter_wait_d_whatever_the_interval),
	CU_TEST_ENTRY(legacy_battle_fails_wakeups_more_on_two_cores_than_on_one),
	CU_TEST_ENTRY(same_seed_gives_identical_events),
	CU_TEST_ENTRY(same_seed_gives_identical_json_reports),
	CU_TEST_ENTRY(two_seeds_may_differ_but_both_keep_the_invariants),
	CU_TEST_ENTRY(a_signal_wakes_the_oldest_sleeping_waiter),
	CU_TEST_ENTRY(a_waiter_just_beginning_to_wait_often_takes_the_signal),
	CU_TEST_ENTRY(a_waiter_that_slept_longer_takes_fewer_signals),
	CU_TEST_ENTRY(hundreds_of_waiters_each_leave_a_condition_once),
	CU_TEST_ENTRY(timedwait_times_out_at_the_deadline_plus_timer_latency),
	CU_TEST_ENTRY(cpu_work_shares_a_core_and_runs_in_parallel_on_two),
	CU_TEST_ENTRY(the_gil_excludes_under_coroutines_for_every_policy),
	CU_TEST_ENTRY(a_pause_freezes_the_virtual_clock),
	CU_TEST_ENTRY(a_critical_section_admits_one_thread_at_a_time_under_none),
	CU_TEST_ENTRY(critical_sections_cost_nothing_under_a_gil),
	CU_TEST_ENTRY(a_thread_releases_its_lock_while_it_blocks),
	CU_TEST_ENTRY(gc_every_collects_on_time_in_virtual_time),
	CU_TEST_ENTRY(a_virtual_run_waits_for_its_reader),
	CU_TEST_ENTRY(a_blocked_waker_is_not_off_a_core),
	CU_TEST_ENTRY(a_run_winds_down_as_its_reader_reads),
	CU_TEST_ENTRY(the_end_does_not_depend_on_the_reader),
	CU_TEST_ENTRY(a_run_ends_while_a_thread_holds_the_engine_lock),
	CU_TEST_ENTRY(gc_every_holds_the_gil_under_a_gil),
	CU_TEST_ENTRY(an_unsafe_import_turns_the_gil_on),
	CU_TEST_ENTRY(an_unsafe_import_releases_the_locks_in_flight),
	CU_TEST_END,
};

CU_MAIN("virtual", tests)
