/*
 * engine.c -- runs a scenario's threads and ops through the GIL.
 *
 * Every simulated thread is a thread of the sync backend (a pthread in
 * real time). Like a Python thread, it takes its process's GIL before it
 * runs its script and drops it when it ends. Each op does what the Python
 * code it stands for does to the GIL:
 *
 *   cpu D          pure-Python work: D worth of calibrated ticks, holding
 *                  the GIL, the eval breaker checked after every tick;
 *   spin D         `while time.time() - start < D: pass`: ticks until the
 *                  clock says D has passed, whatever work that was;
 *   io D, sleep D  release the GIL, block for D, take it back;
 *   native D       C code that releases the GIL: release, D of work that
 *                  checks nothing, take it back;
 *   native_hold D  C code that keeps the GIL and checks nothing;
 *   gc P           a stop-the-world pause: P of work that checks nothing,
 *                  keeping the GIL; every other thread stops at its next
 *                  check (an op boundary, a loop turn, or the end of its
 *                  current chunk of work) until the pause ends;
 *   with O { ops } ops in object O's critical section (below);
 *   import_unsafe M an extension not marked free-thread-safe: under
 *                  gil none, the GIL is turned on for the rest of the run
 *                  (gil_enable); under a GIL, nothing.
 *
 * Between two ops, at each turn of a loop and between two asyncio tasks
 * the one op interpreter (interpret) passes a check site: one tick of
 * work holding the GIL, then the eval breaker, as CPython checks it after
 * calls and on backward jumps (check_site).
 *
 * Long ops run in chunks of about a millisecond so that a thread notices
 * stop and pause; the chunks do not touch the GIL, so they change nothing
 * the GIL can see.
 *
 * Time belongs to the sync backend (sync.h): engine_wait is one loop for
 * both times, in which the backend moves the clock (real: waits; virtual:
 * runs the coroutines of sync_virtual.c) and the engine looks whether the
 * run has ended. A pause stops the run's clock in both: in real time a
 * thread is held at its next chunk, op or start (sync hold) and the sleeps
 * and timed waits in progress stand still with the clock, so no wait,
 * timeout, drop request or duration accrues; in virtual time the driver
 * simply stops running the threads. Stopping sets the stop flag and wakes
 * the sleepers (sync interrupt) and the queues' waiters from the driving
 * thread.
 *
 * Queues. `put Q` and `get Q` are queue.Queue (or multiprocessing.Queue:
 * one queue is shared by every process) holding a count of items. get
 * takes an item at once if there is one; otherwise it releases the GIL
 * (RELEASE_BLOCKING), blocks until a put, and takes the GIL back. put adds
 * an item and wakes one blocked getter and every loop that awaits the
 * queue; it blocks the same way only on a sized queue that is full. The
 * queues live under ctl_mutex, with a condition each for getters and
 * putters, so that a stop wakes them like any sleeper.
 *
 * Loops. An asyncio event loop is one simulated thread (one gil_thread)
 * that runs its tasks in turn. A task runs, holding the GIL, until an
 * await: `await io D` and `await sleep D` arm a timer, `await get Q` waits
 * for an item. Every await suspends the task, even when the item is
 * already there (like asyncio.sleep(0), it yields). The loop then runs the
 * next ready task, first come first served; a task becomes ready, at the
 * back of the queue, when its timer is due or an item is handed to it
 * (earliest deadline or longest wait first). When no task is ready the
 * loop releases the GIL (RELEASE_BLOCKING, as selectors block), sleeps
 * until the earliest timer or a put to an awaited queue, and takes the GIL
 * back. So a task that runs 50 ms of cpu holds up every other task of its
 * loop for 50 ms: async/await shares one thread, it escapes nothing. The
 * other threads of the process still take the GIL from the loop by the
 * drop request, as from any thread. Ops that are not awaits behave inside
 * a task as in a thread, and block the whole loop: a plain io, sleep or
 * get in a task is the classic mistake of a blocking call in a coroutine,
 * and is allowed so that it can be shown.
 *
 * Each switch of task records EV_TASK (arg: the task's index); an await
 * records EV_OP_START when the task suspends and EV_OP_END when it runs
 * again (after the EV_TASK), so that the ops between two EV_TASK events
 * are one task's.
 *
 * Critical sections. Free-threaded CPython (PEP 703) guards a shared
 * object (a list, a dict) with a per-object lock that C code takes around
 * its work on the object (Py_BEGIN_CRITICAL_SECTION); with a GIL they
 * compile to nothing. So `with O { ops }` costs nothing under a GIL, and
 * under gil none takes O's lock, a mutex over the sync backend (struct
 * eobject, under ctl_mutex) with LOCK_WAIT / LOCK_TAKE / LOCK_RELEASE
 * events. As in Python/critical_section.c, a thread's sections are
 * suspended (their locks released) whenever it would block: I/O, sleep,
 * C code that releases the GIL, a blocking queue operation, a stop for
 * another thread's gc, waiting for the GIL once it is turned on, and
 * waiting for a lock that is taken (so two sections never deadlock);
 * when it goes on, only its innermost section is taken again, the
 * others when the inner ones end.
 *
 * Collections. `gc every D pause P` runs a gc P (as the op) every D of
 * run time, by the first thread that reaches a check holding its GIL at
 * or after each due time; work is cut at the due time, so in virtual
 * time a running thread collects exactly then.
 *
 * A deadlock (every live thread waits on a queue that nothing can fill or
 * drain any more: a consumer left alone after its producers ended) ends
 * the run, in both times, at the moment it happened; engine_deadlocked()
 * says so. Python would hang; a class would rather see why.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "util.h"

/* About this much work runs between two looks at stop and pause. */
#define ENGINE_CHUNK_NS 1000000

/* A queue at run time; every field under ctl_mutex. */
struct equeue {
	uint64_t items;
	uint32_t size;         /* 0: unbounded */
	unsigned getters;      /* threads blocked in get */
	unsigned putters;      /* threads blocked in put */
	unsigned awaiting;     /* tasks suspended in await get */
	struct sync_cond *not_empty, *not_full;
	struct sim_thread **loops; /* the loops with a task that awaits it */
	size_t nloops;
};

/* A shared object's lock (a critical section under gil none); under
 * ctl_mutex. */
struct eobject {
	struct sim_thread *holder;
	unsigned waiters;
	struct sync_cond *cond;
};

enum task_state { TASK_READY, TASK_TIMER, TASK_QUEUE, TASK_DONE };

/* Where a script (a thread's, or a task's) is: a stack of the blocks it
 * is in. */
struct frame {
	const struct op *ops;
	size_t n, i;
	uint64_t left;         /* passes of the block left; UINT64_MAX: forever */
	const struct op *with; /* a with block: its op, to leave it at the end */
};

struct cursor {
	struct frame stack[SCENARIO_MAX_DEPTH + 1];
	int depth;
};

struct task {
	struct cursor cur;
	enum task_state state;
	const struct op *await; /* the await it is suspended in, or NULL */
	int64_t key;           /* timer: its deadline; queue: when it began */
	uint64_t seq;          /* order of the awaits, to break ties */
};

/* An asyncio loop at run time, owned by its thread but for sleeping and
 * cond, which are under ctl_mutex. */
