/*
 * ui.c -- the live terminal UI.
 *
 * A frame drains the event ring through the shared consumer (into stats,
 * history and the events pane's log), handles the keys that are waiting,
 * and draws the screen from history and stats: the header, one timeline
 * row per thread grouped by process with its figures beside it (and
 * under an asyncio loop's row, a sub-row per task, from tasks.h), the time
 * axis and the legend, a line per GIL, the events in words, the status
 * line. The frame is drawn into curses' virtual screen and sent with
 * wnoutrefresh/doupdate, which writes only the cells that changed; a
 * paused screen with nothing new is not redrawn at all.
 *
 * The UI computes no figure: times, counts, percentiles, rates and the
 * interval come from stats; states and marks from history. It only
 * divides two of them to print a share of time.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "catalog.h"
#include "crt.h"
#include "describe.h"
#include "evlog.h"
#include "keys.h"
#include "record.h"
#include "replay.h"
#include "ui.h"
#include "view.h"

#define UI_SPAN_CHUNK 4096
#define UI_MAX_MARKS 4096
#define UI_STATUS_NS 4000000000LL /* how long a status message stays */
#define UI_MAX_INTERVAL_NS 10000000000LL
#define UI_MIN_INTERVAL_NS 1000LL
#define UI_MARK_NONE 0
#define UI_MARK_REQUEST 1
#define UI_MARK_FORCED 2

struct ui;

/* A timeline line: a process label, a thread, or a task of a loop. */
enum ui_line_kind { LINE_PROCESS, LINE_THREAD, LINE_TASK };

struct ui_line {
	enum ui_line_kind kind;
	unsigned id;   /* process or thread index */
	unsigned task; /* LINE_TASK: the task's index in its loop */
};

/*
 * Where the events come from: a live run of the engine, or a recording
 * played back. The UI asks its source the few things that differ between
 * the two (how far the run has got, its interval, slow motion, policy and
 * time mode, pausing, feeding a frame's events) and otherwise draws both
 * the same way from the consumer's stats and history.
 */
struct ui_source {
	bool live;  /* can the run be changed (interval, policy, restart)? */
	int (*start)(struct ui *ui, struct gv_error *err);
	void (*stop)(struct ui *ui);
	/* Feed this frame's events into the consumer; set ui->ended. */
	void (*pump)(struct ui *ui);
	uint64_t (*now)(const struct ui *ui);
	int64_t (*interval)(const struct ui *ui);
	double (*slow)(const struct ui *ui);
	enum gil_policy (*policy)(const struct ui *ui);
	/* The header's words for the time mode. */
	void (*mode)(const struct ui *ui, char *buf, size_t len);
	void (*pause)(struct ui *ui, bool paused);
};

struct ui {
	struct ui_options opt;
	const struct ui_source *src;
	struct scenario *sc;
	char *sc_path;         /* NULL: the built-in scenario */
	int policy;            /* the g key's choice, or -1: the options' */
	struct engine *e;      /* live: the run */
	struct consumer live_c;
	struct replay *rp;     /* replay: the recording */
	struct replay_clock clock;
	int64_t pump_t;        /* replay: when the clock last moved */
	struct consumer *c;    /* the live consumer or the replay's */
	bool running;          /* the source is set up */
	bool recorded;         /* the recording has been made (and closed) */
	bool rec_reported;     /* a failed write has been said */
	int rec_rc;            /* -1: the recording or a new run failed (rec_err) */
	struct gv_error rec_err;
	bool prompting;        /* replay: typing a time to jump to */
	char prompt[32];
	struct evlog *log;
	struct stats_snapshot *snap_old, *snap_mid, *snap_now;
	struct view view;
	uint64_t t_start;      /* the run's start on the events' clock */
	bool paused, ended, help, quit, dirty;
	size_t cursor;         /* paused: log entries up to the view's edge */
	char status[256];
	int64_t status_until;
	struct catalog cat;
	int cat_i;
	long frames;
	int64_t frame_t;       /* when the last frame ended */
	/* Scratch space for drawing, sized for the widest timeline. */
	struct history_span *spans;
	struct history_mark *marks;
	uint64_t (*acc)[TS_COUNT];
	uint8_t *markgrid;
	struct ui_line *lines; /* every timeline line, tasks included */
	int nlines;
	int nsub;              /* of which task sub-rows */
	struct ui_line *shown; /* the lines this frame has room for */
	int acc_cols;
};

