/*
 * ring.c -- a bounded, lock-free ring of events: many producers, one
 * consumer.
 *
 * The design is the bounded queue with per-slot sequence numbers described
 * by Dmitry Vyukov, cut down to a single consumer.
 *
 * The ring is an array of 2^k slots. Each slot holds an event and an
 * atomic sequence number `seq`. Positions are 64-bit counters that only
 * grow: `tail` is the next position a producer may claim, `head` the next
 * one the consumer will read; position p lives in slot p & mask. A slot's
 * seq says what the slot is waiting for:
 *
 *   seq == p          free: the slot is ready to take the event for
 *                     position p (initially seq is the slot's index);
 *                     the slot stores seq less its index, so that a
 *                     zeroed allocation is a ring all free for the first
 *                     lap, and no page of it is touched before it is used;
 *   seq == p + 1      published: the event for position p is in it;
 *   seq == p + size   freed again by the consumer, ready for position
 *                     p + size, one lap later.
 *
 * A producer reads tail (p), then the seq of p's slot:
 *   - seq == p: the slot is free; it claims p with a compare-and-swap of
 *     tail from p to p + 1. Only one producer can win that CAS, so the
 *     slot is now its own: it copies the event in, then publishes it by
 *     storing seq = p + 1.
 *   - seq < p: the slot still holds (or is about to hold) the event from
 *     the previous lap, which the consumer has not read: the ring is full.
 *   - seq > p: another producer claimed p first; read tail again.
 * The consumer reads the seq of head's slot: if it is head + 1 the event
 * is published, so it copies it out, then frees the slot for the next lap
 * by storing seq = head + size, and moves on. Otherwise the ring is empty
 * at head (or the producer that claimed head has not finished copying) and
 * ring_pop returns what it has.
 *
 * Why a seq per slot and not just head and tail: a producer that has
 * claimed a position may be preempted before it has copied its event in.
 * The slot's seq keeps the consumer from reading a half-written (torn)
 * event, and keeps the next lap's producer from overwriting an event the
 * consumer has not read yet. A size of at least 2 is needed so that
 * "published for p" (p + 1) and "free for p + size" differ.
 *
 * Guarantees:
 *   - Producers never block, never take a lock and never allocate. When
 *     the ring is full the new event is dropped (the policy is "drop the
 *     newest": what is already in the ring stays, so the consumer sees an
 *     unbroken past up to the moment of overflow), a drop counter is
 *     incremented and ring_push returns false. The only loop in ring_push
 *     retries when another producer won the race for the same position,
 *     so some producer always makes progress (lock-free).
 *   - Positions are claimed in one total order and read in that order, so
 *     each producer's events reach the consumer in the order it pushed
 *     them, and every pushed event is read exactly once.
 *   - The consumer never sees a torn event.
 *   - A producer preempted between its claim and its publish holds up the
 *     consumer at that position (later events wait behind it); it never
 *     holds up another producer, which at worst finds the ring full.
 *
 * The 64-bit positions never wrap in practice (at a billion events a
 * second, 584 years). The capacity is capped at 2^28 slots (8 GiB); larger
 * requests, and 0, make ring_create return NULL.
 *
 * Layout: a slot is 32 bytes (an 8-byte seq and the 24-byte event), two to
 * a 64-byte cache line, and the slot array is cache-line aligned. tail
 * (written by producers), head (written by the consumer), the drop counter
 * and the read-only fields each have a cache line of their own, so that
 * producers and the consumer do not invalidate each other's lines except
 * through the slots they actually share.
 */
#include "config.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "ring.h"
#include "util.h"

#define RING_CACHE_LINE 64
#define RING_MIN_SLOTS ((size_t)2)
#define RING_MAX_SLOTS ((size_t)1 << 28)

#if ATOMIC_LLONG_LOCK_FREE != 2
#warning "64-bit atomics are not always lock-free here: ring_push may lock"
#endif

struct ring_slot {
	_Atomic uint64_t seq;
	struct event ev;
};

_Static_assert(sizeof(struct ring_slot) == 32, "a ring slot is 32 bytes");
_Static_assert(RING_CACHE_LINE % sizeof(struct ring_slot) == 0,
	       "slots do not straddle cache lines");