struct loop {
	struct task *tasks;
	size_t ntasks;
	size_t *ready;         /* a ring of task indexes, FIFO */
	size_t head, nready;
	size_t *cand;          /* scratch for poll */
	size_t live;           /* tasks not done */
	uint64_t seq;
	bool sleeping;
	struct sync_cond *cond;
};

struct sim_thread {
	struct engine *e;
	const struct sc_thread *sc;
	struct gil_thread gt;
	struct sync_thread *th;
	struct loop *loop;     /* NULL: a plain thread */
	bool ended;            /* its THREAD_END is out (its own flag) */
	bool off_open;         /* its EV_OFF_CORE is out, its EV_ON_CORE not */
	/* Starting one by one: the thread started after this one (NULL:
	 * none), and this thread's own gate, opened by the thread before
	 * it (NULL: it starts on its own). Under ctl_mutex. */
	struct sim_thread *next;
	struct sync_cond *gate;
	bool gate_open;
	/* The critical sections it is in, innermost last; held: its lock
	 * is taken now (not suspended). Its own, but for held and since,
	 * which change under ctl_mutex. */
	struct {
		unsigned object;
		bool held;
		int64_t since;
	} cs[SCENARIO_MAX_DEPTH + 1];
	int ncs;
};

struct engine {
	const struct scenario *sc;
	struct sync *sync;
	struct ring *ring;
	struct gil **gils;
	size_t ngils;
	struct sim_thread *threads;
	size_t nthreads;

	enum gil_policy policy;
	double slow;
	int64_t interval_ns; /* before slow motion */
	int64_t duration_ns; /* after slow motion; 0: none */
	uint64_t chunk_ticks;

	atomic_int stop;
	atomic_int paused;
	atomic_int alive;
	struct sync_mutex *ctl_mutex;
	struct equeue *queues;
	size_t nqueues;
	unsigned stuck;        /* threads in a wait only a queue can end */
	/* A stop-the-world pause (gc) in progress: its thread, under
	 * ctl_mutex; stw mirrors it for a check without the lock. */
	struct sim_thread *stw_owner;
	atomic_int stw;
	struct sync_cond *stw_cond;
	struct eobject *objects;
	size_t nobjects;
	/* gc every: the next collection is due at gc_due (run clock); -1:
	 * none. Claimed under ctl_mutex. */
	_Atomic int64_t gc_due;
	int64_t gc_every, gc_pause; /* after slow motion */
	atomic_bool deadlock;  /* written under ctl_mutex */
	int64_t deadlock_t;

	unsigned cores;
	uint64_t seed;
	double speed;
	char time_mode[96];

	bool started;
	bool joined;
	bool winding;    /* virtual time: stopped, the threads not yet all ended */
	int64_t start_t;
	_Atomic int64_t end_t; /* -1 until the run has ended */
};

static int64_t scaled(const struct engine *e, int64_t ns)
{
	double v = (double)ns * e->slow;
	return v > 9.2e18 ? INT64_MAX : (int64_t)v;
}

static struct loop *loop_create(struct engine *e, const struct sc_thread *t)
{
	struct loop *l = xcalloc(1, sizeof *l);
	l->ntasks = t->ntasks;
	l->tasks = xcalloc(l->ntasks, sizeof *l->tasks);
	l->ready = xcalloc(l->ntasks, sizeof *l->ready);
	l->cand = xcalloc(l->ntasks, sizeof *l->cand);
	l->cond = e->sync->ops->cond_new(e->sync);
	return l;
}

static void loop_free(struct engine *e, struct loop *l)
{
	if (!l)
		return;
	e->sync->ops->cond_free(e->sync, l->cond);
	free(l->tasks);
	free(l->ready);
	free(l->cand);
	free(l);
}

static bool ops_await_queue(const struct op *ops, size_t n, unsigned q)
{
	for (size_t i = 0; i < n; i++) {
		if (ops[i].kind == OP_AWAIT_GET && ops[i].queue == q)
			return true;
		if (ops[i].body && ops_await_queue(ops[i].body, ops[i].nbody, q))
			return true;
	}
	return false;
}

/* The queues, each with the list of loops a put must wake. */
static void queues_create(struct engine *e)
{
	const struct scenario *sc = e->sc;
	e->nqueues = sc->nqueues;
	e->queues = xcalloc(e->nqueues ? e->nqueues : 1, sizeof *e->queues);
	for (size_t q = 0; q < e->nqueues; q++) {
		struct equeue *eq = &e->queues[q];
		eq->size = sc->queues[q].size;
		eq->not_empty = e->sync->ops->cond_new(e->sync);
		eq->not_full = e->sync->ops->cond_new(e->sync);
		for (size_t i = 0; i < e->nthreads; i++) {
			const struct sc_thread *t = e->threads[i].sc;
			bool awaits = false;
			for (size_t k = 0; k < t->ntasks && !awaits; k++)
				awaits = ops_await_queue(t->tasks[k].ops, t->tasks[k].nops,
							 (unsigned)q);
			if (!awaits)
				continue;
			eq->loops = xreallocarray(eq->loops, eq->nloops + 1, sizeof *eq->loops);
			eq->loops[eq->nloops++] = &e->threads[i];
		}
	}
}

static void queues_free(struct engine *e)
{
	for (size_t q = 0; q < e->nqueues; q++) {
		e->sync->ops->cond_free(e->sync, e->queues[q].not_empty);
		e->sync->ops->cond_free(e->sync, e->queues[q].not_full);
		free(e->queues[q].loops);
	}
	free(e->queues);
}

/* Wake every thread that may be waiting on something, for a stop. Called
 * with ctl_mutex held. */
static void wake_all_locked(struct engine *e)
{
	struct sync *s = e->sync;
	s->ops->interrupt(s);
	sync_broadcast(s, e->stw_cond);
	for (size_t o = 0; o < e->nobjects; o++)
		sync_broadcast(s, e->objects[o].cond);
	for (size_t q = 0; q < e->nqueues; q++) {
		sync_broadcast(s, e->queues[q].not_empty);
		sync_broadcast(s, e->queues[q].not_full);
	}
	for (size_t i = 0; i < e->nthreads; i++) {
		if (e->threads[i].loop)
			sync_broadcast(s, e->threads[i].loop->cond);
		if (e->threads[i].gate)
			sync_broadcast(s, e->threads[i].gate);
	}
}

/* Called with ctl_mutex held whenever a thread begins a wait that only a
 * queue can end, or a thread ends: if every live thread is in such a wait
 * and no queue can serve any of them, nothing will ever move again. */
static void check_deadlock_locked(struct engine *e)
{
	int alive = atomic_load(&e->alive);
	if (atomic_load(&e->deadlock) || atomic_load(&e->stop) || alive <= 0 || e->stuck != (unsigned)alive)
		return;
	for (size_t q = 0; q < e->nqueues; q++) {
		const struct equeue *eq = &e->queues[q];
		if ((eq->getters || eq->awaiting) && eq->items)
			return;
		if (eq->putters && (!eq->size || eq->items < eq->size))
			return;
	}
	e->deadlock_t = sync_now(e->sync);
	atomic_store(&e->deadlock, true);
	e->sync->ops->poke(e->sync);
}

