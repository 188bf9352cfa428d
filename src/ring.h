/*
 * ring.h -- a bounded, lock-free event buffer: many producers, one consumer.
 *
 * Producers are the simulated threads (and the GIL on their behalf); they
 * must never block and never take a lock, or recording would change the
 * very contention it records. When the ring is full a producer counts the
 * event as dropped and goes on; the event's per-source sequence number
 * still advances, so the consumer can see where a gap is.
 *
 * Overflow policy: drop the newest. A push into a full ring is refused and
 * counted; events already in the ring are kept. Each producer's events
 * reach the consumer in the order that producer pushed them, whole (never
 * torn), exactly once. Timestamps and per-source seq numbers are the
 * caller's to fill in; the ring copies events as they are.
 */
#ifndef GILVIZ_RING_H
#define GILVIZ_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ring;

/* The most lanes a ring may have (see ring_create_lanes). */
#define RING_MAX_LANES 64

/* A ring of lanes: capacity is shared among lanes (rounded up to a power
 * of two), each lane its own multi-producer ring; an event goes to the
 * lane of its tid modulo the lanes, so producers with lanes of their own
 * never contend. NULL for 0 or over RING_MAX_LANES lanes, or an absurd
 * capacity. */
struct ring *ring_create_lanes(size_t capacity, size_t lanes);
size_t ring_lanes(const struct ring *ring);

/* Capacity is rounded up to a power of two (at least 2). NULL only if
 * capacity is 0 or absurd (over 2^28 slots, 2^28 * 32 bytes = 8 GiB).
 * Out of memory aborts, as every allocation in gilviz does. Destroy only
 * once every producer and the consumer are done with the ring. */
struct ring *ring_create(size_t capacity);
void ring_destroy(struct ring *ring);

/* A ring's memory is taken from the system as its events first reach
 * it. Before producers that must not pay for that (real time, where a
 * page fault in a push would slow the simulated thread), touch all of it
 * once, before any push. */
void ring_touch(struct ring *ring);
size_t ring_capacity(const struct ring *ring);

/* Producer side, any number of threads: never blocks, never locks, never
 * allocates. Returns false (and counts the event as dropped) when the ring
 * is full. */
bool ring_push(struct ring *ring, const struct event *ev);

/* True when some lane holds half its capacity or more unread, so that
 * a producer that may wait (virtual time) waits for the consumer before
 * the ring can fill. From a producer or the consumer, any thread. */
bool ring_half_full(const struct ring *ring);

/* Consumer side (one consumer at a time; handing the role to another
 * thread needs a synchronisation such as a join): copies up to max events,
 * oldest first, and returns how many. The lanes are merged by the events'
 * times; each source's events come in the order pushed. A lane stops at
 * an event a producer has claimed but not finished writing. */
size_t ring_pop(struct ring *ring, struct event *out, size_t max);

/* Events dropped so far because the ring was full; cumulative. */
uint64_t ring_dropped(const struct ring *ring);
/* Events pushed successfully so far; cumulative. While producers run it
 * may count events still being written; exact once they are joined. */
uint64_t ring_pushed(const struct ring *ring);

#endif
