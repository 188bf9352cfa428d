/*
 * evlog.c -- a ring of the last events, for the events pane. Allocated
 * once; adding never allocates, so an hour's run keeps memory flat.
 */
#include "config.h"

#include <stdlib.h>

#include "evlog.h"
#include "util.h"

struct evlog {
	struct evlog_entry *e;
	size_t cap, first, count;
	uint64_t total;
};

struct evlog *evlog_create(size_t capacity)
{
	struct evlog *log = xcalloc(1, sizeof *log);
	log->cap = capacity ? capacity : 1;
	log->e = xcalloc(log->cap, sizeof *log->e);
	return log;
}

void evlog_destroy(struct evlog *log)
{
	if (!log)
		return;
	free(log->e);
	free(log);
}

void evlog_clear(struct evlog *log)
{
	log->first = log->count = 0;
	log->total = 0;
}

/* Events reach the consumer lane by lane, so a thread's event may come
 * after later ones of another thread. The log keeps time order by
 * inserting from the newest end; an event later than EVLOG_REORDER
 * entries back stays where it arrived (it can only be a lost race of a
 * few microseconds, and the bound keeps adding O(1)). */
#define EVLOG_REORDER 4096

void evlog_add(struct evlog *log, const struct event *ev, uint64_t nth)
{
	if (log->count < log->cap) {
		log->count++;
	} else {
		log->first = (log->first + 1) % log->cap;
	}
	size_t pos = log->count - 1, steps = 0;
	while (pos > 0 && steps < EVLOG_REORDER &&
	       log->e[(log->first + pos - 1) % log->cap].ev.t > ev->t) {
		log->e[(log->first + pos) % log->cap] = log->e[(log->first + pos - 1) % log->cap];
		pos--;
		steps++;
	}
	struct evlog_entry *e = &log->e[(log->first + pos) % log->cap];
	e->ev = *ev;
	e->nth = nth;
	log->total++;
}

size_t evlog_count(const struct evlog *log)
{
	return log->count;
}

uint64_t evlog_total(const struct evlog *log)
{
	return log->total;
}

const struct evlog_entry *evlog_get(const struct evlog *log, size_t i)
{
	return i < log->count ? &log->e[(log->first + i) % log->cap] : NULL;
}

size_t evlog_until(const struct evlog *log, uint64_t t)
{
	/* Events arrive nearly in time order (each thread's in order, the
	 * threads' interleaved by the ring), so scan back from the newest. */
	size_t n = log->count;
	while (n > 0 && evlog_get(log, n - 1)->ev.t > t)
		n--;
	return n;
}
