/*
 * test_gil.c -- the GIL policies, on real threads.
 *
 * Timing bounds here are deliberately generous (a loaded 2-core machine,
 * ThreadSanitizer): exact timing is for the benchmarks and for virtual
 * time. What these tests pin down is behaviour: who may hold the GIL, who
 * asks whom to drop it, and who gets it next.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "gil.h"
#include "ring.h"
#include "sync.h"

#define MS 1000000LL

struct fixture {
	struct sync *sync;
	struct ring *ring;
	struct gil *gil;
};

static void setup(struct fixture *f, enum gil_policy policy, int64_t interval)
{
	f->sync = sync_real_create();
	f->ring = ring_create(1u << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->ring);
	f->gil = gil_create(policy, f->sync, f->ring, 0);
	CU_ASSERT_EQUAL_FATAL(gil_set_interval(f->gil, interval), 0);
}

static void teardown(struct fixture *f)
{
	gil_destroy(f->gil);
	ring_destroy(f->ring);
	sync_destroy(f->sync);
}

static uint64_t ticks_for(struct sync *s, int64_t ns)
{
	uint64_t n = (uint64_t)((double)ns / s->tick_ns);
	return n ? n : 1;
}

/* Drain the ring into a malloc'd array. */
static struct event *drain(struct ring *r, size_t *n)
{
	size_t cap = 1024, len = 0;
	struct event *evs = malloc(cap * sizeof *evs);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			evs = realloc(evs, cap * sizeof *evs);
		}
		size_t got = ring_pop(r, evs + len, cap - len);
		if (!got)
			break;
		len += got;
	}
	*n = len;
	return evs;
}

static size_t count_type(const struct event *evs, size_t n, int tid, enum event_type type)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (evs[i].type == type && (tid < 0 || evs[i].tid == tid))
			c++;
	return c;
}

/* ---- mutual exclusion ------------------------------------------------ */

struct stress {
	struct fixture *f;
	uint16_t tid;
	int rounds;
	long *counter;
};

static void *stress_thread(void *arg)
{
	struct stress *st = arg;
	struct sync *s = st->f->sync;
	struct gil_thread t;
	gil_thread_init(&t, st->f->gil, st->tid);
	for (int i = 0; i < st->rounds; i++) {
		gil_take(&t);
		/* Python code that may be switched out (a check site) ... */
		gil_run_ticks(&t, 2);
		/* ... then a non-atomic read-modify-write with work in the
		 * middle but no check site, like one C call: only a second
		 * holder could interleave with it. (`counter += 1` in Python
		 * spans check sites and is not atomic; this is.) */
		long v = *st->counter;
		s->ops->cpu(s, 2, NULL);
		*st->counter = v + 1;
		gil_drop(&t, i + 1 == st->rounds ? RELEASE_EXIT : RELEASE_BLOCKING);
	}
	return NULL;
}

