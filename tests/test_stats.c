/*
 * test_stats.c -- the figures per thread and per GIL, from hand-built
 * event sequences and from random waits checked against sorting.
 */
#include "config.h"

#include <stdlib.h>

#include "cu.h"
#include "evseq.h"
#include "scenario.h"
#include "stats.h"

static struct evseq q;

static struct stats *feed(struct stats *s)
{
	for (size_t i = 0; i < q.n; i++)
		stats_add(s, &q.ev[i]);
	return s;
}

/* Thread tid from t: take the GIL after 50, cpu 1000, io 500 (50 to take
 * it back), native_hold 200, native 300 (20 to take it back), exit. */
static void script_all_kinds(uint16_t tid, uint64_t t)
{
	evseq_add(&q, t, tid, EV_THREAD_START, 0, 0);
	evseq_take(&q, t, tid, 50, 0);
	t += 50;
	evseq_add(&q, t, tid, EV_OP_START, OP_CPU, 1000);
	t += 1000;
	evseq_add(&q, t, tid, EV_OP_END, OP_CPU, 0);
	evseq_add(&q, t, tid, EV_OP_START, OP_IO, 500);
	evseq_add(&q, t, tid, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	t += 500;
	evseq_take(&q, t, tid, 50, 1);
	t += 50;
	evseq_add(&q, t, tid, EV_OP_END, OP_IO, 0);
	evseq_add(&q, t, tid, EV_OP_START, OP_NATIVE_HOLD, 200);
	t += 200;
	evseq_add(&q, t, tid, EV_OP_END, OP_NATIVE_HOLD, 0);
	evseq_add(&q, t, tid, EV_OP_START, OP_NATIVE, 300);
	evseq_add(&q, t, tid, EV_GIL_RELEASE, RELEASE_NATIVE, 0);
	t += 300;
	evseq_take(&q, t, tid, 20, 0);
	t += 20;
	evseq_add(&q, t, tid, EV_OP_END, OP_NATIVE, 0);
	evseq_add(&q, t, tid, EV_GIL_RELEASE, RELEASE_EXIT, 0);
	evseq_add(&q, t + 5, tid, EV_THREAD_END, 0, 0);
}

static void thread_times_follow_the_script(void)
{
	evseq_init(&q);
	script_all_kinds(0, 1000);
	struct stats *s = feed(stats_create(1, NULL, 1));
	struct stats_thread st;
	CU_ASSERT_EQUAL_FATAL(stats_thread(s, 0, 999999, &st), 0);
	CU_ASSERT_EQUAL(st.time_ns[TS_HOLDING], 1000);
	CU_ASSERT_EQUAL(st.time_ns[TS_WAITING], 50 + 50 + 20);
	CU_ASSERT_EQUAL(st.time_ns[TS_BLOCKED], 500);
	CU_ASSERT_EQUAL(st.time_ns[TS_NATIVE_HOLD], 200);
	CU_ASSERT_EQUAL(st.time_ns[TS_NATIVE], 300);
	CU_ASSERT_EQUAL(st.hold_ns, 1200);
	CU_ASSERT_EQUAL(st.native_ns, 500);
	CU_ASSERT_EQUAL(st.wall_ns, 2120);
	CU_ASSERT_EQUAL(st.state, TS_DONE);
	CU_ASSERT_EQUAL(st.c.acquisitions, 3);
	CU_ASSERT_EQUAL(st.c.switches_in, 1);
	stats_destroy(s);
}

static void thread_times_sum_to_wall_with_native_hold_counted_twice(void)
{
	evseq_init(&q);
	script_all_kinds(0, 0);
	script_all_kinds(1, 300);
	struct stats *s = feed(stats_create(2, NULL, 1));
	for (unsigned tid = 0; tid < 2; tid++) {
		struct stats_thread st;
		stats_thread(s, tid, 10000, &st);
		uint64_t states = st.time_ns[TS_HOLDING] + st.time_ns[TS_WAITING] +
				  st.time_ns[TS_BLOCKED] + st.time_ns[TS_NATIVE] +
				  st.time_ns[TS_NATIVE_HOLD];
		CU_ASSERT_EQUAL(states, st.wall_ns);
		CU_ASSERT_EQUAL(st.hold_ns + st.wait_ns + st.blocked_ns +
					st.native_ns,
				st.wall_ns + st.time_ns[TS_NATIVE_HOLD]);
	}
	stats_destroy(s);
}

static void open_span_counts_up_to_now(void)
{
	evseq_init(&q);
	evseq_add(&q, 100, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 100, 0, 10, 0);
	evseq_add(&q, 110, 0, EV_OP_START, OP_CPU, 1000000);
	struct stats *s = feed(stats_create(1, NULL, 1));
	struct stats_thread st;
	stats_thread(s, 0, 600, &st);
	CU_ASSERT_EQUAL(st.time_ns[TS_HOLDING], 490);
	CU_ASSERT_EQUAL(st.c.time_ns[TS_HOLDING], 0); /* closed spans only */
	CU_ASSERT_EQUAL(st.wall_ns, 500);
	/* A now before the last event adds nothing and takes nothing. */
	stats_thread(s, 0, 50, &st);
	CU_ASSERT_EQUAL(st.time_ns[TS_HOLDING], 0);
	CU_ASSERT_EQUAL(st.wall_ns, 10);
	CU_ASSERT_EQUAL(stats_thread(s, 1, 50, &st), -1);
	stats_destroy(s);
}

/* A small deterministic generator, so failures reproduce. */
static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n);
	if ((double)rank < p / 100.0 * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static int within(uint64_t got, uint64_t want, double tolerance)
{
	double d = (double)got - (double)want;
	if (d < 0)
		d = -d;
	return d <= tolerance * (double)want;
}

static void acquire(struct stats *s, uint16_t tid, uint32_t *seq, uint64_t t,
		    uint64_t wait)
{
	struct event e = { .t = t, .tid = tid, .type = EV_GIL_REQUEST,
			   .seq = (*seq)++ };
	stats_add(s, &e);
	e = (struct event){ .t = t + wait, .tid = tid, .type = EV_GIL_ACQUIRE,
			    .arg = wait, .seq = (*seq)++ };
	stats_add(s, &e);
}

#define NWAITS 20000

/* The legacy GIL's battle: a thread re-acquires at once (no switch) as
 * often as it waits for the other one. Its p50 is 0; the waits that
 * ended in a switch are told apart, so the real wait shows. */
static void switch_waits_leave_out_instant_reacquires(void)
{
	struct stats *s = stats_create(1, NULL, 1);
	uint32_t seq = 0;
	uint64_t t = 0;
	for (int i = 0; i < 100; i++) {
		struct event e = { .t = t, .tid = 0, .type = EV_GIL_REQUEST, .seq = seq++ };
		stats_add(s, &e);
		e = (struct event){ .t = t, .tid = 0, .type = EV_GIL_ACQUIRE, .aux = 0,
				    .arg = 0, .seq = seq++ };
		stats_add(s, &e);
		t += 1000;
		e = (struct event){ .t = t, .tid = 0, .type = EV_GIL_REQUEST, .seq = seq++ };
		stats_add(s, &e);
		uint64_t w = 300000 + (uint64_t)i * 1000; /* 0.3 to 0.4 ms */
		e = (struct event){ .t = t + w, .tid = 0, .type = EV_GIL_ACQUIRE, .aux = 1,
				    .arg = w, .seq = seq++ };
		stats_add(s, &e);
		t += w + 1000;
	}
	struct stats_thread st;
	stats_thread(s, 0, t, &st);
	CU_ASSERT_EQUAL(st.c.acquisitions, 200);
	CU_ASSERT_EQUAL(st.c.switches_in, 100);
	CU_ASSERT_EQUAL(st.wait_p50_ns, 0);
	CU_ASSERT(within(st.switch_wait_p50_ns, 349000, 0.02));
	CU_ASSERT(within(st.switch_wait_p99_ns, 398000, 0.02));
	CU_ASSERT(st.switch_wait_p99_ns <= st.wait_max_ns);
	/* The UI's brief figures are the same, without what it does not
	 * show: the histogram and the switch-wait percentiles. */
	struct stats_thread brief;
	stats_thread_brief(s, 0, t, &brief);
	CU_ASSERT_EQUAL(brief.switch_wait_p50_ns, 0);
	CU_ASSERT_EQUAL(brief.hist[0] + brief.hist[STATS_HIST_BINS - 1], 0);
	brief.switch_wait_p50_ns = st.switch_wait_p50_ns;
	brief.switch_wait_p99_ns = st.switch_wait_p99_ns;
	memcpy(brief.hist, st.hist, sizeof brief.hist);
	CU_ASSERT(memcmp(&brief, &st, sizeof st) == 0);
	stats_destroy(s);
}

static void wait_percentiles_are_within_2_percent_of_sorting(void)
{
	static uint64_t waits[2][NWAITS], all[2 * NWAITS];
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	struct stats *s = stats_create(2, NULL, 1);
	uint32_t seq[2] = { 0, 0 };
	uint64_t t = 0, sum = 0;
	for (size_t i = 0; i < NWAITS; i++) {
		/* Thread 0: log-uniform, 100 ns to ~100 ms; thread 1: uniform
		 * under 5 ms. */
		uint64_t w0 = 100ULL << (rng_next(&x) % 20);
		w0 += rng_next(&x) % w0;
		uint64_t w1 = rng_next(&x) % 5000000;
		waits[0][i] = w0;
		waits[1][i] = w1;
		sum += w0;
		acquire(s, 0, &seq[0], t, w0);
		acquire(s, 1, &seq[1], t, w1);
		t += w0 + w1 + 1;
	}
	for (unsigned tid = 0; tid < 2; tid++) {
		for (size_t i = 0; i < NWAITS; i++)
			all[tid * NWAITS + i] = waits[tid][i];
		qsort(waits[tid], NWAITS, sizeof waits[tid][0], cmp_u64);
		struct stats_thread st;
		stats_thread(s, tid, t, &st);
		CU_ASSERT_EQUAL(st.c.waits, NWAITS);
		CU_ASSERT(within(st.wait_p50_ns,
				 exact_percentile(waits[tid], NWAITS, 50), 0.02));
		CU_ASSERT(within(st.wait_p99_ns,
				 exact_percentile(waits[tid], NWAITS, 99), 0.02));
		CU_ASSERT(within(stats_wait_percentile(s, tid, 90),
				 exact_percentile(waits[tid], NWAITS, 90), 0.02));
		CU_ASSERT_EQUAL(st.wait_max_ns, waits[tid][NWAITS - 1]);
		uint64_t in_bins = 0;
		for (unsigned b = 0; b < STATS_HIST_BINS; b++)
			in_bins += st.hist[b];
		CU_ASSERT_EQUAL(in_bins, NWAITS);
	}
	struct stats_thread st0;
	stats_thread(s, 0, t, &st0);
	CU_ASSERT_EQUAL(st0.wait_mean_ns, sum / NWAITS);
	qsort(all, 2 * NWAITS, sizeof all[0], cmp_u64);
	CU_ASSERT(within(stats_wait_percentile(s, STATS_ALL_THREADS, 50),
			 exact_percentile(all, 2 * NWAITS, 50), 0.02));
	CU_ASSERT(within(stats_wait_percentile(s, STATS_ALL_THREADS, 99),
			 exact_percentile(all, 2 * NWAITS, 99), 0.02));
	stats_destroy(s);
}

static void small_waits_are_exact_and_binned_by_power_of_two(void)
{
	struct stats *s = stats_create(1, NULL, 1);
	uint32_t seq = 0;
	const uint64_t w[] = { 0, 1, 3, 3, 3, 7, 1000, 1 << 20 };
	for (size_t i = 0; i < GV_ARRAY_LEN(w); i++)
		acquire(s, 0, &seq, 100 * i, w[i]);
	struct stats_thread st;
	stats_thread(s, 0, 0, &st);
	CU_ASSERT_EQUAL(st.wait_p50_ns, 3);
	CU_ASSERT_EQUAL(st.wait_max_ns, 1 << 20);
	CU_ASSERT_EQUAL(st.wait_p99_ns, 1 << 20);
	CU_ASSERT_EQUAL(st.hist[0], 2); /* 0 and 1 */
	CU_ASSERT_EQUAL(st.hist[1], 3); /* [2, 4) */
	CU_ASSERT_EQUAL(st.hist[2], 1); /* [4, 8) */
	CU_ASSERT_EQUAL(st.hist[9], 1); /* 1000 in [512, 1024) */
	CU_ASSERT_EQUAL(st.hist[20], 1);
	stats_destroy(s);
}

static void no_waits_give_zero_figures(void)
{
	struct stats *s = stats_create(1, NULL, 1);
	struct stats_thread st;
	stats_thread(s, 0, 1000, &st);
	CU_ASSERT_EQUAL(st.wait_p50_ns, 0);
	CU_ASSERT_EQUAL(st.wait_max_ns, 0);
	CU_ASSERT_EQUAL(st.wall_ns, 0);
	CU_ASSERT_EQUAL(st.state, TS_NOT_STARTED);
	CU_ASSERT_EQUAL(stats_wait_percentile(s, STATS_ALL_THREADS, 50), 0);
	stats_destroy(s);
}

/* Threads 0 and 1 on GIL 0, thread 2 on GIL 1. */
static void per_gil_counters_count_their_threads_only(void)
{
	unsigned gil_of[3] = { 0, 0, 1 };
	evseq_init(&q);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 1, 1, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 6, 1, EV_DROP_REQUEST, 0, 5);
	evseq_add(&q, 7, 0, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 7, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 8, 1, EV_GIL_ACQUIRE, 1, 7);
	evseq_add(&q, 9, 0, EV_FAILED_WAKEUP, 0, 0);
	evseq_add(&q, 20, 1, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 21, 0, EV_GIL_ACQUIRE, 1, 14);
	evseq_take(&q, 0, 2, 0, 0);
	evseq_add(&q, 5, 2, EV_GIL_RELEASE, RELEASE_CHECK, 0);
	evseq_take(&q, 5, 2, 0, 0);
	evseq_add(&q, 30, EVENT_TID_GIL, EV_INTERVAL, 1, 2000000);
	evseq_add(&q, 31, EVENT_TID_GIL, EV_INTERVAL, 9, 1); /* no GIL 9 */
	struct stats *s = feed(stats_create(3, gil_of, 2));
	struct stats_gil g;
	CU_ASSERT_EQUAL_FATAL(stats_gil(s, 0, 0, &g), 0);
	CU_ASSERT_EQUAL(g.c.acquisitions, 3);
	CU_ASSERT_EQUAL(g.c.switches, 2);
	CU_ASSERT_EQUAL(g.c.forced_switches, 2);
	CU_ASSERT_EQUAL(g.c.drop_requests, 1);
	CU_ASSERT_EQUAL(g.c.failed_wakeups, 1);
	CU_ASSERT_EQUAL(g.nthreads, 2);
	CU_ASSERT_EQUAL(g.interval_ns, 0);
	CU_ASSERT_EQUAL_FATAL(stats_gil(s, 1, 0, &g), 0);
	CU_ASSERT_EQUAL(g.c.acquisitions, 2);
	CU_ASSERT_EQUAL(g.c.switches, 0);
	CU_ASSERT_EQUAL(g.c.forced_switches, 0);
	CU_ASSERT_EQUAL(g.interval_ns, 2000000);
	CU_ASSERT_EQUAL(stats_gil(s, 2, 0, &g), -1);
	CU_ASSERT_EQUAL(stats_ignored(s), 1);
	struct stats_thread st;
	stats_thread(s, 0, 30, &st);
	CU_ASSERT_EQUAL(st.c.forced_drops, 1);
	CU_ASSERT_EQUAL(st.c.failed_wakeups, 1);
	stats_thread(s, 1, 30, &st);
	CU_ASSERT_EQUAL(st.c.drop_requests, 1);
	stats_destroy(s);
}

