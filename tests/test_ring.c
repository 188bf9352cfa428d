/*
 * test_ring.c -- the lock-free event ring: capacity, order, wraparound,
 * the full ring and its drop count, and many producers against one
 * concurrent consumer.
 *
 * CUnit's assertions are not thread-safe, so the threaded tests record
 * what they saw in plain structures and assert only after the threads are
 * joined.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "ring.h"
#include "util.h"

/* A checksum of every field but arg, stored in arg: an event whose fields
 * come from two different pushes (a torn read) fails it. */
static uint64_t event_checksum(const struct event *ev)
{
	uint64_t x = ev->t ^ ((uint64_t)ev->seq << 32) ^
		     ((uint64_t)ev->tid << 16) ^ ((uint64_t)ev->type << 8) ^
		     ev->aux;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* An event that says who made it and when, checksummed. */
static struct event make_event(uint16_t tid, uint32_t seq)
{
	struct event ev = {
		.t = (uint64_t)seq * 1000 + tid,
		.seq = seq,
		.tid = tid,
		.type = (uint8_t)(1 + seq % (EV_TYPE_COUNT - 1)),
		.aux = (uint8_t)(seq * 7 + tid),
	};
	ev.arg = event_checksum(&ev);
	return ev;
}

static bool event_equal(const struct event *a, const struct event *b)
{
	return a->t == b->t && a->arg == b->arg && a->seq == b->seq &&
	       a->tid == b->tid && a->type == b->type && a->aux == b->aux;
}

static size_t capacity_of(size_t asked)
{
	struct ring *r = ring_create(asked);
	if (!r)
		return 0;
	size_t c = ring_capacity(r);
	ring_destroy(r);
	return c;
}

static void capacity_rounds_up_to_a_power_of_two(void)
{
	CU_ASSERT_EQUAL(capacity_of(1), 2);
	CU_ASSERT_EQUAL(capacity_of(2), 2);
	CU_ASSERT_EQUAL(capacity_of(3), 4);
	CU_ASSERT_EQUAL(capacity_of(1000), 1024);
	CU_ASSERT_EQUAL(capacity_of(1024), 1024);
	CU_ASSERT_EQUAL(capacity_of(1025), 2048);
}

static void absurd_capacities_are_refused(void)
{
	CU_ASSERT_PTR_NULL(ring_create(0));
	CU_ASSERT_PTR_NULL(ring_create(((size_t)1 << 28) + 1));
	CU_ASSERT_PTR_NULL(ring_create((size_t)1 << 40));
	CU_ASSERT_PTR_NULL(ring_create(SIZE_MAX));
}

static void new_ring_is_empty_with_zero_counters(void)
{
	struct ring *r = ring_create(16);
	struct event out[4];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(ring_pop(r, out, 4), 0);
	CU_ASSERT_EQUAL(ring_pushed(r), 0);
	CU_ASSERT_EQUAL(ring_dropped(r), 0);
	ring_destroy(r);
}

/* Touching a new ring's memory (as real time does) leaves it a new ring:
 * empty, every slot free, all of them usable before one is refused. */
static void a_touched_ring_is_still_empty_and_takes_its_capacity(void)
{
	struct ring *r = ring_create_lanes(64, 4);
	ring_touch(r);
	struct event out[80];
	CU_ASSERT_EQUAL(ring_pop(r, out, 80), 0);
	for (uint32_t i = 0; i < 16; i++) {
		struct event ev = make_event(1, i);
		CU_ASSERT_TRUE(ring_push(r, &ev));
	}
	struct event ev = make_event(1, 16);
	CU_ASSERT_FALSE(ring_push(r, &ev));
	CU_ASSERT_EQUAL(ring_pop(r, out, 80), 16);
	for (uint32_t i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(out[i].seq, i);
	ring_destroy(r);
}

static void push_then_pop_returns_same_events_in_order(void)
{
	struct ring *r = ring_create(16);
	struct event in[5], out[8];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (uint32_t i = 0; i < 5; i++) {
		in[i] = make_event(3, i);
		CU_ASSERT_TRUE(ring_push(r, &in[i]));
	}
	CU_ASSERT_EQUAL(ring_pushed(r), 5);
	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 8), 5);
	CU_ASSERT_EQUAL(memcmp(in, out, sizeof in), 0);
	CU_ASSERT_EQUAL(ring_pop(r, out, 8), 0);
	CU_ASSERT_EQUAL(ring_dropped(r), 0);
	ring_destroy(r);
}