/* CPython's Thread.start() returns only once the new thread runs, and a
 * new thread runs only once it holds the GIL: a program that starts its
 * threads in a loop starts each one after the one before has taken the
 * GIL. Each process's threads that have no start time of their own are
 * chained in the file's order: a thread's gate opens when the thread
 * before it first takes the GIL. (The main thread's own wait to take
 * the GIL back between two starts is left out: it has no row.) */
static void chain_starts(struct engine *e)
{
	for (size_t p = 0; p < e->ngils; p++) {
		struct sim_thread *prev = NULL;
		for (size_t i = 0; i < e->nthreads; i++) {
			struct sim_thread *st = &e->threads[i];
			if (st->sc->process != p || st->sc->start_ns > 0)
				continue;
			if (prev) {
				prev->next = st;
				st->gate = e->sync->ops->cond_new(e->sync);
			}
			prev = st;
		}
	}
}
static void cs_on_detach(struct gil_thread *t, bool detach);

struct engine *engine_create(const struct scenario *sc,
			     const struct engine_options *opt,
			     struct gv_error *err)
{
	double slow = opt->slow > 0 ? opt->slow : 1.0;
	if (slow > 1e6) {
		gv_error_set(err, NULL, 0, 0, "slow-motion factor %g is too large (at most 1000000)", slow);
		return NULL;
	}
	if (opt->interval_ns < 0) {
		gv_error_set(err, NULL, 0, 0, "the switch interval must be greater than 0");
		return NULL;
	}
	if (opt->policy >= GIL_POLICY_COUNT) {
		gv_error_set(err, NULL, 0, 0, "unknown GIL policy %d", opt->policy);
		return NULL;
	}
	if (opt->virtual_time && (!isfinite(opt->speed) || opt->speed < 0 || opt->speed > 1e6)) {
		gv_error_set(err, NULL, 0, 0, "speed %g is out of range (0 to 1000000 virtual seconds per second)", opt->speed);
		return NULL;
	}
	if (opt->cores > SCENARIO_MAX_CORES) {
		gv_error_set(err, NULL, 0, 0, "%u cores is too many (at most %d)", opt->cores, SCENARIO_MAX_CORES);
		return NULL;
	}
	size_t cap = opt->ring_capacity ? opt->ring_capacity
		     : opt->virtual_time ? ENGINE_VIRTUAL_RING : ENGINE_DEFAULT_RING;
	/* In real time, a lane per simulated thread (and one for the GILs'
	 * own events), as far as RING_MAX_LANES goes: threads that run at
	 * once then never contend for the ring. Virtual time pushes from one
	 * OS thread, every event as it happens (sync.h's offcore), so one
	 * lane holds them in time order with nothing to merge (merging nine
	 * lanes was 7% of the instructions of an 8-thread run). */
	size_t lanes = opt->virtual_time ? 1
		       : sc->nthreads + 1 < RING_MAX_LANES ? sc->nthreads + 1 : RING_MAX_LANES;
	struct ring *ring = ring_create_lanes(cap, lanes);
	if (!ring) {
		gv_error_set(err, NULL, 0, 0, "cannot make an event ring of %zu events", cap);
		return NULL;
	}
	/* In real time the simulated threads push: the ring's pages are
	 * faulted in now, not in their pushes. Virtual time takes them as
	 * its events reach them (a short run never touches most). */
	if (!opt->virtual_time)
		ring_touch(ring);

	struct engine *e = xcalloc(1, sizeof *e);
	e->sc = sc;
	e->ring = ring;
	e->slow = slow;
	e->policy = opt->policy >= 0 ? (enum gil_policy)opt->policy : sc->policy;
	e->interval_ns = opt->interval_ns ? opt->interval_ns : sc->interval_ns;
	e->duration_ns = scaled(e, opt->duration_ns ? opt->duration_ns : sc->duration_ns);
	atomic_init(&e->end_t, -1);
	if (opt->virtual_time) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		e->cores = opt->cores ? opt->cores : sc->cores ? sc->cores : n > 0 ? (unsigned)n : 1;
		e->seed = opt->seed;
		e->speed = opt->speed;
		e->sync = sync_virtual_create(e->cores, e->seed);
		sync_virtual_set_speed(e->sync, e->speed);
		snprintf(e->time_mode, sizeof e->time_mode, "virtual (seed %" PRIu64 ", %u core%s)",
			 e->seed, e->cores, e->cores == 1 ? "" : "s");
	} else {
		e->sync = sync_real_create();
		snprintf(e->time_mode, sizeof e->time_mode, "real");
	}
	e->chunk_ticks = (uint64_t)(ENGINE_CHUNK_NS / e->sync->tick_ns) + 1;
	e->ctl_mutex = e->sync->ops->mutex_new(e->sync);
	e->stw_cond = e->sync->ops->cond_new(e->sync);

	e->ngils = sc->nprocs;
	e->gils = xcalloc(e->ngils, sizeof *e->gils);
	for (size_t i = 0; i < e->ngils; i++) {
		e->gils[i] = gil_create(e->policy, e->sync, e->ring, (unsigned)i);
		gil_set_interval(e->gils[i], scaled(e, e->interval_ns));
		gil_set_checkinterval(e->gils[i], sc->checkinterval);
		gil_set_slow(e->gils[i], e->slow);
	}
	e->nthreads = sc->nthreads;
	e->threads = xcalloc(e->nthreads, sizeof *e->threads);
	for (size_t i = 0; i < e->nthreads; i++) {
		struct sim_thread *st = &e->threads[i];
		st->e = e;
		st->sc = &sc->threads[i];
		gil_thread_init(&st->gt, e->gils[st->sc->process], (uint16_t)i);
		st->gt.on_detach = cs_on_detach;
		if (st->sc->ntasks)
			st->loop = loop_create(e, st->sc);
	}
	if (sc->startup == SC_START_ONE_BY_ONE)
		chain_starts(e);
	queues_create(e);
	e->nobjects = sc->nobjects;
	e->objects = xcalloc(e->nobjects ? e->nobjects : 1, sizeof *e->objects);
	for (size_t o = 0; o < e->nobjects; o++)
		e->objects[o].cond = e->sync->ops->cond_new(e->sync);
	e->gc_every = scaled(e, sc->gc_every_ns);
	e->gc_pause = scaled(e, sc->gc_pause_ns);
	atomic_init(&e->gc_due, -1);
	return e;
}

static void join_all(struct engine *e);

void engine_destroy(struct engine *e)
{
	if (!e)
		return;
	if (e->started && !e->joined) {
		/* Nobody reads the ring any more: wind down at once. */
		engine_stop(e);
		join_all(e);
	}
	for (size_t i = 0; i < e->ngils; i++)
		gil_destroy(e->gils[i]);
	free(e->gils);
	queues_free(e);
	for (size_t o = 0; o < e->nobjects; o++)
		e->sync->ops->cond_free(e->sync, e->objects[o].cond);
	free(e->objects);
	for (size_t i = 0; i < e->nthreads; i++) {
		loop_free(e, e->threads[i].loop);
		if (e->threads[i].gate)
			e->sync->ops->cond_free(e->sync, e->threads[i].gate);
	}
	free(e->threads);
	e->sync->ops->cond_free(e->sync, e->stw_cond);
	e->sync->ops->mutex_free(e->sync, e->ctl_mutex);
	sync_destroy(e->sync);
	ring_destroy(e->ring);
	free(e);
}

