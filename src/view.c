/*
 * view.c -- time windows, zoom, scrolling and the layout of the panes.
 *
 * All of it is plain arithmetic on numbers the UI passes in, so that the
 * awkward cases (a run younger than the window, scrolling past the oldest
 * kept span, a screen too small for every thread) are tested here rather
 * than found on a projector.
 */
#include "config.h"

#include <string.h>

#include "view.h"

void view_init(struct view *v, uint64_t col_ns)
{
	v->col_ns = col_ns < VIEW_MIN_COL_NS ? VIEW_MIN_COL_NS
		    : col_ns > VIEW_MAX_COL_NS ? VIEW_MAX_COL_NS : col_ns;
	v->follow = true;
	v->end = 0;
}

uint64_t view_default_col(uint64_t interval_ns)
{
	uint64_t c = interval_ns / 5;
	return c < VIEW_MIN_COL_NS ? VIEW_MIN_COL_NS : c > VIEW_MAX_COL_NS ? VIEW_MAX_COL_NS : c;
}

uint64_t view_end(const struct view *v, uint64_t now)
{
	return v->follow ? now : v->end;
}

uint64_t view_start(const struct view *v, uint64_t now, unsigned cols)
{
	uint64_t end = view_end(v, now), span = v->col_ns * cols;
	return end > span ? end - span : 0;
}

int view_col(const struct view *v, uint64_t now, unsigned cols, uint64_t t)
{
	uint64_t start = view_start(v, now, cols);
	if (t < start)
		return -1;
	uint64_t c = (t - start) / v->col_ns;
	return c < cols ? (int)c : -1;
}

uint64_t view_col_time(const struct view *v, uint64_t now, unsigned cols, unsigned col)
{
	return view_start(v, now, cols) + (uint64_t)col * v->col_ns;
}

void view_freeze(struct view *v, uint64_t now)
{
	if (v->follow) {
		v->follow = false;
		v->end = now;
	}
}

void view_follow(struct view *v)
{
	v->follow = true;
}

void view_set_end(struct view *v, uint64_t now, uint64_t t)
{
	v->follow = false;
	v->end = t > now ? now : t;
}

static void scroll_by(struct view *v, uint64_t now, unsigned cols, int dir, uint64_t oldest,
		      uint64_t step)
{
	view_freeze(v, now);
	uint64_t span = v->col_ns * cols;
	/* The earliest right edge: a window that starts at the oldest kept
	 * time (or at 0), unless the run is younger than that. */
	uint64_t min_end = oldest + span;
	if (min_end > now)
		min_end = now;
	if (dir < 0)
		v->end = v->end > min_end + step ? v->end - step : min_end;
	else if (dir > 0)
		v->end = v->end + step < now ? v->end + step : now;
	if (v->end < min_end)
		v->end = min_end;
}

void view_scroll(struct view *v, uint64_t now, unsigned cols, int dir, uint64_t oldest)
{
	uint64_t span = v->col_ns * cols;
	scroll_by(v, now, cols, dir, oldest, span / 4 ? span / 4 : v->col_ns);
}

void view_page(struct view *v, uint64_t now, unsigned cols, int dir, uint64_t oldest)
{
	uint64_t span = v->col_ns * cols;
	scroll_by(v, now, cols, dir, oldest, span ? span : v->col_ns);
}

void view_fit(struct view *v, uint64_t len, unsigned cols, uint64_t oldest)
{
	uint64_t whole = len > oldest ? len - oldest : 0, c = cols ? cols : 1;
	uint64_t col = (whole + c - 1) / c;
	col = (col + 999) / 1000 * 1000;
	v->col_ns = col < VIEW_MIN_COL_NS ? VIEW_MIN_COL_NS
		    : col > VIEW_MAX_COL_NS ? VIEW_MAX_COL_NS : col;
	if (!v->follow)
		v->end = len;
}

bool view_zoom(struct view *v, int dir)
{
	if (dir > 0) {
		if (v->col_ns / 2 < VIEW_MIN_COL_NS)
			return false;
		v->col_ns /= 2;
	} else {
		if (v->col_ns * 2 > VIEW_MAX_COL_NS)
			return false;
		v->col_ns *= 2;
	}
	return true;
}

/* The order in which columns get room (prio 0 first): where the time
 * goes (hold, wait), the tail of the waits, then C code and blocked,
 * which a run with native calls or with I/O and sleeps lives in (at 80
 * columns, lesson 2: hold, wait, p99, blkd; lesson 7: hold, wait, p99,
 * C), before the median wait. A column the run cannot fill takes no
 * room (fig_skip), so C outranking blkd costs only a run with both. */
static const struct fig_column_info fig_columns[FIG_COLUMN_COUNT] = {
	[FIG_HOLD] = { "hold", 5, 0 },
	[FIG_WAIT] = { "wait", 5, 1 },
	[FIG_BLOCKED] = { "blkd", 5, 4 },
	[FIG_NATIVE] = { "C", 5, 3 },
	[FIG_CORE] = { "core", 5, 8 },
	[FIG_ACQ] = { "acq", 7, 6 },
	[FIG_P50] = { "p50", 8, 5 },
	[FIG_P99] = { "p99", 8, 2 },
	[FIG_MAX] = { "max", 8, 7 },
};

bool view_fig_shown(enum fig_column c, uint32_t fig_mask)
{
	return (unsigned)c < FIG_COLUMN_COUNT && (fig_mask >> c) & 1;
}

