/*
 * consumer.c -- the one reader of a run's event ring.
 *
 * It is the only writer of the recording, so recording cannot disturb
 * the simulated threads; and every watch (watch.c) feeds one, so that the
 * figures of a headless run, a live one and a replay come from the same
 * code.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "consumer.h"

size_t consumer_spans_per_thread(size_t budget, size_t nthreads)
{
	size_t per = budget / (nthreads ? nthreads : 1);
	return per < CONSUMER_MIN_SPANS ? CONSUMER_MIN_SPANS
	       : per > CONSUMER_MAX_SPANS ? CONSUMER_MAX_SPANS : per;
}

void consumer_init(struct consumer *c, const struct scenario *sc,
		   size_t spans_per_thread)
{
	memset(c, 0, sizeof *c);
	c->nthreads = (unsigned)sc->nthreads;
	c->gil_of = xcalloc(sc->nthreads ? sc->nthreads : 1, sizeof *c->gil_of);
	for (size_t i = 0; i < sc->nthreads; i++)
		c->gil_of[i] = sc->threads[i].process;
	size_t per = spans_per_thread ? spans_per_thread
		     : consumer_spans_per_thread(CONSUMER_SPAN_BUDGET, sc->nthreads);
	struct history_config hc = {
		.nthreads = (unsigned)sc->nthreads,
		.spans_per_thread = per,
		.gil_of = c->gil_of,
		.ngils = (unsigned)sc->nprocs,
	};
	c->st = stats_create((unsigned)sc->nthreads, c->gil_of, (unsigned)sc->nprocs);
	c->h = history_create_config(&hc);
	unsigned *ntasks = xcalloc(sc->nthreads ? sc->nthreads : 1, sizeof *ntasks);
	for (size_t i = 0; i < sc->nthreads; i++)
		ntasks[i] = (unsigned)sc->threads[i].ntasks;
	c->tk = tasks_create(ntasks, (unsigned)sc->nthreads, 0);
	free(ntasks);
	c->batch = xmalloc(CONSUMER_BATCH * sizeof(struct event));
}

void consumer_fini(struct consumer *c)
{
	free(c->batch);
	tasks_destroy(c->tk);
	history_destroy(c->h);
	stats_destroy(c->st);
	free(c->gil_of);
}

void consumer_take(struct consumer *c, const struct event *evs, size_t n,
		   uint64_t dropped)
{
	for (size_t i = 0; i < n; i++) {
		if (evs[i].tid != EVENT_TID_GIL && evs[i].tid >= c->nthreads)
			c->strays++;
		stats_add(c->st, &evs[i]);
		history_add(c->h, &evs[i]);
		tasks_add(c->tk, &evs[i]);
		if (c->hook)
			c->hook(c->hook_arg, &evs[i], c->st);
	}
	c->events += n;
	if (c->rec && !c->failed &&
	    trace_writer_add(c->rec, evs, n, dropped, &c->rec_err) != 0)
		c->failed = 1;
	if (c->exp)
		export_add(c->exp, evs, n);
}

size_t consumer_drain(struct consumer *c, struct ring *ring)
{
	return consumer_drain_max(c, ring, SIZE_MAX);
}

size_t consumer_drain_max(struct consumer *c, struct ring *ring, size_t max)
{
	size_t n, total = 0;
	while (total < max) {
		size_t want = max - total < CONSUMER_BATCH ? max - total : CONSUMER_BATCH;
		if ((n = ring_pop(ring, c->batch, want)) == 0)
			break;
		consumer_take(c, c->batch, n, ring_dropped(ring));
		total += n;
	}
	if (c->rec && !c->failed && trace_writer_flush(c->rec, false, &c->rec_err) != 0)
		c->failed = 1;
	return total;
}
