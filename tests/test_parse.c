/*
 * test_parse.c -- the scenario file format: what each construct parses
 * to, and every error with its exact place and message.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "scenario.h"

/* ---------------------------------------------------------------- */
/* Helpers                                                          */
/* ---------------------------------------------------------------- */

static struct scenario *parse_ok(const char *text)
{
	struct gv_error err = { .msg = "" };
	struct scenario *sc = scenario_parse(text, strlen(text), "t.gil", &err);
	if (!sc) {
		char buf[800];
		gv_error_format(&err, buf, sizeof buf);
		fprintf(stderr, "\n  unexpected error: %s\n", buf);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	return sc;
}

/* Parses len bytes as "x.gil" and checks the formatted error is exactly
 * want. Prints both when they differ, to make a failure readable. */
static void check_error_len(const char *text, size_t len, const char *want)
{
	struct gv_error err = { .msg = "" };
	struct scenario *sc = scenario_parse(text, len, "x.gil", &err);
	CU_ASSERT_PTR_NULL(sc);
	scenario_free(sc);
	char got[800];
	gv_error_format(&err, got, sizeof got);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n  want: %s\n  got:  %s\n", want, got);
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void check_error(const char *text, const char *want)
{
	check_error_len(text, strlen(text), want);
}

/* A growable string for the texts over the limits. */
struct sb {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static void sb_repeat(struct sb *b, const char *s, size_t times)
{
	for (size_t i = 0; i < times; i++)
		sb_add(b, s);
}

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

#define OPS_EXPECTED "cpu, spin, io, sleep, native, native_hold, gc, put, get, await, import_unsafe, repeat, forever, with"

/* ---------------------------------------------------------------- */
/* The model                                                        */
/* ---------------------------------------------------------------- */

static void every_leaf_op_parses_with_its_duration(void)
{
	struct scenario *sc = parse_ok(
		"thread t {\n"
		"  cpu 10s\n"
		"  spin 1.5ms\n"
		"  io 250us\n"
		"  sleep 7ns\n"
		"  native 2ms\n"
		"  native_hold 0.5s\n"
		"}\n");
	CU_ASSERT_EQUAL_FATAL(sc->nthreads, 1);
	const struct sc_thread *t = &sc->threads[0];
	CU_ASSERT_STRING_EQUAL(t->name, "t");
	CU_ASSERT_EQUAL_FATAL(t->nops, 6);
	static const struct { enum op_kind kind; int64_t ns; } want[] = {
		{ OP_CPU, 10000000000LL }, { OP_SPIN, 1500000 },
		{ OP_IO, 250000 }, { OP_SLEEP, 7 },
		{ OP_NATIVE, 2000000 }, { OP_NATIVE_HOLD, 500000000 },
	};
	for (size_t i = 0; i < GV_ARRAY_LEN(want); i++) {
		CU_ASSERT_EQUAL(t->ops[i].kind, want[i].kind);
		CU_ASSERT_EQUAL(t->ops[i].ns, want[i].ns);
		CU_ASSERT_EQUAL(t->ops[i].line, (int)i + 2);
		CU_ASSERT_EQUAL(t->ops[i].col, 3);
		CU_ASSERT_PTR_NULL(t->ops[i].body);
	}
	scenario_free(sc);
}

static void repeat_and_forever_hold_their_bodies(void)
{
	struct scenario *sc = parse_ok(
		"thread t {\n"
		"  repeat 200 {\n"
		"    io 1ms\n"
		"    cpu 50us\n"
		"  }\n"
		"  forever { sleep 1s; repeat 3 { spin 1ms } }\n"
		"}\n");
	const struct sc_thread *t = &sc->threads[0];
	CU_ASSERT_EQUAL_FATAL(t->nops, 2);
	const struct op *r = &t->ops[0];
	CU_ASSERT_EQUAL(r->kind, OP_REPEAT);
	CU_ASSERT_EQUAL(r->count, 200);
	CU_ASSERT_EQUAL_FATAL(r->nbody, 2);
	CU_ASSERT_EQUAL(r->body[0].kind, OP_IO);
	CU_ASSERT_EQUAL(r->body[0].ns, 1000000);
	CU_ASSERT_EQUAL(r->body[1].kind, OP_CPU);
	CU_ASSERT_EQUAL(r->body[1].ns, 50000);
	const struct op *f = &t->ops[1];
	CU_ASSERT_EQUAL(f->kind, OP_FOREVER);
	CU_ASSERT_EQUAL(f->line, 6);
	CU_ASSERT_EQUAL(f->col, 3);
	CU_ASSERT_EQUAL_FATAL(f->nbody, 2);
	CU_ASSERT_EQUAL(f->body[0].kind, OP_SLEEP);
	CU_ASSERT_EQUAL(f->body[1].kind, OP_REPEAT);
	CU_ASSERT_EQUAL(f->body[1].count, 3);
	CU_ASSERT_EQUAL_FATAL(f->body[1].nbody, 1);
	CU_ASSERT_EQUAL(f->body[1].body[0].kind, OP_SPIN);
	CU_ASSERT_EQUAL(f->body[1].body[0].col, 34);
	scenario_free(sc);
}

static void directives_set_the_scenario(void)
{
	struct scenario *sc = parse_ok(
		"title \"Convoy: \\\"quoted\\\" and \\\\ slash\"\n"
		"note  \"Watch # this is not a comment\"\n"
		"gil legacy\n"
		"interval 1.5ms\n"
		"checkinterval 1000\n"
		"duration 10s\n"
		"cores 3\n"
		"thread t { cpu 1s }\n");
	CU_ASSERT_STRING_EQUAL(sc->title, "Convoy: \"quoted\" and \\ slash");
	CU_ASSERT_STRING_EQUAL(sc->note, "Watch # this is not a comment");
	CU_ASSERT_EQUAL(sc->policy, GIL_LEGACY);
	CU_ASSERT_EQUAL(sc->interval_ns, 1500000);
	CU_ASSERT_EQUAL(sc->checkinterval, 1000);
	CU_ASSERT_EQUAL(sc->duration_ns, 10000000000LL);
	CU_ASSERT_EQUAL(sc->cores, 3);
	scenario_free(sc);
}

/* Free-threaded CPython's single-thread slowdown: 8% unless the file
 * says, a percentage with one decimal at most, from 0% to 100%. */
static void slowdown_is_a_percentage_with_a_default(void)
{
	struct scenario *sc = parse_ok("thread t { cpu 1ms }");
	CU_ASSERT_EQUAL(sc->slowdown_permille, 80);
	scenario_free(sc);
	sc = parse_ok("slowdown 1.5%\nthread t { cpu 1ms }");
	CU_ASSERT_EQUAL(sc->slowdown_permille, 15);
	scenario_free(sc);
	sc = parse_ok("slowdown 0%\nthread t { cpu 1ms }");
	CU_ASSERT_EQUAL(sc->slowdown_permille, 0);
	scenario_free(sc);
	check_error("slowdown 8\nthread t { cpu 1ms }",
		    "x.gil:1:10: expected a percentage such as 8% (with its %), got '8'");
	check_error("slowdown 1.25%\nthread t { cpu 1ms }",
		    "x.gil:1:10: expected a percentage such as 8% or 1.5% (one decimal at most), got '1.25%'");
	check_error("slowdown 101%\nthread t { cpu 1ms }",
		    "x.gil:1:10: slowdown must be between 0% and 100%, got '101%'");
	check_error("slowdown\nthread t { cpu 1ms }",
		    "x.gil:1:9: expected a percentage such as 8% after 'slowdown', got end of line");
}

/* Threads start one by one unless the file says 'startup together'. */
static void startup_is_one_by_one_or_together(void)
{
	struct scenario *sc = parse_ok("thread t { cpu 1ms }");
	CU_ASSERT_EQUAL(sc->startup, SC_START_ONE_BY_ONE);
	scenario_free(sc);
	sc = parse_ok("startup together\nthread t { cpu 1ms }");
	CU_ASSERT_EQUAL(sc->startup, SC_START_TOGETHER);
	scenario_free(sc);
	sc = parse_ok("startup one-by-one\nthread t { cpu 1ms }");
	CU_ASSERT_EQUAL(sc->startup, SC_START_ONE_BY_ONE);
	scenario_free(sc);
	check_error("startup  staggered\nthread t { cpu 1ms }",
		    "x.gil:1:10: unknown startup 'staggered' (expected one-by-one or together)");
	check_error("startup\nthread t { cpu 1ms }",
		    "x.gil:1:8: expected 'one-by-one' or 'together' after 'startup', got end of line");
	check_error("startup together now\nthread t { cpu 1ms }",
		    "x.gil:1:18: unexpected 'now' after the value of 'startup' (expected end of line or ';')");
}

static void gil_policies_are_new_legacy_none(void)
{
	struct scenario *sc = parse_ok("gil none\nthread t { cpu 1s }\n");
	CU_ASSERT_EQUAL(sc->policy, GIL_NONE);
	scenario_free(sc);
	sc = parse_ok("gil new\nthread t { cpu 1s }\n");
	CU_ASSERT_EQUAL(sc->policy, GIL_NEW);
	scenario_free(sc);
}

static void defaults_apply_when_directives_are_absent(void)
{
	struct gv_error err;
	const char *text = "thread t { cpu 1s }";
	struct scenario *sc = scenario_parse(text, strlen(text),
					     "some/dir/convoy.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_EQUAL(sc->policy, GIL_NEW);
	CU_ASSERT_EQUAL(sc->interval_ns, 5000000);
	CU_ASSERT_EQUAL(sc->checkinterval, 100);
	CU_ASSERT_EQUAL(sc->duration_ns, 0);
	CU_ASSERT_EQUAL(sc->cores, 0);
	CU_ASSERT_STRING_EQUAL(sc->title, "convoy.gil");
	CU_ASSERT_STRING_EQUAL(sc->note, "");
	CU_ASSERT_STRING_EQUAL(sc->file, "some/dir/convoy.gil");
	CU_ASSERT_STRING_EQUAL(sc->text, text);
	CU_ASSERT_EQUAL(sc->nprocs, 1);
	CU_ASSERT_STRING_EQUAL(sc->procs[0].name, "main");
	CU_ASSERT_EQUAL(sc->threads[0].process, 0);
	CU_ASSERT_EQUAL(sc->threads[0].start_ns, 0);
	scenario_free(sc);
}

static void text_need_not_be_nul_terminated(void)
{
	const char text[] = "thread t { cpu 1s }XXXX";
	struct gv_error err;
	struct scenario *sc = scenario_parse(text, 19, "t.gil", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->text, "thread t { cpu 1s }");
	scenario_free(sc);
}

static void comments_and_one_line_blocks(void)
{
	struct scenario *sc = parse_ok(
		"# a comment line\n"
		"   # an indented one\n"
		"thread a { cpu 1s } # after a block\n"
		"thread b { cpu 1ms; io 2ms ;; sleep 3ms native 4ms }\n"
		"thread c {# right after the brace\n"
		"  repeat 2 { cpu 1ms } forever { io 1ms }\n"
		"}\n"
		"process p { thread q { cpu 1s } }\n"
		"gil new; interval 2ms # two directives\n");
	CU_ASSERT_EQUAL_FATAL(sc->nthreads, 4);
	CU_ASSERT_EQUAL(sc->threads[0].nops, 1);
	CU_ASSERT_EQUAL_FATAL(sc->threads[1].nops, 4);
	CU_ASSERT_EQUAL(sc->threads[1].ops[3].kind, OP_NATIVE);
	CU_ASSERT_EQUAL(sc->threads[1].ops[3].col, 41);
	CU_ASSERT_EQUAL(sc->threads[2].nops, 2);
	CU_ASSERT_STRING_EQUAL(sc->threads[3].name, "p/q");
	CU_ASSERT_EQUAL(sc->interval_ns, 2000000);
	scenario_free(sc);
}

static void brace_may_open_on_the_next_line(void)
{
	struct scenario *sc = parse_ok(
		"thread t\n"
		"{\n"
		"  repeat 3\n"
		"  {\n"
		"    cpu 1ms\n"
		"  }\n"
		"}\n");
	CU_ASSERT_EQUAL(sc->threads[0].ops[0].count, 3);
	scenario_free(sc);
}

static void crlf_line_ends_are_accepted(void)
{
	struct scenario *sc = parse_ok("title \"x\"\r\nthread t {\r\n  cpu 1s\r\n}\r\n");
	CU_ASSERT_STRING_EQUAL(sc->title, "x");
	CU_ASSERT_EQUAL(sc->threads[0].ops[0].line, 3);
	scenario_free(sc);
}

/* Old Mac files end their lines with a lone CR: each is a line end (the
 * whole file once read as one line, with a confusing message). */
static void cr_line_ends_are_accepted(void)
{
	struct scenario *sc = parse_ok("title \"x\"\rthread t {\r  cpu 1s\r}\r");
	CU_ASSERT_STRING_EQUAL(sc->title, "x");
	CU_ASSERT_EQUAL(sc->threads[0].ops[0].line, 3);
	scenario_free(sc);
	check_error("thread t {\r  bogus 1s\r}\r",
		    "x.gil:2:3: unknown operation 'bogus' (expected " OPS_EXPECTED ")");
	/* A CR in a string ends its line, as a newline does. */
	check_error("title \"a\rb\"\n",
		    "x.gil:1:7: unterminated string (a string must end on the line it starts)");
}

/* A UTF-8 byte order mark is skipped: it is invisible, and it made the
 * first word an unknown directive that looked right. */
static void a_leading_bom_is_skipped(void)
{
	struct scenario *sc = parse_ok("\xEF\xBB\xBFthread t { cpu 1s }\n");
	CU_ASSERT_EQUAL(sc->nthreads, 1);
	scenario_free(sc);
	check_error("\xEF\xBB\xBFthread t { bogus 1s }\n",
		    "x.gil:1:12: unknown operation 'bogus' (expected " OPS_EXPECTED ")");
}

/* Text that is not UTF-8 made invalid JSON and Perfetto files: it is an
 * error where it starts. */
static void invalid_utf8_is_refused_where_it_is(void)
{
	struct scenario *sc = parse_ok("title \"caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x90\x8D\"\n"
				       "thread t { cpu 1s }\n");
	CU_ASSERT_STRING_EQUAL(sc->title, "caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x90\x8D");
	scenario_free(sc);
	check_error("thread t { cpu 1s }\ntitle \"caf\xE9\"\n",
		    "x.gil:2:11: invalid UTF-8 (byte 0xe9): a scenario is UTF-8 text");
	check_error("note \"\xC0\xAF\"\nthread t { cpu 1s }\n", /* overlong */
		    "x.gil:1:7: invalid UTF-8 (byte 0xc0): a scenario is UTF-8 text");
	check_error("title \"\xED\xA0\x80\"\nthread t { cpu 1s }\n", /* a surrogate */
		    "x.gil:1:8: invalid UTF-8 (byte 0xed): a scenario is UTF-8 text");
	check_error("title \"ab\xE2\x86\"\nthread t { cpu 1s }\n", /* cut short */
		    "x.gil:1:10: invalid UTF-8 (byte 0xe2): a scenario is UTF-8 text");
	check_error("# \xFF in a comment\nthread t { cpu 1s }\n",
		    "x.gil:1:3: invalid UTF-8 (byte 0xff): a scenario is UTF-8 text");
}

static void zero_durations_are_allowed_for_ops(void)
{
	struct scenario *sc = parse_ok(
		"duration 0s\nthread t { io 0ms cpu 0s sleep 0ns }\n");
	CU_ASSERT_EQUAL(sc->threads[0].nops, 3);
	CU_ASSERT_EQUAL(sc->threads[0].ops[0].ns, 0);
	CU_ASSERT_EQUAL(sc->duration_ns, 0);
	scenario_free(sc);
}

static void replicated_threads_are_numbered_and_share_ops(void)
{
	struct scenario *sc = parse_ok(
		"thread hog { cpu 10s }\n"
		"thread server * 3 start 100ms { io 1ms }\n"
		"thread one*1 { cpu 1s }\n");
	CU_ASSERT_EQUAL_FATAL(sc->nthreads, 5);
	CU_ASSERT_STRING_EQUAL(sc->threads[0].name, "hog");
	CU_ASSERT_STRING_EQUAL(sc->threads[1].name, "server.1");
	CU_ASSERT_STRING_EQUAL(sc->threads[2].name, "server.2");
	CU_ASSERT_STRING_EQUAL(sc->threads[3].name, "server.3");
	CU_ASSERT_STRING_EQUAL(sc->threads[4].name, "one.1");
	for (int i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL(sc->threads[i].start_ns, 100000000);
		CU_ASSERT_PTR_EQUAL(sc->threads[i].ops, sc->threads[1].ops);
		CU_ASSERT_EQUAL(sc->threads[i].nops, 1);
	}
	CU_ASSERT_EQUAL(sc->threads[0].start_ns, 0);
	scenario_free(sc);
}

static void processes_group_their_threads(void)
{
	struct scenario *sc = parse_ok(
		"thread hog { cpu 1s }\n"
		"process worker * 2 {\n"
		"  thread main { cpu 1s }\n"
		"  thread aux * 2 { io 1ms }\n"
		"}\n"
		"process db { thread main { sleep 1s } }\n"
		"thread late { cpu 1s }\n");
	CU_ASSERT_EQUAL_FATAL(sc->nprocs, 4);
	CU_ASSERT_STRING_EQUAL(sc->procs[0].name, "main");
	CU_ASSERT_STRING_EQUAL(sc->procs[1].name, "worker.1");
	CU_ASSERT_STRING_EQUAL(sc->procs[2].name, "worker.2");
	CU_ASSERT_STRING_EQUAL(sc->procs[3].name, "db");
	static const struct { const char *name; unsigned proc; } want[] = {
		{ "hog", 0 },
		{ "worker.1/main", 1 }, { "worker.1/aux.1", 1 }, { "worker.1/aux.2", 1 },
		{ "worker.2/main", 2 }, { "worker.2/aux.1", 2 }, { "worker.2/aux.2", 2 },
		{ "db/main", 3 },
		{ "late", 0 },
	};
	CU_ASSERT_EQUAL_FATAL(sc->nthreads, GV_ARRAY_LEN(want));
	for (size_t i = 0; i < GV_ARRAY_LEN(want); i++) {
		CU_ASSERT_STRING_EQUAL(sc->threads[i].name, want[i].name);
		CU_ASSERT_EQUAL(sc->threads[i].process, want[i].proc);
	}
	CU_ASSERT_PTR_EQUAL(sc->threads[1].ops, sc->threads[4].ops);
	scenario_free(sc);
}

static void no_main_process_without_top_level_threads(void)
{
	struct scenario *sc = parse_ok(
		"process a { thread t { cpu 1s } }\n"
		"process b * 2 { thread t { cpu 1s } }\n");
	CU_ASSERT_EQUAL_FATAL(sc->nprocs, 3);
	CU_ASSERT_STRING_EQUAL(sc->procs[0].name, "a");
	CU_ASSERT_STRING_EQUAL(sc->procs[2].name, "b.2");
	CU_ASSERT_EQUAL(sc->threads[0].process, 0);
	CU_ASSERT_EQUAL(sc->threads[2].process, 2);
	CU_ASSERT_STRING_EQUAL(sc->threads[2].name, "b.2/t");
	scenario_free(sc);
}

static void names_allow_digits_underscore_and_dash(void)
{
	struct scenario *sc = parse_ok("thread _io-2_x { cpu 1s }\n");
	CU_ASSERT_STRING_EQUAL(sc->threads[0].name, "_io-2_x");
	scenario_free(sc);
	struct sb b = { 0 };
	sb_add(&b, "thread ");
	sb_repeat(&b, "n", SCENARIO_MAX_NAME);
	sb_add(&b, " { cpu 1s }");
	sc = parse_ok(b.s);
	CU_ASSERT_EQUAL(strlen(sc->threads[0].name), SCENARIO_MAX_NAME);
	scenario_free(sc);
	free(b.s);
}

static void totals_multiply_repeats(void)
{
	struct scenario *sc = parse_ok(
		"thread t {\n"
		"  cpu 1ms\n"
		"  repeat 10 { cpu 2ms; io 1ms; repeat 3 { cpu 1us } }\n"
		"}\n"
		"thread f { io 1s; forever { cpu 1ms } }\n"
		"thread big { repeat 100000000 { repeat 100000000 { cpu 86400s } } }\n");
	const struct sc_thread *t = &sc->threads[0];
	CU_ASSERT_EQUAL(scenario_thread_total_ns(t, OP_CPU), 1000000 + 10 * (2000000 + 3000));
	CU_ASSERT_EQUAL(scenario_thread_total_ns(t, OP_IO), 10000000);
	CU_ASSERT_EQUAL(scenario_thread_total_ns(t, OP_SLEEP), 0);
	CU_ASSERT_EQUAL(scenario_thread_total_ns(t, OP_REPEAT), 0);
	const struct sc_thread *f = &sc->threads[1];
	CU_ASSERT_EQUAL(scenario_thread_total_ns(f, OP_CPU), -1);
	CU_ASSERT_EQUAL(scenario_thread_total_ns(f, OP_IO), 1000000000);
	CU_ASSERT_EQUAL(scenario_thread_total_ns(&sc->threads[2], OP_CPU), INT64_MAX);
	CU_ASSERT_TRUE(scenario_ops_contain(f->ops, f->nops, OP_FOREVER));
	CU_ASSERT_FALSE(scenario_ops_contain(t->ops, t->nops, OP_FOREVER));
	scenario_free(sc);
}

static void op_kind_names_match_the_file(void)
{
	static const char *const names[] = {
		"cpu", "spin", "io", "sleep", "native", "native_hold", "repeat", "forever",
		"put", "get", "await_io", "await_sleep", "await_get", "gc", "with", "import_unsafe",
	};
	for (int k = 0; k < OP_KIND_COUNT; k++) {
		CU_ASSERT_STRING_EQUAL(op_kind_name((enum op_kind)k), names[k]);
		CU_ASSERT_EQUAL(op_kind_parse(names[k], strlen(names[k])), k);
	}
	CU_ASSERT_STRING_EQUAL(op_kind_name(OP_KIND_COUNT), "?");
	CU_ASSERT_EQUAL(op_kind_parse("native_hol", 10), -1);
	CU_ASSERT_EQUAL(op_kind_parse("cpux", 4), -1);
}

/* ---------------------------------------------------------------- */
/* Errors: syntax                                                   */
/* ---------------------------------------------------------------- */

static void unknown_operation_is_named(void)
{
	check_error("gil new\n\n\n\n\nthread hog {\n        frobnicate 1s\n}\n",
		    "x.gil:7:9: unknown operation 'frobnicate' (expected " OPS_EXPECTED ")");
}

static void thread_needs_a_brace_after_its_header(void)
{
	check_error("\n\nthread server cpu 1s }\n",
		    "x.gil:3:15: expected '{' after thread name, got 'cpu'");
	check_error("thread s * 2 cpu 1s }\n",
		    "x.gil:1:14: expected '{' after thread count, got 'cpu'");
	check_error("thread s start 1ms cpu 1s }\n",
		    "x.gil:1:20: expected '{' after start time, got 'cpu'");
	check_error("thread s",
		    "x.gil:1:9: expected '{' after thread name, got end of file");
	check_error("process p thread t { cpu 1s } }",
		    "x.gil:1:11: expected '{' after process name, got 'thread'");
	check_error("process p * 2 thread",
		    "x.gil:1:15: expected '{' after process count, got 'thread'");
	check_error("thread t { repeat 3 cpu 1s }",
		    "x.gil:1:21: expected '{' after the repeat count, got 'cpu'");
	check_error("thread t { forever cpu 1s }",
		    "x.gil:1:20: expected '{' after 'forever', got 'cpu'");
}

static void end_of_file_with_blocks_open(void)
{
	check_error("thread t {\n  repeat 2 {\n    cpu 1s\n",
		    "x.gil:4:1: unexpected end of file: 2 blocks still open (the last opened at 2:12)");
	check_error("process p {\n  thread t { cpu 1s }",
		    "x.gil:2:22: unexpected end of file: 1 block still open (the last opened at 1:11)");
	check_error("thread t {",
		    "x.gil:1:11: unexpected end of file: 1 block still open (the last opened at 1:10)");
}

static void closing_brace_with_nothing_open(void)
{
	check_error("thread t { cpu 1s }\n}\n", "x.gil:2:1: '}' with no block open");
}

static void strings_must_end_on_their_line(void)
{
	check_error("title \"Convoy\nthread t { cpu 1s }\n",
		    "x.gil:1:7: unterminated string (a string must end on the line it starts)");
	check_error("note \"abc",
		    "x.gil:1:6: unterminated string (a string must end on the line it starts)");
	check_error("note \"abc\\",
		    "x.gil:1:6: unterminated string (a string must end on the line it starts)");
	check_error("note \"a\\\"b\\",
		    "x.gil:1:6: unterminated string (a string must end on the line it starts)");
}

static void strings_know_two_escapes(void)
{
	check_error("title \"a\\nb\"\n",
		    "x.gil:1:9: unknown escape '\\n' in string (expected \\\" or \\\\)");
}

static void nul_and_control_characters_are_refused(void)
{
	check_error_len("thread t {\n  cpu 1s\0 }\n", 22,
			"x.gil:2:9: NUL byte in the file (a scenario is a text file)");
	check_error("thread t { cpu 1s }\n# a bell \a in a comment\n",
		    "x.gil:2:10: invalid control character 0x07 (only tab and newline may appear)");
	check_error("title \"a\x1b[1m\"\n",
		    "x.gil:1:9: invalid control character 0x1b (only tab and newline may appear)");
	check_error("thread t\x7f { cpu 1s }\n",
		    "x.gil:1:9: invalid control character 0x7f (only tab and newline may appear)");
	/* Found by the fuzzer: the name was leaked when the token after it
	 * failed. */
	check_error("thread ho\x05 { cpu 1s }",
		    "x.gil:1:10: invalid control character 0x05 (only tab and newline may appear)");
	check_error("process ho\x05 { thread t { cpu 1s } }",
		    "x.gil:1:11: invalid control character 0x05 (only tab and newline may appear)");
	check_error("\tthread t { cpu 1s\x01 }",
		    "x.gil:1:19: invalid control character 0x01 (only tab and newline may appear)");
}

static void unknown_directive_at_top_level(void)
{
	check_error("# comment\npace 5\n",
		    "x.gil:2:1: unknown directive 'pace' (expected title, note, gil, interval, checkinterval, duration, cores, time, speed, slowdown, startup, gc every, queue, object, thread, loop or process)");
	check_error("\"title\"\n",
		    "x.gil:1:1: expected a directive (title, note, gil, interval, checkinterval, duration, cores, time, speed, slowdown, startup, gc every), 'queue', 'object', 'thread', 'loop' or 'process', got a string");
	check_error("  {\n",
		    "x.gil:1:3: expected a directive (title, note, gil, interval, checkinterval, duration, cores, time, speed, slowdown, startup, gc every), 'queue', 'object', 'thread', 'loop' or 'process', got '{'");
}

static void operation_outside_a_thread(void)
{
	check_error("cpu 1s\n",
		    "x.gil:1:1: operation 'cpu' outside a thread (expected it inside 'thread NAME { ... }')");
}

static void directives_and_threads_do_not_go_inside_threads(void)
{
	check_error("thread t {\n  interval 5ms\n}\n",
		    "x.gil:2:3: directive 'interval' inside a thread (directives go at top level; expected " OPS_EXPECTED ")");
	check_error("thread t { thread u { cpu 1s } }",
		    "x.gil:1:12: 'thread' inside a thread (threads, loops, processes, queues and objects are defined at top level; expected " OPS_EXPECTED ")");
	check_error("thread t { cpu 1s * }",
		    "x.gil:1:19: expected an operation (" OPS_EXPECTED ") or '}', got '*'");
}

static void processes_do_not_nest(void)
{
	check_error("process a {\n  process b { thread t { cpu 1s } }\n}\n",
		    "x.gil:2:3: processes do not nest (process 'a' opened at 1:1 is still open)");
	check_error("process a { cpu 1s }",
		    "x.gil:1:13: expected 'thread', 'loop' or '}' in process 'a', got 'cpu'");
}

static void empty_blocks_are_errors(void)
{
	check_error("thread t {\n}\n",
		    "x.gil:2:1: thread 't' has no operations (expected at least one of " OPS_EXPECTED " before '}')");
	check_error("thread t { cpu 1s; repeat 5 { } }",
		    "x.gil:1:31: 'repeat' block has no operations (expected at least one of " OPS_EXPECTED " before '}')");
	check_error("thread t { forever { ; } }",
		    "x.gil:1:24: 'forever' block has no operations (expected at least one of " OPS_EXPECTED " before '}')");
	check_error("process p { }",
		    "x.gil:1:13: process 'p' has no threads (expected 'thread NAME { ... }' before '}')");
}

static void a_scenario_needs_a_thread(void)
{
	check_error("# nothing but comments\ngil new\n",
		    "x.gil:3:1: no thread defined (expected at least one 'thread NAME { ... }')");
	check_error("", "x.gil: file is empty");
}

static void arguments_stay_on_their_line(void)
{
	check_error("thread t { cpu\n 1s }",
		    "x.gil:1:15: expected a duration such as 5ms after 'cpu', got end of line");
	check_error("title",
		    "x.gil:1:6: expected a string in double quotes after 'title', got end of file");
	check_error("title Convoy\n",
		    "x.gil:1:7: expected a string in double quotes after 'title', got 'Convoy'");
	check_error("thread\nt { cpu 1s }",
		    "x.gil:1:7: expected a thread name after 'thread', got end of line");
	check_error("thread t { repeat { cpu 1s } }",
		    "x.gil:1:19: expected a repeat count (a whole number), got '{'");
	check_error("thread t { repeat x3 { cpu 1s } }",
		    "x.gil:1:19: expected a repeat count (a whole number), got 'x3'");
	check_error("gil \"new\"",
		    "x.gil:1:5: expected a GIL policy (new, legacy, none, priority, bfs, fifo or ruby) after 'gil', got a string");
}

static void directive_values_end_the_line(void)
{
	check_error("interval 5ms 10ms\n",
		    "x.gil:1:14: unexpected '10ms' after the value of 'interval' (expected end of line or ';')");
}

static void duplicate_directive_names_the_first(void)
{
	check_error("interval 5ms\ntitle \"a\"\n  interval 1ms\n",
		    "x.gil:3:3: duplicate 'interval' (first set at 1:1)");
	check_error("note \"a\"; note \"b\"",
		    "x.gil:1:11: duplicate 'note' (first set at 1:1)");
}

static void bad_values_are_explained(void)
{
	check_error("gil fast\n",
		    "x.gil:1:5: unknown GIL policy 'fast' (expected new, legacy, none, priority, bfs, fifo or ruby)");
	check_error("interval 0ms\n",
		    "x.gil:1:10: interval must be greater than 0 (CPython refuses a switch interval of 0)");
	check_error("interval 5\n",
		    "x.gil:1:10: duration '5' has no unit (expected ns, us, ms or s)");
	check_error("thread t { cpu 10min }",
		    "x.gil:1:16: unknown unit 'min' in duration '10min' (expected ns, us, ms or s)");
	check_error("thread t { cpu -5ms }",
		    "x.gil:1:16: expected a duration such as 5ms, got '-5ms'");
	check_error("checkinterval 0\n",
		    "x.gil:1:15: checkinterval must be between 1 and 4294967295, got 0");
	check_error("checkinterval 4294967296\n",
		    "x.gil:1:15: checkinterval must be between 1 and 4294967295, got 4294967296");
	check_error("cores two\n",
		    "x.gil:1:7: expected cores (a whole number), got 'two'");
	check_error("thread t * 0 { cpu 1s }",
		    "x.gil:1:12: a thread count after '*' must be between 1 and 4096, got 0");
	check_error("thread t { repeat 0 { cpu 1s } }",
		    "x.gil:1:19: a repeat count must be between 1 and 100000000, got 0");
}

static void names_are_checked(void)
{
	check_error("thread 9lives { cpu 1s }",
		    "x.gil:1:8: invalid name '9lives' (a name is a letter or '_', then letters, digits, '_' or '-')");
	check_error("thread a.b { cpu 1s }",
		    "x.gil:1:8: invalid name 'a.b' (a name is a letter or '_', then letters, digits, '_' or '-')");
	check_error("process main { thread t { cpu 1s } }",
		    "x.gil:1:9: process name 'main' is reserved for the threads outside any process block");
}

static void thread_names_are_unique(void)
{
	check_error("thread a { cpu 1s }\n\nthread a { io 1s }\n",
		    "x.gil:3:8: thread name 'a' is already used by the thread defined at 1:8");
	check_error("thread s * 2 { cpu 1s }\nthread s * 3 { io 1s }\n",
		    "x.gil:2:8: thread name 's.1' is already used by the thread defined at 1:8");
	/* "s" and "s.1" are different names. */
	struct scenario *sc = parse_ok("thread s { cpu 1s }\nthread s * 3 { io 1s }\n");
	CU_ASSERT_EQUAL(sc->nthreads, 4);
	scenario_free(sc);
}

static void process_and_process_thread_names_are_unique(void)
{
	check_error("process w * 2 { thread m { cpu 1s } }\nprocess w * 3 { thread n { cpu 1s } }\n",
		    "x.gil:2:9: process name 'w.1' is already used by the process defined at 1:9");
	check_error("process w {\n  thread m { cpu 1s }\n  thread m { io 1s }\n}\n",
		    "x.gil:3:10: thread name 'w/m' is already used by the thread defined at 2:10");
}

/* ---------------------------------------------------------------- */
/* Errors: limits                                                   */
/* ---------------------------------------------------------------- */

static void thread_limit_counts_copies(void)
{
	char want[200];
	check_error("thread t * 4097 { cpu 1s }",
		    "x.gil:1:12: a thread count after '*' must be between 1 and 4096, got 4097");
	/* 256 processes of 17 threads: refused before any is made. */
	check_error("process p * 256 {\n  thread t * 17 { cpu 1s }\n}\n",
		    "x.gil:2:14: too many threads: this makes 4352 in all (the limit is 4096)");
	check_error("thread a * 4096 { cpu 1s }\nthread b { cpu 1s }\n",
		    "x.gil:2:8: too many threads: this makes 4097 in all (the limit is 4096)");
	/* Exactly the limit is fine. */
	struct scenario *sc = parse_ok("process p * 256 { thread t * 16 { cpu 1s } }\n");
	CU_ASSERT_EQUAL(sc->nthreads, SCENARIO_MAX_THREADS);
	CU_ASSERT_EQUAL(sc->nprocs, SCENARIO_MAX_PROCESSES);
	CU_ASSERT_STRING_EQUAL(sc->threads[4095].name, "p.256/t.16");
	scenario_free(sc);
	snprintf(want, sizeof want, "x.gil:1:13: a process count after '*' must be between 1 and %d, got 257",
		 SCENARIO_MAX_PROCESSES);
	check_error("process p * 257 { thread t { cpu 1s } }", want);
}

static void process_limit_counts_main(void)
{
	check_error("process a * 200 { thread t { cpu 1s } }\nprocess b * 57 { thread t { cpu 1s } }\n",
		    "x.gil:2:13: too many processes: this makes 257 in all (the limit is 256)");
	check_error("process a * 256 { thread t { cpu 1s } }\nthread m { cpu 1s }\n",
		    "x.gil:2:1: too many processes: the threads outside a process block make one more (the limit is 256)");
	check_error("thread m { cpu 1s }\nprocess a * 256 { thread t { cpu 1s } }\n",
		    "x.gil:2:13: too many processes: this makes 257 in all (the limit is 256)");
}

static void nesting_depth_is_limited(void)
{
	struct sb b = { 0 };
	sb_add(&b, "thread t {\n");
	sb_repeat(&b, "repeat 2 {\n", SCENARIO_MAX_DEPTH);
	sb_add(&b, "cpu 1ms\n");
	sb_repeat(&b, "}\n", SCENARIO_MAX_DEPTH);
	sb_add(&b, "}\n");
	struct scenario *sc = parse_ok(b.s);
	CU_ASSERT_EQUAL(scenario_thread_total_ns(&sc->threads[0], OP_CPU),
			1000000LL << SCENARIO_MAX_DEPTH);
	scenario_free(sc);

	b.len = 0;
	sb_add(&b, "thread t {\n");
	sb_repeat(&b, "repeat 2 {\n", SCENARIO_MAX_DEPTH);
	sb_add(&b, "forever { cpu 1ms }\n");
	check_error(b.s, "x.gil:18:1: 'forever' nested too deep: the limit is 16 levels of repeat, forever and with");
	free(b.s);
}

static void repeat_count_is_limited(void)
{
	struct scenario *sc = parse_ok("thread t { repeat 100000000 { cpu 1ns } }");
	CU_ASSERT_EQUAL(sc->threads[0].ops[0].count, SCENARIO_MAX_REPEAT);
	scenario_free(sc);
	check_error("thread t { repeat 100000001 { cpu 1ns } }",
		    "x.gil:1:19: a repeat count must be between 1 and 100000000, got 100000001");
	check_error("thread t { repeat 99999999999999999999999 { cpu 1ns } }",
		    "x.gil:1:19: a repeat count must be between 1 and 100000000, got 99999999999999999999999");
}

static void durations_are_limited_to_a_day(void)
{
	struct scenario *sc = parse_ok("duration 86400s\nthread t { cpu 24000ms }");
	CU_ASSERT_EQUAL(sc->duration_ns, SCENARIO_MAX_DURATION_NS);
	scenario_free(sc);
	check_error("duration 86400.001s\n",
		    "x.gil:1:10: duration '86400.001s' is over the limit of one day (86400s)");
	check_error("thread t { start 1s }",
		    "x.gil:1:12: unknown operation 'start' (expected " OPS_EXPECTED ")");
	check_error("thread t start 90000s { cpu 1s }",
		    "x.gil:1:16: duration '90000s' is over the limit of one day (86400s)");
	check_error("thread t { io 99999999999999s }",
		    "x.gil:1:15: duration '99999999999999s' is too long");
	check_error("thread t { io 1000000000000000000000000000000000000000000000000000s }",
		    "x.gil:1:15: expected a duration such as 5ms, got '1000000000000000000000000000000000000000...'");
}

static void cores_are_limited(void)
{
	struct scenario *sc = parse_ok("cores 1024\nthread t { cpu 1s }");
	CU_ASSERT_EQUAL(sc->cores, SCENARIO_MAX_CORES);
	scenario_free(sc);
	check_error("cores 1025\n", "x.gil:1:7: cores must be between 0 and 1024, got 1025");
}

/* 'time' and 'speed': the clock a lesson opens on and its pace. */
static void time_and_speed_set_the_clock(void)
{
	struct scenario *sc = parse_ok("time virtual\nspeed 1/20\nthread t { cpu 1s }");
	CU_ASSERT_EQUAL(sc->time, SC_TIME_VIRTUAL);
	CU_ASSERT_DOUBLE_EQUAL(sc->speed, 0.05, 1e-12);
	scenario_free(sc);
	sc = parse_ok("time real\nspeed 0.25\nthread t { cpu 1s }");
	CU_ASSERT_EQUAL(sc->time, SC_TIME_REAL);
	CU_ASSERT_DOUBLE_EQUAL(sc->speed, 0.25, 1e-12);
	scenario_free(sc);
	sc = parse_ok("thread t { cpu 1s }");
	CU_ASSERT_EQUAL(sc->time, SC_TIME_UNSET);
	CU_ASSERT_EQUAL(sc->speed, 0);
	scenario_free(sc);
}

static void time_and_speed_errors_name_line_and_column(void)
{
	check_error("title \"x\"\ntime  slow\n",
		    "x.gil:2:7: unknown time 'slow' (expected virtual or real)");
	check_error("time\n", "x.gil:2:1: expected 'virtual' or 'real' after 'time', got end of file");
	check_error("speed 0\n",
		    "x.gil:1:7: speed must be greater than 0 and at most 1000000 virtual seconds a second, got 0");
	check_error("speed 1/0\n",
		    "x.gil:1:7: speed must be greater than 0 and at most 1000000 virtual seconds a second, got 1/0");
	check_error("speed fast\n",
		    "x.gil:1:7: expected a speed such as 0.05 or 1/20 after 'speed', got 'fast'");
	check_error("speed 2000000\n",
		    "x.gil:1:7: speed must be greater than 0 and at most 1000000 virtual seconds a second, got 2000000");
	check_error("time virtual\ntime real\n",
		    "x.gil:2:1: duplicate 'time' (first set at 1:1)");
	check_error("speed 1 2\n",
		    "x.gil:1:9: unexpected '2' after the value of 'speed' (expected end of line or ';')");
}

static void name_length_is_limited(void)
{
	struct sb b = { 0 };
	sb_add(&b, "thread ");
	sb_repeat(&b, "n", SCENARIO_MAX_NAME + 1);
	sb_add(&b, " { cpu 1s }");
	check_error(b.s, "x.gil:1:8: name 'nnnnnnnnnnnnnnnnnnnn...' is 65 bytes long (the limit is 64)");
	free(b.s);
}

static void line_length_is_limited(void)
{
	struct sb b = { 0 };
	sb_add(&b, "thread t { cpu 1s }\n# ");
	sb_repeat(&b, "x", SCENARIO_MAX_LINE - 2);
	sb_add(&b, "\nthread u { cpu 1s }\n");
	struct scenario *sc = parse_ok(b.s);
	scenario_free(sc);
	b.len = 0;
	sb_add(&b, "thread t { cpu 1s }\n# ");
	sb_repeat(&b, "x", SCENARIO_MAX_LINE - 1);
	sb_add(&b, "\n");
	check_error(b.s, "x.gil:2:4097: line is longer than the limit of 4096 bytes");
	b.len = 0;
	sb_repeat(&b, "x", SCENARIO_MAX_LINE + 1);
	check_error(b.s, "x.gil:1:4097: line is longer than the limit of 4096 bytes");
	free(b.s);
}

static void op_count_is_limited(void)
{
	struct sb b = { 0 };
	sb_add(&b, "thread t {\n");
	sb_repeat(&b, "cpu 1s\n", SCENARIO_MAX_OPS);
	sb_add(&b, "}\n");
	struct scenario *sc = parse_ok(b.s);
	CU_ASSERT_EQUAL(sc->threads[0].nops, SCENARIO_MAX_OPS);
	scenario_free(sc);
	b.len = 0;
	sb_add(&b, "thread t {\n");
	sb_repeat(&b, "repeat 2 { cpu 1s }\n", SCENARIO_MAX_OPS / 2);
	sb_add(&b, "io 1s\n}\n");
	check_error(b.s, "x.gil:50002:1: too many operations: the limit is 100000 in a file");
	free(b.s);
}

static void file_size_is_limited(void)
{
	size_t len = SCENARIO_MAX_FILE_SIZE + 1;
	char *text = xmalloc(len);
	memset(text, '\n', len);
	check_error_len(text, len, "x.gil: file is larger than the limit of 1048576 bytes");
	free(text);
}

/* ---------------------------------------------------------------- */
/* Loading files                                                    */
/* ---------------------------------------------------------------- */

static void check_load_error(const char *path, const char *want)
{
	struct gv_error err = { .msg = "" };
	struct scenario *sc = scenario_load(path, &err);
	CU_ASSERT_PTR_NULL(sc);
	scenario_free(sc);
	char got[800];
	gv_error_format(&err, got, sizeof got);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n  want: %s\n  got:  %s\n", want, got);
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void load_refuses_missing_directories_and_endless_files(void)
{
	check_load_error("/nonexistent/x.gil",
			 "/nonexistent/x.gil: cannot open: No such file or directory");
	check_load_error("/", "/: is a directory (expected a scenario file)");
	check_load_error("/dev/zero",
			 "/dev/zero: is not a regular file (expected a scenario file)");
	/* A FIFO once blocked --check for ever, waiting for a writer. */
	char dir[] = "/tmp/test_parse_XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char fifo[64], want[128];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	snprintf(want, sizeof want, "%s: is not a regular file (expected a scenario file)", fifo);
	check_load_error(fifo, want);
	unlink(fifo);
	rmdir(dir);
}

static void load_reads_a_file_and_reports_its_errors(void)
{
	char path[] = "/tmp/test_parse_XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	const char text[] = "title \"T\"\nthread t {\n  cpu 1s\n  bogus 1s\n}\n";
	CU_ASSERT_EQUAL(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	char want[200];
	snprintf(want, sizeof want,
		 "%s:4:3: unknown operation 'bogus' (expected " OPS_EXPECTED ")", path);
	check_load_error(path, want);

	fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, 29), 29);
	CU_ASSERT_EQUAL(write(fd, "\n}\n", 3), 3);
	close(fd);
	struct gv_error err;
	struct scenario *sc = scenario_load(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_STRING_EQUAL(sc->file, path);
	CU_ASSERT_STRING_EQUAL(sc->title, "T");
	CU_ASSERT_EQUAL(strlen(sc->text), 32);
	scenario_free(sc);
	unlink(path);
}

/* ---------------------------------------------------------------- */
/* The corpus                                                       */
/* ---------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void every_example_scenario_parses(void)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/scenarios", srcdir());
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!has_suffix(e->d_name, ".gil"))
			continue;
		char path[1400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct gv_error err;
		struct scenario *sc = scenario_load(path, &err);
		if (!sc) {
			char buf[800];
			gv_error_format(&err, buf, sizeof buf);
			fprintf(stderr, "\n  %s\n", buf);
		}
		CU_ASSERT_PTR_NOT_NULL(sc);
		if (sc) {
			CU_ASSERT(sc->nthreads > 0);
			/* They must end by themselves: a duration, or no
			 * thread that loops forever. */
			bool forever = false;
			for (size_t i = 0; i < sc->nthreads; i++)
				forever |= scenario_ops_contain(sc->threads[i].ops,
								sc->threads[i].nops, OP_FOREVER) != 0;
			if (forever && sc->duration_ns <= 0)
				fprintf(stderr, "\n  %s runs forever\n", e->d_name);
			CU_ASSERT(!forever || sc->duration_ns > 0);
		}
		scenario_free(sc);
		n++;
	}
	closedir(d);
	CU_ASSERT(n >= 12);
}

/* Each .gil file in tests/bad starts with "# expect: LINE:COL: substring". */
/* object, with, import_unsafe and gc every: free-threaded Python's costs. */
static void objects_imports_and_collections_build_the_model(void)
{
	struct scenario *sc = parse_ok(
		"gil none\nobject shared\nobject other; gc every 60ms pause 5ms\n"
		"thread t {\n  with shared { cpu 1ms; with other { io 2ms } }\n"
		"  import_unsafe \"old.ext\"; import_unsafe \"b\"; import_unsafe \"old.ext\"\n}\n");
	CU_ASSERT_EQUAL(sc->nobjects, 2);
	CU_ASSERT_STRING_EQUAL(sc->objects[0], "shared");
	CU_ASSERT_STRING_EQUAL(sc->objects[1], "other");
	CU_ASSERT_EQUAL(sc->gc_every_ns, 60000000);
	CU_ASSERT_EQUAL(sc->gc_pause_ns, 5000000);
	const struct op *ops = sc->threads[0].ops;
	CU_ASSERT_EQUAL_FATAL(sc->threads[0].nops, 4);
	CU_ASSERT_EQUAL(ops[0].kind, OP_WITH);
	CU_ASSERT_EQUAL(ops[0].object, 0);
	CU_ASSERT_EQUAL_FATAL(ops[0].nbody, 2);
	CU_ASSERT_EQUAL(ops[0].body[1].kind, OP_WITH);
	CU_ASSERT_EQUAL(ops[0].body[1].object, 1);
	CU_ASSERT_EQUAL(ops[0].body[1].body[0].kind, OP_IO);
	/* A module is kept once, in order of first use. */
	CU_ASSERT_EQUAL(sc->nmodules, 2);
	CU_ASSERT_STRING_EQUAL(sc->modules[0], "old.ext");
	CU_ASSERT_EQUAL(ops[1].kind, OP_IMPORT_UNSAFE);
	CU_ASSERT_EQUAL(ops[1].module, 0);
	CU_ASSERT_EQUAL(ops[2].module, 1);
	CU_ASSERT_EQUAL(ops[3].module, 0);
	/* The work inside a with counts once. */
	CU_ASSERT_EQUAL(scenario_thread_total_ns(&sc->threads[0], OP_IO), 2000000);
	CU_ASSERT_TRUE(scenario_thread_contains(&sc->threads[0], OP_IO));
	scenario_free(sc);
	/* Without the directive there is no collection. */
	sc = parse_ok("thread t { cpu 1ms }\n");
	CU_ASSERT_EQUAL(sc->gc_every_ns, 0);
	CU_ASSERT_EQUAL(sc->nobjects, 0);
	scenario_free(sc);
}

static void object_and_import_errors_name_the_place(void)
{
	check_error("thread t { with l { cpu 1ms } }\n",
		    "x.gil:1:17: unknown object 'l' (declare it at top level with 'object l' before it is used)");
	check_error("object l\nobject l\n",
		    "x.gil:2:8: object name 'l' is already used by the object declared at 1:8");
	check_error("object l\nthread t {\n  with l {\n    with l { cpu 1ms }\n  }\n}\n",
		    "x.gil:4:10: 'with l' inside 'with l' (opened at 3:3): a thread cannot enter the same object's critical section twice");
	check_error("object l\nthread t { with l { } }\n",
		    "x.gil:2:21: 'with l' block has no operations (expected at least one of " OPS_EXPECTED " before '}')");
	check_error("object l\nthread t { with l cpu 1ms }\n",
		    "x.gil:2:19: expected '{' after the object's name, got 'cpu'");
	check_error("object l\nloop ev {\n  task a {\n    with l { await sleep 1ms }\n  }\n}\n",
		    "x.gil:4:14: 'await' inside 'with l' (opened at 4:5): a critical section is held by C code, which never awaits");
	check_error("thread t { object l }\n",
		    "x.gil:1:12: 'object' inside a thread (threads, loops, processes, queues and objects are defined at top level; expected " OPS_EXPECTED ")");
	check_error("object l extra\n",
		    "x.gil:1:10: unexpected 'extra' after object 'l' (expected end of line or ';')");
	check_error("thread t { import_unsafe old }\n",
		    "x.gil:1:26: expected a module name in double quotes after 'import_unsafe', got 'old'");
	check_error("thread t { import_unsafe \"\" }\n",
		    "x.gil:1:26: invalid module name (expected 1 to 64 characters without spaces, such as \"old_ext\")");
	check_error("gc every 10ms pause 10ms\nthread t { cpu 1ms }\n",
		    "x.gil:1:21: the pause of 'gc every' must be greater than 0 and shorter than its period");
	check_error("gc every 0ms pause 1ms\n",
		    "x.gil:1:10: the period of 'gc every' must be greater than 0");
	check_error("gc every 10ms\n",
		    "x.gil:2:1: expected 'pause' after the period of 'gc every', got end of file");
	check_error("gc every 10ms pause 1ms\ngc every 20ms pause 1ms\n",
		    "x.gil:2:1: duplicate 'gc every' (first set at 1:1)");
	check_error("gc 5ms\n",
		    "x.gil:1:1: operation 'gc' outside a thread (expected it inside 'thread NAME { ... }')");
}

static void every_bad_file_fails_where_it_says(void)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/bad", srcdir());
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!has_suffix(e->d_name, ".gil"))
			continue;
		char path[1400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		char first[512] = "";
		CU_ASSERT_PTR_NOT_NULL(fgets(first, sizeof first, f));
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		int line = 0, col = 0, used = 0;
		int fields = sscanf(first, "# expect: %d:%d: %n", &line, &col, &used);
		CU_ASSERT_EQUAL(fields, 2);
		if (fields != 2 || used == 0) {
			fprintf(stderr, "\n  %s: no '# expect: LINE:COL: message' line\n", path);
			continue;
		}
		const char *want = first + used;
		struct gv_error err = { .msg = "" };
		struct scenario *sc = scenario_load(path, &err);
		CU_ASSERT_PTR_NULL(sc);
		scenario_free(sc);
		int ok = err.line == line && err.col == col && strstr(err.msg, want);
		if (!ok)
			fprintf(stderr, "\n  %s: want %d:%d: ...%s...\n  got %d:%d: %s\n",
				e->d_name, line, col, want, err.line, err.col, err.msg);
		CU_ASSERT_TRUE(ok);
		n++;
	}
	closedir(d);
	CU_ASSERT(n >= 5);
}

