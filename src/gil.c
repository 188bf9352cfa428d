/*
 * gil.c -- the Global Interpreter Lock, as CPython has implemented it.
 *
 * This file is meant to be read by a teacher. Each policy is explained
 * here before any code; the code follows the explanation step by step.
 *
 * THE NEW GIL (policy "new": CPython 3.2 and later, Python/ceval_gil.c)
 *
 *   The GIL is a boolean, `locked`, guarded by a mutex and signalled by a
 *   condition variable. The mutex is held only for moments; the GIL itself
 *   can be held for as long as a thread runs Python code.
 *
 *   Taking it. A thread locks the mutex. While the GIL is locked, it notes
 *   the `switch_number` (how many times the GIL has changed hands) and waits
 *   on the condition for one switch interval (sys.getswitchinterval(), 5 ms
 *   by default, at least 1 us). If that wait timed out, the GIL is still
 *   locked and no switch happened meanwhile, it sets the drop request: a
 *   flag in the "eval breaker" that the holder checks as it runs. A waiter
 *   that was woken (someone released the GIL) but lost the race to another
 *   thread just starts a fresh, full interval: it does not ask again at
 *   once. When `locked` is clear the thread sets it; if another thread held
 *   the GIL last, it records itself as `last_holder`, increments
 *   `switch_number` and signals the switch condition (see below). It clears
 *   any pending drop request: the request has been served.
 *
 *   Holding it. The holder runs bytecode and checks the eval breaker at
 *   function entries, calls and backward jumps: in a pure-Python loop,
 *   every few bytecodes. C code that does not return to the interpreter
 *   (sum(range(n))) checks nothing, and no interval can interrupt it. When
 *   the holder sees the drop request, it drops the GIL and at once asks for
 *   it again, joining the waiters.
 *
 *   Dropping it. The thread records itself as `last_holder`, clears
 *   `locked` under the mutex and signals the condition, which wakes at most
 *   one waiter. If a drop request is pending (forced switching), it then
 *   waits on a second condition until `last_holder` is another thread: on
 *   a multicore machine the dropper is still running and would otherwise
 *   take the GIL straight back before the woken waiter is even scheduled.
 *   A voluntary release (I/O, time.sleep, a C call that releases the GIL)
 *   with no request pending does not wait. A thread that ends never waits.
 *
 *   What follows. Two CPU-bound threads switch about once per interval. A
 *   thread that wakes from I/O beside a CPU-bound one waits about one
 *   interval before it runs again (the convoy effect): it must time out
 *   once before it may ask the holder to drop.
 *
 * THE OLD GIL (policy "legacy": CPython 2.x, Python/ceval.c and
 * Python/thread_pthread.h)
 *
 *   The GIL is a plain lock (a POSIX semaphore, or where semaphores were
 *   missing a mutex, a condition and a `locked` flag: the second form is
 *   used here). Every `checkinterval` ticks (sys.setcheckinterval, 100 by
 *   default) the holder releases the lock and at once acquires it again.
 *   There is no timeout, no drop request and no handoff: whoever gets the
 *   lock first has it. On one core the releasing thread is usually
 *   descheduled in between, so threads take turns. On several cores the
 *   releasing thread keeps running and nearly always wins the lock back,
 *   while the waiter it woke finds the lock taken and goes back to sleep:
 *   the "GIL battle" David Beazley showed in 2009. That is not a bug here;
 *   it is what the lesson shows, and every such wake-up is counted as a
 *   failed wake-up.
 *
 * NO GIL (policy "none": free-threaded CPython, 3.13t with PYTHON_GIL=0)
 *
 *   Taking and dropping never block; threads run in parallel as far as
 *   there are cores. The events are still recorded, with waits of zero, so
 *   every view shows the same kind of picture. The lock only counts the
 *   threads that run without it (free_holders), for the one thing that
 *   can change: importing an extension not marked free-thread-safe turns
 *   the GIL on for good (CPython 3.13t warns with a RuntimeWarning that
 *   names the module). CPython stops the world to do it; here the
 *   importing thread makes the policy new (so every thread that asks for
 *   the GIL from then on waits for it), reserves the GIL, and waits until
 *   every thread that ran without it has stopped at its next check
 *   (gil_reattach: it asks for the GIL like any waiter); then it takes
 *   the GIL, and only one thread runs Python at a time from then on.
 *
 * Several processes or subinterpreters are several struct gil.
 *
 * The designs proposed for CPython and never merged (priority, bfs, fifo)
 * and Ruby's GVL (ruby) are in gil_designs.c, which opens the same way.
 *
 * Every lock and condition call goes through sync.h, which checks it, so
 * the same code runs on real threads or on a virtual clock.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gil.h"
#include "gil_impl.h"
#include "util.h"

/* Events are stamped here, on the run's clock, and pushed without
 * blocking: the GIL must not wait on its own recorder. */
