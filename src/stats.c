/*
 * stats.c -- cumulative figures per thread and per GIL.
 *
 * The model. stats reads the same merged event stream as history, and
 * runs each thread through the same state machine (history_track_step),
 * so its times agree with the spans on screen to the nanosecond; but it
 * keeps no spans, only sums, so that nothing is forgotten however long
 * the run is. Per-GIL counters are sums over the GIL's threads' events
 * (and EV_INTERVAL for the interval), which do not depend on the order in
 * which threads' events arrive.
 *
 * The wait for the GIL. Each EV_GIL_ACQUIRE carries the ns waited since
 * its request. Every thread keeps a log-linear histogram of them, as
 * HdrHistogram does: values under 32 ns have a bucket each, and every
 * power of two above is cut into 32 equal buckets. A bucket is at most
 * 1/32 of its lower bound wide and a percentile is reported at the middle
 * of its bucket, so p50 and p99 are within 1/64 (1.6%) of the exact value.
 * Count, sum and max are kept exactly. Waits of 2^41 ns (36 minutes) and
 * over share the last bucket (max is still exact).
 *
 * Cost. stats_add is O(1) and never allocates: one state-machine step,
 * a few counters, and for an acquisition a bucket index found with a
 * count-leading-zeros. Queries walk a histogram (1184 buckets); they are
 * for views, a few times a second, not for every event.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "ckpt.h"
#include "util.h"

#define SUB_BITS 5
#define SUB_COUNT (1u << SUB_BITS)
#define MAX_EXP 40 /* highest power of two with buckets of its own */
#define NBUCKETS ((MAX_EXP - SUB_BITS + 2) * SUB_COUNT)

struct stats_thr {
	struct history_track tr;
	struct stats_thread_counters c;
	uint64_t wait_max;
	uint64_t switch_wait_max;
	unsigned gil;
	unsigned lock_wait; /* 1 + the object whose lock it waits for; 0: none */
};

struct stats_g {
	struct stats_gil_counters c;
	uint64_t interval_ns;
	unsigned nthreads;
	bool enabled;
	uint64_t enabled_t;
	unsigned enabled_by, enabled_module;
};

struct stats_obj {
	struct stats_object c; /* p50 and p99 computed on demand */
};

struct stats {
	unsigned nthreads;
	unsigned ngils;
	struct stats_thr *threads;
	struct stats_g *gils;
	uint64_t *buckets; /* nthreads * NBUCKETS */
	uint64_t *switch_buckets; /* the same, for waits that ended in a switch */
	unsigned nobjects;
	struct stats_obj *objects;
	uint64_t *obj_buckets;    /* nobjects * NBUCKETS: the waits for a lock */
	uint64_t starvation_ns;
	uint64_t end_t;
	uint64_t ignored;
};

/* The bucket of a wait: exact under SUB_COUNT, then SUB_COUNT buckets per
 * power of two. */
static unsigned wait_bucket(uint64_t v)
{
	if (v < SUB_COUNT)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);
	if (e > MAX_EXP)
		return NBUCKETS - 1;
	unsigned sub = (unsigned)(v >> (e - SUB_BITS)) & (SUB_COUNT - 1);
	return (e - SUB_BITS + 1) * SUB_COUNT + sub;
}

/* The lowest value of a bucket, and its width. */
static uint64_t bucket_low(unsigned b, uint64_t *width)
{
	if (b < SUB_COUNT) {
		*width = 1;
		return b;
	}
	unsigned e = b / SUB_COUNT + SUB_BITS - 1;
	unsigned sub = b % SUB_COUNT;
	*width = 1ULL << (e - SUB_BITS);
	return (uint64_t)(SUB_COUNT + sub) << (e - SUB_BITS);
}

/* The coarse power-of-two bin a bucket falls in (buckets never straddle a
 * power of two). */
static unsigned bucket_bin(unsigned b)
{
	uint64_t w;
	uint64_t lo = bucket_low(b, &w);
	if (lo < 2)
		return 0;
	unsigned e = 63u - (unsigned)__builtin_clzll(lo);
	return e < STATS_HIST_BINS ? e : STATS_HIST_BINS - 1;
}