/* The column of priority p. */
static int by_prio(int p)
{
	for (int c = 0; c < FIG_COLUMN_COUNT; c++)
		if (fig_columns[c].prio == p)
			return c;
	return 0;
}

const struct fig_column_info *view_fig_column(enum fig_column c)
{
	return (unsigned)c < FIG_COLUMN_COUNT ? &fig_columns[c] : NULL;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/* The rows of each pane, given by priority into rows - fixed - notice. */
static bool layout_rows(struct ui_layout *l, int rows, const struct layout_want *w, int notice)
{
	int left = rows - 4 - notice; /* header, column heads, axis, status */
	int t = min_int(w->threads, left);
	left -= t;
	int g = min_int(w->ngils, left);
	left -= g;
	int nl = min_int(w->note ? (w->note_whole ? w->note : 1) : 0, left);
	left -= nl;
	int tasks = min_int(w->tasks, left);
	left -= tasks;
	bool narration = w->narration && left > 0;
	left -= narration;
	int legend = l->legend_lines <= left ? l->legend_lines : 0;
	left -= legend;
	int ev = 0;
	if (left >= 2) {
		ev = min_int(left - 1, LAYOUT_MIN_EVENTS);
		left -= ev + 1;
	}
	/* Process labels only help: without them a thread is named in full. */
	bool labels = w->labels > 0 && w->labels <= left;
	if (labels)
		left -= w->labels;
	/* The rest: more of the note on a tall screen, then more events. */
	int note_max = rows >= 40 ? 3 : rows >= 30 ? 2 : 1;
	int more = min_int(min_int(w->note, note_max) - nl, left);
	if (more > 0) {
		nl += more;
		left -= more;
	}
	if (ev)
		ev += left;
	else if (left >= 2)
		ev = left - 1;
	l->shown_threads = t;
	l->narrate_y = narration ? 0 : -1; /* placed by view_layout */
	l->gil_lines = g;
	l->note_lines = nl;
	l->labels = labels;
	l->task_room = tasks;
	l->thread_lines = t + (labels ? w->labels : 0) + tasks;
	l->legend_lines = legend;
	l->event_lines = ev;
	return t < w->threads || g < w->ngils || tasks < w->tasks || !legend || !ev ||
	       narration != w->narration || w->hidden > 0;
}

void view_layout(struct ui_layout *l, int rows, int cols, const struct layout_want *w)
{
	memset(l, 0, sizeof *l);
	l->rows = rows;
	l->cols = cols;
	l->notice_y = l->events_y = -1;
	if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
		l->too_small = true;
		return;
	}
	/* Columns: names, the timeline, then as many figures as leave the
	 * timeline at least half the screen. */
	l->name_w = w->name_len < 6 ? 6 : w->name_len > 16 ? 16 : w->name_len;
	l->tl_x = l->name_w + 2;
	int right = 0;
	for (int p = 0; p < FIG_COLUMN_COUNT; p++) {
		int c = by_prio(p);
		if ((w->fig_skip >> c) & 1)
			continue; /* a column the run cannot fill takes no room */
		int wd = right + 1 + fig_columns[c].width;
		if (cols - l->tl_x - 1 - wd < cols / 2)
			break;
		right = wd;
		l->fig_n++;
		l->fig_mask |= 1u << c;
	}
	l->tl_w = cols - l->tl_x - 1 - right;
	l->fig_x = l->tl_x + l->tl_w + 1;

	/* Rows: by priority; a second try keeps a line to say what the
	 * first one left out. */
	int legend_want = w->legend < 1 ? 1 : w->legend > 3 ? 3 : w->legend;
	l->legend_lines = legend_want;
	bool notice = layout_rows(l, rows, w, 0);
	if (notice) {
		l->legend_lines = legend_want;
		layout_rows(l, rows, w, 1);
	}
	/* Top down: the header, the note, the timeline with its heads and
	 * axis, the narration, the notice, the legend, a line a GIL, the
	 * events pane, the status line. */
	l->note_y = 1;
	l->head_y = l->note_y + l->note_lines;
	l->threads_y = l->head_y + 1;
	l->axis_y = l->threads_y + l->thread_lines;
	int y = l->axis_y + 1;
	if (l->narrate_y == 0)
		l->narrate_y = y++;
	if (notice)
		l->notice_y = y++;
	l->legend_y = y;
	l->gils_y = l->legend_y + l->legend_lines;
	l->status_y = rows - 1;
	if (l->event_lines)
		l->events_y = l->gils_y + l->gil_lines;
}

struct view_hit view_hit(const struct ui_layout *l, int y, int x)
{
	struct view_hit h = { -1, -1 };
	if (l->too_small || y < l->threads_y || y > l->axis_y)
		return h;
	if (y < l->axis_y)
		h.line = y - l->threads_y;
	if (x >= l->tl_x && x < l->tl_x + l->tl_w)
		h.col = x - l->tl_x;
	return h;
}

int view_wrap(const char *text, int width, const char **starts, int *lens, int max)
{
	int n = 0;
	const char *p = text;
	if (width < 1)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (!*p)
			break;
		/* Take words while they fit; a word longer than a line is cut. */
		const char *line = p, *end = p, *q = p;
		while (*q) {
			const char *w = q;
			while (*w && *w != ' ' && *w != '\n')
				w++;
			if (w - line > width) {
				if (end == line)
					end = line + width;
				break;
			}
			end = w;
			q = w;
			if (*q == '\n')
				break;
			while (*q == ' ')
				q++;
		}
		if (n < max) {
			starts[n] = line;
			lens[n] = (int)(end - line);
		}
		n++;
		p = end;
	}
	return n;
}
