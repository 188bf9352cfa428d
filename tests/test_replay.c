/*
 * test_replay.c -- the replay's clock and player without a terminal: the
 * clock's speeds and seeking, and a player that reaches a time by any
 * path (straight, in steps, back and forth) holding the same figures as
 * a straight replay of the whole recording.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "engine.h"
#include "report.h"
#include "replay.h"

static void test_clock_plays_at_its_speed_and_stops_at_the_end(void)
{
	struct replay_clock k;
	replay_clock_init(&k, 1000000000ULL);
	CU_ASSERT_TRUE(k.playing);
	CU_ASSERT_EQUAL(replay_clock_advance(&k, 100000000), 100000000ULL);
	CU_ASSERT_TRUE(replay_clock_speed_step(&k, 1));
	CU_ASSERT_EQUAL(replay_clock_advance(&k, 100000000), 300000000ULL);
	CU_ASSERT_TRUE(replay_clock_speed_step(&k, -1));
	CU_ASSERT_TRUE(replay_clock_speed_step(&k, -1));
	CU_ASSERT_EQUAL(replay_clock_advance(&k, 100000000), 350000000ULL);
	k.playing = false;
	CU_ASSERT_EQUAL(replay_clock_advance(&k, 100000000), 350000000ULL);
	k.playing = true;
	CU_ASSERT_EQUAL(replay_clock_advance(&k, 10000000000LL), 1000000000ULL);
	CU_ASSERT_FALSE(k.playing);
}

static void test_clock_speed_stays_within_a_quarter_and_sixteen(void)
{
	struct replay_clock k;
	char name[16];
	replay_clock_init(&k, 1);
	while (replay_clock_speed_step(&k, 1))
		;
	CU_ASSERT_DOUBLE_EQUAL(replay_clock_speed(&k), 16.0, 1e-9);
	replay_clock_speed_name(&k, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(name, "16");
	while (replay_clock_speed_step(&k, -1))
		;
	CU_ASSERT_DOUBLE_EQUAL(replay_clock_speed(&k), 0.25, 1e-9);
	replay_clock_speed_name(&k, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(name, "1/4");
}

static void test_clock_seek_is_clamped_to_the_run(void)
{
	struct replay_clock k;
	replay_clock_init(&k, 5000);
	CU_ASSERT_EQUAL(replay_clock_seek(&k, 1234), 1234ULL);
	CU_ASSERT_EQUAL(replay_clock_seek(&k, UINT64_MAX), 5000ULL);
	CU_ASSERT_EQUAL(replay_clock_seek(&k, 0), 0ULL);
}

/* A short virtual run, recorded. */
static char *record_run(void)
{
	static const char text[] = "title \"replay test\"\n"
				   "thread hog { cpu 200ms }\n"
				   "thread io { repeat 50 { io 1ms cpu 50us } }\n";
	char *path = xstrdup("/tmp/gilviz-test-replay-XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct engine_options eo = { .policy = -1, .virtual_time = true, .cores = 2 };
	struct report_sinks sinks = { .record_path = path };
	FILE *out = fopen("/dev/null", "w");
	CU_ASSERT_EQUAL(report_run(sc, &eo, REPORT_JSON, out, &sinks, NULL, &err), 0);
	fclose(out);
	scenario_free(sc);
	return path;
}

/* The figures a player holds at time t, as JSON text. */
static char *figures(struct replay *r, uint64_t t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct report_meta m = {
		.sc = r->sc,
		.time_mode = "virtual",
		.slow = 1,
		.t_start = replay_t_start(r),
		.elapsed_ns = (int64_t)t,
		.events = r->c.events,
	};
	report_print(f, REPORT_JSON, &m, r->c.st, r->c.h);
	fclose(f);
	return buf;
}

static void test_seeking_back_rebuilds_the_same_figures(void)
{
	char *path = record_run();
	struct gv_error err = { 0 };
	struct replay *a = replay_open(path, 0, &err), *b = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	uint64_t len = replay_length(a), mid = len / 2;
	CU_ASSERT_TRUE(len > 0);
	/* a goes straight to the middle; b goes to the end in steps, back
	 * to the start, then to the middle. */
	replay_seek(a, mid);
	for (uint64_t t = 0; t <= len; t += len / 7 + 1)
		replay_seek(b, t);
	replay_seek(b, UINT64_MAX);
	CU_ASSERT_TRUE(replay_seek_rebuilds(b, 0));
	replay_seek(b, 0);
	replay_seek(b, mid);
	CU_ASSERT_EQUAL(b->rebuilds, 1);
	CU_ASSERT_EQUAL(a->c.events, b->c.events);
	CU_ASSERT_TRUE(a->c.events > 0);
	char *fa = figures(a, mid), *fb = figures(b, mid);
	CU_ASSERT_STRING_EQUAL(fa, fb);
	free(fa);
	free(fb);
	/* At the end: every event, as the recording says. */
	replay_seek(a, UINT64_MAX);
	CU_ASSERT_EQUAL(a->c.events, a->t->events);
	replay_close(a);
	replay_close(b);
	unlink(path);
	free(path);
}

static void test_stepping_feeds_one_event_at_a_time(void)
{
	char *path = record_run();
	struct gv_error err = { 0 };
	struct replay *r = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	uint64_t t, prev = 0, n = 0;
	while (replay_step(r, &t)) {
		n++;
		CU_ASSERT_TRUE(t >= prev);
		prev = t;
		CU_ASSERT_EQUAL(r->c.events, n);
	}
	CU_ASSERT_EQUAL(n, r->t->events);
	replay_close(r);
	unlink(path);
	free(path);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(test_clock_plays_at_its_speed_and_stops_at_the_end),
	CU_TEST_ENTRY(test_clock_speed_stays_within_a_quarter_and_sixteen),
	CU_TEST_ENTRY(test_clock_seek_is_clamped_to_the_run),
	CU_TEST_ENTRY(test_seeking_back_rebuilds_the_same_figures),
	CU_TEST_ENTRY(test_stepping_feeds_one_event_at_a_time),
	CU_TEST_END,
};

CU_MAIN("replay", tests)