size_t ui_default_history_spans(size_t nthreads)
{
	/* 8 threads: 65536 spans each, 1.5 MiB, twenty minutes at fifty
	 * spans a second; more threads share the same budget. */
	return consumer_spans_per_thread(8 * 65536, nthreads);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

GV_PRINTF(2, 3) static void ui_status(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_until = mono_ns() + UI_STATUS_NS;
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
static uint64_t ui_now(const struct ui *ui)
{
	return ui->src->now(ui);
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

/* The lines that fit in room rows. Task sub-rows go first when there is
 * not room for all: a loop shows all its tasks or none (a partial list
 * would read as the whole of it), in order while they fit, so that the
 * thread rows stay as long as possible. Returns how many were chosen. */
static int choose_lines(struct ui *ui, int room)
{
	int base = ui->nlines - ui->nsub;
	int budget = room > base ? room - base : 0;
	int n = 0;
	for (int i = 0; i < ui->nlines; i++) {
		const struct ui_line *ln = &ui->lines[i];
		if (ln->kind == LINE_TASK)
			continue;
		ui->shown[n++] = *ln;
		int k = 0;
		while (i + 1 + k < ui->nlines && ui->lines[i + 1 + k].kind == LINE_TASK)
			k++;
		if (k && k <= budget) {
			memcpy(&ui->shown[n], &ui->lines[i + 1], (size_t)k * sizeof *ui->shown);
			n += k;
			budget -= k;
		}
	}
	return n;
}

/* ---- the live source: the engine ------------------------------- */

/* The first run records and exports if asked to; a restart ends that
 * recording with its end block, and the runs after it are not recorded
 * (a recording holds one run, as a headless one does). */
static int live_open_sinks(struct ui *ui, struct gv_error *err)
{
	const struct ui_options *o = &ui->opt;
	if (ui->recorded)
		return 0;
	if (o->record_path) {
		struct trace_meta m;
		struct record_strings rs;
		record_meta(&m, &rs, ui->sc, ui->e, &o->engine);
		ui->live_c.rec = trace_writer_open(o->record_path, &m, err);
		if (!ui->live_c.rec)
			return -1;
	}
	if (o->export_kind != EXPORT_NONE) {
		ui->live_c.exp = export_open(o->export_kind, o->export_path, ui->sc,
					     (uint64_t)engine_start_time(ui->e), err);
		if (!ui->live_c.exp) {
			trace_writer_abort(ui->live_c.rec);
			ui->live_c.rec = NULL;
			return -1;
		}
	}
	return 0;
}

/* End the recording and the export of the run that stops: every event
 * is drained first, so the file holds the whole run. A failure is kept
 * for ui_run to report once the terminal is back. */
static void live_close_sinks(struct ui *ui)
{
	struct consumer *c = &ui->live_c;
	if (!c->rec && !c->exp)
		return;
	consumer_drain(c, engine_ring(ui->e));
	int64_t elapsed = engine_elapsed(ui->e);
	uint64_t dropped = ring_dropped(engine_ring(ui->e));
	struct gv_error err = { 0 };
	if (c->rec) {
		if (c->failed) {
			trace_writer_abort(c->rec);
			ui->rec_err = c->rec_err;
			ui->rec_rc = -1;
		} else if (trace_writer_close(c->rec, elapsed, c->events, dropped, !ui->ended,
					      &err) != 0) {
			ui->rec_err = err;
			ui->rec_rc = -1;
		}
		c->rec = NULL;
	}
	if (c->exp) {
		if (export_close(c->exp, ui->t_start + (uint64_t)(elapsed > 0 ? elapsed : 0),
				 &err) != 0 && ui->rec_rc == 0) {
			ui->rec_err = err;
			ui->rec_rc = -1;
		}
		c->exp = NULL;
	}
	ui->recorded = true;
}

static void live_stop(struct ui *ui)
{
	engine_stop(ui->e);
	live_close_sinks(ui);
	engine_destroy(ui->e);
	ui->e = NULL;
	consumer_fini(&ui->live_c);
}

/* Start a run of ui->sc with the options and the g key's policy. */
static int live_start(struct ui *ui, struct gv_error *err)
{
	struct engine_options eo = ui->opt.engine;
	if (ui->policy >= 0)
		eo.policy = ui->policy;
	struct engine *e = engine_create(ui->sc, &eo, err);
	if (!e)
		return -1;
	ui->e = e;
	size_t spans = ui->opt.history_spans ? ui->opt.history_spans
			: ui_default_history_spans(ui->sc->nthreads);
	consumer_init(&ui->live_c, ui->sc, spans);
	ui->live_c.hook = on_event;
	ui->live_c.hook_arg = ui;
	ui->c = &ui->live_c;
	engine_start(e);
	ui->t_start = (uint64_t)engine_start_time(e);
	if (live_open_sinks(ui, err) != 0) {
		engine_stop(e);
		engine_destroy(e);
		ui->e = NULL;
		consumer_fini(&ui->live_c);
		return -1;
	}
	return 0;
}

/* A frame drains the ring for at most this long: threads that make
 * events faster than the consumer takes them (a thousand threads) would
 * otherwise keep it draining for ever, and no key, quit signal or frame
 * would ever be seen. What is left waits in the ring, or is dropped. */
#define UI_DRAIN_NS (1000000000LL / UI_FPS / 2)

static void live_pump(struct ui *ui)
{
	int64_t t0 = mono_ns();
	size_t n = 0, k;
	while ((k = consumer_drain_max(ui->c, engine_ring(ui->e), CONSUMER_BATCH)) > 0) {
		n += k;
		if (mono_ns() - t0 >= UI_DRAIN_NS)
			break;
	}
	if (n)
		ui->dirty = true;
	if (!ui->ended && engine_wait(ui->e, 0)) {
		ui->ended = true;
		ui->paused = false;
		ui->dirty = true;
		consumer_drain(ui->c, engine_ring(ui->e));
	}
	if (ui->c->failed && !ui->rec_reported) {
		char msg[600];
		gv_error_format(&ui->c->rec_err, msg, sizeof msg);
		ui_status(ui, "recording stopped: %s", msg);
		ui->rec_reported = true;
	}
}

static uint64_t live_now(const struct ui *ui)
{
	int64_t t = engine_elapsed(ui->e);
	return t > 0 ? (uint64_t)t : 0;
}

static int64_t live_interval(const struct ui *ui)
{
	return engine_interval(ui->e);
}

static double live_slow(const struct ui *ui)
{
	return engine_slow(ui->e);
}

static enum gil_policy live_policy(const struct ui *ui)
{
	return engine_policy(ui->e);
}

static void live_mode(const struct ui *ui, char *buf, size_t len)
{
	double slow = engine_slow(ui->e);
	if (engine_is_virtual(ui->e))
		snprintf(buf, len, "%s, x%g", engine_time_mode(ui->e), engine_speed(ui->e));
	else if (slow != 1.0)
		snprintf(buf, len, "%s time, slow x%g", engine_time_mode(ui->e), slow);
	else
		snprintf(buf, len, "%s time", engine_time_mode(ui->e));
}

static void live_pause(struct ui *ui, bool paused)
{
	if (paused)
		engine_pause(ui->e);
	else
		engine_resume(ui->e);
}

static const struct ui_source live_source = {
	.live = true,
	.start = live_start,
	.stop = live_stop,
	.pump = live_pump,
	.now = live_now,
	.interval = live_interval,
	.slow = live_slow,
	.policy = live_policy,
	.mode = live_mode,
	.pause = live_pause,
};

/* ---- the replay source: a recording ------------------------------ */

/* The recording is opened once, by ui_create; starting a replay only
 * puts its clock at the start. */
static int replay_start(struct ui *ui, struct gv_error *err)
{
	(void)err;
	replay_set_hook(ui->rp, on_event, ui);
	ui->c = &ui->rp->c;
	ui->t_start = replay_t_start(ui->rp);
	replay_clock_init(&ui->clock, replay_length(ui->rp));
	ui->pump_t = mono_ns();
	return 0;
}

static void replay_stop(struct ui *ui)
{
	(void)ui;
}

static void replay_pump(struct ui *ui)
{
	int64_t t = mono_ns();
	if (!ui->paused && !ui->ended) {
		replay_clock_advance(&ui->clock, t - ui->pump_t);
		if (replay_seek(ui->rp, ui->clock.pos))
			ui->dirty = true;
		if (ui->clock.pos >= ui->clock.end) {
			replay_seek(ui->rp, UINT64_MAX);
			ui->ended = true;
			ui->dirty = true;
		}
	}
	ui->pump_t = t;
}

static uint64_t replay_now(const struct ui *ui)
{
	return ui->clock.pos;
}

static int64_t replay_interval(const struct ui *ui)
{
	return ui->rp->t->meta.interval_ns;
}

static double replay_slow(const struct ui *ui)
{
	return ui->rp->t->meta.slow > 0 ? ui->rp->t->meta.slow : 1.0;
}

static enum gil_policy replay_policy(const struct ui *ui)
{
	int p = gil_policy_parse(ui->rp->t->meta.policy);
	return p >= 0 ? (enum gil_policy)p : GIL_NEW;
}

static void replay_mode(const struct ui *ui, char *buf, size_t len)
{
	/* "2026-11-23T09:19:08Z" as "recorded 2026-11-23 09:19Z": the
	 * minute is enough, and the title needs the room. */
	const char *at = ui->rp->t->meta.recorded_at;
	if (at && strlen(at) >= 16)
		snprintf(buf, len, "recorded %.10s %.5sZ", at, at + 11);
	else
		snprintf(buf, len, "recorded %s", at ? at : "at an unknown time");
}

static void replay_pause(struct ui *ui, bool paused)
{
	ui->clock.playing = !paused;
	ui->pump_t = mono_ns();
}

static const struct ui_source replay_source = {
	.live = false,
	.start = replay_start,
	.stop = replay_stop,
	.pump = replay_pump,
	.now = replay_now,
	.interval = replay_interval,
	.slow = replay_slow,
	.policy = replay_policy,
	.mode = replay_mode,
	.pause = replay_pause,
};

/* ---- runs ------------------------------------------------------- */

static void run_stop(struct ui *ui)
{
	if (!ui->running)
		return;
	ui->src->stop(ui);
	stats_snapshot_destroy(ui->snap_old);
	stats_snapshot_destroy(ui->snap_mid);
	stats_snapshot_destroy(ui->snap_now);
	ui->snap_old = ui->snap_mid = ui->snap_now = NULL;
	ui->running = false;
}

/* The rate snapshots start over at the current time: after a start, or
 * a replay's seek that built the figures again. */
static void reset_snapshots(struct ui *ui)
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

/* Start the source's run and the views on it. */
static int run_start(struct ui *ui, struct gv_error *err)
{
	evlog_clear(ui->log);
	ui->paused = ui->ended = false;
	if (ui->src->start(ui, err) != 0)
		return -1;
	ui->running = true;
	reset_snapshots(ui);
	view_init(&ui->view, view_default_col((uint64_t)ui->src->interval(ui) *
					      (uint64_t)ui->src->slow(ui)));
	build_lines(ui);
	ui->acc_cols = 0; /* the scratch rows depend on the thread count */
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
	ui->src = o->replay_path ? &replay_source : &live_source;
	if (o->replay_path) {
		size_t spans = o->history_spans ? o->history_spans : 0;
		ui->rp = replay_open(o->replay_path, spans, err);
		if (ui->rp)
			ui->sc = ui->rp->sc;
	} else {
		ui->sc = load_scenario(ui, o->scenario_path, err);
	}
	if (!ui->sc) {
		free(ui);
		return NULL;
	}
	ui->sc_path = o->scenario_path ? xstrdup(o->scenario_path) : NULL;
	ui->log = evlog_create(UI_EVLOG);
	ui->spans = xmalloc(UI_SPAN_CHUNK * sizeof *ui->spans);
	ui->marks = xmalloc(UI_MAX_MARKS * sizeof *ui->marks);
	catalog_scan(&ui->cat, o->scenario_dirs, o->ndirs);
	ui->cat_i = catalog_find(&ui->cat, ui->sc_path);
	if (run_start(ui, err) != 0) {
		ui_destroy(ui);
		return NULL;
	}
	if (ui->rp && (ui->rp->t->warning || !ui->rp->t->complete))
		ui_status(ui, "warning: %s; replaying the complete blocks",
			  ui->rp->t->warning ? ui->rp->t->warning
					     : "the recording has no end block (cut short)");
	else if (o->record_path)
		ui_status(ui, "recording to %s", o->record_path);
	return ui;
}

void ui_destroy(struct ui *ui)
{
	if (!ui)
		return;
	run_stop(ui);
	if (ui->rp)
		replay_close(ui->rp);
	else
		scenario_free(ui->sc);
	free(ui->sc_path);
	evlog_destroy(ui->log);
	catalog_free(&ui->cat);
	free(ui->spans);
	free(ui->marks);
	free(ui->acc);
	free(ui->markgrid);
	free(ui->lines);
	free(ui->shown);
	free(ui);
}

struct engine *ui_engine(struct ui *ui)
{
	return ui->e;
}

struct consumer *ui_consumer(struct ui *ui)
{
	return ui->c;
}

/* ---------------------------------------------------------------- */
/* Actions                                                           */
/* ---------------------------------------------------------------- */

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
	run_stop(ui);
	if (run_start(ui, &err) != 0) {
		char msg[600];
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
		char msg[600];
		gv_error_format(&err, msg, sizeof msg);
		ui_status(ui, "%s", msg);
		return;
	}
	bool was = ui->c->rec || ui->c->exp;
	run_stop(ui);
	scenario_free(ui->sc);
	free(ui->sc_path);
	ui->sc = sc;
	ui->sc_path = xstrdup(ui->cat.paths[i]);
	ui->cat_i = i;
	ui->policy = -1;
	if (run_start(ui, &err) != 0) {
		char msg[600];
		gv_error_format(&err, msg, sizeof msg);
		ui_status(ui, "%s", msg);
		ui_fail(ui, &err);
		return;
	}
	ui_status(ui, "scenario %d of %zu: %s%s", i + 1, ui->cat.n, sc->title,
		  recording_ended(ui, was));
}

static void set_interval(struct ui *ui, int dir)
{
	int64_t cur = ui->src->interval(ui);
	int64_t ns = dir > 0 ? cur * 2 : cur / 2;
	if (ns > UI_MAX_INTERVAL_NS || ns < UI_MIN_INTERVAL_NS) {
		ui_status(ui, "the switch interval stays within 1 us and 10 s");
		return;
	}
	engine_set_interval(ui->e, ns);
	char d[32];
	describe_duration((uint64_t)ns, d, sizeof d);
	char was[32];
	describe_duration((uint64_t)cur, was, sizeof was);
	ui_status(ui, "switch interval %s (was %s)", d, was);
}

/* The oldest time every thread's kept history still covers. */
static uint64_t oldest_kept(const struct ui *ui)
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
	bool back = replay_seek_rebuilds(ui->rp, t);
	if (back)
		evlog_clear(ui->log);
	replay_clock_seek(&ui->clock, t);
	replay_seek(ui->rp, ui->clock.pos);
	ui->c = &ui->rp->c;
	if (back)
		reset_snapshots(ui);
	ui->ended = ui->clock.pos >= ui->clock.end;
	if (ui->ended) {
		replay_seek(ui->rp, UINT64_MAX);
		ui->paused = false;
	}
	ui->clock.playing = !ui->paused && !ui->ended;
	ui->pump_t = mono_ns();
	if (ui->paused || ui->ended) {
		view_freeze(&ui->view, ui->clock.pos);
		ui->cursor = evlog_count(ui->log);
	} else {
		view_follow(&ui->view);
	}
}

/* A paused replay steps past the events fed so far: feed the next one
 * that the events pane shows. */
static void replay_step_one(struct ui *ui)
{
	uint64_t total = evlog_total(ui->log), t;
	while (evlog_total(ui->log) == total && replay_step(ui->rp, &t))
		;
	if (ui->rp->fed > ui->clock.pos)
		replay_clock_seek(&ui->clock, ui->rp->fed);
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
	replay_goto(ui, (uint64_t)ns);
	char d[32];
	describe_duration(ui->clock.pos, d, sizeof d);
	ui_status(ui, "at %s", d);
}

/* Keys that change the run mean nothing to a recording, and the replay's
 * keys nothing to a live run: say so rather than ignore them. */
static bool key_applies(struct ui *ui, enum ui_action a)
{
	const struct key_binding *b = keys_binding(a);
	if (!b)
		return true;
	if (b->scope == KS_LIVE && !ui->src->live) {
		ui_status(ui, "refused: %s cannot change a recorded run (this is a replay)",
			  b->label);
		return false;
	}
	if (b->scope == KS_REPLAY && ui->src->live) {
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
	case ACT_FASTER: {
		if (!replay_clock_speed_step(&ui->clock, a == ACT_FASTER ? 1 : -1)) {
			ui_status(ui, "replay speed stays within 1/4x and 16x");
			break;
		}
		char sp[16];
		replay_clock_speed_name(&ui->clock, sp, sizeof sp);
		ui_status(ui, "replay speed %sx", sp);
		break;
	}
	case ACT_HOME:
		replay_goto(ui, 0);
		ui_status(ui, "at the start");
		break;
	case ACT_END:
		replay_goto(ui, UINT64_MAX);
		ui_status(ui, "at the end");
		break;
	case ACT_JUMP:
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
		if (ui->ended && ui->rp) {
			replay_goto(ui, 0);
			ui_status(ui, "replaying from the start");
		} else if (ui->ended) {
			ui_status(ui, "the run has ended: r restarts it");
		} else if (ui->paused) {
			ui->src->pause(ui, false);
			ui->paused = false;
			view_follow(&ui->view);
			ui_status(ui, "running");
		} else {
			ui->src->pause(ui, true);
			ui->paused = true;
			view_freeze(&ui->view, now);
			ui->cursor = evlog_count(ui->log);
			ui_status(ui, "paused: left/right scroll, . and , step one event");
		}
		break;
	case ACT_BACK:
	case ACT_FORWARD:
		if (can_look_back(ui)) {
			view_scroll(&ui->view, now, cols, a == ACT_BACK ? -1 : 1, oldest_kept(ui));
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
			if (ui->rp && a == ACT_STEP && ui->cursor >= evlog_count(ui->log))
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
		ui->policy = ((int)ui->src->policy(ui) + 1) % GIL_POLICY_COUNT;
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
	default:
		return ch;
	}
}

static void handle_keys(struct ui *ui)
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
			if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
				jump_to_typed(ui);
			else if (ch == 27)
				ui->prompting = false;
			else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n)
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
		act(ui, keys_action(map_key(ch)), (unsigned)(COLS > 40 ? COLS / 2 : 20));
		if (ui->quit)
			return;
	}
}