struct ring_lane {
	/* Read-only after lane_create: shared by every thread, never dirty. */
	uint64_t mask;
	size_t capacity;
	void *block; /* the allocation, for free */
	uint64_t base; /* the position of its first event (ring_pushed) */

	/* The next position to claim; producers CAS it. ring_pushed reads it:
	 * every successful claim is a push. */
	alignas(RING_CACHE_LINE) _Atomic uint64_t tail;

	/* Written only when the ring is full, so that a storm of drops does
	 * not slow producers that are pushing or the consumer. */
	alignas(RING_CACHE_LINE) _Atomic uint64_t dropped;

	/* The next position to read. Only the consumer writes it; it is
	 * atomic so that ring_half_full can read it from any thread. */
	alignas(RING_CACHE_LINE) _Atomic uint64_t head;

	alignas(RING_CACHE_LINE) struct ring_slot slots[];
};

/* Round up to a power of two, at least RING_MIN_SLOTS; the caller has
 * already refused anything over RING_MAX_SLOTS, so this cannot overflow. */
static size_t ring_round_up(size_t n)
{
	size_t size = RING_MIN_SLOTS;
	while (size < n)
		size <<= 1;
	return size;
}

/* A slot's seq, stored less the slot's index (idx = position & mask). */
static inline uint64_t slot_seq(const struct ring_slot *slot, uint64_t idx,
				memory_order order)
{
	return atomic_load_explicit(&slot->seq, order) + idx;
}

static inline void slot_set_seq(struct ring_slot *slot, uint64_t idx, uint64_t seq,
				memory_order order)
{
	atomic_store_explicit(&slot->seq, seq - idx, order);
}

/* One allocation holds the control lines and the slots, so that a push
 * finds its slot from the ring pointer without loading a second pointer.
 * It is zeroed memory (calloc: fresh pages from the kernel for a big
 * ring, not written here): every slot's seq is its index (slot_seq), free
 * for the first lap. A run touches only the pages its events reach; a
 * virtual-time run used to spend a tenth of its time writing and faulting
 * in a ring of a million slots before the first event. */
static struct ring_lane *lane_alloc(size_t size)
{
	void *block = xcalloc(1, RING_CACHE_LINE + sizeof(struct ring_lane) +
				       size * sizeof(struct ring_slot));
	struct ring_lane *ring = (struct ring_lane *)(((uintptr_t)block + RING_CACHE_LINE - 1) &
						     ~(uintptr_t)(RING_CACHE_LINE - 1));
	ring->block = block;
	ring->mask = size - 1;
	ring->capacity = size;
	ring->base = 0;
	atomic_init(&ring->tail, 0);
	atomic_init(&ring->dropped, 0);
	atomic_init(&ring->head, 0);
	return ring;
}

/*
 * Lanes of destroyed rings are kept for the next ring, as they are: a
 * sweep or a comparison makes a ring per run, and a fresh one paid for
 * its memory again in every run. Its pages came from the kernel as
 * events reached them, each first read by a push (the seq) and then
 * written, a second fault that, with a worker on the other core, also
 * flushed that core's TLB: with calloc's memset of reused memory, about
 * a tenth of the CPU time of a 20-point sweep on two workers (perf over
 * gilviz --sweep). A kept lane is emptied (lane_empty) and goes on from
 * the position it had reached, so nothing in it is written again but the
 * slots of events nobody read. At most RING_KEEP_LANES lanes and
 * RING_KEEP_BYTES are kept; the rest is freed.
 */
#define RING_KEEP_LANES 128
#define RING_KEEP_BYTES ((size_t)128 << 20)

static pthread_mutex_t keep_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ring_lane *kept[RING_KEEP_LANES];
static size_t nkept, kept_bytes;

static size_t lane_bytes(const struct ring_lane *l)
{
	return l->capacity * sizeof(struct ring_slot);
}

/* Once every producer and the consumer are done: the events nobody read
 * are let go, as the consumer would (their slots freed for the next lap),
 * and the lane starts over, empty, where it stands. */
