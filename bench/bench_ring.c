/*
 * bench_ring.c -- what recording an event costs, and how fast the
 * consumer drains.
 *
 * (a) ns per recorded event, timestamp included: each producer thread
 *     takes clock_gettime(CLOCK_MONOTONIC), fills an event and pushes it,
 *     as the GIL will. The figure is a producer's own cost per event (its
 *     elapsed time over its events), not the ring's aggregate throughput.
 *     Two modes:
 *       - drained after (the figures with targets): the ring is big
 *         enough for every event and the consumer drains it once the
 *         producers are joined, so every push is recorded and nothing
 *         else competes for the cores;
 *       - drained concurrently: a consumer thread drains while the
 *         producers push, as in a real run. With 2 producers that is 3
 *         busy threads, which a 2-core machine has to share. A 64 Ki-slot
 *         ring overflows when the consumer falls behind, and a refused
 *         push is cheaper than a recorded one, so the drop rate is
 *         printed beside the figure.
 *     And the same with the timestamp read from the CPU's time-stamp
 *     counter (rdtsc, scaled to ns by a factor calibrated against
 *     CLOCK_MONOTONIC), on x86-64: what an invariant-TSC clock would
 *     save per event, to decide whether gilviz should have one. The read
 *     is ordered (lfence first, as the kernel's vDSO orders it; rdtscp,
 *     the other ordered read, is timed alone beside it): a bare
 *     rdtsc may execute before the load that saw another thread's state
 *     change, and stamp an event earlier than the one that caused it,
 *     which the merged stream must never show. The bare read's cost is
 *     printed beside, for comparison.
 * (b) events per second drained by ring_pop: the ring is filled by one
 *     thread, then drained in batches of 256 by the same thread, and only
 *     the drain is timed.
 *
 * Usage: bench_ring [events-per-producer]   (default 1000000)
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"
#include "ring.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <x86intrin.h>
#define BENCH_TSC 1
/* ns = base + (tsc - tsc0) * mult >> 32, calibrated once. */
static uint64_t tsc0, tsc_base_ns, tsc_mult;

static void tsc_calibrate(void)
{
	int64_t n0 = bench_now_ns();
	uint64_t c0 = __rdtsc();
	struct timespec d = { 0, 50000000 };
	nanosleep(&d, NULL);
	int64_t n1 = bench_now_ns();
	uint64_t c1 = __rdtsc();
	tsc0 = c0;
	tsc_base_ns = (uint64_t)n0;
	tsc_mult = (uint64_t)(((unsigned __int128)(uint64_t)(n1 - n0) << 32) / (c1 - c0));
}

static inline uint64_t tsc_scale(uint64_t c)
{
	return tsc_base_ns + (uint64_t)(((unsigned __int128)(c - tsc0) * tsc_mult) >> 32);
}

static inline uint64_t tsc_ns(void)
{
	_mm_lfence();
	return tsc_scale(__rdtsc());
}
#endif

#define BENCH_RING_SLOTS (1u << 16)
#define BENCH_BATCH 4096 /* events per timed batch, for percentiles */
#define BENCH_RUNS 3

struct producer {
	struct ring *ring;
	uint16_t id;
	uint32_t count;
	bool tsc; /* the timestamp from rdtsc, not clock_gettime */
	atomic_bool *go;
	int64_t elapsed_ns;
	int64_t cpu_ns; /* on CPU: the elapsed time less preemption */
	int64_t *batch_ns; /* [count / BENCH_BATCH]: ns per event, per batch */
	size_t nbatch;
};

struct consumer {
	struct ring *ring;
	atomic_bool *stop;
	uint64_t drained;
};

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct event ev = { .tid = p->id, .type = EV_OP_START };

	while (!atomic_load_explicit(p->go, memory_order_acquire))
		;
	int64_t cpu_start = bench_thread_cpu_ns();
	int64_t start = bench_now_ns(), batch_start = start;
	for (uint32_t i = 0; i < p->count; i++) {
#ifdef BENCH_TSC
		if (p->tsc) {
			ev.t = tsc_ns();
		} else
#endif
		{
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ev.t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		}
		ev.seq = i;
		ev.arg = i;
		ring_push(p->ring, &ev);
		if ((i + 1) % BENCH_BATCH == 0) {
			int64_t now = bench_now_ns();
			p->batch_ns[p->nbatch++] =
				(now - batch_start) / BENCH_BATCH;
			batch_start = now;
		}
	}
	p->elapsed_ns = bench_now_ns() - start;
	p->cpu_ns = bench_thread_cpu_ns() - cpu_start;
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct event buf[256];

	for (;;) {
		bool stop = atomic_load_explicit(c->stop, memory_order_acquire);
		size_t n = ring_pop(c->ring, buf, 256);
		c->drained += n;
		if (n == 0) {
			if (stop)
				break;
			sched_yield();
		}
	}
	return NULL;
}

