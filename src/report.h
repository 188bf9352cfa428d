/*
 * report.h -- the headless report: a run's figures as text or JSON, and
 * the ASCII timeline a class could paste into a handout. The figures come
 * from stats and history; nothing is computed here that they own.
 */
#ifndef GILVIZ_REPORT_H
#define GILVIZ_REPORT_H

#include <signal.h>
#include <stdio.h>

#include "engine.h"
#include "export.h"
#include "history.h"
#include "scenario.h"
#include "stats.h"
#include "tasks.h"

enum report_format { REPORT_TEXT, REPORT_JSON };

/* What the report says about the run besides the per-thread and per-GIL
 * figures. */
struct report_meta {
	const struct scenario *sc;
	enum gil_policy policy;
	double slow;
	const char *time_mode; /* "real" or "virtual (seed S, N cores)" */
	uint64_t t_start;      /* when the run started, on the events' clock */
	int64_t elapsed_ns;    /* from t_start to the end of the run */
	uint64_t events;       /* events the consumer received */
	uint64_t dropped;      /* events the ring could not take */
	bool interrupted;      /* stopped early by a signal */
	bool deadlocked;       /* ended: every live thread waited on a queue */
	const char *replay_of; /* a replay: when and where it was recorded */
	const struct tasks *tk; /* the asyncio tasks' figures, or NULL */
};

/* Where else the events go besides the report. */
struct report_sinks {
	const char *record_path;     /* a recording (trace.h), or NULL */
	enum export_kind export_kind;
	const char *export_path;
	/* Told at once if the recording fails while the run goes on (the
	 * watch's recording_failed); may be NULL. */
	void (*recording_failed)(void *arg, const struct gv_error *err);
	void *recording_failed_arg;
};

#define REPORT_TIMELINE_WIDTH 64

/* Watch a run of sc to its end (or duration, or until *stop becomes
 * non-zero), then print the report to out. Returns 0, or -1 with err
 * filled (nothing printed). */
int report_run(const struct scenario *sc, const struct engine_options *opt,
	       enum report_format fmt, FILE *out, const struct report_sinks *sinks,
	       volatile sig_atomic_t *stop, struct gv_error *err);

/* Read a recording and print the report its run printed, figure for
 * figure (and export it, if sinks say so). A damaged tail is replayed up
 * to where it is damaged; *warnings (if warnings is not NULL) is then
 * what went wrong, a line each, to free; NULL if nothing did. Returns 0,
 * or -1 with err filled if nothing could be read. */
int report_replay(const char *path, enum report_format fmt, FILE *out,
		  const struct report_sinks *sinks, char **warnings, struct gv_error *err);

struct watch;
/* The report of a run a watch has watched (to its end, or as far as it
 * got). */
void report_watch(FILE *out, enum report_format fmt, struct watch *w);

/* Print the report of figures already gathered. */
void report_print(FILE *out, enum report_format fmt, const struct report_meta *m,
		  const struct stats *st, const struct history *h);

/* The ASCII timeline of [t0, t1): one row per thread, width columns, each
 * the state the thread spent most of that column in; then the legend. */
void report_timeline(FILE *out, const struct scenario *sc,
		     const struct history *h, uint64_t t0, uint64_t t1,
		     unsigned width);

/* One character per state in the ASCII timeline (' ' for none). */
char report_state_glyph(enum thread_state state);


#endif
