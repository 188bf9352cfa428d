/*
 * ui_draw.c -- the terminal UI's screen, drawn from the model: the
 * header, one timeline row per thread grouped by process with its
 * figures beside it (and under an asyncio loop's row, a sub-row per
 * task), the time axis and the legend, a line per GIL, the events in
 * words, the status line, the help. Each row's columns are binned by
 * history (history_bin). The frame is drawn into curses' virtual screen
 * and sent with wnoutrefresh/doupdate, which writes only the cells that
 * changed.
 *
 * Only what changed is drawn: each row, or each part of a timeline row
 * (its name, its cells, its figures), has a key made from what it shows,
 * and a frame that finds the key it was drawn with leaves it alone. A
 * thread's cells are binned again only when their inputs changed
 * (history_row_cells), and sent to curses as prepared cells, not text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "crt.h"
#include "describe.h"
#include "keys.h"
#include "narrate.h"
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
	/* Printable ASCII, most of the text (figures, events, hints), goes
	 * to curses as cells: nothing to escape, nothing to decode. */
	chtype ascii[256];
	int room = (x_end < COLS ? x_end : COLS) - x, n = 0;
	chtype a = (chtype)crt_attr((enum crt_role)role);
	const unsigned char *u = (const unsigned char *)s;
	while (u[n] >= 0x20 && u[n] < 0x7f && n < room && n < (int)GV_ARRAY_LEN(ascii)) {
		ascii[n] = u[n] | a;
		n++;
	}
	if (!u[n] || n == room) {
		mvaddchnstr(y, x, ascii, n);
		return;
	}
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

/* The ellipsis of text cut short. */
static const char *ellipsis(void)
{
	return crt_utf8() ? "\xe2\x80\xa6" : "...";
}

/* Cells of UTF-8 text (every glyph the UI draws is one cell wide). */
static int cells_of(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Like put, but text too long for the room is cut after a whole word
 * and ends in an ellipsis: nothing is cut mid-word without saying so. */
static void put_cut(int y, int x, int x_end, int role, const char *s)
{
	int room = x_end - x;
	if (cells_of(s) <= room) {
		put(y, x, x_end, role, s);
		return;
	}
	int el = cells_of(ellipsis());
	if (room <= el)
		return;
	/* The last space at or before room - el cells. */
	size_t bytes = 0, cut = 0;
	int cells = 0;
	for (; s[bytes] && cells < room - el; bytes++) {
		if (((unsigned char)s[bytes] & 0xC0) != 0x80)
			cells++;
		if (s[bytes] == ' ')
			cut = bytes;
	}
	if (!cut)
		cut = bytes;
	while (cut > 0 && s[cut - 1] == ' ')
		cut--;
	char buf[1024];
	snprintf(buf, sizeof buf, "%.*s%s", (int)cut, s, ellipsis());
	put(y, x, x_end, role, buf);
}

static void fill_row(int y, int role)
{
	attrset(crt_attr(role));
	mvhline(y, 0, ' ', COLS);
}

/* ---- drawing only what changed -------------------------------------- */

/* A key: FNV-1a over what a row shows; never 0 (0 is "not drawn"). */
static uint64_t key_mix(uint64_t k, const void *p, size_t n)
{
	const unsigned char *b = p;
	if (!k)
		k = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		k ^= b[i];
		k *= 1099511628211ULL;
	}
	return k ? k : 1;
}

static uint64_t key_u64(uint64_t k, uint64_t v)
{
	return key_mix(k, &v, sizeof v);
}

static uint64_t key_str(uint64_t k, const char *s)
{
	return key_mix(k, s, strlen(s) + 1);
}

enum { PART_TEXT, PART_CELLS, PART_FIGS };

/* Is part of row y to be drawn with this key? Always on a full frame;
 * else only if it was drawn with another key. */
static bool stale(struct ui *ui, int y, int part, uint64_t key)
{
	if (y < 0 || y >= ui->nrowkeys)
		return ui->full;
	uint64_t *k = &ui->rowkeys[y].part[part];
	if (!ui->full && *k == key)
		return false;
	*k = key;
	ui->rows_drawn++;
	return true;
}

/* Columns x0 to x1 of row y blank, as erase leaves them. */
static void blank(const struct ui *ui, int y, int x0, int x1)
{
	if (ui->full || y < 0 || y >= LINES || x1 <= x0)
		return;
	attrset(A_NORMAL);
	mvhline(y, x0, ' ', x1 - x0);
}

/* Is row y, as a whole, to be drawn with this key? Blanked if so. */
static bool line_stale(struct ui *ui, int y, uint64_t key)
{
	if (!stale(ui, y, PART_TEXT, key))
		return false;
	blank(ui, y, 0, COLS);
	return true;
}

/* The curses cell of a glyph in a role, converted from UTF-8 once. */
struct ui_glyph {
	const char *g;
	int role;
	cchar_t cc;
};

#define UI_MAX_GLYPHS 64

