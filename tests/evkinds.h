/*
 * evkinds.h -- a made-up run with every kind of event, for the tests of
 * the recording's encodings: three threads and a GIL source, times that
 * only grow, and args that are what a run would give (a wait measured
 * from the request, a stretch off a core from its start, a lock's wait
 * and hold, forced drops numbered 1, 2, 3...) most of the time and
 * anything at all now and then. The same i gives the same events on any
 * machine: tests/data/v2-kinds.trace holds the first EVKINDS_N written in
 * format version 2, and a test compares what it reads with them.
 */
#ifndef GILVIZ_TESTS_EVKINDS_H
#define GILVIZ_TESTS_EVKINDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

#define EVKINDS_N 1500

static inline void evkinds_make(struct event *out, size_t n)
{
	static const uint8_t kinds[] = {
		EV_OP_START,   EV_OP_END,        EV_GIL_REQUEST, EV_GIL_ACQUIRE,
		EV_GIL_RELEASE, EV_DROP_REQUEST, EV_FORCED_DROP, EV_FAILED_WAKEUP,
		EV_TASK,       EV_OFF_CORE,      EV_ON_CORE,     EV_STW_STOP,
		EV_STW_GO,     EV_LOCK_WAIT,     EV_LOCK_TAKE,   EV_LOCK_RELEASE,
	};
	uint64_t x = 0x9E3779B97F4A7C15ull, t = 1000000, forced = 0;
	uint64_t opened[3][EV_TYPE_COUNT];
	uint32_t seq[4] = { 0 };
	memset(opened, 0, sizeof opened);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		struct event *e = &out[i];
		memset(e, 0, sizeof *e);
		t += (x >> 8) % 40000;
		e->t = t;
		if (i == 0 || i == 1 || i == 2) {
			e->tid = (uint16_t)i;
			e->type = EV_THREAD_START;
		} else if ((x >> 20) % 97 == 0) {
			e->tid = EVENT_TID_GIL;
			e->type = EV_INTERVAL;
			e->arg = 1000000 * (1 + (x >> 30) % 20);
		} else {
			e->tid = (uint16_t)((x >> 24) % 3);
			e->type = kinds[(x >> 32) % sizeof kinds];
			e->aux = (uint8_t)((x >> 40) % 4);
		}
		unsigned src = e->tid == EVENT_TID_GIL ? 3 : e->tid;
		e->seq = seq[src]++;
		if (e->tid == EVENT_TID_GIL || e->type == EV_THREAD_START)
			continue;
		uint64_t *op = opened[e->tid];
		uint64_t since = 0; /* the time since the opener, if any */
		switch (e->type) {
		case EV_GIL_ACQUIRE:
		case EV_DROP_REQUEST:
		case EV_FAILED_WAKEUP: since = op[EV_GIL_REQUEST] ? t - op[EV_GIL_REQUEST] : 0; break;
		case EV_ON_CORE: since = op[EV_OFF_CORE] ? t - op[EV_OFF_CORE] : 0; break;
		case EV_STW_GO: since = op[EV_STW_STOP] ? t - op[EV_STW_STOP] : 0; break;
		case EV_LOCK_TAKE: since = op[EV_LOCK_WAIT] ? t - op[EV_LOCK_WAIT] : 0; break;
		case EV_LOCK_RELEASE: since = op[EV_LOCK_TAKE] ? t - op[EV_LOCK_TAKE] : 0; break;
		default: break;
		}
		if (e->type == EV_FORCED_DROP)
			e->arg = ++forced;
		else if (e->type == EV_OP_START)
			e->arg = 50000 * (1 + (x >> 44) % 4);
		else
			e->arg = since;
		if ((x >> 50) % 13 == 0) /* anything at all */
			e->arg = x >> ((x >> 56) % 64);
		op[e->type] = t;
	}
}

#endif
