/*
 * bench_seek.c -- seeking in a long recording, and the consumer's speed.
 *
 * Given a recording (make bench gives it an hour of an 8-thread run in
 * virtual time), it prints:
 *   1. the time of the seeks the replay's keys make, each from a fresh
 *      player as the UI has it after opening: End, then Home, then j to
 *      several times (the worst of them), by checkpoint and, for the
 *      record, End fed in one pass as a recording without checkpoints is;
 *   2. what the checkpoints cost in bytes: their share of the file;
 *   3. the consumer fed a recorded stream as fast as it takes it (stats,
 *      history and tasks; no sink), in events a second.
 *
 * Usage: bench_seek RECORDING
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bench.h"
#include "describe.h"
#include "evlog.h"
#include "replay.h"

static double ms_since(int64_t t0)
{
	return (double)(bench_now_ns() - t0) / 1e6;
}

/* What the terminal UI's hook does with every event: the events pane's
 * log (ui.c, on_event), but for the forced switch's number. */
#define UI_EVLOG_EVENTS 65536 /* as ui.h's UI_EVLOG */

static void ui_hook(void *arg, const struct event *ev, const struct stats *st)
{
	(void)st;
	if (describe_shown(ev))
		evlog_add(arg, ev, 0);
}

static void figure(const char *what, double v, const char *unit, double goal, bool at_most)
{
	bool ok = at_most ? v <= goal : v >= goal;
	printf("  %-44s %10.1f %-4s (goal %s %g)%s\n", what, v, unit, at_most ? "<=" : ">=", goal,
	       ok ? "" : "  MISSED");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_seek RECORDING\n");
		return 2;
	}
	struct gv_error err;
	int64_t t0 = bench_now_ns();
	struct replay *r = replay_open(argv[1], 0, &err);
	if (!r) {
		char msg[1024];
		gv_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "bench_seek: %s\n", msg);
		return 1;
	}
	double open_ms = ms_since(t0);
	uint64_t len = replay_length(r);
	printf("  the recording: %.0f s, %.1f M events, %zu blocks, %zu checkpoints "
	       "(one after every %u blocks and %u events)\n", (double)len / 1e9,
	       (double)r->t->events / 1e6, r->t->nblocks, r->t->nckpts, TRACE_CKPT_BLOCKS,
	       TRACE_CKPT_EVENTS);
	printf("  open (header and index): %.1f ms\n", open_ms);

	t0 = bench_now_ns();
	replay_seek(r, UINT64_MAX);
	figure("End (seek to the end), by checkpoint", ms_since(t0), "ms", 50, true);
	t0 = bench_now_ns();
	replay_seek(r, 0);
	figure("Home (back to the start)", ms_since(t0), "ms", 50, true);
	double worst = 0;
	const double at[] = { 0.5, 0.13, 0.92, 0.37, 0.71, 0.05, 0.999 };
	for (size_t i = 0; i < GV_ARRAY_LEN(at); i++) {
		t0 = bench_now_ns();
		replay_seek(r, (uint64_t)((double)len * at[i]));
		double ms = ms_since(t0);
		worst = ms > worst ? ms : worst;
	}
	figure("j to a time, the worst of 7 back and forth", worst, "ms", 50, true);
	uint64_t loads = r->ckpt_loads;
	replay_close(r);

	r = replay_open(argv[1], 0, &err);
	r->t->nckpts = 0;
	t0 = bench_now_ns();
	replay_seek(r, UINT64_MAX);
	double one_pass = ms_since(t0);
	printf("  End fed in one pass (no checkpoints, as before): %.0f ms; %llu seeks "
	       "above loaded a checkpoint\n", one_pass, (unsigned long long)loads);
	replay_close(r);

	struct trace *t = trace_open(argv[1], &err);
	double ck = 0;
	for (size_t i = 0; i < t->nckpts; i++)
		ck += 8.0 + t->ckpts[i].size;
	struct stat st;
	double size = stat(argv[1], &st) == 0 ? (double)st.st_size : 0;
	printf("  checkpoints: %.2f MB of the file's %.1f MB (%.1f%%), %.0f KB each\n", ck / 1e6,
	       size / 1e6, size > 0 ? 100 * ck / size : 0,
	       t->nckpts ? ck / (double)t->nckpts / 1e3 : 0);

	/* The consumer alone, then with the UI's hook: up to 4 M events in memory, fed in batches of
	 * CONSUMER_BATCH as a drain would, the best of 3 rounds. */
	size_t cap = 4u << 20, n = 0;
	struct event *evs = xmalloc(cap * sizeof *evs);
	for (size_t b = 0; b < t->nblocks && n + TRACE_BLOCK_EVENTS <= cap; b++) {
		long k = trace_read_block(t, b, evs + n, &err);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	printf("  the consumer fed %.1f M of its events, in batches of %d:\n", (double)n / 1e6,
	       CONSUMER_BATCH);
	struct scenario *sc = scenario_parse(t->meta.scenario_text, strlen(t->meta.scenario_text),
					     "bench", &err);
	for (int hook = 0; hook < 2 && sc; hook++) {
		double best = 0;
		for (int round = 0; round < 3; round++) {
			struct consumer c;
			consumer_init(&c, sc, 0);
			struct evlog *log = evlog_create(UI_EVLOG_EVENTS);
			if (hook) {
				c.hook = ui_hook;
				c.hook_arg = log;
			}
			t0 = bench_now_ns();
			for (size_t i = 0; i < n; i += CONSUMER_BATCH)
				consumer_take(&c, evs + i,
					      n - i < CONSUMER_BATCH ? n - i : CONSUMER_BATCH, 0);
			double s = (double)(bench_now_ns() - t0) / 1e9;
			consumer_fini(&c);
			evlog_destroy(log);
			if (s > 0 && (double)n / s > best)
				best = (double)n / s;
		}
		figure(hook ? "consumer, with the UI's events log" : "consumer: events taken a second",
		       best / 1e6, "M/s", 5, false);
	}
	scenario_free(sc);
	free(evs);
	trace_close(t);
	return 0;
}