/* ---------------------------------------------------------------- */
/* Drawing                                                           */
/* ---------------------------------------------------------------- */

/* Text clipped to the columns left before x_end. */
/* Write s from column x, at most up to x_end. addnstr counts bytes, not
 * cells, and a run of UTF-8 block glyphs is three bytes a cell: cut the
 * string after as many characters as there are cells (every glyph the UI
 * draws is one cell wide), or a long run would lose its last cells. */
static void put(int y, int x, int x_end, int role, const char *s)
{
	if (x >= x_end || y < 0 || y >= LINES)
		return;
	int cells = 0;
	size_t bytes = 0;
	for (; s[bytes]; bytes++) {
		if (((unsigned char)s[bytes] & 0xC0) != 0x80 && cells++ == x_end - x)
			break;
	}
	attrset(crt_attr(role));
	mvaddnstr(y, x, s, (int)bytes);
}

static void fill_row(int y, int role)
{
	attrset(crt_attr(role));
	mvhline(y, 0, ' ', COLS);
}

static enum crt_role state_role(enum thread_state s)
{
	switch (s) {
	case TS_HOLDING:
		return CR_HOLDING;
	case TS_WAITING:
		return CR_WAITING;
	case TS_BLOCKED:
		return CR_BLOCKED;
	case TS_NATIVE:
		return CR_NATIVE;
	case TS_NATIVE_HOLD:
		return CR_NATIVE_HOLD;
	case TS_DONE:
		return CR_DONE;
	default:
		return CR_NORMAL;
	}
}