/* ---------------------------------------------------------------- */
/* Queues and asyncio loops                                         */
/* ---------------------------------------------------------------- */

static void queues_loops_and_tasks_build_the_model(void)
{
	struct scenario *sc = parse_ok(
		"queue jobs\nqueue done size 10\n"
		"loop web * 2 start 5ms {\n"
		"  task handler * 3 { repeat 10 { await io 5ms; cpu 2ms; put jobs; await get done } }\n"
		"  task tick { await sleep 1s }\n"
		"}\n"
		"thread consumer { forever { get jobs; cpu 20ms; put done } }\n"
		"process worker * 2 { loop main { task t { get jobs } } }\n");
	CU_ASSERT_EQUAL(sc->nqueues, 2);
	CU_ASSERT_STRING_EQUAL(sc->queues[0].name, "jobs");
	CU_ASSERT_EQUAL(sc->queues[0].size, 0);
	CU_ASSERT_EQUAL(sc->queues[1].size, 10);
	CU_ASSERT_EQUAL_FATAL(sc->nthreads, 5);
	const struct sc_thread *w = &sc->threads[0];
	CU_ASSERT_STRING_EQUAL(w->name, "web.1");
	CU_ASSERT_STRING_EQUAL(sc->threads[1].name, "web.2");
	CU_ASSERT_EQUAL(w->start_ns, 5000000);
	CU_ASSERT_EQUAL_FATAL(w->ntasks, 4);
	CU_ASSERT_PTR_NULL(w->ops);
	CU_ASSERT_STRING_EQUAL(w->tasks[0].name, "handler.1");
	CU_ASSERT_STRING_EQUAL(w->tasks[2].name, "handler.3");
	CU_ASSERT_STRING_EQUAL(w->tasks[3].name, "tick");
	const struct op *body = w->tasks[0].ops[0].body;
	CU_ASSERT_EQUAL(body[0].kind, OP_AWAIT_IO);
	CU_ASSERT_EQUAL(body[0].ns, 5000000);
	CU_ASSERT_EQUAL(body[2].kind, OP_PUT);
	CU_ASSERT_EQUAL(body[2].queue, 0);
	CU_ASSERT_EQUAL(body[3].kind, OP_AWAIT_GET);
	CU_ASSERT_EQUAL(body[3].queue, 1);
	CU_ASSERT_EQUAL(w->tasks[3].ops[0].kind, OP_AWAIT_SLEEP);
	CU_ASSERT_EQUAL(scenario_thread_total_ns(w, OP_CPU), 3 * 10 * 2000000LL);
	CU_ASSERT_TRUE(scenario_thread_contains(&sc->threads[2], OP_FOREVER));
	CU_ASSERT_FALSE(scenario_thread_contains(w, OP_FOREVER));
	CU_ASSERT_STRING_EQUAL(sc->threads[3].name, "worker.1/main");
	CU_ASSERT_EQUAL(sc->threads[3].ntasks, 1);
	CU_ASSERT_EQUAL(sc->threads[3].tasks[0].ops[0].kind, OP_GET);
	scenario_free(sc);
}

