/*
 * history.c -- per-thread state spans, timeline marks and handoff
 * provenance, built from the merged event stream.
 *
 * The model. Each simulated thread is always in one state (history.h):
 * it starts (THREAD_START) wanting the GIL, so it is WAITING until its
 * first ACQUIRE makes it HOLDING. A REQUEST, a FORCED_DROP, or a release
 * that means to take the GIL straight back (legacy RELEASE_CHECK,
 * RELEASE_YIELD) make it WAITING; a release for io or sleep makes it
 * BLOCKED, one for C code NATIVE, the release at exit DONE. An
 * ACQUIRE makes it HOLDING again, or NATIVE_HOLD if it is inside a
 * native_hold op, whose OP_START and OP_END switch between HOLDING and
 * NATIVE_HOLD while it holds. An OFF_CORE makes it RUNNABLE (the OS
 * took its core during work) until the ON_CORE that puts it back in the
 * state it left; a STW_STOP makes it STOPPED (another thread's gc pause)
 * until its STW_GO, the same way. A LOCK_WAIT makes it LOCK_WAIT (an
 * object's lock is taken: free-threaded only) until its LOCK_TAKE makes
 * it HOLDING again; an importer's GIL_ENABLE makes it WAITING until it
 * has the GIL it turned on. The time a thread spends in a state is a
 * span [t_start, t_end); consecutive spans of a thread touch, so they add
 * up to its wall time (start to DONE).
 *
 * Recovery. Events come from several threads through one ring: each
 * thread's own events arrive in order, but not in time order with the
 * others', and the ring may drop some. So every thread's state is
 * driven only by its own events; a t earlier than that thread's last one
 * is clamped to it (no negative span); a gap in its seq numbers counts as
 * lost events; and every event says what state it leaves the thread in,
 * whatever state it was thought to be in (an ACQUIRE seen while BLOCKED
 * just makes it HOLDING; an OP_END means it holds the GIL again).
 *
 * Bounds. Each thread keeps its last spans_per_thread closed spans in a
 * ring (the oldest are forgotten and counted) plus its open span; marks
 * and handoffs are rings too. Everything is allocated by history_create:
 * history_add is O(1) and never allocates, however long the run.
 *
 * Handoffs. A forced switch has three actors: the waiter that set the
 * drop request, the holder that dropped on it, and the thread that took
 * the GIL next. Each GIL keeps the first drop request since its last
 * acquisition and a pending forced drop; the next acquisition by another
 * thread completes the record. Because the dropper's FORCED_DROP may
 * arrive after the taker's ACQUIRE, the GIL also remembers its latest
 * acquisition so that a late drop can still be matched to it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "ckpt.h"
#include "spanring.h"
#include "util.h"

static const char *const state_names[TS_COUNT] = {
	[TS_NOT_STARTED] = "not started",
	[TS_HOLDING] = "holding",
	[TS_WAITING] = "waiting",
	[TS_BLOCKED] = "blocked",
	[TS_NATIVE] = "native",
	[TS_NATIVE_HOLD] = "native_hold",
	[TS_DONE] = "done",
	[TS_RUNNABLE] = "runnable",
	[TS_STOPPED] = "stopped",
	[TS_LOCK_WAIT] = "lock wait",
	[TS_UNKNOWN] = "unknown",
};

struct history_thread {
	struct history_track tr;
	struct span_ring ring; /* its kept spans */
	unsigned gil;
	uint64_t changes;      /* its events folded in (a timeline row's key) */
};

/* One request/drop/take record in the making, per GIL. */
struct history_gil {
	bool req;            /* a drop request since the last acquisition */
	uint64_t req_t;
	uint16_t req_tid;

	bool drop;           /* a forced drop not yet matched to a taker */
	uint64_t drop_t;
	uint16_t dropper;
	bool drop_req;       /* the request it dropped on, if known */
	uint64_t drop_req_t;
	uint16_t drop_req_tid;

	bool take;           /* the latest acquisition */
	bool take_used;      /* ... already completed a handoff */
	uint64_t take_t;
	uint16_t taker;
	bool take_req;       /* the request that acquisition cleared */
	uint64_t take_req_t;
	uint16_t take_req_tid;
};

struct history {
	unsigned nthreads;
	unsigned ngils;
	size_t cap;                     /* spans per thread */
	struct history_thread *threads;
	struct history_span *spans;     /* nthreads * cap */
	struct history_gil *gils;

	struct history_mark *marks;
	size_t marks_cap, marks_first, marks_count;
	uint64_t marks_total;

