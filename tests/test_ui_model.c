/*
 * test_ui_model.c -- the UI's model without a terminal: the words of the
 * events pane, the key table, the time window and its zoom and scroll,
 * the layout of the panes, the event log and the scenario catalog.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cu.h"
#include "describe.h"
#include "evlog.h"
#include "keys.h"
#include "policy.h"
#include "scenario.h"
#include "view.h"

static struct scenario *two_threads(void)
{
	static const char text[] =
		"process web { thread hog { cpu 1s } thread server * 2 { io 1ms } }\n"
		"process db { thread q { sleep 1ms } }\n";
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	return sc;
}

static struct event ev_of(unsigned tid, enum event_type type, uint8_t aux, uint64_t arg)
{
	return (struct event){ .t = 12005000, .arg = arg, .tid = (uint16_t)tid,
			       .type = (uint8_t)type, .aux = aux };
}

/* Checks the sentence for one event. */
static void says(const struct scenario *sc, struct event ev, uint64_t nth,
		 const char *want)
{
	char buf[200];
	describe_event(buf, sizeof buf, &ev, sc, nth, 1);
	CU_ASSERT_STRING_EQUAL(buf, want);
	if (strcmp(buf, want))
		fprintf(stderr, "\n  got  '%s'\n  want '%s'\n", buf, want);
}

static void test_describe_gil_story(void)
{
	struct scenario *sc = two_threads();
	/* threads: web/hog=0, web/server.1=1, web/server.2=2, db/q=3 */
	says(sc, ev_of(1, EV_GIL_REQUEST, 0, 0), 0, "web/server.1 asks for the GIL");
	says(sc, ev_of(1, EV_DROP_REQUEST, 0, 5000000), 0,
	     "web/server.1 waited 5.0 ms; sets the drop request");
	says(sc, ev_of(0, EV_FORCED_DROP, 0, 0), 42, "web/hog drops the GIL (forced switch 42)");
	says(sc, ev_of(1, EV_GIL_ACQUIRE, 1, 0), 0, "web/server.1 takes the GIL");
	says(sc, ev_of(1, EV_GIL_ACQUIRE, 1, 5100000), 0, "web/server.1 takes the GIL after 5.1 ms");
	says(sc, ev_of(2, EV_FAILED_WAKEUP, 0, 0), 0,
	     "web/server.2 wakes up, but the GIL is taken again (failed wake-up)");
	scenario_free(sc);
}

static void test_describe_release_reasons(void)
{
	struct scenario *sc = two_threads();
	says(sc, ev_of(1, EV_GIL_RELEASE, RELEASE_BLOCKING, 0), 0,
	     "web/server.1 releases the GIL for I/O or sleep");
	says(sc, ev_of(1, EV_GIL_RELEASE, RELEASE_NATIVE, 0), 0,
	     "web/server.1 releases the GIL to run C code");
	says(sc, ev_of(1, EV_GIL_RELEASE, RELEASE_EXIT, 0), 0,
	     "web/server.1 releases the GIL as it exits");
	says(sc, ev_of(1, EV_GIL_RELEASE, RELEASE_YIELD, 0), 0,
	     "web/server.1 releases the GIL for time.sleep(0) and asks for it back");
	says(sc, ev_of(0, EV_GIL_RELEASE, RELEASE_CHECK, 0), 0,
	     "web/hog releases the GIL at its check interval and asks for it back");
	says(sc, ev_of(0, EV_GIL_RELEASE, 99, 0), 0, "web/hog releases the GIL");
	scenario_free(sc);
}

static void test_describe_ops_threads_interval(void)
{
	struct scenario *sc = two_threads();
	says(sc, ev_of(1, EV_OP_START, OP_IO, 1000000), 0, "web/server.1 waits 1.0 ms for I/O");
	says(sc, ev_of(0, EV_OP_START, OP_CPU, 50000), 0, "web/hog runs Python code for 50 us");
	says(sc, ev_of(0, EV_OP_START, OP_NATIVE_HOLD, 2500000000ULL), 0,
	     "web/hog runs C code for 2.50 s, holding the GIL");
	says(sc, ev_of(1, EV_OP_START, OP_PUT, 0), 0, "web/server.1 puts an item on a queue");
	says(sc, ev_of(1, EV_OP_START, OP_AWAIT_IO, 5000000), 0,
	     "web/server.1 awaits 5.0 ms of I/O: the loop runs other tasks");
	says(sc, ev_of(1, EV_OP_END, OP_IO, 0), 0, "web/server.1 is done with a step");
	says(sc, ev_of(3, EV_THREAD_START, 0, 0), 0, "db/q starts");
	says(sc, ev_of(3, EV_THREAD_END, 0, 0), 0, "db/q ends");
	says(sc, ev_of(EVENT_TID_GIL, EV_INTERVAL, 1, 10000000), 0,
	     "switch interval set to 10.0 ms (GIL of db)");
	says(NULL, ev_of(EVENT_TID_GIL, EV_INTERVAL, 0, 2500000), 0,
	     "switch interval set to 2.5 ms");
	says(NULL, ev_of(7, EV_GIL_REQUEST, 0, 0), 0, "thread 7 asks for the GIL");
	scenario_free(sc);
}

