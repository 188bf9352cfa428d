/*
 * watch.h -- one run watched from start to end: the one place that opens
 * a source, drains its events and drives its time.
 *
 * A watch owns its source (a live engine, in real or virtual time, or a
 * recording played back), the consumer that takes every event into the
 * model (stats, history, tasks and, through the hook, a view's event
 * log), and the sinks the events also go to (a recording, an export).
 * The terminal UI, the headless report, sweeps and the tests all go
 * through it: none of them opens an engine or a recording, or drains a
 * ring, itself. Controls reach the run only through it: pause, the
 * switch interval, speed, seek, step.
 *
 * Two ways to drive it: watch_run, headless, to the end; or watch_pump
 * once a frame, which takes what has happened since the last pump (live)
 * or moves the replay's clock on by the wall time since (a recording).
 *
 * Times named "now" or "pos" are ns since the run started; t_start is
 * the start on the events' own clock.
 *
 * Room to grow, without changing the views: a live speed and a switch
 * between real and virtual time are more controls here (speed_step
 * already names the speed of any source); a comparison of policies is
 * several watches of one scenario stepped on one time axis, each with
 * its own model. watch_seek gets there by the recording's checkpoints
 * where it has them (replay.h), which is how, not what, it promises.
 */
#ifndef GILVIZ_WATCH_H
#define GILVIZ_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consumer.h"
#include "engine.h"
#include "export.h"
#include "scenario.h"
#include "util.h"

/* How often a headless watch drains the ring while the run goes on: in
 * virtual time, a slice of the run's clock, so every run of one seed is
 * drained at the same times; in real time, as seldom as the ring allows
 * (its 1 Mi events last a second even at a million events a second), and
 * within TRACE_FLUSH_NS. A thread that wakes every 2 ms beside the run
 * lowered the 8-thread bench scenario's switches/s by several percent
 * against nobody reading the run (bench_ui's windows); waking at 30 Hz,
 * it did not. */
#define WATCH_DRAIN_NS 2000000
#define WATCH_DRAIN_REAL_NS 50000000

/* The warnings a watch can have: a recording cut short, a damaged block,
 * events of threads the recorded scenario lacks, a damaged checkpoint. */
#define WATCH_MAX_WARNINGS 4

struct watch_options {
	/* The source: the recording at replay_path if set, else a live run
	 * of sc (not owned: it must outlive the watch) with engine. */
	const char *replay_path;
	const struct scenario *sc;
	struct engine_options engine;
	size_t spans_per_thread;      /* 0: the consumer's default share */
	/* A live run read only for its figures (consumer's figures_only):
	 * no spans, marks or tasks. Ignored with a recording or an export. */
	bool figures_only;
	/* Sinks besides the model: a recording (live runs only) and an
	 * export of the spans. */
	const char *record_path;
	enum export_kind export_kind; /* EXPORT_NONE: none */
	const char *export_path;
	/* Called after every event reaches the model (consumer_hook). */
	consumer_hook hook;
	void *hook_arg;
	/* Told once, as soon as it happens, that the recording failed (a
	 * full disk): the recording stops, the run goes on to its end. */
	void (*recording_failed)(void *arg, const struct gv_error *err);
	void *recording_failed_arg;
};

struct watch;

/* What the command line chose of a run's clock; what it left open is the
 * scenario's ('time', 'speed'). */
#define WATCH_CHOSE_TIME 1u  /* --real or --virtual */
#define WATCH_CHOSE_SPEED 2u /* --speed */

/* The engine options of a run of sc: o as the command line gave them,
 * with the scenario's clock where chose leaves it open. watched: on a
 * screen, where virtual time is paced (at the scenario's speed, else 1);
 * headless it runs as fast as it can unless --speed said otherwise. */
struct engine_options watch_engine_options(const struct scenario *sc,
					   const struct engine_options *o, unsigned chose,
					   bool watched);

/* Does a run of sc with opt never end by itself (a thread runs forever
 * and no duration is set)? Then err says so, naming what to give a
 * duration to ("run", "sweep"). */
bool watch_runs_forever(const struct scenario *sc, const struct engine_options *opt,
			const char *what, struct gv_error *err);

/* Open the source and the sinks and start the run (a recording: its
 * clock at 0, nothing fed yet). NULL and err if any of them fails. */
struct watch *watch_open(const struct watch_options *o, struct gv_error *err);
/* Stop the run if it still goes, close the sinks (see watch_finish for
 * their errors), free everything. */
void watch_close(struct watch *w);
/* End the run: stop it if it has not ended (it is then interrupted),
 * take every event left, close the recording and the export. The model
 * stays readable. Returns 0, or -1 with err if a sink failed at any
 * point. It acts once; later calls return what it returned. A live run
 * that watch_pump sees end is finished there and then. */
