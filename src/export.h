/*
 * export.h -- a run's state spans for other tools: Perfetto (the Chrome
 * trace-event JSON that ui.perfetto.dev and chrome://tracing open) and CSV
 * (one row per span, for spreadsheets and notebooks).
 *
 * An exporter takes the merged event stream, as a consumer drains it from
 * the ring or as a recording replays it, and writes spans as they close,
 * using the same state machine as history and stats.
 */
#ifndef GILVIZ_EXPORT_H
#define GILVIZ_EXPORT_H

#include <stdio.h>

#include "event.h"
#include "scenario.h"
#include "util.h"

enum export_kind { EXPORT_NONE = 0, EXPORT_PERFETTO, EXPORT_CSV };

/* "perfetto" or "csv"; -1 otherwise. */
int export_kind_parse(const char *name);

struct exporter;

/* Create path and write the preamble. t_start is the run's start on the
 * events' clock (times are written relative to it). NULL and err. */
struct exporter *export_open(enum export_kind kind, const char *path,
			     const struct scenario *sc, uint64_t t_start,
			     struct gv_error *err);
void export_add(struct exporter *x, const struct event *evs, size_t n);
/* Close the spans still open at t_end, finish the file and free x.
 * Returns -1 and err if anything could not be written. */
int export_close(struct exporter *x, uint64_t t_end, struct gv_error *err);

#endif
