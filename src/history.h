/*
 * history.h -- what each thread was doing, and when: per-thread state
 * spans built from the event stream, the marks a timeline draws, and the
 * provenance of forced handoffs, and the binning of spans into the columns
 * of a timeline. Bounded: memory is fixed at creation.
 *
 * history.c opens with the model (states, transitions, recovery).
 */
#ifndef GILVIZ_HISTORY_H
#define GILVIZ_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* What a thread is doing. hold = HOLDING + NATIVE_HOLD; native = NATIVE +
 * NATIVE_HOLD (NATIVE_HOLD counts in both, see stats.h). */
enum thread_state {
	TS_NOT_STARTED = 0, /* before its first event */
	TS_HOLDING,         /* holds the GIL, runs Python */
	TS_WAITING,         /* wants the GIL (requested, or forced off) */
	TS_BLOCKED,         /* released it for io or sleep */
	TS_NATIVE,          /* released it to run C code */
	TS_NATIVE_HOLD,     /* holds it, in C code that never checks */
	TS_DONE,            /* released it at exit, or ended */
	TS_RUNNABLE,        /* runnable, waiting for a core: the OS took its
	                       core during work (OFF_CORE .. ON_CORE); it
	                       keeps whatever it held (a holder off its core
	                       still holds the GIL) */
	TS_STOPPED,         /* stopped at a check by another thread's
	                       stop-the-world pause (STW_STOP .. STW_GO) */
	TS_LOCK_WAIT,       /* waits for an object's lock (a critical section,
	                       free-threaded only: LOCK_WAIT .. LOCK_TAKE) */
	TS_UNKNOWN,         /* history_state_at: older than what is kept */
	TS_COUNT
};

const char *history_state_name(enum thread_state state);

/* The ASCII glyph of each state, as an initializer of a const char *[TS_COUNT]:
 * the one table the headless timeline and a terminal without UTF-8 both
 * draw with. */
#define HISTORY_ASCII_GLYPHS                                              \
	{                                                                 \
		[TS_NOT_STARTED] = " ", [TS_HOLDING] = "#", [TS_WAITING] = "-", \
		[TS_BLOCKED] = "_", [TS_NATIVE] = "=", [TS_NATIVE_HOLD] = "N",  \
		[TS_DONE] = ".", [TS_RUNNABLE] = ":", [TS_STOPPED] = "|",        \
		[TS_LOCK_WAIT] = "~", [TS_UNKNOWN] = "?",                        \
	}

/* One stretch of one state: [t_start, t_end). */
struct history_span {
	uint64_t t_start;
	uint64_t t_end;
	uint8_t state; /* enum thread_state */
};

/* A tid for "unknown" in a handoff (the drop request was lost). */
#define HISTORY_NO_TID 0xFFFFu

/*
 * The state machine of one thread, shared by history and stats so that
 * both see the same transitions. Feed it that thread's events only.
 */
struct history_track {
	uint64_t since;    /* when the current state began */
	uint64_t last_t;   /* latest t of this thread: later ones clamp to it */
	uint64_t t_begin;  /* its first event (THREAD_START normally) */
	uint64_t t_done;   /* when it entered TS_DONE */
	uint64_t lost;     /* events lost: the sum of its seq gaps */
	uint32_t next_seq; /* the seq expected next */
	uint8_t state;     /* enum thread_state */
	uint8_t op;        /* enum op_kind in progress, or OP_KIND_COUNT */
	uint8_t resume;    /* while TS_RUNNABLE or TS_STOPPED: the state it
	                      left, and goes back to on ON_CORE or STW_GO
	                      (in what was padding, so
	                      checkpoints keep their layout) */
};

void history_track_init(struct history_track *tr);
/* Applies one event of this thread. Returns true and fills *closed when
 * a span of non-zero length ended (a state change); O(1). */
bool history_track_step(struct history_track *tr, const struct event *ev,
			struct history_span *closed);

/* Marks drawn on a timeline. */
enum history_mark_type {
	MARK_DROP_REQUEST = 0, /* tid set the drop request; arg: ns it waited */
	MARK_FORCED_DROP,      /* tid dropped on request: a forced switch */
	MARK_INTERVAL,         /* tid EVENT_TID_GIL; arg: new interval ns */
	MARK_FAILED_WAKEUP,    /* tid woke to a release and found the GIL
	                          taken again (the legacy GIL's battle) */
	MARK_GIL_ON,           /* tid turned the GIL on (free-threaded: an
	                          extension not free-thread-safe); arg: the
	                          module */
	MARK_TYPE_COUNT
};

