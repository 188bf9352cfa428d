/*
 * test_compare.c -- one scenario under several policies, a column each.
 *
 * Lesson 15 (the convoy) in virtual time: the comparison must show what
 * each design does to the server's wait, and each column must be the run
 * that policy alone would make with the same seed. A sweep over the
 * policies (and the interval) makes the same runs, a row each.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cu.h"
#include "scenario.h"

#define MS 1000000ULL

static struct scenario *lesson(const char *name)
{
	const char *d = getenv("top_srcdir");
	char path[1024];
	snprintf(path, sizeof path, "%s/scenarios/%s", d && *d ? d : ".", name);
	struct gv_error err;
	struct scenario *sc = scenario_load(path, &err);
	if (!sc)
		fprintf(stderr, "\n  %s: %s\n", path, err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	return sc;
}

static struct engine_options virtual_opts(void)
{
	struct engine_options o = { .policy = -1, .virtual_time = true, .cores = 2, .seed = 7,
				    .duration_ns = (int64_t)(3000 * MS) };
	return o;
}

static size_t thread_index(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nthreads; i++)
		if (!strcmp(sc->threads[i].name, name))
			return i;
	CU_FAIL_FATAL("no such thread");
	return 0;
}

static void parse_takes_a_list_of_distinct_policies(void)
{
	struct compare_spec sp;
	char msg[256];
	CU_ASSERT_EQUAL(compare_parse("new,bfs,priority", 2, &sp, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(sp.n, 3);
	CU_ASSERT_EQUAL(sp.policy[0], GIL_NEW);
	CU_ASSERT_EQUAL(sp.policy[1], GIL_BFS);
	CU_ASSERT_EQUAL(sp.policy[2], GIL_PRIORITY);
	CU_ASSERT_EQUAL(compare_parse("new,new", 2, &sp, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "twice"));
	CU_ASSERT_EQUAL(compare_parse("new,fast", 2, &sp, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown policy 'fast'"));
	CU_ASSERT_EQUAL(compare_parse("new,", 2, &sp, msg, sizeof msg), -1);
	CU_ASSERT_EQUAL(compare_parse("new", 2, &sp, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "at least 2"));
	CU_ASSERT_EQUAL(compare_parse("ruby", 1, &sp, msg, sizeof msg), 0);
}

/* The server's p50 wait: about one interval under new, well under 1 ms
 * under priority and bfs, about the quantum under ruby (counted in 10 ms
 * ticks: one tick at the lesson's 5 ms). */