	struct history_handoff *handoffs;
	size_t handoffs_cap, handoffs_first, handoffs_count;
	uint64_t handoffs_total;

	uint64_t end_t;
	uint64_t ignored;
	uint64_t epoch; /* loads from a checkpoint (a timeline row's key) */
};

const char *history_state_name(enum thread_state state)
{
	if ((unsigned)state >= TS_COUNT)
		return "unknown";
	return state_names[state];
}

void history_track_init(struct history_track *tr)
{
	memset(tr, 0, sizeof *tr);
	tr->state = TS_NOT_STARTED;
	tr->op = OP_KIND_COUNT;
}

/* Seq numbers count from 0 for each thread; a jump forward is events the
 * ring dropped. A jump backward (wrap-around of a very long run aside)
 * cannot be explained, so it is not counted, only resynchronised on. */
static void track_seq(struct history_track *tr, uint32_t seq)
{
	uint32_t gap = seq - tr->next_seq;
	if (gap != 0 && gap < 0x80000000u)
		tr->lost += gap;
	tr->next_seq = seq + 1;
}

/* The state an event leaves its thread in, whatever state it was
 * thought to be in: this is what makes the stream self-healing after
 * lost events. Returns cur for events that change nothing. */
static uint8_t track_next_state(const struct history_track *tr,
				const struct event *ev)
{
	/* Off its core, a thread is still in the state it left: every
	 * event but OFF_CORE is read against that one (an ON_CORE may have
	 * been lost). */
	bool overlay = tr->state == TS_RUNNABLE || tr->state == TS_STOPPED;
	uint8_t cur = overlay ? tr->resume : tr->state;
	switch (ev->type) {
	case EV_OFF_CORE:
		return cur == TS_NOT_STARTED || cur == TS_DONE ? cur : TS_RUNNABLE;
	case EV_STW_STOP:
		return cur == TS_NOT_STARTED || cur == TS_DONE ? cur : TS_STOPPED;
	case EV_ON_CORE:
	case EV_STW_GO:
		return cur;
	case EV_THREAD_START:
		return cur == TS_NOT_STARTED ? TS_WAITING : cur;
	case EV_THREAD_END:
		return TS_DONE;
	case EV_GIL_REQUEST:
	case EV_DROP_REQUEST:
	case EV_FAILED_WAKEUP:
	case EV_FORCED_DROP:
	case EV_GIL_ENABLE:
		return TS_WAITING;
	case EV_LOCK_WAIT:
		return cur == TS_NOT_STARTED || cur == TS_DONE ? cur : TS_LOCK_WAIT;
	case EV_LOCK_TAKE:
		return cur == TS_LOCK_WAIT ? TS_HOLDING : cur;
	case EV_GIL_ACQUIRE:
		return tr->op == OP_NATIVE_HOLD ? TS_NATIVE_HOLD : TS_HOLDING;
	case EV_GIL_RELEASE:
		switch (ev->aux) {
		case RELEASE_BLOCKING:
			return TS_BLOCKED;
		case RELEASE_NATIVE:
			return TS_NATIVE;
		case RELEASE_EXIT:
			return TS_DONE;
		default: /* RELEASE_YIELD, RELEASE_CHECK: retaken at once */
			return TS_WAITING;
		}
	case EV_OP_START:
		if (ev->aux == OP_NATIVE_HOLD && cur == TS_HOLDING)
			return TS_NATIVE_HOLD;
		return cur;
	case EV_OP_END:
		/* Every op ends with its thread holding the GIL. */
		if (cur == TS_NATIVE_HOLD || cur == TS_WAITING ||
		    cur == TS_BLOCKED || cur == TS_NATIVE)
			return TS_HOLDING;
		return cur;
	default:
		return cur;
	}
}

bool history_track_step(struct history_track *tr, const struct event *ev,
			struct history_span *closed)
{
	track_seq(tr, ev->seq);
	if (tr->state == TS_DONE)
		return false;

	uint64_t t = ev->t < tr->last_t ? tr->last_t : ev->t;
	tr->last_t = t;

	if (tr->state == TS_NOT_STARTED) {
		/* Its THREAD_START may have been lost: it starts now. */
		tr->state = TS_WAITING;
		tr->since = t;
		tr->t_begin = t;
	}

	if (ev->type == EV_OP_START)
		tr->op = ev->aux < OP_KIND_COUNT ? ev->aux : OP_KIND_COUNT;

	uint8_t next = track_next_state(tr, ev);