/* Free-threaded Python's own events name the object and the module. */
static void test_describe_locks_and_the_gil_coming_back(void)
{
	static const char text[] = "gil none\nobject shared_list\n"
		"thread a { with shared_list { cpu 1ms }; import_unsafe \"old_ext\" }\n";
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	says(sc, ev_of(0, EV_LOCK_WAIT, 0, 0), 0,
	     "a waits for the lock of shared_list (a critical section)");
	says(sc, ev_of(0, EV_LOCK_TAKE, 0, 2500000), 0, "a takes the lock of shared_list after 2.5 ms");
	says(sc, ev_of(0, EV_LOCK_TAKE, 0, 0), 0, "a takes the lock of shared_list");
	says(sc, ev_of(0, EV_LOCK_RELEASE, 0, 1000000), 0, "a releases the lock of shared_list");
	says(sc, ev_of(0, EV_GIL_ENABLE, 0, 0), 0,
	     "a imports old_ext, not marked free-thread-safe: RuntimeWarning, the GIL is enabled");
	says(NULL, ev_of(3, EV_LOCK_WAIT, 7, 0), 0,
	     "thread 3 waits for the lock of object 7 (a critical section)");
	scenario_free(sc);
}

/* No sentence names an op the way the scenario file or the code does
 * (await_io, native_hold, put 0 ns): every op has words of its own. */
static void test_describe_has_no_internal_names(void)
{
	struct scenario *sc = two_threads();
	for (int k = 0; k < OP_KIND_COUNT; k++) {
		char buf[200];
		bool timed = k != OP_PUT && k != OP_GET && k != OP_AWAIT_GET && k != OP_REPEAT &&
			     k != OP_FOREVER && k != OP_WITH && k != OP_IMPORT_UNSAFE;
		struct event ev = ev_of(1, EV_OP_START, (uint8_t)k, timed ? 1000000 : 0);
		describe_event(buf, sizeof buf, &ev, sc, 0, 1);
		CU_ASSERT_PTR_NULL(strchr(buf, '_'));
		CU_ASSERT_PTR_NULL(strstr(buf, " cpu"));
		CU_ASSERT_PTR_NULL(strstr(buf, " io "));
		CU_ASSERT_PTR_NULL(strstr(buf, "(null)"));
		CU_ASSERT_EQUAL(strstr(buf, "1.0 ms") != NULL, timed);
		CU_ASSERT_PTR_NULL(strstr(buf, " ns"));
	}
	/* --slow=20: the scenario's own times. */
	char buf[200];
	struct event ev = ev_of(1, EV_GIL_ACQUIRE, 1, 100000000);
	describe_event(buf, sizeof buf, &ev, sc, 0, 20);
	CU_ASSERT_STRING_EQUAL(buf, "web/server.1 takes the GIL after 5.0 ms");
	ev = ev_of(EVENT_TID_GIL, EV_INTERVAL, 0, 100000000);
	describe_event(buf, sizeof buf, &ev, NULL, 0, 20);
	CU_ASSERT_STRING_EQUAL(buf, "switch interval set to 5.0 ms");
	scenario_free(sc);
}

static void test_describe_line_and_time(void)
{
	char buf[200];
	describe_time(12005999, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "12.005 ms");
	describe_time(0, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "0.000 ms");
	struct event ev = ev_of(0, EV_FORCED_DROP, 0, 0);
	ev.t = 1000 + 12006000;
	describe_line(buf, sizeof buf, &ev, 1000, NULL, 3, 1);
	CU_ASSERT_STRING_EQUAL(buf, "   12.006 ms  thread 0 drops the GIL (forced switch 3)");
	describe_duration(820, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "820 ns");
	describe_duration(1250000000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "1.25 s");
}

static void test_describe_shown_leaves_out_op_ends(void)
{
	struct event e = ev_of(0, EV_OP_END, OP_CPU, 0);
	CU_ASSERT_FALSE(describe_shown(&e));
	e.type = EV_OP_START;
	CU_ASSERT_TRUE(describe_shown(&e));
	e.type = EV_TYPE_COUNT;
	CU_ASSERT_FALSE(describe_shown(&e));
}

static void test_keys_every_action_has_one_binding(void)
{
	size_t n;
	const struct key_binding *t = keys_table(&n);
	int seen[ACT_COUNT] = { 0 };
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(t[i].action > ACT_NONE && t[i].action < ACT_COUNT);
		CU_ASSERT_PTR_NOT_NULL(t[i].label);
		CU_ASSERT(t[i].help && strlen(t[i].help) > 3);
		seen[t[i].action]++;
		/* Each key the table lists leads back to its own row. */
		for (int k = 0; k < KEYS_PER_BINDING && t[i].keys[k]; k++)
			CU_ASSERT_EQUAL(keys_action(t[i].keys[k]), t[i].action);
	}
	for (int a = ACT_NONE + 1; a < ACT_COUNT; a++)
		CU_ASSERT_EQUAL(seen[a], 1);
}

