/*
 * ui.h -- the live terminal UI: a scenario run drawn as it happens, with
 * keys to change the switch interval, pause, scroll, step and zoom.
 * It watches its run through a watch (watch.h), draws from history and
 * stats, and computes no figure of its own.
 */
#ifndef GILVIZ_UI_H
#define GILVIZ_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consumer.h"
#include "engine.h"
#include "export.h"
#include "scenario.h"
#include "util.h"

#define UI_FPS 30
#define UI_EVLOG 65536 /* events the pane keeps for stepping back */

struct ui_options {
	const char *scenario_path;  /* NULL: the built-in text below */
	const char *builtin_text;
	const char *builtin_name;
	struct engine_options engine;
	unsigned clock_chosen;      /* WATCH_CHOSE_*: the rest is the scenario's */
	long frames;                /* quit after this many frames; 0: never */
	size_t history_spans;       /* spans kept per thread; 0: the default */
	bool want_color;            /* false under NO_COLOR */
	const char *const *scenario_dirs; /* where n and p look */
	size_t ndirs;
	const char *replay_path;    /* play this recording instead of a run */
	const char *record_path;    /* record the first run here, or NULL */
	enum export_kind export_kind; /* and/or export it */
	const char *export_path;
};

struct ui;

/* The spans per thread kept by default: enough for ten minutes of eight
 * CPU-bound threads at a 5 ms interval (about 50 spans a second each),
 * with memory fixed at the start. */
size_t ui_default_history_spans(size_t nthreads);

/* Load the scenario and start its run; curses must be started (crt).
 * NULL and err on a bad scenario or options. */
struct ui *ui_create(const struct ui_options *o, struct gv_error *err);
void ui_destroy(struct ui *ui);
/* One frame: drain the events, handle the keys waiting, draw. Returns
 * false once the UI should quit. */
bool ui_frame(struct ui *ui);
/* Wait for a key or the next frame, whichever comes first. */
void ui_wait(struct ui *ui);
/* The whole loop: frames until q, a quit signal or the frame limit. */
int ui_run(const struct ui_options *o, struct gv_error *err);

/* The compare mode (ui_compare.c): the scenario under each of the n
 * policies at once, in virtual time with the same seed, stacked on one
 * time axis; frames until q, a quit signal or the frame limit. */
int ui_compare_run(const struct ui_options *o, const enum gil_policy *policies, unsigned n,
		   struct gv_error *err);

/* For the benchmark: the run and its figures; the frames that drew
 * something, and the rows (or parts of timeline rows) they wrote. */
struct watch *ui_watch(struct ui *ui);
long ui_draws(const struct ui *ui);
long ui_rows_drawn(const struct ui *ui);

#endif
