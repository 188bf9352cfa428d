/*
 * test_tasks.c -- per-task state spans of asyncio loops from hand-built
 * event sequences: the order the engine emits them in (engine.c, Loops).
 */
#include "config.h"

#include <stdlib.h>

#include "cu.h"
#include "evseq.h"
#include "scenario.h"
#include "tasks.h"

static struct evseq q;

static struct tasks *feed(struct tasks *tk)
{
	for (size_t i = 0; i < q.n; i++)
		tasks_add(tk, &q.ev[i]);
	return tk;
}

static size_t all_spans(struct tasks *tk, unsigned tid, unsigned task, uint64_t now,
			struct history_span *out, size_t max)
{
	return tasks_spans(tk, tid, task, 0, UINT64_MAX, now, out, max);
}

#define ASSERT_SPAN(s, a, b, st)                    \
	do {                                        \
		CU_ASSERT_EQUAL((s).t_start, (a)); \
		CU_ASSERT_EQUAL((s).t_end, (b));   \
		CU_ASSERT_EQUAL((s).state, (st));  \
	} while (0)

/* The loop switches to task i at t and resumes it from an await if it
 * had one. */
static void run_task(uint16_t tid, uint64_t t, unsigned i, enum op_kind resumed)
{
	evseq_add(&q, t, tid, EV_TASK, 0, i);
	if (resumed != OP_KIND_COUNT)
		evseq_add(&q, t, tid, EV_OP_END, (uint8_t)resumed, 0);
}

/* Loop 0 with two tasks: a runs 10, awaits io 100; b runs 10, awaits
 * io 100; the loop blocks until a's io is done at 110, a runs 10 and
 * ends; b's io is done at 120, b runs 10 and ends; the loop exits. */
static void two_tasks_alternate_at_awaits(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	run_task(0, 0, 0, OP_KIND_COUNT);
	evseq_add(&q, 0, 0, EV_OP_START, OP_CPU, 10);
	evseq_add(&q, 10, 0, EV_OP_END, OP_CPU, 0);
	evseq_add(&q, 10, 0, EV_OP_START, OP_AWAIT_IO, 100);
	run_task(0, 10, 1, OP_KIND_COUNT);
	evseq_add(&q, 10, 0, EV_OP_START, OP_CPU, 10);
	evseq_add(&q, 20, 0, EV_OP_END, OP_CPU, 0);
	evseq_add(&q, 20, 0, EV_OP_START, OP_AWAIT_IO, 100);
	evseq_add(&q, 20, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	evseq_take(&q, 110, 0, 0, 0);
	run_task(0, 110, 0, OP_AWAIT_IO);
	evseq_add(&q, 110, 0, EV_OP_START, OP_CPU, 10);
	evseq_add(&q, 120, 0, EV_OP_END, OP_CPU, 0);
	run_task(0, 120, 1, OP_AWAIT_IO);
	evseq_add(&q, 120, 0, EV_OP_START, OP_CPU, 10);
	evseq_add(&q, 130, 0, EV_OP_END, OP_CPU, 0);
	evseq_add(&q, 130, 0, EV_GIL_RELEASE, RELEASE_EXIT, 0);
	evseq_add(&q, 130, 0, EV_THREAD_END, 0, 0);

	unsigned nt[] = { 2 };
	struct tasks *tk = feed(tasks_create(nt, 1, 16));
	CU_ASSERT_EQUAL(tasks_count(tk, 0), 2);
	struct history_span s[16];
	size_t n = all_spans(tk, 0, 0, 200, s, 16);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	ASSERT_SPAN(s[0], 0, 10, TK_RUNNING);
	ASSERT_SPAN(s[1], 10, 110, TK_AWAITING);
	ASSERT_SPAN(s[2], 110, 120, TK_RUNNING);
	n = all_spans(tk, 0, 1, 200, s, 16);
	/* Its io is done at 120, just as the loop comes to it: no ready. */
	CU_ASSERT_EQUAL_FATAL(n, 4);
	ASSERT_SPAN(s[0], 0, 10, TK_READY);
	ASSERT_SPAN(s[1], 10, 20, TK_RUNNING);
	ASSERT_SPAN(s[2], 20, 120, TK_AWAITING);
	ASSERT_SPAN(s[3], 120, 130, TK_RUNNING);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 0, 200), TK_DONE);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 1, 200), TK_DONE);
	tasks_destroy(tk);
}

