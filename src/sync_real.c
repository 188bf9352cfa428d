/*
 * sync_real.c -- the real backend of sync.h: pthreads, CLOCK_MONOTONIC and
 * calibrated CPU work.
 *
 * CPU work is measured in bytecode ticks. A tick is a fixed number of
 * iterations of a small dependent arithmetic loop, calibrated once per
 * process so that one tick takes about SYNC_TICK_NS on an idle core. It is
 * work, not a timer: when two threads share one core each tick takes twice
 * as long, as a real interpreter's bytecodes do. The eval breaker is checked
 * after every tick, as CPython checks it every few bytecodes in a
 * pure-Python loop.
 *
 * The run's clock is CLOCK_MONOTONIC less the time spent paused: while
 * paused, now() stands still, and a sleep or a timed wait that spans a
 * pause lasts its length of run time, so that no timeout, drop request or
 * duration accrues while paused. Sleeps wait on the backend's own
 * condition, which is broadcast only to pause, resume and interrupt (stop
 * the run), never on an ordinary happening of the run; the driver waits
 * on a condition of its own, which only poke() signals.
 *
 * Why not the CPU's time-stamp counter, cheaper than clock_gettime where
 * it is invariant (bench/bench_ring prints both): an event must never be
 * stamped before the state change that caused it, so the read has to be
 * ordered (lfence, then rdtsc, as the kernel's vDSO orders its own), and
 * ordered it saves a few ns of an event's 40 (p50 36 ns against 41 on
 * the 2-core machine gilviz is developed on, whose clocksource is the
 * TSC, with constant_tsc and nonstop_tsc), not enough to bring an event
 * under 25 ns: there the ordered read alone takes 27 ns, and rdtscp, the
 * other ordered read, 29. Only a bare rdtsc would (p50 17 ns), and it may
 * execute before the load that saw another thread's change.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

#include "sync.h"
#include "util.h"

/* The length of one tick we aim for: a few CPython bytecodes. */
#define SYNC_TICK_NS 50.0

struct sync_real {
	struct sync base;
	/* now() = monotonic - offset, or frozen (>= 0) while paused. */
	_Atomic int64_t offset;
	_Atomic int64_t frozen;
	atomic_int interrupted;
	pthread_mutex_t nap_mutex; /* pauses, resumes, interrupts and sleeps */
	pthread_cond_t nap_cond;
	pthread_mutex_t drv_mutex; /* the driver's wait */
	pthread_cond_t drv_cond;
	bool poked;                /* under drv_mutex */
	pthread_key_t arg_key;     /* each simulated thread's start argument */
};

struct sync_mutex {
	pthread_mutex_t m;
};

struct sync_cond {
	pthread_cond_t c;
};

struct sync_thread {
	pthread_t th;
	struct sync_real *r;
	sync_thread_fn fn;
	void *arg;
};

static pthread_once_t calibrate_once = PTHREAD_ONCE_INIT;
static uint64_t iters_per_tick = 1;
static double calibrated_tick_ns = SYNC_TICK_NS;
/* Nanoseconds per time-stamp counter cycle, where the CPU has an
 * invariant TSC (x86-64), else 0. Only the end of a call cut short by the
 * eval breaker reads it (probe_end says why). */
static double ns_per_tsc;

static void check(int rc, const char *call)
{
	if (GV_UNLIKELY(rc != 0))
		fatal("%s failed: %s", call, strerror(rc));
}

static void real_poke(struct sync *s);

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal("clock_gettime(CLOCK_MONOTONIC) failed: %s", strerror(errno));
	return ts_ns(&ts);
}

#if defined(__x86_64__)
/* CPUID 0x80000007, EDX bit 8: the TSC ticks at one rate in every
 * P-, C- and T-state (Linux's constant_tsc and nonstop_tsc). */
static bool tsc_invariant(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return false;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return (d >> 8) & 1;
}

static inline uint64_t tsc_read(void)
{
	return __rdtsc();
}
#else
static bool tsc_invariant(void)
{
	return false;
}