struct stats *stats_create(unsigned nthreads, const unsigned *gil_of,
			   unsigned ngils)
{
	struct stats *s = xcalloc(1, sizeof *s);
	s->nthreads = nthreads;
	s->ngils = ngils ? ngils : 1;
	s->threads = xcalloc(nthreads, sizeof *s->threads);
	s->gils = xcalloc(s->ngils, sizeof *s->gils);
	s->buckets = xcalloc((size_t)nthreads * NBUCKETS, sizeof *s->buckets);
	s->switch_buckets = xcalloc((size_t)nthreads * NBUCKETS, sizeof *s->switch_buckets);
	s->starvation_ns = STATS_STARVATION_DEFAULT_NS;
	stats_set_objects(s, 0);
	for (unsigned i = 0; i < nthreads; i++) {
		history_track_init(&s->threads[i].tr);
		unsigned g = gil_of ? gil_of[i] : 0;
		s->threads[i].gil = g < s->ngils ? g : 0;
		s->gils[s->threads[i].gil].nthreads++;
	}
	return s;
}

void stats_destroy(struct stats *s)
{
	if (!s)
		return;
	free(s->threads);
	free(s->gils);
	free(s->buckets);
	free(s->switch_buckets);
	free(s->objects);
	free(s->obj_buckets);
	free(s);
}

unsigned stats_nthreads(const struct stats *s)
{
	return s->nthreads;
}

unsigned stats_ngils(const struct stats *s)
{
	return s->ngils;
}

uint64_t stats_end_time(const struct stats *s)
{
	return s->end_t;
}

void stats_set_starvation(struct stats *s, uint64_t threshold_ns)
{
	s->starvation_ns = threshold_ns;
}

uint64_t stats_starvation(const struct stats *s)
{
	return s->starvation_ns;
}

uint64_t stats_ignored(const struct stats *s)
{
	return s->ignored;
}

/* The buckets are mostly zero: a varint each is a byte each. The
 * starvation threshold is a view's setting, not the run's: kept. */
void stats_save(const struct stats *s, struct ckpt_out *o)
{
	ckpt_put_u64(o, s->nthreads);
	ckpt_put_u64(o, s->ngils);
	ckpt_put_raw(o, s->threads, s->nthreads * sizeof *s->threads);
	ckpt_put_raw(o, s->gils, s->ngils * sizeof *s->gils);
	for (size_t i = 0; i < (size_t)s->nthreads * NBUCKETS; i++)
		ckpt_put_u64(o, s->buckets[i]);
	for (size_t i = 0; i < (size_t)s->nthreads * NBUCKETS; i++)
		ckpt_put_u64(o, s->switch_buckets[i]);
	ckpt_put_u64(o, s->nobjects);
	ckpt_put_raw(o, s->objects, s->nobjects * sizeof *s->objects);
	for (size_t i = 0; i < (size_t)s->nobjects * NBUCKETS; i++)
		ckpt_put_u64(o, s->obj_buckets[i]);
	ckpt_put_u64(o, s->end_t);
	ckpt_put_u64(o, s->ignored);
}

void stats_load(struct stats *s, struct ckpt_in *in)
{
	if (ckpt_get_u64(in) != s->nthreads || ckpt_get_u64(in) != s->ngils) {
		in->bad = true;
		return;
	}
	/* Which GIL a thread is on is the scenario's: it must not change. */
	for (unsigned i = 0; i < s->nthreads && !in->bad; i++) {
		unsigned gil = s->threads[i].gil;
		ckpt_get_raw(in, &s->threads[i], sizeof s->threads[i]);
		const struct history_track *tr = &s->threads[i].tr;
		if (s->threads[i].gil != gil || tr->state >= TS_UNKNOWN || tr->op > OP_KIND_COUNT)
			in->bad = true;
	}
	for (unsigned g = 0; g < s->ngils && !in->bad; g++) {
		unsigned n = s->gils[g].nthreads;
		ckpt_get_raw(in, &s->gils[g], sizeof s->gils[g]);
		if (s->gils[g].nthreads != n)
			in->bad = true;
	}
	for (size_t i = 0; i < (size_t)s->nthreads * NBUCKETS; i++)
		s->buckets[i] = ckpt_get_u64(in);
	for (size_t i = 0; i < (size_t)s->nthreads * NBUCKETS; i++)
		s->switch_buckets[i] = ckpt_get_u64(in);
	if (ckpt_get_u64(in) != s->nobjects) {
		in->bad = true;
		return;
	}
	ckpt_get_raw(in, s->objects, s->nobjects * sizeof *s->objects);
	for (size_t i = 0; i < (size_t)s->nobjects * NBUCKETS; i++)
		s->obj_buckets[i] = ckpt_get_u64(in);
	s->end_t = ckpt_get_u64(in);
	s->ignored = ckpt_get_u64(in);
}

