/*
 * view.h -- the arithmetic of the screen, apart from the terminal: which
 * stretch of time the timeline shows and how time maps to columns (view),
 * where each pane goes on a screen of a given size (layout), how a note
 * wraps. The UI draws with these; tests check them without a terminal.
 *
 * Times here are ns since the run started.
 */
#ifndef GILVIZ_VIEW_H
#define GILVIZ_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The zoom range: time a column stands for. */
#define VIEW_MIN_COL_NS 10000ULL         /* 10 us */
#define VIEW_MAX_COL_NS 10000000000ULL   /* 10 s */

struct view {
	uint64_t col_ns; /* time a column stands for */
	bool follow;     /* the right edge follows now (running) */
	uint64_t end;    /* the right edge when not following */
};

void view_init(struct view *v, uint64_t col_ns);
/* The time one column stands for by default: a fifth of the switch
 * interval (so that a full interval's wait is five cells wide), within
 * the zoom range. */
uint64_t view_default_col(uint64_t interval_ns);
/* The right edge and the left edge of cols columns at time now. Until
 * the run has filled the window the left edge stays at 0 and the picture
 * grows to the right. */
uint64_t view_end(const struct view *v, uint64_t now);
uint64_t view_start(const struct view *v, uint64_t now, unsigned cols);
/* The column of time t, or -1 if t is outside the window. */
int view_col(const struct view *v, uint64_t now, unsigned cols, uint64_t t);
/* The time column col starts at. */
uint64_t view_col_time(const struct view *v, uint64_t now, unsigned cols, unsigned col);
/* Stop following now: the window stays where it is. */
void view_freeze(struct view *v, uint64_t now);
void view_follow(struct view *v);
/* Put the right edge at t (no longer following), within [0, now]. */
void view_set_end(struct view *v, uint64_t now, uint64_t t);
/* Scroll by a quarter of the window: dir < 0 back, > 0 forward; never
 * past now, nor back beyond oldest (the oldest time still kept). */
void view_scroll(struct view *v, uint64_t now, unsigned cols, int dir, uint64_t oldest);
/* Scroll by a whole window (PgUp, PgDn), within the same bounds. */
void view_page(struct view *v, uint64_t now, unsigned cols, int dir, uint64_t oldest);
/* The whole of [oldest, len) in cols columns: the time a column stands
 * for rounded up to a whole microsecond, within the zoom range (a run
 * longer than that shows its end). The window ends at len; a view that
 * follows now keeps following. */
void view_fit(struct view *v, uint64_t len, unsigned cols, uint64_t oldest);
/* Zoom in (dir > 0: half the time a column) or out, keeping the right
 * edge. Returns false at the end of the range. */
bool view_zoom(struct view *v, int dir);

/* Where the panes go. */
#define LAYOUT_MIN_ROWS 24
#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_EVENTS 3

/* The per-thread figure columns beside the timeline, in the order they
 * are shown; a narrow screen drops them by priority (prio 0 stays
 * longest). */
enum fig_column {
	FIG_HOLD = 0, /* share of its time holding the GIL */
	FIG_WAIT,     /* ... waiting for it */
	FIG_BLOCKED,  /* ... blocked in I/O or sleep */
	FIG_NATIVE,   /* ... in C code */
	FIG_CORE,     /* ... runnable, waiting for a core */
	FIG_ACQ,      /* acquisitions */
	FIG_P50,      /* the wait for the GIL: median */
	FIG_P99,
	FIG_MAX,      /* the longest wait */
	FIG_COLUMN_COUNT
};

struct fig_column_info {
	const char *head;
	int width;
	int prio;
};

/* Is column c among a layout's fig_mask? */
bool view_fig_shown(enum fig_column c, uint32_t fig_mask);

const struct fig_column_info *view_fig_column(enum fig_column c);

/* What a screen would show if it had room: the layout gives each its
 * rows in this order of priority, and says what it left out. */
struct layout_want {
	int threads;  /* thread rows: every one, before anything else */
	int ngils;    /* a line a GIL, with its switches/s and failed wake-ups */
	bool narration; /* a line that says what is happening now */
	int note;     /* the note's wrapped lines (one is kept, ending in ...) */
	int labels;   /* a label row a process (0 with one process) */
	int tasks;    /* task sub-rows under the asyncio loops */
	int legend;   /* the legend's lines (at most 3) */
	int name_len; /* the longest thread name */
	bool note_whole; /* the note wanted whole (the N key) */
	int hidden;   /* rows the caller left out already (say so) */
	uint32_t fig_skip; /* figure columns the run cannot fill, a bit each */
};

struct ui_layout {
	int rows, cols;
	bool too_small;
	int note_y, note_lines;
	int head_y;                 /* the column heads of the timeline */
	int threads_y, thread_lines; /* timeline rows shown: threads, labels, tasks */
	int shown_threads;          /* of the threads wanted, how many have a row */
	bool labels;                /* process labels have their rows */
	int task_room;              /* rows left for task sub-rows */
	int axis_y;
	int narrate_y;              /* -1, or the line that narrates */
	int notice_y;               /* -1, or the line that says what is left out */
	int legend_y, legend_lines;
	int gils_y, gil_lines;
	int events_y, event_lines;  /* events_y: the pane's title rule, -1 if none */
	int status_y;
	int name_w;                 /* thread names, from column 0 */
	int tl_x, tl_w;             /* the timeline */
	int fig_x, fig_n;           /* figures: the fig_n of highest priority */
	uint32_t fig_mask;          /* ... a bit each, of those not skipped */
};

/*
 * Lay out a rows x cols screen for what w wants. Rows go by priority, not
 * by position: the header, every thread's row, a line a GIL, one line of
 * the note, the task rows, the line that narrates, the legend, the
 * events, the process labels, then the rest of the note and more events. When something is left out,
 * a notice line says so (notice_y).
 */
void view_layout(struct ui_layout *l, int rows, int cols, const struct layout_want *w);

/* Where a click at row y, column x lands: line, the timeline line drawn
 * on that row (0 the first, -1 none); col, the timeline's column under it
 * (-1 outside the timeline; the axis row counts, for a time). */
struct view_hit {
	int line;
	int col;
};
struct view_hit view_hit(const struct ui_layout *l, int y, int x);

/* Wrap text into lines of at most width columns (bytes; the note is
 * ASCII in every bundled scenario, and a wider glyph only shortens a
 * line). Fills starts/lens of at most max lines; returns how many lines
 * the whole text needs. */
int view_wrap(const char *text, int width, const char **starts, int *lens, int max);

#endif
