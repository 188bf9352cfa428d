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

#include "ckpt.h"
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
	stats_set_objects(c->st, (unsigned)sc->nobjects);
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
	free(c->ckpt_state.p);
	tasks_destroy(c->tk);
	history_destroy(c->h);
	stats_destroy(c->st);
	free(c->gil_of);
}

uint32_t consumer_stamp(void)
{
	/* FNV-1a over the layout's sizes and the model's version. */
	size_t parts[] = { CKPT_MODEL_VERSION, stats_layout(), history_layout(),
			   tasks_layout(), CKPT_SPANS, CKPT_TASK_SPANS, CKPT_MARKS };
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < GV_ARRAY_LEN(parts); i++)
		for (unsigned b = 0; b < sizeof parts[i]; b++)
			h = (h ^ (uint32_t)((parts[i] >> (8 * b)) & 0xff)) * 16777619u;
	return h;
}

void consumer_save(const struct consumer *c, struct ckpt_out *o)
{
	ckpt_put_u64(o, c->events);
	ckpt_put_u64(o, c->strays);
	stats_save(c->st, o);
	history_save(c->h, o);
	tasks_save(c->tk, o);
}

int consumer_load(struct consumer *c, const void *state, size_t len)
{
	struct ckpt_in in = { .p = state, .end = (const unsigned char *)state + len };
	c->events = ckpt_get_u64(&in);
	c->strays = ckpt_get_u64(&in);
	stats_load(c->st, &in);
	history_load(c->h, &in);
	tasks_load(c->tk, &in);
	return in.bad || in.p != in.end ? -1 : 0;
}

/* After TRACE_CKPT_BLOCKS blocks and TRACE_CKPT_EVENTS events written, a
 * checkpoint: the model has had every event the writer has, so it is the
 * state after them. */
static void checkpoint(struct consumer *c)
{
	if (!c->rec || c->failed ||
	    trace_writer_blocks(c->rec) - c->ckpt_blocks < TRACE_CKPT_BLOCKS ||
	    c->events - c->ckpt_events < TRACE_CKPT_EVENTS)
		return;
	c->ckpt_state.len = 0;
	consumer_save(c, &c->ckpt_state);
	if (trace_writer_checkpoint(c->rec, c->ckpt_state.p, c->ckpt_state.len,
				    consumer_stamp(), &c->rec_err) != 0)
		c->failed = 1;
	c->ckpt_blocks = trace_writer_blocks(c->rec);
	c->ckpt_events = c->events;
}

void consumer_take(struct consumer *c, const struct event *evs, size_t n,
		   uint64_t dropped)
{
	for (size_t i = 0; i < n; i++) {
		if (evs[i].tid != EVENT_TID_GIL && evs[i].tid >= c->nthreads)
			c->strays++;
		stats_add(c->st, &evs[i]);
		if (!c->figures_only) {
			history_add(c->h, &evs[i]);
			tasks_add(c->tk, &evs[i]);
		}
		if (c->hook)
			c->hook(c->hook_arg, &evs[i], c->st);
	}
	c->events += n;
	if (c->rec && !c->failed &&
	    trace_writer_add(c->rec, evs, n, dropped, &c->rec_err) != 0)
		c->failed = 1;
	checkpoint(c);
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
	c->drains++;
	while (total < max) {
		size_t want = max - total < CONSUMER_BATCH ? max - total : CONSUMER_BATCH;
		if ((n = ring_pop(ring, c->batch, want)) == 0)
			break;
		consumer_take(c, c->batch, n, ring_dropped(ring));
		total += n;
	}
	if (c->rec && !c->failed && trace_writer_flush(c->rec, false, &c->rec_err) != 0)
		c->failed = 1;
	checkpoint(c);
	return total;
}