static bool stopping(const struct engine *e)
{
	return atomic_load_explicit(&e->stop, memory_order_relaxed);
}

/* Where a thread may be held while the run is paused (the backend holds
 * it). Returns false once the run is stopping. */
static bool checkpoint(struct engine *e)
{
	e->sync->ops->hold(e->sync);
	return !stopping(e);
}

/* ---------------------------------------------------------------- */
/* critical sections                                                */
/* ---------------------------------------------------------------- */

/* Do critical sections take locks? Only without a GIL: under a GIL
 * CPython compiles them to nothing, and once the GIL has been turned on
 * they are suspended whenever it changes hands, so none is ever waited
 * for. */
static bool cs_active(const struct sim_thread *st)
{
	return gil_policy(st->gt.gil) == GIL_NONE;
}

/* Take the lock of section i (waiting while another thread has it).
 * ctl_mutex held. Not taken if the run stops meanwhile. */
static void cs_lock_locked(struct sim_thread *st, int i)
{
	struct engine *e = st->e;
	unsigned obj = st->cs[i].object;
	struct eobject *o = &e->objects[obj];
	int64_t t0 = sync_now(e->sync);
	bool waited = false;
	if (o->holder && o->holder != st) {
		waited = true;
		gil_emit(&st->gt, EV_LOCK_WAIT, (uint8_t)obj, 0);
		o->waiters++;
		while (o->holder && !stopping(e))
			sync_wait(e->sync, o->cond, e->ctl_mutex);
		o->waiters--;
	}
	if (o->holder)
		return; /* stopping */
	o->holder = st;
	st->cs[i].held = true;
	st->cs[i].since = sync_now(e->sync);
	gil_emit(&st->gt, EV_LOCK_TAKE, (uint8_t)obj,
		 waited ? (uint64_t)(st->cs[i].since - t0) : 0);
}

/* Release it: recorded before a waiter can take it. ctl_mutex held. */
static void cs_unlock_locked(struct sim_thread *st, int i)
{
	struct engine *e = st->e;
	unsigned obj = st->cs[i].object;
	struct eobject *o = &e->objects[obj];
	if (!st->cs[i].held)
		return;
	gil_emit(&st->gt, EV_LOCK_RELEASE, (uint8_t)obj,
		 (uint64_t)(sync_now(e->sync) - st->cs[i].since));
	st->cs[i].held = false;
	o->holder = NULL;
	if (o->waiters)
		sync_signal(e->sync, o->cond);
}

/* The thread is about to block: suspend every section it holds. */
static void cs_suspend_locked(struct sim_thread *st)
{
	for (int i = st->ncs - 1; i >= 0; i--)
		cs_unlock_locked(st, i);
}

/* ... and it goes on: take its innermost section again. */
static void cs_resume_locked(struct sim_thread *st)
{
	if (st->ncs && !st->cs[st->ncs - 1].held && cs_active(st) && !stopping(st->e))
		cs_lock_locked(st, st->ncs - 1);
}

static bool cs_held_any(const struct sim_thread *st)
{
	for (int i = 0; i < st->ncs; i++)
		if (st->cs[i].held)
			return true;
	return false;
}

static void cs_suspend(struct sim_thread *st)
{
	if (!cs_held_any(st))
		return;
	sync_lock(st->e->sync, st->e->ctl_mutex);
	cs_suspend_locked(st);
	sync_unlock(st->e->sync, st->e->ctl_mutex);
}

static void cs_resume(struct sim_thread *st)
{
	if (!st->ncs || st->cs[st->ncs - 1].held || !cs_active(st))
		return;
	sync_lock(st->e->sync, st->e->ctl_mutex);
	cs_resume_locked(st);
	sync_unlock(st->e->sync, st->e->ctl_mutex);
}

/* The GIL was turned on and the thread stops running without it. */
static void cs_on_detach(struct gil_thread *t, bool detach)
{
	struct sim_thread *st = (struct sim_thread *)((char *)t - offsetof(struct sim_thread, gt));
	if (detach)
		cs_suspend(st);
	else
		cs_resume(st);
}

/* with O {: enter O's section. If O's lock is taken, the thread would
 * block: its other sections are suspended first. */
static void cs_enter(struct sim_thread *st, unsigned object)
{
	struct engine *e = st->e;
	int i = st->ncs++;
	st->cs[i].object = object;
	st->cs[i].held = false;
	if (!cs_active(st))
		return;
	sync_lock(e->sync, e->ctl_mutex);
	struct sim_thread *h = e->objects[object].holder;
	if (h && h != st)
		for (int k = i - 1; k >= 0; k--)
			cs_unlock_locked(st, k);
	cs_lock_locked(st, i);
	sync_unlock(e->sync, e->ctl_mutex);
}

/* }: leave the innermost section; the one around it, if suspended, is
 * taken again. */
static void cs_leave(struct sim_thread *st)
{
	struct engine *e = st->e;
	if (!st->ncs)
		return;
	bool again = st->ncs > 1 && !st->cs[st->ncs - 2].held && cs_active(st);
	if (!st->cs[st->ncs - 1].held && !again) {
		st->ncs--;
		return;
	}
	sync_lock(e->sync, e->ctl_mutex);
	cs_unlock_locked(st, st->ncs - 1);
	st->ncs--;
	cs_resume_locked(st);
	sync_unlock(e->sync, e->ctl_mutex);
}

/* The thread blocks (io, sleep, C code that releases the GIL, a queue):
 * its sections are suspended, then the GIL released; it goes on once it
 * has the GIL back and its innermost section again. */
static void thread_detach(struct sim_thread *st, enum release_reason reason)
{
	cs_suspend(st);
	gil_drop(&st->gt, reason);
}

static void thread_attach(struct sim_thread *st)
{
	gil_take(&st->gt);
	cs_resume(st);
}

/* Stop-the-world. A thread that reaches a check while another thread's
 * gc pause is in progress stops there (STW_STOP) until the pause ends
 * (STW_GO), as CPython's threads stop at their next eval-breaker check
 * for the collector. ctl_mutex held. */
static void stw_wait_locked(struct sim_thread *st)
{
	struct engine *e = st->e;
	if (!e->stw_owner || e->stw_owner == st || stopping(e))
		return;
	int64_t t0 = sync_now(e->sync);
	/* Stopped, it is detached: its sections are suspended. */
	cs_suspend_locked(st);
	gil_emit(&st->gt, EV_STW_STOP, 0, 0);
	while (e->stw_owner && !stopping(e))
		sync_wait(e->sync, e->stw_cond, e->ctl_mutex);
	gil_emit(&st->gt, EV_STW_GO, 0, (uint64_t)(sync_now(e->sync) - t0));
	cs_resume_locked(st);
}

static bool stw_pause(struct sim_thread *st, int64_t ns);

/* gc every: the first thread at a check at or after the due time, holding
 * its GIL, collects (the op gc, as if the script had it there). */
