/*
 * ui_draw.c -- the terminal UI's screen, drawn from the model: the
 * header, one timeline row per thread grouped by process with its
 * figures beside it (and under an asyncio loop's row, a sub-row per
 * task), the time axis and the legend, a line per GIL, the events in
 * words, the status line, the help. Each row's columns are binned by
 * history (history_bin). The frame is drawn into curses' virtual screen
 * and sent with wnoutrefresh/doupdate, which writes only the cells that
 * changed.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "crt.h"
#include "describe.h"
#include "keys.h"
#include "ui_int.h"

/* Text clipped to the columns left before x_end. */
/* Write s from column x, at most up to x_end. addnstr counts bytes, not
 * cells, and a run of UTF-8 block glyphs is three bytes a cell: cut the
 * string after as many characters as there are cells (every glyph the UI
 * draws is one cell wide), or a long run would lose its last cells. */
static void put(int y, int x, int x_end, int role, const char *s)
{
	if (x >= x_end || y < 0 || y >= LINES)
		return;
	/* Text from files (titles, a recording's header) with control and
	 * bidirectional characters escaped: curses shows C0 as ^X, but
	 * neither C1 nor a right-to-left override. */
	char *buf = NULL;
	s = text_printable(s, &buf);
	int cells = 0;
	size_t bytes = 0;
	for (; s[bytes]; bytes++) {
		if (((unsigned char)s[bytes] & 0xC0) != 0x80 && cells++ == x_end - x)
			break;
	}
	attrset(crt_attr(role));
	mvaddnstr(y, x, s, (int)bytes);
	free(buf);
}

static void fill_row(int y, int role)
{
	attrset(crt_attr(role));
	mvhline(y, 0, ' ', COLS);
}

/* The colour role of each state (CR_NORMAL: none of its own). */
static const enum crt_role state_roles[TS_COUNT] = {
	[TS_HOLDING] = CR_HOLDING,         [TS_WAITING] = CR_WAITING,
	[TS_BLOCKED] = CR_BLOCKED,         [TS_NATIVE] = CR_NATIVE,
	[TS_NATIVE_HOLD] = CR_NATIVE_HOLD, [TS_DONE] = CR_DONE,
	[TS_NOT_STARTED] = CR_NORMAL,      [TS_UNKNOWN] = CR_NORMAL,
};

static enum crt_role state_role(enum thread_state s)
{
	return (unsigned)s < TS_COUNT ? state_roles[s] : CR_NORMAL;
}

static void draw_header(struct ui *ui)
{
	struct stats_gil g;
	stats_gil(ui->c->st, 0, ui_now(ui), &g);
	char iv[32], el[72], buf[512];
	double slow = watch_slow(ui->w);
	/* The interval the GIL reported last (slow motion taken out, as it
	 * was set); before its first report, the one it was created with. */
	uint64_t interval = g.interval_ns ? (uint64_t)((double)g.interval_ns / slow)
					  : (uint64_t)watch_interval(ui->w);
	describe_duration(interval, iv, sizeof iv);
	describe_duration(ui_now(ui), el, sizeof el);
	char mode[160];
	watch_clock_words(ui->w, mode, sizeof mode);
	fill_row(0, CR_HEADER);
	char state[48];
	if (!ui->live) {
		char sp[16];
		watch_speed_name(ui->w, sp, sizeof sp);
		char len[32];
		int64_t end = watch_elapsed(ui->w);
		describe_duration(end > 0 ? (uint64_t)end : 0, len, sizeof len);
		snprintf(el + strlen(el), sizeof el - strlen(el), " of %s", len);
		snprintf(state, sizeof state, " REPLAY %sx%s ", sp,
			 ui->ended ? " END" : ui->paused ? " PAUSED" : "");
	} else {
		/* The consumer behind the run by more than a few frames: the
		 * screen shows the run up to where every event is in, and says
		 * how far behind that is. */
		int64_t behind = watch_behind(ui->w);
		struct engine *e = watch_engine(ui->w);
		double speed = engine_is_virtual(e) ? engine_speed(e) : 1.0;
		char by[32];
		describe_duration((uint64_t)behind, by, sizeof by);
		if (!ui->ended && !ui->paused && speed > 0 && (double)behind / speed > 1e8)
			snprintf(state, sizeof state, " BEHIND %s ", by);
		else
			snprintf(state, sizeof state, "%s",
				 ui->ended ? " ENDED " : ui->paused ? " PAUSED " : " RUNNING ");
	}
	int sw = (int)strlen(state);
	/* The facts on the right, the title in what is left of the line. */
	/* Which clock and what speed, always: in full where there is room. */
	if (COLS < 110 && ui->live)
		watch_clock_brief(ui->w, mode, sizeof mode);
	if (COLS < 110 && !ui->live) /* the state says the replay's speed */
		snprintf(buf, sizeof buf, "GIL %s | interval %s | %s ",
			 gil_policy_name(watch_policy(ui->w)), iv, el);
	else
		snprintf(buf, sizeof buf, "GIL %s | interval %s | %s | %s ",
			 gil_policy_name(watch_policy(ui->w)), iv, el, mode);
	int fw = (int)strlen(buf), room = COLS - sw - fw - 2;
	put(0, COLS - sw - fw, COLS - sw, CR_HEADER, buf);
	put(0, COLS - sw, COLS,
	    ui->paused || ui->ended || !ui->live || state[1] == 'B' ? CR_PAUSED : CR_HEADER, state);
	char title[256];
	int tl = (int)strlen(ui->sc->title);
	if (room > 4 && tl > room)
		snprintf(title, sizeof title, " %.*s...", room - 4, ui->sc->title);
	else
		snprintf(title, sizeof title, " %s", ui->sc->title);
	put(0, 0, room > 0 ? room + 1 : 0, CR_HEADER, title);
}

