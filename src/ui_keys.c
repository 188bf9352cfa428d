/*
 * ui_keys.c -- the terminal UI's keys: each key is an action from the
 * key table (keys.h, which the help screen is drawn from too), and each
 * action a change to the run (through its watch) or to the view: pause,
 * the switch interval, restart, the next scenario, scrolling, stepping
 * through events, and in a replay speed, seeking and jumping.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "describe.h"
#include "keys.h"
#include "ui_int.h"

/* What a restart says about the recording it ended, if it ended one. */
static const char *recording_ended(const struct ui *ui, bool was)
{
	if (!was || !ui->recorded)
		return "";
	return ui->rec_rc ? "; the recording failed" : "; recording ended (this run is not recorded)";
}

/* A new run could not start: quit, and have ui_run say why once the
 * terminal is back (the status line is gone by then), failing the exit
 * status like any error after the terminal started. */
static void ui_fail(struct ui *ui, const struct gv_error *err)
{
	if (ui->rec_rc == 0) {
		ui->rec_err = *err;
		ui->rec_rc = -1;
	}
	ui->quit = true;
}

static void restart(struct ui *ui, const char *why)
{
	struct gv_error err = { 0 };
	bool was = ui->c->rec || ui->c->exp;
	ui_run_stop(ui);
	if (ui_run_start(ui, &err) != 0) {
		char msg[GV_ERROR_MAX];
		gv_error_format(&err, msg, sizeof msg);
		ui_status(ui, "cannot restart: %s", msg);
		ui_fail(ui, &err);
		return;
	}
	ui_status(ui, "%s%s", why, recording_ended(ui, was));
}

static void switch_scenario(struct ui *ui, int step)
{
	if (ui->cat.n == 0) {
		ui_status(ui, "no bundled scenarios found (looked in %s)",
			  ui->opt.ndirs && ui->opt.scenario_dirs[0] ? ui->opt.scenario_dirs[0]
								   : "nowhere");
		return;
	}
	int i = catalog_step(&ui->cat, ui->cat_i, step);
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_load(ui->cat.paths[i], &err);
	if (!sc) {
		char msg[GV_ERROR_MAX];
		gv_error_format(&err, msg, sizeof msg);
		ui_status(ui, "%s", msg);
		return;
	}
	bool was = ui->c->rec || ui->c->exp;
	ui_run_stop(ui);
	scenario_free(ui->own_sc);
	free(ui->sc_path);
	ui->own_sc = sc;
	ui->sc_path = xstrdup(ui->cat.paths[i]);
	ui->cat_i = i;
	ui->policy = -1;
	ui->sel = -1;
	ui->time_choice = -1; /* a lesson opens on its own clock */
	ui->speed_choice = 0;
	ui->interval_choice = 0;
	if (ui_run_start(ui, &err) != 0) {
		char msg[GV_ERROR_MAX];
		gv_error_format(&err, msg, sizeof msg);
		ui_status(ui, "%s", msg);
		ui_fail(ui, &err);
		return;
	}
	ui_status(ui, "scenario %d of %zu: %s%s", i + 1, ui->cat.n, sc->title,
		  recording_ended(ui, was));
}

/* The interval + and - start from: after the end, the next start's. */
static int64_t chosen_interval(const struct ui *ui)
{
	return ui->ended && ui->interval_choice ? ui->interval_choice : watch_interval(ui->w);
}

/* Set the switch interval to ns and say it, with what it was: the
 * running run's, kept for the runs r and g start; after the end, the
 * next start's only, and it says so. */
static void apply_interval(struct ui *ui, int64_t ns)
{
	int64_t cur = chosen_interval(ui);
	ui->interval_choice = ns;
	char d[32];
	describe_setting((uint64_t)ns, d, sizeof d);
	char was[32];
	describe_setting((uint64_t)cur, was, sizeof was);
	if (ui->ended) {
		ui_status(ui, "switch interval %s for the next start (was %s): r restarts with it",
			  d, was);
		return;
	}
	watch_set_interval(ui->w, ns);
	ui_status(ui, "switch interval %s (was %s)", d, was);
}

