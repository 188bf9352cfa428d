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

#include "ckpt.h"
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

/* A virtual run of two CPU threads at a 10 us interval: switches as
 * fast as the model goes, enough blocks for several checkpoints. */
static char *record_long_run(void)
{
	static const char text[] = "thread a { cpu 100s }\nthread b { cpu 100s }\n"
				   "thread c { repeat 100000 { io 1ms cpu 20us } }\n";
	char *path = xstrdup("/tmp/gilviz-test-ckpt-XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	struct gv_error err = { 0 };
	struct scenario *sc = scenario_parse(text, sizeof text - 1, "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	struct engine_options eo = { .policy = -1, .virtual_time = true, .cores = 2,
				     .interval_ns = 10000, .duration_ns = 20000000000LL };
	struct report_sinks sinks = { .record_path = path };
	FILE *out = fopen("/dev/null", "w");
	CU_ASSERT_EQUAL(report_run(sc, &eo, REPORT_JSON, out, &sinks, NULL, &err), 0);
	fclose(out);
	scenario_free(sc);
	return path;
}

/* A player that feeds every event from the start: its checkpoints
 * ignored, as a recording without them. */
static struct replay *open_one_pass(const char *path)
{
	struct gv_error err = { 0 };
	struct replay *r = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->t->nckpts = 0;
	return r;
}

/* Kept spans: a's, loaded from a checkpoint, are the last of b's (fed
 * every event), at least the last CKPT_SPANS of them, and the spans
 * forgotten make up the difference. */
static void same_recent_spans(const struct history_span *a, size_t na,
			      const struct history_span *b, size_t nb, size_t keep)
{
	CU_ASSERT_FATAL(na <= nb);
	CU_ASSERT(na >= (nb < keep ? nb : keep));
	for (size_t i = 0; i < na; i++) {
		const struct history_span *y = &b[nb - na + i];
		CU_ASSERT_EQUAL(a[i].t_start, y->t_start);
		CU_ASSERT_EQUAL(a[i].t_end, y->t_end);
		CU_ASSERT_EQUAL(a[i].state, y->state);
	}
}

/* Every figure of a (by checkpoint) and b (one pass) at t. */
static void same_model(struct replay *a, struct replay *b, uint64_t t)
{
	CU_ASSERT_EQUAL(a->c.events, b->c.events);
	CU_ASSERT_EQUAL(a->c.strays, b->c.strays);
	CU_ASSERT_EQUAL(a->fed >= b->fed ? a->fed : b->fed, a->fed);
	char *fa = figures(a, t), *fb = figures(b, t);
	CU_ASSERT_STRING_EQUAL(fa, fb);
	free(fa);
	free(fb);
	const struct consumer *x = &a->c, *y = &b->c;
	uint64_t now = replay_t_start(a) + t;
	size_t max = 1u << 17;
	struct history_span *sa = xmalloc(max * sizeof *sa), *sb = xmalloc(max * sizeof *sb);
	CU_ASSERT_EQUAL(stats_end_time(x->st), stats_end_time(y->st));
	CU_ASSERT_EQUAL(history_end_time(x->h), history_end_time(y->h));
	for (unsigned i = 0; i < stats_nthreads(x->st); i++) {
		struct stats_thread ta, tb;
		stats_thread(x->st, i, now, &ta);
		stats_thread(y->st, i, now, &tb);
		for (int k = 0; k < TS_COUNT; k++) {
			CU_ASSERT_EQUAL(ta.time_ns[k], tb.time_ns[k]);
			CU_ASSERT_EQUAL(ta.c.time_ns[k], tb.c.time_ns[k]);
		}
		CU_ASSERT_EQUAL(ta.c.acquisitions, tb.c.acquisitions);
		CU_ASSERT_EQUAL(ta.c.switches_in, tb.c.switches_in);
		CU_ASSERT_EQUAL(ta.c.forced_drops, tb.c.forced_drops);
		CU_ASSERT_EQUAL(ta.c.drop_requests, tb.c.drop_requests);
		CU_ASSERT_EQUAL(ta.c.failed_wakeups, tb.c.failed_wakeups);
		CU_ASSERT_EQUAL(ta.c.lost, tb.c.lost);
		CU_ASSERT_EQUAL(ta.c.waits, tb.c.waits);
		CU_ASSERT_EQUAL(ta.c.wait_sum_ns, tb.c.wait_sum_ns);
		CU_ASSERT_EQUAL(ta.wall_ns, tb.wall_ns);
		CU_ASSERT_EQUAL(ta.wait_p50_ns, tb.wait_p50_ns);
		CU_ASSERT_EQUAL(ta.wait_p99_ns, tb.wait_p99_ns);
		CU_ASSERT_EQUAL(ta.wait_max_ns, tb.wait_max_ns);
		CU_ASSERT_EQUAL(ta.switch_wait_p50_ns, tb.switch_wait_p50_ns);
		CU_ASSERT_EQUAL(ta.switch_wait_p99_ns, tb.switch_wait_p99_ns);
		for (int k = 0; k < STATS_HIST_BINS; k++)
			CU_ASSERT_EQUAL(ta.hist[k], tb.hist[k]);
		CU_ASSERT_EQUAL(ta.waiting_now_ns, tb.waiting_now_ns);
		CU_ASSERT_EQUAL(ta.starving, tb.starving);
		CU_ASSERT_EQUAL(ta.state, tb.state);
		for (int p = 1; p < 100; p += 7)
			CU_ASSERT_EQUAL(stats_wait_percentile(x->st, i, p / 100.0),
					stats_wait_percentile(y->st, i, p / 100.0));
		CU_ASSERT_EQUAL(history_state(x->h, i), history_state(y->h, i));
		CU_ASSERT_EQUAL(history_lost(x->h, i), history_lost(y->h, i));
		size_t na = history_spans(x->h, i, 0, UINT64_MAX, now, sa, max);
		size_t nb = history_spans(y->h, i, 0, UINT64_MAX, now, sb, max);
		same_recent_spans(sa, na, sb, nb, CKPT_SPANS);
		CU_ASSERT_EQUAL(history_forgotten(x->h, i) + na, history_forgotten(y->h, i) + nb);
	}
	for (unsigned g = 0; g < stats_ngils(x->st); g++) {
		struct stats_gil ga, gb;
		stats_gil(x->st, g, t, &ga);
		stats_gil(y->st, g, t, &gb);
		CU_ASSERT_EQUAL(memcmp(&ga.c, &gb.c, sizeof ga.c), 0);
		CU_ASSERT_EQUAL(ga.interval_ns, gb.interval_ns);
	}
	CU_ASSERT_EQUAL(history_marks_total(x->h), history_marks_total(y->h));
	CU_ASSERT_EQUAL(history_handoffs_total(x->h), history_handoffs_total(y->h));
	static struct history_mark ma[HISTORY_DEFAULT_MARKS], mb[HISTORY_DEFAULT_MARKS];
	size_t nma = history_marks(x->h, 0, UINT64_MAX, ma, HISTORY_DEFAULT_MARKS);
	size_t nmb = history_marks(y->h, 0, UINT64_MAX, mb, HISTORY_DEFAULT_MARKS);
	CU_ASSERT_FATAL(nma <= nmb && nma >= (nmb < CKPT_MARKS ? nmb : CKPT_MARKS));
	for (size_t i = 0; i < nma; i++) {
		const struct history_mark *p = &ma[i], *q = &mb[nmb - nma + i];
		CU_ASSERT(p->t == q->t && p->arg == q->arg && p->tid == q->tid &&
			  p->gil == q->gil && p->type == q->type);
	}
	static struct history_handoff ha[HISTORY_DEFAULT_HANDOFFS], hb[HISTORY_DEFAULT_HANDOFFS];
	size_t nha = history_handoffs(x->h, 0, UINT64_MAX, ha, HISTORY_DEFAULT_HANDOFFS);
	size_t nhb = history_handoffs(y->h, 0, UINT64_MAX, hb, HISTORY_DEFAULT_HANDOFFS);
	CU_ASSERT_FATAL(nha <= nhb && nha >= (nhb < CKPT_MARKS ? nhb : CKPT_MARKS));
	for (size_t i = 0; i < nha; i++)
		CU_ASSERT_EQUAL(memcmp(&ha[i], &hb[nhb - nha + i], sizeof ha[i]), 0);
	free(sa);
	free(sb);
}

/* Seeks in any order, by checkpoint, in the recording at path hold the
 * model a one-pass replay to the same time holds; the replay goes on from
 * there alike too. */
static void seeks_hold_the_one_pass_model(const char *path, size_t min_ckpts)
{
	struct gv_error err = { 0 };
	struct replay *a = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_FATAL(a->t->nckpts >= min_ckpts);
	CU_ASSERT_PTR_NULL(a->t->warning);
	uint64_t len = replay_length(a);
	const uint64_t at[] = { len, len / 2, len / 7, len / 3 * 2, 0, len / 10 * 9,
				len / 5 };
	for (size_t i = 0; i < GV_ARRAY_LEN(at); i++) {
		struct replay *b = open_one_pass(path);
		replay_seek(a, at[i]);
		replay_seek(b, at[i]);
		same_model(a, b, at[i]);
		/* ... and on by a little, fed alike. */
		replay_seek(a, at[i] + len / 50);
		replay_seek(b, at[i] + len / 50);
		same_model(a, b, at[i] + len / 50);
		replay_close(b);
	}
	CU_ASSERT(a->ckpt_loads >= 4);
	CU_ASSERT_PTR_NULL(a->ckpt_warning);
	replay_close(a);
}

static void test_checkpoint_seeks_hold_the_one_pass_model(void)
{
	char *path = record_long_run();
	seeks_hold_the_one_pass_model(path, 3);
	unlink(path);
	free(path);
}

/* Blocks as small as real time writes them (one at least every 250 ms:
 * a few hundred events) get a checkpoint every TRACE_CKPT_EVENTS events,
 * not every TRACE_CKPT_BLOCKS blocks, which in real time made the
 * checkpoints half of a recording's bytes. The long run's events written
 * again by a consumer in blocks of 100 have checkpoints at least that
 * many events apart, about as many as in full blocks, and seeks by them
 * hold the one-pass model. */
static void test_small_blocks_checkpoint_by_events(void)
{
	char *full = record_long_run();
	struct gv_error err = { 0 };
	struct replay *a = replay_open(full, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	char *small = xstrdup("/tmp/gilviz-test-small-XXXXXX");
	int fd = mkstemp(small);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	struct consumer c;
	consumer_init(&c, a->sc, 0);
	c.rec = trace_writer_open(small, &a->t->meta, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.rec);
	struct event *evs = xmalloc(TRACE_BLOCK_EVENTS * sizeof *evs);
	for (size_t b = 0; b < a->t->nblocks; b++) {
		long n = trace_read_block(a->t, b, evs, &err);
		CU_ASSERT_FATAL(n > 0);
		for (long i = 0; i < n; i += 100) {
			size_t k = n - i < 100 ? (size_t)(n - i) : 100;
			consumer_take(&c, evs + i, k, a->t->blocks[b].dropped);
			CU_ASSERT_FATAL(trace_writer_flush(c.rec, true, &err) == 0);
		}
	}
	CU_ASSERT_FATAL(c.failed == 0);
	CU_ASSERT_EQUAL_FATAL(trace_writer_close(c.rec, a->t->elapsed_ns, c.events, a->t->dropped,
						 0, &err), 0);
	c.rec = NULL;
	consumer_fini(&c);
	size_t full_ckpts = a->t->nckpts;
	replay_close(a);
	free(evs);

	struct trace *t = trace_open(small, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_FATAL(t->nblocks > 40 * (size_t)full_ckpts * TRACE_CKPT_BLOCKS);
	CU_ASSERT(t->nckpts >= full_ckpts - 1 && t->nckpts <= full_ckpts + 1);
	uint64_t before = 0, last = 0;
	size_t k = 0;
	for (size_t b = 0; b <= t->nblocks && k < t->nckpts; b++) {
		while (k < t->nckpts && t->ckpts[k].blocks == b) {
			CU_ASSERT(before - last >= TRACE_CKPT_EVENTS);
			last = before;
			k++;
		}
		if (b < t->nblocks)
			before += t->blocks[b].count;
	}
	CU_ASSERT_EQUAL(k, t->nckpts);
	trace_close(t);
	seeks_hold_the_one_pass_model(small, 3);
	unlink(small);
	free(small);
	unlink(full);
	free(full);
}

/* A damaged checkpoint is passed over for the one before it, with a
 * warning; with every one damaged the seek feeds from the start. */
static void test_a_damaged_checkpoint_falls_back(void)
{
	char *path = record_long_run();
	struct gv_error err = { 0 };
	struct replay *a = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	size_t n = a->t->nckpts;
	CU_ASSERT_FATAL(n >= 3);
	uint64_t off[64];
	for (size_t i = 0; i < n && i < 64; i++)
		off[i] = a->t->ckpts[i].offset;
	uint64_t len = replay_length(a);
	replay_close(a);
	/* One byte of the last checkpoint's compressed state flipped. */
	FILE *f = fopen(path, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, (long)off[n - 1] + 60, SEEK_SET);
	int c = fgetc(f);
	fseek(f, (long)off[n - 1] + 60, SEEK_SET);
	fputc(c ^ 0x20, f);
	fflush(f);
	a = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	struct replay *b = open_one_pass(path);
	replay_seek(a, len);
	replay_seek(b, len);
	same_model(a, b, len);
	CU_ASSERT_EQUAL(a->ckpt_loads, 1);
	CU_ASSERT_PTR_NOT_NULL(a->ckpt_warning);
	CU_ASSERT_PTR_NOT_NULL(a->ckpt_warning && strstr(a->ckpt_warning, "damaged"));
	replay_close(a);
	replay_close(b);
	/* Every one damaged: one pass from the start. */
	for (size_t i = 0; i + 1 < n && i < 64; i++) {
		fseek(f, (long)off[i] + 60, SEEK_SET);
		c = fgetc(f);
		fseek(f, (long)off[i] + 60, SEEK_SET);
		fputc(c ^ 0x20, f);
	}
	fclose(f);
	a = replay_open(path, 0, &err);
	b = open_one_pass(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	replay_seek(a, len / 2);
	replay_seek(a, len);
	replay_seek(a, len / 3);
	replay_seek(b, len / 3);
	same_model(a, b, len / 3);
	CU_ASSERT_EQUAL(a->ckpt_loads, 0);
	CU_ASSERT_EQUAL(a->rebuilds, 1);
	CU_ASSERT_PTR_NOT_NULL(a->ckpt_warning);
	replay_close(a);
	replay_close(b);
	unlink(path);
	free(path);
}

/* A checkpoint's state cut short or with a byte changed (damage behind a
 * good checksum: a writer's bug, a crafted file) is refused or loads
 * into a model that still takes events; never read out of bounds (the
 * sanitizer builds run this). */
static void test_a_damaged_state_is_refused_or_harmless(void)
{
	char *path = record_long_run();
	struct gv_error err = { 0 };
	struct replay *r = replay_open(path, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->t->nckpts >= 1);
	void *state;
	long len = trace_read_checkpoint(r->t, 0, &state, &err);
	CU_ASSERT_FATAL(len > 0);
	struct event *evs = xmalloc(TRACE_BLOCK_EVENTS * sizeof *evs);
	long nev = trace_read_block(r->t, r->t->ckpts[0].blocks, evs, &err);
	CU_ASSERT_FATAL(nev > 0);
	struct consumer c;
	consumer_init(&c, r->sc, 0);
	CU_ASSERT_EQUAL(consumer_load(&c, state, (size_t)len), 0);
	consumer_fini(&c);
	for (long cut = 0; cut < len; cut += len / 97 + 1) {
		consumer_init(&c, r->sc, 0);
		CU_ASSERT_EQUAL(consumer_load(&c, state, (size_t)cut), -1);
		consumer_fini(&c);
	}
	unsigned char *bytes = state;
	uint64_t seed = 12345;
	unsigned refused = 0;
	for (int i = 0; i < 400; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t at = (size_t)(seed >> 33) % (size_t)len;
		unsigned char was = bytes[at];
		bytes[at] = (unsigned char)(was ^ (1u << ((seed >> 20) & 7)));
		consumer_init(&c, r->sc, 0);
		if (consumer_load(&c, state, (size_t)len) == 0)
			consumer_take(&c, evs, (size_t)nev, 0);
		else
			refused++;
		consumer_fini(&c);
		bytes[at] = was;
	}
	CU_ASSERT(refused > 0);
	free(evs);
	free(state);
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
	CU_TEST_ENTRY(test_checkpoint_seeks_hold_the_one_pass_model),
	CU_TEST_ENTRY(test_small_blocks_checkpoint_by_events),
	CU_TEST_ENTRY(test_a_damaged_checkpoint_falls_back),
	CU_TEST_ENTRY(test_a_damaged_state_is_refused_or_harmless),
	CU_TEST_END,
};

CU_MAIN("replay", tests)
