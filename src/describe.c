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
#include <string.h>

#include "describe.h"
#include "gil.h"
#include "stats.h"

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

/* Does the sentence [s, e) hint at a key ("Press g", "press + and -")? */
static bool hints_a_key(const char *s, const char *e)
{
	for (const char *p = s; p + 6 <= e; p++)
		if ((p[0] == 'P' || p[0] == 'p') && !strncmp(p + 1, "ress ", 5) &&
		    (p == s || p[-1] == ' '))
			return true;
	return false;
}

char *describe_note_without_keys(const char *note)
{
	size_t n = strlen(note);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	const char *s = note;
	while (*s) {
		/* A sentence ends at ". " (or the end), its space included. */
		const char *e = strstr(s, ". ");
		e = e ? e + 2 : note + n;
		if (!hints_a_key(s, e)) {
			memcpy(out + o, s, (size_t)(e - s));
			o += (size_t)(e - s);
		}
		s = e;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return out;
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

/* An object's name, or "object N". */
static const char *object_name(const struct scenario *sc, unsigned obj, char *buf, size_t len)
{
	if (sc && obj < sc->nobjects)
		return sc->objects[obj];
	snprintf(buf, len, "object %u", obj);
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

/* What each kind of op does, in a student's words: %s is its duration
 * (ops without one, put and get, leave it out). */
static const char *const op_words[OP_KIND_COUNT] = {
	[OP_CPU] = "runs Python code for %s",
	[OP_SPIN] = "spins on time.time() for %s",
	[OP_IO] = "waits %s for I/O",
	[OP_SLEEP] = "sleeps %s",
	[OP_NATIVE] = "runs C code for %s, the GIL released",
	[OP_NATIVE_HOLD] = "runs C code for %s, holding the GIL",
	[OP_REPEAT] = "starts a loop",
	[OP_FOREVER] = "starts a loop that never ends",
	[OP_PUT] = "puts an item on a queue",
	[OP_GET] = "takes an item from a queue (waits while it is empty)",
	[OP_AWAIT_IO] = "awaits %s of I/O: the loop runs other tasks",
	[OP_AWAIT_SLEEP] = "awaits asyncio.sleep of %s: the loop runs other tasks",
	[OP_AWAIT_GET] = "awaits an item from a queue: the loop runs other tasks",
	[OP_GC] = "collects garbage for %s: every other thread stops at its next check",
	[OP_WITH] = "enters a critical section",
	[OP_IMPORT_UNSAFE] = "imports an extension module",
};

/* A duration the run took, said in the scenario's own time (slow
 * motion taken out). */
static void scenario_duration(uint64_t ns, double slow, char *buf, size_t len)
{
	describe_duration(slow > 1 ? (uint64_t)((double)ns / slow) : ns, buf, len);
}

int describe_event(char *buf, size_t len, const struct event *ev,
		   const struct scenario *sc, uint64_t nth, double slow)
{
	char nb[32], nb2[32], d[32];
	const char *who = thread_name(sc, ev->tid, nb, sizeof nb);
	switch (ev->type) {
	case EV_THREAD_START:
		return snprintf(buf, len, "%s starts", who);
	case EV_THREAD_END:
		return snprintf(buf, len, "%s ends", who);
	case EV_OP_START: {
		scenario_duration(ev->arg, slow, d, sizeof d);
		if (ev->aux >= OP_KIND_COUNT)
			return snprintf(buf, len, "%s starts a step of %s", who, d);
		char what[128];
		/* Each format has at most one %s, the duration. */
		snprintf(what, sizeof what, op_words[ev->aux], d);
		return snprintf(buf, len, "%s %s", who, what);
	}
	case EV_OP_END:
		return snprintf(buf, len, "%s is done with a step", who);
	case EV_GIL_REQUEST:
		return snprintf(buf, len, "%s asks for the GIL", who);
	case EV_GIL_ACQUIRE:
		if (ev->arg < 1000)
			return snprintf(buf, len, "%s takes the GIL", who);
		scenario_duration(ev->arg, slow, d, sizeof d);
		return snprintf(buf, len, "%s takes the GIL after %s", who, d);
	case EV_GIL_RELEASE:
		return snprintf(buf, len, "%s %s", who, release_words(ev->aux));
	case EV_DROP_REQUEST:
		scenario_duration(ev->arg, slow, d, sizeof d);
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
	case EV_OFF_CORE:
		return snprintf(buf, len, "%s loses its core: runnable, waiting for one", who);
	case EV_ON_CORE:
		scenario_duration(ev->arg, slow, d, sizeof d);
		return snprintf(buf, len, "%s runs again after %s waiting for a core", who, d);
	case EV_STW_STOP:
		return snprintf(buf, len, "%s stops at its check: another thread's gc pauses the world", who);
	case EV_STW_GO:
		scenario_duration(ev->arg, slow, d, sizeof d);
		return snprintf(buf, len, "%s goes on after %s stopped by a gc", who, d);
	case EV_LOCK_WAIT:
		return snprintf(buf, len, "%s waits for the lock of %s (a critical section)", who,
				object_name(sc, ev->aux, nb2, sizeof nb2));
	case EV_LOCK_TAKE:
		if (ev->arg < 1000)
			return snprintf(buf, len, "%s takes the lock of %s", who,
					object_name(sc, ev->aux, nb2, sizeof nb2));
		scenario_duration(ev->arg, slow, d, sizeof d);
		return snprintf(buf, len, "%s takes the lock of %s after %s", who,
				object_name(sc, ev->aux, nb2, sizeof nb2), d);
	case EV_LOCK_RELEASE:
		return snprintf(buf, len, "%s releases the lock of %s", who,
				object_name(sc, ev->aux, nb2, sizeof nb2));
	case EV_GIL_ENABLE:
		return snprintf(buf, len,
				"%s imports %s, not marked free-thread-safe: RuntimeWarning, the GIL is enabled",
				who, sc && ev->arg < sc->nmodules ? sc->modules[ev->arg] : "a module");
	case EV_INTERVAL:
		describe_setting(slow > 1 ? (uint64_t)((double)ev->arg / slow) : ev->arg, d, sizeof d);
		if (sc && sc->nprocs > 1 && ev->aux < sc->nprocs)
			return snprintf(buf, len, "switch interval set to %s (GIL of %s)", d,
					sc->procs[ev->aux].name);
		return snprintf(buf, len, "switch interval set to %s", d);
	default:
		return snprintf(buf, len, "%s: event of unknown type %u", who, ev->type);
	}
}

int describe_line(char *buf, size_t len, const struct event *ev, uint64_t t_start,
		  const struct scenario *sc, uint64_t nth, double slow)
{
	char t[32];
	describe_time(ev->t > t_start ? ev->t - t_start : 0, t, sizeof t);
	int n = snprintf(buf, len, "%12s  ", t);
	if (n < 0 || (size_t)n >= len)
		return n;
	int m = describe_event(buf + n, len - (size_t)n, ev, sc, nth, slow);
	return m < 0 ? m : n + m;
}

/* A shared object's line: its lock's waits and how much of the run it
 * was held. */
void describe_object(const struct stats *st, unsigned obj, uint64_t elapsed_ns,
			 char *buf, size_t len)
{
	struct stats_object so;
	if (stats_object(st, obj, &so) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	char p50[32], p99[32];
	describe_duration(so.wait_p50_ns, p50, sizeof p50);
	describe_duration(so.wait_p99_ns, p99, sizeof p99);
	snprintf(buf, len, "%" PRIu64 " waits of %" PRIu64 " takes, wait p50 %s p99 %s, held %.0f%% of the run",
		 so.waits, so.takes, p50, p99,
		 elapsed_ns ? 100.0 * (double)so.held_ns / (double)elapsed_ns : 0.0);
}