static void draw_note(struct ui *ui, const struct ui_layout *l)
{
	if (!l->note_lines || !ui->sc->note)
		return;
	const char *starts[4];
	int lens[4];
	int n = view_wrap(ui->sc->note, COLS - 2, starts, lens, 4);
	for (int i = 0; i < l->note_lines && i < n; i++) {
		attrset(crt_attr(CR_NORMAL));
		mvaddnstr(l->note_y + i, 1, starts[i], lens[i]);
		if (i == l->note_lines - 1 && n > l->note_lines)
			put(l->note_y + i, 1 + lens[i], COLS, CR_DIM, " ...");
	}
}

static const char *short_name(const struct ui *ui, unsigned tid)
{
	const char *name = ui->sc->threads[tid].name;
	if (ui->sc->nprocs > 1) {
		const char *p = ui->sc->procs[ui->sc->threads[tid].process].name;
		size_t n = strlen(p);
		if (!strncmp(name, p, n) && name[n] == '/')
			return name + n + 1;
	}
	return name;
}

static void ensure_scratch(struct ui *ui, int cols)
{
	if (cols <= ui->acc_cols)
		return;
	free(ui->acc);
	free(ui->markgrid);
	ui->acc = xcalloc((size_t)cols, sizeof *ui->acc);
	ui->markgrid = xcalloc((size_t)cols * (ui->sc->nthreads ? ui->sc->nthreads : 1), 1);
	ui->acc_cols = cols;
}

/* A task's state drawn as the thread state of the same meaning, so that
 * task rows use the thread glyphs and the legend covers them: running is
 * holding (its loop runs it), ready is waiting (it wants the loop, as a
 * thread wants the GIL), awaiting is blocked. */
static const enum thread_state task_states[TK_COUNT] = {
	[TK_NOT_STARTED] = TS_NOT_STARTED, [TK_RUNNING] = TS_HOLDING,
	[TK_READY] = TS_WAITING,           [TK_AWAITING] = TS_BLOCKED,
	[TK_DONE] = TS_DONE,
};

static enum thread_state task_as_thread_state(enum task_state s)
{
	return (unsigned)s < TK_COUNT ? task_states[s] : TS_NOT_STARTED;
}

/* A task's spans, read for binning with the thread states they are
 * drawn as. */
struct task_row {
	const struct tasks *tk;
	unsigned task;
};

static size_t read_task(const void *src, unsigned loop, uint64_t a, uint64_t b, uint64_t now,
			struct history_span *out, size_t max)
{
	const struct task_row *tr = src;
	size_t n = tasks_spans(tr->tk, loop, tr->task, a, b, now, out, max);
	for (size_t i = 0; i < n; i++)
		out[i].state = (uint8_t)task_as_thread_state((enum task_state)out[i].state);
	return n;
}

