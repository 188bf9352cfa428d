/*
 * sync.h -- the synchronisation and time a GIL and a simulated thread use.
 *
 * The GIL policies in gil.c are written once, against this interface. The
 * real backend (sync_real.c) maps it onto pthreads and CLOCK_MONOTONIC and
 * runs calibrated CPU work; a virtual backend maps it onto a deterministic
 * scheduler and a virtual clock. Nothing here knows about the GIL.
 *
 * Every call that can fail in the underlying library is checked; a failure
 * is fatal and names the call (a broken mutex is not something to recover
 * from).
 */
#ifndef GILVIZ_SYNC_H
#define GILVIZ_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct sync;
struct sync_mutex;
struct sync_cond;
struct sync_thread;

typedef void *(*sync_thread_fn)(void *arg);

struct sync_ops {
	const char *name;
	/* ns since the backend was created, on a monotonic clock */
	int64_t (*now)(struct sync *s);

	struct sync_mutex *(*mutex_new)(struct sync *s);
	void (*mutex_free)(struct sync *s, struct sync_mutex *m);
	void (*lock)(struct sync *s, struct sync_mutex *m);
	void (*unlock)(struct sync *s, struct sync_mutex *m);

	struct sync_cond *(*cond_new)(struct sync *s);
	void (*cond_free)(struct sync *s, struct sync_cond *c);
	void (*wait)(struct sync *s, struct sync_cond *c, struct sync_mutex *m);
	/* true if it timed out, false if signalled (or woken spuriously) */
	bool (*timedwait)(struct sync *s, struct sync_cond *c,
			  struct sync_mutex *m, int64_t ns);
	void (*signal)(struct sync *s, struct sync_cond *c);
	void (*broadcast)(struct sync *s, struct sync_cond *c);

	/* Block the calling thread for ns of the run's time (io, sleep).
	 * Returns false, at once or early, once interrupt() has been
	 * called. */
	bool (*sleep)(struct sync *s, int64_t ns);
	/* Run up to ticks bytecode ticks of CPU work; stop early, after the
	 * tick in progress, once *stop is non-zero (stop may be NULL: work that
	 * checks nothing). Returns the ticks done. */
	uint64_t (*cpu)(struct sync *s, uint64_t ticks, const atomic_int *stop);
	/* Run CPU work until now() >= until or max_ticks are done, checking
	 * *stop like cpu(). Returns the ticks done. This is
	 * `while time.time() - start < d: pass`. */
	uint64_t (*spin)(struct sync *s, int64_t until, uint64_t max_ticks,
			 const atomic_int *stop);

	struct sync_thread *(*thread_start)(struct sync *s, sync_thread_fn fn,
					    void *arg);
	void *(*thread_join)(struct sync *s, struct sync_thread *t);

	/* The run's time. The backend owns it: it moves the clock (real:
	 * the wall clock, less the time spent paused; virtual: the
	 * scheduler), pauses it, and ends every sleep for a stop.
	 *
	 * pause(true) stops the run's time: now() stands still, and no
	 * sleep, timed wait or duration accrues until pause(false). A
	 * simulated thread calls hold() where it may be held while paused
	 * (between two chunks of work); it returns at once when not paused
	 * or once interrupted. Safe from any thread. */
	void (*pause)(struct sync *s, bool paused);
	void (*hold)(struct sync *s);
	/* From the thread that drives the run: end every sleep and hold,
	 * now and from now on (the run stops). */
	void (*interrupt)(struct sync *s);
	/* From the thread that drives the run: let it go on until now()
	 * reaches until, timeout_ns passes (real: wall time; virtual,
	 * unpaced: a slice of virtual time, so that a consumer that drains
	 * after every call does so at the same virtual times on every run;
	 * virtual, paced: wall time) or, in real time, poke() is called.
	 * Returns SYNC_ENDED once every simulated thread has ended (virtual
	 * only; the caller counts its threads in real time), SYNC_STUCK if
	 * none can ever run again (virtual only). While paused it waits (at
	 * most timeout_ns, or 10 ms for a negative one) and returns
	 * SYNC_UNTIL. */
	int (*advance)(struct sync *s, int64_t until, int64_t timeout_ns);
	/* From a simulated thread: the driver should look now (a thread
	 * ended, the run is stuck). */
	void (*poke)(struct sync *s);