static bool gc_due_check(struct sim_thread *st)
{
	struct engine *e = st->e;
	int64_t due = atomic_load_explicit(&e->gc_due, memory_order_relaxed);
	if (due < 0 || !st->gt.holding)
		return true;
	int64_t now = sync_now(e->sync);
	if (now < due)
		return true;
	sync_lock(e->sync, e->ctl_mutex);
	due = atomic_load_explicit(&e->gc_due, memory_order_relaxed);
	bool mine = now >= due;
	if (mine) {
		/* Collections missed (no thread ran) are not made up. */
		while (due <= now)
			due += e->gc_every;
		atomic_store_explicit(&e->gc_due, due, memory_order_relaxed);
	}
	sync_unlock(e->sync, e->ctl_mutex);
	if (!mine)
		return true;
	gil_emit(&st->gt, EV_OP_START, OP_GC, (uint64_t)e->gc_pause);
	bool ok = stw_pause(st, e->gc_pause);
	gil_emit(&st->gt, EV_OP_END, OP_GC, 0);
	return ok;
}

/* The check: cheap when no pause is in progress, no collection is due
 * and the GIL has not been turned on. */
static bool stw_check(struct sim_thread *st)
{
	struct engine *e = st->e;
	if (atomic_load_explicit(&e->stw, memory_order_acquire)) {
		sync_lock(e->sync, e->ctl_mutex);
		stw_wait_locked(st);
		sync_unlock(e->sync, e->ctl_mutex);
	}
	if (gil_must_reattach(&st->gt))
		gil_reattach(&st->gt);
	if (!gc_due_check(st))
		return false;
	return !stopping(e);
}

/* Ticks of work to run before the next look: at most a chunk, and no
 * further than a collection that is due. */
static uint64_t chunk_of(const struct engine *e, uint64_t left)
{
	uint64_t chunk = left < e->chunk_ticks ? left : e->chunk_ticks;
	int64_t due = atomic_load_explicit(&e->gc_due, memory_order_relaxed);
	if (due >= 0) {
		int64_t until = due - sync_now(e->sync);
		uint64_t n = until > 0 ? (uint64_t)((double)until / e->sync->tick_ns) + 1 : 1;
		if (n < chunk)
			chunk = n;
	}
	return chunk;
}

/* gc P: waits for a pause in progress to end, then pauses the world for
 * P of work that checks nothing. It keeps the GIL it holds (under a GIL
 * policy the collecting thread holds it throughout); the others stop at
 * their next check. */
static bool run_unchecked(struct engine *e, int64_t ns);

static bool stw_pause(struct sim_thread *st, int64_t ns)
{
	struct engine *e = st->e;
	struct sync *s = e->sync;
	sync_lock(s, e->ctl_mutex);
	stw_wait_locked(st);
	e->stw_owner = st;
	atomic_store_explicit(&e->stw, 1, memory_order_release);
	sync_unlock(s, e->ctl_mutex);
	bool ok = run_unchecked(e, ns);
	sync_lock(s, e->ctl_mutex);
	e->stw_owner = NULL;
	atomic_store_explicit(&e->stw, 0, memory_order_release);
	sync_broadcast(s, e->stw_cond);
	sync_unlock(s, e->ctl_mutex);
	return ok;
}

/* Block for ns of the run's time, but wake early if the run stops. */
static bool engine_sleep(struct engine *e, int64_t ns)
{
	return sync_sleep(e->sync, ns) && checkpoint(e);
}

static uint64_t ticks_of(const struct engine *e, int64_t ns)
{
	return (uint64_t)((double)ns / e->sync->tick_ns + 0.5);
}

/* Work that checks nothing (native code), with or without the GIL. */
static bool run_unchecked(struct engine *e, int64_t ns)
{
	struct sync *s = e->sync;
	uint64_t left = ticks_of(e, ns);
	while (left) {
		uint64_t chunk = left < e->chunk_ticks ? left : e->chunk_ticks;
		s->ops->cpu(s, chunk, NULL);
		left -= chunk;
		if (!checkpoint(e))
			return false;
	}
	return true;
}

/* An item was added to q: wake one blocked getter and the loops that
 * await q and sleep. ctl_mutex held. */
static void queue_added_locked(struct engine *e, struct equeue *q)
{
	struct sync *s = e->sync;
	if (q->getters)
		sync_signal(s, q->not_empty);
	for (size_t i = 0; i < q->nloops; i++)
		if (q->loops[i]->loop->sleeping)
			sync_signal(s, q->loops[i]->loop->cond);
}

/* An item was taken from q: a blocked putter may go on. */
static void queue_taken_locked(struct engine *e, struct equeue *q)
{
	if (q->putters)
		sync_signal(e->sync, q->not_full);
}

static bool queue_full(const struct equeue *q)
{
	return q->size && q->items >= q->size;
}

/* put Q: blocks (without the GIL) only while a sized queue is full. */
static bool queue_put(struct sim_thread *st, struct equeue *q)
{
	struct engine *e = st->e;
	struct sync *s = e->sync;
	bool dropped = false;
	sync_lock(s, e->ctl_mutex);
	if (queue_full(q) && !stopping(e)) {
		sync_unlock(s, e->ctl_mutex);
		thread_detach(st, RELEASE_BLOCKING);
		dropped = true;
		sync_lock(s, e->ctl_mutex);
		q->putters++;
		e->stuck++;
		check_deadlock_locked(e);
		while (queue_full(q) && !stopping(e))
			sync_wait(s, q->not_full, e->ctl_mutex);
		q->putters--;
		e->stuck--;
	}
	bool ok = !stopping(e);
	if (ok) {
		q->items++;
		queue_added_locked(e, q);
	}
	sync_unlock(s, e->ctl_mutex);
	if (ok && dropped)
		thread_attach(st);
	return ok;
}

/* get Q: takes an item at once if there is one; otherwise releases the
 * GIL and blocks until a put. */
static bool queue_get(struct sim_thread *st, struct equeue *q)
{
	struct engine *e = st->e;
	struct sync *s = e->sync;
	bool dropped = false;
	sync_lock(s, e->ctl_mutex);
	if (!q->items && !stopping(e)) {
		sync_unlock(s, e->ctl_mutex);
		thread_detach(st, RELEASE_BLOCKING);
		dropped = true;
		sync_lock(s, e->ctl_mutex);
		q->getters++;
		e->stuck++;
		check_deadlock_locked(e);
		while (!q->items && !stopping(e))
			sync_wait(s, q->not_empty, e->ctl_mutex);
		q->getters--;
		e->stuck--;
	}
	bool ok = !stopping(e);
	if (ok) {
		q->items--;
		queue_taken_locked(e, q);
	}
	sync_unlock(s, e->ctl_mutex);
	if (ok && dropped)
		thread_attach(st);
	return ok;
}

