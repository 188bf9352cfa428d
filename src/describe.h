/*
 * describe.h -- the words of the events pane: one event as a sentence a
 * class can read ("server.1 waited 5.0 ms; sets the drop request"). Plain
 * text, no terminal, so that every sentence is pinned by a test.
 */
#ifndef GILVIZ_DESCRIBE_H
#define GILVIZ_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "scenario.h"

/* A duration the way the pane says it: "820 ns", "50 us", "5.0 ms",
 * "1.25 s". */
void describe_duration(uint64_t ns, char *buf, size_t len);
/* A setting (the switch interval) as it was set: as describe_duration,
 * with as many more decimals as it takes to be exact, up to three
 * ("1.25 ms", not "1.2 ms"). */
void describe_setting(uint64_t ns, char *buf, size_t len);

/* A copy of a scenario's note without the sentences that are hints for
 * the UI's keys (those with "press " in them), for output that has no
 * keys: the headless report. The caller frees it. */
char *describe_note_without_keys(const char *note);

/* The time of an event since the run started: "12.005 ms". */
void describe_time(uint64_t t_rel_ns, char *buf, size_t len);

/* Does the pane show this kind of event? An op's end says nothing the
 * acquisition after it has not said, so it is left out. */
bool describe_shown(const struct event *ev);

/*
 * The sentence for ev (without its time). sc names the threads and
 * processes (NULL: "thread 3"); nth is a figure read from stats right
 * after the event: for EV_FORCED_DROP, that GIL's forced switches so far
 * (the number of this one); slow is the run's slow motion (1: none),
 * taken out of every duration so that they are the scenario's own.
 * No internal op name: each op is said in words. Returns the length
 * written, as snprintf.
 */
int describe_event(char *buf, size_t len, const struct event *ev,
		   const struct scenario *sc, uint64_t nth, double slow);

/* "<time>  <sentence>", the line of the pane; t_start is the run's start
 * on the events' clock. */
int describe_line(char *buf, size_t len, const struct event *ev, uint64_t t_start,
		  const struct scenario *sc, uint64_t nth, double slow);

/* A shared object's figures in words: its lock's waits (p50, p99) and
 * the share of elapsed_ns it was held (free-threaded critical sections). */
struct stats;
void describe_object(const struct stats *st, unsigned obj, uint64_t elapsed_ns,
		     char *buf, size_t len);

#endif
