/*
 * test_trace.c -- recordings: round trips, the old version still read,
 * killed runs, and every kind of bad file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu.h"
#include "evkinds.h"
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

static const char *srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
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
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(t->nblocks, 2);
	size_t cut = (size_t)t->blocks[1].offset + 8 + t->blocks[1].size / 2;
	trace_close(t);
	truncate_to(path, cut);
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nblocks, 1);
	CU_ASSERT_EQUAL(t->events, 4096);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "cut short"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "1 complete block"));
	struct event evs[TRACE_BLOCK_EVENTS];
	CU_ASSERT_EQUAL(trace_read_block(t, 0, evs, &err), 4096);
	CU_ASSERT_EQUAL(evs[4095].seq, 4095);
	trace_close(t);
}

static void flipped_payload_bit_is_caught_by_the_checksum(void)
{
	const char *path = tmp("flip.trace");
	write_trace(path, 100, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	uint64_t block = t->blocks[0].offset;
	trace_close(t);
	poke(path, (long)block + 48 + 10, 0x10); /* a compressed byte */
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct event evs[TRACE_BLOCK_EVENTS];
	CU_ASSERT_EQUAL(trace_read_block(t, 0, evs, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "checksum"));
	char at[64];
	snprintf(at, sizeof at, "block at byte %lu ", (unsigned long)block);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, at));
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
	poke(path, 8, 0x03 ^ 0x04); /* version 3 -> 4 */
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(path), "version 4 is newer"));
	poke(path, 8, 0x04); /* version 0 */
	CU_ASSERT_PTR_NOT_NULL(strstr(open_error(path), "version 0 is other"));

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
	poke(path, (long)second + 11, 0x01);
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

