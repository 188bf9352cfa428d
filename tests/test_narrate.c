/*
 * test_narrate.c -- the line that says what is happening now: built from
 * hand-made event sequences fed to a history, as the UI's would be.
 */
#include "config.h"

#include <string.h>

#include "cu.h"
#include "evseq.h"
#include "history.h"
#include "narrate.h"
#include "scenario.h"

#define MS 1000000ULL

static struct scenario *convoy(void)
{
	static const char text[] = "thread hog { cpu 1s }\nthread server { io 1ms }\n";
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	return sc;
}

static struct history *feed(const struct evseq *q)
{
	struct history *h = history_create(2, 64);
	for (size_t i = 0; i < q->n; i++)
		history_add(h, &q->ev[i]);
	return h;
}

static void say(const struct history *h, const struct scenario *sc, uint64_t now, char *buf,
		size_t len)
{
	struct narrate_input in = { .h = h, .sc = sc, .now = now, .slow = 1 };
	narrate(&in, buf, len);
}

/* The convoy: hog holds, server waits, then sets the drop request. */
static void test_holder_and_waiter_and_the_drop_request(void)
{
	struct scenario *sc = convoy();
	struct evseq q;
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 1);
	evseq_add(&q, 1 * MS, 1, EV_THREAD_START, 0, 0);
	evseq_add(&q, 1 * MS, 1, EV_GIL_REQUEST, 0, 0);
	struct history *h = feed(&q);
	char buf[256];
	say(h, sc, 5 * MS, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "hog has held the GIL 5.0 ms; server has waited 4.0 ms.");
	history_destroy(h);

	evseq_add(&q, 6 * MS, 1, EV_DROP_REQUEST, 0, 5 * MS);
	h = feed(&q);
	say(h, sc, 6100000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(
		buf, "hog has held the GIL 6.1 ms; server has waited 5.1 ms and set the drop request.");
	history_destroy(h);

	/* The forced drop answers the request: server holds, hog waits. */
	evseq_add(&q, 6200000, 0, EV_FORCED_DROP, 0, 0);
	evseq_add(&q, 6200000, 0, EV_GIL_REQUEST, 0, 0);
	evseq_add(&q, 6300000, 1, EV_GIL_ACQUIRE, 1, 5300000);
	h = feed(&q);
	say(h, sc, 7300000, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "server has held the GIL 1.0 ms; hog has waited 1.1 ms.");
	history_destroy(h);
	scenario_free(sc);
}

/* Slow motion: durations in the scenario's own times. */
static void test_slow_motion_says_the_scenarios_times(void)
{
	struct scenario *sc = convoy();
	struct evseq q;
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 1);
	struct history *h = feed(&q);
	char buf[256];
	struct narrate_input in = { .h = h, .sc = sc, .now = 100 * MS, .slow = 20 };
	narrate(&in, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "hog has held the GIL 5.0 ms; nobody waits for it.");
	history_destroy(h);
	scenario_free(sc);
}

/* Nobody holds it: everyone blocked; the end; no GIL at all. */
static void test_nobody_holds_it_and_the_end(void)
{
	struct scenario *sc = convoy();
	struct evseq q;
	evseq_init(&q);
	evseq_add(&q, 0, 1, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 1, 0, 1);
	evseq_add(&q, 1 * MS, 1, EV_OP_START, OP_IO, 1 * MS);
	evseq_add(&q, 1 * MS, 1, EV_GIL_RELEASE, 0, 0);
	struct history *h = feed(&q);
	char buf[256];
	say(h, sc, 1500000, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "Nobody holds the GIL: 1 blocked in I/O or sleep"));
	struct narrate_input in = { .h = h, .sc = sc, .now = 2 * MS, .slow = 1, .ended = true };
	narrate(&in, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "The run has ended.");
	in.ended = false;
	in.no_gil = true;
	narrate(&in, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "No GIL"));
	/* A short buffer is cut, never overrun. */
	char tiny[8];
	say(h, sc, 1500000, tiny, sizeof tiny);
	CU_ASSERT_EQUAL(strlen(tiny), 7);
	history_destroy(h);
	scenario_free(sc);
}

/* Free-threaded: the threads waiting for an object's lock and those
 * stopped by a gc are counted, when there are any. */
static void test_no_gil_counts_lock_waits_and_stops(void)
{
	struct scenario *sc = convoy();
	struct evseq q;
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 0, 1, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 1, 0, 0);
	evseq_add(&q, 1 * MS, 1, EV_LOCK_WAIT, 0, 0);
	struct history *h = feed(&q);
	char buf[256];
	struct narrate_input in = { .h = h, .sc = sc, .now = 2 * MS, .slow = 1, .no_gil = true };
	narrate(&in, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "No GIL: 1 thread runs Python at once, 1 waits for an object's lock, 0 in C code, 0 blocked.");
	history_destroy(h);
	evseq_init(&q);
	evseq_add(&q, 0, 0, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 0, 0, 0);
	evseq_add(&q, 0, 1, EV_THREAD_START, 0, 0);
	evseq_take(&q, 0, 1, 0, 0);
	h = feed(&q);
	in.h = h;
	narrate(&in, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "No GIL: 2 threads run Python at once, 0 in C code, 0 blocked.");
	history_destroy(h);
	scenario_free(sc);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(test_holder_and_waiter_and_the_drop_request),
	CU_TEST_ENTRY(test_slow_motion_says_the_scenarios_times),
	CU_TEST_ENTRY(test_nobody_holds_it_and_the_end),
	CU_TEST_ENTRY(test_no_gil_counts_lock_waits_and_stops),
	CU_TEST_END,
};

CU_MAIN("narrate", tests)