static inline uint64_t tsc_read(void)
{
	return 0;
}
#endif

/* The unit of CPU work: a chain of dependent multiply-adds the compiler
 * cannot fold away (the empty asm makes x opaque at every step).
 *
 * One copy, at one alignment, for the calibration and for the work: when
 * it was inlined into each, the copies sat at whatever addresses the code
 * around them left, and a loop runs at a speed that depends on where it
 * lies. A change elsewhere in the library (7bba6ae, in ring.c) moved them
 * so that the work ran about a tenth faster than calibrated: under
 * AddressSanitizer a 120 ms native_hold took 106-114 ms in 9 of 25 runs
 * of tests/test_engine, and in none of 25 before. */
static __attribute__((noinline, aligned(64))) uint64_t spin_iters(uint64_t n, uint64_t x)
{
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

/* Take the fastest of several trials: the slower ones were interrupted. */
static void calibrate(void)
{
	const uint64_t n = 1u << 21;
	double best = 1e18;
	uint64_t x = 1;
	bool tsc = tsc_invariant();
	int64_t mono0 = mono_ns();
	uint64_t tsc0 = tsc ? tsc_read() : 0;
	for (int trial = 0; trial < 7; trial++) {
		int64_t a = mono_ns();
		x = spin_iters(n, x);
		int64_t b = mono_ns();
		double per = (double)(b - a) / (double)n;
		if (per > 0 && per < best)
			best = per;
	}
	if (tsc) {
		uint64_t cycles = tsc_read() - tsc0;
		int64_t ns = mono_ns() - mono0;
		if (cycles > 0 && ns > 0)
			ns_per_tsc = (double)ns / (double)cycles;
	}
	if (x == 42) /* keep x alive; never true in practice */
		best += 1e-9;
	uint64_t k = (uint64_t)(SYNC_TICK_NS / best + 0.5);
	iters_per_tick = k ? k : 1;
	calibrated_tick_ns = best * (double)iters_per_tick;
}

static struct sync_real *real(struct sync *s)
{
	return (struct sync_real *)s;
}

/* The run's clock when the monotonic clock reads mono. */
static int64_t run_at(struct sync_real *r, int64_t mono)
{
	int64_t f = atomic_load_explicit(&r->frozen, memory_order_acquire);
	if (f >= 0)
		return f;
	return mono - atomic_load_explicit(&r->offset, memory_order_acquire);
}

static int64_t real_now(struct sync *s)
{
	return run_at(real(s), mono_ns());
}

static bool paused(struct sync_real *r)
{
	return atomic_load_explicit(&r->frozen, memory_order_relaxed) >= 0;
}

/* The monotonic time ns after mono, as a deadline. */
static struct timespec deadline_after(int64_t mono, int64_t ns)
{
	int64_t d = mono + (ns > 0 ? ns : 0);
	return (struct timespec){ .tv_sec = d / 1000000000, .tv_nsec = d % 1000000000 };
}

static struct timespec mono_deadline(int64_t ns)
{
	return deadline_after(mono_ns(), ns);
}

static void cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t attr;
	check(pthread_condattr_init(&attr), "pthread_condattr_init");
	check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
	      "pthread_condattr_setclock");
	check(pthread_cond_init(c, &attr), "pthread_cond_init");
	pthread_condattr_destroy(&attr);
}

static struct sync_mutex *real_mutex_new(struct sync *s)
{
	(void)s;
	struct sync_mutex *m = xmalloc(sizeof *m);
	check(pthread_mutex_init(&m->m, NULL), "pthread_mutex_init");
	return m;
}

static void real_mutex_free(struct sync *s, struct sync_mutex *m)
{
	(void)s;
	if (!m)
		return;
	check(pthread_mutex_destroy(&m->m), "pthread_mutex_destroy");
	free(m);
}

