/*
 * watch.c -- one run, from its source to its figures.
 *
 * A source is one of two kinds, behind the same calls:
 *
 *   live    an engine (real or virtual time) writing events into its
 *           ring; the watch drains the ring into the consumer, and the
 *           consumer writes the recording and the export as it goes.
 *   replay  a recording (replay.c) fed into its own consumer up to the
 *           replay clock's time; seeking back starts the model over.
 *
 * Everything else a view needs -- how far the run has got, its interval,
 * policy and time mode, pause -- is asked of the watch, which asks its
 * source. A second engine, or a checkpointed recording, is another
 * source behind the same calls: the views do not change.
 *
 * The sinks are opened with the run and closed by watch_finish after the
 * last event has been taken, so a recording holds the whole run, and a
 * failure is returned, never printed: library code says nothing.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "replay.h"
#include "watch.h"

struct watch {
	struct watch_options opt;
	const struct scenario *sc;
	struct consumer *c;       /* live_c, or the replay's */
	/* live */
	struct engine *e;
	struct consumer live_c;
	/* replay */
	struct replay *rp;
	struct replay_clock clock;
	int64_t pump_t;           /* when the replay clock last moved */
	char *replay_of;
	char *warnings[WATCH_MAX_WARNINGS];
	bool ckpt_told;        /* a checkpoint that did not load was warned of */
	size_t nwarnings;
	/* the run */
	bool paused, ended, interrupted, finished;
	bool failure_told;        /* recording_failed has been called */
	/* live: the model holds every event up to seen_ns (since the start);
	 * the run's own clock may be ahead when the consumer is behind. */
	int64_t seen_ns;
	bool strays_told;
	int sink_rc;              /* -1: a sink failed (sink_err) */
	struct gv_error sink_err;
};

bool watch_runs_forever(const struct scenario *sc, const struct engine_options *opt,
			const char *what, struct gv_error *err)
{
	if (opt->duration_ns || sc->duration_ns)
		return false;
	for (size_t i = 0; i < sc->nthreads; i++) {
		if (scenario_thread_contains(&sc->threads[i], OP_FOREVER)) {
			gv_error_set(err, sc->file, 0, 0,
				     "thread '%s' runs forever: give the %s a duration "
				     "(--duration=10s, or 'duration 10s' in the scenario)",
				     sc->threads[i].name, what);
			return true;
		}
	}
	return false;
}

struct engine_options watch_engine_options(const struct scenario *sc,
					   const struct engine_options *o, unsigned chose,
					   bool watched)
{
	struct engine_options e = *o;
	if (!(chose & WATCH_CHOSE_TIME) && sc->time != SC_TIME_UNSET)
		e.virtual_time = sc->time == SC_TIME_VIRTUAL;
	if (!(chose & WATCH_CHOSE_SPEED) && watched)
		e.speed = sc->speed > 0 ? sc->speed : 1.0;
	/* Unpaced, a watched run would be over before its first frame. */
	if (watched && e.speed <= 0)
		e.speed = 1.0;
	return e;
}

static void add_warning(struct watch *w, const char *msg)
{
	if (msg && w->nwarnings < WATCH_MAX_WARNINGS)
		w->warnings[w->nwarnings++] = xstrdup(msg);
}

/* ---- live: an engine -------------------------------------------- */

static int open_live(struct watch *w, struct gv_error *err)
{
	const struct watch_options *o = &w->opt;
	w->sc = o->sc;
	w->e = engine_create(o->sc, &o->engine, err);
	if (!w->e)
		return -1;
	consumer_init(&w->live_c, o->sc, o->spans_per_thread);
	w->live_c.hook = o->hook;
	w->live_c.hook_arg = o->hook_arg;
	w->live_c.figures_only = o->figures_only && !o->record_path &&
				 o->export_kind == EXPORT_NONE;
	w->c = &w->live_c;
	engine_start(w->e);
	if (o->record_path) {
		struct trace_meta m;
		struct record_strings rs;
		record_meta(&m, &rs, o->sc, w->e, &o->engine);
		w->live_c.rec = trace_writer_open(o->record_path, &m, err);
		if (!w->live_c.rec)
			return -1;
	}
	if (o->export_kind != EXPORT_NONE) {
		w->live_c.exp = export_open(o->export_kind, o->export_path, o->sc,
					    (uint64_t)engine_start_time(w->e), err);
		if (!w->live_c.exp)
			return -1;
	}
	return 0;
}