/* Batches of every size from 1 to the capacity, so that pops start and end
 * at every offset and many cross the end of the array. */
static void wraparound_over_many_laps_keeps_order_and_content(void)
{
	struct ring *r = ring_create(8);
	struct event out[8];
	uint32_t next_in = 0, next_out = 0, bad = 0, short_pops = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (int lap = 0; lap < 2000; lap++) {
		uint32_t batch = 1 + (uint32_t)lap % 8;
		for (uint32_t i = 0; i < batch; i++) {
			struct event ev = make_event(1, next_in++);
			if (!ring_push(r, &ev))
				bad++;
		}
		size_t n = ring_pop(r, out, 8);
		if (n != batch)
			short_pops++;
		for (size_t i = 0; i < n; i++) {
			struct event want = make_event(1, next_out++);
			if (!event_equal(&out[i], &want))
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(short_pops, 0);
	CU_ASSERT_EQUAL(next_out, next_in);
	CU_ASSERT_EQUAL(ring_pushed(r), next_in);
	CU_ASSERT_TRUE(ring_pushed(r) > 100 * ring_capacity(r));
	CU_ASSERT_EQUAL(ring_dropped(r), 0);
	ring_destroy(r);
}

/* Drop the newest: the refused events never appear, the older ones do. */
static void full_ring_refuses_counts_drops_and_accepts_after_pop(void)
{
	struct ring *r = ring_create(4);
	struct event out[8];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (uint32_t i = 0; i < 4; i++) {
		struct event ev = make_event(2, i);
		CU_ASSERT_TRUE(ring_push(r, &ev));
	}
	struct event e4 = make_event(2, 4), e5 = make_event(2, 5);
	CU_ASSERT_FALSE(ring_push(r, &e4));
	CU_ASSERT_FALSE(ring_push(r, &e5));
	CU_ASSERT_EQUAL(ring_dropped(r), 2);
	CU_ASSERT_EQUAL(ring_pushed(r), 4);

	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 1), 1);
	CU_ASSERT_EQUAL(out[0].seq, 0);
	struct event e6 = make_event(2, 6), e7 = make_event(2, 7);
	CU_ASSERT_TRUE(ring_push(r, &e6));
	CU_ASSERT_FALSE(ring_push(r, &e7));
	CU_ASSERT_EQUAL(ring_dropped(r), 3);
	CU_ASSERT_EQUAL(ring_pushed(r), 5);

	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 8), 4);
	CU_ASSERT_EQUAL(out[0].seq, 1);
	CU_ASSERT_EQUAL(out[1].seq, 2);
	CU_ASSERT_EQUAL(out[2].seq, 3);
	CU_ASSERT_TRUE(event_equal(&out[3], &e6));
	CU_ASSERT_EQUAL(ring_pop(r, out, 8), 0);
	ring_destroy(r);
}

/* Half full means half the capacity or more pushed and not yet popped,
 * on every lap, and in any one lane of several. */