/* One thread's or task's row, binned by history from every span: each
 * column shows the state it spent most of that column's time in, except
 * that a column in which the thread held the GIL for part of the time
 * shows the held share as a block from the left, in eighths, on the
 * ground of what it did the rest of the time (history_column_cell): a
 * thread that held the GIL at all never looks as if it only waited. */
static void draw_timeline_row(struct ui *ui, const struct ui_layout *l, int y,
			      const struct ui_line *ln, uint64_t now_rel)
{
	const struct crt_glyphs *gl = crt_glyphs();
	unsigned cols = (unsigned)l->tl_w;
	uint64_t t0 = view_start(&ui->view, now_rel, cols);
	uint64_t col = ui->view.col_ns;
	uint64_t a = ui->t_start + t0, now = ui->t_start + now_rel;
	uint64_t last_end;
	if (ln->kind == LINE_TASK) {
		struct task_row tr = { ui->c->tk, ln->task };
		last_end = history_bin_spans(read_task, &tr, ln->id, a, col, cols, now, ui->acc);
	} else {
		last_end = history_bin(ui->c->h, ln->id, a, col, cols, now, ui->acc);
	}
	bool task = ln->kind == LINE_TASK;
	bool done = task ? tasks_state(ui->c->tk, ln->id, ln->task, now) == TK_DONE
			 : history_state(ui->c->h, ln->id) == TS_DONE;
	/* Drop requests and forced switches are the thread's, not a task's. */
	const uint8_t *marks = task ? NULL : &ui->markgrid[(size_t)ln->id * cols];
	/* Cells of one look are sent as one string: a row is a few runs. */
	char run[1024];
	size_t rlen = 0;
	int rrole = -1, rx = l->tl_x;
	for (unsigned c = 0; c < cols; c++) {
		struct history_cell cell;
		history_column_cell(&ui->acc[c], col, &cell);
		uint64_t c0 = ui->t_start + t0 + c * col;
		if (cell.state == TS_NOT_STARTED && done && c0 >= last_end && c0 < now)
			cell.state = TS_DONE;
		bool split = cell.hold_eighths > 0 && cell.hold_eighths < 8;
		const char *g;
		int role;
		if (marks && marks[c] == UI_MARK_FORCED) {
			g = gl->forced_drop;
			role = CR_MARK;
		} else if (marks && marks[c] == UI_MARK_REQUEST) {
			g = gl->drop_request;
			role = CR_MARK;
		} else if (split && gl->hold_part[cell.hold_eighths]) {
			g = gl->hold_part[cell.hold_eighths];
			role = cell.rest == TS_WAITING ? CR_HOLD_WAIT : CR_HOLD_PART;
		} else if (split) {
			g = history_cell_ascii(&cell);
			role = g[0] == HISTORY_ASCII_HOLD_PART[0] ? CR_HOLD_PART
								   : (int)state_role(cell.held);
		} else {
			enum thread_state st = cell.hold_eighths == 8 ? cell.held : cell.state;
			g = gl->state[st];
			role = (int)state_role(st);
		}
		size_t gn = strlen(g);
		if (role != rrole || rlen + gn >= sizeof run) {
			if (rlen) {
				run[rlen] = '\0';
				put(y, rx, COLS, rrole, run);
			}
			rx = l->tl_x + (int)c;
			rrole = role;
			rlen = 0;
		}
		memcpy(run + rlen, g, gn);
		rlen += gn;
	}
	if (rlen) {
		run[rlen] = '\0';
		put(y, rx, COLS, rrole, run);
	}
}

/* Put the drop requests and forced drops of the window on their rows:
 * only when a column is no longer than a switch interval, where one mark
 * stands for one event rather than a smear of them. */
