/*
 * ui_compare.c -- the terminal UI's compare mode: one scenario under
 * several GIL policies at once, stacked on one time axis
 * (`gilviz --compare new,bfs,priority SCENARIO`).
 *
 * Each policy is a run of its own, a struct ui each (ui.c: its watch,
 * its model, its events), all in virtual time with the same seed and
 * cores, paced by the same wall clock from the same frame on: a frame
 * pumps every watch, so their clocks stand within a frame of each other,
 * and the screen draws them all up to the earliest of them, so that no
 * block runs ahead of another. One view (zoom, scroll) is shared.
 *
 * This file owns the frame loop, the keys and the screen around the
 * blocks: the header, a title line a block with its GIL's figures, the
 * status line and the help, drawn from the key table below. The lines of
 * each block are drawn by ui_draw_lines, as the single-run screen draws
 * its own, so the two cannot disagree about a row.
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

struct cmp_block {
	struct ui *ui;
	enum gil_policy policy;
	bool shown;
};

struct cmp {
	struct cmp_block b[GIL_POLICY_COUNT];
	unsigned n;
	struct view view;
	bool paused, help, quit, dirty;
	long frames, max_frames;
	int64_t frame_t;
	char status[256];
	int64_t status_until;
};

/* The compare mode's keys. g (the next policy, in a single run) becomes
 * the choice of the policies shown: a digit shows or hides one block. */
#define CMP_ACT_ALL ACT_POLICY
static const struct key_binding cmp_keys[] = {
	{ ACT_INTERVAL_UP, { '+', '=' }, "+", "double every run's switch interval", "+/- interval", 0, KS_ANY },
	{ ACT_INTERVAL_DOWN, { '-', '_' }, "-", "halve every run's switch interval", NULL, 0, KS_ANY },
	{ ACT_PAUSE, { ' ' }, "space", "pause / resume every run", "space pause", 0, KS_ANY },
	{ ACT_BACK, { KEYS_LEFT }, "left", "paused: scroll back in time", "left/right scroll", 1, KS_ANY },
	{ ACT_FORWARD, { KEYS_RIGHT }, "right", "paused: scroll forward in time", NULL, 1, KS_ANY },
	{ ACT_ZOOM_IN, { 'z' }, "z", "zoom in: less time a column", "z/Z zoom", 0, KS_ANY },
	{ ACT_ZOOM_OUT, { 'Z' }, "Z", "zoom out: more time a column", NULL, 0, KS_ANY },
	{ ACT_NONE, { 0 }, "1-7", "show or hide the block of the 1st ... 7th policy", "1-7 policies", 0, KS_ANY },
	{ CMP_ACT_ALL, { 'g' }, "g", "show every policy's block again", "g all", 0, KS_ANY },
	{ ACT_RESTART, { 'r' }, "r", "restart every run, together", "r restart", 0, KS_ANY },
	{ ACT_HELP, { '?', 'h' }, "?", "this help (any key closes it)", "? help", 0, KS_ANY },
	{ ACT_QUIT, { 'q', 'Q', KEYS_CTRL_C }, "q, Ctrl-C", "quit", "q quit", 0, KS_ANY },
};

static enum ui_action cmp_action(int key)
{
	for (size_t i = 0; i < GV_ARRAY_LEN(cmp_keys); i++)
		for (int k = 0; k < KEYS_PER_BINDING && cmp_keys[i].keys[k]; k++)
			if (cmp_keys[i].keys[k] == key)
				return cmp_keys[i].action;
	return ACT_NONE;
}

GV_PRINTF(2, 3) static void cmp_status(struct cmp *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->status, sizeof c->status, fmt, ap);
	va_end(ap);
	c->status_until = gv_mono_ns() + UI_STATUS_NS;
	c->dirty = true;
}

/* The time the screen shows: the earliest clock of the runs still
 * going (they stand within a frame of each other); once all have ended,
 * the latest end. */
static uint64_t cmp_now(const struct cmp *c)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (unsigned i = 0; i < c->n; i++) {
		uint64_t t = watch_now(c->b[i].ui->w);
		if (!watch_ended(c->b[i].ui->w) && t < lo)
			lo = t;
		if (t > hi)
			hi = t;
	}
	return lo == UINT64_MAX ? hi : lo;
}