static void convoy_columns_show_each_design(void)
{
	struct scenario *sc = lesson("15-convoy-designs.gil");
	struct compare_spec sp;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(compare_parse("new,bfs,priority,ruby", 2, &sp, msg, sizeof msg), 0);
	struct engine_options o = virtual_opts();
	struct compare_result r;
	struct gv_error err;
	CU_ASSERT_EQUAL_FATAL(compare_run(sc, &o, &sp, &r, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(r.n, 4);
	size_t s = thread_index(sc, "server"), h = thread_index(sc, "hog");
	for (unsigned i = 0; i < r.n; i++) {
		CU_ASSERT_EQUAL(r.cols[i].policy, sp.policy[i]);
		CU_ASSERT_EQUAL(r.cols[i].interval_ns, (int64_t)(5 * MS));
		CU_ASSERT_EQUAL(r.cols[i].elapsed_ns, (int64_t)(3000 * MS));
		/* The hog holds the GIL most of the run under every design. */
		CU_ASSERT(r.cols[i].hold_ns[h] > 27 * 100 * MS);
	}
	CU_ASSERT(r.cols[0].wait_p50_ns[s] >= 5 * MS && r.cols[0].wait_p50_ns[s] < 6 * MS);
	CU_ASSERT(r.cols[1].wait_p50_ns[s] < MS / 5);
	CU_ASSERT(r.cols[2].wait_p50_ns[s] < MS / 5);
	CU_ASSERT(r.cols[3].wait_p50_ns[s] >= 10 * MS && r.cols[3].wait_p50_ns[s] < 11 * MS);
	/* Preempting the hog lets the server make its round trips: more
	 * switches, and a larger share of the GIL. */
	CU_ASSERT(r.cols[1].switches_per_s > 4 * r.cols[0].switches_per_s);
	CU_ASSERT(r.cols[1].hold_ns[s] > 4 * r.cols[0].hold_ns[s]);
	CU_ASSERT(strstr(r.time_mode, "seed 7, 2 cores") != NULL);
	compare_result_free(&r);
	scenario_free(sc);
}

/* A column is the run the policy makes alone with the same options. */
static void a_column_is_the_policy_run_alone(void)
{
	struct scenario *sc = lesson("05-convoy-two-hogs.gil");
	struct compare_spec sp;
	char msg[256], tm[96];
	CU_ASSERT_EQUAL_FATAL(compare_parse("fifo,bfs", 2, &sp, msg, sizeof msg), 0);
	struct engine_options o = virtual_opts();
	struct compare_result r;
	struct gv_error err;
	CU_ASSERT_EQUAL_FATAL(compare_run(sc, &o, &sp, &r, NULL, &err), 0);
	o.policy = GIL_BFS;
	struct sweep_row alone = { 0 };
	CU_ASSERT_EQUAL_FATAL(sweep_run_one(sc, &o, &alone, tm, sizeof tm, NULL, &err), 0);
	CU_ASSERT_EQUAL(alone.switches, r.cols[1].switches);
	CU_ASSERT_EQUAL(alone.forced_switches, r.cols[1].forced_switches);
	for (size_t t = 0; t < sc->nthreads; t++) {
		CU_ASSERT_EQUAL(alone.wait_p50_ns[t], r.cols[1].wait_p50_ns[t]);
		CU_ASSERT_EQUAL(alone.wait_p99_ns[t], r.cols[1].wait_p99_ns[t]);
		CU_ASSERT_EQUAL(alone.hold_ns[t], r.cols[1].hold_ns[t]);
	}
	CU_ASSERT_NOT_EQUAL(r.cols[0].switches, r.cols[1].switches);
	sweep_row_free(&alone);
	compare_result_free(&r);
	scenario_free(sc);
}

/* The table has a column per policy and a row per thread's figure; the
 * JSON has the same figures. */
static void print_lays_out_a_column_per_policy(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct compare_spec sp;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(compare_parse("new,priority", 2, &sp, msg, sizeof msg), 0);
	struct engine_options o = virtual_opts();
	o.duration_ns = (int64_t)(500 * MS);
	struct compare_result r;
	struct gv_error err;
	CU_ASSERT_EQUAL_FATAL(compare_run(sc, &o, &sp, &r, NULL, &err), 0);
	char *text = NULL, *json = NULL;
	size_t tl, jl;
	FILE *f = open_memstream(&text, &tl);
	compare_print(f, false, &r);
	fclose(f);
	f = open_memstream(&json, &jl);
	compare_print(f, true, &r);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "new    priority\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nserver wait p50 ms "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nhog hold % "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nswitches/s "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nwall s "));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"policy\": \"new\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"policy\": \"priority\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"hold_share\": "));
	CU_ASSERT_PTR_NULL(strstr(json, "wall"));
	free(text);
	free(json);
	compare_result_free(&r);
	scenario_free(sc);
}

/* A stop before the first run: no column, no error. */
static void a_stop_ends_the_comparison_early(void)
{
	struct scenario *sc = lesson("04-convoy.gil");
	struct compare_spec sp;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(compare_parse("new,bfs", 2, &sp, msg, sizeof msg), 0);
	struct engine_options o = virtual_opts();
	struct compare_result r;
	struct gv_error err;
	volatile sig_atomic_t stop = 1;
	CU_ASSERT_EQUAL(compare_run(sc, &o, &sp, &r, &stop, &err), 0);
	CU_ASSERT_EQUAL(r.n, 0);
	compare_result_free(&r);
	scenario_free(sc);
}

