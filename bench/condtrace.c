/*
 * condtrace.c -- what CPython's GIL does, seen from its calls into
 * pthreads: an LD_PRELOAD library for bench/handoffs.py.
 *
 * CPython's take_gil and drop_gil are static, but every wait, signal and
 * timed wait they make goes through libpthread: pthread_cond_timedwait
 * (take_gil's wait of one interval, on gil->cond), pthread_cond_signal
 * (drop_gil on gil->cond; take_gil on switch_cond) and pthread_cond_wait
 * (a forced drop waiting on switch_cond for its successor). This library
 * wraps the three, records each call's start and end (CLOCK_MONOTONIC,
 * ns), the CPU it started and ended on, the condition, the thread and
 * the result, in a preallocated buffer, and writes the buffer to the file
 * named by CONDTRACE_OUT when the process exits. A record costs two clock
 * reads and two sched_getcpu calls, about a tenth of a microsecond:
 * bench/handoffs.py checks that the traced run's waits look like an
 * untraced one's.
 *
 * Build: cc -O2 -shared -fPIC condtrace.c -o condtrace.so -ldl (make bench
 * does). Use: CONDTRACE_OUT=trace.txt LD_PRELOAD=./condtrace.so python3 ...
 * Each line: start_ns end_ns cond tid call(1 timedwait, 2 signal, 3 wait)
 * result start_cpu end_cpu.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct rec {
	int64_t t0, t1;
	const void *cond;
	int tid, call, rc, cpu0, cpu1;
};

enum { CAP = 1 << 21, TIMEDWAIT = 1, SIGNAL = 2, WAIT = 3 };
static struct rec recs[CAP];
static atomic_long nrecs;
static _Thread_local int my_tid;

static int (*real_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
static int (*real_wait)(pthread_cond_t *, pthread_mutex_t *);
static int (*real_signal)(pthread_cond_t *);
static pid_t traced_pid; /* a forked child does not write the parent's trace */

/* Resolved once, before the program's own code runs (and so before it
 * starts a thread); or at the first call, if another library's
 * constructor makes one before this one has run. */
__attribute__((constructor)) static void find_real(void)
{
	real_timedwait = (int (*)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *))
		dlsym(RTLD_NEXT, "pthread_cond_timedwait");
	real_wait = (int (*)(pthread_cond_t *, pthread_mutex_t *))dlsym(RTLD_NEXT,
									  "pthread_cond_wait");
	real_signal = (int (*)(pthread_cond_t *))dlsym(RTLD_NEXT, "pthread_cond_signal");
	if (!real_timedwait || !real_wait || !real_signal) {
		fprintf(stderr, "condtrace: cannot find the pthread condition calls: %s\n",
			dlerror());
		abort();
	}
	traced_pid = getpid();
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void record(int64_t t0, int cpu0, const void *cond, int call, int rc)
{
	int64_t t1 = now_ns();
	if (!my_tid)
		my_tid = (int)syscall(SYS_gettid);
	long i = atomic_fetch_add_explicit(&nrecs, 1, memory_order_relaxed);
	if (i < CAP)
		recs[i] = (struct rec){ t0, t1, cond, my_tid, call, rc, cpu0, sched_getcpu() };
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *ts)
{
	if (__builtin_expect(!real_signal, 0))
		find_real();
	int cpu = sched_getcpu();
	int64_t t0 = now_ns();
	int rc = real_timedwait(c, m, ts);
	record(t0, cpu, c, TIMEDWAIT, rc);
	return rc;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	if (__builtin_expect(!real_signal, 0))
		find_real();
	int cpu = sched_getcpu();
	int64_t t0 = now_ns();
	int rc = real_wait(c, m);
	record(t0, cpu, c, WAIT, rc);
	return rc;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	if (__builtin_expect(!real_signal, 0))
		find_real();
	int cpu = sched_getcpu();
	int64_t t0 = now_ns();
	int rc = real_signal(c);
	record(t0, cpu, c, SIGNAL, rc);
	return rc;
}

__attribute__((destructor)) static void write_out(void)
{
	const char *path = getenv("CONDTRACE_OUT");
	if (!path || getpid() != traced_pid)
		return;
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	long n = atomic_load(&nrecs);
	if (n > CAP) {
		fprintf(stderr, "condtrace: %ld calls, only the first %d kept\n", n, CAP);
		n = CAP;
	}
	for (long i = 0; i < n; i++)
		fprintf(f, "%lld %lld %p %d %d %d %d %d\n", (long long)recs[i].t0,
			(long long)recs[i].t1, recs[i].cond, recs[i].tid, recs[i].call, recs[i].rc,
			recs[i].cpu0, recs[i].cpu1);
	fclose(f);
}