static void check_mutual_exclusion(enum gil_policy policy)
{
	struct fixture f;
	setup(&f, policy, 50000); /* 50 us: many forced requests as well */
	enum { N = 4, M = 3000 };
	long counter = 0;
	pthread_t th[N];
	struct stress st[N];
	for (int i = 0; i < N; i++) {
		st[i] = (struct stress){ &f, (uint16_t)i, M, &counter };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, stress_thread, &st[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(counter, (long)N * M);
	struct gil_counters c;
	gil_counters(f.gil, &c);
	/* Forced drops add acquisitions of their own. */
	CU_ASSERT(c.acquisitions >= (uint64_t)N * M);
	CU_ASSERT_EQUAL(c.acquisitions - c.forced_switches, (uint64_t)N * M);
	teardown(&f);
}

static void new_gil_excludes_under_stress(void)
{
	check_mutual_exclusion(GIL_NEW);
}

static void legacy_gil_excludes_under_stress(void)
{
	check_mutual_exclusion(GIL_LEGACY);
}

/* The designs of gil_designs.c hand the GIL over through a queue. */
static void designs_exclude_under_stress(void)
{
	for (int p = GIL_PRIORITY; p <= GIL_RUBY; p++)
		check_mutual_exclusion((enum gil_policy)p);
}

/* ---- drop requests ----------------------------------------------------- */

struct cpu_worker {
	struct fixture *f;
	uint16_t tid;
	int64_t delay;    /* sleep before asking for the GIL */
	int64_t cpu_ns;   /* pure-Python work while holding */
	int64_t hold_ns;  /* then hold without checking (native_hold) */
	atomic_int *go;   /* set when this thread holds the GIL */
	int64_t got_at;   /* when it got the GIL */
};

static void *cpu_worker_thread(void *arg)
{
	struct cpu_worker *w = arg;
	struct sync *s = w->f->sync;
	struct gil_thread t;
	gil_thread_init(&t, w->f->gil, w->tid);
	if (w->delay)
		s->ops->sleep(s, w->delay);
	gil_take(&t);
	w->got_at = sync_now(s);
	if (w->go)
		atomic_store(w->go, 1);
	if (w->cpu_ns)
		gil_run_ticks(&t, ticks_for(s, w->cpu_ns));
	if (w->hold_ns)
		s->ops->sleep(s, w->hold_ns);
	gil_drop(&t, RELEASE_EXIT);
	return NULL;
}

static void wait_flag(atomic_int *flag)
{
	while (!atomic_load(flag))
		sched_yield();
}

static void holder_that_checks_is_made_to_drop(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 5 * MS);
	atomic_int go = 0;
	/* The hog has 2 s of work; the waiter only needs the GIL once. */
	struct cpu_worker hog = { &f, 0, 0, 2000 * MS, 0, &go, 0 };
	struct cpu_worker waiter = { &f, 1, 0, 0, 0, NULL, 0 };
	pthread_t a, b;
	pthread_create(&a, NULL, cpu_worker_thread, &hog);
	wait_flag(&go);
	int64_t asked = sync_now(f.sync);
	pthread_create(&b, NULL, cpu_worker_thread, &waiter);
	pthread_join(b, NULL);
	int64_t wait = waiter.got_at - asked;
	/* One interval, then the hog drops at its next tick: well under the
	 * 2 s it would take without the drop request. */
	CU_ASSERT(wait >= 4 * MS);
	CU_ASSERT(wait < 500 * MS);
	pthread_join(a, NULL);

	size_t n;
	struct event *evs = drain(f.ring, &n);
	CU_ASSERT(count_type(evs, n, 1, EV_DROP_REQUEST) >= 1);
	CU_ASSERT(count_type(evs, n, 0, EV_FORCED_DROP) >= 1);
	struct gil_counters c;
	gil_counters(f.gil, &c);
	CU_ASSERT(c.drop_requests >= 1);
	CU_ASSERT(c.forced_switches >= 1);
	free(evs);
	teardown(&f);
}

static void native_hold_cannot_be_interrupted(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 1 * MS);
	atomic_int go = 0;
	/* 150 ms of C code that never checks the eval breaker. */
	struct cpu_worker hog = { &f, 0, 0, 0, 150 * MS, &go, 0 };
	struct cpu_worker waiter = { &f, 1, 0, 0, 0, NULL, 0 };
	pthread_t a, b;
	pthread_create(&a, NULL, cpu_worker_thread, &hog);
	wait_flag(&go);
	int64_t asked = sync_now(f.sync);
	pthread_create(&b, NULL, cpu_worker_thread, &waiter);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	/* A 1 ms interval cannot shorten a 150 ms C call. */
	CU_ASSERT(waiter.got_at - asked >= 140 * MS);
	struct gil_counters c;
	gil_counters(f.gil, &c);
	CU_ASSERT(c.drop_requests >= 1);
	CU_ASSERT_EQUAL(c.forced_switches, 0);
	teardown(&f);
}

