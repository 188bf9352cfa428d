/*
 * ui.c -- the live terminal UI: its state, the run it watches, frames.
 *
 * The UI watches one run at a time (watch.h): a live run of a scenario,
 * or a recording. A frame takes the run's new events through the watch
 * (into stats, history, tasks and the events pane's log), handles the
 * keys that are waiting (ui_keys.c) and draws the screen (ui_draw.c). r,
 * g, n and p stop the watch and start another. A paused screen with
 * nothing new is not redrawn at all.
 *
 * The UI computes no figure: times, counts, percentiles, rates and the
 * interval come from stats; states and marks from history. It only
 * divides two of them to print a share of time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "crt.h"
#include "describe.h"
#include "ui_int.h"

size_t ui_default_history_spans(size_t nthreads)
{
	/* 8 threads: 65536 spans each, 1.5 MiB, twenty minutes at fifty
	 * spans a second; more threads share the same budget. */
	return consumer_spans_per_thread(8 * 65536, nthreads);
}

void ui_status(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_until = gv_mono_ns() + UI_STATUS_NS;
	ui->dirty = true;
}

/* The events pane keeps the events it can say, each with the figure its
 * sentence needs, read from stats right after the event. */
static void on_event(void *arg, const struct event *ev, const struct stats *st)
{
	struct ui *ui = arg;
	if (!describe_shown(ev))
		return;
	uint64_t nth = ev->type == EV_FORCED_DROP ? ev->arg : 0;
	if (ev->type == EV_FORCED_DROP && !nth && ev->tid < ui->sc->nthreads) {
		struct stats_gil g;
		if (stats_gil(st, ui->sc->threads[ev->tid].process, 0, &g) == 0)
			nth = g.c.forced_switches;
	}
	evlog_add(ui->log, ev, nth);
}

/* Relative now: time since the run started, frozen once it ended. */
uint64_t ui_now(const struct ui *ui)
{
	return watch_now(ui->w);
}

/* Every line the timeline could show, in order: a label per process
 * when there are several, its threads, and under a loop its tasks (those
 * the consumer follows). draw() picks the ones the screen has room for. */
static void build_lines(struct ui *ui)
{
	const struct scenario *sc = ui->sc;
	size_t ntasks = 0;
	for (size_t i = 0; i < sc->nthreads; i++)
		ntasks += tasks_count(ui->c->tk, (unsigned)i);
	size_t max = sc->nthreads + sc->nprocs + ntasks + 1;
	free(ui->lines);
	free(ui->shown);
	ui->lines = xcalloc(max, sizeof *ui->lines);
	ui->shown = xcalloc(max, sizeof *ui->shown);
	ui->nlines = ui->nsub = 0;
	for (size_t p = 0; p < sc->nprocs; p++) {
		if (sc->nprocs > 1)
			ui->lines[ui->nlines++] = (struct ui_line){ LINE_PROCESS, (unsigned)p, 0 };
		for (size_t i = 0; i < sc->nthreads; i++) {
			if (sc->threads[i].process != p)
				continue;
			ui->lines[ui->nlines++] = (struct ui_line){ LINE_THREAD, (unsigned)i, 0 };
			unsigned n = tasks_count(ui->c->tk, (unsigned)i);
			for (unsigned k = 0; k < n; k++)
				ui->lines[ui->nlines++] =
					(struct ui_line){ LINE_TASK, (unsigned)i, k };
			ui->nsub += (int)n;
		}
	}
}

/* The lines a layout has rows for: the first threads threads, the
 * process labels if labels, and task sub-rows in task_room. A loop shows
 * all its tasks or none (a partial list would read as the whole of it),
 * in order while they fit. Returns how many lines were chosen; *ntasks
 * says how many of them are task rows. */
int ui_choose_lines(struct ui *ui, int threads, bool labels, int task_room, int *ntasks)
{
	int n = 0, t = 0, tasks = 0;
	for (int i = 0; i < ui->nlines; i++) {
		const struct ui_line *ln = &ui->lines[i];
		if (ln->kind == LINE_TASK)
			continue;
		if (ln->kind == LINE_PROCESS) {
			if (labels)
				ui->shown[n++] = *ln;
			continue;
		}
		if (t == threads)
			break;
		ui->shown[n++] = *ln;
		t++;
		int k = 0;
		while (i + 1 + k < ui->nlines && ui->lines[i + 1 + k].kind == LINE_TASK)
			k++;
		if (k && k <= task_room - tasks) {
			memcpy(&ui->shown[n], &ui->lines[i + 1], (size_t)k * sizeof *ui->shown);
			n += k;
			tasks += k;
		}
	}
	*ntasks = tasks;
	return n;
}