static void lane_empty(struct ring_lane *l)
{
	uint64_t tail = atomic_load_explicit(&l->tail, memory_order_relaxed);
	for (uint64_t pos = atomic_load_explicit(&l->head, memory_order_relaxed); pos != tail;
	     pos++)
		slot_set_seq(&l->slots[pos & l->mask], pos & l->mask, pos + l->capacity,
			     memory_order_relaxed);
	atomic_store_explicit(&l->head, tail, memory_order_relaxed);
	l->base = tail;
	atomic_store_explicit(&l->dropped, 0, memory_order_relaxed);
}

static struct ring_lane *lane_create(size_t capacity)
{
	size_t size = ring_round_up(capacity);
	struct ring_lane *l = NULL;
	pthread_mutex_lock(&keep_mu);
	for (size_t i = nkept; i-- > 0;) {
		if (kept[i]->capacity == size) {
			l = kept[i];
			kept[i] = kept[--nkept];
			kept_bytes -= lane_bytes(l);
			break;
		}
	}
	pthread_mutex_unlock(&keep_mu);
	return l ? l : lane_alloc(size);
}

static void lane_destroy(struct ring_lane *l)
{
	lane_empty(l);
	pthread_mutex_lock(&keep_mu);
	bool keep = nkept < RING_KEEP_LANES && kept_bytes + lane_bytes(l) <= RING_KEEP_BYTES;
	if (keep) {
		kept[nkept++] = l;
		kept_bytes += lane_bytes(l);
	}
	pthread_mutex_unlock(&keep_mu);
	if (!keep)
		free(l->block);
}

/*
 * The hot path: every recorded event of every simulated thread goes
 * through here, so it is short, branch-light and allocation-free. The
 * common case is one relaxed load of tail, one acquire load of a seq, one
 * CAS, a 24-byte copy and one release store; the full case is one relaxed
 * increment.
 *
 * Memory orders:
 *   - tail is loaded relaxed and CASed relaxed: tail carries no data. The
 *     CAS only decides which producer owns position p; atomicity alone
 *     gives that (a single modification order, so one winner per value).
 *     Whether the slot may be written is decided by its seq, not by tail.
 *   - The seq load is acquire: seq == p was stored (release) by the
 *     consumer after it copied out the previous lap's event, so acquiring
 *     it orders that read before our write of the slot (no write-after-
 *     read race on the event). For the first lap seq was set before the
 *     ring was handed to this thread.
 *   - The publishing store of seq = p + 1 is release: it orders our copy
 *     of the event before the consumer's acquire load that sees p + 1, so
 *     the consumer reads the whole event, never a torn one.
 *   - dropped is a plain statistic, incremented relaxed: nobody orders
 *     other memory by it.
 */
static inline bool lane_push(struct ring_lane *ring, const struct event *ev)
{
	uint64_t pos = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	struct ring_slot *slot;

	for (;;) {
		slot = &ring->slots[pos & ring->mask];
		uint64_t seq = slot_seq(slot, pos & ring->mask, memory_order_acquire);
		int64_t diff = (int64_t)(seq - pos);
		if (diff == 0) {
			/* On failure the CAS reloads pos for the retry. */
			if (atomic_compare_exchange_weak_explicit(
				    &ring->tail, &pos, pos + 1,
				    memory_order_relaxed, memory_order_relaxed))
				break;
		} else if (GV_UNLIKELY(diff < 0)) {
			atomic_fetch_add_explicit(&ring->dropped, 1,
						  memory_order_relaxed);
			return false;
		} else {
			pos = atomic_load_explicit(&ring->tail,
						   memory_order_relaxed);
		}
	}
	slot->ev = *ev;
	slot_set_seq(slot, pos & ring->mask, pos + 1, memory_order_release);
	return true;
}

/* ---- lanes ---------------------------------------------------------- */

/*
 * A ring is one or more lanes, each a ring as described above. A producer
 * always pushes into the lane of its source id (tid modulo the number of
 * lanes), so two simulated threads running at once on two cores do not
 * fight over one tail: with a lane each, a push touches no cache line
 * another producer writes. Several sources may share a lane (the lanes
 * are multi-producer), which only costs contention. Each source's events
 * still reach the consumer in order, because they all go through one lane;
 * the consumer merges the lanes by time (ring_pop), so events of different
 * sources arrive in time order but for a push that has not landed yet.
 */
struct ring {
	size_t nlanes;      /* a power of two */
	size_t lane_mask;
	size_t capacity;    /* over all lanes */
	struct ring_lane *lanes[];
};