static void real_lock(struct sync *s, struct sync_mutex *m)
{
	(void)s;
	check(pthread_mutex_lock(&m->m), "pthread_mutex_lock");
}

static void real_unlock(struct sync *s, struct sync_mutex *m)
{
	(void)s;
	check(pthread_mutex_unlock(&m->m), "pthread_mutex_unlock");
}

static struct sync_cond *real_cond_new(struct sync *s)
{
	(void)s;
	struct sync_cond *c = xmalloc(sizeof *c);
	cond_init_mono(&c->c);
	return c;
}

static void real_cond_free(struct sync *s, struct sync_cond *c)
{
	(void)s;
	if (!c)
		return;
	check(pthread_cond_destroy(&c->c), "pthread_cond_destroy");
	free(c);
}

static void real_wait(struct sync *s, struct sync_cond *c, struct sync_mutex *m)
{
	(void)s;
	check(pthread_cond_wait(&c->c, &m->m), "pthread_cond_wait");
}

/* ns of the run's time: a wait that spans a pause waits again for what
 * is left (while paused nothing is used up). The clock is read once
 * before the wait, as CPython's take_gil reads it once to compute its
 * deadline: who wins a handoff of the GIL is decided in the few hundred
 * nanoseconds between a waiter setting the drop request and sleeping
 * again (see real_cpu), so this path must not be longer than CPython's. */
static bool real_timedwait(struct sync *s, struct sync_cond *c,
			   struct sync_mutex *m, int64_t ns)
{
	int64_t mono = mono_ns();
	int64_t deadline = run_at(real(s), mono) + (ns > 0 ? ns : 0);
	struct timespec ts = deadline_after(mono, ns);
	for (;;) {
		int rc = pthread_cond_timedwait(&c->c, &m->m, &ts);
		if (rc != ETIMEDOUT) {
			check(rc, "pthread_cond_timedwait");
			return false;
		}
		int64_t left = deadline - real_now(s);
		if (left <= 0)
			return true;
		ts = mono_deadline(left);
	}
}

static void real_signal(struct sync *s, struct sync_cond *c)
{
	(void)s;
	check(pthread_cond_signal(&c->c), "pthread_cond_signal");
}

static void real_broadcast(struct sync *s, struct sync_cond *c)
{
	(void)s;
	check(pthread_cond_broadcast(&c->c), "pthread_cond_broadcast");
}

/* Sleeps wait on nap_cond, so that pause, resume and interrupt reach
 * them; nothing else broadcasts it. */
static bool real_sleep(struct sync *s, int64_t ns)
{
	struct sync_real *r = real(s);
	if (atomic_load(&r->interrupted))
		return false;
	if (ns <= 0)
		return true;
	int64_t deadline = real_now(s) + ns;
	check(pthread_mutex_lock(&r->nap_mutex), "pthread_mutex_lock");
	for (;;) {
		if (atomic_load(&r->interrupted))
			break;
		int64_t left = deadline - real_now(s);
		if (left <= 0)
			break;
		int rc;
		if (paused(r)) {
			rc = pthread_cond_wait(&r->nap_cond, &r->nap_mutex);
		} else {
			struct timespec ts = mono_deadline(left);
			rc = pthread_cond_timedwait(&r->nap_cond, &r->nap_mutex, &ts);
			if (rc == ETIMEDOUT)
				rc = 0;
		}
		check(rc, "pthread_cond_wait (sleep)");
	}
	check(pthread_mutex_unlock(&r->nap_mutex), "pthread_mutex_unlock");
	return !atomic_load(&r->interrupted);
}

static void real_pause(struct sync *s, bool on)
{
	struct sync_real *r = real(s);
	check(pthread_mutex_lock(&r->nap_mutex), "pthread_mutex_lock");
	if (on && !paused(r)) {
		atomic_store_explicit(&r->frozen, real_now(s), memory_order_release);
	} else if (!on && paused(r)) {
		/* The clock goes on from where it stood. */
		int64_t f = atomic_load(&r->frozen);
		atomic_store_explicit(&r->offset, mono_ns() - f, memory_order_release);
		atomic_store_explicit(&r->frozen, -1, memory_order_release);
	}
	check(pthread_cond_broadcast(&r->nap_cond), "pthread_cond_broadcast");
	check(pthread_mutex_unlock(&r->nap_mutex), "pthread_mutex_unlock");
}