static bool cmp_ended(const struct cmp *c)
{
	for (unsigned i = 0; i < c->n; i++)
		if (!watch_ended(c->b[i].ui->w))
			return false;
	return true;
}

static void cmp_pause(struct cmp *c, bool paused)
{
	c->paused = paused;
	for (unsigned i = 0; i < c->n; i++)
		watch_pause(c->b[i].ui->w, paused);
	if (paused)
		view_freeze(&c->view, cmp_now(c));
	else
		view_follow(&c->view);
}

static void cmp_restart(struct cmp *c)
{
	struct gv_error err = { 0 };
	for (unsigned i = 0; i < c->n; i++)
		ui_run_stop(c->b[i].ui);
	for (unsigned i = 0; i < c->n; i++) {
		if (ui_run_start(c->b[i].ui, &err) != 0) {
			char msg[GV_ERROR_MAX];
			gv_error_format(&err, msg, sizeof msg);
			cmp_status(c, "cannot restart: %s", msg);
			c->quit = true;
			return;
		}
	}
	c->paused = false;
	view_follow(&c->view);
	cmp_status(c, "every run restarted");
}

static void cmp_interval(struct cmp *c, int dir)
{
	int64_t cur = watch_interval(c->b[0].ui->w);
	int64_t ns = dir > 0 ? cur * 2 : cur / 2;
	if (ns > UI_MAX_INTERVAL_NS || ns < UI_MIN_INTERVAL_NS) {
		cmp_status(c, "the switch interval stays within 1 us and 10 s");
		return;
	}
	for (unsigned i = 0; i < c->n; i++)
		watch_set_interval(c->b[i].ui->w, ns);
	char d[32];
	describe_duration((uint64_t)ns, d, sizeof d);
	cmp_status(c, "switch interval %s in every run", d);
}

static void cmp_toggle(struct cmp *c, unsigned i)
{
	if (i >= c->n) {
		cmp_status(c, "there are %u policies: 1 to %u", c->n, c->n);
		return;
	}
	unsigned shown = 0;
	for (unsigned k = 0; k < c->n; k++)
		shown += c->b[k].shown;
	if (c->b[i].shown && shown == 1) {
		cmp_status(c, "%s is the only block shown", gil_policy_name(c->b[i].policy));
		return;
	}
	c->b[i].shown = !c->b[i].shown;
	cmp_status(c, "%s %s (g shows them all)", gil_policy_name(c->b[i].policy),
		   c->b[i].shown ? "shown" : "hidden");
}

static void cmp_act(struct cmp *c, enum ui_action a, unsigned cols)
{
	uint64_t now = cmp_now(c);
	switch (a) {
	case ACT_INTERVAL_UP:
	case ACT_INTERVAL_DOWN:
		cmp_interval(c, a == ACT_INTERVAL_UP ? 1 : -1);
		break;
	case ACT_PAUSE:
		if (!cmp_ended(c))
			cmp_pause(c, !c->paused);
		break;
	case ACT_BACK:
	case ACT_FORWARD:
		if (c->paused || cmp_ended(c))
			view_scroll(&c->view, now, cols, a == ACT_BACK ? -1 : 1, 0);
		break;
	case ACT_ZOOM_IN:
	case ACT_ZOOM_OUT:
		if (!view_zoom(&c->view, a == ACT_ZOOM_IN ? 1 : -1))
			cmp_status(c, "zoom limit");
		break;
	case CMP_ACT_ALL:
		for (unsigned i = 0; i < c->n; i++)
			c->b[i].shown = true;
		cmp_status(c, "every policy shown");
		break;
	case ACT_RESTART:
		cmp_restart(c);
		break;
	case ACT_HELP:
		c->help = true;
		break;
	case ACT_QUIT:
		c->quit = true;
		break;
	default:
		break;
	}
}

