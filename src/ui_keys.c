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

/* + and -: the running run's interval, kept for the runs r and g start;
 * after the end, the next start's only, and it says so. */
static void set_interval(struct ui *ui, int dir)
{
	int64_t cur = ui->ended && ui->interval_choice ? ui->interval_choice
			: watch_interval(ui->w);
	int64_t ns = dir > 0 ? cur * 2 : cur / 2;
	if (ns > UI_MAX_INTERVAL_NS || ns < UI_MIN_INTERVAL_NS) {
		ui_status(ui, "the switch interval stays within 1 us and 10 s");
		return;
	}
	ui->interval_choice = ns;
	char d[32];
	describe_duration((uint64_t)ns, d, sizeof d);
	char was[32];
	describe_duration((uint64_t)cur, was, sizeof was);
	if (ui->ended) {
		ui_status(ui, "switch interval %s for the next start (was %s): r restarts with it",
			  d, was);
		return;
	}
	watch_set_interval(ui->w, ns);
	ui_status(ui, "switch interval %s (was %s)", d, was);
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
	ui->prompting = false;
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
	case ACT_END:
		if (!ui->live) {
			replay_goto(ui, a == ACT_HOME ? 0 : UINT64_MAX);
		} else if (can_look_back(ui)) {
			/* A live run cannot seek: the view goes there. */
			uint64_t span = ui->view.col_ns * cols, oldest = ui_oldest_kept(ui);
			view_set_end(&ui->view, now, a == ACT_HOME ? oldest + span : now);
			follow_cursor_to_view(ui);
		} else {
			break;
		}
		ui_status(ui, a == ACT_HOME ? "at the start" : "at the end");
		break;
	case ACT_PAGE_BACK:
	case ACT_PAGE_FORWARD:
		if (can_look_back(ui)) {
			view_page(&ui->view, now, cols, a == ACT_PAGE_BACK ? -1 : 1, ui_oldest_kept(ui));
			follow_cursor_to_view(ui);
		}
		break;
	case ACT_FIT: {
		ui_fit(ui);
		char d[32];
		describe_duration(ui->view.col_ns, d, sizeof d);
		ui_status(ui, "the whole run: %s a column", d);
		break;
	}
	case ACT_JUMP:
		if (ui->live && !can_look_back(ui))
			break;
		ui->prompting = true;
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
			watch_pause(ui->w, true);
			ui->paused = true;
			view_freeze(&ui->view, now);
			ui->cursor = evlog_count(ui->log);
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
		ui->policy = (cur + 1) % GIL_POLICY_COUNT;
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
	case KEY_PPAGE:
		return KEYS_PGUP;
	case KEY_NPAGE:
		return KEYS_PGDN;
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
		if (ch == KEY_RESIZE) {
			clearok(curscr, TRUE);
			continue;
		}
		if (ui->prompting) {
			size_t n = strlen(ui->prompt);
			int k = map_key(ch);
			if (k == KEYS_ENTER)
				jump_to_typed(ui);
			else if (k == KEYS_ESC)
				ui->prompting = false;
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
		    ui->tl_cols > 0 ? (unsigned)ui->tl_cols : (unsigned)(COLS > 40 ? COLS / 2 : 20));
		if (ui->quit)
			return;
	}
}