static const cchar_t *glyph_cell(struct ui *ui, const char *g, int role)
{
	for (int i = 0; i < ui->nglyphs; i++)
		if (ui->glyphs[i].g == g && ui->glyphs[i].role == role)
			return &ui->glyphs[i].cc;
	if (!ui->glyphs)
		ui->glyphs = xcalloc(UI_MAX_GLYPHS, sizeof *ui->glyphs);
	if (ui->nglyphs == UI_MAX_GLYPHS)
		ui->nglyphs = 0;
	struct ui_glyph *e = &ui->glyphs[ui->nglyphs++];
	wchar_t w[8] = { 0 };
	if (mbstowcs(w, g, GV_ARRAY_LEN(w) - 1) == (size_t)-1 || !w[0]) {
		w[0] = L'?';
		w[1] = 0;
	}
	int a = crt_attr((enum crt_role)role);
	setcchar(&e->cc, w, (attr_t)a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
	e->g = g;
	e->role = role;
	return &e->cc;
}

/* The colour role of each state (CR_NORMAL: none of its own). */
static const enum crt_role state_roles[TS_COUNT] = {
	[TS_HOLDING] = CR_HOLDING,         [TS_WAITING] = CR_WAITING,
	[TS_BLOCKED] = CR_BLOCKED,         [TS_NATIVE] = CR_NATIVE,
	[TS_NATIVE_HOLD] = CR_NATIVE_HOLD, [TS_DONE] = CR_DONE,
	[TS_RUNNABLE] = CR_RUNNABLE,       [TS_STOPPED] = CR_STOPPED,
	[TS_LOCK_WAIT] = CR_LOCK_WAIT,
	[TS_NOT_STARTED] = CR_NORMAL,      [TS_UNKNOWN] = CR_NORMAL,
};

static enum crt_role state_role(enum thread_state s)
{
	return (unsigned)s < TS_COUNT ? state_roles[s] : CR_NORMAL;
}

/* Has an unsafe import turned GIL g on (free-threaded Python)? */
static bool gil_turned_on(const struct ui *ui, unsigned g)
{
	struct stats_gil sg;
	return stats_gil(ui->c->st, g, 0, &sg) == 0 && sg.enabled;
}

static void draw_header(struct ui *ui)
{
	struct stats_gil g;
	stats_gil(ui->c->st, 0, ui_now(ui), &g);
	char iv[64], el[72], buf[512];
	double slow = watch_slow(ui->w);
	/* The interval the GIL reported last (slow motion taken out, as it
	 * was set); before its first report, the one it was created with. */
	uint64_t interval = g.interval_ns ? (uint64_t)((double)g.interval_ns / slow)
					  : (uint64_t)watch_interval(ui->w);
	describe_setting(interval, iv, sizeof iv);
	if (slow > 1) /* every duration on screen is the scenario's own */
		snprintf(iv + strlen(iv), sizeof iv - strlen(iv), ", %gx slower", slow);
	describe_duration(ui_now(ui), el, sizeof el);
	char mode[160];
	watch_clock_words(ui->w, mode, sizeof mode);
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
	/* Free-threaded, once an import has turned the GIL on: none>new. */
	const char *policy = watch_policy(ui->w) == GIL_NONE && gil_turned_on(ui, 0) ?
			     "none>new" : gil_policy_name(watch_policy(ui->w));
	if (COLS < 110 && !ui->live) /* the state says the replay's speed */
		snprintf(buf, sizeof buf, "GIL %s | interval %s | %s ", policy, iv, el);
	else
		snprintf(buf, sizeof buf, "GIL %s | interval %s | %s | %s ", policy, iv, el, mode);
	int fw = (int)strlen(buf), room = COLS - sw - fw - 2;
	if (!line_stale(ui, 0, key_str(key_str(key_u64(0, (uint64_t)ui->paused), buf), state)))
		return;
	fill_row(0, CR_HEADER);
	put(0, COLS - sw - fw, COLS - sw, CR_HEADER, buf);
	put(0, COLS - sw, COLS,
	    ui->paused || ui->ended || !ui->live || state[1] == 'B' ? CR_PAUSED : CR_HEADER, state);
	char title[256];
	snprintf(title, sizeof title, " %s", ui->sc->title);
	put_cut(0, 0, room > 0 ? room + 1 : 0, CR_HEADER, title);
}

/* The note: whole if it has the lines, or cut after a word with an
 * ellipsis and the key that shows it whole. */
static void draw_note(struct ui *ui, const struct ui_layout *l)
{
	if (!l->note_lines || !ui->sc->note)
		return;
	const char *starts[64];
	int lens[64];
	int width = COLS - 2;
	int n = view_wrap(ui->sc->note, width, NULL, NULL, 0);
	bool cut = n > l->note_lines;
	static const char more[] = " (N: all of it)";
	if (cut)
		width -= (int)sizeof more - 1 + 3;
	n = view_wrap(ui->sc->note, width, starts, lens, 64);
	for (int i = 0; i < l->note_lines && i < n && i < 64; i++) {
		attrset(crt_attr(CR_NORMAL));
		mvaddnstr(l->note_y + i, 1, starts[i], lens[i]);
		if (cut && i == l->note_lines - 1) {
			put(l->note_y + i, 1 + lens[i], COLS, CR_NORMAL, ellipsis());
			put(l->note_y + i, 1 + lens[i] + cells_of(ellipsis()), COLS, CR_TITLE, more);
		}
	}
}

static const char *short_name(const struct ui *ui, unsigned tid)
{
	const char *name = ui->sc->threads[tid].name;
	if (ui->sc->nprocs > 1 && ui->labels) {
		const char *p = ui->sc->procs[ui->sc->threads[tid].process].name;
		size_t n = strlen(p);
		if (!strncmp(name, p, n) && name[n] == '/')
			return name + n + 1;
	}
	return name;
}

/* The selected line, or NULL. */
static const struct ui_line *selected(const struct ui *ui)
{
	return ui->sel >= 0 && ui->sel < ui->nlines ? &ui->lines[ui->sel] : NULL;
}

static bool is_selected(const struct ui *ui, const struct ui_line *ln)
{
	const struct ui_line *s = selected(ui);
	return s && s->kind == ln->kind && s->id == ln->id && s->task == ln->task;
}

static void ensure_scratch(struct ui *ui, int cols)
{
	if (cols <= ui->acc_cols)
		return;
	free(ui->acc);
	free(ui->markgrid);
	free(ui->tcells);
	free(ui->cells);
	ui->acc = xcalloc((size_t)cols, sizeof *ui->acc);
	ui->markgrid = xcalloc((size_t)cols * (ui->sc->nthreads ? ui->sc->nthreads : 1), 1);
	ui->tcells = xcalloc((size_t)cols, sizeof *ui->tcells);
	ui->cells = xcalloc((size_t)cols + 1, sizeof(cchar_t));
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

/* How a cell looks: its glyph and colour role, a mark on it first. */
static const char *cell_look(const struct history_cell *cell, uint8_t mark, int *role)
{
	const struct crt_glyphs *gl = crt_glyphs();
	bool split = cell->hold_eighths > 0 && cell->hold_eighths < 8;
	if (mark == UI_MARK_FORCED) {
		*role = CR_MARK;
		return gl->forced_drop;
	}
	if (mark == UI_MARK_REQUEST) {
		*role = CR_MARK;
		return gl->drop_request;
	}
	if (mark == UI_MARK_FAILED && !split && cell->state == TS_WAITING) {
		/* A wait with failed wake-ups in it, in the colour of the
		 * wait: the battle shows, and what the thread did stays. */
		*role = (int)state_role(TS_WAITING);
		return gl->failed_wakeup;
	}
	if (split && gl->hold_part[cell->hold_eighths]) {
		/* The rest on waiting's ground: for the GIL, or (free-
		 * threaded) for an object's lock, both orange. */
		*role = cell->rest == TS_WAITING || cell->rest == TS_LOCK_WAIT ? CR_HOLD_WAIT
									       : CR_HOLD_PART;
		return gl->hold_part[cell->hold_eighths];
	}
	if (split) {
		const char *g = history_cell_ascii(cell);
		*role = g[0] == HISTORY_ASCII_HOLD_PART[0] ? CR_HOLD_PART : (int)state_role(cell->held);
		return g;
	}
	enum thread_state st = cell->hold_eighths == 8 ? cell->held : cell->state;
	*role = (int)state_role(st);
	return gl->state[st];
}

/* Where the events pane's cursor is on the timeline: its thread and
 * column, or col -1 (not looking back, or out of the window). */
static int cursor_col(const struct ui *ui, const struct ui_layout *l, uint64_t now_rel,
		      unsigned *tid)
{
	*tid = UINT32_MAX;
	if (ui->view.follow || ui->cursor == 0 || ui->cursor > evlog_count(ui->log))
		return -1;
	const struct evlog_entry *en = evlog_get(ui->log, ui->cursor - 1);
	uint64_t t = en->ev.t > ui->t_start ? en->ev.t - ui->t_start : 0;
	int c = view_col(&ui->view, now_rel, (unsigned)l->tl_w, t);
	/* An event at the right edge itself (a replay stepped to it) is in
	 * the last column. */
	if (c < 0 && t == view_end(&ui->view, now_rel))
		c = l->tl_w - 1;
	*tid = en->ev.tid;
	return c;
}

/* One thread's or task's row, binned by history from every span: each
 * column shows the state it spent most of that column's time in, except
 * that a column in which the thread held the GIL for part of the time
 * shows the held share as a block from the left, in eighths, on the
 * ground of what it did the rest of the time (history_column_cell): a
 * thread that held the GIL at all never looks as if it only waited.
 * A thread's cells are kept between frames (history_row_cells) and the
 * row is written only when they, its marks or the cursor on it changed;
 * a task's row is binned each frame. */
static void draw_timeline_row(struct ui *ui, const struct ui_layout *l, int y,
			      const struct ui_line *ln, uint64_t now_rel)
{
	unsigned cols = (unsigned)l->tl_w;
	uint64_t t0 = view_start(&ui->view, now_rel, cols);
	uint64_t col = ui->view.col_ns;
	uint64_t a = ui->t_start + t0, now = ui->t_start + now_rel;
	bool task = ln->kind == LINE_TASK;
	const struct history_cell *cells;
	uint64_t key = key_u64(key_u64(key_u64(0, ln->kind), ln->id), ln->task);
	key = key_u64(key_u64(key, (uint64_t)l->tl_x), cols);
	/* Drop requests and forced switches are the thread's, not a task's. */
	const uint8_t *marks = task ? NULL : &ui->markgrid[(size_t)ln->id * cols];
	if (task) {
		struct task_row tr = { ui->c->tk, ln->task };
		uint64_t last_end = history_bin_spans(read_task, &tr, ln->id, a, col, cols, now, ui->acc);
		bool done = tasks_state(ui->c->tk, ln->id, ln->task, now) == TK_DONE;
		history_bins_to_cells(ui->acc, cols, a, col, last_end, now, done, ui->tcells);
		cells = ui->tcells;
		key = key_mix(key, cells, cols * sizeof *cells);
	} else {
		struct history_row *r = &ui->rows[ln->id];
		history_row_cells(r, ui->c->h, ln->id, a, col, cols, now);
		cells = r->cells;
		key = key_u64(key_u64(key, r->builds), (uint64_t)(uintptr_t)r);
		key = key_mix(key, marks, cols);
	}
	unsigned ctid;
	int ccol = cursor_col(ui, l, now_rel, &ctid);
	if (!task && ctid == ln->id)
		key = key_u64(key, (uint64_t)(int64_t)ccol);
	if (!stale(ui, y, PART_CELLS, key))
		return;
	cchar_t *out = ui->cells;
	const char *pg = NULL;
	int prole = -1;
	const cchar_t *pcc = NULL;
	for (unsigned c = 0; c < cols; c++) {
		int role;
		const char *g = cell_look(&cells[c], marks ? marks[c] : UI_MARK_NONE, &role);
		if (g != pg || role != prole) {
			pcc = glyph_cell(ui, g, role);
			pg = g;
			prole = role;
		}
		out[c] = *pcc;
	}
	attrset(A_NORMAL); /* add_wchnstr takes the window's attributes into blanks */
	mvadd_wchnstr(y, l->tl_x, out, (int)cols);
}

/* Put the drop requests, forced drops and failed wake-ups of the window
 * on their rows:
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
		if (m->type == MARK_INTERVAL || m->type == MARK_GIL_ON || !per_row ||
		    m->tid >= ui->sc->nthreads)
			continue;
		int c = view_col(&ui->view, now_rel, cols, m->t - ui->t_start);
		if (c < 0)
			continue;
		uint8_t *cell = &ui->markgrid[(size_t)m->tid * cols + (size_t)c];
		uint8_t kind = m->type == MARK_FORCED_DROP     ? UI_MARK_FORCED
			       : m->type == MARK_FAILED_WAKEUP ? UI_MARK_FAILED
							       : UI_MARK_REQUEST;
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

/* A duration of the run in the scenario's own time (slow motion out). */
static void scenario_duration(const struct ui *ui, uint64_t ns, char *buf, size_t len)
{
	double slow = watch_slow(ui->w);
	describe_duration(slow > 1 ? (uint64_t)((double)ns / slow) : ns, buf, len);
}

/* The figures at the right of a timeline row, formatted into v (a
 * string a column shown, "" for those left out); the row's part is
 * written only if they, or their colour, changed. */
static void put_figures(struct ui *ui, const struct ui_layout *l, int y, char v[][32],
			int role, int wait_role)
{
	uint64_t key = key_u64(key_u64(key_u64(0, (uint64_t)l->fig_x), (uint64_t)l->fig_mask),
			       (uint64_t)(role * 64 + wait_role));
	for (int c = 0; c < FIG_COLUMN_COUNT; c++)
		key = key_str(key, v[c]);
	if (!stale(ui, y, PART_FIGS, key))
		return;
	blank(ui, y, l->tl_x + l->tl_w, COLS);
	int x = l->fig_x;
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		if (!view_fig_shown((enum fig_column)c, l->fig_mask))
			continue;
		const struct fig_column_info *fc = view_fig_column((enum fig_column)c);
		char cell[40];
		snprintf(cell, sizeof cell, "%*s", fc->width, v[c]);
		put(y, x + 1, COLS, c == FIG_WAIT ? wait_role : role, cell);
		x += 1 + fc->width;
	}
}

static void draw_figures(struct ui *ui, const struct ui_layout *l, int y,
			 const struct stats_thread *tp)
{
	const struct stats_thread t = *tp;
	char v[FIG_COLUMN_COUNT][32];
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		v[c][0] = '\0';
		if (!view_fig_shown((enum fig_column)c, l->fig_mask))
			continue;
		switch ((enum fig_column)c) {
		case FIG_HOLD:
			pct(v[c], sizeof v[c], t.hold_ns, t.wall_ns);
			break;
		case FIG_WAIT:
			/* Waiting: for the GIL, or (free-threaded) for an
			 * object's lock, the same orange on the timeline. */
			pct(v[c], sizeof v[c], t.wait_ns + t.time_ns[TS_LOCK_WAIT], t.wall_ns);
			break;
		case FIG_BLOCKED:
			pct(v[c], sizeof v[c], t.blocked_ns, t.wall_ns);
			break;
		case FIG_NATIVE:
			pct(v[c], sizeof v[c], t.native_ns, t.wall_ns);
			break;
		case FIG_CORE:
			pct(v[c], sizeof v[c], t.core_ns, t.wall_ns);
			break;
		case FIG_ACQ:
			snprintf(v[c], sizeof v[c], "%" PRIu64, t.c.acquisitions);
			break;
		case FIG_P50:
			scenario_duration(ui, t.wait_p50_ns, v[c], sizeof v[c]);
			break;
		case FIG_P99:
			scenario_duration(ui, t.wait_p99_ns, v[c], sizeof v[c]);
			break;
		case FIG_MAX:
			scenario_duration(ui, t.wait_max_ns, v[c], sizeof v[c]);
			break;
		default:
			break;
		}
	}
	put_figures(ui, l, y, v, CR_NORMAL, t.starving ? CR_STARVING : CR_NORMAL);
}