int watch_finish(struct watch *w, struct gv_error *err);

/* Headless: take events until the run ends, or *stop (if given) becomes
 * non-zero (then stop it: interrupted). A recording is fed to its end. */
void watch_run(struct watch *w, volatile sig_atomic_t *stop);
/* One frame's worth: live, take the events waiting, for at most
 * budget_ns of wall time, and notice the end; a recording, move the
 * clock on by the wall time since the last pump (unless paused) and feed
 * the events up to it. Returns how many events were taken. */
size_t watch_pump(struct watch *w, int64_t budget_ns);

bool watch_ended(const struct watch *w);
bool watch_paused(const struct watch *w);
/* Stopped before its end (watch_finish, or a signal); a recording: the
 * recorded run was. */
bool watch_interrupted(const struct watch *w);
/* Ended because every live thread waited on a queue no one serves. */
bool watch_deadlocked(const struct watch *w);

/* ---- control ---- */

/* Pause or resume: no time passes for the run while paused. */
void watch_pause(struct watch *w, bool paused);
/* Every GIL's switch interval, before slow motion: a live run only.
 * -1 if the run cannot change it or ns is out of range. */
int watch_set_interval(struct watch *w, int64_t ns);
/* Faster (dir > 0) or slower by one step: a replay's clock, or a live
 * virtual run's pace (1/1000 to 100, round figures); false at the limit,
 * after the end, or in real time, which has no speed to change. */
bool watch_speed_step(struct watch *w, int dir);
/* The speed in words: "1/4", "1", "16", "1/20"; real time is "1". */
void watch_speed_name(const struct watch *w, char *buf, size_t len);
/* Would seeking to pos take the model back to the start and feed the
 * events again (the counters only grow)? */
bool watch_seek_rebuilds(const struct watch *w, uint64_t pos);
/* Put a recording at pos (clamped to its length; the end ends it),
 * feeding or rebuilding the model to match, keeping pause as it was.
 * Returns the new position; a live run cannot seek (returns now). */
uint64_t watch_seek(struct watch *w, uint64_t pos);
/* Feed the next event of a recording alone, moving its clock to it.
 * false if none is left or the source is live. */
bool watch_step(struct watch *w);

/* ---- what the run is ---- */

bool watch_live(const struct watch *w);
const struct scenario *watch_scenario(const struct watch *w);
/* The model: stats, history, tasks, and the count of events taken. */
struct consumer *watch_consumer(struct watch *w);
/* Where the run stands as far as the model knows it: live, its clock
 * (frozen at the end), or, while the consumer is behind, the time up to
 * which every event has been taken (a picture drawn to it is whole); a
 * recording, its player's clock. */
uint64_t watch_now(const struct watch *w);
/* Live: how far the run's clock is ahead of watch_now (0: not behind). */
int64_t watch_behind(const struct watch *w);
/* The run's length: live, start to end (or to now); a recording, the
 * recorded run's. */
int64_t watch_elapsed(const struct watch *w);
uint64_t watch_t_start(const struct watch *w);
/* Events the ring could not take. */
uint64_t watch_dropped(const struct watch *w);
/* The switch interval the run started with or was last set to, before
 * slow motion; slow motion; the policy. */
int64_t watch_interval(const struct watch *w);
double watch_slow(const struct watch *w);
enum gil_policy watch_policy(const struct watch *w);
/* "real" or "virtual (seed S, N cores)". */
const char *watch_time_mode(const struct watch *w);
/* A live virtual run's cores; 0 in real time and for a recording. */
unsigned watch_cores(const struct watch *w);
/* The clock in a header's words: "real time", "real time, slow x4",
 * "virtual (seed 0, 2 cores), 1/20x speed", "recorded 2026-11-23 09:19Z". */
void watch_clock_words(const struct watch *w, char *buf, size_t len);
/* The clock and its speed in a few words, for a narrow header: "real
 * time", "virtual 1/20x", "replay 2x". */
void watch_clock_brief(const struct watch *w, char *buf, size_t len);
/* A recording: "replay of a recording made WHEN by gilviz V (KERNEL, N
 * cores)"; NULL live. */
const char *watch_replay_of(const struct watch *w);
/* The temporary file a live run's recording is written to until the run
 * ends (FILE.part); NULL if there is none (no recording, a pipe). */
const char *watch_recording_tmp(const struct watch *w);
/* The i-th warning (a recording cut short, a damaged block), NULL past
 * the last. Library code prints nothing: the caller says them. */
const char *watch_warning(const struct watch *w, size_t i);
/* A sink that failed while the run goes on (the recording stops there),
 * or NULL. */
const struct gv_error *watch_sink_error(const struct watch *w);
/* A live run's engine (NULL for a recording): for benchmarks. */
struct engine *watch_engine(struct watch *w);

#endif