struct push_result {
	double ns_per_event; /* mean over producers */
	double cpu_per_event; /* the same, counting only time on CPU */
	int64_t p50, p99;    /* over every producer's batches */
	uint64_t dropped, pushed;
};

/* One run: nprod producers, and a consumer draining either concurrently
 * or after they are joined (then the ring holds every event). */
static struct push_result bench_push_run(int nprod, uint32_t count,
					 bool concurrent, size_t lanes, bool tsc)
{
	struct ring *ring = ring_create_lanes(
		concurrent ? BENCH_RING_SLOTS : (size_t)nprod * count, lanes);
	ring_touch(ring); /* as a real-time run does: no page faults in pushes */
	atomic_bool go = false, stop = false;
	struct producer prod[2];
	struct consumer cons = { .ring = ring, .stop = &stop };
	pthread_t pt[2], ct;
	size_t per = count / BENCH_BATCH;
	int64_t *batches = xcalloc((size_t)nprod * per + 1, sizeof *batches);

	if (concurrent && pthread_create(&ct, NULL, consumer_main, &cons) != 0)
		fatal("pthread_create (consumer) failed");
	for (int i = 0; i < nprod; i++) {
		prod[i] = (struct producer){
			.ring = ring,
			.id = (uint16_t)i,
			.count = count,
			.tsc = tsc,
			.go = &go,
			.batch_ns = batches + (size_t)i * per,
		};
		if (pthread_create(&pt[i], NULL, producer_main, &prod[i]) != 0)
			fatal("pthread_create (producer) failed");
	}
	atomic_store_explicit(&go, true, memory_order_release);
	double sum = 0, cpu = 0;
	size_t nb = 0;
	for (int i = 0; i < nprod; i++) {
		pthread_join(pt[i], NULL);
		sum += (double)prod[i].elapsed_ns / count;
		cpu += (double)prod[i].cpu_ns / count;
		nb += prod[i].nbatch;
	}
	atomic_store_explicit(&stop, true, memory_order_release);
	if (concurrent)
		pthread_join(ct, NULL);
	else
		consumer_main(&cons);

	struct push_result r = {
		.ns_per_event = sum / nprod,
		.cpu_per_event = cpu / nprod,
		.p50 = bench_percentile(batches, nb, 50),
		.p99 = bench_percentile(batches, nb, 99),
		.dropped = ring_dropped(ring),
		.pushed = ring_pushed(ring),
	};
	if (cons.drained != r.pushed)
		fatal("consumer drained %llu of %llu pushed events",
		      (unsigned long long)cons.drained,
		      (unsigned long long)r.pushed);
	free(batches);
	ring_destroy(ring);
	return r;
}

/* The median run of BENCH_RUNS, by ns per event, so that one run disturbed
 * by the machine does not make the figure. */
static void bench_push(int nprod, uint32_t count, bool concurrent, size_t lanes, bool tsc)
{
	struct push_result runs[BENCH_RUNS];
	int64_t key[BENCH_RUNS];
	for (int i = 0; i < BENCH_RUNS; i++) {
		runs[i] = bench_push_run(nprod, count, concurrent, lanes, tsc);
		key[i] = (int64_t)(runs[i].ns_per_event * 1000);
	}
	int64_t median = bench_percentile(key, BENCH_RUNS, 50);
	struct push_result *r = &runs[0];
	for (int i = 0; i < BENCH_RUNS; i++)
		if (key[i] == median)
			r = &runs[i];

	char label[96];
	snprintf(label, sizeof label, "ring push+%s, %d producer%s%s%s",
		 tsc ? "lfence+rdtsc" : "timestamp", nprod, nprod > 1 ? "s" : "",
		 nprod > 1 ? (lanes > 1 ? ", a lane each" : ", one lane") : "",
		 concurrent ? " + consumer" : "");
	/* The target is for recorded events; concurrently, some pushes
	 * are refused ones, so that figure is printed without it. */
	bench_print(label, r->ns_per_event, "ns/event", BENCH_AT_MOST,
		    concurrent ? 0 : 25);
	uint64_t total = r->pushed + r->dropped;
	printf("    on CPU %.1f ns/event; batches of %d: p50 %lld, p99 %lld "
	       "ns/event; dropped %llu of %llu (%.2f%%)\n",
	       r->cpu_per_event, BENCH_BATCH, (long long)r->p50,
	       (long long)r->p99,
	       (unsigned long long)r->dropped, (unsigned long long)total,
	       total ? 100.0 * (double)r->dropped / (double)total : 0.0);
}