/* One leaf op. Returns false if the run stopped during it. */
static bool run_leaf(struct sim_thread *st, const struct op *op)
{
	struct engine *e = st->e;
	struct gil_thread *t = &st->gt;
	int64_t ns = scaled(e, op->ns);
	bool ok = true;

	gil_emit(t, EV_OP_START, (uint8_t)op->kind, (uint64_t)ns);
	switch (op->kind) {
	case OP_CPU: {
		/* Free-threaded CPython runs pure Python a little slower. */
		if (e->policy == GIL_NONE)
			ns += ns / 1000 * (int64_t)e->sc->slowdown_permille;
		uint64_t left = ticks_of(e, ns);
		while (left && ok) {
			uint64_t chunk = chunk_of(e, left);
			gil_run_ticks(t, chunk);
			left -= chunk;
			ok = checkpoint(e) && stw_check(st);
		}
		break;
	}
	case OP_SPIN: {
		int64_t until = sync_now(e->sync) + ns;
		for (int64_t now = sync_now(e->sync); now < until && ok;
		     now = sync_now(e->sync)) {
			int64_t step = now + ENGINE_CHUNK_NS;
			int64_t due = atomic_load_explicit(&e->gc_due, memory_order_relaxed);
			if (due > now && due < step)
				step = due;
			gil_run_until(t, step < until ? step : until);
			ok = checkpoint(e) && stw_check(st);
		}
		break;
	}
	case OP_IO:
	case OP_SLEEP:
		thread_detach(st, RELEASE_BLOCKING);
		ok = engine_sleep(e, ns);
		if (ok)
			thread_attach(st);
		break;
	case OP_NATIVE:
		thread_detach(st, RELEASE_NATIVE);
		ok = run_unchecked(e, ns);
		if (ok)
			thread_attach(st);
		break;
	case OP_IMPORT_UNSAFE:
		/* Under none the GIL is turned on; the sections are suspended
		 * while the importer waits for the others to stop. A thread
		 * that finds it on already takes it at the check below. */
		if (t->free_hold) {
			cs_suspend(st);
			gil_enable(t, op->module);
			cs_resume(st);
		}
		ok = checkpoint(e) && stw_check(st);
		break;
	case OP_NATIVE_HOLD:
		ok = run_unchecked(e, ns);
		break;
	case OP_GC:
		ok = stw_pause(st, ns);
		break;
	case OP_PUT:
		ok = queue_put(st, &e->queues[op->queue]) && checkpoint(e);
		break;
	case OP_GET:
		ok = queue_get(st, &e->queues[op->queue]) && checkpoint(e);
		break;
	default:
		break;
	}
	gil_emit(t, EV_OP_END, (uint8_t)op->kind, 0);
	return ok;
}

/* ---------------------------------------------------------------- */
/* the op interpreter                                               */
/* ---------------------------------------------------------------- */

static void cursor_init(struct cursor *c, const struct op *ops, size_t n)
{
	c->stack[0] = (struct frame){ ops, n, 0, 1, NULL };
	c->depth = 1;
}

/* The script's next leaf op, stepping into and out of repeat and forever
 * blocks; NULL at the end of the script. A with block is returned as it
 * is entered (*leave false) and as it is left (*leave true), for the
 * interpreter to take and release its lock. Bodies are never empty, so
 * this always ends. */
static const struct op *cursor_next(struct cursor *c, bool *leave)
{
	*leave = false;
	while (c->depth > 0) {
		struct frame *f = &c->stack[c->depth - 1];
		if (f->i == f->n) {
			if (f->left == UINT64_MAX || --f->left > 0) {
				f->i = 0;
				continue;
			}
			c->depth--;
			if (f->with) {
				*leave = true;
				return f->with;
			}
			continue;
		}
		const struct op *op = &f->ops[f->i++];
		if (op->kind == OP_REPEAT || op->kind == OP_FOREVER || op->kind == OP_WITH) {
			c->stack[c->depth++] = (struct frame){
				op->body, op->nbody, 0,
				op->kind == OP_FOREVER ? UINT64_MAX :
				op->kind == OP_WITH ? 1 : op->count,
				op->kind == OP_WITH ? op : NULL,
			};
			if (op->kind == OP_WITH)
				return op;
			continue;
		}
		return op;
	}
	return NULL;
}

/* A check site. Between two ops, at every turn of a loop and between two
 * asyncio tasks there is bytecode (a call returns, a backward jump, the
 * event loop's own code), and CPython checks the eval breaker there. So
 * here: one tick of work holding the GIL, then the check (new: a pending
 * drop request makes the holder drop; legacy: the tick counts toward the
 * checkinterval), and the engine's look at pause and stop. The tick is
 * also what makes a loop of ops that take no time (`forever { cpu 0ns }`)
 * move the clock on, as bytecode would: in virtual time 50 ns a turn. */
static bool check_site(struct sim_thread *st)
{
	if (!checkpoint(st->e) || !stw_check(st))
		return false;
	if (st->gt.holding)
		gil_run_ticks(&st->gt, 1);
	return !stopping(st->e);
}

enum run_end { RUN_END, RUN_AWAIT, RUN_STOPPED };

/* The one op interpreter, for a thread's script and an asyncio task's
 * alike: runs from where the cursor is to the end of the script, to an
 * await (returned in *await, for the loop to suspend the task), or until
 * the run stops. */
static enum run_end interpret(struct sim_thread *st, struct cursor *c,
			      const struct op **await)
{
	for (;;) {
		if (!check_site(st))
			return RUN_STOPPED;
		/* Entering and leaving a critical section is C code: no
		 * check site of its own. */
		bool leave;
		const struct op *op;
		while ((op = cursor_next(c, &leave)) && op->kind == OP_WITH) {
			if (leave)
				cs_leave(st);
			else
				cs_enter(st, op->object);
		}
		if (!op)
			return RUN_END;
		if (op_kind_is_await(op->kind)) {
			*await = op;
			return RUN_AWAIT;
		}
		if (!run_leaf(st, op))
			return RUN_STOPPED;
	}
}

/* ---------------------------------------------------------------- */
/* asyncio loops                                                    */
/* ---------------------------------------------------------------- */

static void ready_push(struct loop *l, size_t task)
{
	l->ready[(l->head + l->nready) % l->ntasks] = task;
	l->nready++;
	l->tasks[task].state = TASK_READY;
}

static size_t ready_pop(struct loop *l)
{
	size_t task = l->ready[l->head];
	l->head = (l->head + 1) % l->ntasks;
	l->nready--;
	return task;
}

/* Run task i from where it was to its next await (which suspends it) or
 * its end. Returns false if the run stopped. */
static bool task_step(struct sim_thread *st, size_t i)
{
	struct engine *e = st->e;
	struct loop *l = st->loop;
	struct task *k = &l->tasks[i];
	const struct op *op = NULL;
	switch (interpret(st, &k->cur, &op)) {
	case RUN_STOPPED:
		return false;
	case RUN_END:
		k->state = TASK_DONE;
		l->live--;
		return true;
	case RUN_AWAIT:
		break;
	}
	int64_t ns = scaled(e, op->ns);
	gil_emit(&st->gt, EV_OP_START, (uint8_t)op->kind, (uint64_t)ns);
	k->await = op;
	k->seq = l->seq++;
	k->key = sync_now(e->sync);
	if (op->kind == OP_AWAIT_GET) {
		k->state = TASK_QUEUE;
		sync_lock(e->sync, e->ctl_mutex);
		e->queues[op->queue].awaiting++;
		sync_unlock(e->sync, e->ctl_mutex);
	} else {
		k->state = TASK_TIMER;
		k->key += ns;
	}
	return true;
}

/* Make ready the tasks whose timer is due or whose queue has an item for
 * them, earliest first. ctl_mutex held. */