static void half_full_counts_what_is_unread_on_every_lap(void)
{
	struct ring *r = ring_create(8);
	struct event out[8];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	uint32_t seq = 0;
	for (int lap = 0; lap < 5; lap++) {
		CU_ASSERT_FALSE(ring_half_full(r));
		for (unsigned k = 1; k <= 6; k++) {
			struct event ev = make_event(1, seq++);
			CU_ASSERT_TRUE(ring_push(r, &ev));
			CU_ASSERT_EQUAL(ring_half_full(r), k >= 4);
		}
		CU_ASSERT_EQUAL(ring_pop(r, out, 2), 2);
		CU_ASSERT_TRUE(ring_half_full(r));
		CU_ASSERT_EQUAL(ring_pop(r, out, 1), 1);
		CU_ASSERT_FALSE(ring_half_full(r));
		CU_ASSERT_EQUAL(ring_pop(r, out, 8), 3);
	}
	ring_destroy(r);

	r = ring_create_lanes(16, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (uint32_t i = 0; i < 3; i++) {
		struct event a = make_event(0, i), b = make_event(1, i);
		CU_ASSERT_TRUE(ring_push(r, &a));
		CU_ASSERT_TRUE(ring_push(r, &b));
	}
	CU_ASSERT_FALSE(ring_half_full(r));
	struct event c = make_event(1, 3);
	CU_ASSERT_TRUE(ring_push(r, &c));
	CU_ASSERT_TRUE(ring_half_full(r));
	ring_destroy(r);
}

static void pop_with_max_smaller_than_available_takes_oldest(void)
{
	struct ring *r = ring_create(16);
	struct event out[16];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (uint32_t i = 0; i < 10; i++) {
		struct event ev = make_event(0, i);
		ring_push(r, &ev);
	}
	CU_ASSERT_EQUAL(ring_pop(r, out, 0), 0);
	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 3), 3);
	CU_ASSERT_EQUAL(out[0].seq, 0);
	CU_ASSERT_EQUAL(out[2].seq, 2);
	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 3), 3);
	CU_ASSERT_EQUAL(out[0].seq, 3);
	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 16), 4);
	CU_ASSERT_EQUAL(out[0].seq, 6);
	CU_ASSERT_EQUAL(out[3].seq, 9);
	CU_ASSERT_EQUAL(ring_pop(r, out, 16), 0);
	ring_destroy(r);
}

/* Counters are cumulative: popping does not lower them. */
static void counters_are_cumulative_across_pops(void)
{
	struct ring *r = ring_create(2);
	struct event out[2];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (uint32_t i = 0; i < 30; i++) {
		struct event ev = make_event(0, i);
		ring_push(r, &ev); /* 2 of every 3 fit, the third drops */
		if (i % 3 == 2)
			ring_pop(r, out, 2);
	}
	CU_ASSERT_EQUAL(ring_pushed(r), 20);
	CU_ASSERT_EQUAL(ring_dropped(r), 10);
	ring_destroy(r);
}

/* ------------------------------------------------------------------
 * Many producers, one consumer, all at once.
 * ------------------------------------------------------------------ */

#define NPRODUCERS 4

struct producer {
	struct ring *ring;
	uint16_t id;
	uint32_t count;
	atomic_bool *go;
	uint64_t drops;   /* this producer's refused pushes */
	uint8_t *dropped; /* [count]: 1 where its push of that seq was refused */
};

struct consumer {
	struct ring *ring;
	uint32_t count;           /* events per producer */
	atomic_bool *go;
	atomic_bool *producers_done;
	bool wait_for_a_drop;     /* stay idle until the ring has overflowed */
	uint64_t received;
	uint64_t torn;            /* checksum mismatches */
	uint64_t bad_tid;
	uint64_t out_of_order;    /* a seq not above the producer's last one */
	uint64_t gap[NPRODUCERS]; /* seqs skipped over, per producer */
	uint32_t next[NPRODUCERS];
	uint64_t got[NPRODUCERS];
	uint8_t *seen[NPRODUCERS]; /* [count]: times each seq arrived */
};