static void cmp_keys_waiting(struct cmp *c)
{
	int ch;
	while ((ch = getch()) != ERR) {
		c->dirty = true;
		if (ch == KEY_RESIZE) {
			clearok(curscr, TRUE);
			continue;
		}
		int k = ch == KEY_LEFT ? KEYS_LEFT : ch == KEY_RIGHT ? KEYS_RIGHT : ch;
		if (c->help) {
			c->help = false;
			if (cmp_action(k) == ACT_QUIT)
				c->quit = true;
			continue;
		}
		if (k >= '1' && k <= '9')
			cmp_toggle(c, (unsigned)(k - '1'));
		else
			cmp_act(c, cmp_action(k), (unsigned)(COLS > 40 ? COLS / 2 : 20));
		if (c->quit)
			return;
	}
}

/* ---- drawing ---------------------------------------------------- */

static void cmp_draw_header(const struct cmp *c, const struct scenario *sc, uint64_t now)
{
	char el[72], mode[160], buf[512], pols[128] = "";
	describe_duration(now, el, sizeof el);
	watch_clock_words(c->b[0].ui->w, mode, sizeof mode);
	for (unsigned i = 0; i < c->n; i++)
		snprintf(pols + strlen(pols), sizeof pols - strlen(pols), "%s%s", i ? "," : "",
			 gil_policy_name(c->b[i].policy));
	attrset(crt_attr(CR_HEADER));
	mvhline(0, 0, ' ', COLS);
	const char *state = cmp_ended(c) ? " ENDED " : c->paused ? " PAUSED " : " RUNNING ";
	int sw = (int)strlen(state);
	if (COLS >= 110)
		snprintf(buf, sizeof buf, "compare %s | %s | %s ", pols, el, mode);
	else
		snprintf(buf, sizeof buf, "compare %s | %s ", pols, el);
	int fw = (int)strlen(buf), room = COLS - sw - fw - 2;
	ui_draw_text(0, COLS - sw - fw, COLS - sw, CR_HEADER, buf);
	ui_draw_text(0, COLS - sw, COLS, c->paused || cmp_ended(c) ? CR_PAUSED : CR_HEADER, state);
	char title[256];
	snprintf(title, sizeof title, " %s", sc->title);
	if (room > 0)
		ui_draw_text(0, 0, room + 1, CR_HEADER, title);
}

static void cmp_draw_heads(const struct cmp *c, const struct ui_layout *l, int y)
{
	char buf[128], d[32];
	ui_draw_text(y, 0, l->name_w + 1, CR_TITLE, "thread");
	describe_duration(c->view.col_ns, d, sizeof d);
	snprintf(buf, sizeof buf, "timeline, %s a column%s", d,
		 c->view.follow ? "" : " (looking back)");
	ui_draw_text(y, l->tl_x, l->tl_x + l->tl_w, CR_TITLE, buf);
	int x = l->fig_x;
	for (int f = 0; f < FIG_COLUMN_COUNT; f++) {
		if (!view_fig_shown((enum fig_column)f, l->fig_mask))
			continue;
		const struct fig_column_info *fc = view_fig_column((enum fig_column)f);
		snprintf(buf, sizeof buf, "%*s", fc->width, fc->head);
		ui_draw_text(y, x + 1, COLS, CR_TITLE, buf);
		x += 1 + fc->width;
	}
}

/* A block's title line: its number (the key that hides it), its policy
 * and its GIL's figures over the run so far. */
static void cmp_draw_block_title(const struct cmp_block *b, unsigned i, const struct ui_layout *l,
				 int y, uint64_t now)
{
	const struct stats *st = b->ui->c->st;
	uint64_t switches = 0, forced = 0, failed = 0;
	double rate = 0;
	for (unsigned g = 0; g < stats_ngils(st); g++) {
		struct stats_gil sg;
		stats_gil(st, g, now, &sg);
		switches += sg.c.switches;
		forced += sg.c.forced_switches;
		failed += sg.c.failed_wakeups;
		rate += sg.switches_per_s;
	}
	char name[32], iv[32], buf[256];
	snprintf(name, sizeof name, "%u %s", i + 1, gil_policy_name(b->policy));
	describe_duration((uint64_t)watch_interval(b->ui->w), iv, sizeof iv);
	snprintf(buf, sizeof buf, "GIL %s: interval %s  switches/s %.0f  forced %" PRIu64
		 "  failed wake-ups %" PRIu64 "  switches %" PRIu64 "%s",
		 gil_policy_name(b->policy), iv, rate, forced, failed, switches,
		 watch_ended(b->ui->w) ? "  (ended)" : "");
	attrset(crt_attr(CR_DIM));
	mvhline(y, 0, ' ', COLS);
	ui_draw_text(y, 0, l->name_w + 1, CR_TITLE, name);
	ui_draw_text(y, l->tl_x, COLS, CR_TITLE, buf);
}