static void loop_poll_locked(struct sim_thread *st)
{
	struct engine *e = st->e;
	struct loop *l = st->loop;
	int64_t now = sync_now(e->sync);
	size_t n = 0;
	for (size_t i = 0; i < l->ntasks; i++) {
		const struct task *k = &l->tasks[i];
		if ((k->state == TASK_TIMER && k->key <= now) ||
		    (k->state == TASK_QUEUE && e->queues[k->await->queue].items)) {
			/* Insertion by (key, seq): few are due at once. */
			size_t j = n++;
			while (j > 0) {
				const struct task *o = &l->tasks[l->cand[j - 1]];
				if (o->key < k->key || (o->key == k->key && o->seq < k->seq))
					break;
				l->cand[j] = l->cand[j - 1];
				j--;
			}
			l->cand[j] = i;
		}
	}
	for (size_t c = 0; c < n; c++) {
		struct task *k = &l->tasks[l->cand[c]];
		if (k->state == TASK_QUEUE) {
			struct equeue *q = &e->queues[k->await->queue];
			if (!q->items)
				continue;
			q->items--;
			q->awaiting--;
			queue_taken_locked(e, q);
		}
		ready_push(l, l->cand[c]);
	}
}

static bool loop_waiting(const struct loop *l)
{
	for (size_t i = 0; i < l->ntasks; i++)
		if (l->tasks[i].state == TASK_TIMER || l->tasks[i].state == TASK_QUEUE)
			return true;
	return false;
}

static void loop_poll(struct sim_thread *st)
{
	struct engine *e = st->e;
	if (!loop_waiting(st->loop))
		return;
	sync_lock(e->sync, e->ctl_mutex);
	loop_poll_locked(st);
	sync_unlock(e->sync, e->ctl_mutex);
}

/* No task is ready: release the GIL, sleep until the earliest timer or an
 * item for an awaiting task, and take the GIL back. */
static bool loop_block(struct sim_thread *st)
{
	struct engine *e = st->e;
	struct sync *s = e->sync;
	struct loop *l = st->loop;
	bool stuck = false;
	thread_detach(st, RELEASE_BLOCKING);
	sync_lock(s, e->ctl_mutex);
	l->sleeping = true;
	while (!stopping(e)) {
		loop_poll_locked(st);
		if (l->nready)
			break;
		int64_t next = INT64_MAX;
		for (size_t i = 0; i < l->ntasks; i++)
			if (l->tasks[i].state == TASK_TIMER && l->tasks[i].key < next)
				next = l->tasks[i].key;
		if (next == INT64_MAX) {
			if (!stuck) {
				stuck = true;
				e->stuck++;
				check_deadlock_locked(e);
			}
			sync_wait(s, l->cond, e->ctl_mutex);
		} else {
			int64_t left = next - sync_now(s);
			if (left > 0)
				sync_timedwait(s, l->cond, e->ctl_mutex, left);
		}
	}
	if (stuck)
		e->stuck--;
	l->sleeping = false;
	bool ok = !stopping(e);
	sync_unlock(s, e->ctl_mutex);
	if (!ok)
		return false;
	thread_attach(st);
	return true;
}

/* The loop's thread: run_forever() until every task is done. */
static bool loop_run(struct sim_thread *st)
{
	struct loop *l = st->loop;
	const struct sc_thread *t = st->sc;
	l->head = l->nready = 0;
	l->live = l->ntasks;
	for (size_t i = 0; i < l->ntasks; i++) {
		struct task *k = &l->tasks[i];
		memset(k, 0, sizeof *k);
		cursor_init(&k->cur, t->tasks[i].ops, t->tasks[i].nops);
		ready_push(l, i);
	}
	for (;;) {
		loop_poll(st);
		if (l->nready) {
			size_t i = ready_pop(l);
			struct task *k = &l->tasks[i];
			gil_emit(&st->gt, EV_TASK, 0, i);
			if (k->await) {
				gil_emit(&st->gt, EV_OP_END, (uint8_t)k->await->kind, 0);
				k->await = NULL;
			}
			if (!task_step(st, i))
				return false;
			continue;
		}
		if (!l->live)
			return true;
		if (!loop_block(st))
			return false;
	}
}

/* The sync backend found the thread runnable but off a core from from
 * to to (sync.h): its state is "waiting for a core" meanwhile, whatever
 * it holds. Only between its start and its end; a stretch whose end
 * is reported with its beginning is dropped if it is empty, one whose
 * beginning is out already is closed whatever its length. */
static void engine_offcore(void *arg, int64_t from, int64_t to, unsigned parts)
{
	struct sim_thread *st = arg;
	if (parts & SYNC_OFF_BEGIN) {
		st->off_open = st->gt.seq != 0 && !st->ended &&
			       (!(parts & SYNC_OFF_END) || to > from);
		if (st->off_open)
			gil_emit_at(&st->gt, (uint64_t)from, EV_OFF_CORE, 0, 0);
	}
	if ((parts & SYNC_OFF_END) && st->off_open) {
		st->off_open = false;
		gil_emit_at(&st->gt, (uint64_t)to, EV_ON_CORE, 0, (uint64_t)(to - from));
	}
}

/* Virtual time waits for the ring's reader (sync.h's backlog). */
static bool engine_backlog(void *ring)
{
	return ring_half_full(ring);
}

/* Wait until the thread before has started (true), or the run stops. */
static bool start_gate(struct sim_thread *st)
{
	struct engine *e = st->e;
	if (!st->gate)
		return true;
	sync_lock(e->sync, e->ctl_mutex);
	while (!st->gate_open && !stopping(e))
		sync_wait(e->sync, st->gate, e->ctl_mutex);
	sync_unlock(e->sync, e->ctl_mutex);
	return !stopping(e);
}

/* The thread has started: the next one may. */
static void start_next(struct sim_thread *st)
{
	struct sim_thread *n = st->next;
	if (!n)
		return;
	struct engine *e = st->e;
	sync_lock(e->sync, e->ctl_mutex);
	n->gate_open = true;
	sync_signal(e->sync, n->gate);
	sync_unlock(e->sync, e->ctl_mutex);
}

static void *sim_thread_main(void *arg)
{
	struct sim_thread *st = arg;
	struct engine *e = st->e;
	struct gil_thread *t = &st->gt;

	bool ok = true;
	if (st->sc->start_ns > 0)
		ok = engine_sleep(e, scaled(e, st->sc->start_ns));
	if (ok && start_gate(st) && checkpoint(e)) {
		gil_emit(t, EV_THREAD_START, 0, 0);
		/* A Python thread needs the GIL before its first bytecode. */
		gil_take(t);
		start_next(st);
		if (st->loop) {
			loop_run(st);
		} else {
			struct cursor c;
			const struct op *await = NULL;
			cursor_init(&c, st->sc->ops, st->sc->nops);
			interpret(st, &c, &await);
		}
		cs_suspend(st);
		if (t->holding)
			gil_drop(t, RELEASE_EXIT);
		gil_emit(t, EV_THREAD_END, 0, 0);
	}
	st->ended = true;

	struct sync *s = e->sync;
	sync_lock(s, e->ctl_mutex);
	atomic_fetch_sub(&e->alive, 1);
	check_deadlock_locked(e);
	s->ops->poke(s);
	sync_unlock(s, e->ctl_mutex);
	return NULL;
}