static void collect_marks(struct ui *ui, const struct ui_layout *l, uint64_t now_rel,
			  uint64_t interval, size_t *ninterval)
{
	unsigned cols = (unsigned)l->tl_w;
	memset(ui->markgrid, 0, (size_t)cols * (ui->sc->nthreads ? ui->sc->nthreads : 1));
	uint64_t t0 = ui->t_start + view_start(&ui->view, now_rel, cols);
	size_t n = history_marks(ui->c->h, t0, t0 + ui->view.col_ns * cols, ui->marks,
				 UI_MAX_MARKS);
	*ninterval = n;
	bool per_row = ui->view.col_ns <= interval;
	for (size_t i = 0; i < n; i++) {
		const struct history_mark *m = &ui->marks[i];
		if (m->type == MARK_INTERVAL || !per_row || m->tid >= ui->sc->nthreads)
			continue;
		int c = view_col(&ui->view, now_rel, cols, m->t - ui->t_start);
		if (c < 0)
			continue;
		uint8_t *cell = &ui->markgrid[(size_t)m->tid * cols + (size_t)c];
		uint8_t kind = m->type == MARK_FORCED_DROP ? UI_MARK_FORCED : UI_MARK_REQUEST;
		if (kind > *cell)
			*cell = kind;
	}
}

static void pct(char *buf, size_t len, uint64_t part, uint64_t whole)
{
	if (!whole)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", 100.0 * (double)part / (double)whole);
}

static void draw_figures(const struct ui_layout *l, int y, const struct stats_thread *tp)
{
	const struct stats_thread t = *tp;
	int x = l->fig_x;
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		if (!view_fig_shown((enum fig_column)c, l->fig_n))
			continue;
		const struct fig_column_info *fc = view_fig_column((enum fig_column)c);
		char v[32];
		switch ((enum fig_column)c) {
		case FIG_HOLD:
			pct(v, sizeof v, t.hold_ns, t.wall_ns);
			break;
		case FIG_WAIT:
			pct(v, sizeof v, t.wait_ns, t.wall_ns);
			break;
		case FIG_BLOCKED:
			pct(v, sizeof v, t.blocked_ns, t.wall_ns);
			break;
		case FIG_NATIVE:
			pct(v, sizeof v, t.native_ns, t.wall_ns);
			break;
		case FIG_ACQ:
			snprintf(v, sizeof v, "%" PRIu64, t.c.acquisitions);
			break;
		case FIG_P50:
			describe_duration(t.wait_p50_ns, v, sizeof v);
			break;
		case FIG_P99:
			describe_duration(t.wait_p99_ns, v, sizeof v);
			break;
		case FIG_MAX:
			describe_duration(t.wait_max_ns, v, sizeof v);
			break;
		default:
			v[0] = '\0';
		}
		char cell[40];
		snprintf(cell, sizeof cell, "%*s", fc->width, v);
		put(y, x + 1, COLS, c == FIG_WAIT && t.starving ? CR_STARVING : CR_NORMAL, cell);
		x += 1 + fc->width;
	}
}

/* A task's row has only the shares that mean something for it, in the
 * columns of the thread shares they are drawn like: running under hold,
 * ready under wait, awaiting under blkd. */
static void draw_task_figures(const struct ui *ui, const struct ui_layout *l, int y,
			      const struct ui_line *ln, uint64_t now)
{
	uint64_t tot[TK_COUNT];
	tasks_totals(ui->c->tk, ln->id, ln->task, now, tot);
	uint64_t whole = tot[TK_RUNNING] + tot[TK_READY] + tot[TK_AWAITING];
	int x = l->fig_x;
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		if (!view_fig_shown((enum fig_column)c, l->fig_n))
			continue;
		const struct fig_column_info *fc = view_fig_column((enum fig_column)c);
		char v[32] = "";
		if (c == FIG_HOLD)
			pct(v, sizeof v, tot[TK_RUNNING], whole);
		else if (c == FIG_WAIT)
			pct(v, sizeof v, tot[TK_READY], whole);
		else if (c == FIG_BLOCKED)
			pct(v, sizeof v, tot[TK_AWAITING], whole);
		char cell[40];
		snprintf(cell, sizeof cell, "%*s", fc->width, v);
		put(y, x + 1, COLS, CR_DIM, cell);
		x += 1 + fc->width;
	}
}

static void draw_heads(struct ui *ui, const struct ui_layout *l)
{
	char buf[128], d[32];
	put(l->head_y, 0, l->name_w + 1, CR_TITLE, "thread");
	describe_duration(ui->view.col_ns, d, sizeof d);
	snprintf(buf, sizeof buf, "timeline, %s a column%s", d,
		 ui->view.follow ? "" : " (looking back)");
	put(l->head_y, l->tl_x, l->tl_x + l->tl_w, CR_TITLE, buf);
	int x = l->fig_x;
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		if (!view_fig_shown((enum fig_column)c, l->fig_n))
			continue;
		const struct fig_column_info *fc = view_fig_column((enum fig_column)c);
		snprintf(buf, sizeof buf, "%*s", fc->width, fc->head);
		put(l->head_y, x + 1, COLS, CR_TITLE, buf);
		x += 1 + fc->width;
	}
}

