/*
 * evlog.h -- the events pane's memory: the last events shown in words,
 * each with the figure its sentence needs (stats.h), in time order.
 * Bounded: the oldest are forgotten. A cursor lets a paused view step
 * through them one at a time.
 */
#ifndef GILVIZ_EVLOG_H
#define GILVIZ_EVLOG_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct evlog_entry {
	struct event ev;
	uint64_t nth; /* see describe_event */
};

struct evlog;

struct evlog *evlog_create(size_t capacity);
void evlog_destroy(struct evlog *log);
void evlog_clear(struct evlog *log);
void evlog_add(struct evlog *log, const struct event *ev, uint64_t nth);
/* Entries kept, and ever added. */
size_t evlog_count(const struct evlog *log);
uint64_t evlog_total(const struct evlog *log);
/* Entry i of the kept ones, 0 the oldest; NULL if out of range. */
const struct evlog_entry *evlog_get(const struct evlog *log, size_t i);
/* How many kept entries, from the oldest, are at or before t: the
 * pane's end for a view whose right edge is t. */
size_t evlog_until(const struct evlog *log, uint64_t t);

#endif