struct history_mark {
	uint64_t t;
	uint64_t arg;
	uint16_t tid;
	uint16_t gil;  /* the GIL it happened on */
	uint8_t type;  /* enum history_mark_type */
};

/* Who set the drop request, who dropped, who took the GIL next. setter
 * is HISTORY_NO_TID (and t_request = t_drop) if its request was lost. */
struct history_handoff {
	uint64_t t_request;
	uint64_t t_drop;
	uint64_t t_take;
	uint16_t setter;
	uint16_t dropper;
	uint16_t taker;
	uint16_t gil;
};

struct history_config {
	unsigned nthreads;
	size_t spans_per_thread; /* kept per thread, > 0 */
	size_t marks;            /* marks kept; 0: HISTORY_DEFAULT_MARKS */
	size_t handoffs;         /* handoffs kept; 0: HISTORY_DEFAULT_HANDOFFS */
	const unsigned *gil_of;  /* thread -> GIL index; NULL: all on GIL 0 */
	unsigned ngils;          /* > every gil_of[i]; 0 means 1 */
};

#define HISTORY_DEFAULT_MARKS 4096
#define HISTORY_DEFAULT_HANDOFFS 4096

struct history;

/* One GIL, default bounds for marks and handoffs. */
struct history *history_create(unsigned nthreads, size_t spans_per_thread);
struct history *history_create_config(const struct history_config *cfg);
void history_destroy(struct history *h);

/* Takes one event, of any source, in arrival order. O(1), no allocation. */
void history_add(struct history *h, const struct event *ev);

unsigned history_nthreads(const struct history *h);
/* The latest t seen, over all sources. */
uint64_t history_end_time(const struct history *h);
/* The state now, and at time t (TS_UNKNOWN if t is older than the kept
 * spans, or tid is out of range). */
enum thread_state history_state(const struct history *h, unsigned tid);
/* When tid's current state began (0 if tid is out of range). */
uint64_t history_since(const struct history *h, unsigned tid);
enum thread_state history_state_at(const struct history *h, unsigned tid,
				   uint64_t t);
/* The spans of tid overlapping [t0, t1), oldest first, clipped to it;
 * the open span counts as ending at now (if now is later than its start).
 * TS_NOT_STARTED and TS_DONE are never returned. Fills at most max spans
 * (the oldest ones) and returns how many. */
size_t history_spans(const struct history *h, unsigned tid, uint64_t t0,
		     uint64_t t1, uint64_t now, struct history_span *out,
		     size_t max);
/*
 * Binning: the time each state took in each column of a timeline, read
 * from every span of the row however many there are (a zoomed-out column
 * may hold thousands). A column's shares say how much of it the thread
 * held the GIL, waited, was blocked, ran native code...; a view may draw
 * the shares or only the state that took the most (the majority).
 */
struct history_column {
	uint64_t ns[TS_COUNT]; /* time in each state within the column */
};

/* Where binned spans come from: at most max spans overlapping [t0, t1),
 * oldest first, clipped to it (as history_spans gives them). */
typedef size_t (*history_span_reader)(const void *src, unsigned row, uint64_t t0,
				      uint64_t t1, uint64_t now,
				      struct history_span *out, size_t max);

/* Bin row's spans into ncols columns of col_ns from t0 (column c is
 * [t0 + c * col_ns, t0 + (c + 1) * col_ns)), reading every span through
 * read, in chunks. cols is cleared first. Returns the end of the latest
 * span seen (0 if none). */
uint64_t history_bin_spans(history_span_reader read, const void *src, unsigned row,
			   uint64_t t0, uint64_t col_ns, unsigned ncols, uint64_t now,
			   struct history_column *cols);
/* The same for a thread of this history. */
uint64_t history_bin(const struct history *h, unsigned tid, uint64_t t0, uint64_t col_ns,
		     unsigned ncols, uint64_t now, struct history_column *cols);
/* The state that took most of the column (the earliest state on a tie);
 * TS_NOT_STARTED if none did. */
enum thread_state history_column_majority(const struct history_column *col);

