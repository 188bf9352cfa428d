/*
 * gil.h -- a Global Interpreter Lock, with the policies CPython has had.
 *
 *   new     CPython 3.2 and later (Python/ceval_gil.c)
 *   legacy  CPython 2.x (Python/ceval.c and thread_pthread.h)
 *   none    free-threaded CPython (3.13t with PYTHON_GIL=0)
 *
 * and, for comparison, designs that were proposed and never merged, and
 * Ruby's lock (gil_designs.c):
 *
 *   priority  David Beazley's I/O priority (2010)
 *   bfs       Nir Aides' BFS scheduler (CPython issue 7946, 2010)
 *   fifo      the round-robin GIL of CPython issue 8299 (2010)
 *   ruby      Ruby's GVL (thread_pthread.c)
 *
 * One struct gil is one interpreter's lock: several processes or
 * subinterpreters are several of them. A simulated thread that runs under
 * a GIL holds a struct gil_thread, its "thread state". gil.c opens with
 * the long explanation of each policy.
 */
#ifndef GILVIZ_GIL_H
#define GILVIZ_GIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "policy.h"
#include "ring.h"
#include "sync.h"

struct gil;

struct gil_thread {
	struct gil *gil;
	const atomic_int *breaker; /* the GIL's eval breaker, for gil_ticks_done */
	uint32_t ticker;  /* legacy: ticks left before the periodic release;
	                     bfs: before the holder reads the clock */
	uint32_t seq;     /* sequence number of this thread's next event */
	uint16_t tid;     /* the thread's index in the run, used in events */
	bool holding;     /* does this thread hold the GIL now? */
	bool free_hold;   /* ... under none: it runs without a GIL */
	/* Called, if set, as the thread stops running without the GIL
	 * because the GIL was turned on (detach true, before it waits for
	 * the GIL) and once it holds the GIL (false): the engine suspends
	 * and resumes the thread's critical sections there. */
	void (*on_detach)(struct gil_thread *t, bool detach);
	int64_t request_t; /* when it last asked for the GIL */
	/* Kept by the designs of gil_designs.c, under the GIL's mutex. */
	struct gil_thread *next_waiter; /* the GIL's queue of waiters */
	bool cpu_bound;    /* priority: its last drop was forced */
	int64_t slice;     /* bfs: what is left of its time slice (ns) */
	int64_t deadline;  /* bfs: its virtual deadline, in Python time */
	int64_t run_start; /* bfs: when it last took the GIL */
	int64_t running;   /* ruby: time the timer has charged it (ns) */
	/* Counters kept by the GIL for this thread (cumulative). */
	uint64_t acquisitions;
	uint64_t forced_drops;
};

/* Figures the GIL keeps about itself: cumulative, never reset. */
struct gil_counters {
	uint64_t switches;       /* acquisitions by another thread than the last holder */
	uint64_t forced_switches; /* drops on a drop request */
	uint64_t drop_requests;  /* drop requests set */
	uint64_t failed_wakeups; /* waiters woken that found the GIL taken */
	uint64_t acquisitions;
};

/* Create a GIL of the given policy over a sync backend. Events go to ring
 * (may be NULL: nothing recorded), tagged with index (the GIL's number in
 * the run, used by EV_INTERVAL). */
struct gil *gil_create(enum gil_policy policy, struct sync *sync,
		       struct ring *ring, unsigned index);
void gil_destroy(struct gil *gil);

enum gil_policy gil_policy(const struct gil *gil);

/* The switch interval, like sys.setswitchinterval(): ns > 0, stored as
 * whole microseconds as CPython does (a value under 1 us still waits 1 us).
 * Returns -1 and changes nothing if ns <= 0. Safe from any thread; takes
 * effect at the next wait. Records EV_INTERVAL. Every policy reads it as
 * how long a CPU-bound holder runs before a waiter gets in: the waiter's
 * timeout (new, priority, fifo), the time slice (bfs) or the quantum
 * (ruby); legacy and none ignore it. */
int gil_set_interval(struct gil *gil, int64_t ns);
int64_t gil_interval(const struct gil *gil);
/* legacy: ticks between periodic releases (sys.setcheckinterval); > 0 */
int gil_set_checkinterval(struct gil *gil, uint32_t ticks);
uint32_t gil_checkinterval(const struct gil *gil);

