/*
 * record.h -- what a recording says about the run it records: the
 * scenario, the options the engine runs with and the machine. Shared by
 * every watch that records (watch.c), so that a recording made from the
 * headless report or the terminal UI says the same things.
 */
#ifndef GILVIZ_RECORD_H
#define GILVIZ_RECORD_H

#include "engine.h"
#include "scenario.h"
#include "trace.h"

/* The strings a trace_meta points into, kept by the caller. */
struct record_strings {
	char kernel[256];
	char recorded_at[64];
};

/* Fill m for a run of sc by e (started) with options opt; m points into
 * sc, e and buf, which must outlive it. */
void record_meta(struct trace_meta *m, struct record_strings *buf,
		 const struct scenario *sc, const struct engine *e,
		 const struct engine_options *opt);

#endif