static unsigned char *read_all(const char *path, size_t *len)
{
	*len = file_size(path);
	unsigned char *b = malloc(*len);
	FILE *f = fopen(path, "rb");
	CU_ASSERT_FATAL(f && fread(b, 1, *len, f) == *len);
	fclose(f);
	return b;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A version 2 block's checksum, put right after the block was changed. */
static void fix_crc(unsigned char *block, size_t size)
{
	uint32_t crc = trace_crc32(trace_crc32(0, block, 44), block + 48, 8 + size - 48);
	put32(block + 44, crc);
}

/* Every event of t, in order; *n is set to their number. */
static struct event *read_events(struct trace *t, size_t *n)
{
	struct gv_error err;
	struct event *all = malloc((t->events + 1) * sizeof *all);
	*n = 0;
	for (size_t b = 0; b < t->nblocks; b++) {
		long k = trace_read_block(t, b, all + *n, &err);
		CU_ASSERT_FATAL(k == (long)t->blocks[b].count);
		*n += (size_t)k;
	}
	return all;
}

/* tests/data/v1-small.trace and v2-small.trace were written by gilviz
 * 0.1.0 in format versions 1 and 2 (each a real run of a hog, an I/O
 * thread and a worker process, 0.25 s). Each still opens; written again
 * in this version, block by block, it reads back as the same blocks,
 * events and figures, so it replays the same, in fewer bytes. */
static void old_recording_reads_the_same_now(const char *name, unsigned version,
					     size_t nblocks)
{
	char old[600];
	snprintf(old, sizeof old, "%s/tests/data/%s", srcdir(), name);
	struct gv_error err;
	struct trace *a = trace_open(old, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->version, version);
	CU_ASSERT(a->complete);
	CU_ASSERT_PTR_NULL(a->warning);
	CU_ASSERT_EQUAL(a->nblocks, nblocks);
	CU_ASSERT_EQUAL(a->events, 206);
	CU_ASSERT_PTR_NOT_NULL(strstr(a->meta.scenario_text, "thread hog { cpu 230ms }"));
	size_t n;
	struct event *ea = read_events(a, &n);
	CU_ASSERT_EQUAL_FATAL(n, 206);
	/* Each source's events (three threads, two GILs) come with seq 0,
	 * 1, 2...: read right. */
	uint32_t next[5] = { 0 };
	size_t out_of_order = 0, waits = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned src = ea[i].tid == EVENT_TID_GIL ? 3u + ea[i].aux : ea[i].tid;
		CU_ASSERT_FATAL(src < 5);
		out_of_order += ea[i].seq != next[src]++;
		/* A wait is shorter than the run: read right too. */
		if (ea[i].type == EV_GIL_ACQUIRE)
			waits += ea[i].arg < 300000000u;
	}
	CU_ASSERT_EQUAL(out_of_order, 0);
	CU_ASSERT(waits > 20);
	CU_ASSERT_EQUAL(ea[0].type, EV_THREAD_START);

	char path[64];
	snprintf(path, sizeof path, "now-of-v%u.trace", version);
	const char *now = tmp(path);
	struct trace_writer *w = trace_writer_open(now, &a->meta, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	size_t k = 0;
	for (size_t b = 0; b < a->nblocks; b++) {
		CU_ASSERT_EQUAL(trace_writer_add(w, ea + k, a->blocks[b].count, a->blocks[b].dropped, &err), 0);
		CU_ASSERT_EQUAL(trace_writer_flush(w, true, &err), 0);
		k += a->blocks[b].count;
	}
	unsigned flags = (a->interrupted ? TRACE_END_INTERRUPTED : 0) |
			 (a->deadlocked ? TRACE_END_DEADLOCKED : 0);
	CU_ASSERT_EQUAL_FATAL(trace_writer_close(w, a->elapsed_ns, a->events, a->dropped, flags,
						 &err), 0);
	struct trace *b = trace_open(now, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->version, TRACE_VERSION);
	CU_ASSERT(b->complete);
	CU_ASSERT_PTR_NULL(b->warning);
	CU_ASSERT_EQUAL(b->elapsed_ns, a->elapsed_ns);
	CU_ASSERT_EQUAL(b->dropped, a->dropped);
	CU_ASSERT_EQUAL(b->interrupted, a->interrupted);
	CU_ASSERT_EQUAL(b->deadlocked, a->deadlocked);
	CU_ASSERT_STRING_EQUAL(b->meta.scenario_text, a->meta.scenario_text);
	CU_ASSERT_STRING_EQUAL(b->meta.recorded_at, a->meta.recorded_at);
	CU_ASSERT_EQUAL(b->meta.t_start, a->meta.t_start);
	CU_ASSERT_EQUAL_FATAL(b->nblocks, a->nblocks);
	for (size_t i = 0; i < a->nblocks; i++) {
		CU_ASSERT_EQUAL(b->blocks[i].count, a->blocks[i].count);
		CU_ASSERT_EQUAL(b->blocks[i].first_t, a->blocks[i].first_t);
		CU_ASSERT_EQUAL(b->blocks[i].last_t, a->blocks[i].last_t);
		CU_ASSERT_EQUAL(b->blocks[i].dropped, a->blocks[i].dropped);
	}
	struct event *eb = read_events(b, &n);
	CU_ASSERT_EQUAL_FATAL(n, 206);
	CU_ASSERT_EQUAL(memcmp(ea, eb, n * sizeof *ea), 0);
	CU_ASSERT(file_size(now) < file_size(old));
	free(ea);
	free(eb);
	trace_close(a);
	trace_close(b);
}

static void version_1_recording_reads_the_same_now(void)
{
	old_recording_reads_the_same_now("v1-small.trace", 1, 3);
}

static void version_2_recording_reads_the_same_now(void)
{
	old_recording_reads_the_same_now("v2-small.trace", 2, 2);
}

/* tests/data/v2-kinds.trace holds evkinds.h's run, written by gilviz
 * 0.1.0 in format version 2: every kind of event, with the args a run
 * gives and others. It reads back exactly, and so does the same run
 * written again in this version. Version 3's encodings measure more args
 * from earlier events: a version 2 block read as if in them would not. */
static void version_2_every_kind_reads_exactly(void)
{
	static struct event want[EVKINDS_N];
	evkinds_make(want, EVKINDS_N);
	char old[600];
	snprintf(old, sizeof old, "%s/tests/data/v2-kinds.trace", srcdir());
	struct gv_error err;
	struct trace *a = trace_open(old, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->version, 2);
	CU_ASSERT_PTR_NULL(a->warning);
	size_t n;
	struct event *got = read_events(a, &n);
	CU_ASSERT_EQUAL_FATAL(n, EVKINDS_N);
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof want), 0);
	free(got);

	const char *now = tmp("kinds-now.trace");
	struct trace_writer *w = trace_writer_open(now, &a->meta, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(trace_writer_add(w, want, EVKINDS_N, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(trace_writer_close(w, a->elapsed_ns, EVKINDS_N, 0, 0, &err), 0);
	trace_close(a);
	struct trace *b = trace_open(now, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->version, TRACE_VERSION);
	got = read_events(b, &n);
	CU_ASSERT_EQUAL_FATAL(n, EVKINDS_N);
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof want), 0);
	free(got);
	trace_close(b);
}

/* The file b (len bytes) with block blk's encoding field set to enc (its
 * checksum put right), opened; *damaged is what the index says when it
 * refuses that block. */