static void draw_header(struct ui *ui)
{
	struct stats_gil g;
	stats_gil(ui->c->st, 0, ui_now(ui), &g);
	char iv[32], el[72], buf[512];
	double slow = ui->src->slow(ui);
	/* The interval the GIL reported last (slow motion taken out, as it
	 * was set); before its first report, the one it was created with. */
	uint64_t interval = g.interval_ns ? (uint64_t)((double)g.interval_ns / slow)
					  : (uint64_t)ui->src->interval(ui);
	describe_duration(interval, iv, sizeof iv);
	describe_duration(ui_now(ui), el, sizeof el);
	char mode[160];
	ui->src->mode(ui, mode, sizeof mode);
	fill_row(0, CR_HEADER);
	char state[48];
	if (ui->rp) {
		char sp[16];
		replay_clock_speed_name(&ui->clock, sp, sizeof sp);
		char len[32];
		describe_duration(ui->clock.end, len, sizeof len);
		snprintf(el + strlen(el), sizeof el - strlen(el), " of %s", len);
		snprintf(state, sizeof state, " REPLAY %sx%s ", sp,
			 ui->ended ? " END" : ui->paused ? " PAUSED" : "");
	} else {
		snprintf(state, sizeof state, "%s",
			 ui->ended ? " ENDED " : ui->paused ? " PAUSED " : " RUNNING ");
	}
	int sw = (int)strlen(state);
	/* The facts on the right, the title in what is left of the line. */
	if (COLS >= 110)
		snprintf(buf, sizeof buf, "GIL %s | interval %s | %s | %s ",
			 gil_policy_name(ui->src->policy(ui)), iv, el, mode);
	else
		snprintf(buf, sizeof buf, "GIL %s | interval %s | %s ",
			 gil_policy_name(ui->src->policy(ui)), iv, el);
	int fw = (int)strlen(buf), room = COLS - sw - fw - 2;
	put(0, COLS - sw - fw, COLS - sw, CR_HEADER, buf);
	put(0, COLS - sw, COLS, ui->paused || ui->ended || ui->rp ? CR_PAUSED : CR_HEADER, state);
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
static enum thread_state task_as_thread_state(enum task_state s)
{
	switch (s) {
	case TK_RUNNING:
		return TS_HOLDING;
	case TK_READY:
		return TS_WAITING;
	case TK_AWAITING:
		return TS_BLOCKED;
	case TK_DONE:
		return TS_DONE;
	default:
		return TS_NOT_STARTED;
	}
}

/* The spans of a thread's or a task's row, from history or tasks. */
static size_t line_spans(const struct ui *ui, const struct ui_line *ln, uint64_t a,
			 uint64_t b, uint64_t now)
{
	if (ln->kind == LINE_TASK) {
		size_t n = tasks_spans(ui->c->tk, ln->id, ln->task, a, b, now, ui->spans,
				       UI_SPAN_CHUNK);
		for (size_t i = 0; i < n; i++)
			ui->spans[i].state =
				(uint8_t)task_as_thread_state((enum task_state)ui->spans[i].state);
		return n;
	}
	return history_spans(ui->c->h, ln->id, a, b, now, ui->spans, UI_SPAN_CHUNK);
}

/* One thread's or task's row: each column shows the state it spent most
 * of that column's time in, from history's (or tasks') spans. */
static void draw_timeline_row(struct ui *ui, const struct ui_layout *l, int y,
			      const struct ui_line *ln, uint64_t now_rel)
{
	const struct crt_glyphs *gl = crt_glyphs();
	unsigned cols = (unsigned)l->tl_w;
	uint64_t t0 = view_start(&ui->view, now_rel, cols);
	uint64_t col = ui->view.col_ns;
	uint64_t a = ui->t_start + t0, b = a + col * cols, now = ui->t_start + now_rel;
	memset(ui->acc, 0, cols * sizeof *ui->acc);
	uint64_t last_end = 0;
	for (;;) {
		size_t n = line_spans(ui, ln, a, b, now);
		for (size_t i = 0; i < n; i++) {
			const struct history_span *s = &ui->spans[i];
			uint64_t s0 = s->t_start, s1 = s->t_end;
			if (s1 > last_end)
				last_end = s1;
			for (uint64_t c = (s0 - ui->t_start - t0) / col; c < cols; c++) {
				uint64_t c0 = ui->t_start + t0 + c * col, c1 = c0 + col;
				if (c0 >= s1)
					break;
				uint64_t lo = s0 > c0 ? s0 : c0, hi = s1 < c1 ? s1 : c1;
				ui->acc[c][s->state] += hi - lo;
			}
		}
		if (n < UI_SPAN_CHUNK)
			break;
		a = ui->spans[n - 1].t_end;
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
		enum thread_state best = TS_NOT_STARTED;
		uint64_t most = 0;
		for (int s = TS_HOLDING; s < TS_COUNT; s++) {
			if (ui->acc[c][s] > most) {
				most = ui->acc[c][s];
				best = (enum thread_state)s;
			}
		}
		uint64_t c0 = ui->t_start + t0 + c * col;
		if (best == TS_NOT_STARTED && done && c0 >= last_end && c0 < now)
			best = TS_DONE;
		const char *g;
		int role;
		if (marks && marks[c] == UI_MARK_FORCED) {
			g = gl->forced_drop;
			role = CR_MARK;
		} else if (marks && marks[c] == UI_MARK_REQUEST) {
			g = gl->drop_request;
			role = CR_MARK;
		} else {
			g = gl->state[best];
			role = (int)state_role(best);
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
		describe_duration((uint64_t)((double)m->arg / ui->src->slow(ui)), d, sizeof d);
		snprintf(lab, sizeof lab, "%s%s", gl->interval, d);
		put(l->axis_y, l->tl_x + c, l->tl_x + l->tl_w, CR_MARK, lab);
		/* The glyph may be several bytes but is one cell. */
		int cells = 1 + (int)strlen(d);
		for (int k = c; k < c + cells && k < l->tl_w; k++)
			busy[k] = true;
	}
}

struct legend_item {
	int kind; /* a thread_state, or -1 drop request, -2 forced, -3 interval */
	const char *words;
};

static const struct legend_item legend[] = {
	{ TS_HOLDING, "holds the GIL" },
	{ TS_WAITING, "waits for it" },
	{ TS_BLOCKED, "blocked (I/O, sleep)" },
	{ TS_NATIVE, "C code, GIL released" },
	{ TS_NATIVE_HOLD, "C code holding the GIL" },
	{ TS_DONE, "finished" },
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
	double slow = ui->src->slow(ui);
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
	return b->scope == KS_ANY || (b->scope == KS_LIVE) == ui->src->live;
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
	if (ui->status[0] && mono_ns() < ui->status_until) {
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

static void draw(struct ui *ui)
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
	int nshown = choose_lines(ui, l.thread_lines);
	if (nshown < l.thread_lines)
		view_layout(&l, LINES, COLS, nshown, (int)ui->sc->nprocs, note, longest_name(ui),
			    legend_lines(COLS));
	erase();
	uint64_t now_rel = ui_now(ui);
	ensure_scratch(ui, l.tl_w);
	struct stats_gil g0;
	stats_gil(ui->c->st, 0, now_rel, &g0);
	uint64_t interval = g0.interval_ns ? g0.interval_ns
			    : (uint64_t)((double)ui->src->interval(ui) * ui->src->slow(ui));
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
	draw_legend(&l);
	draw_gils(ui, &l, now_rel);
	draw_events(ui, &l);
	draw_status(ui, &l);
	if (ui->help)
		draw_help(ui);
	wnoutrefresh(stdscr);
	doupdate();
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
	ui->src->pump(ui);
	handle_keys(ui);
	if (crt_quit_signal())
		ui->quit = true;
	if (ui->quit)
		return false;
	take_snapshots(ui);
	bool moving = !ui->ended && !ui->paused;
	if (moving || ui->dirty || (ui->status[0] && mono_ns() < ui->status_until + 100000000))
		draw(ui);
	ui->dirty = false;
	ui->frames++;
	ui->frame_t = mono_ns();
	if (ui->opt.frames > 0 && ui->frames >= ui->opt.frames)
		return false;
	return true;
}

void ui_wait(struct ui *ui)
{
	int64_t left = 1000000000LL / UI_FPS - (mono_ns() - ui->frame_t);
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
	while (ui_frame(ui))
		ui_wait(ui);
	crt_done();
	/* Stopping the run closes its recording; a failure is said now that
	 * the terminal is back. */
	run_stop(ui);
	int rc = ui->rec_rc;
	if (rc)
		*err = ui->rec_err;
	ui_destroy(ui);
	return rc;
}