/* ---- replay: a recording ---------------------------------------- */

static int open_replay(struct watch *w, struct gv_error *err)
{
	const struct watch_options *o = &w->opt;
	w->rp = replay_open(o->replay_path, o->spans_per_thread, err);
	if (!w->rp)
		return -1;
	replay_set_hook(w->rp, o->hook, o->hook_arg);
	w->sc = w->rp->sc;
	w->c = &w->rp->c;
	const struct trace_meta *tm = &w->rp->t->meta;
	w->replay_of = xasprintf("replay of a recording made %s by gilviz %s (%s, %u cores)",
				 tm->recorded_at ? tm->recorded_at : "at an unknown time",
				 tm->version ? tm->version : "?",
				 tm->kernel ? tm->kernel : "unknown kernel", tm->cores);
	add_warning(w, w->rp->t->warning);
	replay_clock_init(&w->clock, replay_length(w->rp));
	w->pump_t = gv_mono_ns();
	if (o->export_kind != EXPORT_NONE) {
		w->c->exp = export_open(o->export_kind, o->export_path, w->sc, tm->t_start, err);
		if (!w->c->exp)
			return -1;
	}
	return 0;
}

/* The recording read to its end: a block found damaged on the way is a
 * warning (the blocks before it stand). */
static void tell_ckpt_warning(struct watch *w)
{
	if (w->rp->ckpt_warning && !w->ckpt_told) {
		add_warning(w, w->rp->ckpt_warning);
		w->ckpt_told = true;
	}
}

static void replay_to_end(struct watch *w)
{
	replay_seek(w->rp, UINT64_MAX);
	tell_ckpt_warning(w);
	w->ended = true;
	if (w->rp->warning && (w->nwarnings == 0 || strcmp(w->warnings[w->nwarnings - 1],
							     w->rp->warning)))
		add_warning(w, w->rp->warning);
	if (w->c->strays && !w->strays_told) {
		char *msg = xasprintf("%s: %" PRIu64 " event%s of threads its scenario does not "
				      "have (%zu thread%s) left out", w->opt.replay_path,
				      w->c->strays, w->c->strays == 1 ? "" : "s",
				      w->sc->nthreads, w->sc->nthreads == 1 ? "" : "s");
		add_warning(w, msg);
		free(msg);
		w->strays_told = true;
	}
}

/* A failed write stops the recording (the consumer writes no more); the
 * caller hears of it at once, and the run goes on. */
static void tell_recording_failure(struct watch *w)
{
	if (w->c->failed && !w->failure_told) {
		w->failure_told = true;
		if (w->opt.recording_failed)
			w->opt.recording_failed(w->opt.recording_failed_arg, &w->c->rec_err);
	}
}

/* ---- the watch -------------------------------------------------- */

struct watch *watch_open(const struct watch_options *o, struct gv_error *err)
{
	struct watch *w = xcalloc(1, sizeof *w);
	w->opt = *o;
	int rc = o->replay_path ? open_replay(w, err) : open_live(w, err);
	if (rc != 0) {
		/* The export is opened last, so only a recording can be open:
		 * abandon it (no file is left behind) and stop the run. */
		if (w->c) {
			trace_writer_abort(w->c->rec);
			w->c->rec = NULL;
		}
		watch_close(w);
		return NULL;
	}
	return w;
}

static void sink_failed(struct watch *w, const struct gv_error *err)
{
	if (w->sink_rc == 0) {
		w->sink_err = *err;
		w->sink_rc = -1;
	}
}