/* A task's row has only the shares that mean something for it, in the
 * columns of the thread shares they are drawn like: running under hold,
 * ready under wait, awaiting under blkd. */
static void draw_task_figures(struct ui *ui, const struct ui_layout *l, int y,
			      const struct ui_line *ln, uint64_t now)
{
	uint64_t tot[TK_COUNT];
	tasks_totals(ui->c->tk, ln->id, ln->task, now, tot);
	uint64_t whole = tot[TK_RUNNING] + tot[TK_READY] + tot[TK_AWAITING];
	char v[FIG_COLUMN_COUNT][32];
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		v[c][0] = '\0';
		if (!view_fig_shown((enum fig_column)c, l->fig_mask))
			continue;
		if (c == FIG_HOLD)
			pct(v[c], sizeof v[c], tot[TK_RUNNING], whole);
		else if (c == FIG_WAIT)
			pct(v[c], sizeof v[c], tot[TK_READY], whole);
		else if (c == FIG_BLOCKED)
			pct(v[c], sizeof v[c], tot[TK_AWAITING], whole);
	}
	put_figures(ui, l, y, v, CR_DIM, CR_DIM);
}

static void draw_heads(struct ui *ui, const struct ui_layout *l)
{
	char buf[128], d[32];
	describe_duration(ui->view.col_ns, d, sizeof d);
	snprintf(buf, sizeof buf, "timeline, %s a column%s", d,
		 ui->view.follow ? "" : " (looking back)");
	if (!line_stale(ui, l->head_y, key_str(0, buf)))
		return;
	put(l->head_y, 0, l->name_w + 1, CR_TITLE, "thread");
	put(l->head_y, l->tl_x, l->tl_x + l->tl_w, CR_TITLE, buf);
	int x = l->fig_x;
	for (int c = 0; c < FIG_COLUMN_COUNT; c++) {
		if (!view_fig_shown((enum fig_column)c, l->fig_mask))
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
		if (m->type != MARK_INTERVAL && m->type != MARK_GIL_ON)
			continue;
		int c = view_col(&ui->view, now_rel, (unsigned)l->tl_w, m->t - ui->t_start);
		if (c < 0)
			continue;
		char d[32], lab[48];
		if (m->type == MARK_GIL_ON) /* free-threaded, and the GIL came back */
			snprintf(d, sizeof d, "GIL on");
		else
			describe_setting((uint64_t)((double)m->arg / watch_slow(ui->w)), d, sizeof d);
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
 * and an arrow under it on the time axis. Put again each frame (the
 * keys of the row and the axis say where it is). */
static void draw_cursor(struct ui *ui, const struct ui_layout *l, uint64_t now_rel, int nshown)
{
	unsigned tid;
	int c = cursor_col(ui, l, now_rel, &tid);
	if (c < 0)
		return;
	int x = l->tl_x + c;
	put(l->axis_y, x, l->tl_x + l->tl_w, CR_MARK, crt_glyphs()->cursor);
	for (int i = 0; i < l->thread_lines && i < nshown; i++) {
		const struct ui_line *ln = &ui->shown[i];
		if (ln->kind != LINE_THREAD || ln->id != tid)
			continue;
		int y = l->threads_y + i;
		chtype ch = mvinch(y, x);
		attr_t a = (attr_t)(ch & A_ATTRIBUTES);
		mvchgat(y, x, 1, (a & ~A_COLOR) | A_REVERSE, (short)PAIR_NUMBER(a), NULL);
	}
}

struct legend_item {
	int kind; /* a thread_state, or -1 drop request, -2 forced, -3 interval,
		   * -4 a column held in part, -5 a failed wake-up */
	const char *words;
};

static const struct legend_item legend[] = {
	{ TS_HOLDING, "holds the GIL" },
	{ TS_WAITING, "waits for it" },
	{ TS_BLOCKED, "blocked (I/O, sleep)" },
	{ TS_NATIVE, "C, GIL released" },
	{ TS_NATIVE_HOLD, "C holding GIL" },
	{ TS_RUNNABLE, "waits for a core" },
	{ TS_STOPPED, "stopped by a gc" },
	{ TS_LOCK_WAIT, "waits for a lock" },
	{ TS_DONE, "finished" },
	{ -4, "held part of it" },
	{ -1, "drop request" },
	{ -2, "forced switch" },
	{ -3, "new interval" },
	{ -5, "failed wake-up" },
};

#define LEGEND_GAP 2 /* columns between two items */

/* Marks which op kinds occur in ops and the blocks below them. */
static void ops_used(const struct op *ops, size_t n, bool used[OP_KIND_COUNT])
{
	for (size_t i = 0; i < n; i++) {
		used[ops[i].kind] = true;
		if (ops[i].body)
			ops_used(ops[i].body, ops[i].nbody, used);
	}
}

/* What a run's scenario can lead to, for the legend and the columns. */
struct run_facts {
	bool used[OP_KIND_COUNT]; /* the op kinds of its threads and tasks */
	bool contended;           /* a process of two threads or more with a GIL */
	unsigned running;         /* the most threads that can run at once */
	bool gc;                  /* collections: 'gc' ops or 'gc every' */
	enum gil_policy policy;
	unsigned cores;           /* virtual; 0 in real time */
};

/* Worked out once a run. At most one thread of a process runs Python
 * under a GIL, beside each of its threads with C code that releases it;
 * without a GIL every thread can run. */
static void run_facts(const struct scenario *sc, enum gil_policy policy, unsigned cores,
		      struct run_facts *f)
{
	memset(f, 0, sizeof *f);
	f->policy = policy;
	f->cores = cores;
	f->gc = sc->gc_every_ns > 0;
	unsigned *natives = xcalloc(sc->nprocs ? sc->nprocs : 1, sizeof *natives);
	unsigned *nthreads = xcalloc(sc->nprocs ? sc->nprocs : 1, sizeof *nthreads);
	for (size_t i = 0; i < sc->nthreads; i++) {
		const struct sc_thread *th = &sc->threads[i];
		bool mine[OP_KIND_COUNT] = { false };
		ops_used(th->ops, th->nops, mine);
		for (size_t k = 0; k < th->ntasks; k++)
			ops_used(th->tasks[k].ops, th->tasks[k].nops, mine);
		for (int k = 0; k < OP_KIND_COUNT; k++)
			f->used[k] |= mine[k];
		nthreads[th->process]++;
		natives[th->process] += mine[OP_NATIVE];
	}
	for (size_t p = 0; p < sc->nprocs; p++) {
		f->contended |= nthreads[p] >= 2;
		unsigned most = policy == GIL_NONE ? nthreads[p] : natives[p] + 1;
		f->running += most < nthreads[p] ? most : nthreads[p];
	}
	free(natives);
	free(nthreads);
	f->gc |= f->used[OP_GC];
	if (policy == GIL_NONE && !f->used[OP_IMPORT_UNSAFE])
		f->contended = false;
}

/* Can this run show legend item kind? Holding, waiting, finished, a
 * column held in part and a new interval always can; a state or a mark
 * that no op of the scenario can lead to cannot, and takes no room (at
 * 80x24 the fourteen items took three lines, the most the layout gives).
 * The marks of a contended GIL need a process of two threads or more
 * with a GIL. Waiting for a core needs, in virtual time, more threads
 * able to run at once than cores; in real time it is always possible, as
 * the machine is shared. g, t, n and p open a new run and ask again; the
 * compare mode shows the items of every policy compared. */
static bool legend_can_show(const struct run_facts *f, int kind)
{
	const bool *used = f->used;
	switch (kind) {
	case TS_BLOCKED:
		return used[OP_IO] || used[OP_SLEEP] || used[OP_GET] || used[OP_PUT] ||
		       used[OP_AWAIT_IO] || used[OP_AWAIT_SLEEP] || used[OP_AWAIT_GET];
	case TS_NATIVE:
		return used[OP_NATIVE];
	case TS_NATIVE_HOLD:
		return used[OP_NATIVE_HOLD];
	case TS_RUNNABLE:
		return f->cores == 0 || f->running > f->cores;
	case TS_STOPPED:
		return f->gc;
	case TS_LOCK_WAIT: /* under a GIL a critical section costs nothing */
		return used[OP_WITH] && f->policy == GIL_NONE;
	case -1: /* drop request: not in the old GIL */
	case -2: /* forced switch */
		return f->contended && f->policy != GIL_LEGACY;
	case -5: /* failed wake-up: the new GIL and the old */
		return f->contended && (f->policy == GIL_NEW || f->policy == GIL_LEGACY ||
					f->policy == GIL_NONE);
	default:
		return true;
	}
}

/* The run's legend items, a bit each, and the figure columns it cannot
 * fill, worked out once a run. The columns follow the states: a share of
 * time in a state no thread can reach, and the GIL's waits (acquisitions,
 * p50, p99, max) where no two threads share a GIL (lesson 9's processes:
 * its core column is worth their room). */
static uint32_t legend_mask(struct ui *ui)
{
	if (ui->legend_of != ui->sc) {
		struct run_facts f;
		run_facts(ui->sc, watch_policy(ui->w), watch_cores(ui->w), &f);
		ui->legend_mask = 0;
		for (size_t i = 0; i < GV_ARRAY_LEN(legend); i++)
			if (legend_can_show(&f, legend[i].kind))
				ui->legend_mask |= 1u << i;
		ui->fig_skip = 0;
		if (!legend_can_show(&f, TS_BLOCKED))
			ui->fig_skip |= 1u << FIG_BLOCKED;
		if (!legend_can_show(&f, TS_NATIVE) && !legend_can_show(&f, TS_NATIVE_HOLD))
			ui->fig_skip |= 1u << FIG_NATIVE;
		if (!legend_can_show(&f, TS_RUNNABLE))
			ui->fig_skip |= 1u << FIG_CORE;
		if (!f.contended)
			ui->fig_skip |= 1u << FIG_ACQ | 1u << FIG_P50 | 1u << FIG_P99 |
					1u << FIG_MAX;
		ui->legend_of = ui->sc;
	}
	return ui->legend_mask;
}

/* The figure columns this run cannot fill (legend_mask). */
uint32_t ui_fig_skip(struct ui *ui)
{
	legend_mask(ui);
	return ui->fig_skip;
}

/* The lines the legend takes at cols columns, wrapped as drawn. */
static int legend_lines(struct ui *ui, int cols)
{
	uint32_t mask = legend_mask(ui);
	int lines = 1, x = 1;
	for (size_t i = 0; i < GV_ARRAY_LEN(legend); i++) {
		if (!(mask & (1u << i)))
			continue;
		int w = 2 + (int)strlen(legend[i].words);
		if (x + w > cols) {
			lines++;
			x = 1;
		}
		x += w + LEGEND_GAP;
	}
	return lines;
}

static void draw_legend(struct ui *ui, const struct ui_layout *l)
{
	const struct crt_glyphs *gl = crt_glyphs();
	uint32_t mask = legend_mask(ui);
	int y = l->legend_y, x = 1;
	for (size_t i = 0; i < GV_ARRAY_LEN(legend); i++) {
		if (!(mask & (1u << i)))
			continue;
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
		case -5:
			g = gl->failed_wakeup;
			role = state_role(TS_WAITING);
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
		x += w + LEGEND_GAP;
	}
}

/* A line a GIL: its figures in order of importance, each whole, as
 * many as fit (switches/s and failed wake-ups first: what the lessons
 * ask a class to watch). */
static void draw_gils(struct ui *ui, const struct ui_layout *l, uint64_t now_rel)
{
	double slow = watch_slow(ui->w);
	for (int g = 0; g < l->gil_lines; g++) {
		if ((size_t)g >= ui->sc->nprocs) {
			/* A shared object: its lock's waits, where the GILs' are. */
			unsigned o = (unsigned)g - (unsigned)ui->sc->nprocs;
			char words[220], line[240];
			describe_object(ui->c->st, o, now_rel, words, sizeof words);
			snprintf(line, sizeof line, "lock: %s", words);
			/* Blanked when it changes: a shorter line must not
			 * leave the end of the last one. */
			if (!line_stale(ui, l->gils_y + g,
					key_str(key_str(0, ui->sc->objects[o]), line)))
				continue;
			put_cut(l->gils_y + g, 0, l->name_w + 1, CR_TITLE, ui->sc->objects[o]);
			put_cut(l->gils_y + g, l->tl_x, COLS, CR_NORMAL, line);
			continue;
		}
		struct stats_gil sg;
		stats_gil(ui->c->st, (unsigned)g, now_rel, &sg);
		double rate = stats_rate(ui->snap_old->gils[g].switches,
					 ui->snap_now->gils[g].switches, ui->snap_old->now,
					 ui->snap_now->now);
		char iv[32], items[8][96];
		describe_setting((uint64_t)((double)sg.interval_ns / slow), iv, sizeof iv);
		snprintf(items[0], sizeof items[0], "switches/s %.0f", rate);
		snprintf(items[1], sizeof items[1], "failed wake-ups %" PRIu64,
			 sg.c.failed_wakeups);
		/* The battle of lesson 11: how often the thread that released
		 * the GIL took it back, when that is most of the time. */
		uint64_t kept = sg.c.acquisitions - sg.c.switches;
		if (sg.c.failed_wakeups && kept > sg.c.switches)
			snprintf(items[2], sizeof items[2], "releaser kept it %.0f%%",
				 100.0 * (double)kept / (double)sg.c.acquisitions);
		else
			items[2][0] = '\0';
		snprintf(items[3], sizeof items[3], "forced %" PRIu64, sg.c.forced_switches);
		snprintf(items[4], sizeof items[4], "drop requests %" PRIu64, sg.c.drop_requests);
		snprintf(items[5], sizeof items[5], "interval %s", iv);
		snprintf(items[6], sizeof items[6], "switches %" PRIu64, sg.c.switches);
		items[7][0] = '\0';
		if (sg.enabled) {
			/* Free-threaded, and the GIL came back: said first. */
			char at[32];
			describe_time(sg.enabled_t > watch_t_start(ui->w) ?
				      sg.enabled_t - watch_t_start(ui->w) : 0, at, sizeof at);
			snprintf(items[7], sizeof items[7], "%s", items[2]);
			snprintf(items[2], sizeof items[2], "GIL on since %s (%s imported %s)", at,
				 sg.enabled_by < ui->sc->nthreads ? ui->sc->threads[sg.enabled_by].name : "?",
				 sg.enabled_module < ui->sc->nmodules ? ui->sc->modules[sg.enabled_module] : "?");
		}
		char buf[400] = "";
		size_t len = 0;
		for (size_t i = 0; i < GV_ARRAY_LEN(items); i++) {
			size_t n = strlen(items[i]);
			if (!n)
				continue;
			if ((int)(len + (len ? 2 : 0) + n) > COLS - l->tl_x)
				break;
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? "  " : "",
						items[i]);
		}
		char name[64];
		snprintf(name, sizeof name, "GIL %s", ui->sc->procs[g].name);
		if (!line_stale(ui, l->gils_y + g, key_str(key_str(0, name), buf)))
			continue;
		put_cut(l->gils_y + g, 0, l->name_w + 1, CR_TITLE, name);
		put(l->gils_y + g, l->tl_x, COLS, CR_NORMAL, buf);
	}
}

static void draw_rule(struct ui *ui, int y, const char *title)
{
	if (!line_stale(ui, y, key_str(key_u64(0, (uint64_t)COLS), title)))
		return;
	attrset(A_NORMAL);
	mvhline_set(y, 0, glyph_cell(ui, crt_glyphs()->hline, CR_DIM), COLS);
	put(y, 2, COLS, CR_TITLE, title);
}

/* The selected thread's or task's figures in full, in words. */
static void selection_words(const struct ui *ui, const struct ui_line *ln, char *buf, size_t len)
{
	uint64_t now = ui->t_start + ui_now(ui);
	char a[16], b[16], c[16], d[16];
	if (ln->kind == LINE_TASK) {
		uint64_t tot[TK_COUNT];
		tasks_totals(ui->c->tk, ln->id, ln->task, now, tot);
		uint64_t whole = tot[TK_RUNNING] + tot[TK_READY] + tot[TK_AWAITING];
		pct(a, sizeof a, tot[TK_RUNNING], whole);
		pct(b, sizeof b, tot[TK_READY], whole);
		pct(c, sizeof c, tot[TK_AWAITING], whole);
		struct tasks_waits w;
		tasks_ready_waits(ui->c->tk, ln->id, ln->task, &w);
		char p50[32], p99[32];
		scenario_duration(ui, w.p50_ns, p50, sizeof p50);
		scenario_duration(ui, w.p99_ns, p99, sizeof p99);
		snprintf(buf, len,
			 " %s (task of %s): running %s, ready %s, awaiting %s;\n"
			 " from ready to running: p50 %s, p99 %s (%" PRIu64 " times)",
			 ui->sc->threads[ln->id].tasks[ln->task].name, ui->sc->threads[ln->id].name,
			 a, b, c, p50, p99, w.n);
		return;
	}
	struct stats_thread st;
	stats_thread(ui->c->st, ln->id, now, &st);
	char p50[32], p99[32], mx[32];
	pct(a, sizeof a, st.hold_ns, st.wall_ns);
	pct(b, sizeof b, st.wait_ns, st.wall_ns);
	pct(c, sizeof c, st.blocked_ns, st.wall_ns);
	pct(d, sizeof d, st.native_ns, st.wall_ns);
	scenario_duration(ui, st.wait_p50_ns, p50, sizeof p50);
	scenario_duration(ui, st.wait_p99_ns, p99, sizeof p99);
	scenario_duration(ui, st.wait_max_ns, mx, sizeof mx);
	int n = snprintf(buf, len,
			 " %s: holds %s, waits %s, blocked %s, in C %s; %" PRIu64
			 " acquisitions;\n waits for the GIL: p50 %s, p99 %s, max %s",
			 ui->sc->threads[ln->id].name, a, b, c, d, st.c.acquisitions, p50, p99,
			 mx);
	/* Without the instant re-acquires, when there are any to leave out. */
	if (n > 0 && (size_t)n < len && st.c.switches_in < st.c.acquisitions) {
		scenario_duration(ui, st.switch_wait_p50_ns, p50, sizeof p50);
		scenario_duration(ui, st.switch_wait_p99_ns, p99, sizeof p99);
		snprintf(buf + n, len - (size_t)n, "; from another thread: p50 %s, p99 %s", p50,
			 p99);
	}
}

/* The events in words, newest last (or up to the cursor); with a thread
 * selected, its figures in full on the first line and only its events. */
static void draw_events(struct ui *ui, const struct ui_layout *l)
{
	if (l->events_y < 0)
		return;
	bool looking = !ui->view.follow;
	size_t end = looking ? ui->cursor : evlog_count(ui->log);
	const struct ui_line *sel = selected(ui);
	char title[128];
	if (sel)
		snprintf(title, sizeof title, " events of %s%s (Esc: all) ",
			 ui->sc->threads[sel->id].name, looking ? " up to the cursor" : "");
	else
		snprintf(title, sizeof title, looking ? " events up to the cursor (. and , step) "
						      : " events, newest last ");
	int y0 = l->events_y + 1, n = l->event_lines;
	char words[512] = "";
	if (sel && n > 1)
		selection_words(ui, sel, words, sizeof words);
	/* The pane's key: its title, the selection's figures, and which
	 * entries (the log's end and how many it ever took). */
	uint64_t key = key_str(key_str(0, title), words);
	key = key_u64(key_u64(key_u64(key, end), evlog_total(ui->log)), (uint64_t)n);
	key = key_u64(key_u64(key, sel ? (uint64_t)(sel - ui->lines) : UINT64_MAX), looking);
	draw_rule(ui, l->events_y, title);
	if (!stale(ui, l->events_y, PART_CELLS, key))
		return;
	for (int y = y0; y < y0 + n; y++)
		blank(ui, y, 0, COLS);
	if (sel && n > 1) {
		/* Its figures in full: on one line if they fit, else on two
		 * (split where the words say). */
		char *nl = strchr(words, '\n');
		if (nl && (cells_of(words) > COLS || n < 3)) {
			*nl = '\0';
			put_cut(y0++, 0, COLS, CR_TITLE, words);
			put_cut(y0++, 0, COLS, CR_TITLE, nl + 1);
			n -= 2;
		} else {
			if (nl)
				memmove(nl, nl + 1, strlen(nl));
			put_cut(y0++, 0, COLS, CR_TITLE, words);
			n--;
		}
	}
	/* The n entries to show, newest last: with a selection, its thread's. */
	size_t idx[256];
	int k = 0;
	if (n > 256)
		n = 256;
	for (size_t i = end; i > 0 && k < n; i--) {
		const struct evlog_entry *en = evlog_get(ui->log, i - 1);
		if (sel && en->ev.tid != sel->id)
			continue;
		idx[k++] = i - 1;
	}
	for (int j = 0; j < k; j++) {
		size_t i = idx[k - 1 - j];
		const struct evlog_entry *en = evlog_get(ui->log, i);
		char line[512];
		describe_line(line, sizeof line, &en->ev, ui->t_start, ui->sc, en->nth,
			      watch_slow(ui->w));
		int y = y0 + j;
		bool cur = looking && i + 1 == end;
		if (cur)
			fill_row(y, CR_STATUS);
		put_cut(y, 0, COLS, cur ? CR_STATUS : CR_NORMAL, line);
	}
	if (k == 0 && n > 0) /* (with no line of its own, it would sit on the next row) */
		put(y0, 2, COLS, CR_DIM, "(none yet)");
}

/* Does the help or the status line show this key for this source? */
static bool key_shown(const struct ui *ui, const struct key_binding *b)
{
	return b->scope == KS_ANY || (b->scope == KS_LIVE) == ui->live;
}

static void draw_status(struct ui *ui, const struct ui_layout *l)
{
	bool said = ui->status[0] && gv_mono_ns() < ui->status_until;
	uint64_t key = key_u64(key_u64(key_u64(0, ui->prompting), ui->view.follow), ui->live);
	key = key_str(key_str(key, ui->prompting ? ui->prompt : ""), said ? ui->status : "");
	if (!line_stale(ui, l->status_y, key))
		return;
	fill_row(l->status_y, CR_STATUS);
	if (ui->prompting) {
		char buf[128];
		snprintf(buf, sizeof buf, "%s (e.g. %s, Enter; Esc cancels): %s_",
			 ui->prompting == PROMPT_JUMP ? "jump to time" : "switch interval",
			 ui->prompting == PROMPT_JUMP ? "2.5s" : "2.5ms", ui->prompt);
		put(l->status_y, 1, COLS, CR_STATUS, buf);
		return;
	}
	if (said) {
		put(l->status_y, 1, COLS, CR_STATUS, ui->status);
		return;
	}
	/* The help and quit hints are always there, at the right end; the
	 * others fill the line from the left while they fit before them. */
	size_t n;
	const struct key_binding *t = keys_table(&n);
	const char *always[] = { keys_binding(ACT_HELP)->hint, keys_binding(ACT_QUIT)->hint };
	int end = COLS - 1;
	for (int k = 1; k >= 0; k--) {
		end -= (int)strlen(always[k]);
		put(l->status_y, end, COLS, CR_STATUS, always[k]);
		end -= 3;
	}
	int x = 1;
	for (size_t i = 0; i < n; i++) {
		if (!t[i].hint || (t[i].paused_only && ui->view.follow) || !key_shown(ui, &t[i]) ||
		    t[i].action == ACT_HELP || t[i].action == ACT_QUIT)
			continue;
		int w = (int)strlen(t[i].hint);
		if (x + w > end)
			continue;
		put(l->status_y, x, COLS, CR_STATUS, t[i].hint);
		x += w + 3;
	}
}

/* The help, drawn from the key table in a bordered box: the keys of
 * this kind of source, in one column or, on a short screen, two. */
static void draw_help(const struct ui *ui)
{
	size_t n, shown = 0;
	const struct key_binding *t = keys_table(&n);
	for (size_t i = 0; i < n; i++)
		shown += key_shown(ui, &t[i]);
	int ncol = (int)shown + 4 <= LINES ? 1 : 2;
	int per = ((int)shown + ncol - 1) / ncol;
	int w = ncol == 1 ? 56 : COLS - 4, h = per + 4;
	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES)
		h = LINES;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	attrset(crt_attr(CR_HELP));
	for (int y = 0; y < h; y++)
		mvhline(y0 + y, x0, ' ', w);
	mvhline(y0, x0 + 1, ACS_HLINE, w - 2);
	mvhline(y0 + h - 1, x0 + 1, ACS_HLINE, w - 2);
	mvvline(y0 + 1, x0, ACS_VLINE, h - 2);
	mvvline(y0 + 1, x0 + w - 1, ACS_VLINE, h - 2);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	put(y0, x0 + 2, x0 + w - 2, CR_HELP, " gilviz keys ");
	int colw = (w - 2) / ncol, k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!key_shown(ui, &t[i]))
			continue;
		int x = x0 + 1 + (k / per) * colw, y = y0 + 2 + k % per;
		char line[160];
		snprintf(line, sizeof line, " %-5s %s", t[i].label, t[i].help);
		put_cut(y, x, x + colw, CR_HELP, line);
		k++;
	}
	if (ui->live) {
		/* The g key's order, from the same table the key follows. */
		char order[160] = " g:";
		for (int i = 0; i <= GIL_POLICY_COUNT; i++)
			snprintf(order + strlen(order), sizeof order - strlen(order), "%s%s",
				 i ? " > " : " ",
				 gil_policy_name((enum gil_policy)
						 keys_policy_order[i % GIL_POLICY_COUNT]));
		put_cut(y0 + h - 2, x0 + 1, x0 + w - 1, CR_HELP, order);
	}
	put(y0 + h - 1, x0 + 2, x0 + w - 2, CR_HELP, " any key closes this help ");
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
		int n = (int)strlen(t->name); /* in full: labels may be left out */
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

