/*
 * gil_impl.h -- the inside of a struct gil, shared by gil.c (CPython's
 * policies) and gil_designs.c (the designs proposed for comparison).
 * Nothing else includes it.
 */
#ifndef GILVIZ_GIL_IMPL_H
#define GILVIZ_GIL_IMPL_H

#include "gil.h"

struct gil {
	/* Atomic: free-threaded Python turns the GIL on at run time
	 * (gil_enable: none becomes new), while other threads read it. */
	_Atomic(enum gil_policy) policy;
	struct sync *sync;
	struct ring *ring;
	unsigned index;

	/* The eval breaker. Its only cause here is the drop request, so the
	 * two are one flag; CPython ORs in signals and pending calls too. */
	atomic_int eval_breaker;

	atomic_int locked;
	_Atomic(struct gil_thread *) last_holder;
	uint64_t switch_number; /* guarded by mutex; the designs count handoffs */
	atomic_int legacy_waiters; /* legacy: threads waiting for the lock */

	_Atomic int64_t interval_us;
	_Atomic uint32_t checkinterval;

	struct sync_mutex *mutex;
	struct sync_cond *cond;
	struct sync_mutex *switch_mutex;
	struct sync_cond *switch_cond;

	/* none: the threads that run without the GIL now, under mutex;
	 * gil_enable waits on free_cond until they have all stopped. */
	unsigned free_holders;
	struct sync_cond *free_cond;

	/* The designs of gil_designs.c, all under mutex. */
	struct gil_thread *owner;  /* the holder, or the waiter it was handed to */
	struct gil_thread *queue;  /* the waiters, oldest first */
	unsigned waiting;          /* how many */
	bool requested;            /* a drop request is pending */
	int64_t python_time;       /* bfs: the sum of the runs, each capped */
	int64_t tick_next;         /* ruby: the timer's next tick */
	int64_t tick_ns;           /* ruby: the tick, slow motion included */

	atomic_uint gil_seq; /* sequence numbers of EV_INTERVAL events */

	_Atomic uint64_t switches;
	_Atomic uint64_t forced_switches;
	_Atomic uint64_t drop_requests;
	_Atomic uint64_t failed_wakeups;
	_Atomic uint64_t acquisitions;
};

/* bfs: the holder reads the clock every this many ticks (bfs.c: 5000). */
#define GIL_BFS_CHECK_TICKS 5000u

static inline void count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* How long t had waited at time at since it asked for the GIL. */
static inline int64_t waited_at(const struct gil_thread *t, int64_t at)
{
	int64_t w = at - t->request_t;
	return w > 0 ? w : 0;
}

/* ... and now. */
static inline int64_t waited(const struct gil_thread *t)
{
	return waited_at(t, sync_now(t->gil->sync));
}

/* The bookkeeping every policy does once it has the GIL (gil.c): records
 * EV_GIL_ACQUIRE. */
void gil_took(struct gil_thread *t, bool switched);

/* The designs' take, drop and check (gil_designs.c), dispatched from
 * gil_take, gil_drop and gil_check_slow. */
void gil_design_take(struct gil_thread *t);
void gil_design_drop(struct gil_thread *t, enum release_reason reason);
void gil_design_check(struct gil_thread *t);

#endif
