/*
 * test_trace.c -- recordings: round trips, and every kind of bad file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "report.h"
#include "trace.h"

static char dir[] = "/tmp/gilviz-test-trace-XXXXXX";

static const char *tmp(const char *name)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static struct trace_meta meta(void)
{
	return (struct trace_meta){
		.scenario_text = (char *)"thread t { cpu 1ms }\n",
		.scenario_file = (char *)"t.gil",
		.policy = (char *)"legacy",
		.interval_ns = 2000000,
		.duration_ns = 0,
		.slow = 1,
		.time_mode = (char *)"real",
		.tick_ns = 50.5,
		.cores = 2,
		.kernel = (char *)"Linux test",
		.recorded_at = (char *)"2026-11-23T00:00:00Z",
		.version = (char *)"0.1.0",
		.t_start = 1234,
	};
}

static struct event mkev(uint64_t i)
{
	return (struct event){ .t = 1000 + 10 * i, .arg = i * 7, .seq = (uint32_t)i,
			       .tid = (uint16_t)(i % 3), .type = (uint8_t)(1 + i % 10),
			       .aux = (uint8_t)(i % 5) };
}

/* Write n events (in chunks) and close with the end block. */
static void write_trace(const char *path, size_t n, bool end)
{
	struct gv_error err;
	struct trace_meta m = meta();
	struct trace_writer *w = trace_writer_open(path, &m, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct event chunk[1000];
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; k < 1000 && i < n; k++, i++)
			chunk[k] = mkev(i);
		CU_ASSERT_EQUAL(trace_writer_add(w, chunk, k, 5, &err), 0);
	}
	if (end) {
		CU_ASSERT_EQUAL(trace_writer_close(w, 777, n, 5, true, &err), 0);
	} else {
		/* As SIGKILL leaves it: the temporary file, no end block. */
		CU_ASSERT_EQUAL(trace_writer_flush(w, true, &err), 0);
		CU_ASSERT_EQUAL(rename(trace_writer_tmp(w), path), 0);
		trace_writer_abort(w);
	}
}

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return (size_t)n;
}

static void truncate_to(const char *path, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(truncate(path, (off_t)n), 0);
}

static void poke(const char *path, long off, unsigned char xor)
{
	FILE *f = fopen(path, "r+b");
	fseek(f, off, SEEK_SET);
	int c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ xor, f);
	fclose(f);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, n, f);
	fclose(f);
}

/* The error message of opening path, or "" if it opened. */
static const char *open_error(const char *path)
{
	static struct gv_error err;
	static char msg[1024];
	struct trace *t = trace_open(path, &err);
	if (t) {
		trace_close(t);
		return "";
	}
	gv_error_format(&err, msg, sizeof msg);
	return msg;
}

