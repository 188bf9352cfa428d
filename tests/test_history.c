/*
 * test_history.c -- per-thread state spans, marks and handoff provenance
 * from hand-built event sequences.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "evseq.h"
#include "history.h"
#include "scenario.h"

static struct evseq q;

static struct history *feed(struct history *h)
{
	for (size_t i = 0; i < q.n; i++)
		history_add(h, &q.ev[i]);
	return h;
}

static size_t all_spans(struct history *h, unsigned tid,
			struct history_span *out, size_t max)
{
	return history_spans(h, tid, 0, UINT64_MAX, 0, out, max);
}

#define ASSERT_SPAN(s, a, b, st)                    \
	do {                                        \
		CU_ASSERT_EQUAL((s).t_start, (a)); \
		CU_ASSERT_EQUAL((s).t_end, (b));   \
		CU_ASSERT_EQUAL((s).state, (st));  \
	} while (0)

/* Thread 0: start, take the GIL after 50 ns, cpu 1000 ns, io 500 ns
 * (then 50 ns to take it back), exit. */
static void script_cpu_io(uint16_t tid, uint64_t t)
{
	evseq_add(&q, t, tid, EV_THREAD_START, 0, 0);
	evseq_take(&q, t, tid, 50, 0);
	evseq_add(&q, t + 50, tid, EV_OP_START, OP_CPU, 1000);
	evseq_add(&q, t + 1050, tid, EV_OP_END, OP_CPU, 0);
	evseq_add(&q, t + 1050, tid, EV_OP_START, OP_IO, 500);
	evseq_add(&q, t + 1050, tid, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	evseq_take(&q, t + 1550, tid, 50, 0);
	evseq_add(&q, t + 1600, tid, EV_OP_END, OP_IO, 0);
	evseq_add(&q, t + 1600, tid, EV_GIL_RELEASE, RELEASE_EXIT, 0);
	evseq_add(&q, t + 1610, tid, EV_THREAD_END, 0, 0);
}

static void take_cpu_io_exit_gives_four_spans(void)
{
	evseq_init(&q);
	script_cpu_io(0, 100);
	struct history *h = feed(history_create(1, 64));
	struct history_span s[16];
	size_t n = all_spans(h, 0, s, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	ASSERT_SPAN(s[0], 100, 150, TS_WAITING);
	ASSERT_SPAN(s[1], 150, 1150, TS_HOLDING);
	ASSERT_SPAN(s[2], 1150, 1650, TS_BLOCKED);
	ASSERT_SPAN(s[3], 1650, 1700, TS_WAITING);
	CU_ASSERT_EQUAL(history_state(h, 0), TS_DONE);
	CU_ASSERT_EQUAL(history_end_time(h), 1710);
	CU_ASSERT_EQUAL(history_lost(h, 0), 0);
	history_destroy(h);
}

static void native_hold_is_its_own_state_while_holding(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 10, 0);
	evseq_add(&q, 10, 0, EV_OP_START, OP_NATIVE_HOLD, 100);
	evseq_add(&q, 110, 0, EV_OP_END, OP_NATIVE_HOLD, 0);
	evseq_add(&q, 110, 0, EV_OP_START, OP_NATIVE, 100);
	evseq_add(&q, 110, 0, EV_GIL_RELEASE, RELEASE_NATIVE, 0);
	evseq_take(&q, 210, 0, 5, 0);
	evseq_add(&q, 215, 0, EV_OP_END, OP_NATIVE, 0);
	struct history *h = feed(history_create(1, 64));
	struct history_span s[16];
	size_t n = all_spans(h, 0, s, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	ASSERT_SPAN(s[0], 0, 10, TS_WAITING);
	ASSERT_SPAN(s[1], 10, 110, TS_NATIVE_HOLD);
	ASSERT_SPAN(s[2], 110, 210, TS_NATIVE);
	ASSERT_SPAN(s[3], 210, 215, TS_WAITING);
	CU_ASSERT_EQUAL(history_state(h, 0), TS_HOLDING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 50), TS_NATIVE_HOLD);
	history_destroy(h);
}

/* Off its core a holder is RUNNABLE, then holds again; a gc pause of
 * another thread makes it STOPPED, then it goes back to what it was. */
static void off_core_and_stopped_return_to_the_state_they_left(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 10, 0);
	evseq_add(&q, 10, 0, EV_OP_START, OP_CPU, 100);
	evseq_add(&q, 20, 0, EV_OFF_CORE, 0, 0);
	evseq_add(&q, 50, 0, EV_ON_CORE, 0, 30);
	evseq_add(&q, 60, 0, EV_STW_STOP, 0, 0);
	evseq_add(&q, 70, 0, EV_STW_GO, 0, 10);
	evseq_add(&q, 80, 0, EV_OP_START, OP_NATIVE_HOLD, 100);
	evseq_add(&q, 90, 0, EV_OFF_CORE, 0, 0);
	struct history *h = feed(history_create(1, 64));
	struct history_span s[16];
	size_t n = all_spans(h, 0, s, 16);
	CU_ASSERT_EQUAL_FATAL(n, 7);
	ASSERT_SPAN(s[1], 10, 20, TS_HOLDING);
	ASSERT_SPAN(s[2], 20, 50, TS_RUNNABLE);
	ASSERT_SPAN(s[3], 50, 60, TS_HOLDING);
	ASSERT_SPAN(s[4], 60, 70, TS_STOPPED);
	ASSERT_SPAN(s[5], 70, 80, TS_HOLDING);
	ASSERT_SPAN(s[6], 80, 90, TS_NATIVE_HOLD);
	/* Its ON_CORE lost, the next event is read against the state it
	 * left: an OP_END means it holds. */
	CU_ASSERT_EQUAL(history_state(h, 0), TS_RUNNABLE);
	evseq_skip(&q, 0, 1);
	history_add(h, evseq_add(&q, 200, 0, EV_OP_END, OP_NATIVE_HOLD, 0));
	CU_ASSERT_EQUAL(history_state(h, 0), TS_HOLDING);
	CU_ASSERT_EQUAL(history_lost(h, 0), 1);
	history_destroy(h);
}