	void (*destroy)(struct sync *s);
};

/* Virtual time stopped short of until: SYNC_BACKLOG, its events' ring
 * half full (struct sync's backlog): drain it and call again;
 * SYNC_POKED, a thread poked the driver (it ended, or every thread
 * blocks for good): look, and call again. */
enum sync_advance { SYNC_UNTIL, SYNC_ENDED, SYNC_STUCK, SYNC_BACKLOG, SYNC_POKED };

/* A stretch [from, to) of the run's time in which a simulated thread was
 * runnable but off a core (the OS had given its core to another thread);
 * arg is the argument its thread_start was given. Its parts say which
 * end the call reports:
 *   SYNC_OFF_BEGIN              the stretch begins at from (to: -1);
 *   SYNC_OFF_END                the stretch begun by the last BEGIN
 *                               ends at to;
 *   SYNC_OFF_BEGIN|SYNC_OFF_END the whole stretch, after the fact.
 * Real time measures a stretch once it is over, and reports it whole in
 * the thread's own context before the thread does anything else.
 * Virtual time knows each end as it happens and reports it then, from
 * whatever context moved the thread (the scheduler, or the thread that
 * took its core): every event then comes in time order (one lane). */
enum { SYNC_OFF_BEGIN = 1, SYNC_OFF_END = 2 };
typedef void (*sync_offcore_fn)(void *arg, int64_t from, int64_t to, unsigned parts);

struct sync {
	const struct sync_ops *ops;
	double tick_ns; /* the calibrated length of one bytecode tick */
	/* Set before the first thread starts, or NULL. Virtual time knows
	 * every such stretch during cpu() and spin() exactly from its
	 * cores, and the one in which a thread that woke another lost its
	 * core to it. Real time measures it: each cpu() or spin() call of at
	 * least SYNC_OFFCORE_MIN_CALL_NS of work compares the thread's CPU
	 * clock (CLOCK_THREAD_CPUTIME_ID) with the wall clock, and a gap of
	 * more than SYNC_OFFCORE_MIN_NS becomes one stretch at the end of
	 * the call (where it was inside the call is not known). A call
	 * that ends at the eval breaker (the GIL is dropped next) reads the
	 * TSC where it is invariant (else the wall clock) and judges the
	 * elapsed time against the work's calibrated length: on that path
	 * CPython reads no clock, and a clock read there changes who gets
	 * the GIL next. */
	sync_offcore_fn offcore;
	/* Set before the first thread starts, or NULL: true while the
	 * events' ring holds half its capacity unread. advance() in virtual
	 * time then stops where it stands and returns SYNC_BACKLOG, so that
	 * the driver drains the ring before the run goes on: a virtual run
	 * waits for its reader and never drops an event, whatever its ring's
	 * size. Real time's threads cannot wait (it would change the run). */
	bool (*backlog)(void *arg);
	void *backlog_arg;
	unsigned backlog_every; /* virtual time asks at one look in this many */
};

#define SYNC_OFFCORE_MIN_NS 100000
#define SYNC_OFFCORE_MIN_CALL_NS 20000

/* The real backend: pthreads, CLOCK_MONOTONIC, calibrated work. The
 * calibration (how many loop iterations make one tick of tick_ns) is done
 * once per process, on the first call. */
struct sync *sync_real_create(void);