/* A frame drains the ring for at most this long: threads that make
 * events faster than the consumer takes them (a thousand threads) would
 * otherwise keep it draining for ever, and no key, quit signal or frame
 * would ever be seen. What is left waits in the ring, or is dropped.
 * Three quarters of a frame: the rest is left for drawing, which takes
 * a few hundred microseconds now that only what changed is drawn. */
#define UI_FRAME_NS (1000000000LL / UI_FPS)
#define UI_DRAIN_NS (UI_FRAME_NS * 3 / 4)
/* With nothing moving (paused, ended), a frame waits this long for a
 * key: nothing can change without one, and a key ends the wait at once. */
#define UI_IDLE_NS 250000000LL

/* This frame's events, from the watch. */
static void pump(struct ui *ui)
{
	if (watch_pump(ui->w, UI_DRAIN_NS))
		ui->dirty = true;
	if (watch_ended(ui->w) && !ui->ended) {
		ui->ended = true;
		ui->paused = false;
		ui->dirty = true;
		ui->repaint = true;
		/* The end: the whole run on the screen, to explore. */
		view_freeze(&ui->view, ui_now(ui));
		ui_fit(ui);
		ui->cursor = evlog_count(ui->log);
	}
	const struct gv_error *err = watch_sink_error(ui->w);
	if (err && !ui->rec_reported) {
		char msg[GV_ERROR_MAX];
		gv_error_format(err, msg, sizeof msg);
		ui_status(ui, "recording stopped: %s", msg);
		ui->rec_reported = true;
	}
}

/* The columns of the timeline: as drawn last, or before the first
 * frame as the first frame will draw them. */
static unsigned timeline_cols(struct ui *ui)
{
	if (ui->lay.tl_w > 0)
		return (unsigned)ui->lay.tl_w;
	struct ui_layout l;
	int hidden;
	ui_screen_layout(ui, &l, &hidden);
	return l.tl_w > 0 ? (unsigned)l.tl_w : 1;
}

/* The oldest time every thread's kept history still covers. */
uint64_t ui_oldest_kept(const struct ui *ui)
{
	uint64_t oldest = 0;
	for (unsigned i = 0; i < history_nthreads(ui->c->h); i++) {
		struct history_span s;
		if (history_forgotten(ui->c->h, i) &&
		    history_spans(ui->c->h, i, 0, UINT64_MAX, UINT64_MAX, &s, 1) == 1 &&
		    s.t_start - ui->t_start > oldest)
			oldest = s.t_start - ui->t_start;
	}
	return oldest;
}

void ui_fit(struct ui *ui)
{
	view_fit(&ui->view, ui_now(ui), timeline_cols(ui), ui_oldest_kept(ui));
}

/* ---- runs ------------------------------------------------------- */

/* Stop the run: its recording, if it has one, is closed with every
 * event in it (a failure is kept for ui_run to say once the terminal is
 * back). The first run records and exports if asked to; the runs after
 * it are not recorded (a recording holds one run, as a headless one does). */
void ui_run_stop(struct ui *ui)
{
	if (!ui->w)
		return;
	struct gv_error err = { 0 };
	bool sinks = !ui->recorded && ui->live && (ui->opt.record_path ||
						   ui->opt.export_kind != EXPORT_NONE);
	if (watch_finish(ui->w, &err) != 0 && ui->rec_rc == 0) {
		ui->rec_err = err;
		ui->rec_rc = -1;
	}
	if (sinks)
		ui->recorded = true;
	watch_close(ui->w);
	ui->w = NULL;
	ui->c = NULL;
	stats_snapshot_destroy(ui->snap_old);
	stats_snapshot_destroy(ui->snap_mid);
	stats_snapshot_destroy(ui->snap_now);
	ui->snap_old = ui->snap_mid = ui->snap_now = NULL;
}

/* The rate snapshots start over at the current time: after a start, or
 * a replay's seek that built the figures again. */