static void real_hold(struct sync *s)
{
	struct sync_real *r = real(s);
	if (!paused(r))
		return;
	check(pthread_mutex_lock(&r->nap_mutex), "pthread_mutex_lock");
	while (paused(r) && !atomic_load(&r->interrupted))
		check(pthread_cond_wait(&r->nap_cond, &r->nap_mutex), "pthread_cond_wait (hold)");
	check(pthread_mutex_unlock(&r->nap_mutex), "pthread_mutex_unlock");
}

static void real_interrupt(struct sync *s)
{
	struct sync_real *r = real(s);
	check(pthread_mutex_lock(&r->nap_mutex), "pthread_mutex_lock");
	atomic_store(&r->interrupted, 1);
	check(pthread_cond_broadcast(&r->nap_cond), "pthread_cond_broadcast");
	check(pthread_mutex_unlock(&r->nap_mutex), "pthread_mutex_unlock");
	real_poke(s);
}

static void real_poke(struct sync *s)
{
	struct sync_real *r = real(s);
	check(pthread_mutex_lock(&r->drv_mutex), "pthread_mutex_lock");
	r->poked = true;
	check(pthread_cond_signal(&r->drv_cond), "pthread_cond_signal");
	check(pthread_mutex_unlock(&r->drv_mutex), "pthread_mutex_unlock");
}

/* The driver waits for a poke, until or the timeout, whichever first. */
static int real_advance(struct sync *s, int64_t until, int64_t timeout_ns)
{
	struct sync_real *r = real(s);
	int64_t wait = timeout_ns < 0 ? 10000000 : timeout_ns;
	if (!paused(r) && until != INT64_MAX && until - real_now(s) < wait)
		wait = until - real_now(s);
	check(pthread_mutex_lock(&r->drv_mutex), "pthread_mutex_lock");
	if (!r->poked && wait > 0) {
		struct timespec ts = mono_deadline(wait);
		int rc = pthread_cond_timedwait(&r->drv_cond, &r->drv_mutex, &ts);
		if (rc != ETIMEDOUT)
			check(rc, "pthread_cond_timedwait (driver)");
	}
	r->poked = false;
	check(pthread_mutex_unlock(&r->drv_mutex), "pthread_mutex_unlock");
	return SYNC_UNTIL;
}

/* The thread's CPU clock: the time the kernel has run it. */
static int64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		fatal("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed: %s", strerror(errno));
	return ts_ns(&ts);
}

/* Off-core measurement around one call of work (sync.h says how
 * precise it is). Calls shorter than SYNC_OFFCORE_MIN_CALL_NS are not
 * measured: two reads of the CPU clock (a system call each) would cost
 * more than the work (the legacy GIL's 100-tick turns). */
struct offcore_probe {
	int64_t wall, cpu;
	int64_t offset; /* the run clock's offset at the start: a resume moves it */
	uint64_t tsc;
	bool on;
};

static void probe_begin(struct sync *s, struct offcore_probe *p, uint64_t ticks)
{
	p->on = s->offcore && (double)ticks * s->tick_ns >= SYNC_OFFCORE_MIN_CALL_NS;
	if (p->on) {
		p->wall = real_now(s);
		p->cpu = thread_cpu_ns();
		p->tsc = ns_per_tsc > 0 ? tsc_read() : 0;
		p->offset = atomic_load_explicit(&real(s)->offset, memory_order_relaxed);
	}
}