static void acquire_inside_native_hold_resumes_native_hold(void)
{
	/* Lost events aside, a thread may (re)acquire inside the op. */
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_add(&q, 0, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 5, 0, EV_OP_START, OP_NATIVE_HOLD, 100);
	evseq_add(&q, 10, 0, EV_GIL_ACQUIRE, 0, 10);
	struct history *h = feed(history_create(1, 8));
	CU_ASSERT_EQUAL(history_state(h, 0), TS_NATIVE_HOLD);
	history_destroy(h);
}

/* Thread 0 holds from 0; thread 1 asks at 10, times out at 20 and sets
 * the drop request; thread 0 drops at 25; thread 1 takes it at 30. */
static void forced_drop_script(int late_drop)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 0, 0, EV_OP_START, OP_CPU, 1000);
	evseq_add(&q, 10, 1, EV_THREAD_START, 0, 0);
	evseq_add(&q, 10, 1, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 20, 1, EV_DROP_REQUEST, 0, 10);
	if (!late_drop)
		evseq_add(&q, 25, 0, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 30, 1, EV_GIL_ACQUIRE, 1, 20);
	if (late_drop)
		evseq_add(&q, 25, 0, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 25, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 60, 0, EV_GIL_ACQUIRE, 1, 35);
}

static void forced_drop_waits_until_acquire(void)
{
	forced_drop_script(0);
	struct history *h = feed(history_create(2, 16));
	CU_ASSERT_EQUAL(history_state_at(h, 0, 24), TS_HOLDING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 25), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 59), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 60), TS_HOLDING);
	CU_ASSERT_EQUAL(history_state_at(h, 1, 29), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 1, 30), TS_HOLDING);
	struct history_span s[8];
	size_t n = all_spans(h, 0, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	ASSERT_SPAN(s[0], 0, 25, TS_HOLDING);
	ASSERT_SPAN(s[1], 25, 60, TS_WAITING);
	history_destroy(h);
}