int watch_finish(struct watch *w, struct gv_error *err)
{
	if (w->finished || !w->c) {
		if (w->sink_rc && err)
			*err = w->sink_err;
		return w->sink_rc;
	}
	w->finished = true;
	if (w->e) {
		if (!w->ended) {
			engine_stop(w->e);
			w->interrupted = true;
			/* Virtual time's threads wind down as engine_wait
			 * runs them, the ring read meanwhile. */
			watch_run(w, NULL);
		}
		consumer_drain(w->c, engine_ring(w->e));
	}
	struct consumer *c = w->c;
	int64_t elapsed = watch_elapsed(w);
	uint64_t end = watch_t_start(w) + (uint64_t)(elapsed > 0 ? elapsed : 0);
	struct gv_error e2 = { 0 };
	if (c->rec) {
		if (c->failed) {
			trace_writer_abort(c->rec);
			if (w->failure_told && w->opt.recording_failed) {
				/* The caller has said why already. */
				gv_error_set(&e2, w->opt.record_path, 0, 0,
					     "not recorded (a write failed; see above)");
				sink_failed(w, &e2);
			} else {
				sink_failed(w, &c->rec_err);
			}
		} else if (trace_writer_close(c->rec, elapsed, c->events, watch_dropped(w),
					      (w->interrupted ? TRACE_END_INTERRUPTED : 0) |
					      (watch_deadlocked(w) ? TRACE_END_DEADLOCKED : 0),
					      &e2) != 0) {
			sink_failed(w, &e2);
		}
		c->rec = NULL;
	}
	if (c->exp) {
		if (export_close(c->exp, end, &e2) != 0)
			sink_failed(w, &e2);
		c->exp = NULL;
	}
	if (w->sink_rc && err)
		*err = w->sink_err;
	return w->sink_rc;
}

void watch_close(struct watch *w)
{
	if (!w)
		return;
	watch_finish(w, NULL);
	if (w->e) {
		engine_destroy(w->e);
		consumer_fini(&w->live_c);
	}
	replay_close(w->rp);
	free(w->replay_of);
	for (size_t i = 0; i < w->nwarnings; i++)
		free(w->warnings[i]);
	free(w);
}

void watch_run(struct watch *w, volatile sig_atomic_t *stop)
{
	if (w->rp) {
		replay_to_end(w);
		return;
	}
	if (w->ended)
		return;
	int64_t every = w->opt.engine.virtual_time ? WATCH_DRAIN_NS : WATCH_DRAIN_REAL_NS;
	while (!engine_wait(w->e, every)) {
		consumer_drain(w->c, engine_ring(w->e));
		tell_recording_failure(w);
		/* Stopped, the loop goes on while virtual time's threads
		 * wind down (engine_stop). */
		if (stop && *stop && !w->interrupted) {
			engine_stop(w->e);
			w->interrupted = true;
		}
	}
	w->ended = true;
	consumer_drain(w->c, engine_ring(w->e));
	tell_recording_failure(w);
}

/* A live run: take its events (until t0 + budget_ns) and let it go on. */
static size_t pump_once(struct watch *w, int64_t t0, int64_t budget_ns)
{
	int64_t before = engine_now(w->e);
	size_t n = 0, k;
	bool emptied = false;
	while ((k = consumer_drain_max(w->c, engine_ring(w->e), CONSUMER_BATCH)) > 0) {
		n += k;
		if (k < CONSUMER_BATCH) {
			emptied = true;
			break;
		}
		if (gv_mono_ns() - t0 >= budget_ns)
			break;
	}
	/* Emptied, the ring held every event stamped before the drain began;
	 * else the model is whole up to its latest event, the lanes being
	 * merged by time (ring_pop). */
	if (emptied || k == 0) {
		w->seen_ns = before;
	} else {
		uint64_t end = w->c->figures_only ? stats_end_time(w->c->st)
						  : history_end_time(w->c->h);
		uint64_t start = watch_t_start(w);
		int64_t seen = end > start ? (int64_t)(end - start) : 0;
		if (seen > w->seen_ns)
			w->seen_ns = seen;
	}
	if (!w->ended && engine_wait(w->e, 0)) {
		w->ended = true;
		w->paused = false;
		n += consumer_drain(w->c, engine_ring(w->e)) + 1;
		/* The run is over: its recording is closed now, whole, not
		 * when the view quits (a view killed after that would leave
		 * a recording that reads as cut short). */
		watch_finish(w, NULL);
	}
	return n;
}

