/*
 * gil_designs.c -- GIL designs that were proposed for CPython and never
 * merged, and Ruby's, behind the same interface as CPython's (gil.c).
 *
 * In 2010 David Beazley showed the convoy effect of the then new GIL
 * (CPython issue 7946, "Convoy effect with I/O bound threads and New
 * GIL"): a thread back from I/O beside a CPU-bound one waits a whole
 * switch interval before it runs again, however little it has to do.
 * Several designs were proposed; none was merged. Ruby's lock, the GVL,
 * answers the same question its own way. This file has four of them, so
 * that a class can run one program under each (--gil, or the g key).
 *
 * WHAT THEY SHARE: A QUEUE AND A HANDOFF
 *
 *   In CPython's GIL a release wakes a waiter, and whoever reaches the
 *   lock first wins: the woken thread may lose the race. These designs
 *   keep their waiters in a queue and hand the GIL over: a release picks
 *   the next holder from the queue and makes it the owner before waking
 *   it. Nobody can take the GIL in between, not even the thread that has
 *   just released it, so there are no failed wake-ups. What differs is
 *   whom a release picks, and when a waiter may ask the holder to drop
 *   the GIL (the drop request of gil.c: the eval breaker, which the holder
 *   sees at its next check site). Where a waiter's rule is "one interval
 *   with no switch", a handoff is the switch: the new owner has its full
 *   interval from then, even before it runs.
 *
 *   Each design reads the switch interval as the time a CPU-bound holder
 *   runs before a waiter gets in. Where a source leaves a detail open,
 *   the choice made here says "Chosen here".
 *
 * PRIORITY (policy "priority": David Beazley, "Revisiting thread
 * priorities and the new GIL", 2010)
 *
 *   Each thread carries a flag, cpu_bound. A forced drop (the holder was
 *   asked to drop the GIL and did) sets it; a voluntary release (I/O,
 *   sleep, C code that releases the GIL) clears it. A new thread has it
 *   clear. A waiter whose flag is clear, finding a CPU-bound holder, sets
 *   the drop request at once, instead of after a full interval; any other
 *   waiter asks as in the new GIL, once it has waited one interval with
 *   no switch. So a thread back from I/O gets the GIL at the CPU-bound
 *   holder's next check, microseconds later, while two CPU-bound threads
 *   still take turns once per interval.
 *   Chosen here: the post gives the rule for the request and leaves the
 *   order of the waiters open. A release hands the GIL to the oldest
 *   waiter whose flag is clear, or else to the oldest waiter, so that a
 *   second CPU-bound thread cannot take the turn an I/O thread asked for.
 *   The rule is applied on arrival: with that order, a CPU-bound thread
 *   is only ever handed the GIL when no waiter has its flag clear.
 *   Interval: the waiter's timeout, as in the new GIL.
 *
 * BFS (policy "bfs": Nir Aides' BFS scheduler for the GIL, CPython issue
 * 7946, March 2010, Python/bfs.c, after Con Kolivas' BFS for Linux)
 *
 *   A virtual clock, Python time, advances by every run of a holder (from
 *   taking the GIL to dropping it), a run counting at most one slice.
 *   Each thread has a time slice (10 ms in bfs.c) and a virtual deadline.
 *   When a thread asks for the GIL with its slice used up, the slice is
 *   refilled and the deadline set to Python time + 8 slices; a thread
 *   whose runs are short keeps its old, early deadline for a long time.
 *
 *   Taking. A free GIL is taken at once. Otherwise, if the holder's
 *   deadline has not expired (it is still ahead of Python time) and the
 *   newcomer's is earlier, the newcomer is more urgent: it sets the drop
 *   request at once, and the holder yields at its next check. Either way
 *   it queues and waits. Its wait is timed, (waiters x slice x 0.55):
 *   when that runs out it makes the holder look at its slice at once
 *   (bfs.c's check_depleted; no drop request is recorded for it).
 *
 *   Holding. The holder reads the clock every 5000 ticks, as bfs.c does,
 *   and yields once its run has used its slice. A lone holder whose slice
 *   is used up starts a new one without dropping the GIL.
 *
 *   Dropping. Python time and the holder's slice are charged with the
 *   run. The next holder is the waiter with the earliest deadline, but
 *   the waiters are scanned in arrival order and the scan stops as soon
 *   as the best so far has expired: threads whose deadlines have passed
 *   run in arrival order, which keeps an overloaded GIL fair.
 *
 *   So a thread doing I/O, which rarely uses up its slice, keeps an early
 *   deadline and preempts the CPU-bound ones, and CPU-bound threads run
 *   slice by slice in deadline order, which is round robin.
 *   Chosen here: bfs.c lets a thread snatch the GIL back when the thread
 *   it signalled has not started yet, and makes a yielding thread wait
 *   until its successor runs; here the GIL is always handed over, as in
 *   the other designs, which needs neither. Runs are measured on the run's
 *   clock (bfs.c reads the TSC). A newcomer must be strictly more urgent
 *   (bfs.c: no later): two deadlines set at the same Python time are
 *   equal, and with "no later" the two threads would preempt each other
 *   in turn until one used up its slice. Interval: the time slice.
 *
 * FIFO (policy "fifo": the round-robin GIL of CPython issue 8299, 2010)
 *
 *   The waiters queue in arrival order and a release hands the GIL to the
 *   head of the queue; no thread jumps the queue, not even the one that
 *   has just released it.
 *   Chosen here: when to ask the holder to drop is the new GIL's rule (a
 *   waiter that has waited one interval with no switch sets the drop
 *   request), so that fifo differs from new only in who gets the GIL
 *   next. Interval: the waiter's timeout, as in the new GIL.
 *
 * RUBY (policy "ruby": Ruby's GVL; thread_pthread.c, thread_pthread_mn.c
 * and thread.c of Ruby 3.3 and later)
 *
 *   The GVL has a FIFO ready queue. A thread that blocks (I/O, sleep)
 *   hands the GVL to the head of the queue, and on its return queues at
 *   the tail. A running thread yields only when its quantum is used up
 *   (100 ms by default, RUBY_THREAD_DEFAULT_QUANTUM_MS since Ruby 3.4),
 *   and the quantum is counted by a timer thread: while threads wait it
 *   ticks every 10 ms, and each tick charges the running thread 10 ms.
 *   When the charge reaches the quantum, the thread yields to the head of
 *   the queue and queues at the tail. The charge starts again from zero
 *   whenever another thread takes the GVL, and on every yield.
 *   So a thread back from I/O beside a CPU-bound one waits a whole
 *   quantum, however little it needs (Ruby issue 20861), and a quantum is
 *   counted in whole ticks: a 5 ms quantum lasts one tick, 10 ms.
 *   Chosen here: there is no timer thread. The head of the queue plays
 *   its part with timed waits to the next tick (before 3.3, Ruby too made
 *   a waiter its timer). The timer starts when the queue stops being
 *   empty, its first tick 10 ms later, and stops when the queue empties.
 *   Ruby's timer interrupts the running thread at every tick and that
 *   thread does the counting; here the tick counts, and sets the drop
 *   request only when the count reaches the quantum: the same moment, one
 *   event instead of ten. In slow motion (--slow) the tick is slowed
 *   down with every other duration. Interval: the quantum.
 *
 * Every event is pushed before the state change it announces: the drop
 * request before the eval breaker is set, the acquisition under the
 * mutex, before any other thread can see the new owner. Every field
 * these designs add is guarded by the GIL's mutex.
 */