static void forced_drop_records_marks(void)
{
	forced_drop_script(0);
	struct history *h = feed(history_create(2, 16));
	struct history_mark m[8];
	size_t n = history_marks(h, 0, 1000, m, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(m[0].type, MARK_DROP_REQUEST);
	CU_ASSERT_EQUAL(m[0].tid, 1);
	CU_ASSERT_EQUAL(m[0].t, 20);
	CU_ASSERT_EQUAL(m[0].arg, 10);
	CU_ASSERT_EQUAL(m[1].type, MARK_FORCED_DROP);
	CU_ASSERT_EQUAL(m[1].tid, 0);
	CU_ASSERT_EQUAL(m[1].t, 25);
	CU_ASSERT_EQUAL(history_marks(h, 21, 1000, m, 8), 1);
	CU_ASSERT_EQUAL(history_marks_total(h), 2);
	history_destroy(h);
}

static void check_handoff(struct history *h)
{
	struct history_handoff ho[4];
	CU_ASSERT_EQUAL(history_handoffs_total(h), 1);
	size_t n = history_handoffs(h, 0, 1000, ho, 4);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(ho[0].t_request, 20);
	CU_ASSERT_EQUAL(ho[0].setter, 1);
	CU_ASSERT_EQUAL(ho[0].t_drop, 25);
	CU_ASSERT_EQUAL(ho[0].dropper, 0);
	CU_ASSERT_EQUAL(ho[0].t_take, 30);
	CU_ASSERT_EQUAL(ho[0].taker, 1);
	CU_ASSERT_EQUAL(ho[0].gil, 0);
}

static void handoff_names_setter_dropper_and_taker(void)
{
	forced_drop_script(0);
	struct history *h = feed(history_create(2, 16));
	check_handoff(h);
	struct history_handoff ho[4];
	CU_ASSERT_EQUAL(history_handoffs(h, 31, 1000, ho, 4), 0);
	history_destroy(h);
}

static void handoff_survives_a_drop_arriving_after_the_take(void)
{
	forced_drop_script(1);
	struct history *h = feed(history_create(2, 16));
	check_handoff(h);
	history_destroy(h);
}

static void handoffs_stay_within_their_gil(void)
{
	/* Thread 0 (GIL 0) sets a drop request; thread 1 (GIL 1) drops
	 * and thread 2 (GIL 1) takes: the setter is unknown, not 0. */
	unsigned gil_of[3] = { 0, 1, 1 };
	struct history_config cfg = {
		.nthreads = 3, .spans_per_thread = 8, .gil_of = gil_of,
		.ngils = 2,
	};
	evseq_init(&q);
	evseq_take(&q, 0, 1, 0, 0);
	evseq_add(&q, 5, 2, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 8, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 10, 0, EV_DROP_REQUEST, 0, 2);
	evseq_add(&q, 12, 1, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 14, 2, EV_GIL_ACQUIRE, 1, 9);
	struct history *h = feed(history_create_config(&cfg));
	struct history_handoff ho[4];
	CU_ASSERT_EQUAL_FATAL(history_handoffs(h, 0, 100, ho, 4), 1);
	CU_ASSERT_EQUAL(ho[0].setter, HISTORY_NO_TID);
	CU_ASSERT_EQUAL(ho[0].t_request, 12);
	CU_ASSERT_EQUAL(ho[0].dropper, 1);
	CU_ASSERT_EQUAL(ho[0].taker, 2);
	CU_ASSERT_EQUAL(ho[0].gil, 1);
	struct history_mark m[4];
	CU_ASSERT_EQUAL_FATAL(history_marks(h, 0, 100, m, 4), 2);
	CU_ASSERT_EQUAL(m[0].gil, 0);
	CU_ASSERT_EQUAL(m[1].gil, 1);
	history_destroy(h);
}

static void out_of_order_threads_give_the_same_spans(void)
{
	/* Two overlapping threads' scripts, fed once merged in time order
	 * and once as appended (thread 0's whole script, then thread 1's,
	 * which goes back in time): each thread's spans are the same. */
	evseq_init(&q);
	script_cpu_io(0, 0);
	script_cpu_io(1, 500);
	struct history *a = history_create(2, 32);
	struct history *b = history_create(2, 32);
	feed(b);
	/* a: a stable sort by time keeps each thread's order. */
	size_t order[EVSEQ_MAX];
	for (size_t i = 0; i < q.n; i++)
		order[i] = i;
	for (size_t i = 1; i < q.n; i++)
		for (size_t j = i; j > 0 && q.ev[order[j - 1]].t > q.ev[order[j]].t;
		     j--) {
			size_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (size_t i = 0; i < q.n; i++)
		history_add(a, &q.ev[order[i]]);
	for (unsigned tid = 0; tid < 2; tid++) {
		struct history_span sa[16], sb[16];
		size_t na = all_spans(a, tid, sa, 16);
		size_t nb = all_spans(b, tid, sb, 16);
		CU_ASSERT_EQUAL_FATAL(na, nb);
		CU_ASSERT_EQUAL(na, 4);
		int same = 1;
		for (size_t i = 0; i < na; i++)
			same &= sa[i].t_start == sb[i].t_start &&
				sa[i].t_end == sb[i].t_end &&
				sa[i].state == sb[i].state;
		CU_ASSERT(same);
	}
	CU_ASSERT_EQUAL(history_end_time(a), history_end_time(b));
	history_destroy(a);
	history_destroy(b);
}

static void time_going_back_within_a_thread_is_clamped(void)
{
	evseq_init(&q);
	evseq_add(&q, 100, 0, EV_THREAD_START, 0, 0);
	evseq_add(&q, 100, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 90, 0, EV_GIL_ACQUIRE, 0, 0); /* earlier: clamped */
	evseq_add(&q, 200, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	struct history *h = feed(history_create(1, 8));
	struct history_span s[8];
	size_t n = all_spans(h, 0, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	ASSERT_SPAN(s[0], 100, 200, TS_HOLDING);
	CU_ASSERT_EQUAL(history_state(h, 0), TS_BLOCKED);
	history_destroy(h);
}

static void seq_gap_counts_lost_events_and_recovers(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 10, 0, EV_OP_START, OP_IO, 100);
	evseq_add(&q, 10, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	evseq_skip(&q, 0, 1);                  /* its REQUEST was dropped */
	evseq_add(&q, 120, 0, EV_GIL_ACQUIRE, 0, 5);
	evseq_skip(&q, 0, 2);
	evseq_add(&q, 200, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	evseq_skip(&q, 0, 1);                  /* ... and its ACQUIRE */
	evseq_add(&q, 300, 0, EV_OP_END, OP_IO, 0);
	struct history *h = feed(history_create(1, 8));
	CU_ASSERT_EQUAL(history_lost(h, 0), 4);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 50), TS_BLOCKED);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 150), TS_HOLDING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 250), TS_BLOCKED);
	CU_ASSERT_EQUAL(history_state(h, 0), TS_HOLDING);
	history_destroy(h);
}

