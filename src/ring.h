/*
 * ring.h -- a bounded, lock-free event buffer: many producers, one consumer.
 *
 * Producers are the simulated threads (and the GIL on their behalf); they
 * must never block and never take a lock, or recording would change the
 * very contention it records. When the ring is full a producer counts the
 * event as dropped and goes on; the event's per-source sequence number
 * still advances, so the consumer can see where a gap is.
 */
#ifndef GILVIZ_RING_H
#define GILVIZ_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ring;

/* Capacity is rounded up to a power of two (at least 2). NULL only if
 * capacity is absurd (over 2^28 slots). */
struct ring *ring_create(size_t capacity);
void ring_destroy(struct ring *ring);
size_t ring_capacity(const struct ring *ring);

/* Producer side: never blocks, never allocates. Returns false (and counts
 * the event as dropped) when the ring is full. */
bool ring_push(struct ring *ring, const struct event *ev);

/* Consumer side (one consumer at a time): copies up to max events, oldest
 * first, and returns how many. */
size_t ring_pop(struct ring *ring, struct event *out, size_t max);

/* Events dropped so far because the ring was full; cumulative. */
uint64_t ring_dropped(const struct ring *ring);
/* Events pushed successfully so far; cumulative. */
uint64_t ring_pushed(const struct ring *ring);

#endif