/* stopped: the work ended at the eval breaker, and the caller is about
 * to drop the GIL. On that path CPython reads no clock at all, and its
 * length decides who wins the handoff (see real_cpu): the CPU clock (a
 * system call, 2 us on a VM) made the I/O thread win nearly every one,
 * and even one read of the wall clock through the vDSO made the
 * requesting hog win 80-82% of them at 5 ms, against 61-65% with no read
 * (4 s runs, two hogs and an I/O thread). So there the elapsed time
 * comes from the TSC where it is invariant (the wall clock elsewhere, or
 * if the run was paused or resumed meanwhile: the run's clock stood
 * still), and the gap is judged against the work's calibrated length: a
 * stretch is reported only when it is clear of a core that runs slower
 * than at calibration (over half the work's length again), so short
 * ones count as holding. Every other call compares the CPU clock. */
static void probe_end(struct sync *s, const struct offcore_probe *p, uint64_t ticks,
		      bool stopped)
{
	if (!p->on)
		return;
	int64_t cpu = stopped ? 0 : thread_cpu_ns() - p->cpu;
	int64_t wall_end;
	if (stopped && p->tsc && !paused(real(s)) &&
	    atomic_load_explicit(&real(s)->offset, memory_order_relaxed) == p->offset)
		wall_end = p->wall + (int64_t)((double)(tsc_read() - p->tsc) * ns_per_tsc);
	else
		wall_end = real_now(s);
	int64_t gap;
	if (stopped) {
		double work = (double)ticks * s->tick_ns;
		gap = (int64_t)((double)(wall_end - p->wall) - work);
		if ((double)gap <= work / 2)
			return;
	} else {
		gap = wall_end - p->wall - cpu;
	}
	if (gap > SYNC_OFFCORE_MIN_NS)
		s->offcore(pthread_getspecific(real(s)->arg_key), wall_end - gap, wall_end,
			   SYNC_OFF_BEGIN | SYNC_OFF_END);
}

/* The hot loop of every cpu op: one tick of work, then the eval breaker.
 *
 * What follows the breaker is timed as in CPython, on purpose. A waiter
 * that times out in take_gil sets the drop request and at once waits
 * again; the holder sees the request at its next check and drops the
 * GIL. If it reaches the mutex while the requester still holds it, it
 * must wait for it, and by the time it signals the requester is asleep:
 * the futex wakes the oldest waiter, beside two hogs the I/O thread. If
 * its signal comes once the mutex is free but while the requester is
 * still on its way into the kernel (a few hundred nanoseconds), the
 * requester takes it and gets the GIL. Which happens is decided in tens
 * of nanoseconds: CPython 3.11's I/O thread wins about two handoffs in
 * five at 5 ms (bench_cases, case 5 with two hogs). Here a read of the
 * thread's CPU clock (a system call) used to sit between the check and
 * the drop: the requester was always asleep by then, and the I/O thread
 * won nearly every handoff; with a read of the wall clock there and the
 * forced drop stamped before the mutex, the requester won five in six.
 * So no clock is read on that path (probe_end reads the TSC, the forced
 * drop is stamped after the signal). The requester reads the clock
 * before it sets the flag and pushes its event after (new_take in
 * gil.c). Beside two hogs, over 8 runs of 4 s in turn with CPython 3.11,
 * the I/O thread's wait at 1, 5 and 20 ms had medians of 1.00, 0.77 and
 * 0.98 of CPython's and means of 1.15, 1.08 and 1.16. With the clock read
 * after the flag too they were 0.54, 0.54, 0.98 and 0.67, 0.81, 1.02: the
 * I/O thread won the first handoff too often. With nothing between the
 * flag and the wait, the requester won so often that the mean wait at 5
 * ms was two to three times CPython's (2 runs). */
static uint64_t real_cpu(struct sync *s, uint64_t ticks, const atomic_int *stop)
{
	uint64_t x = ticks, done = 0;
	const uint64_t k = iters_per_tick;
	struct offcore_probe p;
	probe_begin(s, &p, ticks);
	while (done < ticks) {
		x = spin_iters(k, x);
		done++;
		if (stop && atomic_load_explicit(stop, memory_order_relaxed))
			break;
	}
	probe_end(s, &p, done, stop && atomic_load_explicit(stop, memory_order_relaxed));
	return done;
}