void gil_emit(struct gil_thread *t, enum event_type type, uint8_t aux,
	      uint64_t arg)
{
	struct gil *gil = t->gil;
	struct event ev = {
		.t = (uint64_t)sync_now(gil->sync),
		.arg = arg,
		.seq = t->seq++,
		.tid = t->tid,
		.type = (uint8_t)type,
		.aux = aux,
	};
	if (gil->ring)
		ring_push(gil->ring, &ev);
}

void gil_emit_at(struct gil_thread *t, uint64_t at, enum event_type type,
		 uint8_t aux, uint64_t arg)
{
	struct event ev = {
		.t = at, .arg = arg, .seq = t->seq++, .tid = t->tid,
		.type = (uint8_t)type, .aux = aux,
	};
	if (t->gil->ring)
		ring_push(t->gil->ring, &ev);
}

struct gil *gil_create(enum gil_policy policy, struct sync *sync,
		       struct ring *ring, unsigned index)
{
	struct gil *gil = xcalloc(1, sizeof *gil);
	gil->policy = policy;
	gil->sync = sync;
	gil->ring = ring;
	gil->index = index;
	atomic_init(&gil->interval_us, GIL_DEFAULT_INTERVAL_NS / 1000);
	atomic_init(&gil->checkinterval, GIL_DEFAULT_CHECKINTERVAL);
	gil->mutex = sync->ops->mutex_new(sync);
	gil->cond = sync->ops->cond_new(sync);
	gil->switch_mutex = sync->ops->mutex_new(sync);
	gil->switch_cond = sync->ops->cond_new(sync);
	gil->free_cond = sync->ops->cond_new(sync);
	return gil;
}

void gil_destroy(struct gil *gil)
{
	if (!gil)
		return;
	struct sync *s = gil->sync;
	s->ops->cond_free(s, gil->cond);
	s->ops->mutex_free(s, gil->mutex);
	s->ops->cond_free(s, gil->switch_cond);
	s->ops->mutex_free(s, gil->switch_mutex);
	s->ops->cond_free(s, gil->free_cond);
	free(gil);
}

enum gil_policy gil_policy(const struct gil *gil)
{
	return atomic_load_explicit(&gil->policy, memory_order_relaxed);
}

/* Like sys.setswitchinterval: seconds > 0, kept in whole microseconds. */
int gil_set_interval(struct gil *gil, int64_t ns)
{
	if (ns <= 0)
		return -1;
	int64_t us = ns / 1000;
	atomic_store_explicit(&gil->interval_us, us, memory_order_relaxed);
	struct event ev = {
		.t = (uint64_t)sync_now(gil->sync),
		.arg = (uint64_t)(us * 1000),
		.seq = atomic_fetch_add_explicit(&gil->gil_seq, 1, memory_order_relaxed),
		.tid = EVENT_TID_GIL,
		.type = EV_INTERVAL,
		.aux = (uint8_t)gil->index,
	};
	if (gil->ring)
		ring_push(gil->ring, &ev);
	return 0;
}

int64_t gil_interval(const struct gil *gil)
{
	return atomic_load_explicit(&gil->interval_us, memory_order_relaxed) * 1000;
}

int gil_set_checkinterval(struct gil *gil, uint32_t ticks)
{
	if (ticks == 0)
		return -1;
	atomic_store_explicit(&gil->checkinterval, ticks, memory_order_relaxed);
	return 0;
}

uint32_t gil_checkinterval(const struct gil *gil)
{
	return atomic_load_explicit(&gil->checkinterval, memory_order_relaxed);
}

void gil_counters(const struct gil *gil, struct gil_counters *out)
{
	out->switches = atomic_load(&gil->switches);
	out->forced_switches = atomic_load(&gil->forced_switches);
	out->drop_requests = atomic_load(&gil->drop_requests);
	out->failed_wakeups = atomic_load(&gil->failed_wakeups);
	out->acquisitions = atomic_load(&gil->acquisitions);
}

const atomic_int *gil_eval_breaker(const struct gil *gil)
{
	return &gil->eval_breaker;
}

static void rearm_ticker(struct gil_thread *t)
{
	enum gil_policy p = t->gil->policy;
	t->ticker = p == GIL_LEGACY ? gil_checkinterval(t->gil)
		  : p == GIL_BFS    ? GIL_BFS_CHECK_TICKS
				    : UINT32_MAX;
}