void engine_start(struct engine *e)
{
	if (e->started)
		return;
	e->started = true;
	e->start_t = sync_now(e->sync);
	if (e->gc_every > 0)
		atomic_store(&e->gc_due, e->start_t + e->gc_every);
	e->sync->offcore = engine_offcore;
	if (sync_is_virtual(e->sync)) {
		e->sync->backlog = engine_backlog;
		e->sync->backlog_arg = e->ring;
		/* A look is a few events: a small ring is asked at each. */
		size_t every = ring_capacity(e->ring) / 1024;
		e->sync->backlog_every = every < 1 ? 1 : every > 64 ? 64 : (unsigned)every;
	}
	atomic_store(&e->alive, (int)e->nthreads);
	for (size_t i = 0; i < e->nthreads; i++)
		e->threads[i].th = e->sync->ops->thread_start(e->sync, sim_thread_main,
							       &e->threads[i]);
}

static void join_all(struct engine *e)
{
	if (e->joined)
		return;
	for (size_t i = 0; i < e->nthreads; i++)
		e->sync->ops->thread_join(e->sync, e->threads[i].th);
	e->joined = true;
	if (atomic_load(&e->end_t) < 0)
		atomic_store(&e->end_t, sync_now(e->sync));
}

/* The run ends at end_t: stop every thread (from the driving thread: in
 * virtual time the simulated threads are not running now). Real time
 * joins them now. Virtual time's threads wind down as the driver's next
 * engine_wait calls run them (wind_down), which stop while the ring is
 * half full, so that the driver reads the ring between them and nothing
 * the threads say on their way out is dropped. */
static void finish(struct engine *e, int64_t end_t)
{
	struct sync *s = e->sync;
	if (atomic_load(&e->end_t) < 0)
		atomic_store(&e->end_t, end_t);
	/* Before the lock: in virtual time a thread may hold it, and run on
	 * until it lets go (virtual_lock), already stopping. */
	atomic_store(&e->stop, 1);
	sync_lock(s, e->ctl_mutex);
	wake_all_locked(e);
	sync_unlock(s, e->ctl_mutex);
	if (sync_is_virtual(s))
		e->winding = true;
	else
		join_all(e);
}

/* Virtual time, once stopped: run the threads to their ends, as far as
 * the ring lets it (true: every thread has ended and been joined). One
 * that never ends is a fatal error, as in join_all. */
static bool wind_down(struct engine *e)
{
	enum sync_virtual_status st;
	do
		st = sync_virtual_run(e->sync, INT64_MAX);
	while (st == SYNC_VIRTUAL_POKED);
	if (st == SYNC_VIRTUAL_BACKLOG)
		return false;
	join_all(e);
	return true;
}

/* The one run loop, in both times: the backend moves the clock (waits
 * in real time, runs the simulation in virtual time); the engine looks
 * whether the run has ended. */
bool engine_wait(struct engine *e, int64_t timeout_ns)
{
	if (!e->started)
		return false;
	if (e->joined)
		return true;
	if (e->winding)
		return wind_down(e);
	struct sync *s = e->sync;
	int64_t dl = e->duration_ns ? e->start_t + e->duration_ns : INT64_MAX;
	int st = sync_advance(s, dl, timeout_ns);
	/* A poke says a thread ended or every thread blocks: the run goes on
	 * if it has not ended (one poke a frame made a UI wind 300 threads
	 * down over 300 frames). */
	while ((st == SYNC_POKED || (timeout_ns < 0 && st == SYNC_UNTIL)) &&
	       atomic_load(&e->alive) > 0 && !engine_deadlocked(e) && sync_now(s) < dl)
		st = sync_advance(s, dl, timeout_ns);
	if (st == SYNC_ENDED || atomic_load(&e->alive) == 0) {
		if (atomic_load(&e->end_t) < 0)
			atomic_store(&e->end_t, sync_now(s));
		join_all(e);
		return true;
	}
	if (atomic_load(&e->deadlock)) {
		finish(e, e->deadlock_t);
		return e->joined || wind_down(e);
	}
	/* Stopped for its reader at dl, timers due at dl may not have
	 * fired yet: the end is where the run reaches dl whole. */
	if (st != SYNC_BACKLOG && sync_now(s) >= dl) {
		finish(e, dl);
		return e->joined || wind_down(e);
	}
	if (st == SYNC_STUCK)
		fatal("every simulated thread is blocked for ever");
	return false;
}

void engine_stop(struct engine *e)
{
	if (!e->started || e->joined || e->winding)
		return;
	finish(e, sync_now(e->sync));
}

bool engine_deadlocked(const struct engine *e)
{
	return atomic_load(&e->deadlock);
}

void engine_pause(struct engine *e)
{
	atomic_store(&e->paused, 1);
	e->sync->ops->pause(e->sync, true);
}

void engine_resume(struct engine *e)
{
	atomic_store(&e->paused, 0);
	e->sync->ops->pause(e->sync, false);
}

bool engine_paused(const struct engine *e)
{
	return atomic_load(&e->paused);
}

int engine_set_interval(struct engine *e, int64_t ns)
{
	if (ns <= 0)
		return -1;
	for (size_t i = 0; i < e->ngils; i++)
		gil_set_interval(e->gils[i], scaled(e, ns));
	e->interval_ns = ns;
	return 0;
}

int64_t engine_interval(const struct engine *e)
{
	return e->ngils ? (int64_t)((double)gil_interval(e->gils[0]) / e->slow)
			: e->interval_ns;
}

struct ring *engine_ring(const struct engine *e)
{
	return e->ring;
}

int64_t engine_now(const struct engine *e)
{
	return sync_now(e->sync);
}

int64_t engine_elapsed(const struct engine *e)
{
	int64_t end = atomic_load(&e->end_t);
	if (end < 0)
		end = sync_now(e->sync);
	return end - e->start_t;
}

int64_t engine_start_time(const struct engine *e)
{
	return e->start_t;
}

const struct scenario *engine_scenario(const struct engine *e)
{
	return e->sc;
}

enum gil_policy engine_policy(const struct engine *e)
{
	return e->policy;
}

double engine_slow(const struct engine *e)
{
	return e->slow;
}

double engine_tick_ns(const struct engine *e)
{
	return e->sync->tick_ns;
}

const char *engine_time_mode(const struct engine *e)
{
	return e->time_mode;
}

int engine_set_speed(struct engine *e, double speed)
{
	if (!sync_is_virtual(e->sync) || !(speed > 0) || speed > 1e6)
		return -1;
	/* The backend owns the clock: its pace starts over from the virtual
	 * time as it stands. */
	e->speed = speed;
	sync_virtual_set_speed(e->sync, speed);
	return 0;
}

double engine_speed(const struct engine *e)
{
	return sync_is_virtual(e->sync) ? e->speed : 0;
}

bool engine_is_virtual(const struct engine *e)
{
	return sync_is_virtual(e->sync);
}

unsigned engine_cores(const struct engine *e)
{
	return e->cores;
}

uint64_t engine_seed(const struct engine *e)
{
	return e->seed;
}

size_t engine_ngils(const struct engine *e)
{
	return e->ngils;
}

void engine_gil_counters(const struct engine *e, size_t gil, struct gil_counters *out)
{
	gil_counters(e->gils[gil], out);
}