#include "config.h"

#include "gil.h"
#include "gil_impl.h"
#include "util.h"

#define BFS_DEADLINE_FACTOR 8
#define RUBY_TICK_NS 10000000LL

/* The interval in ns, at least 1 us, as the new GIL reads it. */
static int64_t interval_ns(const struct gil *gil)
{
	int64_t us = atomic_load_explicit(&gil->interval_us, memory_order_relaxed);
	return (us >= 1 ? us : 1) * 1000;
}

void gil_set_slow(struct gil *gil, double f)
{
	gil->tick_ns = (int64_t)((double)RUBY_TICK_NS * (f > 1 ? f : 1));
}

/* ruby: the timer's period (gil_create leaves tick_ns 0: no slow motion). */
static int64_t tick_ns(const struct gil *gil)
{
	return gil->tick_ns > 0 ? gil->tick_ns : RUBY_TICK_NS;
}

static void set_breaker(struct gil *gil, int v)
{
	atomic_store_explicit(&gil->eval_breaker, v, memory_order_relaxed);
}

/* ---- the queue of waiters ---------------------------------------------- */

static void queue_push(struct gil *gil, struct gil_thread *t)
{
	struct gil_thread **p = &gil->queue;
	while (*p)
		p = &(*p)->next_waiter;
	t->next_waiter = NULL;
	*p = t;
	gil->waiting++;
}

