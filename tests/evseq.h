/*
 * evseq.h -- hand-built event sequences for the history and stats tests.
 *
 * A test appends events with the time, thread, type, aux and arg it
 * wants; the sequence numbers are counted per thread, as the GIL and the
 * engine count them, unless a test skips some to fake lost events.
 */
#ifndef GILVIZ_TESTS_EVSEQ_H
#define GILVIZ_TESTS_EVSEQ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

#define EVSEQ_MAX 4096
#define EVSEQ_THREADS 16

struct evseq {
	struct event ev[EVSEQ_MAX];
	size_t n;
	uint32_t seq[EVSEQ_THREADS + 1]; /* the last slot: the GIL source */
};

static inline void evseq_init(struct evseq *q)
{
	memset(q, 0, sizeof *q);
}

static inline unsigned evseq_slot(uint16_t tid)
{
	return tid == EVENT_TID_GIL ? EVSEQ_THREADS : tid;
}

/* Appends one event and returns it, so a test can alter it. */
static inline struct event *evseq_add(struct evseq *q, uint64_t t,
				      uint16_t tid, enum event_type type,
				      uint8_t aux, uint64_t arg)
{
	if (q->n >= EVSEQ_MAX)
		return NULL;
	struct event *e = &q->ev[q->n++];
	e->t = t;
	e->tid = tid;
	e->type = (uint8_t)type;
	e->aux = aux;
	e->arg = arg;
	e->seq = q->seq[evseq_slot(tid)]++;
	return e;
}

/* Pretends the ring dropped n events of tid. */
static inline void evseq_skip(struct evseq *q, uint16_t tid, uint32_t n)
{
	q->seq[evseq_slot(tid)] += n;
}

/* Taking the GIL: request at t, acquire at t + wait. */
static inline void evseq_take(struct evseq *q, uint64_t t, uint16_t tid,
			      uint64_t wait, int is_switch)
{
	evseq_add(q, t, tid, EV_GIL_REQUEST, 0, 0);
	evseq_add(q, t + wait, tid, EV_GIL_ACQUIRE, (uint8_t)is_switch, wait);
}

#endif
