/*
 * narrate.h -- one sentence that says what is happening now on a GIL:
 * who holds it and for how long, who waits and for how long, who asked
 * the holder to drop it. Read from history (states, when they began,
 * marks); no terminal, so it is tested like the rest of the model.
 */
#ifndef GILVIZ_NARRATE_H
#define GILVIZ_NARRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "scenario.h"

struct narrate_input {
	const struct history *h;
	const struct scenario *sc;
	unsigned gil;   /* the process whose GIL to tell about */
	uint64_t now;   /* on the events' clock */
	double slow;    /* slow motion: durations are said divided by it */
	bool no_gil;    /* the policy has no GIL (free-threaded), and it has
	                   not been turned on */
	bool ended;     /* the run has ended */
};

/* Fill buf with the sentence ("hog has held the GIL 4.1 ms; server has
 * waited 4.2 ms and set the drop request"). */
void narrate(const struct narrate_input *in, char *buf, size_t len);

#endif