static void queue_errors_name_the_place(void)
{
	check_error("queue\n", "x.gil:2:1: expected a queue name after 'queue', got end of file");
	check_error("queue q\nqueue q\n",
		    "x.gil:2:7: queue name 'q' is already used by the queue declared at 1:7");
	check_error("queue q size 0\n",
		    "x.gil:1:14: a queue size after 'size' must be between 1 and 1000000, got 0");
	check_error("queue q lots\n",
		    "x.gil:1:9: unexpected 'lots' after queue 'q' (expected 'size N', end of line or ';')");
	check_error("thread t { put nowhere }\n",
		    "x.gil:1:16: unknown queue 'nowhere' (declare it at top level with 'queue nowhere' before it is used)");
	check_error("thread t { get }\n",
		    "x.gil:1:16: expected a queue name after 'get', got '}'");
	check_error("thread t { queue q }\n",
		    "x.gil:1:12: 'queue' inside a thread (threads, loops, processes, queues and objects are defined at top level; expected " OPS_EXPECTED ")");
	check_error("process p { queue q }\n",
		    "x.gil:1:13: 'queue' inside process 'p' (queues are declared at top level and shared by every process)");
	struct sb b = { 0 };
	for (int i = 0; i <= SCENARIO_MAX_QUEUES; i++) {
		char line[32];
		snprintf(line, sizeof line, "queue q%d\n", i);
		sb_add(&b, line);
	}
	char want[160];
	snprintf(want, sizeof want, "x.gil:%d:1: too many queues: the limit is %d in a file",
		 SCENARIO_MAX_QUEUES + 1, SCENARIO_MAX_QUEUES);
	check_error(b.s, want);
	free(b.s);
}

