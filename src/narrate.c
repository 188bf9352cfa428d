/*
 * narrate.c -- what is happening now, in words. The sentence names the
 * holder and how long it has held the GIL (in C code that never checks
 * for a drop request, when it does), the longest waiter and how long it
 * has waited, whether it has set the drop request, and how many more
 * wait; with nobody holding it, why (everyone blocked, or a handoff in
 * flight).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "describe.h"
#include "narrate.h"

/* The drop request counts as pending when a waiter set it after the
 * holder took the GIL and no forced drop has followed. */
static bool request_pending(const struct narrate_input *in, uint64_t held_since,
			    unsigned *setter)
{
	struct history_mark m[64];
	size_t n = history_marks(in->h, held_since, in->now + 1, m, GV_ARRAY_LEN(m));
	bool pending = false;
	for (size_t i = 0; i < n; i++) {
		if (m[i].gil != in->gil)
			continue;
		if (m[i].type == MARK_DROP_REQUEST) {
			pending = true;
			*setter = m[i].tid;
		} else if (m[i].type == MARK_FORCED_DROP) {
			pending = false;
		}
	}
	return pending;
}

static void dur(const struct narrate_input *in, uint64_t since, char *buf, size_t len)
{
	uint64_t d = in->now > since ? in->now - since : 0;
	describe_duration((uint64_t)((double)d / (in->slow > 0 ? in->slow : 1)), buf, len);
}

/* Append to buf, which always ends in a NUL. */
GV_PRINTF(4, 5) static void add(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	if (*n + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < len ? *n + (size_t)k : len - 1;
}

void narrate(const struct narrate_input *in, char *buf, size_t len)
{
	const struct scenario *sc = in->sc;
	int holder = -1, waiter = -1, nhold = 0, nwait = 0, nblocked = 0, nnative = 0, ndone = 0,
	    nthreads = 0, nlock = 0, nstopped = 0;
	for (size_t i = 0; i < sc->nthreads; i++) {
		if (sc->threads[i].process != in->gil)
			continue;
		nthreads++;
		uint64_t since = history_since(in->h, (unsigned)i);
		switch (history_state(in->h, (unsigned)i)) {
		case TS_HOLDING:
		case TS_NATIVE_HOLD:
			nhold++;
			if (holder < 0 || since < history_since(in->h, (unsigned)holder))
				holder = (int)i;
			break;
		case TS_WAITING:
			nwait++;
			if (waiter < 0 || since < history_since(in->h, (unsigned)waiter))
				waiter = (int)i;
			break;
		case TS_BLOCKED:
			nblocked++;
			break;
		case TS_NATIVE:
			nnative++;
			break;
		case TS_DONE:
			ndone++;
			break;
		case TS_LOCK_WAIT:
			nlock++;
			break;
		case TS_STOPPED:
			nstopped++;
			break;
		default:
			break;
		}
	}
	size_t n = 0;
	buf[0] = '\0';
	if (in->ended || (nthreads && ndone == nthreads)) {
		add(buf, len, &n, "The run has ended");
	} else if (in->no_gil) {
		add(buf, len, &n, "No GIL: %d thread%s run%s Python at once", nhold,
		    nhold == 1 ? "" : "s", nhold == 1 ? "s" : "");
		/* Free-threaded Python's own waits, when there are any. */
		if (nlock)
			add(buf, len, &n, ", %d wait%s for an object's lock", nlock,
			    nlock == 1 ? "s" : "");
		if (nstopped)
			add(buf, len, &n, ", %d stopped by a gc", nstopped);
		add(buf, len, &n, ", %d in C code, %d blocked", nnative, nblocked);
	} else if (holder >= 0) {
		char d[32];
		uint64_t since = history_since(in->h, (unsigned)holder);
		dur(in, since, d, sizeof d);
		add(buf, len, &n, "%s has held the GIL %s%s", sc->threads[holder].name, d,
		    history_state(in->h, (unsigned)holder) == TS_NATIVE_HOLD
			    ? " in C code that never checks for a drop request"
			    : "");
		if (waiter >= 0) {
			unsigned setter = 0;
			bool req = request_pending(in, since, &setter);
			dur(in, history_since(in->h, (unsigned)waiter), d, sizeof d);
			add(buf, len, &n, "; %s has waited %s%s", sc->threads[waiter].name, d,
			    req && setter == (unsigned)waiter ? " and set the drop request" : "");
			if (req && setter != (unsigned)waiter && setter < sc->nthreads)
				add(buf, len, &n, "; %s set the drop request", sc->threads[setter].name);
			if (nwait > 1)
				add(buf, len, &n, "; %d more wait%s", nwait - 1, nwait == 2 ? "s" : "");
		} else if (nblocked) {
			add(buf, len, &n, "; nobody waits (%d blocked in I/O or sleep)", nblocked);
		} else {
			add(buf, len, &n, "; nobody waits for it");
		}
	} else if (waiter >= 0) {
		char d[32];
		dur(in, history_since(in->h, (unsigned)waiter), d, sizeof d);
		add(buf, len, &n, "Nobody holds the GIL, it is being handed over; %s has waited %s",
		    sc->threads[waiter].name, d);
		if (nwait > 1)
			add(buf, len, &n, "; %d more wait%s", nwait - 1, nwait == 2 ? "s" : "");
	} else {
		add(buf, len, &n, "Nobody holds the GIL");
		if (nblocked || nnative)
			add(buf, len, &n, ": %d blocked in I/O or sleep, %d in C code", nblocked,
			    nnative);
	}
	add(buf, len, &n, ".");
}