/*
 * A holds the GIL; B and C wait. At 20 ms A ends, one of the waiters (X)
 * takes the GIL and holds it 120 ms without checking. The other (Y) times
 * out at 100 ms, but the GIL has changed hands during its wait, so it must
 * not ask for a drop: it starts a fresh interval instead, and X ends before
 * that one runs out.
 */
static void no_drop_request_after_a_switch(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 100 * MS);
	atomic_int go = 0;
	struct cpu_worker a = { &f, 0, 0, 0, 20 * MS, &go, 0 };
	struct cpu_worker b = { &f, 1, 0, 0, 120 * MS, NULL, 0 };
	struct cpu_worker c = { &f, 2, 0, 0, 120 * MS, NULL, 0 };
	pthread_t ta, tb, tc;
	pthread_create(&ta, NULL, cpu_worker_thread, &a);
	wait_flag(&go);
	pthread_create(&tb, NULL, cpu_worker_thread, &b);
	pthread_create(&tc, NULL, cpu_worker_thread, &c);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(tc, NULL);
	struct gil_counters cnt;
	gil_counters(f.gil, &cnt);
	CU_ASSERT_EQUAL(cnt.drop_requests, 0);
	CU_ASSERT_EQUAL(cnt.switches, 3);
	teardown(&f);
}

/* The same shape, but nobody switches during the wait: the request is set. */
static void drop_request_after_a_full_interval(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 30 * MS);
	atomic_int go = 0;
	struct cpu_worker a = { &f, 0, 0, 0, 100 * MS, &go, 0 };
	struct cpu_worker b = { &f, 1, 0, 0, 0, NULL, 0 };
	pthread_t ta, tb;
	pthread_create(&ta, NULL, cpu_worker_thread, &a);
	wait_flag(&go);
	pthread_create(&tb, NULL, cpu_worker_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	struct gil_counters cnt;
	gil_counters(f.gil, &cnt);
	/* 100 ms of holding is at least two 30 ms intervals: at least one
	 * request, and never more than one per interval. */
	CU_ASSERT(cnt.drop_requests >= 1);
	CU_ASSERT(cnt.drop_requests <= 4);
	size_t n;
	struct event *evs = drain(f.ring, &n);
	for (size_t i = 0; i < n; i++)
		if (evs[i].type == EV_DROP_REQUEST)
			CU_ASSERT(evs[i].arg >= 25 * MS);
	free(evs);
	teardown(&f);
}

/* ---- forced switching -------------------------------------------------- */

struct hog {
	struct fixture *f;
	uint16_t tid;
	int64_t run_ns;
};

static void *hog_thread(void *arg)
{
	struct hog *h = arg;
	struct sync *s = h->f->sync;
	struct gil_thread t;
	gil_thread_init(&t, h->f->gil, h->tid);
	gil_take(&t);
	gil_run_until(&t, sync_now(s) + h->run_ns);
	gil_drop(&t, RELEASE_EXIT);
	return NULL;
}