/* clock_gettime alone, to read (a) against: how much of an event's cost
 * is the timestamp. */
static void bench_clock(uint32_t count)
{
	uint64_t sink = 0;
	int64_t start = bench_now_ns();
	for (uint32_t i = 0; i < count; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sink += (uint64_t)ts.tv_nsec;
	}
	int64_t elapsed = bench_now_ns() - start;
	bench_print("clock_gettime(CLOCK_MONOTONIC) alone",
		    (double)elapsed / count, "ns/call", BENCH_AT_MOST, 0);
	if (sink == 1) /* keep the loop */
		putchar(' ');
#ifdef BENCH_TSC
	start = bench_now_ns();
	for (uint32_t i = 0; i < count; i++)
		sink += tsc_ns();
	elapsed = bench_now_ns() - start;
	bench_print("lfence+rdtsc, scaled to ns, alone", (double)elapsed / count, "ns/call",
		    BENCH_AT_MOST, 0);
	/* The other ordered read: rdtscp waits for every earlier load. */
	unsigned aux;
	start = bench_now_ns();
	for (uint32_t i = 0; i < count; i++)
		sink += tsc_scale(__rdtscp(&aux));
	elapsed = bench_now_ns() - start;
	bench_print("rdtscp, scaled to ns, alone", (double)elapsed / count, "ns/call",
		    BENCH_AT_MOST, 0);
	start = bench_now_ns();
	for (uint32_t i = 0; i < count; i++)
		sink += tsc_scale(__rdtsc());
	elapsed = bench_now_ns() - start;
	bench_print("bare rdtsc (unordered), scaled, alone", (double)elapsed / count, "ns/call",
		    BENCH_AT_MOST, 0);
	if (sink == 1)
		putchar(' ');
#endif
}

static void bench_drain(uint32_t rounds)
{
	struct ring *ring = ring_create(BENCH_RING_SLOTS);
	struct event buf[256], ev = { .type = EV_OP_END };
	int64_t elapsed = 0;
	uint64_t drained = 0;

	for (uint32_t round = 0; round < rounds; round++) {
		for (uint32_t i = 0; i < BENCH_RING_SLOTS; i++) {
			ev.seq = i;
			ring_push(ring, &ev);
		}
		int64_t start = bench_now_ns();
		size_t n;
		while ((n = ring_pop(ring, buf, 256)) > 0)
			drained += n;
		elapsed += bench_now_ns() - start;
	}
	if (drained != (uint64_t)rounds * BENCH_RING_SLOTS)
		fatal("drained %llu events, expected %llu",
		      (unsigned long long)drained,
		      (unsigned long long)rounds * BENCH_RING_SLOTS);
	bench_print("ring_pop drain, batches of 256",
		    (double)drained / ((double)elapsed / 1e9) / 1e6,
		    "M events/s", BENCH_AT_LEAST, 20);
	ring_destroy(ring);
}

int main(int argc, char **argv)
{
	uint32_t count = 1000000;
	if (argc > 1) {
		long v = strtol(argv[1], NULL, 10);
		if (v < BENCH_BATCH || v > 1000000000) {
			fprintf(stderr, "usage: %s [events-per-producer >= %d]\n",
				argv[0], BENCH_BATCH);
			return 2;
		}
		count = (uint32_t)v;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("%u events per producer, median of %d runs, %ld cpus\n", count,
	       BENCH_RUNS, cpus);
#ifdef BENCH_TSC
	tsc_calibrate();
#endif
	bench_clock(count);
	printf("-- drained after the producers, ring holds every event --\n");
	bench_push(1, count, false, 1, false);
	bench_push(2, count, false, 1, false);
	bench_push(2, count, false, 2, false);
#ifdef BENCH_TSC
	bench_push(1, count, false, 1, true);
	bench_push(2, count, false, 2, true);
#endif
	printf("-- drained concurrently by a third thread, ring of %u slots --\n",
	       BENCH_RING_SLOTS);
	bench_push(1, count, true, 1, false);
	bench_push(2, count, true, 1, false);
	bench_push(2, count, true, 2, false);
	printf("-- drained by ring_pop alone, ring of %u slots filled first --\n",
	       BENCH_RING_SLOTS);
	bench_drain(100);
	return 0;
}