	if (ev->type == EV_OP_END)
		tr->op = OP_KIND_COUNT;

	if (next == tr->state)
		return false;
	bool any = t > tr->since;
	if (any) {
		closed->t_start = tr->since;
		closed->t_end = t;
		closed->state = tr->state;
	}
	if ((next == TS_RUNNABLE || next == TS_STOPPED) &&
	    tr->state != TS_RUNNABLE && tr->state != TS_STOPPED)
		tr->resume = tr->state;
	tr->state = next;
	tr->since = t;
	if (next == TS_DONE)
		tr->t_done = t;
	return any;
}

struct history *history_create(unsigned nthreads, size_t spans_per_thread)
{
	struct history_config cfg = {
		.nthreads = nthreads,
		.spans_per_thread = spans_per_thread,
	};
	return history_create_config(&cfg);
}

struct history *history_create_config(const struct history_config *cfg)
{
	struct history *h = xcalloc(1, sizeof *h);
	h->nthreads = cfg->nthreads;
	h->ngils = cfg->ngils ? cfg->ngils : 1;
	h->cap = cfg->spans_per_thread ? cfg->spans_per_thread : 1;
	h->threads = xcalloc(h->nthreads, sizeof *h->threads);
	h->spans = xreallocarray(NULL, (size_t)h->nthreads * h->cap,
				 sizeof *h->spans);
	h->gils = xcalloc(h->ngils, sizeof *h->gils);
	for (unsigned i = 0; i < h->nthreads; i++) {
		history_track_init(&h->threads[i].tr);
		unsigned g = cfg->gil_of ? cfg->gil_of[i] : 0;
		h->threads[i].gil = g < h->ngils ? g : 0;
	}
	h->marks_cap = cfg->marks ? cfg->marks : HISTORY_DEFAULT_MARKS;
	h->marks = xreallocarray(NULL, h->marks_cap, sizeof *h->marks);
	h->handoffs_cap = cfg->handoffs ? cfg->handoffs : HISTORY_DEFAULT_HANDOFFS;
	h->handoffs = xreallocarray(NULL, h->handoffs_cap, sizeof *h->handoffs);
	return h;
}

void history_destroy(struct history *h)
{
	if (!h)
		return;
	free(h->threads);
	free(h->spans);
	free(h->gils);
	free(h->marks);
	free(h->handoffs);
	free(h);
}

/* The kept spans of tid: a ring of cap slots of its own. */
static struct history_span *thread_slots(const struct history *h, unsigned tid)
{
	return &h->spans[(size_t)tid * h->cap];
}

/* The i-th kept span of a thread, 0 the oldest. */
static const struct history_span *thread_span(const struct history *h,
					      unsigned tid, size_t i)
{
	return span_ring_at(thread_slots(h, tid), h->cap, &h->threads[tid].ring, i);
}

/* A full ring overwrites its oldest span: memory stays flat. */
static void thread_push(struct history *h, unsigned tid,
			const struct history_span *s)
{
	span_ring_push(thread_slots(h, tid), h->cap, &h->threads[tid].ring, s);
}

static void mark_push(struct history *h, uint64_t t, uint16_t tid,
		      unsigned gil, enum history_mark_type type, uint64_t arg)
{
	size_t slot;
	if (h->marks_count < h->marks_cap) {
		slot = h->marks_first + h->marks_count;
		if (slot >= h->marks_cap)
			slot -= h->marks_cap;
		h->marks_count++;
	} else {
		slot = h->marks_first;
		if (++h->marks_first == h->marks_cap)
			h->marks_first = 0;
	}
	h->marks[slot] = (struct history_mark){
		.t = t, .arg = arg, .tid = tid, .gil = (uint16_t)gil,
		.type = (uint8_t)type,
	};
	h->marks_total++;
}

static void handoff_push(struct history *h, const struct history_handoff *ho)
{
	size_t slot;
	if (h->handoffs_count < h->handoffs_cap) {
		slot = h->handoffs_first + h->handoffs_count;
		if (slot >= h->handoffs_cap)
			slot -= h->handoffs_cap;
		h->handoffs_count++;
	} else {
		slot = h->handoffs_first;
		if (++h->handoffs_first == h->handoffs_cap)
			h->handoffs_first = 0;
	}
	h->handoffs[slot] = *ho;
	h->handoffs_total++;
}

