/*
 * replay.h -- a recording played back as if it ran again: a clock that
 * advances at a chosen speed (1/4x to 16x) and can be moved to any time,
 * and a player that feeds the recording's events, block by block, into a
 * consumer (stats and history) up to the clock's time. No terminal here:
 * a watch (watch.h) drives it for every view, and tests check it.
 *
 * Times are ns since the recorded run started.
 */
#ifndef GILVIZ_REPLAY_H
#define GILVIZ_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consumer.h"
#include "scenario.h"
#include "trace.h"
#include "util.h"

/* Speeds are powers of two: 2^-2 (a quarter) to 2^4 (sixteen times). */
#define REPLAY_SPEED_MIN_LOG2 (-2)
#define REPLAY_SPEED_MAX_LOG2 4

struct replay_clock {
	uint64_t pos;   /* where the replay stands */
	uint64_t end;   /* the recorded run's length */
	int speed_log2; /* speed 2^speed_log2 */
	bool playing;
};

void replay_clock_init(struct replay_clock *k, uint64_t end);
/* Move on by wall_ns of wall time at the clock's speed, if playing; the
 * clock stops (and stops playing) at the end. Returns the new position. */
uint64_t replay_clock_advance(struct replay_clock *k, int64_t wall_ns);
/* Faster (dir > 0) or slower by a factor of two; false at the limit. */
bool replay_clock_speed_step(struct replay_clock *k, int dir);
double replay_clock_speed(const struct replay_clock *k);
/* Put the clock at t, within [0, end]. Returns the new position. */
uint64_t replay_clock_seek(struct replay_clock *k, uint64_t t);
/* "1/4", "1/2", "1", "2" ... "16". */
void replay_clock_speed_name(const struct replay_clock *k, char *buf, size_t len);

struct replay {
	struct trace *t;
	struct scenario *sc;   /* parsed from the recording */
	struct consumer c;     /* what the events have been fed into */
	size_t spans;          /* the consumer's spans per thread */
	consumer_hook hook;
	void *hook_arg;
	struct event *buf;     /* the block being fed */
	long nbuf, next;       /* its events, and the next one to feed */
	size_t block;          /* the block after the one in buf */
	uint64_t fed;          /* every event up to this time has been fed */
	bool exhausted;        /* no event left (or the rest unreadable) */
	char *warning;         /* why the events stop early, or NULL */
	uint64_t rebuilds;     /* backward seeks that started over */
	uint64_t ckpt_loads;   /* seeks that started from a checkpoint */
	char *ckpt_warning;    /* the first checkpoint that did not load */
};

/* Open a recording for replay: read its header and index, parse its
 * scenario; feed nothing yet. NULL and err if it cannot be read. */
struct replay *replay_open(const char *path, size_t spans_per_thread,
			   struct gv_error *err);
void replay_close(struct replay *r);
/* Called for every event fed, as consumer_hook; also after a rebuild. */
void replay_set_hook(struct replay *r, consumer_hook hook, void *arg);
/* The recorded run's length, and where its clock started. */
uint64_t replay_length(const struct replay *r);
uint64_t replay_t_start(const struct replay *r);
/* Would seeking to t start the model afresh, from the beginning or from
 * a checkpoint, rather than feed on? (Counters are cumulative, so going
 * back means starting again; a long jump forward takes a checkpoint.) */
bool replay_seek_rebuilds(const struct replay *r, uint64_t t);
/* Feed every event up to time t; going back (or far forward) loads the
 * last checkpoint before t and feeds the blocks after it, or rebuilds
 * from the start without one. Returns events fed. */
uint64_t replay_seek(struct replay *r, uint64_t t);
/* The same, playing on: forward it feeds every event (so that a hook sees
 * each), however far t is. */
uint64_t replay_play(struct replay *r, uint64_t t);
/* Feed the next event alone; its time in *t. false if none is left. */
bool replay_step(struct replay *r, uint64_t *t);

#endif