/* The heavy task (0) runs a cpu op of 500 while the light one (1),
 * whose io of 20 was done at 30, is ready for the rest of it: the loop
 * only comes back to it when the heavy task awaits. */
static void cpu_heavy_task_keeps_the_other_ready(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	run_task(0, 0, 1, OP_KIND_COUNT);
	evseq_add(&q, 10, 0, EV_OP_START, OP_AWAIT_IO, 20);
	run_task(0, 10, 0, OP_KIND_COUNT);
	evseq_add(&q, 10, 0, EV_OP_START, OP_CPU, 500);
	/* Another thread forces the loop off the GIL for a while: the heavy
	 * task is still the one running. */
	evseq_add(&q, 200, 0, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 200, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 260, 0, EV_GIL_ACQUIRE, 1, 60);
	evseq_add(&q, 510, 0, EV_OP_END, OP_CPU, 0);
	evseq_add(&q, 510, 0, EV_OP_START, OP_AWAIT_SLEEP, 1000);
	run_task(0, 510, 1, OP_AWAIT_IO);

	unsigned nt[] = { 2 };
	struct tasks *tk = feed(tasks_create(nt, 1, 16));
	struct history_span s[16];
	size_t n = all_spans(tk, 0, 0, 600, s, 16);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	ASSERT_SPAN(s[0], 0, 10, TK_READY);
	ASSERT_SPAN(s[1], 10, 510, TK_RUNNING);
	ASSERT_SPAN(s[2], 510, 600, TK_AWAITING);
	n = all_spans(tk, 0, 1, 600, s, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	ASSERT_SPAN(s[0], 0, 10, TK_RUNNING);
	ASSERT_SPAN(s[1], 10, 30, TK_AWAITING);
	ASSERT_SPAN(s[2], 30, 510, TK_READY);
	ASSERT_SPAN(s[3], 510, 600, TK_RUNNING);
	uint64_t tot[TK_COUNT];
	tasks_totals(tk, 0, 1, 600, tot);
	CU_ASSERT_EQUAL(tot[TK_READY], 480);
	CU_ASSERT_EQUAL(tot[TK_RUNNING], 100);
	CU_ASSERT_EQUAL(tot[TK_AWAITING], 20);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 1, 600), TK_RUNNING);
	/* Its waits from ready to running: none at the start (the loop ran
	 * it at once), then 480 (from 30 to 510); the heavy task's: 10
	 * (from 0 to 10). */
	struct tasks_waits w;
	tasks_ready_waits(tk, 0, 1, &w);
	CU_ASSERT_EQUAL(w.n, 2);
	CU_ASSERT_EQUAL(w.max_ns, 480);
	CU_ASSERT_EQUAL(w.p50_ns, 0);
	CU_ASSERT(w.p99_ns >= 450 && w.p99_ns <= 480);
	tasks_ready_waits(tk, 0, 0, &w);
	CU_ASSERT_EQUAL(w.n, 1);
	CU_ASSERT_EQUAL(w.max_ns, 10);
	CU_ASSERT(w.p50_ns >= 9 && w.p50_ns <= 10);
	tasks_ready_waits(tk, 0, 7, &w); /* no such task */
	CU_ASSERT_EQUAL(w.n, 0);
	tasks_destroy(tk);
}

/* An await whose time is up is ready from then on, before the loop has
 * said anything: the open span splits at the due time. */