static void handoff_emit(struct history *h, unsigned gil, bool have_req,
			 uint64_t req_t, uint16_t setter, uint64_t drop_t,
			 uint16_t dropper, uint64_t take_t, uint16_t taker)
{
	struct history_handoff ho = {
		.t_request = have_req ? req_t : drop_t,
		.t_drop = drop_t,
		.t_take = take_t,
		.setter = have_req ? setter : HISTORY_NO_TID,
		.dropper = dropper,
		.taker = taker,
		.gil = (uint16_t)gil,
	};
	handoff_push(h, &ho);
}

/* A drop request belongs to the acquisition it precedes. One older than
 * the GIL's latest acquisition arrived late: it is what that acquisition
 * cleared. Otherwise the first request since then is the one that
 * counts (later waiters only set it again). */
static void provenance_drop_request(struct history_gil *g, uint64_t t,
				    uint16_t tid)
{
	if (g->take && t < g->take_t) {
		if (!g->take_req || t < g->take_req_t) {
			g->take_req = true;
			g->take_req_t = t;
			g->take_req_tid = tid;
		}
		return;
	}
	if (!g->req || t < g->req_t) {
		g->req = true;
		g->req_t = t;
		g->req_tid = tid;
	}
}

static void provenance_forced_drop(struct history *h, unsigned gil,
				   uint64_t t, uint16_t tid)
{
	struct history_gil *g = &h->gils[gil];
	bool have = g->req && g->req_t <= t;
	uint64_t req_t = g->req_t;
	uint16_t req_tid = g->req_tid;
	if (!have && g->take_req && g->take_req_t <= t) {
		have = true;
		req_t = g->take_req_t;
		req_tid = g->take_req_tid;
	}
	if (g->take && !g->take_used && g->taker != tid && g->take_t >= t) {
		/* The taker's ACQUIRE arrived before this drop. */
		handoff_emit(h, gil, have, req_t, req_tid, t, tid, g->take_t,
			     g->taker);
		g->take_used = true;
		return;
	}
	g->drop = true;
	g->drop_t = t;
	g->dropper = tid;
	g->drop_req = have;
	g->drop_req_t = req_t;
	g->drop_req_tid = req_tid;
}

static void provenance_acquire(struct history *h, unsigned gil, uint64_t t,
			       uint16_t tid)
{
	struct history_gil *g = &h->gils[gil];
	bool cleared = g->req && g->req_t <= t;
	bool used = false;
	if (g->drop && g->dropper != tid && t >= g->drop_t) {
		bool have = g->drop_req;
		uint64_t req_t = g->drop_req_t;
		uint16_t req_tid = g->drop_req_tid;
		if (!have && cleared && g->req_t <= g->drop_t) {
			have = true;
			req_t = g->req_t;
			req_tid = g->req_tid;
		}
		handoff_emit(h, gil, have, req_t, req_tid, g->drop_t,
			     g->dropper, t, tid);
		g->drop = false;
		used = true;
	}
	if (!g->take || t >= g->take_t) {
		g->take = true;
		g->take_used = used;
		g->take_t = t;
		g->taker = tid;
		g->take_req = cleared;
		g->take_req_t = g->req_t;
		g->take_req_tid = g->req_tid;
	}
	if (cleared)
		g->req = false;
}

/* EV_INTERVAL is the only event of the GIL source. */
static void history_add_gil(struct history *h, const struct event *ev)
{
	if (ev->type != EV_INTERVAL || ev->aux >= h->ngils) {
		h->ignored++;
		return;
	}
	mark_push(h, ev->t, EVENT_TID_GIL, ev->aux, MARK_INTERVAL, ev->arg);
}

void history_add(struct history *h, const struct event *ev)
{
	if (ev->t > h->end_t)
		h->end_t = ev->t;
	if (ev->tid == EVENT_TID_GIL) {
		history_add_gil(h, ev);
		return;
	}
	if (ev->tid >= h->nthreads || ev->type == EV_NONE ||
	    ev->type >= EV_TYPE_COUNT) {
		h->ignored++;
		return;
	}
	struct history_thread *th = &h->threads[ev->tid];
	th->changes++;
	bool was_done = th->tr.state == TS_DONE;
	struct history_span closed;
	if (history_track_step(&th->tr, ev, &closed))
		thread_push(h, ev->tid, &closed);
	if (was_done)
		return;

	/* The thread's own clamped time, so marks agree with its spans. */
	uint64_t t = th->tr.last_t;
	switch (ev->type) {
	case EV_DROP_REQUEST:
		mark_push(h, t, ev->tid, th->gil, MARK_DROP_REQUEST, ev->arg);
		provenance_drop_request(&h->gils[th->gil], t, ev->tid);
		break;
	case EV_FORCED_DROP:
		mark_push(h, t, ev->tid, th->gil, MARK_FORCED_DROP, 0);
		provenance_forced_drop(h, th->gil, t, ev->tid);
		break;
	case EV_FAILED_WAKEUP:
		mark_push(h, t, ev->tid, th->gil, MARK_FAILED_WAKEUP, 0);
		break;
	case EV_GIL_ENABLE:
		mark_push(h, t, ev->tid, th->gil, MARK_GIL_ON, ev->arg);
		break;
	case EV_GIL_ACQUIRE:
		provenance_acquire(h, th->gil, t, ev->tid);
		break;
	default:
		break;
	}
}

