/*
 * test_report.c -- the headless report's text, JSON and timeline, from
 * events made by hand, so that every figure is known in advance.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "report.h"

#define MS 1000000ULL

struct fixture {
	struct scenario *sc;
	struct stats *st;
	struct history *h;
	uint32_t seq[4];
	char *buf;
	size_t len;
};

static void ev(struct fixture *f, uint64_t t, uint16_t tid, enum event_type type,
	       uint8_t aux, uint64_t arg)
{
	struct event e = { .t = t, .arg = arg, .tid = tid, .type = (uint8_t)type, .aux = aux };
	e.seq = tid < 4 ? f->seq[tid]++ : 0;
	stats_add(f->st, &e);
	history_add(f->h, &e);
}

/*
 * Two threads on one GIL over 100 ms:
 *   a: holds 0-50, blocked (io) 50-80, waits 80-90, holds 90-100, ends
 *   b: starts at 10, waits 10-50 (asks for a drop at 15), holds 50-90
 *      (forced off at 90), waits 90-100
 */
static void setup(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	const char *text = "title \"Two \\\"quoted\\\" threads\"\n"
			   "note \"A note.\"\nthread a { cpu 1ms }\nthread b { cpu 1ms }\n";
	struct gv_error err;
	f->sc = scenario_parse(text, strlen(text), "two.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->sc);
	f->st = stats_create(2, NULL, 1);
	f->h = history_create(2, 1024);

	ev(f, 0, EVENT_TID_GIL, EV_INTERVAL, 0, 5 * MS);
	ev(f, 0, 0, EV_THREAD_START, 0, 0);
	ev(f, 0, 0, EV_GIL_REQUEST, 0, 0);
	ev(f, 0, 0, EV_GIL_ACQUIRE, 1, 0);
	ev(f, 10 * MS, 1, EV_THREAD_START, 0, 0);
	ev(f, 10 * MS, 1, EV_GIL_REQUEST, 0, 0);
	ev(f, 15 * MS, 1, EV_DROP_REQUEST, 0, 5 * MS);
	ev(f, 50 * MS, 0, EV_GIL_RELEASE, RELEASE_BLOCKING, 0);
	ev(f, 50 * MS, 1, EV_GIL_ACQUIRE, 1, 40 * MS);
	ev(f, 80 * MS, 0, EV_GIL_REQUEST, 0, 0);
	ev(f, 90 * MS, 1, EV_FORCED_DROP, 0, 0);
	ev(f, 90 * MS, 1, EV_GIL_REQUEST, 0, 0);
	ev(f, 90 * MS, 0, EV_GIL_ACQUIRE, 1, 10 * MS);
	ev(f, 100 * MS, 0, EV_GIL_RELEASE, RELEASE_EXIT, 0);
	ev(f, 100 * MS, 0, EV_THREAD_END, 0, 0);
}

static void print(struct fixture *f, enum report_format fmt)
{
	struct report_meta m = {
		.sc = f->sc,
		.policy = GIL_NEW,
		.slow = 1,
		.time_mode = "real",
		.t_start = 0,
		.elapsed_ns = (int64_t)(100 * MS),
		.events = 15,
		.dropped = 2,
	};
	FILE *out = open_memstream(&f->buf, &f->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	report_print(out, fmt, &m, f->st, f->h);
	fclose(out);
}

static void teardown(struct fixture *f)
{
	free(f->buf);
	history_destroy(f->h);
	stats_destroy(f->st);
	scenario_free(f->sc);
}

/* The line of the text report that starts with prefix. */
static const char *line_of(const char *text, const char *prefix)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			return p;
	return NULL;
}

static void text_report_has_each_thread_figures(void)
{
	struct fixture f;
	setup(&f);
	print(&f, REPORT_TEXT);
	const char *a = line_of(f.buf, "a ");
	const char *b = line_of(f.buf, "b ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	double wall, hold, wait, blocked, native, core, p50, p99, max;
	unsigned long acq;
	CU_ASSERT_EQUAL_FATAL(sscanf(a, "a %lf %lf %lf %lf %lf %lf %lu %lf %lf %lf", &wall,
				     &hold, &wait, &blocked, &native, &core, &acq, &p50, &p99,
				     &max), 10);
	CU_ASSERT_DOUBLE_EQUAL(core, 0.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(wall, 0.100, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(hold, 0.060, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(wait, 0.010, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(blocked, 0.030, 1e-6);
	CU_ASSERT_EQUAL(acq, 2);
	CU_ASSERT_DOUBLE_EQUAL(max, 10.0, 1e-3);
	CU_ASSERT_EQUAL_FATAL(sscanf(b, "b %lf %lf %lf %lf %lf %lf %lu %lf %lf %lf", &wall,
				     &hold, &wait, &blocked, &native, &core, &acq, &p50, &p99,
				     &max), 10);
	CU_ASSERT_DOUBLE_EQUAL(core, 0.0, 1e-9);
	/* b is still waiting at the end: its open span counts up to 100 ms. */
	CU_ASSERT_DOUBLE_EQUAL(wall, 0.090, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(hold, 0.040, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(wait, 0.050, 1e-6);
	CU_ASSERT_EQUAL(acq, 1);
	CU_ASSERT_DOUBLE_EQUAL(max, 40.0, 1e-3);
	teardown(&f);
}

static void text_report_has_the_gil_and_the_run(void)
{
	struct fixture f;
	setup(&f);
	print(&f, REPORT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "Two \"quoted\" threads"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "A note."));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "15 events recorded, 2 dropped"));
	const char *g = line_of(f.buf, "main ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	char policy[16], unit[8];
	double interval, rate;
	unsigned long switches, forced, requests, failed;
	CU_ASSERT_EQUAL_FATAL(sscanf(g, "main %15s %lf %7s %lu %lf %lu %lu %lu", policy,
				     &interval, unit, &switches, &rate, &forced, &requests,
				     &failed), 8);
	CU_ASSERT_STRING_EQUAL(policy, "new");
	CU_ASSERT_DOUBLE_EQUAL(interval, 5.0, 1e-9);
	CU_ASSERT_EQUAL(switches, 3);
	CU_ASSERT_DOUBLE_EQUAL(rate, 30.0, 1e-6); /* 3 in 0.1 s */
	CU_ASSERT_EQUAL(forced, 1);
	CU_ASSERT_EQUAL(requests, 1);
	CU_ASSERT_EQUAL(failed, 0);
	teardown(&f);
}

static void timeline_shows_each_state_where_it_was(void)
{
	struct fixture f;
	setup(&f);
	FILE *out = open_memstream(&f.buf, &f.len);
	/* 10 columns of 10 ms each; names are padded to 6 columns. */
	report_timeline(out, f.sc, f.h, 0, 100 * MS, 10);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "a      |#####___-#|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "b      | ----####-|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "holds the GIL"));
	teardown(&f);
}

static void json_report_has_every_documented_field(void)
{
	struct fixture f;
	setup(&f);
	print(&f, REPORT_JSON);
	static const char *const fields[] = {
		"\"elapsed_s\": 0.100000", "\"events\": 15", "\"dropped_events\": 2",
		"\"gils\": [", "\"name\": \"main\"", "\"policy\": \"new\"",
		"\"interval_s\": 0.005000", "\"switches\": 3", "\"forced_switches\": 1",
		"\"drop_requests\": 1", "\"switches_per_s\": 30.000", "\"threads\": [",
		"\"name\": \"a\"", "\"process\": \"main\"", "\"wall_s\": 0.100000",
		"\"hold_s\": 0.060000", "\"wait_s\": 0.010000", "\"blocked_s\": 0.030000",
		"\"native_s\": 0.000000", "\"acquisitions\": 2", "\"wait_max_ms\": 10.0000",
		"\"wait_p50_ms\"", "\"wait_p99_ms\"",
		/* the title's quotes are escaped */
		"\"title\": \"Two \\\"quoted\\\" threads\"",
	};
	for (size_t i = 0; i < GV_ARRAY_LEN(fields); i++) {
		if (!strstr(f.buf, fields[i]))
			fprintf(stderr, "missing: %s\n", fields[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, fields[i]));
	}
	teardown(&f);
}

static void glyphs_differ_for_every_state_shown(void)
{
	const enum thread_state shown[] = { TS_HOLDING, TS_WAITING, TS_BLOCKED, TS_NATIVE,
					    TS_NATIVE_HOLD };
	for (size_t i = 0; i < GV_ARRAY_LEN(shown); i++) {
		CU_ASSERT(report_state_glyph(shown[i]) != ' ');
		for (size_t j = i + 1; j < GV_ARRAY_LEN(shown); j++)
			CU_ASSERT(report_state_glyph(shown[i]) != report_state_glyph(shown[j]));
	}
	CU_ASSERT_EQUAL(report_state_glyph(TS_DONE), ' ');
}

/* A busy column: 300 turns of 3 us holding, 1 us waiting, then a wait
 * to the column's end, in each of 4 columns of 10 ms. The thread waits
 * 91% of every column (its first 64 spans alone say it held) and holds
 * 9%: each column is one it held the GIL in for part of the time, never
 * a plain wait. */
static void timeline_reads_every_span_of_a_busy_column(void)
{
	struct fixture f;
	memset(&f, 0, sizeof f);
	const char *text = "thread busy { cpu 1ms }\n";
	struct gv_error err;
	f.sc = scenario_parse(text, strlen(text), "busy.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.sc);
	f.st = stats_create(1, NULL, 1);
	f.h = history_create(1, 1u << 14);
	ev(&f, 0, 0, EV_THREAD_START, 0, 0);
	ev(&f, 0, 0, EV_GIL_REQUEST, 0, 0);
	ev(&f, 0, 0, EV_GIL_ACQUIRE, 0, 0);
	for (uint64_t c = 0; c < 4; c++) {
		uint64_t t = c * 10 * MS;
		for (int k = 0; k < 300; k++) {
			t += 3000;
			ev(&f, t, 0, EV_GIL_RELEASE, RELEASE_CHECK, 0);
			ev(&f, t, 0, EV_GIL_REQUEST, 0, 0);
			if (k < 299) {
				t += 1000;
				ev(&f, t, 0, EV_GIL_ACQUIRE, 0, 0);
			}
		}
		ev(&f, (c + 1) * 10 * MS, 0, EV_GIL_ACQUIRE, 0, 0);
	}
	FILE *out = open_memstream(&f.buf, &f.len);
	report_timeline(out, f.sc, f.h, 0, 40 * MS, 4);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "|++++|"));
	CU_ASSERT_PTR_NOT_NULL(strstr(f.buf, "+ held the GIL for half the column or less"));
	free(f.buf);
	history_destroy(f.h);
	stats_destroy(f.st);
	scenario_free(f.sc);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(timeline_reads_every_span_of_a_busy_column),
	CU_TEST_ENTRY(text_report_has_each_thread_figures),
	CU_TEST_ENTRY(text_report_has_the_gil_and_the_run),
	CU_TEST_ENTRY(timeline_shows_each_state_where_it_was),
	CU_TEST_ENTRY(json_report_has_every_documented_field),
	CU_TEST_ENTRY(glyphs_differ_for_every_state_shown),
	CU_TEST_END,
};

CU_MAIN("report", tests)