size_t watch_pump(struct watch *w, int64_t budget_ns)
{
	if (w->rp) {
		int64_t t = gv_mono_ns();
		size_t n = 0;
		if (!w->paused && !w->ended) {
			replay_clock_advance(&w->clock, t - w->pump_t);
			n = (size_t)replay_play(w->rp, w->clock.pos);
			if (w->clock.pos >= w->clock.end) {
				replay_to_end(w);
				n++;
			}
		}
		w->pump_t = t;
		return n;
	}
	if (w->finished)
		return 0;
	int64_t t0 = gv_mono_ns();
	size_t n = 0;
	do
		n += pump_once(w, t0, budget_ns);
	/* Virtual time stops for its reader when the ring is half full:
	 * read on, and let it go on, while the frame's budget lasts. */
	while (!w->ended && engine_is_virtual(w->e) && ring_half_full(engine_ring(w->e)) &&
	       gv_mono_ns() - t0 < budget_ns);
	tell_recording_failure(w);
	return n;
}

bool watch_ended(const struct watch *w)
{
	return w->ended;
}

bool watch_paused(const struct watch *w)
{
	return w->paused;
}

bool watch_interrupted(const struct watch *w)
{
	return w->rp ? w->rp->t->interrupted : w->interrupted;
}

bool watch_deadlocked(const struct watch *w)
{
	return w->rp ? w->rp->t->deadlocked : engine_deadlocked(w->e);
}

/* ---- control ---------------------------------------------------- */

void watch_pause(struct watch *w, bool paused)
{
	if (w->ended)
		return;
	w->paused = paused;
	if (w->rp) {
		w->clock.playing = !paused;
		w->pump_t = gv_mono_ns();
	} else if (paused) {
		engine_pause(w->e);
		/* The picture at the pause is the whole run so far: what is in
		 * the ring is taken now. */
		int64_t before = engine_now(w->e);
		consumer_drain(w->c, engine_ring(w->e));
		if (before > w->seen_ns)
			w->seen_ns = before;
	} else {
		engine_resume(w->e);
	}
}

int watch_set_interval(struct watch *w, int64_t ns)
{
	return w->e ? engine_set_interval(w->e, ns) : -1;
}

/* The paces [ and ] step through in a live virtual run: round figures,
 * so that the header reads 1/20 or 5, not 0.0625. */
static const double live_speeds[] = {
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100,
};

bool watch_speed_step(struct watch *w, int dir)
{
	if (w->rp)
		return replay_clock_speed_step(&w->clock, dir);
	if (!engine_is_virtual(w->e) || w->ended)
		return false;
	/* The next round pace past the current one (a scenario's speed
	 * need not be one of them). */
	double cur = engine_speed(w->e), next = 0;
	size_t n = GV_ARRAY_LEN(live_speeds);
	for (size_t i = 0; i < n; i++) {
		double s = live_speeds[dir > 0 ? i : n - 1 - i];
		if (dir > 0 ? s > cur * 1.001 : s < cur * 0.999) {
			next = s;
			break;
		}
	}
	return next > 0 && engine_set_speed(w->e, next) == 0;
}

void watch_speed_name(const struct watch *w, char *buf, size_t len)
{
	if (w->rp)
		replay_clock_speed_name(&w->clock, buf, len);
	else if (engine_is_virtual(w->e))
		gv_speed_name(engine_speed(w->e), buf, len);
	else
		snprintf(buf, len, "1");
}

bool watch_seek_rebuilds(const struct watch *w, uint64_t pos)
{
	return w->rp ? replay_seek_rebuilds(w->rp, pos) : false;
}

uint64_t watch_seek(struct watch *w, uint64_t pos)
{
	if (!w->rp)
		return watch_now(w);
	replay_clock_seek(&w->clock, pos);
	replay_seek(w->rp, w->clock.pos);
	tell_ckpt_warning(w);
	w->ended = w->clock.pos >= w->clock.end;
	if (w->ended) {
		replay_to_end(w);
		w->paused = false;
	}
	w->clock.playing = !w->paused && !w->ended;
	w->pump_t = gv_mono_ns();
	return w->clock.pos;
}

bool watch_step(struct watch *w)
{
	uint64_t t;
	if (!w->rp || !replay_step(w->rp, &t))
		return false;
	if (w->rp->fed > w->clock.pos)
		replay_clock_seek(&w->clock, w->rp->fed);
	return true;
}

/* ---- what the run is -------------------------------------------- */

bool watch_live(const struct watch *w)
{
	return w->rp == NULL;
}