/* The virtual backend (sync_virtual.c, which opens with the model):
 * simulated threads are coroutines run by a deterministic scheduler over a
 * virtual clock with cores virtual cores (0 means 1); where an OS would
 * choose, it draws from a PRNG seeded with seed. A tick is always
 * SYNC_VIRTUAL_TICK_NS, so that a run is the same on every machine. */
#define SYNC_VIRTUAL_TICK_NS 50
struct sync *sync_virtual_create(unsigned cores, uint64_t seed);
/* Paced virtual time: advance() keeps the virtual clock at speed virtual
 * seconds per wall second (0: unpaced, as fast as it runs), from the
 * virtual time it stands at. From the thread that calls advance(). */
void sync_virtual_set_speed(struct sync *s, double speed);
bool sync_is_virtual(const struct sync *s);

enum sync_virtual_status {
	SYNC_VIRTUAL_ENDED, /* every thread has ended */
	SYNC_VIRTUAL_UNTIL, /* the clock reached until */
	SYNC_VIRTUAL_STUCK, /* threads live, but none can ever run again */
	SYNC_VIRTUAL_BACKLOG, /* the ring is half full (struct sync's backlog) */
	SYNC_VIRTUAL_POKED,   /* a thread called poke() (it ended, or all block) */
};
/* Run the simulated threads until every one has ended or the clock
 * reaches until (INT64_MAX: no limit), or the events' ring is half full,
 * or a thread pokes. Only the thread that drives the virtual world calls
 * it, never a simulated thread. On UNTIL the clock stands at until; on
 * STUCK at until if it was finite; on BACKLOG and POKED where the run
 * stopped. */
enum sync_virtual_status sync_virtual_run(struct sync *s, int64_t until);
/* The model's constants, for tests and the man page (all in ns). */
struct sync_virtual_model {
	int64_t wake_min, wake_mean, wake_max;    /* signal or unlock to running */
	int64_t timer_min, timer_mean, timer_max; /* deadline to running */
	int64_t switch_ns;  /* from the ready queue onto a core */
	int64_t quantum_ns; /* time slice when threads outnumber cores */
	int64_t wakeup_gran_ns;
	int64_t tick_ns;
	/* A signal wakes the oldest waiter, unless the newest began to wait
	 * at most steal_window_ns before it: then that one, steal_pct[i] % of
	 * the time if its last wait on a condition or sleep lasted
	 * steal_sleep_ns[i] (linear between two points; the end points'
	 * shares beyond them). */
	int64_t steal_window_ns;
	int64_t steal_sleep_ns[3];
	int steal_pct[3];
};
void sync_virtual_model(struct sync_virtual_model *out);
/* Simulated threads started and not ended yet. */
unsigned sync_virtual_live(struct sync *s);
unsigned sync_virtual_cores(struct sync *s);

static inline int64_t sync_now(struct sync *s) { return s->ops->now(s); }
static inline void sync_lock(struct sync *s, struct sync_mutex *m) { s->ops->lock(s, m); }
static inline void sync_unlock(struct sync *s, struct sync_mutex *m) { s->ops->unlock(s, m); }
static inline void sync_wait(struct sync *s, struct sync_cond *c, struct sync_mutex *m) { s->ops->wait(s, c, m); }
static inline bool sync_timedwait(struct sync *s, struct sync_cond *c, struct sync_mutex *m, int64_t ns) { return s->ops->timedwait(s, c, m, ns); }
static inline void sync_signal(struct sync *s, struct sync_cond *c) { s->ops->signal(s, c); }
static inline void sync_broadcast(struct sync *s, struct sync_cond *c) { s->ops->broadcast(s, c); }
static inline bool sync_sleep(struct sync *s, int64_t ns) { return s->ops->sleep(s, ns); }
static inline int sync_advance(struct sync *s, int64_t until, int64_t timeout_ns) { return s->ops->advance(s, until, timeout_ns); }
static inline void sync_destroy(struct sync *s) { if (s) s->ops->destroy(s); }

#endif