/* The time axis under the rows: a tick at every multiple of a round step
 * (1, 2 or 5 times a power of ten) at least ten columns apart, labelled
 * in seconds with as many decimals as the step needs. */
/* busy marks the axis cells an interval-change label took; a time label
 * that would overwrite one is left out. */
static void draw_axis(struct ui *ui, const struct ui_layout *l, uint64_t now_rel,
		      const bool *busy)
{
	const struct crt_glyphs *gl = crt_glyphs();
	unsigned cols = (unsigned)l->tl_w;
	uint64_t colns = ui->view.col_ns, step = 1000;
	static const unsigned nice[] = { 1, 2, 5 };
	for (uint64_t p = 1000;; p *= 10) {
		bool found = false;
		for (size_t i = 0; i < 3 && !found; i++)
			if (p * nice[i] >= colns * 10) {
				step = p * nice[i];
				found = true;
			}
		if (found || p > 100000000000ULL)
			break;
	}
	int decimals = step >= 1000000000ULL ? 0 : step >= 100000000ULL ? 1
		       : step >= 10000000ULL ? 2 : step >= 1000000ULL ? 3
		       : step >= 100000ULL ? 4 : step >= 10000ULL ? 5 : 6;
	uint64_t t0 = view_start(&ui->view, now_rel, cols);
	for (uint64_t t = (t0 + step - 1) / step * step; t < t0 + colns * cols; t += step) {
		int c = view_col(&ui->view, now_rel, cols, t);
		if (c < 0)
			continue;
		char lab[32];
		snprintf(lab, sizeof lab, "%.*fs", decimals, (double)t / 1e9);
		int len = (int)strlen(lab);
		if (c + 1 + len > l->tl_w)
			break;
		bool clash = false;
		for (int k = c; k <= c + len && !clash; k++)
			clash = busy[k];
		if (clash)
			continue;
		put(l->axis_y, l->tl_x + c, COLS, CR_DIM, gl->tick);
		put(l->axis_y, l->tl_x + c + 1, l->tl_x + l->tl_w, CR_DIM, lab);
	}
}

static void draw_interval_marks(struct ui *ui, const struct ui_layout *l, uint64_t now_rel,
				size_t nmarks, bool *busy)
{
	const struct crt_glyphs *gl = crt_glyphs();
	for (size_t i = 0; i < nmarks; i++) {
		const struct history_mark *m = &ui->marks[i];
		if (m->type != MARK_INTERVAL)
			continue;
		int c = view_col(&ui->view, now_rel, (unsigned)l->tl_w, m->t - ui->t_start);
		if (c < 0)
			continue;
		char d[32], lab[48];
		describe_duration((uint64_t)((double)m->arg / watch_slow(ui->w)), d, sizeof d);
		snprintf(lab, sizeof lab, "%s%s", gl->interval, d);
		put(l->axis_y, l->tl_x + c, l->tl_x + l->tl_w, CR_MARK, lab);
		/* The glyph may be several bytes but is one cell. */
		int cells = 1 + (int)strlen(d);
		for (int k = c; k < c + cells && k < l->tl_w; k++)
			busy[k] = true;
	}
}

/* Stepping or looking back, the event the events pane stands on is
 * marked on the timeline: its cell on its thread's row in reverse video,
 * and an arrow under it on the time axis. */