/* What is happening now, in words: on the selected thread's GIL, or the
 * first process's. */
static void draw_narration(struct ui *ui, const struct ui_layout *l)
{
	if (l->narrate_y < 0)
		return;
	const struct ui_line *sel = selected(ui);
	struct narrate_input in = {
		.h = ui->c->h,
		.sc = ui->sc,
		.gil = sel ? ui->sc->threads[sel->id].process : 0,
		.now = ui->t_start + ui_now(ui),
		.slow = watch_slow(ui->w),
		.ended = ui->ended,
	};
	in.no_gil = watch_policy(ui->w) == GIL_NONE && !gil_turned_on(ui, in.gil);
	char buf[400], line[420];
	narrate(&in, buf, sizeof buf);
	snprintf(line, sizeof line, " %s", buf);
	if (line_stale(ui, l->narrate_y, key_str(0, line)))
		put_cut(l->narrate_y, 0, COLS, CR_TITLE, line);
}

/* What the layout left out, in words, on its notice line. */
static void draw_notice(struct ui *ui, const struct ui_layout *l, int hidden_tasks)
{
	if (l->notice_y < 0)
		return;
	char buf[256] = "";
	size_t len = 0;
	int left = (int)ui->sc->nthreads - l->shown_threads;
	int gils = (int)ui->sc->nprocs - l->gil_lines;
	if (left > 0)
		len += (size_t)snprintf(buf + len, sizeof buf - len, ", +%d thread rows", left);
	if (hidden_tasks > 0)
		len += (size_t)snprintf(buf + len, sizeof buf - len, ", +%d task rows", hidden_tasks);
	if (gils > 0)
		len += (size_t)snprintf(buf + len, sizeof buf - len, ", +%d GIL lines", gils);
	if (l->narrate_y < 0)
		len += (size_t)snprintf(buf + len, sizeof buf - len, ", what happens now");
	if (!l->legend_lines)
		len += (size_t)snprintf(buf + len, sizeof buf - len, ", the legend");
	if (!l->event_lines)
		len += (size_t)snprintf(buf + len, sizeof buf - len, ", the events");
	if (!len)
		return;
	char line[320];
	snprintf(line, sizeof line, " not shown (enlarge the terminal): %s", buf + 2);
	if (line_stale(ui, l->notice_y, key_str(0, line)))
		put_cut(l->notice_y, 0, COLS, CR_TITLE, line);
}

