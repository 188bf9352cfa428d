/*
 * test_designs.c -- the GIL designs of gil_designs.c (priority, bfs,
 * fifo, ruby), each by its rule: who gets the GIL next, and when a drop
 * is requested.
 *
 * Everything runs in virtual time (sync_virtual.c), so the bounds come
 * from the model's constants, not from wall-clock margins.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "mx.h"
#include "engine.h"
#include "gil.h"
#include "scenario.h"
#include "sync.h"

#define MS 1000000LL
#define US 1000LL

/* A wait that is only a handoff: the holder's next tick, the waiter's
 * wake-up (at most 45 us in the model) and the scheduler's costs; far
 * below any interval. */
#define HANDOFF_NS (100 * US)

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

/* Run text in virtual time on 2 cores under policy, in slow motion,
 * draining as it goes. */
static void vrun_slow(struct run *r, const char *text, enum gil_policy policy,
		      int64_t interval, double slow)
{
	struct gv_error err;
	memset(r, 0, sizeof *r);
	r->sc = scenario_parse(text, strlen(text), "test.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->sc);
	struct engine_options o = { .policy = (int)policy, .interval_ns = interval,
				    .virtual_time = true, .cores = 2, .seed = 3,
				    .slow = slow };
	r->e = engine_create(r->sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->e);
	engine_start(r->e);
	while (!engine_wait(r->e, 2 * MS))
		drain_into(r);
	drain_into(r);
	r->elapsed = engine_elapsed(r->e);
	engine_gil_counters(r->e, 0, &r->c);
}

static void vrun(struct run *r, const char *text, enum gil_policy policy, int64_t interval)
{
	vrun_slow(r, text, policy, interval, 1);
}

static void run_free(struct run *r)
{
	engine_destroy(r->e);
	scenario_free(r->sc);
	free(r->evs);
}

static struct sync_virtual_model model(void)
{
	struct sync_virtual_model m;
	sync_virtual_model(&m);
	return m;
}

/* The waits of tid's acquisitions, from the skip-th on, before `before`. */
static size_t waits(const struct run *r, int tid, size_t skip, int64_t before,
		    int64_t *out, size_t max)
{
	size_t n = 0, seen = 0;
	for (size_t i = 0; i < r->n && n < max; i++) {
		const struct event *e = &r->evs[i];
		if (e->tid != tid || e->type != EV_GIL_ACQUIRE || (int64_t)e->t >= before)
			continue;
		if (seen++ >= skip)
			out[n++] = (int64_t)e->arg;
	}
	return n;
}

/* The order in which the GIL was acquired, as thread ids. The ring keeps
 * each thread's events in order, not all of them: sort by time. */
static size_t acquisitions(const struct run *r, int *out, size_t max)
{
	size_t n = 0;
	int64_t *t = malloc(max * sizeof *t);
	for (size_t i = 0; i < r->n && n < max; i++) {
		if (r->evs[i].type != EV_GIL_ACQUIRE)
			continue;
		size_t j = n++;
		for (; j > 0 && t[j - 1] > (int64_t)r->evs[i].t; j--) {
			t[j] = t[j - 1];
			out[j] = out[j - 1];
		}
		t[j] = (int64_t)r->evs[i].t;
		out[j] = r->evs[i].tid;
	}
	free(t);
	return n;
}

/* In every window of k acquisitions (from first on), all k threads. */
static bool strict_turns(const int *order, size_t n, size_t first, int k)
{
	for (size_t i = first; i + (size_t)k <= n; i++) {
		unsigned mask = 0;
		for (int j = 0; j < k; j++)
			mask |= 1u << order[i + (size_t)j];
		if (mask != (1u << k) - 1)
			return false;
	}
	return true;
}

static const char convoy[] =
	"duration 1s\nthread hog { cpu 10s }\n"
	"thread server start 5ms { forever { io 1ms\ncpu 50us } }";

static const char convoy_two_hogs[] =
	"duration 1s\nthread hog * 2 { cpu 10s }\n"
	"thread server start 5ms { forever { io 1ms\ncpu 50us } }";

/* Started together, so that all four queue from the first turn on (one
 * by one, each joins the queue when the one before takes the GIL). */
static const char four_hogs[] = "duration 1s\nstartup together\nthread t * 4 { cpu 10s }";

/* A holder keeps the GIL 10 ms in C code; three threads ask for it in
 * turn, then the holder blocks for 10 us and asks again. */
static const char queue_up[] =
	"thread h { native_hold 10ms\nsleep 10us\ncpu 1ms }\n"
	"thread a start 1ms { cpu 1ms }\n"
	"thread b start 2ms { cpu 1ms }\n"
	"thread c start 3ms { cpu 1ms }";

/* Every forced drop follows a drop request that was recorded before it,
 * since the holder last took the GIL. */
static void requests_precede_drops(const struct run *r, int nthreads)
{
	for (int tid = 0; tid < nthreads; tid++) {
		int64_t took = -1;
		for (size_t i = 0; i < r->n; i++) {
			const struct event *e = &r->evs[i];
			if (e->tid == tid && e->type == EV_GIL_ACQUIRE)
				took = (int64_t)e->t;
			if (e->tid != tid || e->type != EV_FORCED_DROP)
				continue;
			bool asked = false;
			for (size_t j = 0; j < r->n && !asked; j++)
				asked = r->evs[j].type == EV_DROP_REQUEST &&
					(int64_t)r->evs[j].t >= took &&
					r->evs[j].t <= e->t && r->evs[j].tid != tid;
			CU_ASSERT(asked);
		}
	}
}

/* ---- every design --------------------------------------------------- */

/* Never two holders, whatever the policy (coroutines, 2 cores). */
static void every_design_excludes(void)
{
	for (int policy = GIL_PRIORITY; policy <= GIL_RUBY; policy++) {
		struct mx mx;
		struct gil_counters c;
		mx_run(&mx, (enum gil_policy)policy, 200, 3000, &c);
		CU_ASSERT_EQUAL(mx.violations, 0);
		CU_ASSERT_EQUAL(mx.rounds, 4 * 200);
		/* A handoff is never raced for. */
		CU_ASSERT_EQUAL(c.failed_wakeups, 0);
	}
}

/* The policies parse by name, as --gil and the scenario's gil say them. */
static void design_names_parse(void)
{
	CU_ASSERT_EQUAL(gil_policy_parse("priority"), GIL_PRIORITY);
	CU_ASSERT_EQUAL(gil_policy_parse("bfs"), GIL_BFS);
	CU_ASSERT_EQUAL(gil_policy_parse("fifo"), GIL_FIFO);
	CU_ASSERT_EQUAL(gil_policy_parse("ruby"), GIL_RUBY);
	struct gv_error err;
	const char *text = "gil ruby\nthread t { cpu 1ms }";
	struct scenario *sc = scenario_parse(text, strlen(text), "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->policy, GIL_RUBY);
	scenario_free(sc);
}

/* ---- fifo ------------------------------------------------------------ */

/* The waiters get the GIL in the order they asked; the holder that
 * blocked for 10 us comes back behind all three. */
static void fifo_hands_over_in_arrival_order(void)
{
	const int want[] = { 0, 1, 2, 3, 0 };
	for (int policy = GIL_FIFO; policy <= GIL_RUBY; policy++) {
		struct run r;
		/* An interval (ruby: a quantum) long enough that nobody asks h
		 * to drop: the op boundary after its native_hold is a check
		 * site, and a drop request pending there would hand the GIL
		 * over before h blocks. */
		vrun(&r, queue_up, (enum gil_policy)policy, 100 * MS);
		int order[16];
		size_t n = acquisitions(&r, order, 16);
		CU_ASSERT_EQUAL(n, 5);
		for (size_t i = 0; i < 5 && i < n; i++)
			CU_ASSERT_EQUAL(order[i], want[i]);
		run_free(&r);
	}
}

/* Four CPU-bound threads: strict turns, one interval each. */
static void fifo_cpu_threads_take_strict_turns(void)
{
	struct run r;
	vrun(&r, four_hogs, GIL_FIFO, 5 * MS);
	int order[1024];
	size_t n = acquisitions(&r, order, 1024);
	/* About one switch per interval and its costs: 1 s / 5 ms. */
	CU_ASSERT(n > 180 && n <= 200);
	CU_ASSERT(strict_turns(order, n, 0, 4));
	requests_precede_drops(&r, 4);
	run_free(&r);
	/* Not so under the new GIL, where the woken waiter is the oldest but
	 * a timed-out one can overtake it. */
	vrun(&r, four_hogs, GIL_NEW, 5 * MS);
	n = acquisitions(&r, order, 1024);
	CU_ASSERT_FALSE(strict_turns(order, n, 0, 4));
	run_free(&r);
}

/* The request comes after a full interval, as in the new GIL: fifo alone
 * does not cure the convoy. */
static void fifo_asks_after_a_full_interval(void)
{
	struct sync_virtual_model m = model();
	struct run r;
	vrun(&r, convoy, GIL_FIFO, 5 * MS);
	int64_t w[2048];
	size_t n = waits(&r, 1, 0, 1000 * MS, w, 2048);
	CU_ASSERT(n > 100);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(w[i] >= 5 * MS + m.timer_min);
		CU_ASSERT(w[i] <= 5 * MS + m.timer_max + m.wake_max + m.tick_ns);
	}
	requests_precede_drops(&r, 2);
	run_free(&r);
}

/* ---- priority -------------------------------------------------------- */

/* The hog is not CPU-bound until its first forced drop, so the server's
 * first wait is a full interval; after that, the server asks at once and
 * waits only for the hog's next tick and its own wake-up. */
static void priority_io_thread_preempts_a_cpu_bound_holder(void)
{
	struct run r;
	vrun(&r, convoy, GIL_PRIORITY, 5 * MS);
	int64_t w[8192];
	size_t n = waits(&r, 1, 0, 1000 * MS, w, 8192);
	CU_ASSERT_FATAL(n > 500);
	CU_ASSERT(w[0] >= 5 * MS);
	for (size_t i = 1; i < n; i++)
		CU_ASSERT(w[i] <= HANDOFF_NS);
	/* The server's requests come as soon as it asks. */
	for (size_t i = 0; i < r.n; i++)
		if (r.evs[i].tid == 1 && r.evs[i].type == EV_DROP_REQUEST && r.evs[i].t > 20 * MS)
			CU_ASSERT(r.evs[i].arg == 0);
	requests_precede_drops(&r, 2);
	run_free(&r);
}

/* A release picks the I/O-bound waiter before a CPU-bound one that has
 * waited longer; the two hogs still take turns once per interval. */
static void priority_release_prefers_the_io_thread(void)
{
	struct run r;
	vrun(&r, convoy_two_hogs, GIL_PRIORITY, 5 * MS);
	int64_t w[8192];
	size_t n = waits(&r, 2, 1, 1000 * MS, w, 8192);
	CU_ASSERT(n > 500);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT(w[i] <= HANDOFF_NS);
	run_free(&r);
	/* Under fifo the server queues behind the waiting hog. */
	vrun(&r, convoy_two_hogs, GIL_FIFO, 5 * MS);
	n = waits(&r, 2, 1, 1000 * MS, w, 8192);
	CU_ASSERT(n > 20);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT(w[i] >= 5 * MS);
	run_free(&r);
}

/* A forced drop marks x CPU-bound and its first I/O clears the mark: from
 * then on it preempts the (CPU-bound) hog at once again. */
static void priority_voluntary_release_clears_the_mark(void)
{
	struct run r;
	vrun(&r, "thread x { cpu 30ms\nrepeat 5 { io 1ms\ncpu 50us } }\n"
		 "thread hog start 1ms { cpu 10s }", GIL_PRIORITY, 5 * MS);
	int64_t w[64];
	size_t n = waits(&r, 0, 0, INT64_MAX, w, 64);
	CU_ASSERT_FATAL(n >= 6);
	/* While marked, x waits out intervals like any CPU-bound thread... */
	size_t slow = 0;
	for (size_t i = 1; i + 5 < n; i++)
		slow += w[i] >= 5 * MS;
	CU_ASSERT(slow >= 1);
	/* ...and after each read it is I/O-bound again. */
	for (size_t i = n - 5; i < n; i++)
		CU_ASSERT(w[i] <= HANDOFF_NS);
	run_free(&r);
}

static void priority_cpu_threads_switch_once_per_interval(void)
{
	struct run r;
	vrun(&r, "duration 2s\nthread a { cpu 10s }\nthread b { cpu 10s }", GIL_PRIORITY, 20 * MS);
	/* The first two acquisitions count as switches too. */
	double per_s = (double)(r.c.switches - 2) / ((double)r.elapsed / 1e9);
	CU_ASSERT(per_s > 50 * 0.98 && per_s <= 50);
	CU_ASSERT(r.c.forced_switches + 2 >= r.c.switches);
	run_free(&r);
}

/* ---- bfs ------------------------------------------------------------- */

/* The server's runs are short, so it keeps an early deadline and
 * preempts the hog at once, most of the time: when its slice runs out it
 * gets a deadline later than the hog's and waits, at most for the rest of
 * the hog's slice. */
static void bfs_io_thread_preempts_a_cpu_bound_holder(void)
{
	struct sync_virtual_model m = model();
	struct run r;
	vrun(&r, convoy, GIL_BFS, 5 * MS);
	int64_t w[8192];
	size_t n = waits(&r, 1, 0, 1000 * MS, w, 8192);
	CU_ASSERT_FATAL(n > 500);
	size_t fast = 0;
	for (size_t i = 0; i < n; i++) {
		fast += w[i] <= HANDOFF_NS;
		CU_ASSERT(w[i] <= 5 * MS + m.wake_max + m.timer_max);
	}
	CU_ASSERT(fast * 100 >= n * 95);
	run_free(&r);
}

/* CPU-bound threads run one slice each, in turn: the holder notices its
 * slice is spent within 5000 ticks, without anyone asking. */
static void bfs_cpu_threads_run_a_slice_each_in_turn(void)
{
	struct sync_virtual_model m = model();
	struct run r;
	vrun(&r, four_hogs, GIL_BFS, 5 * MS);
	int order[1024];
	size_t n = acquisitions(&r, order, 1024);
	CU_ASSERT(n > 180 && n <= 210);
	/* After the first round, whose deadlines are all equal. */
	CU_ASSERT(strict_turns(order, n, 4, 4));
	/* No drop requests after the start: the slices end the runs. */
	CU_ASSERT(r.c.drop_requests <= 3);
	for (int tid = 0; tid < 4; tid++) {
		int64_t took = -1;
		for (size_t i = 0; i < r.n; i++) {
			const struct event *e = &r.evs[i];
			if (e->tid != tid)
				continue;
			if (e->type == EV_GIL_ACQUIRE)
				took = (int64_t)e->t;
			else if (e->type == EV_FORCED_DROP && took >= 0) {
				int64_t held = (int64_t)e->t - took;
				CU_ASSERT(held >= 5 * MS);
				/* bfs.c reads the clock every 5000 ticks */
				CU_ASSERT(held <= 5 * MS + 5000 * m.tick_ns);
			}
		}
	}
	run_free(&r);
}

/* A thread alone starts slice after slice and never drops the GIL. */
static void bfs_lone_thread_keeps_the_gil(void)
{
	struct run r;
	vrun(&r, "thread t { cpu 100ms }", GIL_BFS, 5 * MS);
	CU_ASSERT_EQUAL(r.c.acquisitions, 1);
	CU_ASSERT_EQUAL(r.c.forced_switches, 0);
	run_free(&r);
}

/* ---- ruby ------------------------------------------------------------ */

/* The server waits a quantum, counted in 10 ms ticks from when it began
 * to wait: 100 ms, and a 25 ms quantum lasts three ticks, 5 ms one. */
static void ruby_io_thread_waits_a_quantum_of_ticks(void)
{
	struct sync_virtual_model m = model();
	const int64_t quantum[] = { 100 * MS, 25 * MS, 5 * MS };
	const int64_t wait[] = { 100 * MS, 30 * MS, 10 * MS };
	for (int k = 0; k < 3; k++) {
		struct run r;
		vrun(&r, convoy, GIL_RUBY, quantum[k]);
		int64_t w[1024];
		size_t n = waits(&r, 1, 0, 1000 * MS, w, 1024);
		CU_ASSERT((int64_t)n >= 1000 * MS / (wait[k] + 2 * MS) - 1);
		for (size_t i = 0; i < n; i++) {
			CU_ASSERT(w[i] >= wait[k]);
			CU_ASSERT(w[i] <= wait[k] + m.timer_max + m.wake_max + m.tick_ns);
		}
		requests_precede_drops(&r, 2);
		run_free(&r);
	}
}

/* The timer ticks only while someone waits: a hog that has run alone for
 * 300 ms, three quanta, is not charged for them. */
static void ruby_timer_ticks_only_while_someone_waits(void)
{
	struct run r;
	vrun(&r, "thread hog { cpu 1s }\nthread late start 300ms { cpu 1ms }", GIL_RUBY, 100 * MS);
	int64_t w[4];
	CU_ASSERT_EQUAL_FATAL(waits(&r, 1, 0, INT64_MAX, w, 4), 1);
	CU_ASSERT(w[0] >= 100 * MS);
	CU_ASSERT(w[0] < 101 * MS);
	run_free(&r);
}

/* In slow motion the timer's tick slows down with everything else, so
 * the picture is the same, only slower: at 4x, one tick is 40 ms. */
static void ruby_tick_follows_slow_motion(void)
{
	struct sync_virtual_model m = model();
	struct run r;
	vrun_slow(&r, convoy, GIL_RUBY, 5 * MS, 4);
	int64_t w[256];
	size_t n = waits(&r, 1, 0, 4000 * MS, w, 256);
	CU_ASSERT(n > 50);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(w[i] >= 40 * MS);
		CU_ASSERT(w[i] <= 40 * MS + m.timer_max + m.wake_max + m.tick_ns);
	}
	run_free(&r);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(every_design_excludes),
	CU_TEST_ENTRY(design_names_parse),
	CU_TEST_ENTRY(fifo_hands_over_in_arrival_order),
	CU_TEST_ENTRY(fifo_cpu_threads_take_strict_turns),
	CU_TEST_ENTRY(fifo_asks_after_a_full_interval),
	CU_TEST_ENTRY(priority_io_thread_preempts_a_cpu_bound_holder),
	CU_TEST_ENTRY(priority_release_prefers_the_io_thread),
	CU_TEST_ENTRY(priority_voluntary_release_clears_the_mark),
	CU_TEST_ENTRY(priority_cpu_threads_switch_once_per_interval),
	CU_TEST_ENTRY(bfs_io_thread_preempts_a_cpu_bound_holder),
	CU_TEST_ENTRY(bfs_cpu_threads_run_a_slice_each_in_turn),
	CU_TEST_ENTRY(bfs_lone_thread_keeps_the_gil),
	CU_TEST_ENTRY(ruby_io_thread_waits_a_quantum_of_ticks),
	CU_TEST_ENTRY(ruby_timer_ticks_only_while_someone_waits),
	CU_TEST_ENTRY(ruby_tick_follows_slow_motion),
	CU_TEST_END,
};

CU_MAIN("designs", tests)
