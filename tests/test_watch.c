/*
 * test_watch.c -- one run watched from start to end, live or recorded.
 *
 * The central promise: a live run that records itself and the replay of
 * that recording hold the same figures, every one of them (per thread,
 * per GIL, per task, the spans and marks history keeps, the report's
 * bytes), in virtual and in real time. Then what a watch says about its
 * source, its controls, and the warnings it returns instead of printing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cu.h"
#include "report.h"
#include "trace.h"
#include "watch.h"

#define MS 1000000LL

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

static char *temp_path(void)
{
	char *path = xstrdup("/tmp/gilviz-test-watch-XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	return path;
}

static struct scenario *lesson(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/scenarios/%s", srcdir(), name);
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_load(path, &err);
	if (!sc)
		fprintf(stderr, "\n  %s: %s\n", path, err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	return sc;
}

static char *report_of(struct watch *w, enum report_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_watch(f, fmt, w);
	fclose(f);
	return buf;
}

static void same_thread(const struct stats_thread *a, const struct stats_thread *b)
{
	for (int s = 0; s < TS_COUNT; s++) {
		CU_ASSERT_EQUAL(a->time_ns[s], b->time_ns[s]);
		CU_ASSERT_EQUAL(a->c.time_ns[s], b->c.time_ns[s]);
	}
	CU_ASSERT_EQUAL(a->c.acquisitions, b->c.acquisitions);
	CU_ASSERT_EQUAL(a->c.switches_in, b->c.switches_in);
	CU_ASSERT_EQUAL(a->c.forced_drops, b->c.forced_drops);
	CU_ASSERT_EQUAL(a->c.drop_requests, b->c.drop_requests);
	CU_ASSERT_EQUAL(a->c.failed_wakeups, b->c.failed_wakeups);
	CU_ASSERT_EQUAL(a->c.lost, b->c.lost);
	CU_ASSERT_EQUAL(a->c.waits, b->c.waits);
	CU_ASSERT_EQUAL(a->c.wait_sum_ns, b->c.wait_sum_ns);
	CU_ASSERT_EQUAL(a->hold_ns, b->hold_ns);
	CU_ASSERT_EQUAL(a->wait_ns, b->wait_ns);
	CU_ASSERT_EQUAL(a->blocked_ns, b->blocked_ns);
	CU_ASSERT_EQUAL(a->native_ns, b->native_ns);
	CU_ASSERT_EQUAL(a->wall_ns, b->wall_ns);
	CU_ASSERT_EQUAL(a->wait_p50_ns, b->wait_p50_ns);
	CU_ASSERT_EQUAL(a->wait_p99_ns, b->wait_p99_ns);
	CU_ASSERT_EQUAL(a->wait_max_ns, b->wait_max_ns);
	CU_ASSERT_EQUAL(a->wait_mean_ns, b->wait_mean_ns);
	for (int i = 0; i < STATS_HIST_BINS; i++)
		CU_ASSERT_EQUAL(a->hist[i], b->hist[i]);
	CU_ASSERT_EQUAL(a->waiting_now_ns, b->waiting_now_ns);
	CU_ASSERT_EQUAL(a->starving, b->starving);
	CU_ASSERT_EQUAL(a->state, b->state);
	CU_ASSERT_EQUAL(a->gil, b->gil);
}

static void same_gil(const struct stats_gil *a, const struct stats_gil *b)
{
	CU_ASSERT_EQUAL(a->c.acquisitions, b->c.acquisitions);
	CU_ASSERT_EQUAL(a->c.switches, b->c.switches);
	CU_ASSERT_EQUAL(a->c.forced_switches, b->c.forced_switches);
	CU_ASSERT_EQUAL(a->c.drop_requests, b->c.drop_requests);
	CU_ASSERT_EQUAL(a->c.failed_wakeups, b->c.failed_wakeups);
	CU_ASSERT_EQUAL(a->interval_ns, b->interval_ns);
	CU_ASSERT_DOUBLE_EQUAL(a->switches_per_s, b->switches_per_s, 0);
	CU_ASSERT_EQUAL(a->nthreads, b->nthreads);
}

static void same_spans(const struct history_span *a, size_t na,
		       const struct history_span *b, size_t nb)
{
	CU_ASSERT_EQUAL_FATAL(na, nb);
	for (size_t i = 0; i < na; i++) {
		CU_ASSERT_EQUAL(a[i].t_start, b[i].t_start);
		CU_ASSERT_EQUAL(a[i].t_end, b[i].t_end);
		CU_ASSERT_EQUAL(a[i].state, b[i].state);
	}
}

/* Every figure of two watches of the same run, compared. */
static void same_figures(struct watch *live, struct watch *rec)
{
	struct consumer *a = watch_consumer(live), *b = watch_consumer(rec);
	const struct scenario *sc = watch_scenario(live);
	CU_ASSERT_TRUE(a->events > 0);
	CU_ASSERT_EQUAL(a->events, b->events);
	CU_ASSERT_EQUAL(watch_elapsed(live), watch_elapsed(rec));
	CU_ASSERT_EQUAL(watch_t_start(live), watch_t_start(rec));
	CU_ASSERT_EQUAL(watch_dropped(live), watch_dropped(rec));
	CU_ASSERT_EQUAL(watch_interval(live), watch_interval(rec));
	CU_ASSERT_EQUAL(watch_policy(live), watch_policy(rec));
	CU_ASSERT_DOUBLE_EQUAL(watch_slow(live), watch_slow(rec), 0);
	CU_ASSERT_STRING_EQUAL(watch_time_mode(live), watch_time_mode(rec));
	CU_ASSERT_EQUAL(watch_interrupted(live), watch_interrupted(rec));
	CU_ASSERT_EQUAL(watch_scenario(rec)->nthreads, sc->nthreads);

	uint64_t end = watch_t_start(live) + (uint64_t)watch_elapsed(live);
	CU_ASSERT_EQUAL_FATAL(stats_nthreads(a->st), stats_nthreads(b->st));
	size_t max = 1u << 16;
	struct history_span *sa = xmalloc(max * sizeof *sa), *sb = xmalloc(max * sizeof *sb);
	for (unsigned i = 0; i < stats_nthreads(a->st); i++) {
		struct stats_thread ta, tb;
		stats_thread(a->st, i, end, &ta);
		stats_thread(b->st, i, end, &tb);
		same_thread(&ta, &tb);
		same_spans(sa, history_spans(a->h, i, 0, UINT64_MAX, end, sa, max), sb,
			   history_spans(b->h, i, 0, UINT64_MAX, end, sb, max));
		CU_ASSERT_EQUAL(history_forgotten(a->h, i), history_forgotten(b->h, i));
		CU_ASSERT_EQUAL(history_lost(a->h, i), history_lost(b->h, i));
		CU_ASSERT_EQUAL_FATAL(tasks_count(a->tk, i), tasks_count(b->tk, i));
		for (unsigned k = 0; k < tasks_count(a->tk, i); k++) {
			uint64_t xa[TK_COUNT], xb[TK_COUNT];
			tasks_totals(a->tk, i, k, end, xa);
			tasks_totals(b->tk, i, k, end, xb);
			for (int s = 0; s < TK_COUNT; s++)
				CU_ASSERT_EQUAL(xa[s], xb[s]);
			same_spans(sa, tasks_spans(a->tk, i, k, 0, UINT64_MAX, end, sa, max), sb,
				   tasks_spans(b->tk, i, k, 0, UINT64_MAX, end, sb, max));
		}
	}
	free(sa);
	free(sb);
	CU_ASSERT_EQUAL_FATAL(stats_ngils(a->st), stats_ngils(b->st));
	for (unsigned g = 0; g < stats_ngils(a->st); g++) {
		struct stats_gil ga, gb;
		stats_gil(a->st, g, (uint64_t)watch_elapsed(live), &ga);
		stats_gil(b->st, g, (uint64_t)watch_elapsed(rec), &gb);
		same_gil(&ga, &gb);
	}
	CU_ASSERT_EQUAL(history_marks_total(a->h), history_marks_total(b->h));
	CU_ASSERT_EQUAL(history_handoffs_total(a->h), history_handoffs_total(b->h));
	struct history_mark ma[4096], mb[4096];
	size_t nma = history_marks(a->h, 0, UINT64_MAX, ma, 4096);
	size_t nmb = history_marks(b->h, 0, UINT64_MAX, mb, 4096);
	CU_ASSERT_EQUAL_FATAL(nma, nmb);
	for (size_t i = 0; i < nma; i++) {
		CU_ASSERT_EQUAL(ma[i].t, mb[i].t);
		CU_ASSERT_EQUAL(ma[i].arg, mb[i].arg);
		CU_ASSERT_EQUAL(ma[i].tid, mb[i].tid);
		CU_ASSERT_EQUAL(ma[i].type, mb[i].type);
	}
	/* The JSON report: byte for byte. The text differs only in the
	 * replay's line saying where it was recorded. */
	char *ja = report_of(live, REPORT_JSON), *jb = report_of(rec, REPORT_JSON);
	CU_ASSERT_STRING_EQUAL(ja, jb);
	free(ja);
	free(jb);
}