/* A timeline row's name, at its left. */
static void draw_name(struct ui *ui, const struct ui_layout *l, int y, int role, const char *name)
{
	uint64_t key = key_str(key_u64(key_u64(0, (uint64_t)role), (uint64_t)l->name_w), name);
	if (!stale(ui, y, PART_TEXT, key))
		return;
	blank(ui, y, 0, l->tl_x);
	put_cut(y, 0, l->name_w + 1, role, name);
}

/* One timeline line: a process label, a task's row or a thread's. */
static void draw_line(struct ui *ui, const struct ui_layout *l, int y, const struct ui_line *ln,
		      uint64_t now_rel)
{
	if (ln->kind == LINE_PROCESS) {
		char lab[128];
		snprintf(lab, sizeof lab, "process %s", ui->sc->procs[ln->id].name);
		if (line_stale(ui, y, key_str(key_u64(0, (uint64_t)(l->tl_x + l->tl_w)), lab)))
			put(y, 0, l->tl_x + l->tl_w, CR_TITLE, lab);
		return;
	}
	if (ln->kind == LINE_TASK) {
		char name[SCENARIO_MAX_NAME * 2 + 8];
		snprintf(name, sizeof name, UI_TASK_INDENT "%s",
			 ui->sc->threads[ln->id].tasks[ln->task].name);
		draw_name(ui, l, y, is_selected(ui, ln) ? CR_STATUS : CR_NORMAL, name);
		draw_timeline_row(ui, l, y, ln, now_rel);
		draw_task_figures(ui, l, y, ln, ui->t_start + now_rel);
		return;
	}
	struct stats_thread st;
	stats_thread_brief(ui->c->st, ln->id, ui->t_start + now_rel, &st);
	draw_name(ui, l, y, is_selected(ui, ln) ? CR_STATUS : st.starving ? CR_STARVING : CR_NORMAL,
		  short_name(ui, ln->id));
	draw_timeline_row(ui, l, y, ln, now_rel);
	draw_figures(ui, l, y, &st);
}