static void switches_per_second_over_the_callers_elapsed_time(void)
{
	struct stats *s = stats_create(2, NULL, 1);
	uint32_t seq[2] = { 0, 0 };
	for (uint64_t k = 0; k < 100; k++)
		acquire(s, (uint16_t)(k % 2), &seq[k % 2], k * 1000, 10);
	/* The first acquisition was no switch (aux 0), the others were. */
	struct stats_gil g;
	stats_gil(s, 0, 2000000000ULL, &g);
	CU_ASSERT_EQUAL(g.c.switches, 0);
	stats_destroy(s);

	s = stats_create(2, NULL, 1);
	seq[0] = seq[1] = 0;
	for (uint64_t k = 0; k < 100; k++) {
		struct event e = { .t = k * 1000, .tid = (uint16_t)(k % 2),
				   .type = EV_GIL_ACQUIRE, .aux = 1,
				   .seq = seq[k % 2]++ };
		stats_add(s, &e);
	}
	stats_gil(s, 0, 2000000000ULL, &g);
	CU_ASSERT_EQUAL(g.c.switches, 100);
	CU_ASSERT_DOUBLE_EQUAL(g.switches_per_s, 50.0, 1e-9);
	stats_gil(s, 0, 0, &g);
	CU_ASSERT_DOUBLE_EQUAL(g.switches_per_s, 0.0, 1e-12);
	stats_destroy(s);
}