static void test_keys_the_issue_s_keys(void)
{
	CU_ASSERT_EQUAL(keys_action('+'), ACT_INTERVAL_UP);
	CU_ASSERT_EQUAL(keys_action('-'), ACT_INTERVAL_DOWN);
	CU_ASSERT_EQUAL(keys_action(' '), ACT_PAUSE);
	CU_ASSERT_EQUAL(keys_action(KEYS_LEFT), ACT_BACK);
	CU_ASSERT_EQUAL(keys_action(KEYS_RIGHT), ACT_FORWARD);
	CU_ASSERT_EQUAL(keys_action('.'), ACT_STEP);
	CU_ASSERT_EQUAL(keys_action('z'), ACT_ZOOM_IN);
	CU_ASSERT_EQUAL(keys_action('Z'), ACT_ZOOM_OUT);
	CU_ASSERT_EQUAL(keys_action('g'), ACT_POLICY);
	CU_ASSERT_EQUAL(keys_action('r'), ACT_RESTART);
	CU_ASSERT_EQUAL(keys_action('n'), ACT_NEXT_SCENARIO);
	CU_ASSERT_EQUAL(keys_action('p'), ACT_PREV_SCENARIO);
	CU_ASSERT_EQUAL(keys_action('?'), ACT_HELP);
	CU_ASSERT_EQUAL(keys_action('q'), ACT_QUIT);
	CU_ASSERT_EQUAL(keys_action(KEYS_CTRL_C), ACT_QUIT);
	CU_ASSERT_EQUAL(keys_action('x'), ACT_NONE);
	CU_ASSERT_EQUAL(keys_action(0), ACT_NONE);
	CU_ASSERT_STRING_EQUAL(keys_binding(ACT_PAUSE)->label, "space");
	CU_ASSERT_PTR_NULL(keys_binding(ACT_NONE));
}

/* f, and the end of a run: the whole run in the columns there are. */
static void test_view_fit_shows_the_whole_run(void)
{
	struct view v;
	view_init(&v, 1000000);
	view_freeze(&v, 2500000000ULL);
	view_fit(&v, 2500000000ULL, 100, 0); /* 2.5 s in 100 columns */
	CU_ASSERT_EQUAL(v.col_ns, 25000000);
	CU_ASSERT_EQUAL(view_start(&v, 2500000000ULL, 100), 0);
	CU_ASSERT_EQUAL(view_end(&v, 2500000000ULL), 2500000000ULL);
	/* A length that does not divide: rounded up, so the start shows. */
	view_fit(&v, 1000000001ULL, 97, 0);
	CU_ASSERT(v.col_ns * 97 >= 1000000001ULL);
	CU_ASSERT_EQUAL(v.col_ns % 1000, 0);
	CU_ASSERT_EQUAL(view_start(&v, 1000000001ULL, 97), 0);
	/* Only what is kept: from the oldest kept time. */
	view_fit(&v, 3000000000ULL, 100, 1000000000ULL);
	CU_ASSERT_EQUAL(v.col_ns, 20000000);
	CU_ASSERT_EQUAL(view_start(&v, 3000000000ULL, 100), 1000000000ULL);
	/* A very short run: the narrowest column. */
	view_fit(&v, 1000, 100, 0);
	CU_ASSERT_EQUAL(v.col_ns, VIEW_MIN_COL_NS);
	/* Following now, it keeps following. */
	view_init(&v, 1000000);
	view_fit(&v, 400000000ULL, 100, 0);
	CU_ASSERT_TRUE(v.follow);
	CU_ASSERT_EQUAL(v.col_ns, 4000000);
}

/* PgUp and PgDn: a whole window at a time, within the run. */
static void test_view_page_moves_a_whole_window(void)
{
	struct view v;
	view_init(&v, 1000000); /* 100 columns: 100 ms */
	uint64_t now = 1000000000ULL;
	view_freeze(&v, now);
	view_page(&v, now, 100, -1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), 900000000ULL);
	view_page(&v, now, 100, -1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), 800000000ULL);
	view_page(&v, now, 100, 1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), 900000000ULL);
	for (int i = 0; i < 20; i++)
		view_page(&v, now, 100, -1, 0);
	CU_ASSERT_EQUAL(view_start(&v, now, 100), 0);
	for (int i = 0; i < 20; i++)
		view_page(&v, now, 100, 1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), now);
}