unsigned history_nthreads(const struct history *h)
{
	return h->nthreads;
}

uint64_t history_end_time(const struct history *h)
{
	return h->end_t;
}

enum thread_state history_state(const struct history *h, unsigned tid)
{
	if (tid >= h->nthreads)
		return TS_UNKNOWN;
	return h->threads[tid].tr.state;
}

uint64_t history_since(const struct history *h, unsigned tid)
{
	return tid < h->nthreads ? h->threads[tid].tr.since : 0;
}

/* The first kept span of tid with t_end > t, or count if there is none. */
static size_t thread_find(const struct history *h, unsigned tid, uint64_t t)
{
	return span_ring_find(thread_slots(h, tid), h->cap, &h->threads[tid].ring, t);
}

enum thread_state history_state_at(const struct history *h, unsigned tid,
				   uint64_t t)
{
	if (tid >= h->nthreads)
		return TS_UNKNOWN;
	const struct history_thread *th = &h->threads[tid];
	if (th->tr.state == TS_NOT_STARTED)
		return TS_NOT_STARTED;
	if (t >= th->tr.since)
		return th->tr.state;
	if (th->ring.count == 0 || t < thread_span(h, tid, 0)->t_start) {
		if (th->ring.forgotten)
			return TS_UNKNOWN;
		return t < th->tr.t_begin ? TS_NOT_STARTED : th->tr.state;
	}
	size_t i = thread_find(h, tid, t);
	if (i == th->ring.count)
		return th->tr.state;
	return thread_span(h, tid, i)->state;
}

size_t history_spans(const struct history *h, unsigned tid, uint64_t t0,
		     uint64_t t1, uint64_t now, struct history_span *out,
		     size_t max)
{
	if (tid >= h->nthreads || t0 >= t1)
		return 0;
	const struct history_thread *th = &h->threads[tid];
	size_t n = 0;
	for (size_t i = thread_find(h, tid, t0); i < th->ring.count && n < max; i++) {
		const struct history_span *s = thread_span(h, tid, i);
		if (s->t_start >= t1)
			break;
		n = span_clip_put(out, n, max, s->t_start, s->t_end, s->state, t0, t1);
	}
	uint8_t st = th->tr.state;
	if (st != TS_NOT_STARTED && st != TS_DONE && now > th->tr.since)
		n = span_clip_put(out, n, max, th->tr.since, now, st, t0, t1);
	return n;
}

/* The chunk of spans binned at a time: the stack holds it. */
#define HISTORY_BIN_CHUNK 512

uint64_t history_bin_spans(history_span_reader read, const void *src, unsigned row,
			   uint64_t t0, uint64_t col_ns, unsigned ncols, uint64_t now,
			   struct history_column *cols)
{
	memset(cols, 0, ncols * sizeof *cols);
	if (!ncols || !col_ns)
		return 0;
	struct history_span spans[HISTORY_BIN_CHUNK];
	uint64_t a = t0, b = t0 + col_ns * ncols, last_end = 0;
	for (;;) {
		size_t n = read(src, row, a, b, now, spans, HISTORY_BIN_CHUNK);
		for (size_t i = 0; i < n; i++) {
			const struct history_span *s = &spans[i];
			if (s->t_end > last_end)
				last_end = s->t_end;
			if (s->state >= TS_COUNT)
				continue;
			for (uint64_t c = (s->t_start - t0) / col_ns; c < ncols; c++) {
				uint64_t c0 = t0 + c * col_ns, c1 = c0 + col_ns;
				if (c0 >= s->t_end)
					break;
				uint64_t lo = s->t_start > c0 ? s->t_start : c0;
				uint64_t hi = s->t_end < c1 ? s->t_end : c1;
				cols[c].ns[s->state] += hi - lo;
			}
		}
		/* A full chunk: go on from where its last span ends. */
		if (n < HISTORY_BIN_CHUNK || spans[n - 1].t_end <= a)
			break;
		a = spans[n - 1].t_end;
	}
	return last_end;
}