const struct scenario *watch_scenario(const struct watch *w)
{
	return w->sc;
}

struct consumer *watch_consumer(struct watch *w)
{
	return w->c;
}

uint64_t watch_now(const struct watch *w)
{
	if (w->rp)
		return w->clock.pos;
	int64_t t = engine_elapsed(w->e);
	if (!w->ended && t > w->seen_ns)
		t = w->seen_ns;
	return t > 0 ? (uint64_t)t : 0;
}

int64_t watch_behind(const struct watch *w)
{
	if (w->rp || w->ended)
		return 0;
	int64_t t = engine_elapsed(w->e) - w->seen_ns;
	return t > 0 ? t : 0;
}

int64_t watch_elapsed(const struct watch *w)
{
	return w->rp ? w->rp->t->elapsed_ns : engine_elapsed(w->e);
}

uint64_t watch_t_start(const struct watch *w)
{
	return w->rp ? replay_t_start(w->rp) : (uint64_t)engine_start_time(w->e);
}

uint64_t watch_dropped(const struct watch *w)
{
	return w->rp ? w->rp->t->dropped : ring_dropped(engine_ring(w->e));
}

int64_t watch_interval(const struct watch *w)
{
	return w->rp ? w->rp->t->meta.interval_ns : engine_interval(w->e);
}

double watch_slow(const struct watch *w)
{
	if (w->rp)
		return w->rp->t->meta.slow > 0 ? w->rp->t->meta.slow : 1.0;
	return engine_slow(w->e);
}

enum gil_policy watch_policy(const struct watch *w)
{
	if (!w->rp)
		return engine_policy(w->e);
	int p = gil_policy_parse(w->rp->t->meta.policy);
	return p >= 0 ? (enum gil_policy)p : GIL_NEW;
}

const char *watch_time_mode(const struct watch *w)
{
	return w->rp ? w->rp->t->meta.time_mode : engine_time_mode(w->e);
}

unsigned watch_cores(const struct watch *w)
{
	return w->rp ? 0 : engine_cores(w->e);
}

void watch_clock_words(const struct watch *w, char *buf, size_t len)
{
	if (w->rp) {
		/* "2026-11-23T09:19:08Z" as "recorded 2026-11-23 09:19Z": the
		 * minute is enough, and a header needs the room. */
		const char *at = w->rp->t->meta.recorded_at;
		if (at && strlen(at) >= 16)
			snprintf(buf, len, "recorded %.10s %.5sZ", at, at + 11);
		else
			snprintf(buf, len, "recorded %s", at ? at : "at an unknown time");
		return;
	}
	double slow = engine_slow(w->e);
	char sp[16];
	watch_speed_name(w, sp, sizeof sp);
	if (engine_is_virtual(w->e))
		snprintf(buf, len, "%s, %sx speed", engine_time_mode(w->e), sp);
	else if (slow != 1.0)
		snprintf(buf, len, "%s time, slow x%g", engine_time_mode(w->e), slow);
	else
		snprintf(buf, len, "%s time", engine_time_mode(w->e));
}

void watch_clock_brief(const struct watch *w, char *buf, size_t len)
{
	char sp[16];
	watch_speed_name(w, sp, sizeof sp);
	if (w->rp)
		snprintf(buf, len, "replay %sx", sp);
	else if (engine_is_virtual(w->e))
		snprintf(buf, len, "virtual %sx", sp);
	else if (engine_slow(w->e) != 1.0)
		snprintf(buf, len, "real, slow x%g", engine_slow(w->e));
	else
		snprintf(buf, len, "real time");
}

const char *watch_replay_of(const struct watch *w)
{
	return w->replay_of;
}

const char *watch_recording_tmp(const struct watch *w)
{
	return w->c && w->c->rec ? trace_writer_tmp(w->c->rec) : NULL;
}

const char *watch_warning(const struct watch *w, size_t i)
{
	return i < w->nwarnings ? w->warnings[i] : NULL;
}

const struct gv_error *watch_sink_error(const struct watch *w)
{
	if (w->sink_rc)
		return &w->sink_err;
	return w->c && w->c->failed ? &w->c->rec_err : NULL;
}

struct engine *watch_engine(struct watch *w)
{
	return w->e;
}
