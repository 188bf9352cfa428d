/*
 * tasks.c -- per-task state spans of asyncio loops, built from the loop
 * threads' events.
 *
 * The model. A loop is one thread that runs its tasks in turn (engine.c).
 * Every task is READY when its loop starts (THREAD_START). EV_TASK i says
 * that the loop switched to task i: it becomes RUNNING, and stays so
 * until it suspends, whatever the loop thread does meanwhile (holding the
 * GIL, waiting for it after a forced switch, or stuck in a plain blocking
 * call: that is the task's doing too). An await's OP_START suspends the
 * current task: it is AWAITING until its time is up (await io D and
 * await sleep D: OP_START's arg is D), then READY until its loop switches
 * back to it; an await get has no known end, so it stays AWAITING until
 * the EV_TASK that resumes it. The engine emits nothing when a task ends:
 * a task that is still RUNNING when the loop switches to another, or when
 * the loop blocks with no op in progress (every task awaits), is DONE. The
 * loop's end (THREAD_END, or the release at exit) makes every task DONE.
 *
 * Recovery. Only the loop thread's own events drive its tasks; a t
 * earlier than the loop's last one is clamped to it, and an EV_TASK says
 * which task runs whatever was thought before (even a task thought DONE,
 * if the await that suspended it was lost).
 *
 * Bounds. At most TASKS_MAX_TRACKED tasks are followed in all; each keeps
 * its last spans_per_task closed spans in a ring (the oldest forgotten
 * and counted) and the time spent in each state, so shares stay right
 * after forgetting. All of it is allocated by tasks_create.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "spanring.h"
#include "tasks.h"
#include "util.h"

#define TASKS_NONE (-1)

static const char *const state_names[TK_COUNT] = {
	[TK_NOT_STARTED] = "not started",
	[TK_RUNNING] = "running",
	[TK_READY] = "ready",
	[TK_AWAITING] = "awaiting",
	[TK_DONE] = "done",
};

/* The waits from ready to running, log-linear: under 8 ns a bucket each,
 * then 8 buckets a power of two (within 1/16 of the value). */
#define READY_SUB 8
#define READY_BUCKETS (READY_SUB + 61 * READY_SUB)

struct tasks_task {
	uint64_t ready_n, ready_max;
	uint32_t ready[READY_BUCKETS]; /* waits from ready to running */
	uint64_t since;          /* when the current state began */
	uint64_t due;            /* AWAITING with has_due: when it is ready */
	uint64_t total[TK_COUNT]; /* closed spans' time, per state */
	struct span_ring ring;   /* its kept spans */
	bool has_due;
	uint8_t state;           /* enum task_state */
};

struct tasks_loop {
	unsigned first;          /* its first task in tasks->tasks */
	unsigned n;              /* tasks followed */
	int current;             /* the running task, or TASKS_NONE */
	uint64_t last_t;
	bool started;
	bool in_op;              /* a non-await op in progress */
};

struct tasks {
	unsigned nthreads;
	unsigned ntracked, untracked;
	size_t cap;              /* spans per task */
	struct tasks_loop *loops;
	struct tasks_task *tasks;
	struct history_span *spans; /* ntracked * cap */
};

const char *tasks_state_name(enum task_state state)
{
	if ((unsigned)state >= TK_COUNT)
		return "unknown";
	return state_names[state];
}

struct tasks *tasks_create(const unsigned *ntasks, unsigned nthreads,
			   size_t spans_per_task)
{
	struct tasks *tk = xcalloc(1, sizeof *tk);
	tk->nthreads = nthreads;
	tk->loops = xcalloc(nthreads ? nthreads : 1, sizeof *tk->loops);
	for (unsigned i = 0; i < nthreads; i++) {
		unsigned n = ntasks ? ntasks[i] : 0;
		unsigned room = TASKS_MAX_TRACKED - tk->ntracked;
		struct tasks_loop *l = &tk->loops[i];
		l->first = tk->ntracked;
		l->n = n < room ? n : room;
		l->current = TASKS_NONE;
		tk->ntracked += l->n;
		tk->untracked += n - l->n;
	}
	size_t per = spans_per_task;
	if (!per) {
		per = TASKS_SPAN_BUDGET / (tk->ntracked ? tk->ntracked : 1);
		per = per < TASKS_MIN_SPANS ? TASKS_MIN_SPANS
		      : per > TASKS_MAX_SPANS ? TASKS_MAX_SPANS : per;
	}
	tk->cap = per;
	tk->tasks = xcalloc(tk->ntracked ? tk->ntracked : 1, sizeof *tk->tasks);
	tk->spans = xreallocarray(NULL, (size_t)(tk->ntracked ? tk->ntracked : 1) * tk->cap,
				  sizeof *tk->spans);
	return tk;
}