void gil_thread_init(struct gil_thread *t, struct gil *gil, uint16_t tid)
{
	memset(t, 0, sizeof *t);
	t->gil = gil;
	t->breaker = &gil->eval_breaker;
	t->tid = tid;
	rearm_ticker(t);
}

/* The bookkeeping every policy does once it has the GIL. */
void gil_took(struct gil_thread *t, bool switched)
{
	struct gil *gil = t->gil;
	t->holding = true;
	t->acquisitions++;
	count(&gil->acquisitions);
	if (switched)
		count(&gil->switches);
	gil_emit(t, EV_GIL_ACQUIRE, switched, (uint64_t)waited(t));
}

/* ---- new ------------------------------------------------------------ */

static void new_take(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	sync_lock(s, gil->mutex);
	while (atomic_load_explicit(&gil->locked, memory_order_relaxed)) {
		uint64_t saved_switchnum = gil->switch_number;
		int64_t us = atomic_load_explicit(&gil->interval_us, memory_order_relaxed);
		int64_t interval_ns = (us >= 1 ? us : 1) * 1000;
		bool timed_out = sync_timedwait(s, gil->cond, gil->mutex, interval_ns);

		if (!atomic_load_explicit(&gil->locked, memory_order_relaxed))
			break;
		if (timed_out && gil->switch_number == saved_switchnum) {
			/* A full interval passed and nobody switched: ask the
			 * holder to drop the GIL at its next check. The
			 * request is stamped before the flag is set (so it
			 * precedes the holder's forced drop) and recorded
			 * after: the push stands for the time CPython spends
			 * on its way back into the wait. Whether the holder
			 * that sees the flag finds the mutex still held (and
			 * the I/O thread, asleep longest, is woken) or free
			 * (and this thread, not yet asleep, takes the signal)
			 * is decided in those tens of nanoseconds; see
			 * real_cpu in sync_real.c for the figures. */
			count(&gil->drop_requests);
			int64_t at = sync_now(s);
			atomic_store_explicit(&gil->eval_breaker, 1,
					      memory_order_release);
			gil_emit_at(t, (uint64_t)at, EV_DROP_REQUEST, 0, (uint64_t)waited_at(t, at));
		} else if (!timed_out) {
			/* Woken by a release, but another thread got there
			 * first: a fresh full interval starts. */
			count(&gil->failed_wakeups);
			gil_emit(t, EV_FAILED_WAKEUP, 0, (uint64_t)waited(t));
		}
	}

	/* The switch mutex must be held while last_holder changes: the
	 * dropper reads it under that mutex before it waits. */
	sync_lock(s, gil->switch_mutex);
	atomic_store_explicit(&gil->locked, 1, memory_order_relaxed);
	bool switched = false;
	if (atomic_load_explicit(&gil->last_holder, memory_order_relaxed) != t) {
		atomic_store_explicit(&gil->last_holder, t, memory_order_relaxed);
		gil->switch_number++;
		switched = true;
	}
	sync_signal(s, gil->switch_cond);
	sync_unlock(s, gil->switch_mutex);

	/* Whatever drop request was pending has been served. The
	 * acquisition is recorded under the mutex, so that no waiter can
	 * record a drop request for this holder before it. */
	atomic_store_explicit(&gil->eval_breaker, 0, memory_order_relaxed);
	gil_took(t, switched);
	sync_unlock(s, gil->mutex);
}

/* drop_gil: wait_for_switch is false for a thread that ends, which must
 * never wait for a successor. forced_nth is the forced switch's number
 * when the drop request made the holder drop, else 0. */
static void new_drop(struct gil_thread *t, bool wait_for_switch, uint64_t forced_nth)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	if (!atomic_load_explicit(&gil->locked, memory_order_relaxed))
		fatal("gil_drop: the GIL is not locked (thread %u)", t->tid);
	t->holding = false;
	atomic_store_explicit(&gil->last_holder, t, memory_order_relaxed);

	sync_lock(s, gil->mutex);
	atomic_store_explicit(&gil->locked, 0, memory_order_relaxed);
	sync_signal(s, gil->cond);
	/* A forced drop is stamped here, after the signal and still under
	 * the mutex: after the request (stamped under this mutex), before
	 * any successor's acquisition (stamped under it too), and off the
	 * path from the check to the signal, which CPython keeps short. */
	if (forced_nth)
		gil_emit(t, EV_FORCED_DROP, 0, forced_nth);
	sync_unlock(s, gil->mutex);

	if (wait_for_switch &&
	    atomic_load_explicit(&gil->eval_breaker, memory_order_relaxed)) {
		sync_lock(s, gil->switch_mutex);
		/* Not switched yet: wait until someone else has taken it. */
		if (atomic_load_explicit(&gil->last_holder, memory_order_relaxed) == t) {
			atomic_store_explicit(&gil->eval_breaker, 0,
					      memory_order_relaxed);
			sync_wait(s, gil->switch_cond, gil->switch_mutex);
		}
		sync_unlock(s, gil->switch_mutex);
	}
}