static void wait_for_go(atomic_bool *go)
{
	while (!atomic_load_explicit(go, memory_order_acquire))
		sched_yield();
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	wait_for_go(p->go);
	for (uint32_t seq = 0; seq < p->count; seq++) {
		struct event ev = make_event(p->id, seq);
		if (!ring_push(p->ring, &ev)) {
			p->drops++;
			p->dropped[seq] = 1;
		}
	}
	return NULL;
}

static void consumer_take(struct consumer *c, const struct event *ev)
{
	c->received++;
	if (ev->arg != event_checksum(ev)) {
		c->torn++;
		return;
	}
	if (ev->tid >= NPRODUCERS || ev->seq >= c->count) {
		c->bad_tid++;
		return;
	}
	uint16_t id = ev->tid;
	c->got[id]++;
	c->seen[id][ev->seq]++;
	if (ev->seq < c->next[id]) {
		c->out_of_order++;
		return;
	}
	c->gap[id] += ev->seq - c->next[id];
	c->next[id] = ev->seq + 1;
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct event buf[64];

	wait_for_go(c->go);
	/* Idling until the first drop makes sure the test does overflow the
	 * ring, whatever the scheduler does; the producers cannot all finish
	 * without one, since together they push far more than it holds. */
	while (c->wait_for_a_drop && ring_dropped(c->ring) == 0 &&
	       !atomic_load_explicit(c->producers_done, memory_order_acquire))
		sched_yield();
	for (;;) {
		/* Read the flag before draining: once it is set and a drain
		 * finds nothing, nothing more can come. */
		bool done = atomic_load_explicit(c->producers_done,
						 memory_order_acquire);
		size_t n = ring_pop(c->ring, buf, GV_ARRAY_LEN(buf));
		for (size_t i = 0; i < n; i++)
			consumer_take(c, &buf[i]);
		if (n == 0) {
			if (done)
				break;
			sched_yield();
		}
	}
	return NULL;
}

/* Runs NPRODUCERS producers of count events each into a ring of the given
 * capacity with one consumer draining concurrently, then checks that every
 * event arrived exactly once or was counted as dropped by its producer. */
static void run_producers_against_consumer(size_t capacity, uint32_t count,
					   bool wait_for_a_drop, size_t lanes)
{
	struct ring *r = ring_create_lanes(capacity, lanes);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	atomic_bool go = false, producers_done = false;
	struct producer prod[NPRODUCERS];
	struct consumer cons = {
		.ring = r,
		.count = count,
		.go = &go,
		.producers_done = &producers_done,
		.wait_for_a_drop = wait_for_a_drop,
	};
	pthread_t pt[NPRODUCERS], ct;

	for (uint16_t i = 0; i < NPRODUCERS; i++) {
		prod[i] = (struct producer){
			.ring = r,
			.id = i,
			.count = count,
			.go = &go,
			.dropped = xcalloc(count, 1),
		};
		cons.seen[i] = xcalloc(count, 1);
	}
	CU_ASSERT_EQUAL_FATAL(pthread_create(&ct, NULL, consumer_main, &cons), 0);
	for (int i = 0; i < NPRODUCERS; i++)
		CU_ASSERT_EQUAL_FATAL(
			pthread_create(&pt[i], NULL, producer_main, &prod[i]), 0);
	atomic_store_explicit(&go, true, memory_order_release);
	for (int i = 0; i < NPRODUCERS; i++)
		pthread_join(pt[i], NULL);
	atomic_store_explicit(&producers_done, true, memory_order_release);
	pthread_join(ct, NULL);

	uint64_t produced = (uint64_t)count * NPRODUCERS, drops = 0;
	uint64_t not_once = 0, gaps_unexplained = 0, counts_off = 0;
	for (int i = 0; i < NPRODUCERS; i++) {
		drops += prod[i].drops;
		/* Each seq either arrived once or its push was refused. */
		for (uint32_t s = 0; s < count; s++)
			if (cons.seen[i][s] + prod[i].dropped[s] != 1)
				not_once++;
		/* Gaps in seq, the trailing one included, are exactly the
		 * producer's own drops. */
		if (cons.gap[i] + (count - cons.next[i]) != prod[i].drops)
			gaps_unexplained++;
		if (cons.got[i] + prod[i].drops != count)
			counts_off++;
		free(prod[i].dropped);
		free(cons.seen[i]);
	}
	CU_ASSERT_EQUAL(cons.torn, 0);
	CU_ASSERT_EQUAL(cons.bad_tid, 0);
	CU_ASSERT_EQUAL(cons.out_of_order, 0);
	CU_ASSERT_EQUAL(not_once, 0);
	CU_ASSERT_EQUAL(gaps_unexplained, 0);
	CU_ASSERT_EQUAL(counts_off, 0);
	CU_ASSERT_EQUAL(ring_pushed(r) + ring_dropped(r), produced);
	CU_ASSERT_EQUAL(ring_dropped(r), drops);
	CU_ASSERT_EQUAL(cons.received, ring_pushed(r));
	if (wait_for_a_drop)
		CU_ASSERT_TRUE(drops > 0);
	ring_destroy(r);
}