size_t stats_layout(void)
{
	return sizeof(struct stats_thr) * 7 + sizeof(struct stats_g) * 5 + NBUCKETS * 2 +
	       sizeof(struct stats_obj) * 11;
}

void stats_set_objects(struct stats *s, unsigned n)
{
	free(s->objects);
	free(s->obj_buckets);
	s->nobjects = n;
	s->objects = xcalloc(n ? n : 1, sizeof *s->objects);
	s->obj_buckets = xcalloc((size_t)(n ? n : 1) * NBUCKETS, sizeof *s->obj_buckets);
}

unsigned stats_nobjects(const struct stats *s)
{
	return s->nobjects;
}

/* A lock event: counted on its object, whatever the thread's state. A
 * wait counts once its take comes, so that a wait still going on is
 * never counted beside the takes it has not made ("85 waits of 84
 * takes"). */
static void stats_add_lock(struct stats *s, const struct event *ev)
{
	if (ev->aux >= s->nobjects)
		return;
	struct stats_object *o = &s->objects[ev->aux].c;
	struct stats_thr *th = &s->threads[ev->tid];
	switch (ev->type) {
	case EV_LOCK_WAIT:
		th->lock_wait = ev->aux + 1u;
		break;
	case EV_LOCK_TAKE:
		o->takes++;
		if (th->lock_wait == ev->aux + 1u)
			o->waits++;
		th->lock_wait = 0;
		if (ev->arg) {
			s->obj_buckets[(size_t)ev->aux * NBUCKETS + wait_bucket(ev->arg)]++;
			o->wait_sum_ns += ev->arg;
			if (ev->arg > o->wait_max_ns)
				o->wait_max_ns = ev->arg;
		}
		break;
	case EV_LOCK_RELEASE:
		o->held_ns += ev->arg;
		break;
	default:
		break;
	}
}


/* Every wait goes in the thread's histogram; a wait that ended in a
 * switch (the GIL came from another thread) in a second one too, so
 * that the waits can be told without the instant re-acquires of a thread
 * that had just released (the legacy GIL's: half its acquisitions). */
static void stats_add_wait(struct stats *s, unsigned tid, uint64_t ns, bool is_switch)
{
	struct stats_thr *th = &s->threads[tid];
	s->buckets[(size_t)tid * NBUCKETS + wait_bucket(ns)]++;
	th->c.waits++;
	th->c.wait_sum_ns += ns;
	if (ns > th->wait_max)
		th->wait_max = ns;
	if (is_switch) {
		s->switch_buckets[(size_t)tid * NBUCKETS + wait_bucket(ns)]++;
		if (ns > th->switch_wait_max)
			th->switch_wait_max = ns;
	}
}

void stats_add(struct stats *s, const struct event *ev)
{
	if (ev->t > s->end_t)
		s->end_t = ev->t;
	if (ev->tid == EVENT_TID_GIL) {
		if (ev->type == EV_INTERVAL && ev->aux < s->ngils)
			s->gils[ev->aux].interval_ns = ev->arg;
		else
			s->ignored++;
		return;
	}
	if (ev->tid >= s->nthreads || ev->type == EV_NONE ||
	    ev->type >= EV_TYPE_COUNT) {
		s->ignored++;
		return;
	}
	struct stats_thr *th = &s->threads[ev->tid];
	struct stats_g *g = &s->gils[th->gil];
	bool was_done = th->tr.state == TS_DONE;
	struct history_span closed;
	if (history_track_step(&th->tr, ev, &closed))
		th->c.time_ns[closed.state] += closed.t_end - closed.t_start;
	th->c.lost = th->tr.lost;
	if (was_done)
		return;
	switch (ev->type) {
	case EV_GIL_ACQUIRE:
		th->c.acquisitions++;
		g->c.acquisitions++;
		if (ev->aux == 1) {
			th->c.switches_in++;
			g->c.switches++;
		}
		stats_add_wait(s, ev->tid, ev->arg, ev->aux == 1);
		break;
	case EV_FORCED_DROP:
		th->c.forced_drops++;
		g->c.forced_switches++;
		break;
	case EV_DROP_REQUEST:
		th->c.drop_requests++;
		g->c.drop_requests++;
		break;
	case EV_FAILED_WAKEUP:
		th->c.failed_wakeups++;
		g->c.failed_wakeups++;
		break;
	case EV_LOCK_WAIT:
	case EV_LOCK_TAKE:
	case EV_LOCK_RELEASE:
		stats_add_lock(s, ev);
		break;
	case EV_GIL_ENABLE:
		if (!g->enabled) {
			g->enabled = true;
			g->enabled_t = ev->t;
			g->enabled_by = ev->tid;
			g->enabled_module = (unsigned)ev->arg;
		}
		break;
	default:
		break;
	}
}