/* A run of sc with opt, watched to its end while it records itself;
 * the recording's path (to unlink and free). The live watch is closed
 * unless live is given. */
static char *record(struct scenario *sc, const struct engine_options *opt, struct watch **live)
{
	char *path = temp_path();
	struct gv_error err = { 0 };
	struct watch_options lo = { .sc = sc, .engine = *opt, .record_path = path };
	struct watch *w = watch_open(&lo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_TRUE(watch_live(w));
	watch_run(w, NULL);
	CU_ASSERT_TRUE(watch_ended(w));
	CU_ASSERT_EQUAL(watch_finish(w, &err), 0);
	if (live)
		*live = w;
	else
		watch_close(w);
	return path;
}

/* Record a live run of sc with opt through a watch, replay it through
 * another, and compare every figure. */
static void record_then_replay(struct scenario *sc, const struct engine_options *opt)
{
	struct watch *live;
	char *path = record(sc, opt, &live);
	struct gv_error err = { 0 };
	struct watch_options ro = { .replay_path = path };
	struct watch *rec = watch_open(&ro, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	CU_ASSERT_FALSE(watch_live(rec));
	CU_ASSERT_PTR_NULL(watch_warning(rec, 0));
	CU_ASSERT_PTR_NOT_NULL(watch_replay_of(rec));
	watch_run(rec, NULL);
	CU_ASSERT_TRUE(watch_ended(rec));
	CU_ASSERT_PTR_NULL(watch_warning(rec, 0));
	same_figures(live, rec);

	watch_close(rec);
	watch_close(live);
	unlink(path);
	free(path);
}

/* Several GILs (processes), threads of every kind: virtual time. */
static void virtual_run_replays_to_every_figure(void)
{
	struct scenario *sc = lesson("09-multiprocessing.gil");
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = 5,
				    .duration_ns = 1500 * MS };
	record_then_replay(sc, &o);
	scenario_free(sc);
}

/* asyncio loops and their tasks, and a queue: virtual time. */
static void virtual_run_with_tasks_replays_to_every_figure(void)
{
	struct scenario *sc = lesson("13-hybrid-web.gil");
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = 3,
				    .duration_ns = 1000 * MS };
	record_then_replay(sc, &o);
	scenario_free(sc);
}