static void draw_cursor(struct ui *ui, const struct ui_layout *l, uint64_t now_rel, int nshown)
{
	if (ui->view.follow || ui->cursor == 0 || ui->cursor > evlog_count(ui->log))
		return;
	const struct evlog_entry *en = evlog_get(ui->log, ui->cursor - 1);
	uint64_t t = en->ev.t > ui->t_start ? en->ev.t - ui->t_start : 0;
	int c = view_col(&ui->view, now_rel, (unsigned)l->tl_w, t);
	/* An event at the right edge itself (a replay stepped to it) is in
	 * the last column. */
	if (c < 0 && t == view_end(&ui->view, now_rel))
		c = l->tl_w - 1;
	if (c < 0)
		return;
	int x = l->tl_x + c;
	put(l->axis_y, x, l->tl_x + l->tl_w, CR_MARK, crt_glyphs()->cursor);
	for (int i = 0; i < l->thread_lines && i < nshown; i++) {
		const struct ui_line *ln = &ui->shown[i];
		if (ln->kind != LINE_THREAD || ln->id != en->ev.tid)
			continue;
		int y = l->threads_y + i;
		chtype ch = mvinch(y, x);
		attr_t a = (attr_t)(ch & A_ATTRIBUTES);
		mvchgat(y, x, 1, (a & ~A_COLOR) | A_REVERSE, (short)PAIR_NUMBER(a), NULL);
	}
}

struct legend_item {
	int kind; /* a thread_state, or -1 drop request, -2 forced, -3 interval,
		   * -4 a column held in part */
	const char *words;
};

static const struct legend_item legend[] = {
	{ TS_HOLDING, "holds the GIL" },
	{ TS_WAITING, "waits for it" },
	{ TS_BLOCKED, "blocked (I/O, sleep)" },
	{ TS_NATIVE, "C code, GIL released" },
	{ TS_NATIVE_HOLD, "C code holding the GIL" },
	{ TS_DONE, "finished" },
	{ -4, "held part of it" },
	{ -1, "drop request" },
	{ -2, "forced switch" },
	{ -3, "interval change" },
};

/* The lines the legend takes at cols columns, wrapped as drawn. */
static int legend_lines(int cols)
{
	int lines = 1, x = 1;
	for (size_t i = 0; i < GV_ARRAY_LEN(legend); i++) {
		int w = 2 + (int)strlen(legend[i].words);
		if (x + w > cols) {
			lines++;
			x = 1;
		}
		x += w + 3;
	}
	return lines;
}

static void draw_legend(const struct ui_layout *l)
{
	const struct crt_glyphs *gl = crt_glyphs();
	int y = l->legend_y, x = 1;
	for (size_t i = 0; i < GV_ARRAY_LEN(legend); i++) {
		int w = 2 + (int)strlen(legend[i].words);
		if (x + w > COLS) {
			if (y + 1 >= l->legend_y + l->legend_lines)
				break;
			y++;
			x = 1;
		}
		const char *g;
		enum crt_role role;
		switch (legend[i].kind) {
		case -1:
			g = gl->drop_request;
			role = CR_MARK;
			break;
		case -2:
			g = gl->forced_drop;
			role = CR_MARK;
			break;
		case -3:
			g = gl->interval;
			role = CR_MARK;
			break;
		case -4: /* a split cell: about half held, half waited */
			g = gl->hold_part[4] ? gl->hold_part[4] : HISTORY_ASCII_HOLD_PART;
			role = gl->hold_part[4] ? CR_HOLD_WAIT : CR_HOLD_PART;
			break;
		default:
			g = gl->state[legend[i].kind];
			role = state_role((enum thread_state)legend[i].kind);
		}
		put(y, x, COLS, role, g);
		put(y, x + 2, COLS, CR_NORMAL, legend[i].words);
		x += w + 3;
	}
}

static void draw_gils(struct ui *ui, const struct ui_layout *l, uint64_t now_rel)
{
	double slow = watch_slow(ui->w);
	for (int g = 0; g < l->gil_lines; g++) {
		struct stats_gil sg;
		stats_gil(ui->c->st, (unsigned)g, now_rel, &sg);
		double rate = stats_rate(ui->snap_old->gils[g].switches,
					 ui->snap_now->gils[g].switches, ui->snap_old->now,
					 ui->snap_now->now);
		char iv[32], buf[320];
		describe_duration((uint64_t)((double)sg.interval_ns / slow), iv, sizeof iv);
		snprintf(buf, sizeof buf,
			 "interval %s  switches/s %.0f  forced %" PRIu64 "  drop requests %" PRIu64
			 "  failed wake-ups %" PRIu64 "  switches %" PRIu64,
			 iv, rate, sg.c.forced_switches, sg.c.drop_requests, sg.c.failed_wakeups,
			 sg.c.switches);
		char name[64];
		snprintf(name, sizeof name, "GIL %s", ui->sc->procs[g].name);
		put(l->gils_y + g, 0, l->name_w + 1, CR_TITLE, name);
		put(l->gils_y + g, l->tl_x, COLS, CR_NORMAL, buf);
	}
}