static size_t read_history(const void *src, unsigned row, uint64_t t0, uint64_t t1,
			   uint64_t now, struct history_span *out, size_t max)
{
	return history_spans(src, row, t0, t1, now, out, max);
}

uint64_t history_bin(const struct history *h, unsigned tid, uint64_t t0, uint64_t col_ns,
		     unsigned ncols, uint64_t now, struct history_column *cols)
{
	return history_bin_spans(read_history, h, tid, t0, col_ns, ncols, now, cols);
}

enum thread_state history_column_majority(const struct history_column *col)
{
	enum thread_state best = TS_NOT_STARTED;
	uint64_t most = 0;
	for (int s = 0; s < TS_COUNT; s++) {
		if (col->ns[s] > most) {
			most = col->ns[s];
			best = (enum thread_state)s;
		}
	}
	return best;
}

void history_column_cell(const struct history_column *col, uint64_t col_ns,
			 struct history_cell *out)
{
	out->state = history_column_majority(col);
	uint64_t hold = col->ns[TS_HOLDING] + col->ns[TS_NATIVE_HOLD];
	/* Rounded up: a single tick of hold is an eighth. */
	uint64_t e = col_ns ? (hold * 8 + col_ns - 1) / col_ns : 0;
	out->hold_eighths = e > 8 ? 8 : (unsigned)e;
	out->held = col->ns[TS_NATIVE_HOLD] > col->ns[TS_HOLDING] ? TS_NATIVE_HOLD : TS_HOLDING;
	struct history_column other = *col;
	other.ns[TS_HOLDING] = other.ns[TS_NATIVE_HOLD] = 0;
	out->rest = history_column_majority(&other);
}

const char *history_cell_ascii(const struct history_cell *cell)
{
	static const char *const glyphs[TS_COUNT] = HISTORY_ASCII_GLYPHS;
	if (cell->hold_eighths > 4) /* more than half */
		return glyphs[cell->held];
	if (cell->hold_eighths > 0)
		return HISTORY_ASCII_HOLD_PART;
	return (unsigned)cell->state < TS_COUNT ? glyphs[cell->state] : "?";
}

void history_row_init(struct history_row *r)
{
	memset(r, 0, sizeof *r);
}

void history_row_free(struct history_row *r)
{
	free(r->cols);
	free(r->cells);
	history_row_init(r);
}

void history_row_forget(struct history_row *r)
{
	r->valid = false;
}

/*
 * What the cells of [t0, t1) depend on, besides the window: now, where
 * it is inside the window (the open span is drawn up to it); the spans
 * there, which only the thread's own events change, and only while its
 * latest time is before t1 (later events are clamped to that time, so
 * they close the open span at t1 or after, where the window clips it);
 * the oldest span kept, once it starts inside the window (memory is
 * bounded and the oldest spans go first); and a load from a checkpoint,
 * which replaces every span.
 */
void history_bins_to_cells(const struct history_column *cols, unsigned ncols,
			   uint64_t t0, uint64_t col_ns, uint64_t last_end,
			   uint64_t now, bool done, struct history_cell *out)
{
	for (unsigned c = 0; c < ncols; c++) {
		history_column_cell(&cols[c], col_ns, &out[c]);
		uint64_t c0 = t0 + c * col_ns;
		if (out[c].state == TS_NOT_STARTED && done && c0 >= last_end && c0 < now)
			out[c].state = TS_DONE;
	}
}