/* Real threads on the real clock: the replay is of what happened. */
static void real_run_replays_to_every_figure(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct engine_options o = { .policy = -1, .duration_ns = 300 * MS };
	record_then_replay(sc, &o);
	scenario_free(sc);
}

/* A run watched only for its figures (a sweep's row) has every figure of
 * the same run watched whole, and keeps none of the rest: no spans, marks
 * or task time. A recording asked for beside turns the saving off. */
static void a_run_read_for_its_figures_has_the_same_figures(void)
{
	struct scenario *sc = lesson("13-hybrid-web.gil");
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = 3,
				    .duration_ns = 500 * MS };
	struct gv_error err = { 0 };
	struct watch_options wo = { .sc = sc, .engine = o };
	struct watch_options fo = { .sc = sc, .engine = o, .figures_only = true };
	struct watch *whole = watch_open(&wo, &err), *fig = watch_open(&fo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(whole);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fig);
	watch_run(whole, NULL);
	watch_run(fig, NULL);
	struct consumer *a = watch_consumer(whole), *b = watch_consumer(fig);
	CU_ASSERT_FALSE(a->figures_only);
	CU_ASSERT_TRUE(b->figures_only);
	CU_ASSERT_TRUE(a->events > 0);
	CU_ASSERT_EQUAL(a->events, b->events);
	CU_ASSERT_EQUAL(watch_elapsed(whole), watch_elapsed(fig));
	uint64_t end = watch_t_start(whole) + (uint64_t)watch_elapsed(whole);
	CU_ASSERT_EQUAL_FATAL(stats_nthreads(a->st), stats_nthreads(b->st));
	struct history_span sp[64];
	uint64_t task_time = 0;
	for (unsigned i = 0; i < stats_nthreads(a->st); i++) {
		struct stats_thread ta, tb;
		stats_thread(a->st, i, end, &ta);
		stats_thread(b->st, i, end, &tb);
		same_thread(&ta, &tb);
		CU_ASSERT_TRUE(history_spans(a->h, i, 0, UINT64_MAX, end, sp, 64) > 0);
		CU_ASSERT_EQUAL(history_spans(b->h, i, 0, UINT64_MAX, end, sp, 64), 0);
		for (unsigned k = 0; k < tasks_count(a->tk, i); k++) {
			uint64_t x[TK_COUNT];
			tasks_totals(a->tk, i, k, end, x);
			for (int s = 0; s < TK_COUNT; s++)
				task_time += x[s];
		}
		for (unsigned k = 0; k < tasks_count(b->tk, i); k++) {
			uint64_t x[TK_COUNT];
			tasks_totals(b->tk, i, k, end, x);
			for (int s = 0; s < TK_COUNT; s++)
				CU_ASSERT_EQUAL(x[s], 0);
		}
	}
	CU_ASSERT_TRUE(task_time > 0); /* the lesson has tasks to lose */
	for (unsigned g = 0; g < stats_ngils(a->st); g++) {
		struct stats_gil ga, gb;
		stats_gil(a->st, g, (uint64_t)watch_elapsed(whole), &ga);
		stats_gil(b->st, g, (uint64_t)watch_elapsed(fig), &gb);
		same_gil(&ga, &gb);
	}
	CU_ASSERT_TRUE(history_marks_total(a->h) > 0);
	CU_ASSERT_EQUAL(history_marks_total(b->h), 0);
	watch_close(fig);
	watch_close(whole);

	char *path = temp_path();
	struct watch_options ro = { .sc = sc, .engine = o, .figures_only = true,
				    .record_path = path };
	struct watch *w = watch_open(&ro, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_FALSE(watch_consumer(w)->figures_only);
	watch_close(w);
	unlink(path);
	free(path);
	scenario_free(sc);
}