static void test_view_grows_then_follows_now(void)
{
	struct view v;
	view_init(&v, 1000000); /* 1 ms a column */
	/* 30 ms into the run, 100 columns: the window starts at 0. */
	CU_ASSERT_EQUAL(view_start(&v, 30000000, 100), 0);
	CU_ASSERT_EQUAL(view_col(&v, 30000000, 100, 29500000), 29);
	/* 1 s in: the window is the last 100 ms. */
	CU_ASSERT_EQUAL(view_start(&v, 1000000000, 100), 900000000);
	CU_ASSERT_EQUAL(view_col(&v, 1000000000, 100, 900000000), 0);
	CU_ASSERT_EQUAL(view_col(&v, 1000000000, 100, 999999999), 99);
	CU_ASSERT_EQUAL(view_col(&v, 1000000000, 100, 899999999), -1);
	CU_ASSERT_EQUAL(view_col(&v, 1000000000, 100, 1000000000), -1);
	CU_ASSERT_EQUAL(view_col_time(&v, 1000000000, 100, 10), 910000000);
}

static void test_view_freeze_keeps_the_window(void)
{
	struct view v;
	view_init(&v, 1000000);
	view_freeze(&v, 500000000);
	CU_ASSERT_FALSE(v.follow);
	CU_ASSERT_EQUAL(view_end(&v, 900000000), 500000000);
	view_follow(&v);
	CU_ASSERT_EQUAL(view_end(&v, 900000000), 900000000);
}

static void test_view_scroll_stays_within_history(void)
{
	struct view v;
	view_init(&v, 1000000); /* 100 columns: a 100 ms window */
	uint64_t now = 1000000000;
	view_scroll(&v, now, 100, -1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), now - 25000000);
	for (int i = 0; i < 100; i++)
		view_scroll(&v, now, 100, -1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), 100000000); /* starts at 0 */
	CU_ASSERT_EQUAL(view_start(&v, now, 100), 0);
	for (int i = 0; i < 100; i++)
		view_scroll(&v, now, 100, 1, 0);
	CU_ASSERT_EQUAL(view_end(&v, now), now);
	/* The oldest kept time bounds scrolling back. */
	for (int i = 0; i < 100; i++)
		view_scroll(&v, now, 100, -1, 600000000);
	CU_ASSERT_EQUAL(view_start(&v, now, 100), 600000000);
	/* A run younger than the window cannot scroll at all. */
	view_init(&v, 1000000);
	view_scroll(&v, 40000000, 100, -1, 0);
	CU_ASSERT_EQUAL(view_end(&v, 40000000), 40000000);
}

static void test_view_zoom_keeps_the_right_edge_and_its_range(void)
{
	struct view v;
	view_init(&v, 1000000);
	view_freeze(&v, 800000000);
	CU_ASSERT_TRUE(view_zoom(&v, 1));
	CU_ASSERT_EQUAL(v.col_ns, 500000);
	CU_ASSERT_EQUAL(view_end(&v, 900000000), 800000000);
	CU_ASSERT_TRUE(view_zoom(&v, -1));
	CU_ASSERT_TRUE(view_zoom(&v, -1));
	CU_ASSERT_EQUAL(v.col_ns, 2000000);
	int n = 0;
	while (view_zoom(&v, 1))
		n++;
	CU_ASSERT(v.col_ns >= VIEW_MIN_COL_NS && v.col_ns / 2 < VIEW_MIN_COL_NS);
	while (view_zoom(&v, -1))
		n++;
	CU_ASSERT(v.col_ns <= VIEW_MAX_COL_NS && v.col_ns * 2 > VIEW_MAX_COL_NS);
	CU_ASSERT_EQUAL(view_default_col(5000000), 1000000);
	CU_ASSERT_EQUAL(view_default_col(1), VIEW_MIN_COL_NS);
	view_init(&v, 1);
	CU_ASSERT_EQUAL(v.col_ns, VIEW_MIN_COL_NS);
}

static struct layout_want want(int threads, int ngils, int note, int name_len, int legend)
{
	return (struct layout_want){ .threads = threads, .ngils = ngils, .note = note,
				     .name_len = name_len, .legend = legend };
}

static void test_layout_too_small(void)
{
	struct ui_layout l;
	struct layout_want w = want(2, 1, 1, 8, 2);
	view_layout(&l, 23, 80, &w);
	CU_ASSERT_TRUE(l.too_small);
	view_layout(&l, 24, 79, &w);
	CU_ASSERT_TRUE(l.too_small);
	view_layout(&l, 24, 80, &w);
	CU_ASSERT_FALSE(l.too_small);
}