static void cmp_draw_status(const struct cmp *c, int y)
{
	attrset(crt_attr(CR_STATUS));
	mvhline(y, 0, ' ', COLS);
	if (c->status[0] && gv_mono_ns() < c->status_until) {
		ui_draw_text(y, 1, COLS, CR_STATUS, c->status);
		return;
	}
	int x = 1;
	for (size_t i = 0; i < GV_ARRAY_LEN(cmp_keys); i++) {
		const struct key_binding *k = &cmp_keys[i];
		if (!k->hint || (k->paused_only && c->view.follow))
			continue;
		int w = (int)strlen(k->hint);
		if (x + w >= COLS)
			break;
		ui_draw_text(y, x, COLS, CR_STATUS, k->hint);
		x += w + 3;
	}
}

static void cmp_draw_help(void)
{
	int n = (int)GV_ARRAY_LEN(cmp_keys);
	int w = 66 < COLS - 4 ? 66 : COLS - 4, h = n + 4;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++) {
		attrset(crt_attr(CR_HELP));
		mvhline(y0 + y, x0, ' ', w);
	}
	attrset(crt_attr(CR_HELP) | A_BOLD);
	mvaddstr(y0, x0 + 2, "gilviz keys: comparing policies");
	for (int i = 0; i < n; i++) {
		char line[160];
		snprintf(line, sizeof line, "  %-10s %s", cmp_keys[i].label, cmp_keys[i].help);
		ui_draw_text(y0 + 2 + i, x0, x0 + w, CR_HELP, line);
	}
	ui_draw_text(y0 + h - 1, x0 + 2, x0 + w, CR_HELP, "any key closes this help");
}