void ui_reset_snapshots(struct ui *ui)
{
	stats_snapshot_destroy(ui->snap_old);
	stats_snapshot_destroy(ui->snap_mid);
	stats_snapshot_destroy(ui->snap_now);
	ui->snap_old = stats_snapshot_create(ui->c->st);
	ui->snap_mid = stats_snapshot_create(ui->c->st);
	ui->snap_now = stats_snapshot_create(ui->c->st);
	uint64_t now = ui->t_start + ui_now(ui);
	stats_snapshot_take(ui->c->st, now, ui->snap_old);
	stats_snapshot_take(ui->c->st, now, ui->snap_mid);
	stats_snapshot_take(ui->c->st, now, ui->snap_now);
}

/* Watch a run of the scenario (with the g key's policy), or the
 * recording, and start the views on it. */
int ui_run_start(struct ui *ui, struct gv_error *err)
{
	const struct ui_options *o = &ui->opt;
	evlog_clear(ui->log);
	ui->paused = ui->ended = false;
	struct watch_options wo = {
		.replay_path = o->replay_path,
		.sc = ui->own_sc,
		.engine = o->engine,
		.spans_per_thread = o->history_spans ? o->history_spans
				    : o->replay_path ? 0 : ui_default_history_spans(ui->own_sc->nthreads),
		.hook = on_event,
		.hook_arg = ui,
	};
	if (ui->policy >= 0)
		wo.engine.policy = ui->policy;
	if (ui->interval_choice > 0)
		wo.engine.interval_ns = ui->interval_choice;
	if (ui->own_sc && !o->replay_path) {
		unsigned chose = o->clock_chosen;
		if (ui->time_choice >= 0) {
			wo.engine.virtual_time = ui->time_choice == 1;
			chose |= WATCH_CHOSE_TIME;
		}
		if (ui->speed_choice > 0) {
			wo.engine.speed = ui->speed_choice;
			chose |= WATCH_CHOSE_SPEED;
		}
		wo.engine = watch_engine_options(ui->own_sc, &wo.engine, chose, true);
	}
	if (!ui->recorded && !o->replay_path) {
		wo.record_path = o->record_path;
		wo.export_kind = o->export_kind;
		wo.export_path = o->export_path;
	}
	ui->w = watch_open(&wo, err);
	if (!ui->w)
		return -1;
	ui->sc = watch_scenario(ui->w);
	ui->legend_of = NULL; /* the legend is worked out again for this run */
	ui->c = watch_consumer(ui->w);
	ui->live = watch_live(ui->w);
	ui->t_start = watch_t_start(ui->w);
	ui_reset_snapshots(ui);
	view_init(&ui->view, view_default_col((uint64_t)watch_interval(ui->w) *
					      (uint64_t)watch_slow(ui->w)));
	build_lines(ui);
	if (ui->sel >= ui->nlines)
		ui->sel = -1;
	ui->acc_cols = 0; /* the scratch rows depend on the thread count */
	ui_draw_forget(ui); /* what was drawn was another run's */
	ui->dirty = true;
	return 0;
}

static struct scenario *load_scenario(const struct ui *ui, const char *path,
				      struct gv_error *err)
{
	if (path)
		return scenario_load(path, err);
	return scenario_parse(ui->opt.builtin_text, strlen(ui->opt.builtin_text),
			      ui->opt.builtin_name, err);
}

struct ui *ui_create(const struct ui_options *o, struct gv_error *err)
{
	struct ui *ui = xcalloc(1, sizeof *ui);
	ui->opt = *o;
	ui->policy = -1;
	ui->sel = -1;
	ui->time_choice = -1;
	if (!o->replay_path) {
		ui->own_sc = load_scenario(ui, o->scenario_path, err);
		if (!ui->own_sc) {
			free(ui);
			return NULL;
		}
	}
	ui->sc_path = o->scenario_path ? xstrdup(o->scenario_path) : NULL;
	ui->log = evlog_create(UI_EVLOG);
	ui->marks = xmalloc(UI_MAX_MARKS * sizeof *ui->marks);
	catalog_scan(&ui->cat, o->scenario_dirs, o->ndirs);
	ui->cat_i = catalog_find(&ui->cat, ui->sc_path);
	if (ui_run_start(ui, err) != 0) {
		ui_destroy(ui);
		return NULL;
	}
	if (watch_warning(ui->w, 0))
		ui_status(ui, "warning: %s; replaying the complete blocks", watch_warning(ui->w, 0));
	else if (o->record_path && watch_recording_tmp(ui->w))
		ui_status(ui, "recording to %s (as %s until the run ends)", o->record_path,
			  watch_recording_tmp(ui->w));
	else if (o->record_path)
		ui_status(ui, "recording to %s", o->record_path);
	return ui;
}