bool history_row_cells(struct history_row *r, const struct history *h, unsigned tid,
		       uint64_t t0, uint64_t col_ns, unsigned ncols, uint64_t now)
{
	const struct history_thread *th = tid < h->nthreads ? &h->threads[tid] : NULL;
	uint64_t t1 = t0 + col_ns * ncols, in_now = now < t1 ? now : t1;
	uint64_t changes = 0, floor = 0;
	bool done = false;
	if (th) {
		changes = th->tr.last_t >= t1 && now >= t1 ? UINT64_MAX : th->changes;
		if (th->ring.forgotten && th->ring.count) {
			floor = thread_span(h, tid, 0)->t_start;
			if (floor < t0)
				floor = t0;
		} else if (th->ring.forgotten) {
			floor = UINT64_MAX - th->ring.forgotten;
		}
		done = th->tr.state == TS_DONE;
	}
	const struct history_row_key k = {
		.h = h, .t0 = t0, .col_ns = col_ns, .now = in_now, .changes = changes,
		.floor = floor, .epoch = h->epoch, .tid = tid, .ncols = ncols, .done = done,
	};
	const struct history_row_key *o = &r->key;
	if (r->valid && o->h == k.h && o->t0 == k.t0 && o->col_ns == k.col_ns &&
	    o->now == k.now && o->changes == k.changes && o->floor == k.floor &&
	    o->epoch == k.epoch && o->tid == k.tid && o->ncols == k.ncols && o->done == k.done)
		return false;
	if (ncols > r->cap) {
		free(r->cols);
		free(r->cells);
		r->cols = xcalloc(ncols, sizeof *r->cols);
		r->cells = xcalloc(ncols, sizeof *r->cells);
		r->cap = ncols;
	}
	r->last_end = history_bin(h, tid, t0, col_ns, ncols, now, r->cols);
	history_bins_to_cells(r->cols, ncols, t0, col_ns, r->last_end, now, done, r->cells);
	r->key = k;
	r->valid = true;
	r->builds++;
	return true;
}

uint64_t history_forgotten(const struct history *h, unsigned tid)
{
	return tid < h->nthreads ? h->threads[tid].ring.forgotten : 0;
}

uint64_t history_lost(const struct history *h, unsigned tid)
{
	return tid < h->nthreads ? h->threads[tid].tr.lost : 0;
}

uint64_t history_ignored(const struct history *h)
{
	return h->ignored;
}

size_t history_marks(const struct history *h, uint64_t t0, uint64_t t1,
		     struct history_mark *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->marks_count && n < max; i++) {
		const struct history_mark *m =
			&h->marks[(h->marks_first + i) % h->marks_cap];
		if (m->t >= t0 && m->t < t1)
			out[n++] = *m;
	}
	return n;
}

uint64_t history_marks_total(const struct history *h)
{
	return h->marks_total;
}

size_t history_handoffs(const struct history *h, uint64_t t0, uint64_t t1,
			struct history_handoff *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->handoffs_count && n < max; i++) {
		const struct history_handoff *ho =
			&h->handoffs[(h->handoffs_first + i) % h->handoffs_cap];
		if (ho->t_take >= t0 && ho->t_request < t1)
			out[n++] = *ho;
	}
	return n;
}

uint64_t history_handoffs_total(const struct history *h)
{
	return h->handoffs_total;
}

/* Marks and handoffs go in arrival order, times as differences from the
 * one before (mod 2^64: arrival order is nearly time order). */
void history_save(const struct history *h, struct ckpt_out *o)
{
	ckpt_put_u64(o, h->nthreads);
	ckpt_put_u64(o, h->ngils);
	for (unsigned i = 0; i < h->nthreads; i++) {
		const struct history_thread *th = &h->threads[i];
		ckpt_put_raw(o, &th->tr, sizeof th->tr);
		ckpt_put_spans(o, thread_slots(h, i), h->cap, &th->ring, CKPT_SPANS);
	}
	for (unsigned g = 0; g < h->ngils; g++) {
		const struct history_gil *x = &h->gils[g];
		const uint64_t v[] = { x->req, x->req_t, x->req_tid, x->drop, x->drop_t,
				       x->dropper, x->drop_req, x->drop_req_t, x->drop_req_tid,
				       x->take, x->take_used, x->take_t, x->taker, x->take_req,
				       x->take_req_t, x->take_req_tid };
		for (size_t k = 0; k < GV_ARRAY_LEN(v); k++)
			ckpt_put_u64(o, v[k]);
	}
	size_t n = h->marks_count < CKPT_MARKS ? h->marks_count : CKPT_MARKS;
	ckpt_put_u64(o, h->marks_total);
	ckpt_put_u64(o, n);
	uint64_t prev = 0;
	for (size_t i = h->marks_count - n; i < h->marks_count; i++) {
		const struct history_mark *m = &h->marks[(h->marks_first + i) % h->marks_cap];
		ckpt_put_u64(o, m->t - prev);
		ckpt_put_u64(o, m->arg);
		ckpt_put_u64(o, m->tid);
		ckpt_put_u64(o, m->gil);
		ckpt_put_u64(o, m->type);
		prev = m->t;
	}
	n = h->handoffs_count < CKPT_MARKS ? h->handoffs_count : CKPT_MARKS;
	ckpt_put_u64(o, h->handoffs_total);
	ckpt_put_u64(o, n);
	prev = 0;
	for (size_t i = h->handoffs_count - n; i < h->handoffs_count; i++) {
		const struct history_handoff *ho =
			&h->handoffs[(h->handoffs_first + i) % h->handoffs_cap];
		ckpt_put_u64(o, ho->t_request - prev);
		ckpt_put_u64(o, ho->t_drop - ho->t_request);
		ckpt_put_u64(o, ho->t_take - ho->t_request);
		ckpt_put_u64(o, ho->setter);
		ckpt_put_u64(o, ho->dropper);
		ckpt_put_u64(o, ho->taker);
		ckpt_put_u64(o, ho->gil);
		prev = ho->t_request;
	}
	ckpt_put_u64(o, h->end_t);
	ckpt_put_u64(o, h->ignored);
}