static void snapshots_give_rates_and_counters_never_reset(void)
{
	struct stats *s = stats_create(1, NULL, 1);
	struct stats_snapshot *a = stats_snapshot_create(s);
	struct stats_snapshot *b = stats_snapshot_create(s);
	uint32_t seq = 0;
	for (uint64_t k = 0; k < 10; k++)
		acquire(s, 0, &seq, k * 100, 10);
	stats_snapshot_take(s, 1000, a);
	for (uint64_t k = 10; k < 40; k++)
		acquire(s, 0, &seq, k * 100, 10);
	stats_snapshot_take(s, 4000, b);
	CU_ASSERT_EQUAL(a->threads[0].acquisitions, 10);
	CU_ASSERT_EQUAL(b->threads[0].acquisitions, 40);
	CU_ASSERT_EQUAL(b->gils[0].acquisitions, 40);
	/* 30 acquisitions in 3000 ns: 10 per us. */
	CU_ASSERT_DOUBLE_EQUAL(stats_rate(a->gils[0].acquisitions,
					  b->gils[0].acquisitions, a->now, b->now),
			       1e7, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(stats_rate(5, 3, 0, 10), 0.0, 1e-12);
	/* Snapshot times include the open span up to their now. */
	CU_ASSERT_EQUAL(b->threads[0].time_ns[TS_HOLDING], 40 * 90);
	stats_snapshot_destroy(a);
	stats_snapshot_destroy(b);
	stats_destroy(s);
}

static void starvation_flags_a_wait_over_the_threshold(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 0, 0, EV_OP_START, OP_NATIVE_HOLD, 10000000);
	evseq_add(&q, 100, 1, EV_THREAD_START, 0, 0);
	evseq_add(&q, 100, 1, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 200, 2, EV_THREAD_START, 0, 0);
	evseq_add(&q, 200, 2, EV_GIL_REQUEST, 0, 0);
	struct stats *s = feed(stats_create(3, NULL, 1));
	CU_ASSERT_EQUAL(stats_starvation(s), STATS_STARVATION_DEFAULT_NS);
	stats_set_starvation(s, 1000000);
	struct stats_thread st;
	stats_thread(s, 1, 500100, &st);
	CU_ASSERT_EQUAL(st.waiting_now_ns, 500000);
	CU_ASSERT_FALSE(st.starving);
	stats_thread(s, 1, 2000100, &st);
	CU_ASSERT_EQUAL(st.waiting_now_ns, 2000000);
	CU_ASSERT_TRUE(st.starving);
	stats_thread(s, 0, 2000100, &st);
	CU_ASSERT_EQUAL(st.waiting_now_ns, 0);
	CU_ASSERT_FALSE(st.starving);
	unsigned worst;
	uint64_t worst_ns;
	CU_ASSERT_EQUAL(stats_starving(s, 1000150, &worst, &worst_ns), 1);
	CU_ASSERT_EQUAL(worst, 1);
	CU_ASSERT_EQUAL(worst_ns, 1000050);
	CU_ASSERT_EQUAL(stats_starving(s, 2000000, NULL, NULL), 2);
	/* Once it has the GIL, it no longer starves. */
	struct event e = { .t = 3000000, .tid = 1, .type = EV_GIL_ACQUIRE,
			   .aux = 1, .arg = 2999900, .seq = 2 };
	stats_add(s, &e);
	stats_thread(s, 1, 3000100, &st);
	CU_ASSERT_FALSE(st.starving);
	CU_ASSERT_EQUAL(st.wait_max_ns, 2999900);
	CU_ASSERT_EQUAL(stats_starving(s, 3000100, &worst, NULL), 1);
	CU_ASSERT_EQUAL(worst, 2);
	stats_destroy(s);
}