void tasks_destroy(struct tasks *tk)
{
	if (!tk)
		return;
	free(tk->loops);
	free(tk->tasks);
	free(tk->spans);
	free(tk);
}

/* The slots of task k (a global index): a ring of cap of its own. */
static struct history_span *task_slots(const struct tasks *tk, unsigned k)
{
	return &tk->spans[(size_t)k * tk->cap];
}

/* The i-th kept span of task k, 0 the oldest. */
static struct history_span *task_span(const struct tasks *tk, unsigned k, size_t i)
{
	return span_ring_at(task_slots(tk, k), tk->cap, &tk->tasks[k].ring, i);
}

/* A full ring overwrites its oldest span; the time it stood for stays in
 * the totals, so a task's shares do not drift as memory is reused. */
static void task_push(struct tasks *tk, unsigned k, uint64_t t0, uint64_t t1,
		      uint8_t state)
{
	struct history_span s = { .t_start = t0, .t_end = t1, .state = state };
	span_ring_push(task_slots(tk, k), tk->cap, &tk->tasks[k].ring, &s);
	tk->tasks[k].total[state] += t1 - t0;
}

/* Every change of state closes the span before it, if it had a length;
 * the two states NOT_STARTED and DONE are never kept as spans. */
static unsigned ready_bucket(uint64_t ns)
{
	if (ns < READY_SUB)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns);
	unsigned sub = (unsigned)(ns >> (e - 3)) & (READY_SUB - 1);
	unsigned b = READY_SUB + (e - 3) * READY_SUB + sub;
	return b < READY_BUCKETS ? b : READY_BUCKETS - 1;
}

/* The middle of bucket b. */
static uint64_t ready_value(unsigned b)
{
	if (b < READY_SUB)
		return b;
	unsigned e = (b - READY_SUB) / READY_SUB + 3, sub = (b - READY_SUB) % READY_SUB;
	uint64_t w = 1ULL << (e - 3);
	return ((uint64_t)(READY_SUB + sub) << (e - 3)) + w / 2;
}

static void task_set(struct tasks *tk, unsigned k, uint64_t t, enum task_state state)
{
	struct tasks_task *tt = &tk->tasks[k];
	if (tt->state == state)
		return;
	if (tt->state == TK_READY && state == TK_RUNNING) {
		uint64_t w = t > tt->since ? t - tt->since : 0;
		tt->ready[ready_bucket(w)]++;
		tt->ready_n++;
		if (w > tt->ready_max)
			tt->ready_max = w;
	}
	if (t > tt->since && tt->state != TK_NOT_STARTED && tt->state != TK_DONE)
		task_push(tk, k, tt->since, t, tt->state);
	tt->state = (uint8_t)state;
	tt->since = t;
	if (state != TK_AWAITING)
		tt->has_due = false;
}

/* An await whose time was up before t made its task ready then, not
 * when the loop came back to it: that wait is the lesson. */
static void task_settle(struct tasks *tk, unsigned k, uint64_t t)
{
	struct tasks_task *tt = &tk->tasks[k];
	if (tt->state == TK_AWAITING && tt->has_due && tt->due <= t)
		task_set(tk, k, tt->due > tt->since ? tt->due : tt->since, TK_READY);
}

static void loop_start(struct tasks *tk, struct tasks_loop *l, uint64_t t)
{
	l->started = true;
	for (unsigned i = 0; i < l->n; i++)
		if (tk->tasks[l->first + i].state == TK_NOT_STARTED)
			task_set(tk, l->first + i, t, TK_READY);
}

/* The running task, if any, has finished: the engine moved on without an
 * await from it. */
static void loop_current_done(struct tasks *tk, struct tasks_loop *l, uint64_t t)
{
	if (l->current == TASKS_NONE)
		return;
	unsigned k = l->first + (unsigned)l->current;
	if (tk->tasks[k].state == TK_RUNNING)
		task_set(tk, k, t, TK_DONE);
	l->current = TASKS_NONE;
}

static void loop_end(struct tasks *tk, struct tasks_loop *l, uint64_t t)
{
	for (unsigned i = 0; i < l->n; i++) {
		task_settle(tk, l->first + i, t);
		task_set(tk, l->first + i, t, TK_DONE);
	}
	l->current = TASKS_NONE;
}