/* The layout of this screen: rows by priority (view_layout), the lines
 * they have room for (ui_choose_lines), and again when whole loops of
 * task rows left some of their room over. */
int ui_screen_layout(struct ui *ui, struct ui_layout *l, int *hidden_tasks)
{
	struct layout_want want = {
		.threads = (int)ui->sc->nthreads,
		/* A line a GIL, then one a shared object (its lock). */
		.ngils = (int)(ui->sc->nprocs + ui->sc->nobjects),
		.narration = true,
		.note = ui->sc->note ? view_wrap(ui->sc->note, COLS - 2, NULL, NULL, 0) : 0,
		.labels = ui->sc->nprocs > 1 ? (int)ui->sc->nprocs : 0,
		.tasks = ui->nsub,
		.legend = legend_lines(ui, COLS),
		.fig_skip = ui_fig_skip(ui),
		.name_len = longest_name(ui),
		.note_whole = ui->note_whole,
	};
	view_layout(l, LINES, COLS, &want);
	*hidden_tasks = 0;
	if (l->too_small)
		return 0;
	int ntasks;
	int nshown = ui_choose_lines(ui, l->shown_threads, l->labels, l->task_room, &ntasks);
	if (ntasks < l->task_room) {
		want.tasks = ntasks;
		want.hidden = ui->nsub - ntasks;
		view_layout(l, LINES, COLS, &want);
		nshown = ui_choose_lines(ui, l->shown_threads, l->labels, l->task_room, &ntasks);
	}
	*hidden_tasks = ui->nsub - ntasks;
	ui->labels = l->labels;
	return nshown;
}