void ui_destroy(struct ui *ui)
{
	if (!ui)
		return;
	ui_run_stop(ui);
	scenario_free(ui->own_sc);
	free(ui->sc_path);
	evlog_destroy(ui->log);
	catalog_free(&ui->cat);
	free(ui->marks);
	ui_draw_forget(ui);
	free(ui->rowkeys);
	free(ui->glyphs);
	free(ui->cells);
	free(ui->tcells);
	free(ui->acc);
	free(ui->markgrid);
	free(ui->lines);
	free(ui->shown);
	free(ui);
}

struct watch *ui_watch(struct ui *ui)
{
	return ui->w;
}

long ui_draws(const struct ui *ui)
{
	return ui->draws;
}

long ui_rows_drawn(const struct ui *ui)
{
	return ui->rows_drawn;
}

/* Switches per second over the last one to two seconds: three snapshots
 * in turn, so the rate follows a change of interval within a second or
 * two without jumping from frame to frame. */
static void take_snapshots(struct ui *ui)
{
	uint64_t now = ui->t_start + ui_now(ui);
	stats_snapshot_take(ui->c->st, now, ui->snap_now);
	if (now - ui->snap_mid->now >= 1000000000ULL) {
		struct stats_snapshot *old = ui->snap_old;
		ui->snap_old = ui->snap_mid;
		ui->snap_mid = old;
		stats_snapshot_take(ui->c->st, now, ui->snap_mid);
	}
}

bool ui_frame(struct ui *ui)
{
	ui->frame_t = gv_mono_ns();
	pump(ui);
	ui_handle_keys(ui);
	if (crt_quit_signal())
		ui->quit = true;
	if (ui->quit)
		return false;
	take_snapshots(ui);
	bool moving = !ui->ended && !ui->paused;
	if (moving || ui->dirty || (ui->status[0] && gv_mono_ns() < ui->status_until + 100000000))
		ui_draw(ui);
	ui->dirty = false;
	ui->frames++;
	if (ui->opt.frames > 0 && ui->frames >= ui->opt.frames)
		return false;
	return true;
}

/* The next frame a frame period after this one began, while the run
 * moves: its live edge is never more than a frame old. Paused or ended,
 * nothing changes until a key, which ends the wait at once: frames come
 * seldom (UI_IDLE_NS), or when a status message is to go. */
void ui_wait(struct ui *ui)
{
	int64_t now = gv_mono_ns(), next = ui->frame_t + UI_FRAME_NS;
	if (ui->paused || ui->ended) {
		/* Just after the status message goes: ui_frame draws the
		 * line without it within 100 ms of then. */
		int64_t gone = ui->status_until + 10000000;
		next = ui->frame_t + UI_IDLE_NS;
		if (ui->status[0] && gone > now && gone < next)
			next = gone;
	}
	int64_t left = next - now;
	timeout(left > 1000000 ? (int)(left / 1000000) : 1);
	int ch = getch();
	if (ch != ERR)
		ungetch(ch);
	nodelay(stdscr, TRUE);
}

int ui_run(const struct ui_options *o, struct gv_error *err)
{
	struct ui *ui = ui_create(o, err);
	if (!ui)
		return -1;
	if (crt_init(NULL, NULL, NULL, o->want_color) != 0) {
		ui_destroy(ui);
		gv_error_set(err, NULL, 0, 0, "cannot start the terminal (TERM=%s)",
			     getenv("TERM") ? getenv("TERM") : "unset");
		return -1;
	}
	/* A click selects a row or puts the cursor at a time. */
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	mouseinterval(0);
	while (ui_frame(ui))
		ui_wait(ui);
	crt_done();
	/* Stopping the run closes its recording; a failure is said now that
	 * the terminal is back. */
	ui_run_stop(ui);
	int rc = ui->rec_rc;
	if (rc)
		*err = ui->rec_err;
	ui_destroy(ui);
	return rc;
}
