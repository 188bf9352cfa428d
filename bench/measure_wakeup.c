/*
 * measure_wakeup.c -- the two latencies of the virtual-time model
 * (src/sync_virtual.c), measured on this machine:
 *
 *   - from pthread_cond_signal() to the signalled waiter running;
 *   - how late pthread_cond_timedwait() and nanosleep() return past their
 *     deadline (the kernel's timer slack and wake-up).
 *
 * It prints each distribution's deciles and 99th percentile, the form in
 * which sync_virtual.c keeps them (SV_WAKE_LATENCY, SV_TIMER_LATENCY).
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
	pthread_mutex_lock(&sh.m);
	for (int i = 0; i < 2000; i++) {
		int64_t d = now_ns() + 100000;
		struct timespec ts = { d / 1000000000, d % 1000000000 };
		pthread_cond_timedwait(&sh.c, &sh.m, &ts);
		late[i] = now_ns() - d;
	}
	pthread_mutex_unlock(&sh.m);
	print("timedwait past deadline", late, 2000);
	for (int i = 0; i < 2000; i++) {
		int64_t a = now_ns();
		nanosleep(&gap, NULL);
		late[i] = now_ns() - a - gap.tv_nsec;
	}
	print("nanosleep past deadline", late, 2000);
	return 0;
}