/* A thread's number as the model keeps it: one of its threads, or
 * none; anything else is damage. */
static uint16_t load_tid(const struct history *h, struct ckpt_in *in)
{
	uint64_t v = ckpt_get_u64(in);
	if (v >= h->nthreads && v != HISTORY_NO_TID && v != EVENT_TID_GIL)
		in->bad = true;
	return (uint16_t)v;
}

void history_load(struct history *h, struct ckpt_in *in)
{
	h->epoch++;
	if (ckpt_get_u64(in) != h->nthreads || ckpt_get_u64(in) != h->ngils) {
		in->bad = true;
		return;
	}
	for (unsigned i = 0; i < h->nthreads && !in->bad; i++) {
		struct history_thread *th = &h->threads[i];
		ckpt_get_track(in, &th->tr);
		ckpt_get_spans(in, thread_slots(h, i), h->cap, &th->ring);
	}
	for (unsigned g = 0; g < h->ngils && !in->bad; g++) {
		struct history_gil *x = &h->gils[g];
		x->req = ckpt_get_u64(in) != 0;
		x->req_t = ckpt_get_u64(in);
		x->req_tid = load_tid(h, in);
		x->drop = ckpt_get_u64(in) != 0;
		x->drop_t = ckpt_get_u64(in);
		x->dropper = load_tid(h, in);
		x->drop_req = ckpt_get_u64(in) != 0;
		x->drop_req_t = ckpt_get_u64(in);
		x->drop_req_tid = load_tid(h, in);
		x->take = ckpt_get_u64(in) != 0;
		x->take_used = ckpt_get_u64(in) != 0;
		x->take_t = ckpt_get_u64(in);
		x->taker = load_tid(h, in);
		x->take_req = ckpt_get_u64(in) != 0;
		x->take_req_t = ckpt_get_u64(in);
		x->take_req_tid = load_tid(h, in);
	}
	uint64_t total = ckpt_get_u64(in), n = ckpt_get_u64(in), prev = 0;
	if (n > (uint64_t)(in->end - in->p) / 5)
		in->bad = true;
	h->marks_first = h->marks_count = 0;
	for (uint64_t i = 0; i < n && !in->bad; i++) {
		uint64_t t = prev + ckpt_get_u64(in), arg = ckpt_get_u64(in);
		uint16_t tid = load_tid(h, in);
		uint64_t gil = ckpt_get_u64(in), type = ckpt_get_u64(in);
		if (gil >= h->ngils || type >= MARK_TYPE_COUNT) {
			in->bad = true;
			break;
		}
		mark_push(h, t, tid, (unsigned)gil, (enum history_mark_type)type, arg);
		prev = t;
	}
	h->marks_total = total;
	total = ckpt_get_u64(in);
	n = ckpt_get_u64(in);
	prev = 0;
	if (n > (uint64_t)(in->end - in->p) / 7)
		in->bad = true;
	h->handoffs_first = h->handoffs_count = 0;
	for (uint64_t i = 0; i < n && !in->bad; i++) {
		struct history_handoff ho;
		ho.t_request = prev + ckpt_get_u64(in);
		ho.t_drop = ho.t_request + ckpt_get_u64(in);
		ho.t_take = ho.t_request + ckpt_get_u64(in);
		ho.setter = load_tid(h, in);
		ho.dropper = load_tid(h, in);
		ho.taker = load_tid(h, in);
		uint64_t gil = ckpt_get_u64(in);
		if (gil >= h->ngils) {
			in->bad = true;
			break;
		}
		ho.gil = (uint16_t)gil;
		handoff_push(h, &ho);
		prev = ho.t_request;
	}
	h->handoffs_total = total;
	h->end_t = ckpt_get_u64(in);
	h->ignored = ckpt_get_u64(in);
}

size_t history_layout(void)
{
	return sizeof(struct history_track) * 3;
}