/* The open span counts up to now, if now is after its start. */
static uint64_t open_ns(const struct history_track *tr, uint64_t now)
{
	if (tr->state == TS_NOT_STARTED || tr->state == TS_DONE)
		return 0;
	return now > tr->since ? now - tr->since : 0;
}

static void thread_counters_now(const struct stats_thr *th, uint64_t now,
				struct stats_thread_counters *out)
{
	*out = th->c;
	out->time_ns[th->tr.state] += open_ns(&th->tr, now);
}

/* The value at rank (1-based) in the histograms of threads [first, last):
 * they are summed bucket by bucket, so no temporary is needed. The middle
 * of the bucket is reported, kept within the exact max. */
static uint64_t hist_rank_in(const uint64_t *buckets, unsigned first, unsigned last,
			     uint64_t rank, uint64_t max)
{
	uint64_t seen = 0;
	for (unsigned b = 0; b < NBUCKETS; b++) {
		for (unsigned i = first; i < last; i++)
			seen += buckets[(size_t)i * NBUCKETS + b];
		if (seen >= rank) {
			uint64_t w;
			uint64_t v = bucket_low(b, &w) + w / 2;
			return v > max ? max : v;
		}
	}
	return max;
}

static uint64_t hist_rank_value(const struct stats *s, unsigned first,
				unsigned last, uint64_t rank, uint64_t max)
{
	return hist_rank_in(s->buckets, first, last, rank, max);
}

/* Nearest rank: the smallest value with at least p% of waits at or
 * under it, as a sorted list would give at index ceil(p/100 * n) - 1. */
static uint64_t percentile_rank(uint64_t n, double p)
{
	double r = p / 100.0 * (double)n;
	uint64_t rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return rank;
}

static const uint64_t *thread_hist(const struct stats *s, unsigned tid)
{
	return &s->buckets[(size_t)tid * NBUCKETS];
}

int stats_thread_brief(const struct stats *s, unsigned tid, uint64_t now,
		       struct stats_thread *out)
{
	if (tid >= s->nthreads)
		return -1;
	const struct stats_thr *th = &s->threads[tid];
	const struct history_track *tr = &th->tr;
	struct stats_thread_counters with_open;
	memset(out, 0, sizeof *out);
	out->c = th->c;
	thread_counters_now(th, now, &with_open);
	memcpy(out->time_ns, with_open.time_ns, sizeof out->time_ns);

	out->hold_ns = out->time_ns[TS_HOLDING] + out->time_ns[TS_NATIVE_HOLD];
	out->native_ns = out->time_ns[TS_NATIVE] + out->time_ns[TS_NATIVE_HOLD];
	out->busy_ns = out->hold_ns + out->time_ns[TS_NATIVE];
	out->wait_ns = out->time_ns[TS_WAITING];
	out->blocked_ns = out->time_ns[TS_BLOCKED];
	out->core_ns = out->time_ns[TS_RUNNABLE];
	if (tr->state == TS_DONE)
		out->wall_ns = tr->t_done - tr->t_begin;
	else if (tr->state != TS_NOT_STARTED)
		out->wall_ns = (now > tr->since ? now : tr->since) - tr->t_begin;

	uint64_t n = th->c.waits;
	out->wait_max_ns = th->wait_max;
	if (n) {
		out->wait_mean_ns = th->c.wait_sum_ns / n;
		out->wait_p50_ns = hist_rank_value(s, tid, tid + 1,
			percentile_rank(n, 50.0), th->wait_max);
		out->wait_p99_ns = hist_rank_value(s, tid, tid + 1,
			percentile_rank(n, 99.0), th->wait_max);
	}
	if (tr->state == TS_WAITING)
		out->waiting_now_ns = open_ns(tr, now);
	out->starving = out->waiting_now_ns > s->starvation_ns;
	out->state = tr->state;
	out->gil = th->gil;
	return 0;
}

int stats_thread(const struct stats *s, unsigned tid, uint64_t now,
		 struct stats_thread *out)
{
	if (stats_thread_brief(s, tid, now, out) != 0)
		return -1;
	const struct stats_thr *th = &s->threads[tid];
	if (th->c.waits) {
		const uint64_t *hist = thread_hist(s, tid);
		for (unsigned b = 0; b < NBUCKETS; b++)
			out->hist[bucket_bin(b)] += hist[b];
	}
	if (th->c.switches_in) {
		uint64_t k = th->c.switches_in;
		out->switch_wait_p50_ns = hist_rank_in(s->switch_buckets, tid, tid + 1,
						       percentile_rank(k, 50.0), th->switch_wait_max);
		out->switch_wait_p99_ns = hist_rank_in(s->switch_buckets, tid, tid + 1,
						       percentile_rank(k, 99.0), th->switch_wait_max);
	}
	return 0;
}