static void run_hogs(struct fixture *f, int n, int64_t run_ns)
{
	pthread_t th[8];
	struct hog h[8];
	for (int i = 0; i < n; i++) {
		h[i] = (struct hog){ f, (uint16_t)i, run_ns };
		pthread_create(&th[i], NULL, hog_thread, &h[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static void forced_switch_hands_the_gil_to_the_waiter(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 1 * MS);
	run_hogs(&f, 2, 300 * MS);
	size_t n;
	struct event *evs = drain(f.ring, &n);
	/* After each forced drop, the dropper's next acquisition must come
	 * after someone else has held the GIL (aux = switched). Each thread's
	 * events arrive in its own order. */
	size_t forced = 0, retook = 0;
	for (int tid = 0; tid < 2; tid++) {
		bool pending = false;
		for (size_t i = 0; i < n; i++) {
			if (evs[i].tid != tid)
				continue;
			if (evs[i].type == EV_FORCED_DROP) {
				pending = true;
				forced++;
			} else if (evs[i].type == EV_GIL_ACQUIRE && pending) {
				if (!evs[i].aux)
					retook++;
				pending = false;
			}
		}
	}
	CU_ASSERT(forced >= 20);
	CU_ASSERT_EQUAL(retook, 0);
	free(evs);
	teardown(&f);
}

/* The shortest wait after which a drop request was set, in one run. */
static int64_t shortest_request(struct fixture *f, size_t *requests)
{
	size_t n;
	struct event *evs = drain(f->ring, &n);
	int64_t min = INT64_MAX;
	*requests = 0;
	for (size_t i = 0; i < n; i++) {
		if (evs[i].type != EV_DROP_REQUEST)
			continue;
		++*requests;
		if ((int64_t)evs[i].arg < min)
			min = (int64_t)evs[i].arg;
	}
	free(evs);
	return min;
}

/*
 * A timed wait never ends early, so after the interval is set to 40 ms no
 * waiter may ask for a drop before it has waited 40 ms; before, at 1 ms,
 * requests come after a few milliseconds at most.
 */
static void changed_interval_takes_effect(void)
{
	struct fixture f;
	struct gil_counters c1, c2;
	size_t fast_requests, slow_requests;
	setup(&f, GIL_NEW, 1 * MS);
	run_hogs(&f, 2, 200 * MS);
	gil_counters(f.gil, &c1);
	int64_t fast_min = shortest_request(&f, &fast_requests);
	CU_ASSERT_EQUAL(gil_set_interval(f.gil, 40 * MS), 0);
	CU_ASSERT_EQUAL(gil_interval(f.gil), 40 * MS);
	run_hogs(&f, 2, 200 * MS);
	gil_counters(f.gil, &c2);
	int64_t slow_min = shortest_request(&f, &slow_requests);

	CU_ASSERT(fast_requests >= 5);
	CU_ASSERT(fast_min >= 1 * MS);
	CU_ASSERT(fast_min < 20 * MS);
	CU_ASSERT(slow_requests >= 1);
	CU_ASSERT(slow_min >= 40 * MS);
	/* Fewer switches, however loaded the machine: ideally 200 against 5. */
	CU_ASSERT(c2.switches - c1.switches < c1.switches);
	teardown(&f);
}

static void interval_is_validated_and_kept_in_microseconds(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 5 * MS);
	CU_ASSERT_EQUAL(gil_set_interval(f.gil, 0), -1);
	CU_ASSERT_EQUAL(gil_set_interval(f.gil, -5), -1);
	CU_ASSERT_EQUAL(gil_interval(f.gil), 5 * MS);
	CU_ASSERT_EQUAL(gil_set_interval(f.gil, 1234567), 0);
	CU_ASSERT_EQUAL(gil_interval(f.gil), 1234000);
	size_t n;
	struct event *evs = drain(f.ring, &n);
	CU_ASSERT_EQUAL(count_type(evs, n, EVENT_TID_GIL, EV_INTERVAL), 2);
	CU_ASSERT_EQUAL(evs[n - 1].arg, 1234000);
	free(evs);
	teardown(&f);
}

/* ---- legacy and none ---------------------------------------------------- */

/* Count, over one run of two hogs, the periodic releases made while the
 * other thread waited, and how many of them the releaser won back. */
static void legacy_battle(struct fixture *f, size_t *releases, size_t *rewins,
			  size_t *requests)
{
	run_hogs(f, 2, 200 * MS);
	size_t n;
	struct event *evs = drain(f->ring, &n);
	for (int tid = 0; tid < 2; tid++) {
		bool pending = false;
		for (size_t i = 0; i < n; i++) {
			if (evs[i].tid != tid)
				continue;
			if (evs[i].type == EV_GIL_RELEASE && evs[i].aux == RELEASE_CHECK) {
				pending = true;
				++*releases;
			} else if (evs[i].type == EV_GIL_ACQUIRE && pending) {
				*rewins += !evs[i].aux;
				pending = false;
			}
		}
	}
	*requests += count_type(evs, n, -1, EV_DROP_REQUEST) +
		     count_type(evs, n, -1, EV_FORCED_DROP);
	free(evs);
}

/*
 * A backend whose threads wake slowly from a condition wait, as threads do
 * on a loaded machine: a woken thread needs 2 ms before it can compete for
 * the mutex again. It makes the race between a releasing thread and the
 * waiter it woke come out the same way every time.
 */
static const struct sync_ops *real_ops;
static struct sync_ops slow_wake_ops;

static void slow_wait(struct sync *s, struct sync_cond *c, struct sync_mutex *m)
{
	real_ops->wait(s, c, m);
	real_ops->unlock(s, m);
	real_ops->sleep(s, 2 * MS);
	real_ops->lock(s, m);
}

static bool slow_timedwait(struct sync *s, struct sync_cond *c,
			   struct sync_mutex *m, int64_t ns)
{
	bool timed_out = real_ops->timedwait(s, c, m, ns);
	if (!timed_out) {
		real_ops->unlock(s, m);
		real_ops->sleep(s, 2 * MS);
		real_ops->lock(s, m);
	}
	return timed_out;
}

static void setup_slow_wake(struct fixture *f, enum gil_policy policy, int64_t interval)
{
	setup(f, policy, interval);
	real_ops = f->sync->ops;
	slow_wake_ops = *real_ops;
	slow_wake_ops.wait = slow_wait;
	slow_wake_ops.timedwait = slow_timedwait;
	f->sync->ops = &slow_wake_ops;
}

/*
 * The old GIL hands nothing off: when the woken waiter is slow, the thread
 * that released the lock takes it straight back, every time, and the
 * waiter wakes to find it taken (Beazley's GIL battle).
 */
static void legacy_lets_the_releaser_reacquire(void)
{
	struct fixture f;
	setup_slow_wake(&f, GIL_LEGACY, 5 * MS);
	CU_ASSERT_EQUAL(gil_checkinterval(f.gil), GIL_DEFAULT_CHECKINTERVAL);
	size_t releases = 0, rewins = 0, requests = 0;
	legacy_battle(&f, &releases, &rewins, &requests);
	CU_ASSERT(releases >= 10);
	CU_ASSERT(rewins * 10 >= releases * 9);
	struct gil_counters c;
	gil_counters(f.gil, &c);
	CU_ASSERT(c.failed_wakeups >= 10);
	/* And the legacy GIL never asks anyone to drop. */
	CU_ASSERT_EQUAL(requests, 0);
	teardown(&f);
}

/* The new GIL, in the same conditions, waits for the slow waiter. */
static void new_gil_hands_off_to_a_slow_waiter(void)
{
	struct fixture f;
	setup_slow_wake(&f, GIL_NEW, 1 * MS);
	run_hogs(&f, 2, 150 * MS);
	size_t n;
	struct event *evs = drain(f.ring, &n);
	size_t forced = count_type(evs, n, -1, EV_FORCED_DROP);
	size_t switches_after_forced = 0;
	for (int tid = 0; tid < 2; tid++) {
		bool pending = false;
		for (size_t i = 0; i < n; i++) {
			if (evs[i].tid != tid)
				continue;
			if (evs[i].type == EV_FORCED_DROP)
				pending = true;
			else if (evs[i].type == EV_GIL_ACQUIRE && pending) {
				switches_after_forced += evs[i].aux;
				pending = false;
			}
		}
	}
	CU_ASSERT(forced >= 10);
	CU_ASSERT_EQUAL(switches_after_forced, forced);
	free(evs);
	teardown(&f);
}

static void none_lets_two_threads_hold_at_once(void)
{
	struct fixture f;
	setup(&f, GIL_NONE, 5 * MS);
	struct gil_thread a, b;
	gil_thread_init(&a, f.gil, 0);
	gil_thread_init(&b, f.gil, 1);
	gil_take(&a);
	gil_take(&b); /* would deadlock under any other policy */
	CU_ASSERT(a.holding && b.holding);
	gil_drop(&a, RELEASE_EXIT);
	gil_drop(&b, RELEASE_EXIT);
	CU_ASSERT(!a.holding && !b.holding);
	/* Two hogs of 150 ms each end in about 150 ms, not 300. */
	int64_t t0 = sync_now(f.sync);
	run_hogs(&f, 2, 150 * MS);
	int64_t wall = sync_now(f.sync) - t0;
	CU_ASSERT(wall < 280 * MS);
	struct gil_counters c;
	gil_counters(f.gil, &c);
	CU_ASSERT_EQUAL(c.drop_requests, 0);
	teardown(&f);
}

static void events_tell_the_story_of_a_handoff(void)
{
	struct fixture f;
	setup(&f, GIL_NEW, 5 * MS);
	struct gil_thread a;
	gil_thread_init(&a, f.gil, 7);
	gil_take(&a);
	gil_drop(&a, RELEASE_BLOCKING);
	gil_take(&a);
	gil_drop(&a, RELEASE_EXIT);
	size_t all, n = 0;
	struct event *evs = drain(f.ring, &all);
	/* The fixture's interval setting was recorded first: skip it. */
	for (size_t i = 0; i < all; i++)
		if (evs[i].tid != EVENT_TID_GIL)
			evs[n++] = evs[i];
	CU_ASSERT_EQUAL_FATAL(n, 6);
	const uint8_t want[] = { EV_GIL_REQUEST, EV_GIL_ACQUIRE, EV_GIL_RELEASE,
				 EV_GIL_REQUEST, EV_GIL_ACQUIRE, EV_GIL_RELEASE };
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(evs[i].type, want[i]);
		CU_ASSERT_EQUAL(evs[i].tid, 7);
		CU_ASSERT_EQUAL(evs[i].seq, i);
		if (i)
			CU_ASSERT(evs[i].t >= evs[i - 1].t);
	}
	CU_ASSERT_EQUAL(evs[1].aux, 1); /* first acquisition: a switch from nobody */
	CU_ASSERT_EQUAL(evs[4].aux, 0); /* same thread again: no switch */
	CU_ASSERT_EQUAL(evs[2].aux, RELEASE_BLOCKING);
	CU_ASSERT_EQUAL(evs[5].aux, RELEASE_EXIT);
	free(evs);
	teardown(&f);
}

static void policy_names_round_trip(void)
{
	for (int p = 0; p < GIL_POLICY_COUNT; p++)
		CU_ASSERT_EQUAL(gil_policy_parse(gil_policy_name(p)), p);
	CU_ASSERT_EQUAL(gil_policy_parse("gil"), -1);
	CU_ASSERT_EQUAL(gil_policy_parse(""), -1);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(new_gil_excludes_under_stress),
	CU_TEST_ENTRY(legacy_gil_excludes_under_stress),
	CU_TEST_ENTRY(designs_exclude_under_stress),
	CU_TEST_ENTRY(holder_that_checks_is_made_to_drop),
	CU_TEST_ENTRY(native_hold_cannot_be_interrupted),
	CU_TEST_ENTRY(no_drop_request_after_a_switch),
	CU_TEST_ENTRY(drop_request_after_a_full_interval),
	CU_TEST_ENTRY(forced_switch_hands_the_gil_to_the_waiter),
	CU_TEST_ENTRY(changed_interval_takes_effect),
	CU_TEST_ENTRY(interval_is_validated_and_kept_in_microseconds),
	CU_TEST_ENTRY(legacy_lets_the_releaser_reacquire),
	CU_TEST_ENTRY(new_gil_hands_off_to_a_slow_waiter),
	CU_TEST_ENTRY(none_lets_two_threads_hold_at_once),
	CU_TEST_ENTRY(events_tell_the_story_of_a_handoff),
	CU_TEST_ENTRY(policy_names_round_trip),
	CU_TEST_END,
};

CU_MAIN("gil", tests)