static void draw_rule(int y, const char *title)
{
	const struct crt_glyphs *gl = crt_glyphs();
	attrset(crt_attr(CR_DIM));
	for (int x = 0; x < COLS; x++)
		mvaddstr(y, x, gl->hline);
	put(y, 2, COLS, CR_TITLE, title);
}

static void draw_events(struct ui *ui, const struct ui_layout *l)
{
	bool looking = !ui->view.follow;
	size_t end = looking ? ui->cursor : evlog_count(ui->log);
	char title[128];
	snprintf(title, sizeof title, looking ? " events up to the cursor (. and , step) "
					      : " events, newest last ");
	draw_rule(l->events_y, title);
	int n = l->event_lines;
	size_t first = end > (size_t)n ? end - (size_t)n : 0;
	for (size_t i = first; i < end; i++) {
		const struct evlog_entry *en = evlog_get(ui->log, i);
		char line[512];
		describe_line(line, sizeof line, &en->ev, ui->t_start, ui->sc, en->nth);
		int y = l->events_y + 1 + (int)(i - first);
		bool cur = looking && i + 1 == end;
		if (cur)
			fill_row(y, CR_STATUS);
		put(y, 0, COLS, cur ? CR_STATUS : CR_NORMAL, line);
	}
	if (end == 0)
		put(l->events_y + 1, 2, COLS, CR_DIM, "(none yet)");
}

/* Does the help or the status line show this key for this source? */
static bool key_shown(const struct ui *ui, const struct key_binding *b)
{
	return b->scope == KS_ANY || (b->scope == KS_LIVE) == ui->live;
}

static void draw_status(struct ui *ui, const struct ui_layout *l)
{
	fill_row(l->status_y, CR_STATUS);
	if (ui->prompting) {
		char buf[96];
		snprintf(buf, sizeof buf, "jump to time (e.g. 2.5s, Enter; Esc cancels): %s_",
			 ui->prompt);
		put(l->status_y, 1, COLS, CR_STATUS, buf);
		return;
	}
	if (ui->status[0] && gv_mono_ns() < ui->status_until) {
		put(l->status_y, 1, COLS, CR_STATUS, ui->status);
		return;
	}
	size_t n;
	const struct key_binding *t = keys_table(&n);
	int x = 1;
	for (size_t i = 0; i < n; i++) {
		if (!t[i].hint || (t[i].paused_only && ui->view.follow) || !key_shown(ui, &t[i]))
			continue;
		int w = (int)strlen(t[i].hint);
		if (x + w >= COLS)
			break;
		put(l->status_y, x, COLS, CR_STATUS, t[i].hint);
		x += w + 3;
	}
}

/* The help, drawn from the key table: the keys of this kind of source. */
static void draw_help(const struct ui *ui)
{
	size_t n, shown = 0;
	const struct key_binding *t = keys_table(&n);
	for (size_t i = 0; i < n; i++)
		shown += key_shown(ui, &t[i]);
	int w = 66 < COLS - 4 ? 66 : COLS - 4, h = (int)shown + 4;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++) {
		attrset(crt_attr(CR_HELP));
		mvhline(y0 + y, x0, ' ', w);
	}
	attrset(crt_attr(CR_HELP) | A_BOLD);
	mvaddstr(y0, x0 + 2, "gilviz keys");
	int y = y0 + 2;
	for (size_t i = 0; i < n; i++) {
		if (!key_shown(ui, &t[i]))
			continue;
		char line[160];
		snprintf(line, sizeof line, "  %-10s %s", t[i].label, t[i].help);
		put(y++, x0, x0 + w, CR_HELP, line);
	}
	put(y0 + h - 1, x0 + 2, x0 + w, CR_HELP, "any key closes this help");
}

