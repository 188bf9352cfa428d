/*
 * describe.c -- events in words.
 *
 * The sentences follow the story a teacher tells about the GIL: a thread
 * asks for it, waits, loses patience and sets the drop request, the holder
 * drops it at its next check (a forced switch), and the waiter takes it.
 * Voluntary releases say why the thread let go.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "describe.h"
#include "gil.h"

void describe_duration(uint64_t ns, char *buf, size_t len)
{
	format_duration_digits(ns > INT64_MAX ? INT64_MAX : (int64_t)ns, 1, buf, len);
}

void describe_setting(uint64_t ns, char *buf, size_t len)
{
	/* The ns one decimal stands for at digits d in the unit the
	 * formatter picks: s has d + 1 decimals, ms d, us d - 1. */
	uint64_t unit = ns >= 1000000000 ? 10000000 : ns >= 1000000 ? 100000 : 1000;
	int d = 1;
	while (d < 4 && unit > 1 && ns % unit) {
		unit /= 10;
		d++;
	}
	format_duration_digits(ns > INT64_MAX ? INT64_MAX : (int64_t)ns, d, buf, len);
}

void describe_time(uint64_t t_rel_ns, char *buf, size_t len)
{
	/* Whole microseconds, printed from integers so that no rounding
	 * of a double can show 12.006 for 12.0055. */
	uint64_t us = t_rel_ns / 1000;
	snprintf(buf, len, "%" PRIu64 ".%03" PRIu64 " ms", us / 1000, us % 1000);
}

bool describe_shown(const struct event *ev)
{
	return ev->type != EV_OP_END && ev->type != EV_NONE && ev->type < EV_TYPE_COUNT;
}

/* A thread's name, or "thread N" when there is no scenario to ask. */
static const char *thread_name(const struct scenario *sc, unsigned tid, char *buf,
			       size_t len)
{
	if (sc && tid < sc->nthreads)
		return sc->threads[tid].name;
	snprintf(buf, len, "thread %u", tid);
	return buf;
}

static const char *release_words(unsigned reason)
{
	switch (reason) {
	case RELEASE_BLOCKING:
		return "releases the GIL for I/O or sleep";
	case RELEASE_NATIVE:
		return "releases the GIL to run C code";
	case RELEASE_EXIT:
		return "releases the GIL as it exits";
	case RELEASE_YIELD:
		return "releases the GIL for time.sleep(0) and asks for it back";
	case RELEASE_CHECK:
		return "releases the GIL at its check interval and asks for it back";
	default:
		return "releases the GIL";
	}
}

int describe_event(char *buf, size_t len, const struct event *ev,
		   const struct scenario *sc, uint64_t nth)
{
	char nb[32], d[32];
	const char *who = thread_name(sc, ev->tid, nb, sizeof nb);
	switch (ev->type) {
	case EV_THREAD_START:
		return snprintf(buf, len, "%s starts", who);
	case EV_THREAD_END:
		return snprintf(buf, len, "%s ends", who);
	case EV_OP_START:
		describe_duration(ev->arg, d, sizeof d);
		if (ev->aux < OP_KIND_COUNT)
			return snprintf(buf, len, "%s starts %s %s", who,
					op_kind_name((enum op_kind)ev->aux), d);
		return snprintf(buf, len, "%s starts an op of %s", who, d);
	case EV_OP_END:
		if (ev->aux < OP_KIND_COUNT)
			return snprintf(buf, len, "%s finishes %s", who,
					op_kind_name((enum op_kind)ev->aux));
		return snprintf(buf, len, "%s finishes an op", who);
	case EV_GIL_REQUEST:
		return snprintf(buf, len, "%s asks for the GIL", who);
	case EV_GIL_ACQUIRE:
		if (ev->arg < 1000)
			return snprintf(buf, len, "%s takes the GIL", who);
		describe_duration(ev->arg, d, sizeof d);
		return snprintf(buf, len, "%s takes the GIL after %s", who, d);
	case EV_GIL_RELEASE:
		return snprintf(buf, len, "%s %s", who, release_words(ev->aux));
	case EV_DROP_REQUEST:
		describe_duration(ev->arg, d, sizeof d);
		return snprintf(buf, len, "%s waited %s; sets the drop request", who, d);
	case EV_FORCED_DROP:
		return snprintf(buf, len, "%s drops the GIL (forced switch %" PRIu64 ")", who, nth);
	case EV_FAILED_WAKEUP:
		return snprintf(buf, len, "%s wakes up, but the GIL is taken again (failed wake-up)", who);
	case EV_TASK:
		if (sc && ev->tid < sc->nthreads && ev->arg < sc->threads[ev->tid].ntasks)
			return snprintf(buf, len, "%s switches to task %s", who,
					sc->threads[ev->tid].tasks[ev->arg].name);
		return snprintf(buf, len, "%s switches to task %" PRIu64, who, ev->arg);
	case EV_INTERVAL:
		describe_duration(ev->arg, d, sizeof d);
		if (sc && sc->nprocs > 1 && ev->aux < sc->nprocs)
			return snprintf(buf, len, "switch interval set to %s (GIL of %s)", d,
					sc->procs[ev->aux].name);
		return snprintf(buf, len, "switch interval set to %s", d);
	default:
		return snprintf(buf, len, "%s: event of unknown type %u", who, ev->type);
	}
}

int describe_line(char *buf, size_t len, const struct event *ev, uint64_t t_start,
		  const struct scenario *sc, uint64_t nth)
{
	char t[32];
	describe_time(ev->t > t_start ? ev->t - t_start : 0, t, sizeof t);
	int n = snprintf(buf, len, "%12s  ", t);
	if (n < 0 || (size_t)n >= len)
		return n;
	int m = describe_event(buf + n, len - (size_t)n, ev, sc, nth);
	return m < 0 ? m : n + m;
}