/* How a timeline draws a column: never as if the thread only waited
 * when it held the GIL at all. hold_eighths is the share of the column
 * (col_ns long) the thread held the GIL (holding or in C code holding
 * it), in eighths rounded up, so that any hold shows: 0 none, 8 more
 * than seven eighths; held is the one of the two it held longer. rest is
 * the state that took most of the time it did not hold (TS_NOT_STARTED
 * if none), state the majority of the whole column. A view draws 8 as
 * held's glyph, 1 to 7 as a split cell (the held part and rest), 0 as
 * state's glyph. */
struct history_cell {
	enum thread_state state;
	enum thread_state held;
	enum thread_state rest;
	unsigned hold_eighths;
};

void history_column_cell(const struct history_column *col, uint64_t col_ns,
			 struct history_cell *out);
/* A row's ncols cells from its bins (starting at t0, col_ns each): a
 * column with nothing in it after a finished row's last span (last_end,
 * as history_bin returns it), before now, is TS_DONE. */
void history_bins_to_cells(const struct history_column *cols, unsigned ncols,
			   uint64_t t0, uint64_t col_ns, uint64_t last_end,
			   uint64_t now, bool done, struct history_cell *out);
/* The ASCII glyph of a cell, where no eighth blocks can be drawn: held's
 * glyph for a column held more than half of it, "+" for one held half of
 * it or less (two threads of one GIL can never both show held's glyph in
 * one column), else the state's (HISTORY_ASCII_GLYPHS). */
#define HISTORY_ASCII_HOLD_PART "+"
const char *history_cell_ascii(const struct history_cell *cell);

/*
 * A row of a timeline kept between frames: its cells, binned as
 * history_bin bins them and drawn as history_column_cell says (a column
 * with nothing in it after the thread finished, before now, is TS_DONE),
 * and the inputs they were made from: the window (t0, col_ns, ncols),
 * now where it falls inside the window, the thread's events folded in
 * while they could still reach the window, the oldest span kept there
 * and the thread's end. history_row_cells bins again only when one of
 * them changed; builds counts the times it did.
 */
/* What a row's cells were made from (history_row_cells says why each). */
struct history_row_key {
	const struct history *h;
	uint64_t t0, col_ns, now, changes, floor, epoch;
	unsigned tid, ncols;
	bool done;
};

struct history_row {
	struct history_row_key key;
	unsigned cap;
	bool valid;
	uint64_t last_end; /* as history_bin returns it */
	uint64_t builds;
	struct history_column *cols; /* scratch, cap columns */
	struct history_cell *cells;  /* ncols of them */
};

void history_row_init(struct history_row *r);
void history_row_free(struct history_row *r);
/* Bin again at the next call, whatever the inputs (a new run). */
void history_row_forget(struct history_row *r);
/* The cells of tid's row in r->cells, made again only if what they show
 * changed since the last call with r; returns true if they were. */
bool history_row_cells(struct history_row *r, const struct history *h, unsigned tid,
		       uint64_t t0, uint64_t col_ns, unsigned ncols, uint64_t now);

/* Spans of tid forgotten to keep memory bounded (cumulative). */
uint64_t history_forgotten(const struct history *h, unsigned tid);
/* Events of tid lost (gaps in its seq numbers, cumulative). */
uint64_t history_lost(const struct history *h, unsigned tid);
/* Events ignored: an unknown source, type or GIL index. */
uint64_t history_ignored(const struct history *h);

/* The kept marks with t in [t0, t1), in arrival order (threads' events may
 * arrive slightly out of time order). Returns how many were written. */
size_t history_marks(const struct history *h, uint64_t t0, uint64_t t1,
		     struct history_mark *out, size_t max);
/* Marks ever recorded, kept or not (cumulative). */
uint64_t history_marks_total(const struct history *h);

/* The kept handoffs whose [t_request, t_take] overlaps [t0, t1), in the
 * order they were completed. */
size_t history_handoffs(const struct history *h, uint64_t t0, uint64_t t1,
			struct history_handoff *out, size_t max);
uint64_t history_handoffs_total(const struct history *h);

struct ckpt_out;
struct ckpt_in;
/* The model into a checkpoint (ckpt.h says what of the rings), and back
 * into a history made for the same threads and GILs (in->bad if it does
 * not fit); history_layout changes when the saved layout does. */
void history_save(const struct history *h, struct ckpt_out *o);
void history_load(struct history *h, struct ckpt_in *in);
size_t history_layout(void);

#endif