static void lost_thread_start_starts_at_first_event(void)
{
	evseq_init(&q);
	evseq_skip(&q, 0, 1);
	evseq_add(&q, 40, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 50, 0, EV_GIL_ACQUIRE, 0, 10);
	struct history *h = feed(history_create(1, 8));
	CU_ASSERT_EQUAL(history_lost(h, 0), 1);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 39), TS_NOT_STARTED);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 45), TS_WAITING);
	history_destroy(h);
}

static void ring_forgets_oldest_spans_and_counts_them(void)
{
	const size_t cap = 8;
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	/* 80 closed spans: waiting [20k, 20k+10), holding [20k+10, 20k+20). */
	for (uint64_t k = 0; k < 40; k++)
		evseq_take(&q, 20 * k, 0, 10, 0);
	evseq_add(&q, 800, 0, EV_GIL_REQUEST, 0, 0);
	struct history *h = feed(history_create(1, cap));
	struct history_span s[16];
	size_t n = all_spans(h, 0, s, 16);
	CU_ASSERT_EQUAL(n, cap);
	CU_ASSERT_EQUAL(history_forgotten(h, 0), 80 - cap);
	ASSERT_SPAN(s[cap - 1], 790, 800, TS_HOLDING);
	ASSERT_SPAN(s[cap - 2], 780, 790, TS_WAITING);
	ASSERT_SPAN(s[0], 720, 730, TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 719), TS_UNKNOWN);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 725), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 735), TS_HOLDING);
	history_destroy(h);
}

static void spans_query_clips_to_window_and_open_span_to_now(void)
{
	evseq_init(&q);
	evseq_add(&q, 100, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 100, 0, 50, 0);
	evseq_add(&q, 1150, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	struct history *h = feed(history_create(1, 8));
	struct history_span s[8];
	size_t n = history_spans(h, 0, 120, 1000, 5000, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	ASSERT_SPAN(s[0], 120, 150, TS_WAITING);
	ASSERT_SPAN(s[1], 150, 1000, TS_HOLDING);
	/* The open BLOCKED span ends at now, or at t1 if that is sooner. */
	n = history_spans(h, 0, 1000, 2000, 1400, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	ASSERT_SPAN(s[1], 1150, 1400, TS_BLOCKED);
	n = history_spans(h, 0, 1000, 1300, 1400, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	ASSERT_SPAN(s[1], 1150, 1300, TS_BLOCKED);
	/* A window before the thread started, and one limited by max. */
	CU_ASSERT_EQUAL(history_spans(h, 0, 0, 100, 5000, s, 8), 0);
	CU_ASSERT_EQUAL(history_spans(h, 0, 0, 5000, 5000, s, 1), 1);
	ASSERT_SPAN(s[0], 100, 150, TS_WAITING);
	history_destroy(h);
}

static void state_at_covers_before_during_and_after(void)
{
	evseq_init(&q);
	script_cpu_io(0, 100);
	struct history *h = feed(history_create(1, 64));
	CU_ASSERT_EQUAL(history_state_at(h, 0, 0), TS_NOT_STARTED);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 100), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 149), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 150), TS_HOLDING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 1200), TS_BLOCKED);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 1699), TS_WAITING);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 1700), TS_DONE);
	CU_ASSERT_EQUAL(history_state_at(h, 0, 99999), TS_DONE);
	CU_ASSERT_EQUAL(history_state_at(h, 7, 150), TS_UNKNOWN);
	history_destroy(h);
}

/* Free-threaded: waiting for an object's lock is a state of its own,
 * from LOCK_WAIT to LOCK_TAKE; a thread that turns the GIL on waits
 * until it has it, and leaves a mark. */
static void lock_waits_and_the_gil_turned_on(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 10, 0, EV_LOCK_WAIT, 2, 0);
	evseq_add(&q, 40, 0, EV_LOCK_TAKE, 2, 30);
	evseq_add(&q, 60, 0, EV_LOCK_RELEASE, 2, 20);
	evseq_add(&q, 70, 0, EV_GIL_ENABLE, 0, 3);
	evseq_add(&q, 90, 0, EV_GIL_ACQUIRE, 0, 20);
	struct history *h = feed(history_create(1, 16));
	struct history_span sp[8];
	size_t n = all_spans(h, 0, sp, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(sp[0].state, TS_HOLDING);
	CU_ASSERT_EQUAL(sp[1].state, TS_LOCK_WAIT);
	CU_ASSERT_EQUAL(sp[1].t_start, 10);
	CU_ASSERT_EQUAL(sp[1].t_end, 40);
	CU_ASSERT_EQUAL(sp[2].state, TS_HOLDING);
	CU_ASSERT_EQUAL(sp[3].state, TS_WAITING);
	CU_ASSERT_EQUAL(sp[3].t_start, 70);
	CU_ASSERT_EQUAL(history_state(h, 0), TS_HOLDING);
	struct history_mark m[4];
	CU_ASSERT_EQUAL_FATAL(history_marks(h, 0, 100, m, 4), 1);
	CU_ASSERT_EQUAL(m[0].type, MARK_GIL_ON);
	CU_ASSERT_EQUAL(m[0].t, 70);
	CU_ASSERT_EQUAL(m[0].arg, 3);
	history_destroy(h);
}

