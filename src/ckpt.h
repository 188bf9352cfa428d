/*
 * ckpt.h -- the model's state as bytes, for the checkpoints a recording
 * carries (trace.h says where they go and when; consumer.c writes and
 * loads them).
 *
 * A checkpoint is a cache of what feeding every event before it built:
 * a reader that cannot use one (another layout, damage) feeds the events
 * instead and gets the same model. So the state is written in this
 * build's own layout: plain structs of counters as their bytes, the kept
 * spans as varints of their differences (they touch end to start, so
 * most cost a byte or three), and the whole stamped with CKPT_LAYOUT, the
 * sizes of those structs and CKPT_MODEL_VERSION: a checkpoint of another
 * stamp is not loaded.
 *
 * What of the bounded rings a checkpoint keeps: every counter and every
 * open span, the last CKPT_MARKS marks and handoffs, and of each thread's
 * (and task's) closed spans the last CKPT_SPANS (CKPT_TASK_SPANS): the
 * spans a timeline shows around the time sought, not the scroll-back of
 * a whole hour (that would be megabytes a checkpoint). The spans left out
 * count as forgotten, as if the ring had been that short: a view shows
 * them as older than what is kept, as it does past a full ring.
 */
#ifndef GILVIZ_CKPT_H
#define GILVIZ_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "spanring.h"

/* Raise it when the meaning of a saved field changes. */
#define CKPT_MODEL_VERSION 2u
#define CKPT_SPANS 2048
#define CKPT_TASK_SPANS 256
#define CKPT_MARKS 1024 /* and as many handoffs */

struct ckpt_out {
	unsigned char *p;
	size_t len, cap;
};

struct ckpt_in {
	const unsigned char *p, *end;
	bool bad; /* ran past the end or read a value out of range */
};

void ckpt_put_raw(struct ckpt_out *o, const void *v, size_t n);
void ckpt_put_u64(struct ckpt_out *o, uint64_t v); /* a varint */
/* The last min(count, keep) spans of a ring of cap slots, and its
 * forgotten count grown by those left out. */
void ckpt_put_spans(struct ckpt_out *o, struct history_span *slots, size_t cap,
		    const struct span_ring *r, size_t keep);

void ckpt_get_raw(struct ckpt_in *in, void *v, size_t n);
/* A thread's state machine, read raw: in->bad if its state or op is out
 * of range (its state indexes arrays). */
void ckpt_get_track(struct ckpt_in *in, struct history_track *tr);
uint64_t ckpt_get_u64(struct ckpt_in *in);
/* Into a ring of cap slots (its last cap spans if more were saved). */
void ckpt_get_spans(struct ckpt_in *in, struct history_span *slots, size_t cap,
		    struct span_ring *r);

#endif