static void round_trip_keeps_meta_and_events(void)
{
	const char *path = tmp("rt.trace");
	write_trace(path, 10000, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT(t->complete);
	CU_ASSERT(t->interrupted);
	CU_ASSERT_PTR_NULL(t->warning);
	CU_ASSERT_EQUAL(t->events, 10000);
	CU_ASSERT_EQUAL(t->elapsed_ns, 777);
	CU_ASSERT_EQUAL(t->dropped, 5);
	/* 10000 events: two full blocks of 4096 and the rest. */
	CU_ASSERT_EQUAL(t->nblocks, 3);
	CU_ASSERT_STRING_EQUAL(t->meta.scenario_text, "thread t { cpu 1ms }\n");
	CU_ASSERT_STRING_EQUAL(t->meta.scenario_file, "t.gil");
	CU_ASSERT_STRING_EQUAL(t->meta.policy, "legacy");
	CU_ASSERT_STRING_EQUAL(t->meta.kernel, "Linux test");
	CU_ASSERT_STRING_EQUAL(t->meta.recorded_at, "2026-11-23T00:00:00Z");
	CU_ASSERT_EQUAL(t->meta.interval_ns, 2000000);
	CU_ASSERT_EQUAL(t->meta.cores, 2);
	CU_ASSERT_EQUAL(t->meta.t_start, 1234);
	CU_ASSERT_DOUBLE_EQUAL(t->meta.tick_ns, 50.5, 1e-12);

	struct event *evs = malloc(TRACE_BLOCK_EVENTS * sizeof *evs);
	size_t k = 0, mismatches = 0;
	for (size_t b = 0; b < t->nblocks; b++) {
		long n = trace_read_block(t, b, evs, &err);
		CU_ASSERT_FATAL(n > 0);
		for (long i = 0; i < n; i++, k++) {
			struct event want = mkev(k);
			if (memcmp(&want, &evs[i], sizeof want))
				mismatches++;
		}
	}
	CU_ASSERT_EQUAL(k, 10000);
	CU_ASSERT_EQUAL(mismatches, 0);
	free(evs);
	trace_close(t);
}

static void find_block_seeks_by_time(void)
{
	const char *path = tmp("seek.trace");
	write_trace(path, 10000, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(trace_find_block(t, 0), 0);
	/* Event i is at 1000 + 10 i: event 5000 is in block 1. */
	CU_ASSERT_EQUAL(trace_find_block(t, 1000 + 10 * 5000), 1);
	CU_ASSERT_EQUAL(trace_find_block(t, 1000 + 10 * 9999), 2);
	CU_ASSERT_EQUAL(trace_find_block(t, UINT64_MAX), 2);
	trace_close(t);
}

static void killed_recording_keeps_its_complete_blocks(void)
{
	const char *path = tmp("killed.trace");
	write_trace(path, 5000, false); /* no end block, as after SIGKILL */
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_FALSE(t->complete);
	CU_ASSERT_EQUAL(t->events, 5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->warning);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "no end block"));
	trace_close(t);

	/* Cut inside the last block: the blocks before it remain. */
	truncate_to(path, file_size(path) - 100);
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nblocks, 1);
	CU_ASSERT_EQUAL(t->events, 4096);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "cut short"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "1 complete block"));
	trace_close(t);
}

static void flipped_payload_bit_is_caught_by_the_checksum(void)
{
	const char *path = tmp("flip.trace");
	write_trace(path, 100, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	uint64_t payload = t->blocks[0].offset + 40;
	trace_close(t);
	poke(path, (long)payload + 50, 0x10);
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct event evs[TRACE_BLOCK_EVENTS];
	CU_ASSERT_EQUAL(trace_read_block(t, 0, evs, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "checksum"));
	trace_close(t);
}

static void bad_files_get_clear_messages(void)
{
	write_bytes(tmp("empty.trace"), "", 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(tmp("empty.trace")), "empty"));

	write_bytes(tmp("magic.trace"), "NOTATRACEFILE-AT-ALL", 20);
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(tmp("magic.trace")), "not a gilviz recording"));

	const char *path = tmp("version.trace");
	write_trace(path, 10, true);
	poke(path, 8, 0x01 ^ 0x02); /* version 1 -> 2 */
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(path), "version 2 is newer"));

	path = tmp("hlen.trace");
	write_trace(path, 10, true);
	poke(path, 15, 0x7f); /* the header's length: about 2 GB */
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(path), "runs past the file"));

	path = tmp("hcrc.trace");
	write_trace(path, 10, true);
	poke(path, 30, 0x01); /* a byte of the header text */
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(path), "checksum"));

	path = tmp("short.trace");
	write_trace(path, 10, true);
	truncate_to(path, 12);
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(path), "not a gilviz recording"));

	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(dir), "is a directory"));
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error("/dev/zero"), "not a regular file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(tmp("missing.trace")), "No such file"));
}

static void block_header_that_lies_stops_the_index(void)
{
	const char *path = tmp("lie.trace");
	write_trace(path, 5000, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	uint64_t second = t->blocks[1].offset;
	trace_close(t);
	/* The second block claims 16 million events. */
	poke(path, (long)second + 7, 0x01);
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nblocks, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "damaged header"));
	trace_close(t);
}

/* A slow-motion factor no gilviz writes (the engine takes 1 to 1000000)
 * is read as none: the UI turns it into an integer for its time scale. */
