/*
 * measure_wakeup.c -- the two latencies of the virtual-time model
 * (src/sync_virtual.c), measured on this machine:
 *
 *   - from pthread_cond_signal() to the signalled waiter running;
 *   - how late pthread_cond_timedwait() and nanosleep() return past their
 *     deadline (the kernel's timer slack and wake-up);
 *   - the same for a timed wait of 1 ms, on an idle machine and with a
 *     thread spinning on every core. A timer that fires on a core idle
 *     that long can be much later, and by how much changes by the hour: on
 *     the 2-core virtual machine gilviz was developed on, the idle 1 ms
 *     wait's 90th percentile was 318 to 420 us and its 99th about 2 ms at
 *     one time, and 100 to 112 us and 0.27 to 0.44 ms half an hour later
 *     (three runs); with every core busy, 71 to 76 us and 90 to 102 us,
 *     about as the 100 us wait's. The model's table (SV_TIMER_LATENCY)
 *     has no idle tail.
 *
 * It prints each distribution's deciles and 99th percentile, the form in
 * which sync_virtual.c keeps them (SV_WAKE_LATENCY, SV_TIMER_LATENCY).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3000

struct shared {
	pthread_mutex_t m;
	pthread_cond_t c;
	int64_t t_signal;
	int flag, done;
	int64_t lat[ROUNDS];
	int n;
};

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *waiter(void *arg)
{
	struct shared *sh = arg;
	pthread_mutex_lock(&sh->m);
	for (;;) {
		while (!sh->flag && !sh->done)
			pthread_cond_wait(&sh->c, &sh->m);
		if (sh->done)
			break;
		sh->lat[sh->n++] = now_ns() - sh->t_signal;
		sh->flag = 0;
	}
	pthread_mutex_unlock(&sh->m);
	return NULL;
}

static atomic_int spinning;

static void *spin(void *arg)
{
	(void)arg;
	volatile unsigned long x = 0;
	while (atomic_load_explicit(&spinning, memory_order_relaxed))
		x++;
	return NULL;
}

/* How late n timed waits of len ns return, into late. */
static void timed_waits(struct shared *sh, int64_t len, int64_t *late, int n)
{
	pthread_mutex_lock(&sh->m);
	for (int i = 0; i < n; i++) {
		int64_t d = now_ns() + len;
		struct timespec ts = { d / 1000000000, d % 1000000000 };
		pthread_cond_timedwait(&sh->c, &sh->m, &ts);
		late[i] = now_ns() - d;
	}
	pthread_mutex_unlock(&sh->m);
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void print(const char *name, int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	printf("%-28s deciles (ns):", name);
	for (int q = 0; q < 10; q++)
		printf(" %lld", (long long)v[q * (n - 1) / 10]);
	printf("  p99 %lld\n", (long long)v[n * 99 / 100]);
}

int main(void)
{
	static struct shared sh;
	pthread_condattr_t attr;
	pthread_mutex_init(&sh.m, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&sh.c, &attr);

	pthread_t th;
	pthread_create(&th, NULL, waiter, &sh);
	struct timespec gap = { 0, 200000 };
	for (int i = 0; i < ROUNDS - 2; i++) {
		nanosleep(&gap, NULL);
		pthread_mutex_lock(&sh.m);
		sh.t_signal = now_ns();
		sh.flag = 1;
		pthread_cond_signal(&sh.c);
		pthread_mutex_unlock(&sh.m);
	}
	nanosleep(&gap, NULL);
	pthread_mutex_lock(&sh.m);
	sh.done = 1;
	pthread_cond_signal(&sh.c);
	pthread_mutex_unlock(&sh.m);
	pthread_join(th, NULL);
	print("signal -> waiter runs", sh.lat, sh.n);

	static int64_t late[2000];
	timed_waits(&sh, 100000, late, 2000);
	print("timedwait 100 us, late", late, 2000);
	timed_waits(&sh, 1000000, late, 2000);
	print("timedwait 1 ms idle, late", late, 2000);
	pthread_t spinners[256];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	if (ncpu > (long)(sizeof spinners / sizeof spinners[0]))
		ncpu = (long)(sizeof spinners / sizeof spinners[0]);
	atomic_store(&spinning, 1);
	int nspin = 0;
	while (nspin < ncpu && pthread_create(&spinners[nspin], NULL, spin, NULL) == 0)
		nspin++;
	timed_waits(&sh, 1000000, late, 2000);
	atomic_store(&spinning, 0);
	for (int i = 0; i < nspin; i++)
		pthread_join(spinners[i], NULL);
	print("timedwait 1 ms busy, late", late, 2000);
	for (int i = 0; i < 2000; i++) {
		int64_t a = now_ns();
		nanosleep(&gap, NULL);
		late[i] = now_ns() - a - gap.tv_nsec;
	}
	print("nanosleep 200 us, late", late, 2000);
	return 0;
}