static void concurrent_producers_small_ring_every_event_once_or_dropped(void)
{
	run_producers_against_consumer(1024, 200000, true, 1);
}

/* Two lanes for four producers: two share each lane, and the consumer
 * takes the lanes in turn. */
static void concurrent_producers_on_lanes_every_event_once_or_dropped(void)
{
	run_producers_against_consumer(1024, 200000, true, 2);
}

/* Two slots: every push races the consumer for the same two slots, lap
 * after lap. */
static void concurrent_producers_two_slot_ring_every_event_once_or_dropped(void)
{
	run_producers_against_consumer(2, 50000, false, 1);
}

/* A large ring may or may not drop, depending on the scheduler; the
 * accounting must hold either way, and nothing more is asserted. */
static void concurrent_producers_large_ring_accounting_holds(void)
{
	run_producers_against_consumer(1 << 16, 100000, false, 1);
}

static void lanes_round_up_and_share_the_capacity(void)
{
	struct ring *r = ring_create_lanes(1000, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(ring_lanes(r), 4);
	/* 1000 / 4 = 250 a lane, rounded up to 256. */
	CU_ASSERT_EQUAL(ring_capacity(r), 1024);
	ring_destroy(r);
	CU_ASSERT_PTR_NULL(ring_create_lanes(16, 0));
	CU_ASSERT_PTR_NULL(ring_create_lanes(16, RING_MAX_LANES + 1));
	r = ring_create_lanes(16, RING_MAX_LANES);
	CU_ASSERT_PTR_NOT_NULL(r);
	ring_destroy(r);
}

static void lanes_keep_each_source_in_order(void)
{
	struct ring *r = ring_create_lanes(1024, 4);
	uint32_t next_push[6] = { 0 };
	/* An uneven interleaving of six sources over four lanes. */
	for (int i = 0; i < 300; i++) {
		uint16_t tid = (uint16_t)((i * 7 + i / 5) % 6);
		struct event ev = make_event(tid, next_push[tid]++);
		CU_ASSERT_TRUE(ring_push(r, &ev));
	}
	struct event out[64];
	uint32_t next_pop[6] = { 0 };
	size_t total = 0, n, disorder = 0;
	while ((n = ring_pop(r, out, 64)) > 0) {
		for (size_t k = 0; k < n; k++) {
			uint16_t tid = out[k].tid;
			if (tid >= 6 || out[k].seq != next_pop[tid]++)
				disorder++;
		}
		total += n;
	}
	CU_ASSERT_EQUAL(total, 300);
	CU_ASSERT_EQUAL(disorder, 0);
	CU_ASSERT_EQUAL(ring_pushed(r), 300);
	ring_destroy(r);
}

/* The consumer gets the lanes merged by time: a source far ahead in its
 * own lane waits for the others, so a consumer that is behind never holds
 * one thread's future beside another's past. */
static void lanes_are_merged_by_time(void)
{
	struct ring *r = ring_create_lanes(4096, 4);
	/* Source 0 pushes its 500 events first, then 1, 2, 3: each lane in
	 * a block, the times interleaved. */
	for (uint16_t tid = 0; tid < 4; tid++)
		for (uint32_t k = 0; k < 500; k++) {
			struct event ev = make_event(tid, k);
			CU_ASSERT_TRUE(ring_push(r, &ev));
		}
	struct event out[7];
	uint64_t last = 0;
	size_t total = 0, n, disorder = 0;
	while ((n = ring_pop(r, out, 7)) > 0) {
		for (size_t k = 0; k < n; k++) {
			disorder += out[k].t < last;
			last = out[k].t;
		}
		total += n;
	}
	CU_ASSERT_EQUAL(total, 2000);
	CU_ASSERT_EQUAL(disorder, 0);
	ring_destroy(r);
}

/* Equal times: the lower lane first; and a lane giving events keeps on
 * up to and including the runner-up's time. Virtual time's reports are
 * the same byte for byte only if the merge keeps this exact order. */
static void lanes_merge_ties_by_lane_and_runs_to_the_runner_up(void)
{
	struct ring *r = ring_create_lanes(64, 4);
	/* (source, time) as pushed; lane = source. */
	static const uint64_t in[][2] = {
		{ 0, 5 }, { 0, 6 }, { 0, 9 }, { 1, 5 }, { 1, 7 }, { 2, 3 }, { 2, 6 },
		{ 3, 10 }, { 3, 11 }, { 3, 12 },
	};
	static const uint64_t want[][2] = {
		{ 2, 3 }, { 0, 5 }, { 1, 5 }, { 0, 6 }, { 2, 6 }, { 1, 7 }, { 0, 9 },
		{ 3, 10 }, { 3, 11 }, { 3, 12 },
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		struct event ev = { .t = in[i][1], .tid = (uint16_t)in[i][0] };
		CU_ASSERT_TRUE(ring_push(r, &ev));
	}
	struct event out[16];
	/* Three at a time: a run cut by max goes on at the next call. */
	size_t n = 0, got;
	while ((got = ring_pop(r, out + n, 3)) > 0)
		n += got;
	CU_ASSERT_EQUAL_FATAL(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(out[i].tid, want[i][0]);
		CU_ASSERT_EQUAL(out[i].t, want[i][1]);
	}
	/* Lane 1 (5) before lane 0 (6), and then lane 1's own 6 before lane
	 * 0's: it runs up to the runner-up's time, ties included. */
	struct event a = { .t = 6, .tid = 0 }, b = { .t = 5, .tid = 1 }, c = { .t = 6, .tid = 1 };
	ring_push(r, &a);
	ring_push(r, &b);
	ring_push(r, &c);
	CU_ASSERT_EQUAL_FATAL(ring_pop(r, out, 16), 3);
	CU_ASSERT(out[0].tid == 1 && out[0].t == 5);
	CU_ASSERT(out[1].tid == 1 && out[1].t == 6);
	CU_ASSERT(out[2].tid == 0 && out[2].t == 6);
	ring_destroy(r);
}

static void a_full_lane_drops_only_its_own_sources(void)
{
	struct ring *r = ring_create_lanes(4, 2); /* two lanes of two */
	struct event a = make_event(0, 0), b = make_event(1, 0);
	CU_ASSERT_TRUE(ring_push(r, &a));
	CU_ASSERT_TRUE(ring_push(r, &a));
	CU_ASSERT_FALSE(ring_push(r, &a));
	CU_ASSERT_TRUE(ring_push(r, &b));
	CU_ASSERT_TRUE(ring_push(r, &b));
	CU_ASSERT_EQUAL(ring_dropped(r), 1);
	CU_ASSERT_EQUAL(ring_pushed(r), 4);
	ring_destroy(r);
}

/* A ring's lanes outlive it, for the next ring of their size: the next
 * ring starts empty, with zero counters, whatever the last one left
 * unread, takes its whole capacity (touched or not) and keeps order. */
static void a_ring_made_after_one_destroyed_is_new(void)
{
	for (int touch = 0; touch < 2; touch++) {
		struct ring *r = ring_create_lanes(96, 2); /* two lanes of 64 */
		struct event got[128];
		for (uint32_t i = 0; i < 100; i++) {
			struct event ev = make_event((uint16_t)(i % 2), i);
			ring_push(r, &ev);
		}
		CU_ASSERT_EQUAL(ring_pop(r, got, 30), 30);
		ring_destroy(r); /* 70 events unread */

		r = ring_create_lanes(96, 2);
		if (touch)
			ring_touch(r);
		CU_ASSERT_EQUAL(ring_pop(r, got, 128), 0);
		CU_ASSERT_EQUAL(ring_pushed(r), 0);
		CU_ASSERT_EQUAL(ring_dropped(r), 0);
		for (uint32_t i = 0; i < 128; i++) {
			struct event ev = make_event((uint16_t)(i % 2), 1000 + i);
			CU_ASSERT_TRUE(ring_push(r, &ev));
		}
		struct event one_more = make_event(0, 5000);
		CU_ASSERT_FALSE(ring_push(r, &one_more));
		CU_ASSERT_EQUAL(ring_pushed(r), 128);
		CU_ASSERT_EQUAL(ring_dropped(r), 1);
		CU_ASSERT_EQUAL(ring_pop(r, got, 128), 128);
		for (uint32_t i = 0; i < 128; i++) {
			struct event want = make_event((uint16_t)(i % 2), 1000 + i);
			CU_ASSERT_TRUE(event_equal(&got[i], &want));
		}
		ring_destroy(r);
	}
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(a_ring_made_after_one_destroyed_is_new),
	CU_TEST_ENTRY(lanes_round_up_and_share_the_capacity),
	CU_TEST_ENTRY(lanes_are_merged_by_time),
	CU_TEST_ENTRY(lanes_merge_ties_by_lane_and_runs_to_the_runner_up),
	CU_TEST_ENTRY(lanes_keep_each_source_in_order),
	CU_TEST_ENTRY(a_full_lane_drops_only_its_own_sources),
	CU_TEST_ENTRY(concurrent_producers_on_lanes_every_event_once_or_dropped),
	CU_TEST_ENTRY(capacity_rounds_up_to_a_power_of_two),
	CU_TEST_ENTRY(absurd_capacities_are_refused),
	CU_TEST_ENTRY(new_ring_is_empty_with_zero_counters),
	CU_TEST_ENTRY(a_touched_ring_is_still_empty_and_takes_its_capacity),
	CU_TEST_ENTRY(push_then_pop_returns_same_events_in_order),
	CU_TEST_ENTRY(wraparound_over_many_laps_keeps_order_and_content),
	CU_TEST_ENTRY(full_ring_refuses_counts_drops_and_accepts_after_pop),
	CU_TEST_ENTRY(half_full_counts_what_is_unread_on_every_lap),
	CU_TEST_ENTRY(pop_with_max_smaller_than_available_takes_oldest),
	CU_TEST_ENTRY(counters_are_cumulative_across_pops),
	CU_TEST_ENTRY(concurrent_producers_small_ring_every_event_once_or_dropped),
	CU_TEST_ENTRY(concurrent_producers_two_slot_ring_every_event_once_or_dropped),
	CU_TEST_ENTRY(concurrent_producers_large_ring_accounting_holds),
	CU_TEST_END,
};

CU_MAIN("ring", tests)