static void seq_gaps_count_as_lost_events(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_skip(&q, 0, 5);
	evseq_take(&q, 10, 0, 5, 0);
	evseq_skip(&q, 0, 2);
	evseq_add(&q, 30, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	struct stats *s = feed(stats_create(1, NULL, 1));
	struct stats_thread st;
	stats_thread(s, 0, 30, &st);
	CU_ASSERT_EQUAL(st.c.lost, 7);
	CU_ASSERT_EQUAL(st.state, TS_BLOCKED);
	stats_destroy(s);
}

static void out_of_order_threads_give_the_same_figures(void)
{
	evseq_init(&q);
	script_all_kinds(0, 0);
	script_all_kinds(1, 100);
	struct stats *a = feed(stats_create(2, NULL, 1));
	struct stats *b = stats_create(2, NULL, 1);
	/* Thread 1's events first, then thread 0's. */
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = 0; i < q.n; i++)
			if (q.ev[i].tid == pass)
				stats_add(b, &q.ev[i]);
	for (unsigned tid = 0; tid < 2; tid++) {
		struct stats_thread sa, sb;
		stats_thread(a, tid, 5000, &sa);
		stats_thread(b, tid, 5000, &sb);
		int same = 1;
		for (unsigned k = 0; k < TS_COUNT; k++)
			same &= sa.time_ns[k] == sb.time_ns[k];
		CU_ASSERT(same);
		CU_ASSERT_EQUAL(sa.wall_ns, sb.wall_ns);
		CU_ASSERT_EQUAL(sa.wait_p50_ns, sb.wait_p50_ns);
	}
	CU_ASSERT_EQUAL(stats_end_time(a), stats_end_time(b));
	stats_destroy(a);
	stats_destroy(b);
}