static void slow_motion_out_of_range_reads_as_none(void)
{
	const double bad[] = { 1e300, -2, 0.5 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *path = tmp("slow.trace");
		struct gv_error err;
		struct trace_meta m = meta();
		m.slow = bad[i];
		struct trace_writer *w = trace_writer_open(path, &m, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		CU_ASSERT_EQUAL(trace_writer_close(w, 1, 0, 0, false, &err), 0);
		struct trace *t = trace_open(path, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(t->meta.slow, 1.0);
		trace_close(t);
	}
}

static void crc32_matches_the_standard_check_value(void)
{
	CU_ASSERT_EQUAL(trace_crc32(0, "123456789", 9), 0xCBF43926u);
	CU_ASSERT_EQUAL(trace_crc32(0, "", 0), 0);
}

static int setup_dir(void)
{
	return mkdtemp(dir) ? 0 : -1;
}

/* Header strings from a file reach the terminal escaped: an OSC that sets
 * the title, a colour change and a right-to-left override, in the text
 * report of a replay. */
static void header_strings_reach_the_terminal_escaped(void)
{
	const char *path = tmp("escape.trace");
	struct trace_meta m = meta();
	m.recorded_at = (char *)"\x1b]0;pwned\x07";
	m.version = (char *)"\x1b[31m";
	m.kernel = (char *)"Linux \xc2\x9b" "2J \xe2\x80\xae";
	m.scenario_file = (char *)"t\x1b[2J.gil";
	struct gv_error err;
	struct trace_writer *w = trace_writer_open(path, &m, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct event e = mkev(0);
	e.tid = 0;
	CU_ASSERT_EQUAL(trace_writer_add(w, &e, 1, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(trace_writer_close(w, 10, 1, 0, false, &err), 0);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	CU_ASSERT_EQUAL(report_replay(path, REPORT_TEXT, out, NULL, NULL, &err), 0);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NULL(strchr(text, '\x1b'));
	CU_ASSERT_PTR_NULL(strchr(text, '\x07'));
	CU_ASSERT_PTR_NULL(strstr(text, "\xc2\x9b"));
	CU_ASSERT_PTR_NULL(strstr(text, "\xe2\x80\xae"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\\x1b]0;pwned\\x07"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "t\\x1b[2J.gil"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\\x9b2J \\u{202e}"));
	free(text);
}

/* A recording whose events name threads its scenario lacks (its header's
 * scenario has one thread; the events come from three): they are left
 * out, counted and said, no longer dropped in silence. */
static void events_of_unknown_threads_are_counted_and_said(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s", tmp("strays.trace"));
	write_trace(path, 300, true); /* tids 0, 1, 2 in turn */
	FILE *out = fopen("/dev/null", "w");
	struct gv_error err;
	char *warnings = NULL;
	int rc = report_replay(path, REPORT_TEXT, out, NULL, &warnings, &err);
	fclose(out);
	if (rc != 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(warnings);
	CU_ASSERT_PTR_NOT_NULL(strstr(warnings, ": 200 events of threads its scenario does not have (1 thread) left out"));
	free(warnings);
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(round_trip_keeps_meta_and_events),
	CU_TEST_ENTRY(find_block_seeks_by_time),
	CU_TEST_ENTRY(killed_recording_keeps_its_complete_blocks),
	CU_TEST_ENTRY(flipped_payload_bit_is_caught_by_the_checksum),
	CU_TEST_ENTRY(bad_files_get_clear_messages),
	CU_TEST_ENTRY(block_header_that_lies_stops_the_index),
	CU_TEST_ENTRY(crc32_matches_the_standard_check_value),
	CU_TEST_ENTRY(slow_motion_out_of_range_reads_as_none),
	CU_TEST_ENTRY(header_strings_reach_the_terminal_escaped),
	CU_TEST_ENTRY(events_of_unknown_threads_are_counted_and_said),
	CU_TEST_END,
};

int main(void)
{
	if (setup_dir() != 0)
		return 99;
	int rc = cu_main("trace", tests);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