/* Every pane inside the screen, in order, none overlapping. */
static void check_layout(const struct ui_layout *l)
{
	CU_ASSERT(l->note_y >= 1);
	CU_ASSERT(l->head_y == l->note_y + l->note_lines);
	CU_ASSERT(l->threads_y == l->head_y + 1);
	CU_ASSERT(l->axis_y == l->threads_y + l->thread_lines);
	int below = l->axis_y + 1 + (l->narrate_y >= 0);
	CU_ASSERT(l->narrate_y < 0 || l->narrate_y == l->axis_y + 1);
	CU_ASSERT(l->legend_y == below + (l->notice_y >= 0));
	CU_ASSERT(l->notice_y < 0 || l->notice_y == below);
	CU_ASSERT(l->gils_y == l->legend_y + l->legend_lines);
	if (l->event_lines) {
		CU_ASSERT(l->events_y == l->gils_y + l->gil_lines);
		CU_ASSERT(l->events_y + 1 + l->event_lines == l->status_y);
	} else {
		CU_ASSERT(l->events_y < 0);
		CU_ASSERT(l->gils_y + l->gil_lines <= l->status_y);
	}
	CU_ASSERT(l->status_y == l->rows - 1);
	CU_ASSERT(l->tl_w >= l->cols / 2);
	int right = 0;
	for (int c = 0; c < FIG_COLUMN_COUNT; c++)
		if (view_fig_shown((enum fig_column)c, l->fig_mask))
			right += 1 + view_fig_column((enum fig_column)c)->width;
	CU_ASSERT(l->fig_x + right <= l->cols);
	CU_ASSERT(l->tl_x + l->tl_w < l->fig_x + 1);
}

static void test_layout_fits_80x24_and_200x50(void)
{
	struct ui_layout l;
	struct layout_want w = want(2, 1, 3, 8, 2);
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.thread_lines, 2);
	CU_ASSERT_EQUAL(l.legend_lines, 2);
	CU_ASSERT_EQUAL(l.note_lines, 1);
	CU_ASSERT_EQUAL(l.notice_y, -1);
	CU_ASSERT(l.fig_n >= 2); /* hold and wait at least */
	CU_ASSERT_TRUE(view_fig_shown(FIG_HOLD, l.fig_mask));
	CU_ASSERT_TRUE(view_fig_shown(FIG_WAIT, l.fig_mask));
	CU_ASSERT_FALSE(view_fig_shown(FIG_CORE, l.fig_mask));
	w = want(10, 3, 3, 8, 1);
	view_layout(&l, 50, 200, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.thread_lines, 10);
	CU_ASSERT_EQUAL(l.legend_lines, 1);
	CU_ASSERT_EQUAL(l.note_lines, 3);
	CU_ASSERT_EQUAL(l.gil_lines, 3);
	CU_ASSERT_EQUAL(l.fig_n, FIG_COLUMN_COUNT);
}

static void test_layout_many_threads_keep_their_rows_first(void)
{
	struct ui_layout l;
	struct layout_want w = want(64, 4, 2, 12, 3);
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	/* Threads first: all the rows but the header, heads, axis, status
	 * and the notice that says how many are left out. */
	CU_ASSERT_EQUAL(l.shown_threads, 24 - 5);
	CU_ASSERT(l.notice_y >= 0);
	CU_ASSERT_EQUAL(l.event_lines, 0);
	w = want(64, 1, 2, 40, 2);
	view_layout(&l, 40, 120, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.name_w, 16);
}

/* At a projector's 80x24 the layout keeps, in order, the threads, a line
 * a GIL, one line of the note, the task rows, the legend and the events;
 * process labels only when all of that fits. */
/* A figure column the run cannot fill takes no room: at 120 columns the
 * wait for a core (the lowest priority) has none, until the GIL's wait
 * columns are skipped (lesson 9: one thread a process). */
static void test_layout_skips_columns(void)
{
	struct ui_layout l;
	struct layout_want w = want(4, 4, 2, 8, 1);
	view_layout(&l, 40, 120, &w);
	check_layout(&l);
	CU_ASSERT_FALSE(view_fig_shown(FIG_CORE, l.fig_mask));
	CU_ASSERT_TRUE(view_fig_shown(FIG_P99, l.fig_mask));
	w.fig_skip = 1u << FIG_ACQ | 1u << FIG_P50 | 1u << FIG_P99 | 1u << FIG_MAX;
	view_layout(&l, 40, 120, &w);
	check_layout(&l);
	CU_ASSERT_TRUE(view_fig_shown(FIG_CORE, l.fig_mask));
	CU_ASSERT_TRUE(view_fig_shown(FIG_NATIVE, l.fig_mask));
	CU_ASSERT_FALSE(view_fig_shown(FIG_P99, l.fig_mask));
	CU_ASSERT_FALSE(view_fig_shown(FIG_ACQ, l.fig_mask));
	CU_ASSERT_EQUAL(l.fig_n, 5);
}

/* At 80 columns four figure columns fit beside 8-letter names: after
 * hold, wait and p99, the one the run lives in. C code (lesson 7: four
 * threads in hashlib, 0% hold and wait) before blocked; blocked (lesson
 * 2: four threads in I/O) when no C code leaves C nothing to show. */