static void set_interval(struct ui *ui, int dir)
{
	int64_t cur = chosen_interval(ui);
	int64_t ns = dir > 0 ? cur * 2 : cur / 2;
	if (ns > UI_MAX_INTERVAL_NS || ns < UI_MIN_INTERVAL_NS) {
		ui_status(ui, "+ and - keep the switch interval within 1 us and 10 s (i sets any)");
		return;
	}
	apply_interval(ui, ns);
}

/* The interval typed after i, checked as --interval checks it. */
static void interval_typed(struct ui *ui)
{
	int64_t ns;
	char msg[256];
	ui->prompting = PROMPT_NONE;
	if (parse_interval(ui->prompt, &ns, msg, sizeof msg) != 0) {
		ui_status(ui, "interval: %s", msg);
		return;
	}
	apply_interval(ui, ns);
}

/* [ and ]: a replay's speed, or a live virtual run's pace (kept for the
 * runs r and g start); real time goes at the machine's pace. */
static void change_speed(struct ui *ui, int dir)
{
	struct engine *e = watch_engine(ui->w);
	if (e && !engine_is_virtual(e)) {
		ui_status(ui, "real time runs at the machine's pace: t switches to virtual time");
		return;
	}
	if (ui->live && ui->ended) {
		ui_status(ui, "the run has ended: r restarts it");
		return;
	}
	if (!watch_speed_step(ui->w, dir)) {
		ui_status(ui, ui->live ? "virtual time's speed stays within 1/1000x and 100x"
				       : "replay speed stays within 1/4x and 16x");
		return;
	}
	char sp[16];
	watch_speed_name(ui->w, sp, sizeof sp);
	if (e)
		ui->speed_choice = engine_speed(e);
	ui_status(ui, "%s speed %sx", ui->live ? "virtual time's" : "replay", sp);
}

static void follow_cursor_to_view(struct ui *ui)
{
	ui->cursor = evlog_until(ui->log, ui->t_start + view_end(&ui->view, ui_now(ui)));
}

static bool can_look_back(struct ui *ui)
{
	if (ui->paused || ui->ended)
		return true;
	ui_status(ui, "pause first (space), then scroll and step");
	return false;
}

static void step(struct ui *ui, int dir, unsigned cols)
{
	size_t n = evlog_count(ui->log);
	if (dir > 0 && ui->cursor < n)
		ui->cursor++;
	else if (dir < 0 && ui->cursor > 1)
		ui->cursor--;
	else {
		ui_status(ui, dir > 0 ? "no later event" : "no earlier event kept");
		return;
	}
	const struct evlog_entry *en = evlog_get(ui->log, ui->cursor - 1);
	uint64_t t = en->ev.t > ui->t_start ? en->ev.t - ui->t_start : 0;
	/* Keep the event in the last quarter of the window. */
	uint64_t end = view_end(&ui->view, ui_now(ui));
	uint64_t start = view_start(&ui->view, ui_now(ui), cols);
	if (t >= end || t < start + (end - start) * 3 / 4)
		view_set_end(&ui->view, ui_now(ui), t + ui->view.col_ns * (cols / 8 + 1));
}

/* A replay: move the clock to t (the figures follow, rebuilt from the
 * start if t is earlier), keeping play or pause as it was. */
static void replay_goto(struct ui *ui, uint64_t t)
{
	bool back = watch_seek_rebuilds(ui->w, t);
	if (back)
		evlog_clear(ui->log);
	uint64_t pos = watch_seek(ui->w, t);
	if (back)
		ui_reset_snapshots(ui);
	ui->ended = watch_ended(ui->w);
	ui->paused = watch_paused(ui->w) && !ui->ended;
	if (ui->paused || ui->ended) {
		/* The window moves to the new time at once, already frozen
		 * or not. */
		view_set_end(&ui->view, pos, pos);
		ui->cursor = evlog_count(ui->log);
	} else {
		view_follow(&ui->view);
	}
}

/* A paused replay steps past the events fed so far: feed the next one
 * that the events pane shows. */
static void replay_step_one(struct ui *ui)
{
	uint64_t total = evlog_total(ui->log);
	while (evlog_total(ui->log) == total && watch_step(ui->w))
		;
}

