/*
 * test_causal.c -- every event comes after its cause, in the merged
 * stream a reader sees.
 *
 * Each bundled lesson runs for a while in virtual time (under its own GIL
 * policy and under new and legacy) and in real time; the events of every
 * thread are merged by timestamp, as the events pane shows them, and
 * read in that order:
 *   - a forced drop follows a drop request made since the last one (and
 *     since the GIL was last taken, which clears the request);
 *   - an acquisition follows the previous holder's release or forced drop
 *     (under a GIL: policy none has no holder);
 *   - forced switches are numbered 1, 2, 3... on each GIL, in time order;
 *   - under none, once a thread has turned the GIL on (an unsafe import),
 *     the GIL is taken only when no thread runs without it any more, and
 *     the rules of a GIL hold from then on.
 * Two events stamped with the same time happened at once; among those,
 * a cause is put before its effect, as the events pane may show them.
 * Virtual time's stream is checked as read, unsorted, and read again
 * from a ring of 256 events drained every 100 ms: the same events.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "engine.h"
#include "scenario.h"

#define MS 1000000LL

struct run {
	struct event *evs;
	size_t n, cap;
};

static void drain_into(struct run *r, struct ring *ring)
{
	for (;;) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 1 << 16;
			r->evs = realloc(r->evs, r->cap * sizeof *r->evs);
			CU_ASSERT_PTR_NOT_NULL_FATAL(r->evs);
		}
		size_t got = ring_pop(ring, r->evs + r->n, r->cap - r->n);
		r->n += got;
		if (!got)
			return;
	}
}

/* Among events stamped at one time, causes first. */
static int rank(const struct event *e)
{
	switch (e->type) {
	case EV_DROP_REQUEST:
		return 0;
	case EV_FORCED_DROP:
		return 1;
	case EV_GIL_RELEASE:
		return 2;
	case EV_GIL_ACQUIRE:
		return 4;
	default:
		return 3;
	}
}