struct ring *ring_create(size_t capacity)
{
	return ring_create_lanes(capacity, 1);
}

struct ring *ring_create_lanes(size_t capacity, size_t lanes)
{
	if (capacity == 0 || capacity > RING_MAX_SLOTS || lanes == 0 ||
	    lanes > RING_MAX_LANES)
		return NULL;
	size_t n = 1;
	while (n < lanes)
		n <<= 1;
	size_t per = (capacity + n - 1) / n;
	struct ring *ring = xcalloc(1, sizeof *ring + n * sizeof ring->lanes[0]);
	ring->nlanes = n;
	ring->lane_mask = n - 1;
	for (size_t i = 0; i < n; i++) {
		ring->lanes[i] = lane_create(per);
		ring->capacity += ring->lanes[i]->capacity;
	}
	return ring;
}

/* The caller guarantees no producer or consumer is still using the ring
 * (threads joined): destroying it is not synchronised with them. */
void ring_destroy(struct ring *ring)
{
	if (!ring)
		return;
	for (size_t i = 0; i < ring->nlanes; i++)
		lane_destroy(ring->lanes[i]);
	free(ring);
}

/* Adds nothing to a seq in every page: each page is then the process's
 * own and writable, faulted in here rather than in a push, and what the
 * lane holds (a kept lane's seqs) is unchanged. */
void ring_touch(struct ring *ring)
{
	const size_t per_page = 4096 / sizeof(struct ring_slot);
	for (size_t i = 0; i < ring->nlanes; i++) {
		struct ring_lane *l = ring->lanes[i];
		for (size_t k = 0; k < l->capacity; k += per_page)
			atomic_fetch_add_explicit(&l->slots[k].seq, 0, memory_order_relaxed);
	}
}

size_t ring_capacity(const struct ring *ring)
{
	return ring->capacity;
}

size_t ring_lanes(const struct ring *ring)
{
	return ring->nlanes;
}

bool ring_push(struct ring *ring, const struct event *ev)
{
	return lane_push(ring->lanes[ev->tid & ring->lane_mask], ev);
}

/* Claimed against taken, per lane. It looked before at the slot half a
 * lap ahead of the tail (free only once the consumer had taken the event
 * half a lap behind): in a large ring a cache miss per lane, 2.4% of the
 * cycles of a sweep in perf (0.11% now). head and tail are lines the consumer and
 * the producers touch anyway. */
bool ring_half_full(const struct ring *ring)
{
	for (size_t i = 0; i < ring->nlanes; i++) {
		const struct ring_lane *l = ring->lanes[i];
		/* head first: the tail read after it is no older, so that
		 * tail - head cannot wrap below zero. */
		uint64_t head = atomic_load_explicit(&l->head, memory_order_acquire);
		uint64_t tail = atomic_load_explicit(&l->tail, memory_order_relaxed);
		if (tail - head >= l->capacity / 2)
			return true;
	}
	return false;
}

/* The next event of a lane if it is published, else NULL. It stays
 * valid until lane_pop_until takes it: no producer overwrites a slot the
 * consumer has not released. */
static const struct event *lane_peek(const struct ring_lane *ring)
{
	uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	const struct ring_slot *slot = &ring->slots[head & ring->mask];
	uint64_t seq = slot_seq(slot, head & ring->mask, memory_order_acquire);
	return seq == head + 1 ? &slot->ev : NULL;
}

/*
 * The consumer copies events out oldest first and frees each slot as soon
 * as it is copied, so that producers get room back without waiting for the
 * whole batch. It stops at the first slot not yet published: either the
 * ring is empty there, or a producer has claimed that position and not yet
 * finished copying; later events wait, which keeps the order.
 *
 * Memory orders: the seq load is acquire, pairing with the producer's
 * release store of p + 1, so the event copy below reads what the producer
 * wrote. The store of p + size is release, pairing with the next lap's
 * producer's acquire load, so our read of the event happens before its
 * overwrite. Only the consumer writes head; its store is release so that
 * ring_half_full, from any thread, sees the slots before it as taken.
 *
 * lane_pop_until takes a lane's published events in order, up to max,
 * and stops before an event later than t_max (taking at least the
 * first); *next is then the lane's next event, published, or NULL if it
 * has none. One look at each slot: a peek, then a pop that looked again,
 * were a quarter of the cost of taking an event.
 */