static void draw_too_small(void)
{
	char buf[128];
	erase();
	snprintf(buf, sizeof buf, "The terminal is %dx%d; gilviz needs at least %dx%d.", COLS,
		 LINES, LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
	int y = LINES / 2 - 1;
	put(y < 0 ? 0 : y, 0, COLS, CR_TITLE, buf);
	put(y + 1, 0, COLS, CR_NORMAL, "Make it larger, or press q to quit.");
}

/* A task's sub-row is named by the task, indented under its loop. */
#define UI_TASK_INDENT "  "

static int longest_name(const struct ui *ui)
{
	int w = 0;
	for (size_t i = 0; i < ui->sc->nthreads; i++) {
		const struct sc_thread *t = &ui->sc->threads[i];
		int n = (int)strlen(short_name(ui, (unsigned)i));
		if (n > w)
			w = n;
		for (size_t k = 0; k < t->ntasks; k++) {
			n = (int)(strlen(UI_TASK_INDENT) + strlen(t->tasks[k].name));
			if (n > w)
				w = n;
		}
	}
	return w + 1;
}

void ui_draw(struct ui *ui)
{
	struct ui_layout l;
	int note = ui->sc->note ? view_wrap(ui->sc->note, COLS - 2, NULL, NULL, 0) : 0;
	view_layout(&l, LINES, COLS, ui->nlines, (int)ui->sc->nprocs, note, longest_name(ui),
		    legend_lines(COLS));
	if (l.too_small) {
		draw_too_small();
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	/* Sub-rows left out give their rows back to the events pane. */
	int nshown = ui_choose_lines(ui, l.thread_lines);
	if (nshown < l.thread_lines)
		view_layout(&l, LINES, COLS, nshown, (int)ui->sc->nprocs, note, longest_name(ui),
			    legend_lines(COLS));
	erase();
	uint64_t now_rel = ui_now(ui);
	ui->tl_cols = l.tl_w;
	ensure_scratch(ui, l.tl_w);
	struct stats_gil g0;
	stats_gil(ui->c->st, 0, now_rel, &g0);
	uint64_t interval = g0.interval_ns ? g0.interval_ns
			    : (uint64_t)((double)watch_interval(ui->w) * watch_slow(ui->w));
	size_t nmarks;
	collect_marks(ui, &l, now_rel, interval, &nmarks);

	draw_header(ui);
	draw_note(ui, &l);
	draw_heads(ui, &l);
	for (int i = 0; i < l.thread_lines && i < nshown; i++) {
		int y = l.threads_y + i;
		const struct ui_line *ln = &ui->shown[i];
		if (i == l.thread_lines - 1 && l.thread_lines < nshown) {
			char more[96];
			snprintf(more, sizeof more, "... and %d more lines: a taller terminal shows them",
				 nshown - i);
			put(y, 0, COLS, CR_DIM, more);
			break;
		}
		if (ln->kind == LINE_PROCESS) {
			char lab[128];
			snprintf(lab, sizeof lab, "process %s", ui->sc->procs[ln->id].name);
			put(y, 0, l.tl_x + l.tl_w, CR_TITLE, lab);
			continue;
		}
		if (ln->kind == LINE_TASK) {
			char name[SCENARIO_MAX_NAME * 2 + 8];
			snprintf(name, sizeof name, UI_TASK_INDENT "%s",
				 ui->sc->threads[ln->id].tasks[ln->task].name);
			put(y, 0, l.name_w + 1, CR_NORMAL, name);
			draw_timeline_row(ui, &l, y, ln, now_rel);
			draw_task_figures(ui, &l, y, ln, ui->t_start + now_rel);
			continue;
		}
		struct stats_thread st;
		stats_thread(ui->c->st, ln->id, ui->t_start + now_rel, &st);
		put(y, 0, l.name_w + 1, st.starving ? CR_STARVING : CR_NORMAL,
		    short_name(ui, ln->id));
		draw_timeline_row(ui, &l, y, ln, now_rel);
		draw_figures(&l, y, &st);
	}
	bool *busy = xcalloc((size_t)l.tl_w + 1, sizeof *busy);
	draw_interval_marks(ui, &l, now_rel, nmarks, busy);
	draw_axis(ui, &l, now_rel, busy);
	free(busy);
	draw_cursor(ui, &l, now_rel, nshown);
	draw_legend(&l);
	draw_gils(ui, &l, now_rel);
	draw_events(ui, &l);
	draw_status(ui, &l);
	if (ui->help)
		draw_help(ui);
	wnoutrefresh(stdscr);
	doupdate();
}