static void interval_changes_are_marks_of_their_gil(void)
{
	evseq_init(&q);
	evseq_add(&q, 10, EVENT_TID_GIL, EV_INTERVAL, 1, 1000000);
	evseq_add(&q, 20, EVENT_TID_GIL, EV_INTERVAL, 5, 1000); /* no GIL 5 */
	struct history_config cfg = { .nthreads = 1, .spans_per_thread = 4,
				      .ngils = 2 };
	struct history *h = feed(history_create_config(&cfg));
	struct history_mark m[4];
	CU_ASSERT_EQUAL_FATAL(history_marks(h, 0, 100, m, 4), 1);
	CU_ASSERT_EQUAL(m[0].type, MARK_INTERVAL);
	CU_ASSERT_EQUAL(m[0].tid, EVENT_TID_GIL);
	CU_ASSERT_EQUAL(m[0].gil, 1);
	CU_ASSERT_EQUAL(m[0].arg, 1000000);
	CU_ASSERT_EQUAL(history_ignored(h), 1);
	CU_ASSERT_EQUAL(history_end_time(h), 20);
	history_destroy(h);
}

static void marks_ring_keeps_the_newest(void)
{
	struct history_config cfg = { .nthreads = 1, .spans_per_thread = 4,
				      .marks = 4, .handoffs = 2 };
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_GIL_REQUEST, 0, 0);
	for (uint64_t k = 0; k < 10; k++)
		evseq_add(&q, 10 * k, 0, EV_DROP_REQUEST, 0, k);
	struct history *h = feed(history_create_config(&cfg));
	struct history_mark m[16];
	size_t n = history_marks(h, 0, UINT64_MAX, m, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(m[0].arg, 6);
	CU_ASSERT_EQUAL(m[3].arg, 9);
	CU_ASSERT_EQUAL(history_marks_total(h), 10);
	history_destroy(h);
}

static void bad_sources_are_ignored_and_done_threads_stay_done(void)
{
	evseq_init(&q);
	script_cpu_io(0, 0);
	evseq_add(&q, 5000, 0, EV_GIL_ACQUIRE, 0, 0); /* after its end */
	evseq_add(&q, 10, 3, EV_GIL_REQUEST, 0, 0);    /* no thread 3 */
	struct history *h = feed(history_create(1, 8));
	CU_ASSERT_EQUAL(history_state(h, 0), TS_DONE);
	CU_ASSERT_EQUAL(history_ignored(h), 1);
	struct history_span s[8];
	CU_ASSERT_EQUAL(all_spans(h, 0, s, 8), 4);
	history_destroy(h);
}

static void legacy_check_release_and_yield_mean_waiting(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 0, 0, EV_OP_START, OP_CPU, 1000);
	evseq_add(&q, 100, 0, EV_GIL_RELEASE, RELEASE_CHECK, 0);
	evseq_add(&q, 100, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 101, 0, EV_FAILED_WAKEUP, 0, 0);
	evseq_add(&q, 130, 0, EV_GIL_ACQUIRE, 0, 30);
	evseq_add(&q, 200, 0, EV_GIL_RELEASE, RELEASE_YIELD, 0);
	evseq_add(&q, 200, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 210, 0, EV_GIL_ACQUIRE, 0, 10);
	struct history *h = feed(history_create(1, 8));
	struct history_span s[8];
	size_t n = all_spans(h, 0, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	ASSERT_SPAN(s[1], 100, 130, TS_WAITING);
	ASSERT_SPAN(s[3], 200, 210, TS_WAITING);
	CU_ASSERT_EQUAL(history_state(h, 0), TS_HOLDING);
	history_destroy(h);
}

static void state_names_are_distinct(void)
{
	CU_ASSERT_STRING_EQUAL(history_state_name(TS_NATIVE_HOLD), "native_hold");
	CU_ASSERT_STRING_EQUAL(history_state_name(TS_WAITING), "waiting");
	CU_ASSERT_STRING_EQUAL(history_state_name((enum thread_state)99), "unknown");
}

/* One event straight into h, numbered by *seq. */
static void put_event(struct history *h, uint32_t *seq, uint64_t t, enum event_type type,
		      uint8_t aux)
{
	struct event e = { .t = t, .tid = 0, .type = (uint8_t)type, .aux = aux, .seq = (*seq)++ };
	history_add(h, &e);
}

#define US 1000ULL
#define DENSE_COL (10000 * US)

/* A dense timeline: each 10 ms column opens with 300 short turns (3 us
 * holding, 1 us waiting: 600 spans in 1.2 ms), then waits to its end. The
 * thread holds 0.9 ms and waits 9.1 ms of every column; the first 64
 * spans of a column alone would say it mostly held. */