int stats_gil(const struct stats *s, unsigned gil, uint64_t elapsed_ns,
	      struct stats_gil *out)
{
	if (gil >= s->ngils)
		return -1;
	const struct stats_g *g = &s->gils[gil];
	out->c = g->c;
	out->enabled = g->enabled;
	out->enabled_t = g->enabled_t;
	out->enabled_by = g->enabled_by;
	out->enabled_module = g->enabled_module;
	out->interval_ns = g->interval_ns;
	out->nthreads = g->nthreads;
	out->switches_per_s = stats_rate(0, g->c.switches, 0, elapsed_ns);
	return 0;
}

int stats_object(const struct stats *s, unsigned obj, struct stats_object *out)
{
	if (obj >= s->nobjects)
		return -1;
	*out = s->objects[obj].c;
	/* The waits are the takes with a wait in them (arg > 0). */
	uint64_t n = 0;
	const uint64_t *b = &s->obj_buckets[(size_t)obj * NBUCKETS];
	for (unsigned i = 0; i < NBUCKETS; i++)
		n += b[i];
	if (n) {
		out->wait_p50_ns = hist_rank_in(s->obj_buckets, obj, obj + 1,
						percentile_rank(n, 50.0), out->wait_max_ns);
		out->wait_p99_ns = hist_rank_in(s->obj_buckets, obj, obj + 1,
						percentile_rank(n, 99.0), out->wait_max_ns);
	}
	return 0;
}

uint64_t stats_wait_percentile(const struct stats *s, unsigned tid, double p)
{
	unsigned first = 0, last = s->nthreads;
	if (tid != STATS_ALL_THREADS) {
		if (tid >= s->nthreads)
			return 0;
		first = tid;
		last = tid + 1;
	}
	uint64_t n = 0, max = 0;
	for (unsigned i = first; i < last; i++) {
		n += s->threads[i].c.waits;
		if (s->threads[i].wait_max > max)
			max = s->threads[i].wait_max;
	}
	if (!n)
		return 0;
	return hist_rank_value(s, first, last, percentile_rank(n, p), max);
}

unsigned stats_starving(const struct stats *s, uint64_t now,
			unsigned *worst_tid, uint64_t *worst_ns)
{
	unsigned count = 0, worst = HISTORY_NO_TID;
	uint64_t longest = 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		const struct history_track *tr = &s->threads[i].tr;
		if (tr->state != TS_WAITING)
			continue;
		uint64_t w = open_ns(tr, now);
		if (w > s->starvation_ns)
			count++;
		if (worst == HISTORY_NO_TID || w > longest) {
			worst = i;
			longest = w;
		}
	}
	if (worst_tid)
		*worst_tid = worst;
	if (worst_ns)
		*worst_ns = longest;
	return count;
}

struct stats_snapshot *stats_snapshot_create(const struct stats *s)
{
	struct stats_snapshot *snap = xcalloc(1, sizeof *snap);
	snap->nthreads = s->nthreads;
	snap->ngils = s->ngils;
	snap->threads = xcalloc(s->nthreads, sizeof *snap->threads);
	snap->gils = xcalloc(s->ngils, sizeof *snap->gils);
	return snap;
}

void stats_snapshot_take(const struct stats *s, uint64_t now,
			 struct stats_snapshot *snap)
{
	snap->now = now;
	unsigned nt = snap->nthreads < s->nthreads ? snap->nthreads : s->nthreads;
	unsigned ng = snap->ngils < s->ngils ? snap->ngils : s->ngils;
	for (unsigned i = 0; i < nt; i++)
		thread_counters_now(&s->threads[i], now, &snap->threads[i]);
	for (unsigned i = 0; i < ng; i++)
		snap->gils[i] = s->gils[i].c;
}

void stats_snapshot_destroy(struct stats_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->threads);
	free(snap->gils);
	free(snap);
}

double stats_rate(uint64_t before, uint64_t after, uint64_t t_before,
		  uint64_t t_after)
{
	if (t_after <= t_before || after < before)
		return 0.0;
	return (double)(after - before) * 1e9 / (double)(t_after - t_before);
}
