/*
 * consumer.h -- the one reader of a run's events: every event goes to
 * stats, history and tasks, and to the recording and the export when there are
 * any. A watch (watch.h) owns one and feeds it from the ring of a live run
 * or from a recording, for the headless report, the terminal UI, sweeps and
 * the tests alike, so they cannot disagree about a figure. The tasks of
 * asyncio loops are followed beside the threads (tasks.h).
 */
#ifndef GILVIZ_CONSUMER_H
#define GILVIZ_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"
#include "event.h"
#include "export.h"
#include "history.h"
#include "ring.h"
#include "scenario.h"
#include "stats.h"
#include "tasks.h"
#include "trace.h"
#include "util.h"

#define CONSUMER_BATCH 4096

/* The spans kept in all by default, shared among the threads, and the
 * bounds of each thread's share (see consumer_spans_per_thread). */
#define CONSUMER_SPAN_BUDGET (1u << 22)
#define CONSUMER_MIN_SPANS 256
#define CONSUMER_MAX_SPANS 65536

/* Called after each event has reached stats and history, so that a view
 * may read a figure as it stood right after that event. */
typedef void (*consumer_hook)(void *arg, const struct event *ev,
			      const struct stats *st);

struct consumer {
	struct stats *st;
	struct history *h;
	struct tasks *tk;       /* the tasks of asyncio loops */
	struct trace_writer *rec;
	struct exporter *exp;
	struct event *batch;
	unsigned *gil_of;
	uint64_t events;
	uint64_t drains;       /* consumer_drain_max calls: how often a
				* watch woke to read the ring */
	unsigned nthreads;
	uint64_t strays;       /* events of threads the scenario lacks (a
				* recording that lies): left out, counted */
	int failed;            /* a write to the recording failed */
	struct gv_error rec_err;
	consumer_hook hook;
	void *hook_arg;
	/* Only the figures (st) are kept: no spans, marks or tasks (h and
	 * tk stay empty). A sweep's and a comparison's rows read nothing
	 * else; without history and tasks an event costs about a quarter
	 * less. Set before the first event; not with a recording. */
	bool figures_only;
	uint32_t ckpt_blocks;  /* the recording's blocks at its last checkpoint */
	uint64_t ckpt_events;  /* ... and the events taken by then */
	struct ckpt_out ckpt_state; /* the last checkpoint's bytes (reused) */
};

/* The spans each thread keeps for a budget shared among nthreads, within
 * [CONSUMER_MIN_SPANS, CONSUMER_MAX_SPANS]. */
size_t consumer_spans_per_thread(size_t budget, size_t nthreads);

/* spans_per_thread 0: the default share of CONSUMER_SPAN_BUDGET. */
void consumer_init(struct consumer *c, const struct scenario *sc,
		   size_t spans_per_thread);
void consumer_fini(struct consumer *c);

/* Feed n events (dropped: the ring's drop count, for the recording). */
void consumer_take(struct consumer *c, const struct event *evs, size_t n,
		   uint64_t dropped);
/* Drain everything the ring holds now; returns how many events that was. */
size_t consumer_drain(struct consumer *c, struct ring *ring);
/* Drain at most max events: while the threads still run, the ring may
 * fill as fast as it is drained, and a caller with other work (the UI's
 * keys and frames) must get its turn. */
size_t consumer_drain_max(struct consumer *c, struct ring *ring, size_t max);

/* Checkpoints (trace.h, ckpt.h). While it records, the consumer writes
 * one after every TRACE_CKPT_BLOCKS blocks and TRACE_CKPT_EVENTS events
 * (the more of the two). consumer_save puts the model
 * (stats, history, tasks, the counts) into o; consumer_load puts it back
 * into a consumer made for the same scenario, -1 if the bytes do not fit
 * it (then the model is half loaded: start it afresh). consumer_stamp
 * names this build's layout of those bytes. */
void consumer_save(const struct consumer *c, struct ckpt_out *o);
int consumer_load(struct consumer *c, const void *state, size_t len);
uint32_t consumer_stamp(void);

#endif
