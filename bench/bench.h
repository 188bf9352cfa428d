/*
 * bench.h -- small helpers shared by the benchmarks: a clock, percentiles
 * and one way of printing a figure beside its target.
 *
 * Benchmarks print figures, they do not pass or fail: a missed target is
 * marked so a reader sees it, and the program still exits 0.
 */
#ifndef GILVIZ_BENCH_H
#define GILVIZ_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* CLOCK_MONOTONIC in ns: the clock gilviz itself records events with, so
 * what a benchmark measures with it is what a run would pay. */
static inline int64_t bench_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal("clock_gettime(CLOCK_MONOTONIC) failed");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The calling thread's CPU time in ns: beside elapsed time, it tells
 * time spent working (or contending) from time spent preempted. */
static inline int64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		fatal("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* For qsort over int64_t, without the overflow of returning a - b. */
static inline int bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile (0 <= p <= 100) of n samples, nearest-rank on a
 * sorted copy, so the caller's array keeps its order. 0 if n is 0. */
static inline int64_t bench_percentile(const int64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	int64_t *s = xmalloc(n * sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, bench_cmp_i64);
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999999);
	int64_t r = s[rank ? rank - 1 : 0];
	free(s);
	return r;
}

enum bench_goal {
	BENCH_AT_MOST,  /* lower is better: value <= target */
	BENCH_AT_LEAST, /* higher is better: value >= target */
};

/* One line per figure: "label:   value unit (target <= x)", with the
 * label padded so that figures line up, and MISSED after a missed target.
 * A target of 0 prints the figure alone. */
static inline void bench_print(const char *label, double value,
			       const char *unit, enum bench_goal goal,
			       double target)
{
	char name[96];
	snprintf(name, sizeof name, "%s:", label);
	printf("%-56s %8.1f %s", name, value, unit);
	if (target != 0) {
		int met = goal == BENCH_AT_MOST ? value <= target
						: value >= target;
		printf(" (target %s %g)%s", goal == BENCH_AT_MOST ? "<=" : ">=",
		       target, met ? "" : "  MISSED");
	}
	putchar('\n');
	fflush(stdout);
}

#endif