static void loop_and_task_errors_name_the_place(void)
{
	check_error("loop web { }\n",
		    "x.gil:1:12: loop 'web' has no tasks (expected 'task NAME { ... }' before '}')");
	check_error("loop web { cpu 1ms }\n",
		    "x.gil:1:12: expected 'task' or '}' in loop 'web', got 'cpu'");
	check_error("loop web { task t { } }\n",
		    "x.gil:1:21: task 't' has no operations (expected at least one of " OPS_EXPECTED " before '}')");
	check_error("loop web { task t { cpu 1ms }\n task t { cpu 1ms } }\n",
		    "x.gil:2:7: task name 't' is already used in loop 'web'");
	check_error("loop web { task t * 0 { cpu 1ms } }\n",
		    "x.gil:1:21: a task count after '*' must be between 1 and 256, got 0");
	check_error("loop web { task t * 200 { cpu 1ms }\n task u * 57 { cpu 1ms } }\n",
		    "x.gil:2:11: too many tasks in loop 'web': this makes 257 (the limit is 256)");
	check_error("loop web { task t cpu }\n",
		    "x.gil:1:19: expected '{' after task name, got 'cpu'");
	check_error("thread t { task u { cpu 1ms } }\n",
		    "x.gil:1:12: 'task' inside a thread or task (tasks are defined directly inside 'loop NAME { ... }'; expected " OPS_EXPECTED ")");
	check_error("task u { cpu 1ms }\n",
		    "x.gil:1:1: 'task' outside a loop (expected it inside 'loop NAME { ... }')");
	check_error("thread t { await io 1ms }\n",
		    "x.gil:1:12: 'await' outside a task (await is only valid in 'task NAME { ... }' inside a loop; a thread blocks with io, sleep or get)");
	check_error("loop web { task t { await cpu 1ms } }\n",
		    "x.gil:1:27: cannot await 'cpu' (expected io, sleep or get after 'await')");
	check_error("loop web { task t { await\n io 1ms } }\n",
		    "x.gil:1:26: expected io, sleep or get after 'await', got end of line");
	check_error("loop web { task t { await io } }\n",
		    "x.gil:1:30: expected a duration such as 5ms after 'await io', got '}'");
	check_error("loop web { task t { await_io 1ms } }\n",
		    "x.gil:1:21: unknown operation 'await_io' (expected " OPS_EXPECTED ")");
	check_error("thread web { cpu 1ms }\nloop web { task t { cpu 1ms } }\n",
		    "x.gil:2:6: thread name 'web' is already used by the thread defined at 1:8");
}

