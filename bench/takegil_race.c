/*
 * takegil_race.c -- CPython's take_gil/drop_gil race, without CPython and
 * without gilviz: which waiter gets the GIL at a forced drop.
 *
 * The steps of CPython 3.11's Python/ceval_gil.c in plain pthreads (a
 * mutex, a condition, the switch condition, a timed wait of one interval,
 * the drop request), run by two threads that spin holding the lock and
 * check the drop request every few tens of nanoseconds, as CPython's
 * `while not done[0]: x += 1` does, and by an I/O thread that sleeps
 * 1 ms (clock_nanosleep) in a loop and takes the lock after each sleep.
 * It prints the I/O thread's delay past its sleep (as bench_cases, case 5
 * with two hogs), and how many waits each thread ended by a signal.
 *
 * At a forced drop the waiters are the I/O thread and the hog that has
 * just timed out, set the drop request and begun to wait again. The
 * holder's signal wakes the futex's oldest sleeper, the I/O thread,
 * unless it comes before the requester is asleep: then the requester
 * takes it. With READS > 0 the holder first reads its CPU clock READS
 * times (a system call each, as gilviz's off-core probe once did there):
 * compare `takegil_race 5000 3` with `takegil_race 5000 3 1`.
 *
 * It also prints the share of the forced handoffs made while the I/O
 * thread waited that it won. With PROBE 1 a forced drop first tries the
 * mutex, and the handoffs are split by whether the dropper found it
 * still held (by the requester on its way back into its wait, or the I/O
 * thread at a timeout of its own; the probe slows the drop a little):
 * then the requester is mostly asleep by the time the signal comes, and
 * the I/O thread wins more often. How often that happens grows with the
 * interval, the requester's sleep before it timed out: see
 * sync_virtual.c, cond_pick.
 *
 * Usage: takegil_race [INTERVAL_US [SECONDS [READS [PROBE]]]]  (5000 1 0 0)
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

struct lock {
	pthread_mutex_t mutex, switch_mutex;
	pthread_cond_t cond, switch_cond;
	atomic_int locked, drop_request;
	_Atomic(const void *) last_holder;
	unsigned long switch_number;
	long interval_us;
	int reads;
	int probe;        /* a forced drop tries the mutex first (see below) */
	int signalled[2]; /* waits ended by a signal: hogs, I/O thread */
	/* Under mutex: a forced drop's signal is pending (-1: none; else
	 * whether the dropper found the mutex held), and the forced
	 * handoffs made while the I/O thread waited: [held][I/O won]. */
	int forced;
	atomic_int io_waits;
	unsigned handoffs[2][2];
};

static struct timespec ts_at(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
}

static void take(struct lock *g, const void *me, int io)
{
	pthread_mutex_lock(&g->mutex);
	while (atomic_load(&g->locked)) {
		unsigned long saved = g->switch_number;
		struct timespec ts = ts_at(bench_now_ns() + g->interval_us * 1000);
		int timed_out = pthread_cond_timedwait(&g->cond, &g->mutex, &ts) == ETIMEDOUT;
		if (!timed_out)
			g->signalled[io]++;
		if (timed_out && atomic_load(&g->locked) && g->switch_number == saved)
			atomic_store(&g->drop_request, 1);
	}
	if (g->forced >= 0 && atomic_load(&g->io_waits))
		g->handoffs[g->forced][io]++;
	g->forced = -1;
	pthread_mutex_lock(&g->switch_mutex);
	atomic_store(&g->locked, 1);
	if (atomic_load(&g->last_holder) != me) {
		atomic_store(&g->last_holder, me);
		g->switch_number++;
	}
	pthread_cond_signal(&g->switch_cond);
	pthread_mutex_unlock(&g->switch_mutex);
	atomic_store(&g->drop_request, 0);
	pthread_mutex_unlock(&g->mutex);
}

static void drop(struct lock *g, const void *me)
{
	atomic_store(&g->last_holder, me);
	int held = 0;
	if (!g->probe || pthread_mutex_trylock(&g->mutex) != 0) {
		held = g->probe;
		pthread_mutex_lock(&g->mutex);
	}
	if (atomic_load(&g->drop_request))
		g->forced = held;
	atomic_store(&g->locked, 0);
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->mutex);
	if (atomic_load(&g->drop_request)) {
		pthread_mutex_lock(&g->switch_mutex);
		if (atomic_load(&g->last_holder) == me) {
			atomic_store(&g->drop_request, 0);
			pthread_cond_wait(&g->switch_cond, &g->switch_mutex);
		}
		pthread_mutex_unlock(&g->switch_mutex);
	}
}