void tasks_add(struct tasks *tk, const struct event *ev)
{
	if (ev->tid >= tk->nthreads)
		return;
	struct tasks_loop *l = &tk->loops[ev->tid];
	if (!l->n)
		return;
	uint64_t t = ev->t < l->last_t ? l->last_t : ev->t;
	l->last_t = t;
	if (!l->started && ev->type != EV_THREAD_END)
		loop_start(tk, l, t);
	switch (ev->type) {
	case EV_TASK: {
		if (ev->arg >= l->n)
			break;
		int i = (int)ev->arg;
		if (l->current != i)
			loop_current_done(tk, l, t);
		unsigned k = l->first + (unsigned)i;
		task_settle(tk, k, t);
		task_set(tk, k, t, TK_RUNNING);
		l->current = i;
		l->in_op = false;
		break;
	}
	case EV_OP_START:
		if (!op_kind_is_await((enum op_kind)ev->aux)) {
			l->in_op = true;
			break;
		}
		if (l->current != TASKS_NONE) {
			unsigned k = l->first + (unsigned)l->current;
			task_set(tk, k, t, TK_AWAITING);
			struct tasks_task *tt = &tk->tasks[k];
			tt->has_due = ev->aux != OP_AWAIT_GET;
			tt->due = t + ev->arg;
			l->current = TASKS_NONE;
		}
		break;
	case EV_OP_END:
		if (!op_kind_is_await((enum op_kind)ev->aux))
			l->in_op = false;
		break;
	case EV_GIL_RELEASE:
		if (ev->aux == RELEASE_EXIT)
			loop_end(tk, l, t);
		else if (ev->aux == RELEASE_BLOCKING && !l->in_op)
			loop_current_done(tk, l, t); /* the loop blocks: none runs */
		break;
	case EV_THREAD_END:
		loop_end(tk, l, t);
		break;
	default:
		break;
	}
}

unsigned tasks_count(const struct tasks *tk, unsigned tid)
{
	return tid < tk->nthreads ? tk->loops[tid].n : 0;
}

unsigned tasks_untracked(const struct tasks *tk)
{
	return tk->untracked;
}

/* The global index of a task, or -1 if it is not followed. */
static long task_index(const struct tasks *tk, unsigned tid, unsigned task)
{
	if (tid >= tk->nthreads || task >= tk->loops[tid].n)
		return -1;
	return (long)(tk->loops[tid].first + task);
}

enum task_state tasks_state(const struct tasks *tk, unsigned tid, unsigned task,
			    uint64_t now)
{
	long k = task_index(tk, tid, task);
	if (k < 0)
		return TK_NOT_STARTED;
	const struct tasks_task *tt = &tk->tasks[k];
	if (tt->state == TK_AWAITING && tt->has_due && tt->due <= now)
		return TK_READY;
	return (enum task_state)tt->state;
}

/* The first kept span of task k ending after t, or count if none. */
static size_t task_find(const struct tasks *tk, unsigned k, uint64_t t)
{
	return span_ring_find(task_slots(tk, k), tk->cap, &tk->tasks[k].ring, t);
}

size_t tasks_spans(const struct tasks *tk, unsigned tid, unsigned task, uint64_t t0,
		   uint64_t t1, uint64_t now, struct history_span *out, size_t max)
{
	long k = task_index(tk, tid, task);
	if (k < 0 || t0 >= t1)
		return 0;
	const struct tasks_task *tt = &tk->tasks[k];
	size_t n = 0;
	for (size_t i = task_find(tk, (unsigned)k, t0); i < tt->ring.count && n < max; i++) {
		const struct history_span *s = task_span(tk, (unsigned)k, i);
		if (s->t_start >= t1)
			break;
		n = span_clip_put(out, n, max, s->t_start, s->t_end, s->state, t0, t1);
	}
	uint8_t st = tt->state;
	if (st == TK_NOT_STARTED || st == TK_DONE || now <= tt->since)
		return n;
	if (st == TK_AWAITING && tt->has_due && tt->due < now) {
		n = span_clip_put(out, n, max, tt->since, tt->due, TK_AWAITING, t0, t1);
		uint64_t r = tt->due > tt->since ? tt->due : tt->since;
		return span_clip_put(out, n, max, r, now, TK_READY, t0, t1);
	}
	return span_clip_put(out, n, max, tt->since, now, st, t0, t1);
}

void tasks_totals(const struct tasks *tk, unsigned tid, unsigned task, uint64_t now,
		  uint64_t out[TK_COUNT])
{
	memset(out, 0, TK_COUNT * sizeof *out);
	long k = task_index(tk, tid, task);
	if (k < 0)
		return;
	const struct tasks_task *tt = &tk->tasks[k];
	memcpy(out, tt->total, sizeof tt->total);
	struct history_span open[2];
	size_t n = tasks_spans(tk, tid, task, tt->since, UINT64_MAX, now, open, 2);
	for (size_t i = 0; i < n; i++)
		out[open[i].state] += open[i].t_end - open[i].t_start;
}