static struct history *dense_history(unsigned ncols)
{
	struct history *h = history_create(1, 1u << 16);
	uint32_t seq = 0;
	put_event(h, &seq, 0, EV_THREAD_START, 0);
	put_event(h, &seq, 0, EV_GIL_REQUEST, 0);
	put_event(h, &seq, 0, EV_GIL_ACQUIRE, 0);
	for (unsigned c = 0; c < ncols; c++) {
		uint64_t t = c * DENSE_COL;
		for (int k = 0; k < 300; k++) {
			t += 3 * US;
			put_event(h, &seq, t, EV_GIL_RELEASE, RELEASE_CHECK);
			put_event(h, &seq, t, EV_GIL_REQUEST, 0);
			if (k < 299) {
				t += 1 * US;
				put_event(h, &seq, t, EV_GIL_ACQUIRE, 0);
			}
		}
		put_event(h, &seq, (c + 1) * DENSE_COL, EV_GIL_ACQUIRE, 0);
	}
	return h;
}

static void binning_reads_every_span_of_a_dense_column(void)
{
	enum { NCOLS = 8 };
	struct history *h = dense_history(NCOLS);
	uint64_t end = NCOLS * DENSE_COL;
	struct history_column cols[NCOLS];
	uint64_t last = history_bin(h, 0, 0, DENSE_COL, NCOLS, end, cols);
	CU_ASSERT_EQUAL(last, end);
	for (int c = 0; c < NCOLS; c++) {
		CU_ASSERT_EQUAL(cols[c].ns[TS_HOLDING], 900 * US);
		CU_ASSERT_EQUAL(cols[c].ns[TS_WAITING], 9100 * US);
		CU_ASSERT_EQUAL(history_column_majority(&cols[c]), TS_WAITING);
	}
	/* The same shares from every span read at once, column by column. */
	size_t max = 1u << 14;
	struct history_span *all = malloc(max * sizeof *all);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	for (int c = 0; c < NCOLS; c++) {
		uint64_t ns[TS_COUNT] = { 0 };
		size_t n = history_spans(h, 0, c * DENSE_COL, (c + 1) * DENSE_COL, end, all, max);
		CU_ASSERT(n >= 600);
		for (size_t i = 0; i < n; i++)
			ns[all[i].state] += all[i].t_end - all[i].t_start;
		for (int st = 0; st < TS_COUNT; st++)
			CU_ASSERT_EQUAL(cols[c].ns[st], ns[st]);
	}
	free(all);
	/* Zoomed out as far as one column: the whole run's shares. */
	struct history_column one;
	history_bin(h, 0, 0, end, 1, end, &one);
	CU_ASSERT_EQUAL(one.ns[TS_HOLDING], NCOLS * 900 * US);
	CU_ASSERT_EQUAL(one.ns[TS_WAITING], NCOLS * 9100 * US);
	/* Columns that do not line up with the turns: each full column is
	 * still all accounted for. */
	struct history_column off[NCOLS - 1];
	history_bin(h, 0, DENSE_COL / 2, DENSE_COL, NCOLS - 1, end, off);
	for (int c = 0; c < NCOLS - 1; c++)
		CU_ASSERT_EQUAL(off[c].ns[TS_HOLDING] + off[c].ns[TS_WAITING], DENSE_COL);
	history_destroy(h);
}

/* A column the thread held the GIL in at all never reads as one it only
 * waited in: the dense columns above (9% held) are a split cell of one
 * eighth held, waiting the rest, however far the view zooms out (10 s a
 * column, the widest, is one column for the whole run). */