/* ---- legacy --------------------------------------------------------- */

/* PyThread_acquire_lock(lock, WAIT_LOCK) in the mutex+condition form. */
static void legacy_take(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	sync_lock(s, gil->mutex);
	if (atomic_load_explicit(&gil->locked, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&gil->legacy_waiters, 1, memory_order_relaxed);
		sync_wait(s, gil->cond, gil->mutex);
		while (atomic_load_explicit(&gil->locked, memory_order_relaxed)) {
			/* Woken, and the lock is taken again: the battle. */
			count(&gil->failed_wakeups);
			gil_emit(t, EV_FAILED_WAKEUP, 0, (uint64_t)waited(t));
			sync_wait(s, gil->cond, gil->mutex);
		}
		atomic_fetch_sub_explicit(&gil->legacy_waiters, 1, memory_order_relaxed);
	}
	atomic_store_explicit(&gil->locked, 1, memory_order_relaxed);
	bool switched = atomic_load_explicit(&gil->last_holder, memory_order_relaxed) != t;
	atomic_store_explicit(&gil->last_holder, t, memory_order_relaxed);
	gil_took(t, switched);
	sync_unlock(s, gil->mutex);
}

/* PyThread_release_lock: clear the flag, then signal one waiter. */
static void legacy_drop(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	if (!atomic_load_explicit(&gil->locked, memory_order_relaxed))
		fatal("gil_drop: the GIL is not locked (thread %u)", t->tid);
	t->holding = false;
	sync_lock(s, gil->mutex);
	atomic_store_explicit(&gil->locked, 0, memory_order_relaxed);
	sync_unlock(s, gil->mutex);
	sync_signal(s, gil->cond);
}

/* The periodic release and re-acquire, every checkinterval ticks. When
 * nobody waits it changes nothing a view could show, so it is neither
 * done nor recorded: a lone thread would otherwise fill the ring with
 * three events every few microseconds. Whether anybody waits is read
 * under the mutex, which a newcomer must take to wait, so a thread that
 * arrives meanwhile finds the lock taken and waits for the next check.
 * (Releasing and then recording the release only if someone slipped in
 * would stamp the release after that thread's acquisition.) */
static void legacy_check(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;

	sync_lock(s, gil->mutex);
	bool waiters = atomic_load_explicit(&gil->legacy_waiters, memory_order_relaxed) != 0;
	sync_unlock(s, gil->mutex);
	if (!waiters)
		return;
	gil_drop(t, RELEASE_CHECK);
	/* Other threads may run now. */
	gil_take(t);
}

/* ---- none, and the GIL turned back on ------------------------------- */

/* Take it without waiting, unless the GIL has been turned on meanwhile
 * (then false: the caller takes it as policy new). */
static bool none_take(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;
	sync_lock(s, gil->mutex);
	if (gil->policy != GIL_NONE) {
		sync_unlock(s, gil->mutex);
		return false;
	}
	gil->free_holders++;
	t->free_hold = true;
	gil_took(t, false);
	sync_unlock(s, gil->mutex);
	return true;
}

static void none_drop(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;
	sync_lock(s, gil->mutex);
	t->free_hold = false;
	t->holding = false;
	if (--gil->free_holders == 0)
		sync_broadcast(s, gil->free_cond);
	sync_unlock(s, gil->mutex);
}

bool gil_enable(struct gil_thread *t, uint64_t arg)
{
	struct gil *gil = t->gil;
	struct sync *s = gil->sync;
	sync_lock(s, gil->mutex);
	if (gil->policy != GIL_NONE || !t->free_hold) {
		sync_unlock(s, gil->mutex);
		return false;
	}
	/* Stamped before anyone can see the GIL on. */
	t->request_t = sync_now(s);
	gil_emit(t, EV_GIL_ENABLE, (uint8_t)gil->index, arg);
	sync_lock(s, gil->switch_mutex);
	atomic_store_explicit(&gil->locked, 1, memory_order_relaxed);
	atomic_store_explicit(&gil->last_holder, t, memory_order_relaxed);
	sync_unlock(s, gil->switch_mutex);
	gil->policy = GIL_NEW;
	t->free_hold = false;
	gil->free_holders--;
	while (gil->free_holders > 0)
		sync_wait(s, gil->free_cond, gil->mutex);
	atomic_store_explicit(&gil->eval_breaker, 0, memory_order_relaxed);
	gil_took(t, false);
	rearm_ticker(t);
	sync_unlock(s, gil->mutex);
	return true;
}

