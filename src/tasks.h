/*
 * tasks.h -- what each task of each asyncio loop was doing, and when:
 * per-task state spans built from the loop thread's events, beside the
 * per-thread spans of history.h. Bounded: memory is fixed at creation.
 *
 * tasks.c opens with the model (states, what drives them, the bounds).
 */
#ifndef GILVIZ_TASKS_H
#define GILVIZ_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "history.h"

/* What a task is doing. The UI draws them with the thread glyphs:
 * running like holding, ready like waiting, awaiting like blocked. */
enum task_state {
	TK_NOT_STARTED = 0, /* before its loop started */
	TK_RUNNING,         /* the loop's current task: it holds the GIL,
	                       or its loop waits for the GIL to run it */
	TK_READY,           /* could run, but another task has the loop */
	TK_AWAITING,        /* suspended on an await not yet done */
	TK_DONE,            /* finished (or its loop ended) */
	TK_COUNT
};

const char *tasks_state_name(enum task_state state);

/* Tasks followed in all, over every loop: more than any terminal has
 * rows for; the tasks beyond it are counted, not followed. */
#define TASKS_MAX_TRACKED 4096
/* Spans kept in all by default, shared among the followed tasks, and
 * the bounds of each task's share. */
#define TASKS_SPAN_BUDGET (1u << 20)
#define TASKS_MIN_SPANS 64
#define TASKS_MAX_SPANS 16384

struct tasks;

/* ntasks[tid]: the tasks of thread tid's loop (0 for a plain thread).
 * spans_per_task 0: the default share of TASKS_SPAN_BUDGET. */
struct tasks *tasks_create(const unsigned *ntasks, unsigned nthreads,
			   size_t spans_per_task);
void tasks_destroy(struct tasks *tk);

/* Takes one event, of any source, in arrival order. O(1) but for a
 * loop's end, which closes each of its tasks; never allocates. */
void tasks_add(struct tasks *tk, const struct event *ev);

/* The tasks followed for thread tid (0: not a loop, or none followed). */
unsigned tasks_count(const struct tasks *tk, unsigned tid);
/* Tasks of every loop that are not followed (over TASKS_MAX_TRACKED). */
unsigned tasks_untracked(const struct tasks *tk);
/* The state of a task at now (the latest time seen for its loop, or
 * later: an await whose time is up by now makes it ready). */
enum task_state tasks_state(const struct tasks *tk, unsigned tid,
			    unsigned task, uint64_t now);
/* The spans of a task overlapping [t0, t1), oldest first, clipped; the
 * open span counts as ending at now. state is an enum task_state;
 * TK_NOT_STARTED and TK_DONE are never returned. Fills at most max
 * spans and returns how many. */
size_t tasks_spans(const struct tasks *tk, unsigned tid, unsigned task,
		   uint64_t t0, uint64_t t1, uint64_t now,
		   struct history_span *out, size_t max);
/* The time a task spent in each state up to now, forgotten spans
 * included: out[TK_RUNNING], out[TK_READY], out[TK_AWAITING]. */
void tasks_totals(const struct tasks *tk, unsigned tid, unsigned task,
		  uint64_t now, uint64_t out[TK_COUNT]);
/* A task's waits from ready (its await is over, or it is new) to
 * running: how many, p50 and p99 (within 1/16 of the value), max. */
struct tasks_waits {
	uint64_t n, p50_ns, p99_ns, max_ns;
};
void tasks_ready_waits(const struct tasks *tk, unsigned tid, unsigned task,
		       struct tasks_waits *out);
/* Spans of a task forgotten to keep memory bounded (cumulative). */
uint64_t tasks_forgotten(const struct tasks *tk, unsigned tid, unsigned task);

struct ckpt_out;
struct ckpt_in;
/* The tasks into a checkpoint (ckpt.h), and back into tasks made for the
 * same loops (in->bad if they do not fit). */
void tasks_save(const struct tasks *tk, struct ckpt_out *o);
void tasks_load(struct tasks *tk, struct ckpt_in *in);
size_t tasks_layout(void);

#endif