static int by_time(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Events [from, to) share one time and are sorted by thread, then by
 * the thread's own order. Merge the threads' sequences, taking at each
 * step the thread whose next event is the most likely cause. */
static void order_ties(struct event *evs, size_t from, size_t to, struct event *tmp)
{
	size_t n = to - from, heads[64], ends[64], nt = 0;
	for (size_t i = from; i < to && nt < 64; i++)
		if (i == from || evs[i].tid != evs[i - 1].tid) {
			if (nt)
				ends[nt - 1] = i;
			heads[nt++] = i;
		}
	if (nt < 2 || nt == 64)
		return;
	ends[nt - 1] = to;
	for (size_t k = 0; k < n; k++) {
		size_t best = nt;
		for (size_t h = 0; h < nt; h++)
			if (heads[h] < ends[h] &&
			    (best == nt || rank(&evs[heads[h]]) < rank(&evs[heads[best]])))
				best = h;
		tmp[k] = evs[heads[best]++];
	}
	memcpy(evs + from, tmp, n * sizeof *tmp);
}

static void merge_stream(struct run *r)
{
	qsort(r->evs, r->n, sizeof *r->evs, by_time);
	struct event *tmp = malloc((r->n ? r->n : 1) * sizeof *tmp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	for (size_t i = 0, j; i < r->n; i = j) {
		for (j = i + 1; j < r->n && r->evs[j].t == r->evs[i].t; j++)
			;
		if (j - i > 1)
			order_ties(r->evs, i, j, tmp);
	}
	free(tmp);
}

struct gil_state {
	int holder;         /* tid, or -1 */
	uint64_t requests;  /* drop requests since the last forced drop or acquisition */
	uint64_t forced;    /* number of the last forced switch */
	bool on;            /* none: the GIL has been turned on */
	unsigned free;      /* none: threads running without it */
};

/* Reads the merged stream; returns the number of violations and prints
 * the first few. */
static unsigned check_order(const char *what, const struct scenario *sc,
			    enum gil_policy policy, struct run *r, bool sorted)
{
	if (!sorted)
		merge_stream(r);
	struct gil_state *g = calloc(sc->nprocs, sizeof *g);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (size_t i = 0; i < sc->nprocs; i++)
		g[i].holder = -1;
	bool *free_hold = calloc(sc->nthreads + 1, sizeof *free_hold);
	CU_ASSERT_PTR_NOT_NULL_FATAL(free_hold);
	unsigned bad = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &r->evs[i];
		if (e->tid >= sc->nthreads)
			continue;
		struct gil_state *s = &g[sc->threads[e->tid].process];
		const char *err = NULL;
		bool gil = policy != GIL_NONE || s->on;
		/* A thread that ran without the GIL stops doing so as it asks
		 * for it, releases it, or turns it on. */
		bool stops = e->type == EV_GIL_REQUEST || e->type == EV_GIL_RELEASE ||
			     e->type == EV_FORCED_DROP || e->type == EV_GIL_ENABLE;
		if (stops && free_hold[e->tid]) {
			free_hold[e->tid] = false;
			s->free--;
			if (e->type != EV_GIL_ENABLE)
				continue;
		}
		switch (e->type) {
		case EV_GIL_ENABLE:
			if (s->on)
				err = "the GIL turned on twice";
			s->on = true;
			break;
		case EV_DROP_REQUEST:
			s->requests++;
			break;
		case EV_FORCED_DROP:
			if (!s->requests)
				err = "a forced drop with no drop request before it";
			else if (e->arg != s->forced + 1)
				err = "forced switches out of order";
			s->requests = 0;
			s->forced = e->arg;
			/* It is a release too. */
			__attribute__((fallthrough));
		case EV_GIL_RELEASE:
			if (gil && !err && s->holder != e->tid)
				err = "a release by a thread that does not hold the GIL";
			s->holder = -1;
			break;
		case EV_GIL_ACQUIRE:
			if (!gil) {
				free_hold[e->tid] = true;
				s->free++;
				break;
			}
			if (s->holder >= 0)
				err = "an acquisition before the holder's release";
			else if (s->free)
				err = "an acquisition while a thread runs without the GIL";
			s->holder = e->tid;
			s->requests = 0;
			break;
		default:
			break;
		}
		if (err && bad++ < 3)
			fprintf(stderr, "\n  %s: %s (thread %u at %llu ns)", what, err,
				e->tid, (unsigned long long)e->t);
	}
	free(g);
	free(free_hold);
	return bad;
}

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

static size_t total_events;

/* One run, read every slice ns of the run's time. */
static struct engine *run_into(struct run *r, const struct scenario *sc, int policy, bool virt,
			       int64_t duration, size_t ring, int64_t slice)
{
	struct gv_error err;
	struct engine_options o = {
		.policy = policy, .duration_ns = duration,
		.virtual_time = virt, .cores = 2, .seed = 11,
		.ring_capacity = ring,
	};
	struct engine *e = engine_create(sc, &o, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	engine_start(e);
	while (!engine_wait(e, slice))
		drain_into(r, engine_ring(e));
	drain_into(r, engine_ring(e));
	return e;
}

static void run_lesson(const char *name, int policy, bool virt, int64_t duration)
{
	char path[1024], what[1200];
	snprintf(path, sizeof path, "%s/scenarios/%s", srcdir(), name);
	struct gv_error err;
	struct scenario *sc = scenario_load(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct run r = { 0 };
	struct engine *e = run_into(&r, sc, policy, virt, duration, 1 << 22, 2 * MS);
	/* Virtual time waits for its reader: a ring of 256 read every
	 * 100 ms of the run gives the same stream, every event of it. */
	if (virt && policy < 0) {
		struct run small = { 0 };
		struct engine *e2 = run_into(&small, sc, policy, virt, duration, 256, 100 * MS);
		CU_ASSERT_EQUAL(ring_dropped(engine_ring(e2)), 0);
		CU_ASSERT_EQUAL(small.n, r.n);
		bool same = small.n == r.n && !memcmp(small.evs, r.evs, r.n * sizeof *r.evs);
		if (!same)
			fprintf(stderr, "\n  %s: read seldom from a small ring, another stream", name);
		CU_ASSERT(same);
		free(small.evs);
		engine_destroy(e2);
	}
	snprintf(what, sizeof what, "%s, %s, %s time", name,
		 gil_policy_name(engine_policy(e)), virt ? "virtual" : "real");
	CU_ASSERT_EQUAL(ring_dropped(engine_ring(e)), 0);
	total_events += r.n;
	/* Virtual time pushes every event as it happens, from one OS
	 * thread: the stream as read is the merged stream already, in time
	 * order and causes first, with nothing to sort. Real time's threads
	 * push on their own cores, and a thread measures its time off a core
	 * once it is over, so it is merged here. */
	size_t back = 0;
	for (size_t i = 1; i < r.n; i++)
		back += r.evs[i].t < r.evs[i - 1].t;
	if (virt && back)
		fprintf(stderr, "\n  %s: %zu events earlier than the one before", what, back);
	CU_ASSERT(!virt || back == 0);
	CU_ASSERT_EQUAL(check_order(what, sc, engine_policy(e), &r, virt), 0);
	free(r.evs);
	engine_destroy(e);
	scenario_free(sc);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bundled lessons, sorted. */
static size_t lessons(char ***out)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/scenarios", srcdir());
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".gil") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	*out = names;
	return n;
}

static void free_lessons(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void every_lesson_is_causal_in_virtual_time(void)
{
	char **names;
	size_t n = lessons(&names);
	CU_ASSERT(n >= 10);
	total_events = 0;
	for (size_t i = 0; i < n; i++) {
		run_lesson(names[i], -1, true, 3000 * MS);
		run_lesson(names[i], GIL_NEW, true, 600 * MS);
		run_lesson(names[i], GIL_LEGACY, true, 600 * MS);
	}
	CU_ASSERT(total_events > 100000);
	free_lessons(names, n);
}

static void every_lesson_is_causal_in_real_time(void)
{
	char **names;
	size_t n = lessons(&names);
	total_events = 0;
	for (size_t i = 0; i < n; i++)
		run_lesson(names[i], -1, false, 250 * MS);
	CU_ASSERT(total_events > 1000);
	free_lessons(names, n);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(every_lesson_is_causal_in_virtual_time),
	CU_TEST_ENTRY(every_lesson_is_causal_in_real_time),
	CU_TEST_END,
};

CU_MAIN("causal", tests)