void gil_reattach(struct gil_thread *t)
{
	if (!gil_must_reattach(t))
		return;
	if (t->on_detach)
		t->on_detach(t, true);
	/* Asked for before it stops running: the importer takes the GIL only
	 * once this thread has stopped. */
	t->request_t = sync_now(t->gil->sync);
	gil_emit(t, EV_GIL_REQUEST, 0, 0);
	none_drop(t);
	new_take(t);
	rearm_ticker(t);
	if (t->on_detach)
		t->on_detach(t, false);
}

/* ---- the interface -------------------------------------------------- */

void gil_take(struct gil_thread *t)
{
	t->request_t = sync_now(t->gil->sync);
	gil_emit(t, EV_GIL_REQUEST, 0, 0);
	switch (gil_policy(t->gil)) {
	case GIL_NEW:
		new_take(t);
		break;
	case GIL_LEGACY:
		legacy_take(t);
		break;
	case GIL_PRIORITY:
	case GIL_BFS:
	case GIL_FIFO:
	case GIL_RUBY:
		gil_design_take(t);
		break;
	default:
		if (!none_take(t))
			new_take(t); /* the GIL was turned on meanwhile */
		break;
	}
	rearm_ticker(t);
}

void gil_drop(struct gil_thread *t, enum release_reason reason)
{
	gil_emit(t, EV_GIL_RELEASE, (uint8_t)reason, 0);
	if (t->free_hold) {
		/* Held under none, whatever the policy has become since. */
		none_drop(t);
		return;
	}
	switch (gil_policy(t->gil)) {
	case GIL_NEW:
		new_drop(t, reason != RELEASE_EXIT, 0);
		break;
	case GIL_LEGACY:
		legacy_drop(t);
		break;
	case GIL_PRIORITY:
	case GIL_BFS:
	case GIL_FIFO:
	case GIL_RUBY:
		gil_design_drop(t, reason);
		break;
	default:
		t->holding = false;
		break;
	}
}

/* The eval breaker fired, or the legacy ticker ran out. */
void gil_check_slow(struct gil_thread *t)
{
	struct gil *gil = t->gil;
	if (t->free_hold) {
		/* Running without the GIL: a drop request is not for it, but
		 * the GIL may have been turned on. */
		gil_reattach(t);
		rearm_ticker(t);
		return;
	}
	switch (gil_policy(gil)) {
	case GIL_NEW:
		if (atomic_load_explicit(&gil->eval_breaker, memory_order_relaxed)) {
			/* Give another thread a chance. The event carries
			 * the forced switch's number on this GIL. */
			uint64_t nth = atomic_fetch_add_explicit(&gil->forced_switches, 1,
								 memory_order_relaxed) + 1;
			t->forced_drops++;
			new_drop(t, true, nth);
			/* Other threads may run now. */
			gil_take(t);
		}
		break;
	case GIL_LEGACY:
		if (t->ticker == 0)
			legacy_check(t);
		break;
	case GIL_PRIORITY:
	case GIL_BFS:
	case GIL_FIFO:
	case GIL_RUBY:
		gil_design_check(t);
		break;
	default:
		break;
	}
	rearm_ticker(t);
}

/* Python bytecode: ticks of CPU work while holding the GIL, with the eval
 * breaker checked after every tick (and the legacy ticker counted). */
uint64_t gil_run_ticks(struct gil_thread *t, uint64_t ticks)
{
	struct sync *s = t->gil->sync;
	uint64_t left = ticks;
	while (left) {
		uint32_t budget = gil_ticks_to_check(t);
		uint64_t chunk = left < budget ? left : budget;
		uint64_t n = s->ops->cpu(s, chunk, t->breaker);
		left -= n;
		gil_ticks_done(t, (uint32_t)n);
	}
	return ticks;
}

/* `while time.time() - start < d: pass`: ends by the clock. */
uint64_t gil_run_until(struct gil_thread *t, int64_t until)
{
	struct sync *s = t->gil->sync;
	uint64_t total = 0;
	while (sync_now(s) < until) {
		uint64_t n = s->ops->spin(s, until, gil_ticks_to_check(t), t->breaker);
		if (!n)
			break; /* the run is paused: its clock stands still */
		total += n;
		gil_ticks_done(t, (uint32_t)n);
	}
	return total;
}