static void queue_remove(struct gil *gil, struct gil_thread *t)
{
	for (struct gil_thread **p = &gil->queue; *p; p = &(*p)->next_waiter) {
		if (*p == t) {
			*p = t->next_waiter;
			t->next_waiter = NULL;
			gil->waiting--;
			return;
		}
	}
}

/* bfs_find_task: the earliest deadline, scanning in arrival order and
 * stopping once the best so far has expired. */
static struct gil_thread *bfs_pick(const struct gil *gil)
{
	struct gil_thread *best = gil->queue;
	if (!best)
		return NULL;
	for (struct gil_thread *w = best->next_waiter;
	     w && best->deadline > gil->python_time; w = w->next_waiter)
		if (w->deadline < best->deadline)
			best = w;
	return best;
}

/* I/O-bound threads first, each class in arrival order. */
static struct gil_thread *priority_pick(const struct gil *gil)
{
	for (struct gil_thread *w = gil->queue; w; w = w->next_waiter)
		if (!w->cpu_bound)
			return w;
	return gil->queue;
}

/* Who a release hands the GIL to (still in the queue), or NULL. */
static struct gil_thread *next_holder(const struct gil *gil)
{
	switch (gil_policy(gil)) {
	case GIL_PRIORITY:
		return priority_pick(gil);
	case GIL_BFS:
		return bfs_pick(gil);
	default: /* fifo, ruby: the head */
		return gil->queue;
	}
}

/* ---- asking the holder to drop ------------------------------------------ */

/* t, waiting, sets the drop request: the event first, then the flag the
 * holder sees. At most one request is pending. */
static void ask(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	if (gil->requested)
		return;
	gil_emit(t, EV_DROP_REQUEST, 0, (uint64_t)waited(t));
	count(&gil->drop_requests);
	gil->requested = true;
	set_breaker(gil, 1);
}

/* The rule of a waiter on arrival: may it ask at once? */
static bool urgent(const struct gil_thread *t)
{
	const struct gil *gil = t->gil;
	const struct gil_thread *h = gil->owner;
	if (!h)
		return false;
	switch (gil_policy(gil)) {
	case GIL_PRIORITY:
		return !t->cpu_bound && h->cpu_bound;
	case GIL_BFS:
		return t->deadline < h->deadline && h->deadline >= gil->python_time;
	default:
		return false;
	}
}

/* When t, waiting afresh since `since`, next acts by itself; INT64_MAX:
 * it only waits to be handed the GIL. */
static int64_t due(const struct gil_thread *t, int64_t since)
{
	const struct gil *gil = t->gil;
	switch (gil_policy(gil)) {
	case GIL_BFS:
		return since + (int64_t)((double)gil->waiting *
					 (double)interval_ns(gil) * 0.55);
	case GIL_RUBY:
		return gil->queue == t ? gil->tick_next : INT64_MAX;
	default: /* priority, fifo: the new GIL's timed wait */
		return since + interval_ns(gil);
	}
}

/* ruby: the timer's ticks up to now, each charging the running thread;
 * once the charge reaches the quantum, the running thread must yield. */
static void ruby_tick(struct gil_thread *t, int64_t now)
{
	struct gil *gil = t->gil;
	struct gil_thread *h = gil->owner;
	while (gil->tick_next <= now) {
		gil->tick_next += tick_ns(gil);
		if (h && h->holding)
			h->running += tick_ns(gil);
	}
	if (h && h->holding && h->running >= interval_ns(gil))
		ask(t);
}

/* t's timed wait ran out at now, with no switch since it began. */
static void on_due(struct gil_thread *t, int64_t now)
{
	switch (gil_policy(t->gil)) {
	case GIL_BFS:
		/* check_depleted: the holder looks at its slice at once. */
		set_breaker(t->gil, 1);
		break;
	case GIL_RUBY:
		ruby_tick(t, now);
		break;
	default:
		/* A full interval and nobody switched. */
		ask(t);
		break;
	}
}

/* t is queued: wait until a release hands it the GIL. Under the mutex. */
static void wait_turn(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;
	uint64_t seen = gil->switch_number;
	int64_t since = sync_now(s);

	if (urgent(t))
		ask(t);
	while (gil->owner != t) {
		int64_t d = due(t, since);
		if (d == INT64_MAX) {
			sync_wait(s, gil->cond, gil->mutex);
		} else {
			int64_t left = d - sync_now(s);
			if (left > 0)
				sync_timedwait(s, gil->cond, gil->mutex, left);
		}
		if (gil->owner == t)
			break;
		int64_t now = sync_now(s);
		if (gil->switch_number != seen) {
			/* The GIL changed hands meanwhile: a fresh wait. */
			seen = gil->switch_number;
			since = now;
		} else if (now >= due(t, since)) {
			on_due(t, now);
			since = now;
		}
	}
}