/* --sweep policy=... --sweep interval=...: two dimensions, merged. */
static void sweep_parses_the_policy_dimension(void)
{
	struct sweep_spec sp = { 0 };
	char msg[256];
	CU_ASSERT_EQUAL(sweep_parse("policy=new,bfs,ruby", &sp, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(sp.npolicies, 3);
	CU_ASSERT_EQUAL(sp.policies[2], GIL_RUBY);
	CU_ASSERT_EQUAL(sp.points, 0);
	CU_ASSERT_EQUAL(sweep_runs(&sp), 3);
	CU_ASSERT_EQUAL(sweep_parse("interval=1ms..4ms:3", &sp, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(sp.npolicies, 3);
	CU_ASSERT_EQUAL(sp.points, 3);
	CU_ASSERT_EQUAL(sweep_runs(&sp), 9);
	CU_ASSERT_EQUAL(sweep_parse("policy=bfs,fast", &sp, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown policy 'fast'"));
	CU_ASSERT_EQUAL(sweep_parse("duration=1s..2s", &sp, msg, sizeof msg), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "only the interval and the policy"));
}

/* Every interval under every policy, policy by policy; each row the
 * policy's run at that interval. On lesson 15 the server's p50 wait
 * follows the interval under new and stays well under 1 ms under bfs. */
static void sweep_runs_every_interval_under_every_policy(void)
{
	struct scenario *sc = lesson("15-convoy-designs.gil");
	struct sweep_spec sp = { 0 };
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(sweep_parse("policy=new,bfs", &sp, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL_FATAL(sweep_parse("interval=2ms..20ms:2", &sp, msg, sizeof msg), 0);
	struct engine_options o = virtual_opts();
	o.duration_ns = (int64_t)(1000 * MS);
	struct sweep_result r;
	struct gv_error err;
	CU_ASSERT_EQUAL_FATAL(sweep_run(sc, &o, &sp, &r, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(r.nrows, 4);
	size_t s = thread_index(sc, "server");
	static const enum gil_policy pol[] = { GIL_NEW, GIL_NEW, GIL_BFS, GIL_BFS };
	static const int64_t iv[] = { 2 * MS, 20 * MS, 2 * MS, 20 * MS };
	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(r.rows[i].policy, pol[i]);
		CU_ASSERT_EQUAL(r.rows[i].interval_ns, iv[i]);
	}
	CU_ASSERT(r.rows[0].wait_p50_ns[s] >= 2 * MS && r.rows[0].wait_p50_ns[s] < 3 * MS);
	CU_ASSERT(r.rows[1].wait_p50_ns[s] >= 20 * MS && r.rows[1].wait_p50_ns[s] < 22 * MS);
	CU_ASSERT(r.rows[2].wait_p50_ns[s] < MS / 5);
	CU_ASSERT(r.rows[3].wait_p50_ns[s] < MS / 5);
	CU_ASSERT_PTR_NULL(r.policy);
	char *csv = NULL;
	size_t len;
	FILE *f = open_memstream(&csv, &len);
	sweep_print(f, SWEEP_CSV, &r);
	fclose(f);
	CU_ASSERT_EQUAL(strncmp(csv, "policy,interval_s,", 18), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nbfs,0.020000,"));
	free(csv);
	sweep_result_free(&r);
	scenario_free(sc);
}

/* A sweep's (or a comparison's) output as JSON, made with jobs workers. */
static char *sweep_json(const struct scenario *sc, unsigned jobs, bool compare)
{
	char msg[256], *out = NULL;
	size_t len;
	struct engine_options o = virtual_opts();
	o.duration_ns = (int64_t)(500 * MS);
	struct gv_error err;
	FILE *f = open_memstream(&out, &len);
	if (compare) {
		struct compare_spec cp;
		CU_ASSERT_EQUAL_FATAL(compare_parse("new,bfs,fifo,ruby", 2, &cp, msg, sizeof msg), 0);
		cp.jobs = jobs;
		struct compare_result r;
		CU_ASSERT_EQUAL_FATAL(compare_run(sc, &o, &cp, &r, NULL, &err), 0);
		CU_ASSERT_EQUAL(r.n, 4);
		compare_print(f, true, &r);
		compare_result_free(&r);
	} else {
		struct sweep_spec sp = { .jobs = jobs };
		CU_ASSERT_EQUAL_FATAL(sweep_parse("policy=new,bfs", &sp, msg, sizeof msg), 0);
		CU_ASSERT_EQUAL_FATAL(sweep_parse("interval=1ms..20ms:5", &sp, msg, sizeof msg), 0);
		struct sweep_result r;
		CU_ASSERT_EQUAL_FATAL(sweep_run(sc, &o, &sp, &r, NULL, &err), 0);
		CU_ASSERT_EQUAL(r.nrows, 10);
		sweep_print(f, SWEEP_JSON, &r);
		sweep_result_free(&r);
	}
	fclose(f);
	return out;
}

/* Runs on every core at once give the same bytes as one after another,
 * whichever run finishes first. */
static void parallel_runs_print_the_same_bytes_as_serial(void)
{
	struct scenario *sc = lesson("15-convoy-designs.gil");
	struct engine_options o = virtual_opts();
	CU_ASSERT_EQUAL(sweep_workers(&o, 4, 10), 4);
	CU_ASSERT_EQUAL(sweep_workers(&o, 4, 2), 2);
	o.virtual_time = false;
	CU_ASSERT_EQUAL(sweep_workers(&o, 4, 10), 1);
	for (int c = 0; c < 2; c++) {
		char *one = sweep_json(sc, 1, c), *four = sweep_json(sc, 4, c),
		     *three = sweep_json(sc, 3, c);
		CU_ASSERT_STRING_EQUAL(one, four);
		CU_ASSERT_STRING_EQUAL(one, three);
		free(one);
		free(four);
		free(three);
	}
	scenario_free(sc);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(parse_takes_a_list_of_distinct_policies),
	CU_TEST_ENTRY(convoy_columns_show_each_design),
	CU_TEST_ENTRY(a_column_is_the_policy_run_alone),
	CU_TEST_ENTRY(print_lays_out_a_column_per_policy),
	CU_TEST_ENTRY(a_stop_ends_the_comparison_early),
	CU_TEST_ENTRY(sweep_parses_the_policy_dimension),
	CU_TEST_ENTRY(sweep_runs_every_interval_under_every_policy),
	CU_TEST_ENTRY(parallel_runs_print_the_same_bytes_as_serial),
	CU_TEST_END,
};

CU_MAIN("compare", tests)
