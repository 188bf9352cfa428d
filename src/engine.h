/*
 * engine.h -- runs a scenario's threads and ops through the GIL.
 *
 * One engine is one run: it creates a GIL per process, a thread per
 * simulated thread, and the event ring they all record into. A consumer
 * (the report, the UI, the recorder) drains the ring while it runs. The
 * control calls (pause, resume, stop, set the interval) are safe from any
 * thread.
 */
#ifndef GILVIZ_ENGINE_H
#define GILVIZ_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "gil.h"
#include "ring.h"
#include "scenario.h"
#include "sync.h"
#include "util.h"

struct engine_options {
	int policy;          /* enum gil_policy, or -1: the scenario's */
	int64_t interval_ns; /* 0: the scenario's */
	int64_t duration_ns; /* 0: the scenario's (which may be 0: no limit) */
	double slow;         /* slow motion: every duration times this; 0 or 1: none */
	size_t ring_capacity; /* 0: ENGINE_DEFAULT_RING, ENGINE_VIRTUAL_RING */
	/* Virtual time (sync_virtual.c): a deterministic scheduler and clock. */
	bool virtual_time;
	unsigned cores;      /* virtual cores; 0: the scenario's, else the machine's */
	uint64_t seed;       /* of the virtual scheduler's choices */
	double speed;        /* virtual seconds per wall second; 0: unpaced */
};

#define ENGINE_DEFAULT_RING (1u << 20)
/* Virtual time waits for the ring's reader when it is half full
 * (sync.h's backlog), so its ring need only hold what a drain takes:
 * 2 MB that stay in the caches, where a ring of a million events walked
 * 32 MB (a sweep: 0.93 of the time, at most a sixth of the memory). */
#define ENGINE_VIRTUAL_RING (1u << 16)

struct engine;

/* Set up a run (no thread starts yet). NULL and err on bad options. */
struct engine *engine_create(const struct scenario *sc,
			     const struct engine_options *opt,
			     struct gv_error *err);
void engine_destroy(struct engine *e);

/* The thread that calls engine_wait drives the run (in virtual time, the
 * virtual world): engine_wait, engine_stop and engine_destroy must all be
 * called from that one thread. pause, resume and set_interval are safe
 * from any thread; a pause freezes the run's clock in both times. */

/* Start every simulated thread. */
void engine_start(struct engine *e);
/* Let the run go on for up to timeout_ns (< 0: until it ends): every
 * thread done, or the duration reached (then it stops the threads).
 * Returns true once the run has ended and every thread has been joined;
 * it may return false early (a thread ended; in virtual time, the ring
 * half full: read it before the run goes on). The clock is the sync
 * backend's: in real time this waits; in virtual time it runs the
 * simulation. Unpaced (speed 0), timeout_ns is a slice of virtual time,
 * so that a consumer that drains the ring after every call drains it at
 * the same virtual times on every run; paced, it is wall time, and the
 * virtual clock keeps pace with the wall clock at the given speed. While
 * paused it sleeps (at most timeout_ns of wall time) and, in both times,
 * the run's clock stands still: no sleep, timeout, drop request or
 * duration accrues. */
bool engine_wait(struct engine *e, int64_t timeout_ns);
/* Ask every thread to stop at its next check. Real time joins them now;
 * in virtual time they wind down as the next engine_wait calls run them,
 * stopping whenever the ring is half full: call engine_wait, reading the
 * ring, until it returns true (engine_destroy winds down by itself). */
void engine_stop(struct engine *e);
/* Did the run end because every live thread waited on a queue that no
 * thread could serve any more? (Read it once the run has ended.) */
bool engine_deadlocked(const struct engine *e);

/* Control, from any thread. */
void engine_pause(struct engine *e);
void engine_resume(struct engine *e);
bool engine_paused(const struct engine *e);
/* Every GIL's switch interval (before slow motion). -1 if ns <= 0. */
int engine_set_interval(struct engine *e, int64_t ns);
int64_t engine_interval(const struct engine *e);

struct ring *engine_ring(const struct engine *e);
int64_t engine_now(const struct engine *e);     /* ns since the start */
int64_t engine_elapsed(const struct engine *e); /* start to end, or to now */
/* When engine_start ran, on the clock of the events' timestamps. */
int64_t engine_start_time(const struct engine *e);
const struct scenario *engine_scenario(const struct engine *e);
enum gil_policy engine_policy(const struct engine *e);
double engine_slow(const struct engine *e);
double engine_tick_ns(const struct engine *e);
/* "real", or "virtual (seed S, N cores)" */
const char *engine_time_mode(const struct engine *e);
/* Virtual seconds per wall second (0: unpaced); 0 in real time. */
double engine_speed(const struct engine *e);
/* Pace a virtual run at speed (> 0, at most 1000000) from now on; from
 * the thread that calls engine_wait. -1 in real time or out of range. */
int engine_set_speed(struct engine *e, double speed);
bool engine_is_virtual(const struct engine *e);
unsigned engine_cores(const struct engine *e); /* virtual cores; 0 in real time */
uint64_t engine_seed(const struct engine *e);
size_t engine_ngils(const struct engine *e);
void engine_gil_counters(const struct engine *e, size_t gil, struct gil_counters *out);

#endif