static void open_await_turns_ready_when_its_time_is_up(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	run_task(0, 0, 0, OP_KIND_COUNT);
	evseq_add(&q, 5, 0, EV_OP_START, OP_AWAIT_SLEEP, 50);
	run_task(0, 5, 1, OP_KIND_COUNT);
	evseq_add(&q, 5, 0, EV_OP_START, OP_CPU, 1000);
	unsigned nt[] = { 2 };
	struct tasks *tk = feed(tasks_create(nt, 1, 16));
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 0, 40), TK_AWAITING);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 0, 100), TK_READY);
	struct history_span s[8];
	size_t n = all_spans(tk, 0, 0, 100, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	ASSERT_SPAN(s[1], 5, 55, TK_AWAITING);
	ASSERT_SPAN(s[2], 55, 100, TK_READY);
	/* A window clips them. */
	n = tasks_spans(tk, 0, 0, 50, 60, 100, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	ASSERT_SPAN(s[0], 50, 55, TK_AWAITING);
	ASSERT_SPAN(s[1], 55, 60, TK_READY);
	tasks_destroy(tk);
}

/* await get has no known end: the task awaits until the loop resumes it. */
static void await_get_awaits_until_resumed(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	run_task(0, 0, 0, OP_KIND_COUNT);
	evseq_add(&q, 10, 0, EV_OP_START, OP_AWAIT_GET, 0);
	evseq_add(&q, 10, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	unsigned nt[] = { 1 };
	struct tasks *tk = feed(tasks_create(nt, 1, 16));
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 0, 10000), TK_AWAITING);
	evseq_init(&q);
	q.seq[0] = 3;
	evseq_take(&q, 300, 0, 0, 0);
	run_task(0, 300, 0, OP_AWAIT_GET);
	feed(tk);
	struct history_span s[8];
	size_t n = all_spans(tk, 0, 0, 400, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	ASSERT_SPAN(s[1], 10, 300, TK_AWAITING);
	ASSERT_SPAN(s[2], 300, 400, TK_RUNNING);
	tasks_destroy(tk);
}

/* A task that returns without awaiting is done when the loop moves on,
 * or when the loop blocks with no op in progress; a plain blocking io in
 * a task keeps it running (it blocks the loop). The loop's end ends all. */
static void tasks_end_when_the_loop_moves_on_or_ends(void)
{
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	run_task(0, 0, 0, OP_KIND_COUNT);
	evseq_add(&q, 0, 0, EV_OP_START, OP_IO, 50);
	evseq_add(&q, 0, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	evseq_take(&q, 50, 0, 0, 0);
	evseq_add(&q, 50, 0, EV_OP_END, OP_IO, 0);
	run_task(0, 60, 1, OP_KIND_COUNT);
	evseq_add(&q, 70, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	unsigned nt[] = { 3 };
	struct tasks *tk = feed(tasks_create(nt, 1, 16));
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 0, 100), TK_DONE);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 1, 100), TK_DONE);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 2, 100), TK_READY);
	struct history_span s[8];
	size_t n = all_spans(tk, 0, 0, 100, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	ASSERT_SPAN(s[0], 0, 60, TK_RUNNING);
	evseq_init(&q);
	q.seq[0] = 9;
	evseq_add(&q, 80, 0, EV_THREAD_END, 0, 0);
	feed(tk);
	CU_ASSERT_EQUAL(tasks_state(tk, 0, 2, 100), TK_DONE);
	n = all_spans(tk, 0, 2, 1000, s, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	ASSERT_SPAN(s[0], 0, 80, TK_READY);
	tasks_destroy(tk);
}

/* However long the run, a task keeps cap spans; the totals still count
 * the forgotten ones. Threads without tasks and bad events are ignored. */
static void memory_is_bounded_and_totals_survive_forgetting(void)
{
	unsigned nt[] = { 0, 2 };
	struct tasks *tk = tasks_create(nt, 2, 8);
	CU_ASSERT_EQUAL(tasks_count(tk, 0), 0);
	CU_ASSERT_EQUAL(tasks_count(tk, 1), 2);
	struct event ev = { .t = 0, .tid = 1, .type = EV_THREAD_START };
	tasks_add(tk, &ev);
	uint64_t t = 0;
	for (int i = 0; i < 10000; i++) {
		ev = (struct event){ .t = t, .tid = 1, .type = EV_TASK, .arg = (uint64_t)(i % 2) };
		tasks_add(tk, &ev);
		ev = (struct event){ .t = t + 10, .tid = 1, .type = EV_OP_START,
				     .aux = OP_AWAIT_IO, .arg = 5 };
		tasks_add(tk, &ev);
		t += 10;
	}
	struct event bad = { .t = t, .tid = 7, .type = EV_TASK, .arg = 0 };
	tasks_add(tk, &bad);
	bad = (struct event){ .t = t, .tid = 1, .type = EV_TASK, .arg = 99 };
	tasks_add(tk, &bad);
	bad = (struct event){ .t = t, .tid = 0, .type = EV_TASK, .arg = 0 };
	tasks_add(tk, &bad);
	struct history_span s[32];
	size_t n = all_spans(tk, 1, 0, t, s, 32);
	CU_ASSERT(n <= 8 + 2); /* the kept ones, and the open one split */
	CU_ASSERT(tasks_forgotten(tk, 1, 0) > 0);
	uint64_t tot[TK_COUNT];
	tasks_totals(tk, 1, 0, t, tot);
	CU_ASSERT_EQUAL(tot[TK_RUNNING] + tot[TK_READY] + tot[TK_AWAITING], t);
	CU_ASSERT_EQUAL(tot[TK_RUNNING], t / 2);
	CU_ASSERT_EQUAL(tasks_untracked(tk), 0);
	tasks_destroy(tk);
}

/* More tasks than TASKS_MAX_TRACKED in all: the first ones are followed,
 * the rest counted. */
static void tasks_beyond_the_limit_are_counted_not_followed(void)
{
	unsigned nt[] = { TASKS_MAX_TRACKED - 1, 5 };
	struct tasks *tk = tasks_create(nt, 2, 4);
	CU_ASSERT_EQUAL(tasks_count(tk, 0), TASKS_MAX_TRACKED - 1);
	CU_ASSERT_EQUAL(tasks_count(tk, 1), 1);
	CU_ASSERT_EQUAL(tasks_untracked(tk), 4);
	struct event ev = { .t = 0, .tid = 1, .type = EV_TASK, .arg = 3 };
	tasks_add(tk, &ev);
	CU_ASSERT_EQUAL(tasks_state(tk, 1, 0, 10), TK_READY);
	CU_ASSERT_EQUAL(tasks_state(tk, 1, 3, 10), TK_NOT_STARTED);
	tasks_destroy(tk);
}

static void state_names(void)
{
	CU_ASSERT_STRING_EQUAL(tasks_state_name(TK_READY), "ready");
	CU_ASSERT_STRING_EQUAL(tasks_state_name(TK_AWAITING), "awaiting");
	CU_ASSERT_STRING_EQUAL(tasks_state_name((enum task_state)42), "unknown");
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(two_tasks_alternate_at_awaits),
	CU_TEST_ENTRY(cpu_heavy_task_keeps_the_other_ready),
	CU_TEST_ENTRY(open_await_turns_ready_when_its_time_is_up),
	CU_TEST_ENTRY(await_get_awaits_until_resumed),
	CU_TEST_ENTRY(tasks_end_when_the_loop_moves_on_or_ends),
	CU_TEST_ENTRY(memory_is_bounded_and_totals_survive_forgetting),
	CU_TEST_ENTRY(tasks_beyond_the_limit_are_counted_not_followed),
	CU_TEST_ENTRY(state_names),
	CU_TEST_END,
};

CU_MAIN("tasks", tests)