static void test_layout_fourth_column_follows_the_run(void)
{
	struct ui_layout l;
	struct layout_want w = want(4, 1, 2, 8, 2);
	const uint32_t fourth = 1u << FIG_NATIVE | 1u << FIG_BLOCKED;
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.fig_n, 4);
	CU_ASSERT_EQUAL(l.fig_mask & fourth, 1u << FIG_NATIVE);
	w.fig_skip = 1u << FIG_NATIVE;
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.fig_n, 4);
	CU_ASSERT_EQUAL(l.fig_mask & fourth, 1u << FIG_BLOCKED);
	CU_ASSERT_TRUE(view_fig_shown(FIG_HOLD, l.fig_mask));
	CU_ASSERT_TRUE(view_fig_shown(FIG_WAIT, l.fig_mask));
	CU_ASSERT_TRUE(view_fig_shown(FIG_P99, l.fig_mask));
}

static void test_layout_by_priority(void)
{
	struct ui_layout l;
	/* Lesson 13: five threads in five processes, eight task rows. */
	struct layout_want w = want(5, 5, 6, 16, 2);
	w.labels = 5;
	w.tasks = 8;
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.shown_threads, 5);
	CU_ASSERT_EQUAL(l.gil_lines, 5);
	CU_ASSERT_EQUAL(l.note_lines, 1);
	CU_ASSERT_EQUAL(l.task_room, 8);
	CU_ASSERT_FALSE(l.labels);
	CU_ASSERT(l.notice_y >= 0); /* the legend and the events went */
	/* Nine task rows: one does not fit; the layout says so. */
	w.tasks = 9;
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT(l.task_room < 9);
	CU_ASSERT(l.notice_y >= 0);
	/* At 120x40 everything fits, labels included, with no notice. */
	w.tasks = 8;
	view_layout(&l, 40, 120, &w);
	check_layout(&l);
	CU_ASSERT_TRUE(l.labels);
	CU_ASSERT_EQUAL(l.thread_lines, 5 + 5 + 8);
	CU_ASSERT_EQUAL(l.notice_y, -1);
	CU_ASSERT(l.event_lines >= LAYOUT_MIN_EVENTS);
	/* The whole note (N) comes right after the GIL lines. */
	w = want(2, 1, 6, 8, 2);
	w.note_whole = true;
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT_EQUAL(l.note_lines, 6);
	CU_ASSERT_EQUAL(l.thread_lines, 2);
	/* Something left out by the caller is said too. */
	w = want(2, 1, 1, 8, 2);
	w.hidden = 3;
	view_layout(&l, 24, 80, &w);
	check_layout(&l);
	CU_ASSERT(l.notice_y >= 0);
}

/* A click maps to the timeline line drawn on its row and to the
 * timeline's column under it; the axis row gives a time but no line. */
static void test_click_maps_to_a_line_and_a_column(void)
{
	struct ui_layout l;
	struct layout_want w = want(2, 1, 1, 8, 2);
	view_layout(&l, 24, 80, &w);
	struct view_hit h = view_hit(&l, l.threads_y, 0);
	CU_ASSERT_EQUAL(h.line, 0);
	CU_ASSERT_EQUAL(h.col, -1);
	h = view_hit(&l, l.threads_y + 1, l.tl_x + 5);
	CU_ASSERT_EQUAL(h.line, 1);
	CU_ASSERT_EQUAL(h.col, 5);
	h = view_hit(&l, l.axis_y, l.tl_x + l.tl_w - 1);
	CU_ASSERT_EQUAL(h.line, -1);
	CU_ASSERT_EQUAL(h.col, l.tl_w - 1);
	h = view_hit(&l, l.threads_y, l.tl_x + l.tl_w);
	CU_ASSERT_EQUAL(h.col, -1); /* the figures */
	h = view_hit(&l, l.head_y, l.tl_x);
	CU_ASSERT_EQUAL(h.line, -1);
	CU_ASSERT_EQUAL(h.col, -1);
	h = view_hit(&l, l.status_y, 3);
	CU_ASSERT_EQUAL(h.line, -1);
	/* The column's time is the view's. */
	struct view v;
	view_init(&v, 1000000);
	CU_ASSERT_EQUAL(view_col_time(&v, 100000000, (unsigned)l.tl_w, 5),
			100000000 - (uint64_t)l.tl_w * 1000000 + 5 * 1000000);
}

/* g goes through every policy once, from legacy to new as lesson 11's
 * note says, from new to fifo then bfs as lesson 16's does; the help's
 * line for g does not name an order of its own. */