/* Slow motion (--slow): every duration of the run is multiplied by f,
 * the interval included; so are a design's own fixed clocks (ruby's 10 ms
 * timer tick). Call before any thread uses the GIL. */
void gil_set_slow(struct gil *gil, double f);

void gil_counters(const struct gil *gil, struct gil_counters *out);

/* A thread state. tid must be unique in the run. */
void gil_thread_init(struct gil_thread *t, struct gil *gil, uint16_t tid);

/* Take the GIL (blocking, per the policy). Records EV_GIL_REQUEST, then
 * EV_DROP_REQUEST / EV_FAILED_WAKEUP as they happen, then EV_GIL_ACQUIRE. */
void gil_take(struct gil_thread *t);
/* Release the GIL voluntarily (blocking call, native code, thread end).
 * Records EV_GIL_RELEASE with the reason. */
void gil_drop(struct gil_thread *t, enum release_reason reason);

/* The eval breaker, checked by the holder at every bytecode tick. */
const atomic_int *gil_eval_breaker(const struct gil *gil);

/* Slow path of gil_tick: the eval breaker was set (new: drop the GIL, let
 * the waiter in, take it back) or the legacy ticker ran out (release and
 * at once re-acquire). */
void gil_check_slow(struct gil_thread *t);

/* Ticks the holder may run before it must call gil_check_slow() even if
 * the eval breaker stays clear (legacy and bfs: the ticker; others:
 * UINT32_MAX). */
static inline uint32_t gil_ticks_to_check(const struct gil_thread *t)
{
	return t->ticker;
}

/* Account for n ticks run while holding the GIL, and run the check if it
 * is due. The hot path: a subtraction, a relaxed load and a branch. */
static inline void gil_ticks_done(struct gil_thread *t, uint32_t n)
{
	t->ticker -= n;
	if (t->ticker == 0 ||
	    atomic_load_explicit(t->breaker, memory_order_relaxed))
		gil_check_slow(t);
}

/* Run ticks of pure-Python work while holding the GIL: the eval breaker
 * is checked after every tick, so the GIL may change hands in between.
 * Returns ticks. */
uint64_t gil_run_ticks(struct gil_thread *t, uint64_t ticks);
/* Run ticks until the run's clock reaches until (ns): the loop
 * `while time.time() - start < d: pass`. Returns the ticks run; returns
 * early if the run is paused (its clock stands still), for the caller to
 * wait out the pause and call again. */
uint64_t gil_run_until(struct gil_thread *t, int64_t until);

/* Free-threaded Python turns its GIL on at run time when an extension
 * that is not marked free-thread-safe is imported. gil_enable, from a
 * thread that runs without the GIL under policy none: records
 * EV_GIL_ENABLE (arg: what the caller says was imported), makes the
 * policy new, waits until no other thread runs without the GIL any more
 * (each stops at its next check: gil_reattach), and takes the GIL.
 * Returns false, doing nothing, if the GIL is on already or t does not
 * run without it. */
bool gil_enable(struct gil_thread *t, uint64_t arg);
/* Is t running without the GIL although the GIL has been turned on? Then
 * at its next check it must call gil_reattach. Cheap. */
static inline bool gil_must_reattach(const struct gil_thread *t)
{
	return t->free_hold && gil_policy(t->gil) != GIL_NONE;
}
/* Stop running without the GIL and take it (EV_GIL_REQUEST ..
 * EV_GIL_ACQUIRE), as a thread that CPython stopped to turn the GIL on
 * takes it when it attaches again. */
void gil_reattach(struct gil_thread *t);

/* Record an event from this thread (for the engine's op events). */
void gil_emit(struct gil_thread *t, enum event_type type, uint8_t aux,
	      uint64_t arg);
/* The same, stamped at a time already past (at, no later than now): for
 * what the thread learns after the fact, its stretches off a core. */
void gil_emit_at(struct gil_thread *t, uint64_t at, enum event_type type,
		 uint8_t aux, uint64_t arg);

#endif
