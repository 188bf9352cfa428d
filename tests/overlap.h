/*
 * overlap.h -- the most intervals open at one moment: each interval is
 * two edges, +1 at its start and -1 at its end; sorted by time with an
 * end before a start at the same time (intervals are [start, end)), the
 * running sum's peak is the answer.
 */
#ifndef GILVIZ_TESTS_OVERLAP_H
#define GILVIZ_TESTS_OVERLAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct edge {
	uint64_t t;
	int d;
};

static int edge_order(const void *pa, const void *pb)
{
	const struct edge *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->d - b->d;
}

/* Sorts e and returns the peak of the running sum. */
static inline int overlap_most(struct edge *e, size_t n)
{
	qsort(e, n, sizeof *e, edge_order);
	int cur = 0, most = 0;
	for (size_t i = 0; i < n; i++) {
		cur += e[i].d;
		if (cur > most)
			most = cur;
	}
	return most;
}

#endif