static struct trace *open_with_encoding(unsigned char *b, size_t len,
					const struct trace_block_info *blk, uint32_t enc,
					char *damaged, size_t dlen)
{
	put32(b + blk->offset + 40, enc);
	fix_crc(b + blk->offset, blk->size);
	snprintf(damaged, dlen, "block at byte %lu has a damaged header",
		 (unsigned long)blk->offset);
	struct gv_error err;
	struct trace *t = trace_open_stream(fmemopen(b, len, "rb"), "encoding.trace", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/* A block whose encoding is not one of its version's is refused where it
 * is: the blocks before it still read. */
static void a_block_in_another_versions_encoding_stops_the_index(void)
{
	const char *path = tmp("encoding.trace");
	write_trace(path, 3 * TRACE_BLOCK_EVENTS, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(t->nblocks, 3);
	struct trace_block_info blk = t->blocks[1];
	trace_close(t);
	size_t len;
	unsigned char *b = read_all(path, &len);
	char at[64];
	for (uint32_t enc = 0; enc <= 4; enc++) {
		t = open_with_encoding(b, len, &blk, enc, at, sizeof at);
		if (enc == 2 || enc == 3) { /* version 3's two */
			CU_ASSERT_EQUAL(t->nblocks, 3);
		} else {
			CU_ASSERT_EQUAL(t->nblocks, 1);
			CU_ASSERT_PTR_NOT_NULL(t->warning ? strstr(t->warning, at) : NULL);
		}
		trace_close(t);
	}
	free(b);

	/* A version 2 file knows only encoding 1. */
	char old[600];
	snprintf(old, sizeof old, "%s/tests/data/v2-kinds.trace", srcdir());
	t = trace_open(old, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	blk = t->blocks[0];
	trace_close(t);
	b = read_all(old, &len);
	for (uint32_t enc = 2; enc <= 3; enc++) {
		t = open_with_encoding(b, len, &blk, enc, at, sizeof at);
		CU_ASSERT_EQUAL(t->nblocks, 0);
		CU_ASSERT_PTR_NOT_NULL(t->warning ? strstr(t->warning, at) : NULL);
		trace_close(t);
	}
	free(b);
}

/* Values the column encoding must carry exactly although no run makes
 * them: a tid's time going backwards, seq jumping and wrapping, waits
 * longer than the time since the request, the largest tid and arg, and
 * for every arg measured against an earlier event (a stretch off a core,
 * a pause, a lock's wait and hold, a forced drop's number) one that is
 * not, with and without that event before it. */
static void unusual_events_round_trip_exactly(void)
{
	enum { N = 9000 }; /* three blocks */
	struct event *evs = malloc(N * sizeof *evs);
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		uint16_t tids[] = { 0, 1, 2, 300, EVENT_TID_GIL, 0xFFFE };
		static const uint8_t kinds[] = {
			EV_GIL_REQUEST, EV_GIL_ACQUIRE, EV_GIL_RELEASE, EV_DROP_REQUEST,
			EV_FAILED_WAKEUP, EV_FORCED_DROP, EV_OFF_CORE, EV_ON_CORE,
			EV_STW_STOP, EV_STW_GO, EV_LOCK_WAIT, EV_LOCK_TAKE, EV_LOCK_RELEASE,
		};
		evs[i] = (struct event){
			.t = (1ull << 62) + (x >> 40) * ((i % 7) ? 1 : 1000000),
			.arg = i % 5 == 0 ? UINT64_MAX : i % 5 == 1 ? 0 : x,
			.seq = i % 11 == 0 ? (uint32_t)x : 0xFFFFFFF0u + (uint32_t)i,
			.tid = tids[(x >> 8) % 6],
			.type = (uint8_t)(i % 3 ? kinds[(x >> 20) % GV_ARRAY_LEN(kinds)]
					       : (x >> 24) & 0xff),
			.aux = (uint8_t)(x >> 32),
		};
	}
	const char *path = tmp("unusual.trace");
	struct gv_error err;
	struct trace_meta m = meta();
	struct trace_writer *w = trace_writer_open(path, &m, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(trace_writer_add(w, evs, N, 0, &err), 0);
	CU_ASSERT_EQUAL_FATAL(trace_writer_close(w, 1, N, 0, 0, &err), 0);
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	size_t n;
	struct event *back = read_events(t, &n);
	CU_ASSERT_EQUAL_FATAL(n, N);
	CU_ASSERT_EQUAL(memcmp(evs, back, N * sizeof *evs), 0);
	/* Each block decodes alone: read last to first, the same. */
	CU_ASSERT_FATAL(t->nblocks == 3);
	memset(back, 0, N * sizeof *back);
	size_t at = N;
	for (size_t b = t->nblocks; b-- > 0;) {
		at -= t->blocks[b].count;
		CU_ASSERT_EQUAL(trace_read_block(t, b, back + at, &err), (long)t->blocks[b].count);
	}
	CU_ASSERT_EQUAL(at, 0);
	CU_ASSERT_EQUAL(memcmp(evs, back, N * sizeof *evs), 0);
	free(back);
	free(evs);
	trace_close(t);
}

/* Damage behind a valid CRC (a writer's bug, or a file made to mislead):
 * a bit of every byte of a block's compressed data changed in turn is
 * refused with the block's offset (zstd's own checksum of what it
 * decompresses catches nearly all), or read as the block's count of
 * events; never a crash. */
static void corrupted_compressed_blocks_are_refused_with_their_offset(void)
{
	const char *path = tmp("zcorrupt.trace");
	write_trace(path, 1000, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct trace_block_info blk = t->blocks[0];
	trace_close(t);
	size_t len;
	unsigned char *orig = read_all(path, &len);
	unsigned char *b = malloc(len);
	char at[64];
	snprintf(at, sizeof at, "block at byte %lu ", (unsigned long)blk.offset);
	struct event *evs = malloc(TRACE_BLOCK_EVENTS * sizeof *evs);
	size_t refused = 0, tried = 0, unnamed = 0;
	for (size_t i = 48; i < 8 + (size_t)blk.size; i++) {
		memcpy(b, orig, len);
		b[blk.offset + i] ^= (unsigned char)(1u << (i % 8));
		fix_crc(b + blk.offset, blk.size);
		t = trace_open_stream(fmemopen(b, len, "rb"), "zbad.trace", &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		long n = trace_read_block(t, 0, evs, &err);
		tried++;
		if (n < 0) {
			refused++;
			unnamed += strstr(err.msg, at) == NULL;
		} else {
			CU_ASSERT_EQUAL(n, (long)blk.count);
		}
		trace_close(t);
	}
	CU_ASSERT(tried > 100);
	CU_ASSERT(refused * 100 >= tried * 99);
	CU_ASSERT_EQUAL(unnamed, 0);

	/* The encoded length in the header, changed within its limits. */
	memcpy(b, orig, len);
	put32(b + blk.offset + 12, 1000 * 7 + 1);
	fix_crc(b + blk.offset, blk.size);
	t = trace_open_stream(fmemopen(b, len, "rb"), "zbad.trace", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(trace_read_block(t, 0, evs, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "does not decompress"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, at));
	trace_close(t);
	free(evs);
	free(b);
	free(orig);
}

/* A block of a kind this gilviz does not know (a later version's
 * checkpoint) is stepped over: the events around it all replay. */
static void unknown_block_kinds_are_stepped_over(void)
{
	const char *path = tmp("kinds.trace");
	write_trace(path, 5000, true);
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	size_t at = (size_t)t->blocks[1].offset;
	trace_close(t);
	size_t len;
	unsigned char *orig = read_all(path, &len);
	unsigned char *b = malloc(len + 24);
	memcpy(b, orig, at);
	memcpy(b + at, "CKPT", 4);
	put32(b + at + 4, 16);
	memset(b + at + 8, 0xAB, 16);
	memcpy(b + at + 24, orig + at, len - at);
	write_bytes(path, b, len + 24);
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT(t->complete);
	CU_ASSERT_PTR_NULL(t->warning);
	CU_ASSERT_EQUAL(t->nblocks, 2);
	size_t n;
	struct event *evs = read_events(t, &n);
	CU_ASSERT_EQUAL(n, 5000);
	struct event want = mkev(4999);
	CU_ASSERT_EQUAL(memcmp(&evs[4999], &want, sizeof want), 0);
	free(evs);
	trace_close(t);

	/* Where a block should start, bytes that are no kind are damage. */
	memcpy(b + at, "ck\x01T", 4);
	write_bytes(path, b, len + 24);
	t = trace_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->nblocks, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(t->warning, "damaged data"));
	trace_close(t);
	free(b);
	free(orig);
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
	CU_TEST_ENTRY(version_1_recording_reads_the_same_now),
	CU_TEST_ENTRY(version_2_recording_reads_the_same_now),
	CU_TEST_ENTRY(version_2_every_kind_reads_exactly),
	CU_TEST_ENTRY(a_block_in_another_versions_encoding_stops_the_index),
	CU_TEST_ENTRY(unusual_events_round_trip_exactly),
	CU_TEST_ENTRY(corrupted_compressed_blocks_are_refused_with_their_offset),
	CU_TEST_ENTRY(unknown_block_kinds_are_stepped_over),
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