static void test_policy_order(void)
{
	bool seen[GIL_POLICY_COUNT] = { false };
	int p = GIL_NEW;
	for (int i = 0; i < GIL_POLICY_COUNT; i++) {
		CU_ASSERT_FALSE(seen[p]);
		seen[p] = true;
		p = keys_next_policy(p);
	}
	CU_ASSERT_EQUAL(p, GIL_NEW);
	CU_ASSERT_EQUAL(keys_next_policy(GIL_LEGACY), GIL_NEW);
	CU_ASSERT_EQUAL(keys_next_policy(GIL_NEW), GIL_FIFO);
	CU_ASSERT_EQUAL(keys_next_policy(GIL_FIFO), GIL_BFS);
	CU_ASSERT_PTR_NOT_NULL(strstr(keys_binding(ACT_POLICY)->help, "order below"));
}

/* Every key of the help fits two columns of 37 at 80x24, and every
 * key a teacher reaches for is in the table. */
static void test_keys_table_fits_the_help(void)
{
	size_t n;
	const struct key_binding *t = keys_table(&n);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(strlen(t[i].label) <= 5);
		CU_ASSERT(strlen(t[i].help) <= 29);
	}
	CU_ASSERT_EQUAL(keys_action('i'), ACT_SET_INTERVAL);
	CU_ASSERT_EQUAL(keys_action(KEYS_UP), ACT_SELECT_UP);
	CU_ASSERT_EQUAL(keys_action(KEYS_DOWN), ACT_SELECT_DOWN);
	CU_ASSERT_EQUAL(keys_action(KEYS_ESC), ACT_UNSELECT);
	CU_ASSERT_EQUAL(keys_action(KEYS_PAGE_UP), ACT_PAGE_UP);
	CU_ASSERT_EQUAL(keys_action(KEYS_MOUSE), ACT_CLICK);
	CU_ASSERT_EQUAL(keys_action('N'), ACT_NOTE);
	CU_ASSERT_EQUAL(keys_binding(ACT_HOME)->scope, KS_ANY);
	CU_ASSERT_EQUAL(keys_binding(ACT_END)->scope, KS_ANY);
}

/* A setting is said as it was set: 1.25 ms, not 1.2 ms. */
static void test_setting_is_exact(void)
{
	char b[32];
	describe_setting(1250000, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "1.25 ms");
	describe_setting(5000000, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "5.0 ms");
	describe_setting(1125000, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "1.125 ms");
	describe_setting(2500000000ULL, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "2.50 s");
	describe_setting(2250000000ULL, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "2.25 s");
	describe_setting(1500, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "1.5 us");
	describe_setting(50000, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "50 us");
}

static void test_wrap(void)
{
	const char *s[8];
	int len[8];
	int n = view_wrap("one two three four", 9, s, len, 8);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(len[0], 7); /* "one two" */
	CU_ASSERT_EQUAL(strncmp(s[1], "three", 5), 0);
	CU_ASSERT_EQUAL(len[1], 5);
	CU_ASSERT_EQUAL(strncmp(s[2], "four", 4), 0);
	n = view_wrap("one two three four", 13, s, len, 8);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(len[0], 13); /* "one two three" */
	n = view_wrap("abcdefghijkl", 5, s, len, 8);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(len[0], 5);
	CU_ASSERT_EQUAL(view_wrap("", 10, s, len, 8), 0);
	CU_ASSERT_EQUAL(view_wrap("   ", 10, s, len, 8), 0);
	/* Only max lines are filled, but all are counted. */
	CU_ASSERT_EQUAL(view_wrap("a b c d e f", 1, s, len, 2), 6);
}

static void test_evlog_keeps_the_newest_in_bounded_memory(void)
{
	struct evlog *log = evlog_create(4);
	struct event e = { 0 };
	for (unsigned i = 0; i < 10; i++) {
		e.t = 100 * i;
		e.seq = i;
		evlog_add(log, &e, i);
	}
	CU_ASSERT_EQUAL(evlog_count(log), 4);
	CU_ASSERT_EQUAL(evlog_total(log), 10);
	CU_ASSERT_EQUAL(evlog_get(log, 0)->ev.seq, 6);
	CU_ASSERT_EQUAL(evlog_get(log, 3)->nth, 9);
	CU_ASSERT_PTR_NULL(evlog_get(log, 4));
	CU_ASSERT_EQUAL(evlog_until(log, 850), 3);
	CU_ASSERT_EQUAL(evlog_until(log, 900), 4);
	CU_ASSERT_EQUAL(evlog_until(log, 10), 0);
	evlog_clear(log);
	CU_ASSERT_EQUAL(evlog_count(log), 0);
	evlog_destroy(log);
}