static struct lock gil = {
	.mutex = PTHREAD_MUTEX_INITIALIZER,
	.switch_mutex = PTHREAD_MUTEX_INITIALIZER,
	.interval_us = 5000,
	.forced = -1,
};
static atomic_int done;
static double seconds = 1.0;
static int64_t *delays;
static size_t ndelays;

static void *hog(void *arg)
{
	const void *me = arg;
	volatile unsigned long x = 0;
	take(&gil, me, 0);
	while (!atomic_load(&done)) {
		for (int i = 0; i < 20; i++) /* a loop turn of bytecode */
			x++;
		if (atomic_load_explicit(&gil.drop_request, memory_order_relaxed)) {
			for (int i = 0; i < gil.reads; i++)
				(void)bench_thread_cpu_ns();
			drop(&gil, me);
			take(&gil, me, 0);
		}
	}
	drop(&gil, me);
	return NULL;
}

static void *io(void *arg)
{
	const void *me = arg;
	take(&gil, me, 1);
	int64_t stop = bench_now_ns() + (int64_t)(seconds * 1e9);
	while (bench_now_ns() < stop) {
		int64_t t0 = bench_now_ns();
		drop(&gil, me);
		struct timespec ms = { 0, 1000000 };
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
		atomic_store(&gil.io_waits, 1);
		take(&gil, me, 1);
		atomic_store(&gil.io_waits, 0);
		delays[ndelays++] = bench_now_ns() - t0 - 1000000;
	}
	drop(&gil, me);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		gil.interval_us = atol(argv[1]);
	if (argc > 2)
		seconds = atof(argv[2]);
	if (argc > 3)
		gil.reads = atoi(argv[3]);
	if (argc > 4)
		gil.probe = atoi(argv[4]) != 0;
	if (gil.interval_us < 1 || seconds <= 0 || seconds > 600 || gil.reads < 0) {
		fprintf(stderr, "usage: takegil_race [INTERVAL_US [SECONDS [READS [PROBE]]]]\n");
		return 2;
	}
	delays = xmalloc((size_t)(seconds * 1000 + 16) * sizeof *delays);
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&gil.cond, &a);
	pthread_cond_init(&gil.switch_cond, &a);
	static char ids[3];
	pthread_t h[2], t;
	for (int i = 0; i < 2; i++)
		pthread_create(&h[i], NULL, hog, &ids[i]);
	struct timespec lead = { 0, 50000000 };
	nanosleep(&lead, NULL);
	pthread_create(&t, NULL, io, &ids[2]);
	pthread_join(t, NULL);
	atomic_store(&done, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(h[i], NULL);

	double sum = 0;
	for (size_t i = 0; i < ndelays; i++)
		sum += (double)delays[i];
	printf("interval %ld us, %d CPU-clock reads before a forced drop: I/O delay "
	       "mean %.2f p50 %.2f p99 %.2f ms (%zu waits); waits ended by a signal: "
	       "I/O %d, hogs %d\n",
	       gil.interval_us, gil.reads, ndelays ? sum / (double)ndelays / 1e6 : 0,
	       (double)bench_percentile(delays, ndelays, 50) / 1e6,
	       (double)bench_percentile(delays, ndelays, 99) / 1e6, ndelays,
	       gil.signalled[1], gil.signalled[0]);
	unsigned won = gil.handoffs[0][1] + gil.handoffs[1][1];
	unsigned all = won + gil.handoffs[0][0] + gil.handoffs[1][0];
	printf("forced handoffs while the I/O thread waited: %u, the I/O thread won %.0f%%\n", all,
	       all ? 100.0 * won / all : 0);
	for (int held = 0; gil.probe && held < 2; held++) {
		unsigned w = gil.handoffs[held][1], n = w + gil.handoffs[held][0];
		printf("  the dropper found the mutex %s: %u (%.0f%%), the I/O thread won %.0f%%\n",
		       held ? "held" : "free", n, all ? 100.0 * n / all : 0, n ? 100.0 * w / n : 0);
	}
	free(delays);
	return 0;
}
