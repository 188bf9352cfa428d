/*
 * spanring.h -- a bounded ring of state spans, oldest first, in time
 * order, each touching the next: what history keeps for a thread and
 * tasks for an asyncio task. Once full, a push forgets the oldest span,
 * so memory stays fixed however long a run lasts. O(1) per push, no
 * allocation; the slots belong to the caller.
 */
#ifndef GILVIZ_SPANRING_H
#define GILVIZ_SPANRING_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"

struct span_ring {
	size_t first;       /* slot of the oldest kept span */
	size_t count;       /* spans kept */
	uint64_t forgotten; /* spans pushed out (cumulative) */
};

/* The i-th kept span, 0 the oldest; slots has cap entries. */
static inline struct history_span *span_ring_at(struct history_span *slots, size_t cap,
						const struct span_ring *r, size_t i)
{
	return &slots[(r->first + i) % cap];
}

static inline void span_ring_push(struct history_span *slots, size_t cap,
				  struct span_ring *r, const struct history_span *s)
{
	/* No division on the way of every event: first < cap, count <= cap. */
	size_t slot;
	if (r->count < cap) {
		slot = r->first + r->count;
		if (slot >= cap)
			slot -= cap;
		r->count++;
	} else {
		slot = r->first;
		if (++r->first == cap)
			r->first = 0;
		r->forgotten++;
	}
	slots[slot] = *s;
}

/* The first kept span ending after t, or count if there is none. */
static inline size_t span_ring_find(struct history_span *slots, size_t cap,
				    const struct span_ring *r, uint64_t t)
{
	size_t lo = 0, hi = r->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (span_ring_at(slots, cap, r, mid)->t_end > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Append [s, e) with state to out (n used of max), clipped to [t0, t1),
 * if anything of it is left. Returns the new n. */
static inline size_t span_clip_put(struct history_span *out, size_t n, size_t max,
				   uint64_t s, uint64_t e, uint8_t state, uint64_t t0,
				   uint64_t t1)
{
	if (n >= max)
		return n;
	if (s < t0)
		s = t0;
	if (e > t1)
		e = t1;
	if (s >= e)
		return n;
	out[n] = (struct history_span){ .t_start = s, .t_end = e, .state = state };
	return n + 1;
}

#endif
