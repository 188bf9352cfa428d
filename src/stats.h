/*
 * stats.h -- the figures every view shows, computed once here from the
 * event stream: per thread (time in each state, acquisitions, lost
 * events, the wait for the GIL as p50/p99/max/mean and a histogram,
 * starvation) and per GIL (switches, forced switches, drop requests,
 * failed wake-ups, the interval, switches per second).
 *
 * Counters are cumulative and never reset; a view that wants a rate takes
 * two snapshots and divides the difference (stats_rate).
 *
 * Overlap of the derived times: hold = HOLDING + NATIVE_HOLD, and
 * native = NATIVE + NATIVE_HOLD, so NATIVE_HOLD time counts in both. The
 * states themselves do not overlap: HOLDING + WAITING + BLOCKED + NATIVE
 * + NATIVE_HOLD = wall, hence hold + wait + blocked + native =
 * wall + native_hold.
 */
#ifndef GILVIZ_STATS_H
#define GILVIZ_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "history.h"

/* A thread waiting longer than this is starving, unless changed. */
#define STATS_STARVATION_DEFAULT_NS 100000000ULL /* 100 ms */

/* The coarse histogram of waits given to views: bin 0 holds waits of 0
 * and 1 ns, bin i (1 <= i < last) holds [2^i, 2^(i+1)) ns, the last bin
 * everything from 2^(STATS_HIST_BINS-1) ns up (about 4.6 minutes). */
#define STATS_HIST_BINS 39

/* Cumulative counters of one thread: what a snapshot keeps. */
struct stats_thread_counters {
	uint64_t time_ns[TS_COUNT]; /* closed spans only; see stats_thread */
	uint64_t acquisitions;
	uint64_t switches_in;    /* acquisitions that were switches (aux 1) */
	uint64_t forced_drops;   /* times it dropped on request */
	uint64_t drop_requests;  /* times it set the drop request */
	uint64_t failed_wakeups;
	uint64_t lost;           /* events lost (seq gaps) */
	uint64_t waits;          /* waits recorded (= acquisitions) */
	uint64_t wait_sum_ns;
};

/* Everything about one thread at a time now. */
struct stats_thread {
	struct stats_thread_counters c;
	uint64_t time_ns[TS_COUNT]; /* c.time_ns plus the open span to now */
	uint64_t hold_ns;    /* HOLDING + NATIVE_HOLD */
	uint64_t wait_ns;    /* WAITING */
	uint64_t blocked_ns; /* BLOCKED */
	uint64_t native_ns;  /* NATIVE + NATIVE_HOLD */
	uint64_t core_ns;    /* RUNNABLE: waiting for a core (a holder off
	                        its core counts here, not in hold_ns) */
	uint64_t busy_ns;    /* running: HOLDING + NATIVE + NATIVE_HOLD */
	uint64_t wall_ns;    /* from its first event to TS_DONE, or to now */
	/* The wait for the GIL, per acquisition (EV_GIL_ACQUIRE's arg).
	 * p50 and p99 are within 1.6% of the exact value; max is exact. */
	uint64_t wait_p50_ns;
	uint64_t wait_p99_ns;
	uint64_t wait_max_ns;
	uint64_t wait_mean_ns;
	/* The same percentiles of only the waits that ended in a switch (the
	 * GIL came from another thread, c.switches_in of them): without the
	 * instant re-acquires of a thread that had just released it. */
	uint64_t switch_wait_p50_ns;
	uint64_t switch_wait_p99_ns;
	uint64_t hist[STATS_HIST_BINS];
	/* Starvation: how long the wait in progress at now has lasted (0 if
	 * it is not waiting), and whether that is over the threshold. */
	uint64_t waiting_now_ns;
	bool starving;
	uint8_t state; /* enum thread_state */
	unsigned gil;
};

/* Cumulative counters of one GIL: what a snapshot keeps. */
struct stats_gil_counters {
	uint64_t acquisitions;
	uint64_t switches;        /* acquisitions with aux = 1 */
	uint64_t forced_switches; /* EV_FORCED_DROP */
	uint64_t drop_requests;   /* EV_DROP_REQUEST */
	uint64_t failed_wakeups;  /* EV_FAILED_WAKEUP */
};

struct stats_gil {
	struct stats_gil_counters c;
	/* Free-threaded: the GIL was turned on (an import_unsafe) at
	 * enabled_t, by thread enabled_by, for module enabled_module. */
	bool enabled;
	uint64_t enabled_t;
	unsigned enabled_by;
	unsigned enabled_module;
	uint64_t interval_ns;  /* the latest EV_INTERVAL; 0 if none seen */
	double switches_per_s; /* c.switches over the caller's elapsed time */
	unsigned nthreads;     /* threads that run under it */
};