static size_t lane_pop_until(struct ring_lane *ring, struct event *out, size_t max,
			     uint64_t t_max, const struct event **next)
{
	uint64_t pos = atomic_load_explicit(&ring->head, memory_order_relaxed);
	size_t n = 0;
	*next = NULL;
	for (;;) {
		struct ring_slot *slot = &ring->slots[pos & ring->mask];
		if (slot_seq(slot, pos & ring->mask, memory_order_acquire) != pos + 1)
			break;
		if (n == max || (n > 0 && slot->ev.t > t_max)) {
			*next = &slot->ev;
			break;
		}
		out[n++] = slot->ev;
		slot_set_seq(slot, pos & ring->mask, pos + ring->capacity,
			     memory_order_release);
		pos++;
	}
	atomic_store_explicit(&ring->head, pos, memory_order_release);
	return n;
}

/*
 * The lanes merged by time: the lane whose next event is the earliest
 * gives its events up to the next event of the runner-up, then the
 * choice is made again. Each source's events stay in order (one lane
 * each), and the merged stream is in time order as far as the events
 * published so far go: a consumer that falls behind holds every thread's
 * events up to about the same time, never one thread a second ahead of
 * another (which drew two holders of one GIL). An event stamped but not
 * yet pushed may still arrive later than a later one: the events pane
 * and history take that small disorder.
 *
 * The lanes with an event are kept in a small min-heap keyed by their
 * next event's time and then the lane's index (the earliest, the lowest
 * lane first among equals), built once a call: after each run only the
 * lane that gave it is looked at again, O(log lanes), where a scan of
 * every lane after every run cost a tenth of all the instructions of a
 * virtual-time run of eight threads. A lane empty when the call began is
 * looked at by the next call.
 */
struct lane_head {
	uint64_t t;
	size_t lane;
};

static inline bool head_before(const struct lane_head *a, const struct lane_head *b)
{
	return a->t < b->t || (a->t == b->t && a->lane < b->lane);
}

static void heads_push(struct lane_head *h, size_t *n, struct lane_head x)
{
	size_t i = (*n)++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!head_before(&x, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void heads_pop(struct lane_head *h, size_t *n)
{
	struct lane_head last = h[--*n];
	size_t i = 0, m = *n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && head_before(&h[c + 1], &h[c]))
			c++;
		if (!head_before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (m)
		h[i] = last;
}

size_t ring_pop(struct ring *ring, struct event *out, size_t max)
{
	if (ring->nlanes == 1) {
		const struct event *ev;
		return lane_pop_until(ring->lanes[0], out, max, UINT64_MAX, &ev);
	}
	struct lane_head h[RING_MAX_LANES];
	size_t nh = 0;
	for (size_t i = 0; i < ring->nlanes; i++) {
		const struct event *ev = lane_peek(ring->lanes[i]);
		if (ev)
			heads_push(h, &nh, (struct lane_head){ ev->t, i });
	}
	size_t n = 0;
	while (n < max && nh > 0) {
		size_t best = h[0].lane;
		heads_pop(h, &nh);
		uint64_t t_next = nh ? h[0].t : UINT64_MAX;
		const struct event *ev;
		n += lane_pop_until(ring->lanes[best], out + n, max - n, t_next, &ev);
		if (ev)
			heads_push(h, &nh, (struct lane_head){ ev->t, best });
	}
	return n;
}

/* A statistic, read relaxed: exact once the producers have been joined,
 * a recent value while they run. */
uint64_t ring_dropped(const struct ring *ring)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < ring->nlanes; i++)
		sum += atomic_load_explicit(&ring->lanes[i]->dropped, memory_order_relaxed);
	return sum;
}

/* Every claimed position is a push that will be published, so tail is the
 * count of successful pushes; no second counter on the hot path. While
 * producers run, it may include events still being copied in. */
uint64_t ring_pushed(const struct ring *ring)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < ring->nlanes; i++)
		sum += atomic_load_explicit(&ring->lanes[i]->tail, memory_order_relaxed) -
		       ring->lanes[i]->base;
	return sum;
}
