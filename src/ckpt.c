/*
 * ckpt.c -- the bytes of a checkpoint (ckpt.h).
 */
#include "config.h"

#include <string.h>

#include "ckpt.h"
#include "util.h"

static unsigned char *room(struct ckpt_out *o, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 4096;
		o->p = xrealloc(o->p, o->cap);
	}
	unsigned char *at = o->p + o->len;
	o->len += n;
	return at;
}

void ckpt_put_raw(struct ckpt_out *o, const void *v, size_t n)
{
	memcpy(room(o, n), v, n);
}

void ckpt_put_u64(struct ckpt_out *o, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	ckpt_put_raw(o, b, n);
}

void ckpt_put_spans(struct ckpt_out *o, struct history_span *slots, size_t cap,
		    const struct span_ring *r, size_t keep)
{
	size_t n = r->count < keep ? r->count : keep, skip = r->count - n;
	ckpt_put_u64(o, r->forgotten + skip);
	ckpt_put_u64(o, n);
	uint64_t prev = 0;
	for (size_t i = skip; i < r->count; i++) {
		const struct history_span *s = span_ring_at(slots, cap, r, i);
		/* Spans of a thread never go back in time: t_start >= prev. */
		ckpt_put_u64(o, s->t_start - prev);
		ckpt_put_u64(o, s->t_end - s->t_start);
		ckpt_put_u64(o, s->state);
		prev = s->t_end;
	}
}

void ckpt_get_raw(struct ckpt_in *in, void *v, size_t n)
{
	if (in->bad || (size_t)(in->end - in->p) < n) {
		in->bad = true;
		memset(v, 0, n);
		return;
	}
	memcpy(v, in->p, n);
	in->p += n;
}

void ckpt_get_track(struct ckpt_in *in, struct history_track *tr)
{
	ckpt_get_raw(in, tr, sizeof *tr);
	if (tr->state >= TS_UNKNOWN || tr->op > OP_KIND_COUNT)
		in->bad = true;
}

uint64_t ckpt_get_u64(struct ckpt_in *in)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64 && !in->bad; shift += 7) {
		if (in->p >= in->end)
			break;
		unsigned char c = *in->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	in->bad = true;
	return 0;
}

void ckpt_get_spans(struct ckpt_in *in, struct history_span *slots, size_t cap,
		    struct span_ring *r)
{
	r->first = 0;
	r->count = 0;
	r->forgotten = ckpt_get_u64(in);
	uint64_t n = ckpt_get_u64(in), prev = 0;
	if (n > (uint64_t)(in->end - in->p) / 3) { /* a span takes 3 bytes at least */
		in->bad = true;
		return;
	}
	for (uint64_t i = 0; i < n && !in->bad; i++) {
		struct history_span s;
		s.t_start = prev + ckpt_get_u64(in);
		s.t_end = s.t_start + ckpt_get_u64(in);
		uint64_t st = ckpt_get_u64(in);
		s.state = (uint8_t)(st < TS_COUNT ? st : TS_UNKNOWN);
		prev = s.t_end;
		span_ring_push(slots, cap, r, &s);
	}
}