static void a_held_column_never_reads_as_waiting(void)
{
	enum { NCOLS = 8 };
	struct history *h = dense_history(NCOLS);
	uint64_t end = NCOLS * DENSE_COL;
	struct history_column cols[NCOLS];
	history_bin(h, 0, 0, DENSE_COL, NCOLS, end, cols);
	for (int c = 0; c < NCOLS; c++) {
		struct history_cell cell;
		history_column_cell(&cols[c], DENSE_COL, &cell);
		CU_ASSERT_EQUAL(cell.state, TS_WAITING);
		CU_ASSERT_EQUAL(cell.rest, TS_WAITING);
		CU_ASSERT_EQUAL(cell.hold_eighths, 1);
		CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), HISTORY_ASCII_HOLD_PART);
	}
	struct history_column one;
	history_bin(h, 0, 0, 10000000000ULL, 1, end, &one); /* zoomed out as far as it goes */
	struct history_cell cell;
	history_column_cell(&one, 10000000000ULL, &cell);
	CU_ASSERT_EQUAL(cell.hold_eighths, 1); /* 7.2 ms held of 10 s: still shown */
	CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), "+");
	history_destroy(h);

	/* The shares in eighths, rounded up; a column held throughout is
	 * whole, one never held is its state's. */
	struct history_column c = { .ns = { [TS_HOLDING] = 500, [TS_WAITING] = 500 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_EQUAL(cell.hold_eighths, 4);
	CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), "+"); /* half: another may hold half */
	c = (struct history_column){ .ns = { [TS_HOLDING] = 501, [TS_WAITING] = 499 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), "#");
	/* Held 30% then finished: the majority of the time it lived, but not
	 * of the column, where another thread may have held the rest. */
	c = (struct history_column){ .ns = { [TS_HOLDING] = 300 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_EQUAL(cell.state, TS_HOLDING);
	CU_ASSERT_EQUAL(cell.hold_eighths, 3);
	CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), "+");
	c = (struct history_column){ .ns = { [TS_HOLDING] = 300, [TS_NATIVE_HOLD] = 300, [TS_WAITING] = 400 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_EQUAL(cell.held, TS_HOLDING);
	CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), "#");
	c = (struct history_column){ .ns = { [TS_HOLDING] = 1, [TS_BLOCKED] = 999 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_EQUAL(cell.hold_eighths, 1);
	CU_ASSERT_EQUAL(cell.rest, TS_BLOCKED);
	c = (struct history_column){ .ns = { [TS_NATIVE_HOLD] = 300, [TS_HOLDING] = 700 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_EQUAL(cell.hold_eighths, 8);
	CU_ASSERT_EQUAL(cell.state, TS_HOLDING);
	CU_ASSERT_EQUAL(cell.rest, TS_NOT_STARTED);
	c = (struct history_column){ .ns = { [TS_WAITING] = 1000 } };
	history_column_cell(&c, 1000, &cell);
	CU_ASSERT_EQUAL(cell.hold_eighths, 0);
	CU_ASSERT_STRING_EQUAL(history_cell_ascii(&cell), "-");
}

static void an_empty_column_has_no_majority(void)
{
	struct history *h = history_create(1, 16);
	struct history_column cols[4];
	CU_ASSERT_EQUAL(history_bin(h, 0, 0, 1000, 4, 4000, cols), 0);
	for (int c = 0; c < 4; c++)
		CU_ASSERT_EQUAL(history_column_majority(&cols[c]), TS_NOT_STARTED);
	history_destroy(h);
}

/* One event of tid at t, numbered in turn. */
static void row_event(struct history *h, uint32_t *seq, uint16_t tid, uint64_t t,
		      enum event_type type, uint8_t aux)
{
	struct event e = { .t = t, .tid = tid, .type = (uint8_t)type, .aux = aux,
			   .seq = seq[tid]++ };
	history_add(h, &e);
}

static bool same_cells(const struct history_cell *a, const struct history_cell *b, unsigned n)
{
	for (unsigned c = 0; c < n; c++)
		if (a[c].state != b[c].state || a[c].hold_eighths != b[c].hold_eighths ||
		    a[c].held != b[c].held || a[c].rest != b[c].rest)
			return false;
	return true;
}

/* A kept timeline row is binned again when what it shows may have
 * changed (now inside the window, the window, the thread's events that
 * can reach it, its oldest kept spans, its end), and reused otherwise:
 * r.builds counts the times it was binned. */
static void a_kept_row_is_binned_again_only_when_its_inputs_change(void)
{
	enum { N = 10 };
	struct history *h = history_create(2, 8); /* eight spans a thread */
	uint32_t seq[2] = { 0 };
	struct history_row r;
	history_row_init(&r);
	row_event(h, seq, 0, 0, EV_THREAD_START, 0);
	row_event(h, seq, 0, 0, EV_GIL_REQUEST, 0);
	row_event(h, seq, 0, 100, EV_GIL_ACQUIRE, 0);
	/* [0, 1000) in ten columns, at 500: waited, then holds up to now. */
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 500));
	CU_ASSERT_EQUAL(r.builds, 1);
	CU_ASSERT_EQUAL(r.cells[0].state, TS_WAITING);
	CU_ASSERT_EQUAL(r.cells[4].hold_eighths, 8);
	CU_ASSERT_EQUAL(r.cells[5].state, TS_NOT_STARTED);
	struct history_cell before[N];
	memcpy(before, r.cells, sizeof before);
	/* Nothing new: the same cells, not binned. */
	CU_ASSERT_FALSE(history_row_cells(&r, h, 0, 0, 100, N, 500));
	CU_ASSERT_EQUAL(r.builds, 1);
	CU_ASSERT_TRUE(same_cells(before, r.cells, N));
	/* Another thread's event is not this row's. */
	row_event(h, seq, 1, 50, EV_THREAD_START, 0);
	CU_ASSERT_FALSE(history_row_cells(&r, h, 0, 0, 100, N, 500));
	/* Now moves inside the window: the open span grows. */
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 600));
	CU_ASSERT_EQUAL(r.cells[5].hold_eighths, 8);
	CU_ASSERT_EQUAL(r.builds, 2);
	/* Zoom and scroll: new windows; back to the first one, binned again. */
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 50, N, 600));
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 100, 50, N, 600));
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 600));
	CU_ASSERT_EQUAL(r.builds, 5);
	/* Looking back at [0, 1000) while the run goes on to 2000: the
	 * thread's events after the window cannot change it. The first one
	 * past its end closes the open span there (binned once more). */
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 2000));
	memcpy(before, r.cells, sizeof before);
	row_event(h, seq, 0, 1500, EV_GIL_RELEASE, RELEASE_BLOCKING);
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 2000));
	CU_ASSERT_TRUE(same_cells(before, r.cells, N));
	uint64_t builds = r.builds;
	row_event(h, seq, 0, 1700, EV_GIL_REQUEST, 0);
	row_event(h, seq, 0, 1800, EV_GIL_ACQUIRE, 0);
	CU_ASSERT_FALSE(history_row_cells(&r, h, 0, 0, 100, N, 2500));
	CU_ASSERT_EQUAL(r.builds, builds);
	/* An event inside the window [1000, 2000) is binned. */
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 1000, 100, N, 1850));
	CU_ASSERT_EQUAL(r.cells[8].state, TS_HOLDING); /* [1800, 1900): held from 1800 */
	row_event(h, seq, 0, 1850, EV_GIL_RELEASE, RELEASE_BLOCKING);
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 1000, 100, N, 1850));
	CU_ASSERT_EQUAL(r.cells[8].hold_eighths, 4);
	/* Memory is bounded: the spans of [0, 1000) are forgotten as the
	 * thread goes on, and the row, though looking back, says so. */
	CU_ASSERT_FALSE(history_row_cells(&r, h, 0, 1000, 100, N, 1850));
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 3000));
	CU_ASSERT_EQUAL(r.cells[0].state, TS_WAITING);
	for (uint64_t t = 3000; t < 4000; t += 100) {
		row_event(h, seq, 0, t, EV_GIL_REQUEST, 0);
		row_event(h, seq, 0, t + 50, EV_GIL_ACQUIRE, 0);
	}
	CU_ASSERT(history_forgotten(h, 0) > 0);
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 4000));
	CU_ASSERT_EQUAL(r.cells[0].state, TS_NOT_STARTED);
	/* Forgotten on purpose (a new run): binned whatever the inputs. */
	builds = r.builds;
	CU_ASSERT_FALSE(history_row_cells(&r, h, 0, 0, 100, N, 4000));
	history_row_forget(&r);
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 0, 100, N, 4000));
	CU_ASSERT_EQUAL(r.builds, builds + 1);
	/* The end: columns after its last span and before now are done. */
	row_event(h, seq, 0, 4500, EV_GIL_RELEASE, RELEASE_EXIT);
	row_event(h, seq, 0, 4500, EV_THREAD_END, 0);
	CU_ASSERT_TRUE(history_row_cells(&r, h, 0, 4000, 100, N, 4800));
	CU_ASSERT_EQUAL(r.cells[6].state, TS_DONE);
	CU_ASSERT_EQUAL(r.cells[8].state, TS_NOT_STARTED); /* after now */
	history_row_free(&r);
	history_destroy(h);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(binning_reads_every_span_of_a_dense_column),
	CU_TEST_ENTRY(an_empty_column_has_no_majority),
	CU_TEST_ENTRY(a_kept_row_is_binned_again_only_when_its_inputs_change),
	CU_TEST_ENTRY(a_held_column_never_reads_as_waiting),
	CU_TEST_ENTRY(take_cpu_io_exit_gives_four_spans),
	CU_TEST_ENTRY(native_hold_is_its_own_state_while_holding),
	CU_TEST_ENTRY(acquire_inside_native_hold_resumes_native_hold),
	CU_TEST_ENTRY(off_core_and_stopped_return_to_the_state_they_left),
	CU_TEST_ENTRY(forced_drop_waits_until_acquire),
	CU_TEST_ENTRY(forced_drop_records_marks),
	CU_TEST_ENTRY(handoff_names_setter_dropper_and_taker),
	CU_TEST_ENTRY(handoff_survives_a_drop_arriving_after_the_take),
	CU_TEST_ENTRY(handoffs_stay_within_their_gil),
	CU_TEST_ENTRY(out_of_order_threads_give_the_same_spans),
	CU_TEST_ENTRY(time_going_back_within_a_thread_is_clamped),
	CU_TEST_ENTRY(seq_gap_counts_lost_events_and_recovers),
	CU_TEST_ENTRY(lost_thread_start_starts_at_first_event),
	CU_TEST_ENTRY(ring_forgets_oldest_spans_and_counts_them),
	CU_TEST_ENTRY(spans_query_clips_to_window_and_open_span_to_now),
	CU_TEST_ENTRY(state_at_covers_before_during_and_after),
	CU_TEST_ENTRY(interval_changes_are_marks_of_their_gil),
	CU_TEST_ENTRY(lock_waits_and_the_gil_turned_on),
	CU_TEST_ENTRY(marks_ring_keeps_the_newest),
	CU_TEST_ENTRY(bad_sources_are_ignored_and_done_threads_stay_done),
	CU_TEST_ENTRY(legacy_check_release_and_yield_mean_waiting),
	CU_TEST_ENTRY(state_names_are_distinct),
	CU_TEST_END,
};

CU_MAIN("history", tests)