static void jump_to_typed(struct ui *ui)
{
	int64_t ns;
	char msg[256];
	ui->prompting = PROMPT_NONE;
	if (parse_duration(ui->prompt, &ns, msg, sizeof msg) != 0 || ns < 0) {
		ui_status(ui, "jump: %s", ns < 0 ? "a time from 0" : msg);
		return;
	}
	char d[32];
	if (ui->live) {
		/* A live run cannot seek: the window goes to the time, its
		 * right edge there (or at now), the cursor with it. */
		view_set_end(&ui->view, ui_now(ui), (uint64_t)ns);
		follow_cursor_to_view(ui);
		describe_duration(view_end(&ui->view, ui_now(ui)), d, sizeof d);
	} else {
		replay_goto(ui, (uint64_t)ns);
		describe_duration(watch_now(ui->w), d, sizeof d);
	}
	ui_status(ui, "at %s", d);
}

/* Keys that change the run mean nothing to a recording, and the replay's
 * keys nothing to a live run: say so rather than ignore them. */
static bool key_applies(struct ui *ui, enum ui_action a)
{
	const struct key_binding *b = keys_binding(a);
	if (!b)
		return true;
	if (b->scope == KS_LIVE && !ui->live) {
		ui_status(ui, "refused: %s cannot change a recorded run (this is a replay)",
			  b->label);
		return false;
	}
	if (b->scope == KS_REPLAY && ui->live) {
		ui_status(ui, "%s works in a replay (gilviz --replay FILE)", b->label);
		return false;
	}
	return true;
}

/* Pause the run (live or replayed) and look at the window from now on. */
static void pause_run(struct ui *ui, uint64_t now)
{
	watch_pause(ui->w, true);
	ui->paused = true;
	view_freeze(&ui->view, now);
	ui->cursor = evlog_count(ui->log);
}

/* Look back from a run that is moving: pause it first (its history is
 * still being written to), and say so. */
static bool stop_to_look(struct ui *ui, uint64_t now)
{
	if (ui->paused || ui->ended)
		return false;
	pause_run(ui, now);
	ui_status(ui, "paused to look back: space resumes, End comes back to now");
	return true;
}

/* The selectable lines: threads and tasks, not process labels. */
static void select_step(struct ui *ui, int dir)
{
	int i = ui->sel;
	if (i < 0)
		i = dir > 0 ? -1 : ui->nlines;
	for (i += dir; i >= 0 && i < ui->nlines; i += dir)
		if (ui->lines[i].kind != LINE_PROCESS)
			break;
	if (i < 0 || i >= ui->nlines) {
		ui_status(ui, dir > 0 ? "the last row is selected (Esc: none)"
				      : "the first row is selected (Esc: none)");
		return;
	}
	ui->sel = i;
}

/* A click: on a row, select its thread or task; on the timeline (or
 * its axis), pause and put the events' cursor at that time. */
static void click(struct ui *ui, int y, int x, unsigned cols)
{
	struct view_hit h = view_hit(&ui->lay, y, x);
	if (h.line >= 0 && h.line < ui->lay.thread_lines) {
		const struct ui_line *ln = &ui->shown[h.line];
		for (int i = 0; i < ui->nlines; i++)
			if (ui->lines[i].kind == ln->kind && ui->lines[i].id == ln->id &&
			    ui->lines[i].task == ln->task && ln->kind != LINE_PROCESS)
				ui->sel = i;
	}
	if (h.col < 0)
		return;
	uint64_t now = ui_now(ui);
	uint64_t t = view_col_time(&ui->view, now, (unsigned)ui->lay.tl_w, (unsigned)h.col);
	stop_to_look(ui, now);
	view_freeze(&ui->view, now);
	ui->cursor = evlog_until(ui->log, ui->t_start + t + ui->view.col_ns);
	(void)cols;
	char d[32];
	describe_duration(t, d, sizeof d);
	ui_status(ui, "cursor at %s: the events up to it below; . and , step", d);
}