void tasks_ready_waits(const struct tasks *tk, unsigned tid, unsigned task,
		       struct tasks_waits *out)
{
	memset(out, 0, sizeof *out);
	long k = task_index(tk, tid, task);
	if (k < 0)
		return;
	const struct tasks_task *tt = &tk->tasks[k];
	out->n = tt->ready_n;
	out->max_ns = tt->ready_max;
	if (!tt->ready_n)
		return;
	/* Nearest rank, as stats does for the GIL's waits. */
	uint64_t r50 = (tt->ready_n + 1) / 2, r99 = (tt->ready_n * 99 + 99) / 100, seen = 0;
	for (unsigned b = 0; b < READY_BUCKETS; b++) {
		uint64_t before = seen;
		seen += tt->ready[b];
		uint64_t v = ready_value(b) < tt->ready_max ? ready_value(b) : tt->ready_max;
		if (before < r50 && seen >= r50)
			out->p50_ns = v;
		if (before < r99 && seen >= r99) {
			out->p99_ns = v;
			break;
		}
	}
}

uint64_t tasks_forgotten(const struct tasks *tk, unsigned tid, unsigned task)
{
	long k = task_index(tk, tid, task);
	return k < 0 ? 0 : tk->tasks[k].ring.forgotten;
}

void tasks_save(const struct tasks *tk, struct ckpt_out *o)
{
	ckpt_put_u64(o, tk->nthreads);
	ckpt_put_u64(o, tk->ntracked);
	for (unsigned i = 0; i < tk->nthreads; i++) {
		const struct tasks_loop *l = &tk->loops[i];
		ckpt_put_u64(o, (uint64_t)(l->current + 1));
		ckpt_put_u64(o, l->last_t);
		ckpt_put_u64(o, l->started);
		ckpt_put_u64(o, l->in_op);
	}
	for (unsigned k = 0; k < tk->ntracked; k++) {
		const struct tasks_task *tt = &tk->tasks[k];
		ckpt_put_u64(o, tt->since);
		ckpt_put_u64(o, tt->due);
		for (unsigned s = 0; s < TK_COUNT; s++)
			ckpt_put_u64(o, tt->total[s]);
		ckpt_put_u64(o, tt->has_due);
		ckpt_put_u64(o, tt->state);
		ckpt_put_u64(o, tt->ready_n);
		ckpt_put_u64(o, tt->ready_max);
		for (unsigned b = 0; b < READY_BUCKETS; b++)
			ckpt_put_u64(o, tt->ready[b]);
		ckpt_put_spans(o, task_slots(tk, k), tk->cap, &tt->ring, CKPT_TASK_SPANS);
	}
}

void tasks_load(struct tasks *tk, struct ckpt_in *in)
{
	if (ckpt_get_u64(in) != tk->nthreads || ckpt_get_u64(in) != tk->ntracked) {
		in->bad = true;
		return;
	}
	/* Which tasks a loop has is the scenario's; where it stands is read. */
	for (unsigned i = 0; i < tk->nthreads && !in->bad; i++) {
		struct tasks_loop *l = &tk->loops[i];
		uint64_t cur = ckpt_get_u64(in);
		if (cur > l->n)
			in->bad = true;
		l->current = (int)cur - 1;
		l->last_t = ckpt_get_u64(in);
		l->started = ckpt_get_u64(in) != 0;
		l->in_op = ckpt_get_u64(in) != 0;
	}
	for (unsigned k = 0; k < tk->ntracked && !in->bad; k++) {
		struct tasks_task *tt = &tk->tasks[k];
		tt->since = ckpt_get_u64(in);
		tt->due = ckpt_get_u64(in);
		for (unsigned s = 0; s < TK_COUNT; s++)
			tt->total[s] = ckpt_get_u64(in);
		tt->has_due = ckpt_get_u64(in) != 0;
		uint64_t st = ckpt_get_u64(in);
		tt->state = (uint8_t)(st < TK_COUNT ? st : TK_DONE);
		tt->ready_n = ckpt_get_u64(in);
		tt->ready_max = ckpt_get_u64(in);
		for (unsigned b = 0; b < READY_BUCKETS; b++)
			tt->ready[b] = (uint32_t)ckpt_get_u64(in);
		ckpt_get_spans(in, task_slots(tk, k), tk->cap, &tt->ring);
	}
}

size_t tasks_layout(void)
{
	return TK_COUNT + READY_BUCKETS;
}