/* A stopped run is interrupted, and its recording says so. */
static void finishing_early_interrupts_and_the_replay_agrees(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	char *path = temp_path();
	struct gv_error err = { 0 };
	struct watch_options lo = { .sc = sc, .record_path = path,
				    .engine = { .policy = -1, .virtual_time = true, .seed = 1,
						.cores = 2, .speed = 1000 } };
	struct watch *live = watch_open(&lo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(live);
	watch_pump(live, MS);
	CU_ASSERT_FALSE(watch_ended(live));
	CU_ASSERT_EQUAL(watch_finish(live, &err), 0);
	CU_ASSERT_TRUE(watch_interrupted(live));
	CU_ASSERT_EQUAL(watch_finish(live, &err), 0); /* once only */
	struct watch_options ro = { .replay_path = path };
	struct watch *rec = watch_open(&ro, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	watch_run(rec, NULL);
	CU_ASSERT_TRUE(watch_interrupted(rec));
	same_figures(live, rec);
	watch_close(rec);
	watch_close(live);
	unlink(path);
	free(path);
	scenario_free(sc);
}

/* A recording: seeking back and forth lands on the figures of a
 * straight run to the same time; stepping moves the clock. */
static void replay_seeks_and_steps_through_the_watch(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct engine_options o = { .policy = -1, .virtual_time = true, .seed = 2, .cores = 2,
				    .duration_ns = 400 * MS };
	char *path = record(sc, &o, NULL);
	struct gv_error err = { 0 };
	struct watch_options ro = { .replay_path = path };
	struct watch *a = watch_open(&ro, &err), *b = watch_open(&ro, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	uint64_t mid = 200 * MS;
	CU_ASSERT_EQUAL(watch_seek(a, mid), mid);
	watch_pause(b, true);
	CU_ASSERT_TRUE(watch_paused(b));
	watch_seek(b, 350 * MS);
	CU_ASSERT_TRUE(watch_seek_rebuilds(b, mid));
	CU_ASSERT_FALSE(watch_seek_rebuilds(b, 380 * MS));
	watch_seek(b, mid);
	CU_ASSERT_TRUE(watch_paused(b)); /* a seek keeps the pause */
	CU_ASSERT_FALSE(watch_ended(b));
	CU_ASSERT_EQUAL(watch_now(b), mid);
	CU_ASSERT_EQUAL(watch_consumer(a)->events, watch_consumer(b)->events);
	CU_ASSERT_EQUAL(watch_pump(b, MS), 0); /* paused: nothing moves */
	uint64_t before = watch_consumer(b)->events;
	CU_ASSERT_TRUE(watch_step(b));
	CU_ASSERT_EQUAL(watch_consumer(b)->events, before + 1);
	CU_ASSERT_TRUE(watch_now(b) >= mid);
	/* The end ends it, and un-pauses. */
	watch_seek(b, UINT64_MAX);
	CU_ASSERT_TRUE(watch_ended(b));
	CU_ASSERT_FALSE(watch_paused(b));
	CU_ASSERT_FALSE(watch_step(b));
	CU_ASSERT_TRUE(watch_speed_step(a, 1));
	char sp[16];
	watch_speed_name(a, sp, sizeof sp);
	CU_ASSERT_STRING_EQUAL(sp, "2");
	CU_ASSERT_EQUAL(watch_set_interval(a, MS), -1); /* a recording is fixed */
	watch_close(a);
	watch_close(b);
	unlink(path);
	free(path);
	scenario_free(sc);
}

/* A recording cut short replays its complete blocks, and the warning is
 * returned to the caller, not printed. */
static void a_cut_recording_returns_its_warning(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2,
				    .duration_ns = 2000 * MS };
	char *path = record(sc, &o, NULL);
	struct gv_error err = { 0 };
	FILE *f = fopen(path, "r+");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	CU_ASSERT_EQUAL(truncate(path, size * 2 / 3), 0);

	char *warnings = NULL;
	FILE *out = fopen("/dev/null", "w");
	CU_ASSERT_EQUAL(report_replay(path, REPORT_TEXT, out, NULL, &warnings, &err), 0);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL(warnings);
	CU_ASSERT_PTR_NOT_NULL(warnings ? strstr(warnings, "cut short") : NULL);
	free(warnings);
	unlink(path);
	free(path);
	scenario_free(sc);
}

static void a_run_that_never_ends_is_refused(void)
{
	const char text[] = "thread spin { forever { cpu 1ms } }\n";
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "f.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct engine_options o = { .policy = -1 };
	CU_ASSERT_TRUE(watch_runs_forever(sc, &o, "sweep", &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "give the sweep a duration"));
	o.duration_ns = MS;
	CU_ASSERT_FALSE(watch_runs_forever(sc, &o, "run", &err));
	scenario_free(sc);
}

/* A headless watch reads the ring every 2 ms of the run's clock in
 * virtual time, but in real time only at WATCH_DRAIN_REAL_NS: a thread
 * that wakes that often beside the run changes it (watch.h). */
static void a_real_run_is_read_seldom(void)
{
	const char text[] = "duration 300ms\nthread t * 2 { forever { cpu 1ms } }\n";
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "f.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	for (int virt = 0; virt <= 1; virt++) {
		struct watch_options wo = { .sc = sc, .engine = { .policy = -1,
					    .virtual_time = virt, .cores = 2 } };
		struct watch *w = watch_open(&wo, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		watch_run(w, NULL);
		uint64_t drains = watch_consumer(w)->drains;
		if (virt) {
			CU_ASSERT(drains >= 300 * MS / WATCH_DRAIN_NS);
		} else {
			/* At most 30 times a second, the most that left the
			 * run as it was; and at least every TRACE_FLUSH_NS. */
			CU_ASSERT(drains <= 300 / 33 + 2);
			CU_ASSERT(drains >= 300 * MS / TRACE_FLUSH_NS);
		}
		watch_close(w);
	}
	scenario_free(sc);
}

static void a_missing_recording_fails_to_open(void)
{
	struct gv_error err = { 0 };
	struct watch_options ro = { .replay_path = "/nonexistent/gilviz.trace" };
	CU_ASSERT_PTR_NULL(watch_open(&ro, &err));
	CU_ASSERT_TRUE(err.msg[0] != '\0');
}

/* A live virtual run's pace steps through round figures, from the
 * scenario's own; the header's words say it. Real time has no pace to
 * change. */
static void live_virtual_speed_steps_through_round_paces(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct engine_options none = { .policy = -1, .duration_ns = 100 * MS };
	struct engine_options o = watch_engine_options(sc, &none, 0, true);
	CU_ASSERT_TRUE(o.virtual_time);
	CU_ASSERT_DOUBLE_EQUAL(o.speed, 0.05, 1e-12);
	struct gv_error err = { 0 };
	struct watch_options wo = { .sc = sc, .engine = o };
	struct watch *w = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	char sp[16], words[160];
	watch_speed_name(w, sp, sizeof sp);
	CU_ASSERT_STRING_EQUAL(sp, "1/20");
	CU_ASSERT_TRUE(watch_speed_step(w, 1));
	watch_speed_name(w, sp, sizeof sp);
	CU_ASSERT_STRING_EQUAL(sp, "1/10");
	CU_ASSERT_TRUE(watch_speed_step(w, -1));
	CU_ASSERT_TRUE(watch_speed_step(w, -1));
	watch_speed_name(w, sp, sizeof sp);
	CU_ASSERT_STRING_EQUAL(sp, "1/50");
	watch_clock_words(w, words, sizeof words);
	CU_ASSERT_STRING_EQUAL(words, "virtual (seed 0, 2 cores), 1/50x speed");
	watch_clock_brief(w, words, sizeof words);
	CU_ASSERT_STRING_EQUAL(words, "virtual 1/50x");
	for (int i = 0; i < 20; i++)
		watch_speed_step(w, 1);
	watch_speed_name(w, sp, sizeof sp);
	CU_ASSERT_STRING_EQUAL(sp, "100");
	CU_ASSERT_FALSE(watch_speed_step(w, 1));
	watch_close(w);

	/* The command line's --real wins over the lesson's 'time virtual'. */
	struct engine_options real = { .policy = -1, .duration_ns = 50 * MS };
	o = watch_engine_options(sc, &real, WATCH_CHOSE_TIME, true);
	CU_ASSERT_FALSE(o.virtual_time);
	wo.engine = o;
	w = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_FALSE(watch_speed_step(w, 1));
	watch_speed_name(w, sp, sizeof sp);
	CU_ASSERT_STRING_EQUAL(sp, "1");
	watch_clock_brief(w, words, sizeof words);
	CU_ASSERT_STRING_EQUAL(words, "real time");
	watch_close(w);
	scenario_free(sc);
}

/* A live watch of text in virtual time under eo; *sc is the caller's to
 * free after the watch. */
static struct watch *live_text(const char *text, struct engine_options eo,
			       struct scenario **sc)
{
	struct gv_error err;
	*sc = scenario_parse(text, strlen(text), "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*sc);
	eo.virtual_time = true;
	struct watch_options wo = { .sc = *sc, .engine = eo };
	struct watch *w = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	return w;
}

/* A live virtual run that makes events faster than a frame's pump takes
 * them stops whenever its ring is half full; the pump reads on and lets
 * it go on while its budget lasts, rather than leave the run idle for
 * the rest of the frame (two pumps took about a ring's worth). */
static void a_pump_reads_on_while_its_budget_lasts(void)
{
	/* Long enough not to end within the two pumps on any machine. */
	struct scenario *sc;
	struct watch *w = live_text("duration 3600s\nthread t * 2 { cpu 3600s }",
				    (struct engine_options){ .policy = -1, .cores = 2,
							     .interval_ns = 10000, .speed = 1e6,
							     .ring_capacity = 1024 },
				    &sc);
	struct gv_error err;
	watch_pump(w, 200 * MS);
	watch_pump(w, 200 * MS);
	CU_ASSERT_FALSE(watch_ended(w));
	CU_ASSERT(watch_consumer(w)->events > 16 * 1024);
	CU_ASSERT_EQUAL(watch_finish(w, &err), 0);
	watch_close(w);
	scenario_free(sc);
}

/* Each thread's end pokes the driver; the run goes on at once: 200
 * threads of 100 us end within a few frames, at 1000 x, not one thread
 * a frame (a poke that ended a pump made it 200 frames). */
static void thread_ends_do_not_cost_a_frame_each(void)
{
	struct scenario *sc;
	struct watch *w = live_text("thread t * 200 { cpu 100us }",
				    (struct engine_options){ .policy = -1, .cores = 2, .speed = 1000 },
				    &sc);
	int frames = 0;
	while (!watch_ended(w) && frames < 50) {
		watch_pump(w, 25 * MS);
		frames++;
		usleep(10000);
	}
	CU_ASSERT(watch_ended(w));
	CU_ASSERT(frames < 50);
	watch_close(w);
	scenario_free(sc);
}

/* Pump a paced watch until its clock reaches t (ns since the start). */
static void pump_until(struct watch *w, uint64_t t)
{
	while (!watch_ended(w) && watch_now(w) < t) {
		watch_pump(w, MS);
		usleep(1000);
	}
}

/* Pump a paced watch to its end. */
static void pump_to_end(struct watch *w)
{
	while (!watch_ended(w)) {
		watch_pump(w, MS);
		usleep(1000);
	}
}

/* Pause means pause, in virtual time: a run paused for 2 s (the issue's
 * figure) holds exactly the figures of the same run unpaused, and its
 * clock stood still while it was paused. */
static void a_paused_virtual_run_equals_the_run_unpaused(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2,
				    .speed = 2, .duration_ns = 600 * MS };
	struct gv_error err = { 0 };
	struct watch_options wo = { .sc = sc, .engine = o };
	struct watch *a = watch_open(&wo, &err), *b = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	pump_until(a, 200 * MS);
	watch_pause(a, true);
	CU_ASSERT_TRUE(watch_paused(a));
	uint64_t at = watch_now(a), events = watch_consumer(a)->events;
	int64_t w0 = gv_mono_ns();
	while (gv_mono_ns() - w0 < 2000 * MS) {
		watch_pump(a, MS);
		usleep(10000);
	}
	CU_ASSERT_EQUAL(watch_now(a), at); /* no time passed for the run */
	CU_ASSERT_FALSE(watch_ended(a));
	/* What was in the ring at the pause may come in; nothing after it. */
	uint64_t paused_events = watch_consumer(a)->events;
	watch_pump(a, MS);
	CU_ASSERT_EQUAL(watch_consumer(a)->events, paused_events);
	CU_ASSERT(paused_events >= events);
	watch_pause(a, false);
	pump_to_end(a);
	pump_to_end(b);
	CU_ASSERT_EQUAL(watch_elapsed(a), 600 * MS);
	CU_ASSERT_EQUAL(watch_elapsed(b), 600 * MS);
	char *ra = report_of(a, REPORT_TEXT), *rb = report_of(b, REPORT_TEXT);
	CU_ASSERT_STRING_EQUAL(ra, rb);
	free(ra);
	free(rb);
	watch_close(a);
	watch_close(b);
	scenario_free(sc);
}

/* And in a recording: a replay paused counts nothing; its clock stands
 * still and its figures are those of the whole recording at the end. */
static void a_paused_replay_counts_nothing(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	char *path = temp_path();
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2,
				    .duration_ns = 300 * MS };
	struct gv_error err = { 0 };
	struct watch_options wo = { .sc = sc, .engine = o, .record_path = path };
	struct watch *rec = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	watch_run(rec, NULL);
	CU_ASSERT_EQUAL(watch_finish(rec, &err), 0);
	struct watch_options ro = { .replay_path = path };
	struct watch *r = watch_open(&ro, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (int i = 0; i < 6; i++)
		watch_speed_step(r, -1); /* 1/4x: 300 ms take 1.2 s */
	watch_pump(r, MS);
	usleep(50000);
	watch_pump(r, MS);
	watch_pause(r, true);
	uint64_t at = watch_now(r), events = watch_consumer(r)->events;
	usleep(300000);
	CU_ASSERT_EQUAL(watch_pump(r, MS), 0);
	CU_ASSERT_EQUAL(watch_now(r), at);
	CU_ASSERT_EQUAL(watch_consumer(r)->events, events);
	watch_pause(r, false);
	watch_seek(r, UINT64_MAX);
	char *ra = report_of(rec, REPORT_TEXT), *rb = report_of(r, REPORT_TEXT);
	/* The replay's report names the recording in one more line. */
	CU_ASSERT_PTR_NOT_NULL(strstr(rb, "elapsed 0.300 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ra, "elapsed 0.300 s"));
	free(ra);
	free(rb);
	watch_close(r);
	watch_close(rec);
	unlink(path);
	free(path);
	scenario_free(sc);
}

static void nap_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };
	nanosleep(&ts, NULL);
}

/* A view (pumping a frame at a time) whose run ends, and which is then
 * killed before it quits: the recording is already whole, under its own
 * name, with its end block, and does not read as cut short. */
static void a_run_that_ends_is_recorded_whole_before_the_view_quits(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	char *path = temp_path();
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct gv_error err = { 0 };
		struct watch_options lo = { .sc = sc, .record_path = path,
					    .engine = { .policy = -1, .duration_ns = 300 * MS } };
		struct watch *w = watch_open(&lo, &err);
		if (!w)
			_exit(2);
		for (int i = 0; i < 500 && !watch_ended(w); i++) {
			watch_pump(w, 10 * MS);
			nap_ms(30);
		}
		raise(SIGKILL);
		_exit(3);
	}
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	struct gv_error err = { 0 };
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(t->complete);
	CU_ASSERT_FALSE(t->interrupted);
	CU_ASSERT_PTR_NULL(t->warning);
	CU_ASSERT_TRUE(t->events > 0);
	trace_close(t);
	unlink(path);
	free(path);
	scenario_free(sc);
}

/* Pause means pause in real time too: the convoy paused for 2 s
 * at 300 ms keeps the hog's hold share (96% unpaused, 58% when the pause
 * counted), and the 1 s duration does not run out while paused: the real
 * backend's run clock leaves paused time out. */
static void a_paused_real_run_excludes_the_pause(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct engine_options o = { .policy = -1, .duration_ns = 1000 * MS };
	struct gv_error err = { 0 };
	struct watch_options wo = { .sc = sc, .engine = o };
	int64_t w0 = gv_mono_ns();
	struct watch *w = watch_open(&wo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	pump_until(w, 300 * MS);
	watch_pause(w, true);
	uint64_t at = watch_now(w);
	int64_t p0 = gv_mono_ns();
	while (gv_mono_ns() - p0 < 2000 * MS) {
		watch_pump(w, MS);
		usleep(10000);
	}
	CU_ASSERT_FALSE(watch_ended(w));
	CU_ASSERT(watch_now(w) < at + 20 * MS); /* the run's clock stood still */
	watch_pause(w, false);
	pump_to_end(w);
	CU_ASSERT(gv_mono_ns() - w0 >= 2900 * MS); /* 1 s of run, 2 s of pause */
	CU_ASSERT(watch_elapsed(w) < 1100 * MS);
	struct stats_thread hog;
	stats_thread(watch_consumer(w)->st, 0, watch_t_start(w) + (uint64_t)watch_elapsed(w), &hog);
	/* Holding the GIL, on a core or waiting for one (a loaded machine
	 * takes the core from it now and then; the GIL stays its own). */
	CU_ASSERT((double)(hog.hold_ns + hog.core_ns) > 0.85 * (double)hog.wall_ns);
	watch_close(w);
	scenario_free(sc);
}

/* A view that drains once every 80 ms (a slow frame) still has its
 * blocks written within the promise: no block holds events further
 * apart than TRACE_FLUSH_NS, so a kill loses at most that much. Real
 * time: two CPU-bound threads make events all along. */
static void blocks_are_written_within_the_promise_at_any_frame_rate(void)
{
	struct scenario *sc = lesson("01-cpu-bound.gil");
	char *path = temp_path();
	struct gv_error err = { 0 };
	struct watch_options lo = { .sc = sc, .record_path = path,
				    .engine = { .policy = -1, .duration_ns = 1600 * MS } };
	struct watch *w = watch_open(&lo, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	for (int i = 0; i < 500 && !watch_ended(w); i++) {
		watch_pump(w, 20 * MS);
		nap_ms(80);
	}
	CU_ASSERT_EQUAL(watch_finish(w, &err), 0);
	watch_close(w);
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_TRUE(t->nblocks >= 4);
	uint64_t widest = 0;
	for (size_t i = 0; i < t->nblocks; i++) {
		uint64_t span = t->blocks[i].last_t - t->blocks[i].first_t;
		if (span > widest)
			widest = span;
	}
	printf("(widest block %.1f ms) ", (double)widest / 1e6);
	CU_ASSERT_TRUE(widest <= (uint64_t)TRACE_FLUSH_NS);
	trace_close(t);
	unlink(path);
	free(path);
	scenario_free(sc);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(a_pump_reads_on_while_its_budget_lasts),
	CU_TEST_ENTRY(thread_ends_do_not_cost_a_frame_each),
	CU_TEST_ENTRY(live_virtual_speed_steps_through_round_paces),
	CU_TEST_ENTRY(a_paused_virtual_run_equals_the_run_unpaused),
	CU_TEST_ENTRY(a_paused_replay_counts_nothing),
	CU_TEST_ENTRY(a_paused_real_run_excludes_the_pause),
	CU_TEST_ENTRY(virtual_run_replays_to_every_figure),
	CU_TEST_ENTRY(virtual_run_with_tasks_replays_to_every_figure),
	CU_TEST_ENTRY(real_run_replays_to_every_figure),
	CU_TEST_ENTRY(a_run_read_for_its_figures_has_the_same_figures),
	CU_TEST_ENTRY(finishing_early_interrupts_and_the_replay_agrees),
	CU_TEST_ENTRY(replay_seeks_and_steps_through_the_watch),
	CU_TEST_ENTRY(a_cut_recording_returns_its_warning),
	CU_TEST_ENTRY(a_run_that_never_ends_is_refused),
	CU_TEST_ENTRY(a_missing_recording_fails_to_open),
	CU_TEST_ENTRY(a_real_run_is_read_seldom),
	CU_TEST_ENTRY(a_run_that_ends_is_recorded_whole_before_the_view_quits),
	CU_TEST_ENTRY(blocks_are_written_within_the_promise_at_any_frame_rate),
	CU_TEST_END,
};

CU_MAIN("watch", tests)