/* ---- taking, dropping, checking ------------------------------------------ */

/* t owns the GIL now: the bookkeeping, and EV_GIL_ACQUIRE, while the
 * mutex is still held. */
static void acquire(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	bool switched = atomic_load_explicit(&gil->last_holder, memory_order_relaxed) != t;
	if (switched) {
		atomic_store_explicit(&gil->last_holder, t, memory_order_relaxed);
		t->running = 0;
	}
	t->run_start = sync_now(gil->sync);
	gil_took(t, switched);
}

void gil_design_take(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	sync_lock(s, gil->mutex);
	if (gil->policy == GIL_BFS && t->slice <= 0) {
		int64_t slice = interval_ns(gil);
		t->slice = slice;
		t->deadline = gil->python_time + BFS_DEADLINE_FACTOR * slice;
	}
	if (gil->owner) {
		if (gil->policy == GIL_RUBY && !gil->queue)
			gil->tick_next = sync_now(s) + tick_ns(gil);
		queue_push(gil, t);
		wait_turn(t);
	} else {
		gil->owner = t;
		if (atomic_load_explicit(&gil->last_holder, memory_order_relaxed) != t)
			gil->switch_number++;
	}
	acquire(t);
	sync_unlock(s, gil->mutex);
}

/* bfs: the run so far, capped at one slice. */
static int64_t bfs_run(const struct gil_thread *t, int64_t now)
{
	int64_t ran = now - t->run_start, slice = interval_ns(t->gil);
	return ran < 0 ? 0 : ran > slice ? slice : ran;
}

/* Release the GIL and hand it to the next holder, if anyone waits. */
static void release(struct gil_thread *t, bool forced)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	sync_lock(s, gil->mutex);
	if (gil->owner != t)
		fatal("gil_drop: thread %u does not hold the GIL", t->tid);
	t->holding = false;
	switch (gil_policy(gil)) {
	case GIL_PRIORITY:
		t->cpu_bound = forced;
		break;
	case GIL_BFS: {
		int64_t ran = bfs_run(t, sync_now(s));
		gil->python_time += ran;
		t->slice -= ran;
		break;
	}
	case GIL_RUBY:
		if (forced)
			t->running = 0;
		break;
	default:
		break;
	}
	struct gil_thread *next = next_holder(gil);
	if (next) {
		queue_remove(gil, next);
		/* A switch, for the waiters, from the handoff on: the new
		 * owner gets its full interval even before it runs. */
		gil->switch_number++;
	}
	gil->owner = next;
	gil->requested = false;
	set_breaker(gil, 0);
	/* The waiters share one condition: each sees whether it is next. */
	if (next)
		sync_broadcast(s, gil->cond);
	sync_unlock(s, gil->mutex);
}

void gil_design_drop(struct gil_thread *t, enum release_reason reason)
{
	(void)reason; /* every release through gil_drop is voluntary */
	release(t, false);
}

/* The eval breaker was set (a drop request, or bfs's "check your slice"),
 * or bfs's ticker ran out. */
void gil_design_check(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	sync_lock(s, gil->mutex);
	bool yield = gil->requested;
	if (gil->policy == GIL_BFS) {
		int64_t now = sync_now(s), ran = bfs_run(t, now);
		if (t->slice <= ran) {
			if (gil->queue) {
				yield = true;
			} else {
				/* Alone: a new slice, and no drop. */
				int64_t slice = interval_ns(gil);
				gil->python_time += ran;
				t->slice = slice;
				t->deadline = gil->python_time +
					      BFS_DEADLINE_FACTOR * slice;
				t->run_start = now;
			}
		}
	}
	if (!gil->queue)
		yield = false;
	if (!yield) {
		gil->requested = false;
		set_breaker(gil, 0);
	}
	sync_unlock(s, gil->mutex);
	if (!yield)
		return;

	count(&gil->forced_switches);
	t->forced_drops++;
	gil_emit(t, EV_FORCED_DROP, 0, 0);
	release(t, true);
	/* Back in the queue, behind whoever it was handed to. */
	gil_take(t);
}