static void test_evlog_puts_late_arrivals_in_time_order(void)
{
	struct evlog *log = evlog_create(8);
	struct event e = { 0 };
	const uint64_t ts[] = { 10, 30, 50, 20, 40, 60, 5 };
	for (unsigned i = 0; i < 7; i++) {
		e.t = ts[i];
		evlog_add(log, &e, i);
	}
	const uint64_t want[] = { 5, 10, 20, 30, 40, 50, 60 };
	for (unsigned i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(evlog_get(log, i)->ev.t, want[i]);
	CU_ASSERT_EQUAL(evlog_get(log, 2)->nth, 3); /* its figure went with it */
	/* Full: the oldest goes, order stays. */
	e.t = 35;
	evlog_add(log, &e, 7);
	e.t = 1;
	evlog_add(log, &e, 8);
	CU_ASSERT_EQUAL(evlog_count(log), 8);
	CU_ASSERT_EQUAL(evlog_get(log, 0)->ev.t, 1);
	CU_ASSERT_EQUAL(evlog_get(log, 4)->ev.t, 35);
	CU_ASSERT_EQUAL(evlog_get(log, 7)->ev.t, 60);
	evlog_destroy(log);
}

static void test_catalog_sorted_first_dir_wins_and_steps_wrap(void)
{
	char d1[] = "/tmp/gvcatXXXXXX", d2[] = "/tmp/gvcatXXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d1));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d2));
	const char *names[] = { "b.gil", "a.gil", "notes.txt", ".hidden.gil" };
	char path[256];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", d2, names[i]);
		FILE *f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fclose(f);
	}
	const char *dirs[] = { "/nonexistent/gilviz", d1, NULL, d2 };
	struct catalog c;
	CU_ASSERT_EQUAL(catalog_scan(&c, dirs, 4), 2);
	CU_ASSERT_STRING_EQUAL(c.dir, d2);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.paths[0], "/a.gil"));
	CU_ASSERT_EQUAL(catalog_find(&c, "elsewhere/b.gil"), 1);
	CU_ASSERT_EQUAL(catalog_find(&c, "c.gil"), -1);
	CU_ASSERT_EQUAL(catalog_step(&c, 1, 1), 0);
	CU_ASSERT_EQUAL(catalog_step(&c, 0, -1), 1);
	CU_ASSERT_EQUAL(catalog_step(&c, -1, 1), 0);
	CU_ASSERT_EQUAL(catalog_lookup(&c, "b.gil"), 1);
	CU_ASSERT_EQUAL(catalog_lookup(&c, "b"), 1);
	CU_ASSERT_EQUAL(catalog_lookup(&c, "nope"), -1);
	char nb[32];
	CU_ASSERT_STRING_EQUAL(catalog_name(&c, 0, nb, sizeof nb), "a");
	CU_ASSERT_EQUAL(catalog_step(&c, -1, -1), 1);
	catalog_free(&c);
	CU_ASSERT_EQUAL(catalog_scan(&c, dirs, 2), 0);
	CU_ASSERT_EQUAL(catalog_step(&c, 0, 1), -1);
	catalog_free(&c);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", d2, names[i]);
		unlink(path);
	}
	rmdir(d1);
	rmdir(d2);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(test_describe_gil_story),
	CU_TEST_ENTRY(test_describe_release_reasons),
	CU_TEST_ENTRY(test_describe_ops_threads_interval),
	CU_TEST_ENTRY(test_describe_line_and_time),
	CU_TEST_ENTRY(test_describe_has_no_internal_names),
	CU_TEST_ENTRY(test_describe_locks_and_the_gil_coming_back),
	CU_TEST_ENTRY(test_describe_shown_leaves_out_op_ends),
	CU_TEST_ENTRY(test_keys_every_action_has_one_binding),
	CU_TEST_ENTRY(test_keys_the_issue_s_keys),
	CU_TEST_ENTRY(test_view_grows_then_follows_now),
	CU_TEST_ENTRY(test_view_freeze_keeps_the_window),
	CU_TEST_ENTRY(test_view_scroll_stays_within_history),
	CU_TEST_ENTRY(test_view_zoom_keeps_the_right_edge_and_its_range),
	CU_TEST_ENTRY(test_view_fit_shows_the_whole_run),
	CU_TEST_ENTRY(test_view_page_moves_a_whole_window),
	CU_TEST_ENTRY(test_layout_too_small),
	CU_TEST_ENTRY(test_layout_fits_80x24_and_200x50),
	CU_TEST_ENTRY(test_layout_many_threads_keep_their_rows_first),
	CU_TEST_ENTRY(test_layout_fourth_column_follows_the_run),
	CU_TEST_ENTRY(test_layout_by_priority),
	CU_TEST_ENTRY(test_layout_skips_columns),
	CU_TEST_ENTRY(test_wrap),
	CU_TEST_ENTRY(test_click_maps_to_a_line_and_a_column),
	CU_TEST_ENTRY(test_policy_order),
	CU_TEST_ENTRY(test_keys_table_fits_the_help),
	CU_TEST_ENTRY(test_setting_is_exact),
	CU_TEST_ENTRY(test_evlog_keeps_the_newest_in_bounded_memory),
	CU_TEST_ENTRY(test_evlog_puts_late_arrivals_in_time_order),
	CU_TEST_ENTRY(test_catalog_sorted_first_dir_wins_and_steps_wrap),
	CU_TEST_END,
};

CU_MAIN("ui_model", tests)