static void cmp_draw(struct cmp *c)
{
	const struct scenario *sc = c->b[0].ui->sc;
	int name = 12; /* "7 priority" */
	for (size_t i = 0; i < sc->nthreads; i++)
		if ((int)strlen(sc->threads[i].name) + 1 > name)
			name = (int)strlen(sc->threads[i].name) + 1;
	struct ui_layout l;
	for (unsigned i = 1; i < c->n; i++)
		ui_legend_merge(c->b[0].ui, c->b[i].ui);
	struct layout_want want = { .threads = 1, .name_len = name,
				    .legend = ui_legend_lines(c->b[0].ui, COLS),
				    .fig_skip = ui_fig_skip(c->b[0].ui) };
	view_layout(&l, LINES, COLS, &want);
	erase();
	if (l.too_small) {
		char buf[128];
		snprintf(buf, sizeof buf, "The terminal is %dx%d; gilviz needs at least %dx%d.",
			 COLS, LINES, LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
		ui_draw_text(LINES / 2 - 1 < 0 ? 0 : LINES / 2 - 1, 0, COLS, CR_TITLE, buf);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	/* Top down: the header, the heads, the blocks; bottom up: the status
	 * line, the legend, the time axis. */
	l.status_y = LINES - 1;
	l.legend_y = l.status_y - l.legend_lines;
	l.axis_y = l.legend_y - 1;
	uint64_t now = cmp_now(c);
	cmp_draw_header(c, sc, now);
	cmp_draw_heads(c, &l, 1);
	int y = 2;
	unsigned left = 0;
	for (unsigned i = 0; i < c->n; i++) {
		struct cmp_block *b = &c->b[i];
		if (!b->shown)
			continue;
		if (y + 2 > l.axis_y) {
			left++;
			continue;
		}
		b->ui->view = c->view;
		cmp_draw_block_title(b, i, &l, y, now);
		y += 1 + ui_draw_lines(b->ui, &l, y + 1, l.axis_y - y - 1, now);
	}
	if (left) {
		char more[128];
		snprintf(more, sizeof more, "... and %u more polic%s: a taller terminal shows them, "
			 "or hide some (1-7)", left, left == 1 ? "y" : "ies");
		ui_draw_text(l.axis_y - 1, 0, COLS, CR_DIM, more);
	}
	ui_draw_axis_legend(c->b[0].ui, &l, now);
	cmp_draw_status(c, l.status_y);
	if (c->help)
		cmp_draw_help();
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- the loop --------------------------------------------------- */

/* A frame drains each run for its share of half a frame. */
#define CMP_DRAIN_NS (1000000000LL / UI_FPS / 2)

static bool cmp_frame(struct cmp *c)
{
	c->frame_t = gv_mono_ns();
	bool was_ended = cmp_ended(c);
	for (unsigned i = 0; i < c->n; i++)
		if (watch_pump(c->b[i].ui->w, CMP_DRAIN_NS / c->n))
			c->dirty = true;
	if (cmp_ended(c) && !was_ended) {
		c->paused = false;
		c->dirty = true;
	}
	cmp_keys_waiting(c);
	if (crt_quit_signal())
		c->quit = true;
	if (c->quit)
		return false;
	bool moving = !cmp_ended(c) && !c->paused;
	if (moving || c->dirty || (c->status[0] && gv_mono_ns() < c->status_until + 100000000))
		cmp_draw(c);
	c->dirty = false;
	c->frames++;
	return !(c->max_frames > 0 && c->frames >= c->max_frames);
}

/* As ui_wait: a frame period after the last frame began while the runs
 * move; paused or over, until a key, a status message going, or 250 ms. */
static void cmp_wait(const struct cmp *c)
{
	int64_t now = gv_mono_ns(), next = c->frame_t + 1000000000LL / UI_FPS;
	if (c->paused || cmp_ended(c)) {
		int64_t gone = c->status_until + 10000000;
		next = c->frame_t + 250000000LL;
		if (c->status[0] && gone > now && gone < next)
			next = gone;
	}
	int64_t left = next - now;
	timeout(left > 1000000 ? (int)(left / 1000000) : 1);
	int ch = getch();
	if (ch != ERR)
		ungetch(ch);
	nodelay(stdscr, TRUE);
}

static void cmp_free(struct cmp *c)
{
	for (unsigned i = 0; i < c->n; i++)
		ui_destroy(c->b[i].ui);
	free(c);
}

int ui_compare_run(const struct ui_options *o, const enum gil_policy *policies, unsigned n,
		   struct gv_error *err)
{
	struct cmp *c = xcalloc(1, sizeof *c);
	c->max_frames = o->frames;
	for (unsigned i = 0; i < n && i < GIL_POLICY_COUNT; i++) {
		struct ui_options uo = *o;
		uo.engine.policy = (int)policies[i];
		uo.frames = 0;
		c->b[i].policy = policies[i];
		c->b[i].shown = true;
		c->b[i].ui = ui_create(&uo, err);
		if (!c->b[i].ui) {
			cmp_free(c);
			return -1;
		}
		c->n = i + 1;
	}
	if (c->n == 0) {
		free(c);
		gv_error_set(err, NULL, 0, 0, "no policy to compare");
		return -1;
	}
	struct ui *u0 = c->b[0].ui;
	view_init(&c->view, view_default_col((uint64_t)watch_interval(u0->w) *
					     (uint64_t)watch_slow(u0->w)));
	if (crt_init(NULL, NULL, NULL, o->want_color) != 0) {
		cmp_free(c);
		gv_error_set(err, NULL, 0, 0, "cannot start the terminal (TERM=%s)",
			     getenv("TERM") ? getenv("TERM") : "unset");
		return -1;
	}
	c->dirty = true;
	while (cmp_frame(c))
		cmp_wait(c);
	crt_done();
	cmp_free(c);
	return 0;
}
