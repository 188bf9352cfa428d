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

void evlog_add(struct evlog *log, const struct event *ev, uint64_t nth)
{
	size_t i;
	if (log->count < log->cap) {
		i = (log->first + log->count++) % log->cap;
	} else {
		i = log->first;
		log->first = (log->first + 1) % log->cap;
	}
	log->e[i].ev = *ev;
	log->e[i].nth = nth;
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