static void act(struct ui *ui, enum ui_action a, unsigned cols)
{
	uint64_t now = ui_now(ui);
	ui->dirty = true;
	if (!key_applies(ui, a))
		return;
	switch (a) {
	case ACT_SLOWER:
	case ACT_FASTER:
		change_speed(ui, a == ACT_FASTER ? 1 : -1);
		break;
	case ACT_TIME: {
		struct engine *e = watch_engine(ui->w);
		ui->time_choice = engine_is_virtual(e) ? 0 : 1;
		restart(ui, ui->time_choice ? "restarted in virtual time (the same picture every time)"
					    : "restarted in real time (this machine's threads)");
		break;
	}
	case ACT_HOME:
		if (!ui->live) {
			replay_goto(ui, 0);
			ui_status(ui, "at the start");
			break;
		}
		if (stop_to_look(ui, now))
			ui_status(ui, "paused; at the oldest time kept (space resumes, End: now)");
		else if (ui->ended && ui_oldest_kept(ui) == 0)
			ui_status(ui, "at the start");
		else
			ui_status(ui, "at the oldest time kept");
		view_set_end(&ui->view, now, ui_oldest_kept(ui) + ui->view.col_ns * cols);
		follow_cursor_to_view(ui);
		break;
	case ACT_END:
		if (!ui->live) {
			replay_goto(ui, UINT64_MAX);
			ui_status(ui, "at the end");
			break;
		}
		if (ui->ended) {
			/* The run's end stays frozen, to explore. */
			view_set_end(&ui->view, now, now);
			ui->cursor = evlog_count(ui->log);
			ui_status(ui, "at the end");
			break;
		}
		view_follow(&ui->view);
		ui->cursor = evlog_count(ui->log);
		ui_status(ui, ui->paused ? "at now (paused: space resumes)" : "at now");
		break;
	case ACT_PAGE_UP:
		stop_to_look(ui, now);
		view_page(&ui->view, now, cols, -1, ui_oldest_kept(ui));
		follow_cursor_to_view(ui);
		break;
	case ACT_PAGE_DOWN:
		if (ui->view.follow) {
			ui_status(ui, "already at now");
			break;
		}
		view_page(&ui->view, now, cols, 1, ui_oldest_kept(ui));
		follow_cursor_to_view(ui);
		break;
	case ACT_FIT: {
		ui_fit(ui);
		char d[32];
		describe_duration(ui->view.col_ns, d, sizeof d);
		ui_status(ui, "the whole run: %s a column", d);
		break;
	}
	case ACT_SELECT_UP:
	case ACT_SELECT_DOWN:
		select_step(ui, a == ACT_SELECT_DOWN ? 1 : -1);
		break;
	case ACT_UNSELECT:
		ui->sel = -1;
		break;
	case ACT_CLICK: {
		MEVENT me;
		if (getmouse(&me) == OK && (me.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
			click(ui, me.y, me.x, cols);
		break;
	}
	case ACT_JUMP:
		/* A live run is paused first, as for Home and PgUp. */
		if (ui->live)
			stop_to_look(ui, now);
		ui->prompting = PROMPT_JUMP;
		ui->prompt[0] = '\0';
		break;
	case ACT_SET_INTERVAL:
		ui->prompting = PROMPT_INTERVAL;
		ui->prompt[0] = '\0';
		break;
	case ACT_INTERVAL_UP:
		set_interval(ui, 1);
		break;
	case ACT_INTERVAL_DOWN:
		set_interval(ui, -1);
		break;
	case ACT_PAUSE:
		if (ui->ended && !ui->live) {
			replay_goto(ui, 0);
			ui_status(ui, "replaying from the start");
		} else if (ui->ended) {
			restart(ui, "restarted");
		} else if (ui->paused) {
			watch_pause(ui->w, false);
			ui->paused = false;
			view_follow(&ui->view);
			ui_status(ui, "running");
		} else {
			pause_run(ui, now);
			ui_status(ui, "paused: left/right scroll, . and , step one event");
		}
		break;
	case ACT_BACK:
	case ACT_FORWARD:
		if (can_look_back(ui)) {
			view_scroll(&ui->view, now, cols, a == ACT_BACK ? -1 : 1, ui_oldest_kept(ui));
			follow_cursor_to_view(ui);
		}
		break;
	case ACT_STEP:
	case ACT_STEP_BACK:
		if (can_look_back(ui)) {
			if (ui->view.follow) {
				view_freeze(&ui->view, now);
				ui->cursor = evlog_count(ui->log);
			}
			if (!ui->live && a == ACT_STEP && ui->cursor >= evlog_count(ui->log))
				replay_step_one(ui);
			step(ui, a == ACT_STEP ? 1 : -1, cols);
		}
		break;
	case ACT_ZOOM_IN:
	case ACT_ZOOM_OUT: {
		if (!view_zoom(&ui->view, a == ACT_ZOOM_IN ? 1 : -1)) {
			ui_status(ui, "zoomed %s as far as it goes", a == ACT_ZOOM_IN ? "in" : "out");
			break;
		}
		char d[32];
		describe_duration(ui->view.col_ns, d, sizeof d);
		ui_status(ui, "%s a column", d);
		break;
	}
	case ACT_POLICY: {
		int cur = ui->ended && ui->policy >= 0 ? ui->policy : (int)watch_policy(ui->w);
		ui->policy = keys_next_policy(cur);
		if (ui->ended) {
			ui_status(ui, "the %s GIL for the next start: r restarts with it",
				  gil_policy_name((enum gil_policy)ui->policy));
			break;
		}
		char why[96];
		snprintf(why, sizeof why, "restarted with the %s GIL",
			 gil_policy_name((enum gil_policy)ui->policy));
		restart(ui, why);
		break;
	}
	case ACT_RESTART:
		restart(ui, "restarted");
		break;
	case ACT_NEXT_SCENARIO:
		switch_scenario(ui, 1);
		break;
	case ACT_PREV_SCENARIO:
		switch_scenario(ui, -1);
		break;
	case ACT_NOTE:
		ui->note_whole = !ui->note_whole;
		break;
	case ACT_HELP:
		ui->help = true;
		break;
	case ACT_QUIT:
		ui->quit = true;
		break;
	default:
		break;
	}
}

static int map_key(int ch)
{
	switch (ch) {
	case KEY_LEFT:
		return KEYS_LEFT;
	case KEY_RIGHT:
		return KEYS_RIGHT;
	case KEY_HOME:
		return KEYS_HOME;
	case KEY_END:
		return KEYS_END;
	case KEY_UP:
		return KEYS_UP;
	case KEY_DOWN:
		return KEYS_DOWN;
	case KEY_PPAGE:
		return KEYS_PAGE_UP;
	case KEY_NPAGE:
		return KEYS_PAGE_DOWN;
	case KEY_MOUSE:
		return KEYS_MOUSE;
	case KEY_ENTER:
	case '\r':
		return KEYS_ENTER;
	case KEY_BACKSPACE:
	case 127: /* DEL, what most terminals send for backspace */
	case 8:   /* Ctrl-H */
		return KEYS_BACKSPACE;
	default:
		return ch;
	}
}

void ui_handle_keys(struct ui *ui)
{
	int ch;
	while ((ch = getch()) != ERR) {
		ui->dirty = true;
		ui->repaint = true; /* a key may change anything: every row */
		if (ch == KEY_RESIZE) {
			clearok(curscr, TRUE);
			continue;
		}
		if (ui->prompting) {
			size_t n = strlen(ui->prompt);
			int k = map_key(ch);
			if (k == KEYS_ENTER && ui->prompting == PROMPT_JUMP)
				jump_to_typed(ui);
			else if (k == KEYS_ENTER)
				interval_typed(ui);
			else if (k == KEYS_ESC)
				ui->prompting = PROMPT_NONE;
			else if (k == KEYS_BACKSPACE && n)
				ui->prompt[n - 1] = '\0';
			else if (ch > ' ' && ch < 127 && n + 1 < sizeof ui->prompt) {
				ui->prompt[n] = (char)ch;
				ui->prompt[n + 1] = '\0';
			}
			continue;
		}
		if (ui->help) {
			/* Any key closes the help; q still quits. */
			ui->help = false;
			if (keys_action(map_key(ch)) == ACT_QUIT)
				ui->quit = true;
			continue;
		}
		act(ui, keys_action(map_key(ch)),
		    ui->lay.tl_w > 0 ? (unsigned)ui->lay.tl_w : (unsigned)(COLS > 40 ? COLS / 2 : 20));
		if (ui->quit)
			return;
	}
}