/* A shared object's lock (free-threaded critical sections), from
 * EV_LOCK_WAIT, EV_LOCK_TAKE and EV_LOCK_RELEASE. */
struct stats_object {
	uint64_t takes;       /* times a thread took its lock */
	uint64_t waits;       /* ... after waiting for it (it was taken) */
	uint64_t wait_sum_ns;
	uint64_t wait_max_ns;
	uint64_t wait_p50_ns; /* of the waits, within 1.6% like the GIL's */
	uint64_t wait_p99_ns;
	uint64_t held_ns;     /* time it was held, summed over its releases */
};

/* The counters of every thread and GIL at one time. */
struct stats_snapshot {
	uint64_t now;
	unsigned nthreads;
	unsigned ngils;
	struct stats_thread_counters *threads; /* time_ns includes the open span */
	struct stats_gil_counters *gils;
};

struct stats;

/* gil_of maps each thread to its GIL (NULL: every thread on GIL 0);
 * ngils is the number of GILs (0 means 1). */
struct stats *stats_create(unsigned nthreads, const unsigned *gil_of,
			   unsigned ngils);
void stats_destroy(struct stats *s);

/* Takes one event, of any source, in arrival order. O(1), no allocation. */
void stats_add(struct stats *s, const struct event *ev);

unsigned stats_nthreads(const struct stats *s);
unsigned stats_ngils(const struct stats *s);
/* The latest t seen, over all sources. */
uint64_t stats_end_time(const struct stats *s);
void stats_set_starvation(struct stats *s, uint64_t threshold_ns);
uint64_t stats_starvation(const struct stats *s);
/* Events ignored: an unknown source, type or GIL index. */
uint64_t stats_ignored(const struct stats *s);

struct ckpt_out;
struct ckpt_in;
/* The figures into a checkpoint, and back into stats made for the same
 * threads and GILs (ckpt.h; in->bad if they do not fit). */
void stats_save(const struct stats *s, struct ckpt_out *o);
void stats_load(struct stats *s, struct ckpt_in *in);
/* A number that changes when the saved layout does. */
size_t stats_layout(void);

/* The figures of thread tid, with its open span counted up to now.
 * Returns -1 (and fills nothing) if tid is out of range. */
int stats_thread(const struct stats *s, unsigned tid, uint64_t now,
		 struct stats_thread *out);
/* The same without hist and the switch-wait percentiles (left 0): what a
 * row of the UI shows, for a fraction of the cost (those walk every one
 * of the histogram's buckets). */
int stats_thread_brief(const struct stats *s, unsigned tid, uint64_t now,
		       struct stats_thread *out);
/* The shared objects (scenario.objects) whose lock events to count;
 * events of other objects are ignored. Once, before any event. */
void stats_set_objects(struct stats *s, unsigned n);
unsigned stats_nobjects(const struct stats *s);
/* The figures of object obj; -1 if out of range. */
int stats_object(const struct stats *s, unsigned obj, struct stats_object *out);
/* The figures of GIL gil; switches per second over elapsed_ns (0: 0). */
int stats_gil(const struct stats *s, unsigned gil, uint64_t elapsed_ns,
	      struct stats_gil *out);
/* The wait percentile p (0 < p <= 100) of thread tid, or of every thread
 * together if tid is STATS_ALL_THREADS; 0 if there is no wait. */
#define STATS_ALL_THREADS 0xFFFFFFFFu
uint64_t stats_wait_percentile(const struct stats *s, unsigned tid, double p);

/* Starvation at now: how many threads wait longer than the threshold;
 * the longest wait in progress and its thread (HISTORY_NO_TID if none
 * waits) in *worst_tid and *worst_ns when they are not NULL. */
unsigned stats_starving(const struct stats *s, uint64_t now,
			unsigned *worst_tid, uint64_t *worst_ns);

/* Snapshots for rates: create once, take as often as wanted (no
 * allocation), difference two of them. */
struct stats_snapshot *stats_snapshot_create(const struct stats *s);
void stats_snapshot_take(const struct stats *s, uint64_t now,
			 struct stats_snapshot *snap);
void stats_snapshot_destroy(struct stats_snapshot *snap);
/* (after - before) per second over (t_after - t_before); 0 if no time
 * passed or the counter went back. */
double stats_rate(uint64_t before, uint64_t after, uint64_t t_before,
		  uint64_t t_after);

#endif