/* The time axis's key: the window, the interval changes on it, the
 * cursor's arrow. */
static uint64_t axis_key(struct ui *ui, const struct ui_layout *l, uint64_t now_rel,
			 size_t nmarks)
{
	unsigned cols = (unsigned)l->tl_w, tid;
	uint64_t key = key_u64(key_u64(0, view_start(&ui->view, now_rel, cols)), ui->view.col_ns);
	key = key_u64(key_u64(key, (uint64_t)l->tl_x), cols);
	for (size_t i = 0; i < nmarks; i++) {
		const struct history_mark *m = &ui->marks[i];
		if (m->type != MARK_INTERVAL)
			continue;
		int c = view_col(&ui->view, now_rel, cols, m->t - ui->t_start);
		if (c >= 0)
			key = key_u64(key_u64(key, (uint64_t)c), m->arg);
	}
	return key_u64(key, (uint64_t)(int64_t)cursor_col(ui, l, now_rel, &tid));
}

void ui_draw_forget(struct ui *ui)
{
	for (unsigned i = 0; i < ui->nrows; i++)
		history_row_free(&ui->rows[i]);
	free(ui->rows);
	ui->rows = NULL;
	ui->nrows = 0;
	ui->repaint = true;
}

void ui_draw(struct ui *ui)
{
	struct ui_layout l;
	memset(&l, 0, sizeof l);
	int hidden_tasks;
	int nshown = ui_screen_layout(ui, &l, &hidden_tasks);
	if (l.too_small) {
		ui->lay = l;
		ui->repaint = true;
		draw_too_small();
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	/* Every row is drawn after a key, a new run or its end, on a new
	 * layout, and under the help; else only the rows that changed. */
	ui->full = ui->repaint || ui->help || ui->nrowkeys != LINES ||
		   memcmp(&l, &ui->lay, sizeof l) != 0;
	ui->repaint = false;
	ui->lay = l;
	ui->draws++;
	if (ui->nrows != ui->sc->nthreads) {
		ui_draw_forget(ui);
		ui->rows = xcalloc(ui->sc->nthreads ? ui->sc->nthreads : 1, sizeof *ui->rows);
		ui->nrows = (unsigned)ui->sc->nthreads;
	}
	if (ui->full) {
		erase();
		if (ui->nrowkeys != LINES) {
			free(ui->rowkeys);
			ui->rowkeys = xcalloc((size_t)LINES, sizeof *ui->rowkeys);
			ui->nrowkeys = LINES;
		}
		memset(ui->rowkeys, 0, (size_t)ui->nrowkeys * sizeof *ui->rowkeys);
	}
	uint64_t now_rel = ui_now(ui);
	ensure_scratch(ui, l.tl_w);
	struct stats_gil g0;
	stats_gil(ui->c->st, 0, now_rel, &g0);
	uint64_t interval = g0.interval_ns ? g0.interval_ns
			    : (uint64_t)((double)watch_interval(ui->w) * watch_slow(ui->w));
	size_t nmarks;
	collect_marks(ui, &l, now_rel, interval, &nmarks);

	draw_header(ui);
	if (ui->full) /* the note and the legend change with the layout only */
		draw_note(ui, &l);
	draw_heads(ui, &l);
	for (int i = 0; i < l.thread_lines && i < nshown; i++)
		draw_line(ui, &l, l.threads_y + i, &ui->shown[i], now_rel);
	if (line_stale(ui, l.axis_y, axis_key(ui, &l, now_rel, nmarks))) {
		bool *busy = xcalloc((size_t)l.tl_w + 1, sizeof *busy);
		draw_interval_marks(ui, &l, now_rel, nmarks, busy);
		draw_axis(ui, &l, now_rel, busy);
		free(busy);
	}
	draw_cursor(ui, &l, now_rel, nshown);
	draw_narration(ui, &l);
	draw_notice(ui, &l, hidden_tasks);
	if (l.legend_lines && ui->full)
		draw_legend(ui, &l);
	draw_gils(ui, &l, now_rel);
	draw_events(ui, &l);
	draw_status(ui, &l);
	if (ui->help)
		draw_help(ui);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- the compare mode's pieces (ui_compare.c) --------------------- */

int ui_legend_lines(struct ui *ui, int cols)
{
	return legend_lines(ui, cols);
}

void ui_legend_merge(struct ui *into, struct ui *from)
{
	uint32_t more = legend_mask(from);
	into->legend_mask = legend_mask(into) | more;
	/* A column is skipped only where no run can fill it. */
	into->fig_skip &= from->fig_skip;
}

int ui_draw_lines(struct ui *ui, const struct ui_layout *l, int y, int room, uint64_t now_rel)
{
	if (room <= 0)
		return 0;
	/* The compare mode erases its screen each frame: every row drawn. */
	ui->full = true;
	if (ui->nrows != ui->sc->nthreads) {
		ui_draw_forget(ui);
		ui->rows = xcalloc(ui->sc->nthreads ? ui->sc->nthreads : 1, sizeof *ui->rows);
		ui->nrows = (unsigned)ui->sc->nthreads;
	}
	ensure_scratch(ui, l->tl_w);
	struct stats_gil g0;
	stats_gil(ui->c->st, 0, now_rel, &g0);
	uint64_t interval = g0.interval_ns ? g0.interval_ns
			    : (uint64_t)((double)watch_interval(ui->w) * watch_slow(ui->w));
	size_t nmarks;
	collect_marks(ui, l, now_rel, interval, &nmarks);
	int ntasks;
	/* The threads alone: a block has no room for task sub-rows. */
	int n = ui_choose_lines(ui, room, false, 0, &ntasks);
	if (n > room)
		n = room;
	for (int i = 0; i < n; i++)
		draw_line(ui, l, y + i, &ui->shown[i], now_rel);
	return n;
}

void ui_draw_axis_legend(struct ui *ui, const struct ui_layout *l, uint64_t now_rel)
{
	bool *busy = xcalloc((size_t)l->tl_w + 1, sizeof *busy);
	draw_axis(ui, l, now_rel, busy);
	free(busy);
	draw_legend(ui, l);
}

void ui_draw_text(int y, int x, int x_end, int role, const char *s)
{
	put_cut(y, x, x_end, role, s);
}