/* A plain blocking call in a task is allowed: it blocks the whole loop,
 * the classic mistake, which a lesson may want to show. */
static void blocking_ops_are_allowed_in_tasks(void)
{
	struct scenario *sc = parse_ok("queue q\nloop l { task t { io 1ms; sleep 1ms; get q; native 1ms } }");
	CU_ASSERT_EQUAL(sc->threads[0].tasks[0].nops, 4);
	scenario_free(sc);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(every_leaf_op_parses_with_its_duration),
	CU_TEST_ENTRY(repeat_and_forever_hold_their_bodies),
	CU_TEST_ENTRY(directives_set_the_scenario),
	CU_TEST_ENTRY(gil_policies_are_new_legacy_none),
	CU_TEST_ENTRY(slowdown_is_a_percentage_with_a_default),
	CU_TEST_ENTRY(startup_is_one_by_one_or_together),
	CU_TEST_ENTRY(defaults_apply_when_directives_are_absent),
	CU_TEST_ENTRY(text_need_not_be_nul_terminated),
	CU_TEST_ENTRY(comments_and_one_line_blocks),
	CU_TEST_ENTRY(brace_may_open_on_the_next_line),
	CU_TEST_ENTRY(crlf_line_ends_are_accepted),
	CU_TEST_ENTRY(cr_line_ends_are_accepted),
	CU_TEST_ENTRY(a_leading_bom_is_skipped),
	CU_TEST_ENTRY(invalid_utf8_is_refused_where_it_is),
	CU_TEST_ENTRY(zero_durations_are_allowed_for_ops),
	CU_TEST_ENTRY(replicated_threads_are_numbered_and_share_ops),
	CU_TEST_ENTRY(processes_group_their_threads),
	CU_TEST_ENTRY(no_main_process_without_top_level_threads),
	CU_TEST_ENTRY(names_allow_digits_underscore_and_dash),
	CU_TEST_ENTRY(totals_multiply_repeats),
	CU_TEST_ENTRY(op_kind_names_match_the_file),
	CU_TEST_ENTRY(unknown_operation_is_named),
	CU_TEST_ENTRY(thread_needs_a_brace_after_its_header),
	CU_TEST_ENTRY(end_of_file_with_blocks_open),
	CU_TEST_ENTRY(closing_brace_with_nothing_open),
	CU_TEST_ENTRY(strings_must_end_on_their_line),
	CU_TEST_ENTRY(strings_know_two_escapes),
	CU_TEST_ENTRY(nul_and_control_characters_are_refused),
	CU_TEST_ENTRY(unknown_directive_at_top_level),
	CU_TEST_ENTRY(operation_outside_a_thread),
	CU_TEST_ENTRY(directives_and_threads_do_not_go_inside_threads),
	CU_TEST_ENTRY(processes_do_not_nest),
	CU_TEST_ENTRY(empty_blocks_are_errors),
	CU_TEST_ENTRY(a_scenario_needs_a_thread),
	CU_TEST_ENTRY(arguments_stay_on_their_line),
	CU_TEST_ENTRY(directive_values_end_the_line),
	CU_TEST_ENTRY(duplicate_directive_names_the_first),
	CU_TEST_ENTRY(bad_values_are_explained),
	CU_TEST_ENTRY(names_are_checked),
	CU_TEST_ENTRY(thread_names_are_unique),
	CU_TEST_ENTRY(process_and_process_thread_names_are_unique),
	CU_TEST_ENTRY(thread_limit_counts_copies),
	CU_TEST_ENTRY(process_limit_counts_main),
	CU_TEST_ENTRY(nesting_depth_is_limited),
	CU_TEST_ENTRY(repeat_count_is_limited),
	CU_TEST_ENTRY(durations_are_limited_to_a_day),
	CU_TEST_ENTRY(cores_are_limited),
	CU_TEST_ENTRY(time_and_speed_set_the_clock),
	CU_TEST_ENTRY(time_and_speed_errors_name_line_and_column),
	CU_TEST_ENTRY(name_length_is_limited),
	CU_TEST_ENTRY(line_length_is_limited),
	CU_TEST_ENTRY(op_count_is_limited),
	CU_TEST_ENTRY(file_size_is_limited),
	CU_TEST_ENTRY(load_refuses_missing_directories_and_endless_files),
	CU_TEST_ENTRY(load_reads_a_file_and_reports_its_errors),
	CU_TEST_ENTRY(every_example_scenario_parses),
	CU_TEST_ENTRY(queues_loops_and_tasks_build_the_model),
	CU_TEST_ENTRY(queue_errors_name_the_place),
	CU_TEST_ENTRY(loop_and_task_errors_name_the_place),
	CU_TEST_ENTRY(blocking_ops_are_allowed_in_tasks),
	CU_TEST_ENTRY(objects_imports_and_collections_build_the_model),
	CU_TEST_ENTRY(object_and_import_errors_name_the_place),
	CU_TEST_ENTRY(every_bad_file_fails_where_it_says),
	CU_TEST_END,
};

CU_MAIN("parse", tests)