/* A shared object's lock: takes, the waits among them with their
 * percentiles, and the time held, from the lock events of any thread;
 * the GIL turned on, once, with who and what. */
static void object_locks_and_the_gil_turned_on(void)
{
	evseq_init(&q);
	for (unsigned tid = 0; tid < 2; tid++) {
		evseq_add(&q, 0, (uint16_t)tid, EV_THREAD_START, 0, 0);
		evseq_take(&q, 0, (uint16_t)tid, 0, 0);
	}
	evseq_add(&q, 10, 0, EV_LOCK_TAKE, 1, 0);
	evseq_add(&q, 20, 1, EV_LOCK_WAIT, 1, 0);
	evseq_add(&q, 110, 0, EV_LOCK_RELEASE, 1, 100);
	evseq_add(&q, 110, 1, EV_LOCK_TAKE, 1, 90);
	evseq_add(&q, 140, 1, EV_LOCK_RELEASE, 1, 30);
	evseq_add(&q, 150, 1, EV_LOCK_TAKE, 5, 0); /* no object 5: ignored */
	evseq_add(&q, 160, 1, EV_LOCK_TAKE, 1, 0);
	evseq_add(&q, 170, 0, EV_LOCK_WAIT, 1, 0); /* still waiting at the end */
	evseq_add(&q, 200, 1, EV_GIL_ENABLE, 0, 2);
	evseq_add(&q, 300, 0, EV_GIL_ENABLE, 0, 1); /* the first one counts */
	struct stats *s = stats_create(2, NULL, 1);
	stats_set_objects(s, 2);
	feed(s);
	CU_ASSERT_EQUAL(stats_nobjects(s), 2);
	struct stats_object o;
	CU_ASSERT_EQUAL_FATAL(stats_object(s, 1, &o), 0);
	/* Three takes, one after a wait; the wait still going on is not
	 * counted until its take. */
	CU_ASSERT_EQUAL(o.takes, 3);
	CU_ASSERT_EQUAL(o.waits, 1);
	CU_ASSERT_EQUAL(o.wait_max_ns, 90);
	CU_ASSERT(o.wait_p50_ns >= 88 && o.wait_p50_ns <= 92);
	CU_ASSERT_EQUAL(o.held_ns, 130);
	CU_ASSERT_EQUAL_FATAL(stats_object(s, 0, &o), 0);
	CU_ASSERT_EQUAL(o.takes + o.waits + o.held_ns, 0);
	CU_ASSERT_EQUAL(stats_object(s, 2, &o), -1);
	struct stats_thread t;
	stats_thread(s, 1, 400, &t);
	CU_ASSERT_EQUAL(t.time_ns[TS_LOCK_WAIT], 90);
	struct stats_gil g;
	stats_gil(s, 0, 400, &g);
	CU_ASSERT(g.enabled);
	CU_ASSERT_EQUAL(g.enabled_t, 200);
	CU_ASSERT_EQUAL(g.enabled_by, 1);
	CU_ASSERT_EQUAL(g.enabled_module, 2);
	stats_destroy(s);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(thread_times_follow_the_script),
	CU_TEST_ENTRY(object_locks_and_the_gil_turned_on),
	CU_TEST_ENTRY(thread_times_sum_to_wall_with_native_hold_counted_twice),
	CU_TEST_ENTRY(open_span_counts_up_to_now),
	CU_TEST_ENTRY(wait_percentiles_are_within_2_percent_of_sorting),
	CU_TEST_ENTRY(switch_waits_leave_out_instant_reacquires),
	CU_TEST_ENTRY(small_waits_are_exact_and_binned_by_power_of_two),
	CU_TEST_ENTRY(no_waits_give_zero_figures),
	CU_TEST_ENTRY(per_gil_counters_count_their_threads_only),
	CU_TEST_ENTRY(switches_per_second_over_the_callers_elapsed_time),
	CU_TEST_ENTRY(snapshots_give_rates_and_counters_never_reset),
	CU_TEST_ENTRY(starvation_flags_a_wait_over_the_threshold),
	CU_TEST_ENTRY(seq_gaps_count_as_lost_events),
	CU_TEST_ENTRY(out_of_order_threads_give_the_same_figures),
	CU_TEST_END,
};

CU_MAIN("stats", tests)