static uint64_t real_spin(struct sync *s, int64_t until, uint64_t max_ticks,
			  const atomic_int *stop)
{
	uint64_t x = 7, done = 0;
	const uint64_t k = iters_per_tick;
	int64_t left = until - real_now(s);
	struct offcore_probe p;
	probe_begin(s, &p, left <= 0 ? 0 : (uint64_t)((double)left / s->tick_ns));
	while (done < max_ticks && real_now(s) < until && !paused(real(s))) {
		x = spin_iters(k, x);
		done++;
		if (stop && atomic_load_explicit(stop, memory_order_relaxed))
			break;
	}
	probe_end(s, &p, done, stop && atomic_load_explicit(stop, memory_order_relaxed));
	return done;
}

/* Every simulated thread starts here, so that its work can find its
 * start argument for the off-core report. */
static void *real_thread_main(void *p)
{
	struct sync_thread *t = p;
	check(pthread_setspecific(t->r->arg_key, t->arg), "pthread_setspecific");
	return t->fn(t->arg);
}

static struct sync_thread *real_thread_start(struct sync *s, sync_thread_fn fn,
					     void *arg)
{
	struct sync_thread *t = xmalloc(sizeof *t);
	t->r = real(s);
	t->fn = fn;
	t->arg = arg;
	check(pthread_create(&t->th, NULL, real_thread_main, t), "pthread_create");
	return t;
}

static void *real_thread_join(struct sync *s, struct sync_thread *t)
{
	(void)s;
	void *ret = NULL;
	check(pthread_join(t->th, &ret), "pthread_join");
	free(t);
	return ret;
}

static void real_destroy(struct sync *s)
{
	struct sync_real *r = real(s);
	check(pthread_cond_destroy(&r->nap_cond), "pthread_cond_destroy");
	check(pthread_mutex_destroy(&r->nap_mutex), "pthread_mutex_destroy");
	check(pthread_cond_destroy(&r->drv_cond), "pthread_cond_destroy");
	check(pthread_mutex_destroy(&r->drv_mutex), "pthread_mutex_destroy");
	check(pthread_key_delete(r->arg_key), "pthread_key_delete");
	free(r);
}

static const struct sync_ops real_ops = {
	.name = "real",
	.now = real_now,
	.mutex_new = real_mutex_new,
	.mutex_free = real_mutex_free,
	.lock = real_lock,
	.unlock = real_unlock,
	.cond_new = real_cond_new,
	.cond_free = real_cond_free,
	.wait = real_wait,
	.timedwait = real_timedwait,
	.signal = real_signal,
	.broadcast = real_broadcast,
	.sleep = real_sleep,
	.cpu = real_cpu,
	.spin = real_spin,
	.thread_start = real_thread_start,
	.thread_join = real_thread_join,
	.pause = real_pause,
	.hold = real_hold,
	.interrupt = real_interrupt,
	.advance = real_advance,
	.poke = real_poke,
	.destroy = real_destroy,
};

struct sync *sync_real_create(void)
{
	check(pthread_once(&calibrate_once, calibrate), "pthread_once");
	struct sync_real *r = xcalloc(1, sizeof *r);
	r->base.ops = &real_ops;
	r->base.tick_ns = calibrated_tick_ns;
	atomic_init(&r->offset, mono_ns());
	atomic_init(&r->frozen, -1);
	atomic_init(&r->interrupted, 0);
	check(pthread_mutex_init(&r->nap_mutex, NULL), "pthread_mutex_init");
	cond_init_mono(&r->nap_cond);
	check(pthread_mutex_init(&r->drv_mutex, NULL), "pthread_mutex_init");
	cond_init_mono(&r->drv_cond);
	check(pthread_key_create(&r->arg_key, NULL), "pthread_key_create");
	return &r->base;
}
