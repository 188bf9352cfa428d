/*
 * bench_record.c -- what a recording costs, in bytes and in CPU time.
 *
 * Given a recording (any version), it reads every event, then writes
 * them again in the current format, block for block, and reads that back,
 * and prints for each event: the bytes in the current format and in
 * version 1 (24 bytes an event, 40 a block), the bytes zstd alone makes of
 * the raw events (what the column transform buys), and the CPU time the
 * consumer spends recording an event and a replay spends reading it back,
 * beside the CPU time version 1's writing took (a CRC over the raw bytes
 * and a write).
 *
 * Usage: bench_record RECORDING [HOUR_EVENTS [REPS]]
 * HOUR_EVENTS (default 10400000, the events of an hour-long 8-thread run)
 * turns bytes an event into the size of such an hour; the CPU times are
 * the least of REPS (default 5) rounds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "bench.h"
#include "trace.h"

static int64_t process_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		fatal("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

static void put_event_v1(unsigned char *p, const struct event *e)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (unsigned char)(e->t >> (8 * i));
		p[8 + i] = (unsigned char)(e->arg >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		p[16 + i] = (unsigned char)(e->seq >> (8 * i));
	p[20] = (unsigned char)e->tid;
	p[21] = (unsigned char)(e->tid >> 8);
	p[22] = e->type;
	p[23] = e->aux;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_record RECORDING [HOUR_EVENTS [REPS]]\n");
		return 2;
	}
	double hour_events = argc > 2 ? atof(argv[2]) : 10.4e6;
	int reps = argc > 3 ? atoi(argv[3]) : 5;
	if (!(hour_events > 0) || reps < 1) {
		fprintf(stderr, "bench_record: HOUR_EVENTS and REPS must be positive\n");
		return 2;
	}
	struct gv_error err;
	struct trace *t = trace_open(argv[1], &err);
	if (!t) {
		char msg[1024];
		gv_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "bench_record: %s\n", msg);
		return 1;
	}
	size_t n = 0;
	struct event *evs = xmalloc((t->events + 1) * sizeof *evs);
	for (size_t b = 0; b < t->nblocks; b++) {
		long k = trace_read_block(t, b, evs + n, &err);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	if (n == 0) {
		fprintf(stderr, "bench_record: %s holds no events\n", argv[1]);
		trace_close(t);
		return 1;
	}

	char path[] = "/tmp/gilviz-bench-record-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		fatal("mkstemp failed");
	close(fd);

	/* Write the events again, block for block, a few times over. */
	int64_t write_ns = INT64_MAX;
	for (int r = 0; r < reps; r++) {
		int64_t c0 = process_cpu_ns();
		struct trace_writer *w = trace_writer_open(path, &t->meta, &err);
		if (!w)
			fatal("cannot write %s", path);
		size_t k = 0;
		for (size_t b = 0; b < t->nblocks && k < n; b++) {
			size_t c = t->blocks[b].count;
			trace_writer_add(w, evs + k, c, t->blocks[b].dropped, &err);
			trace_writer_flush(w, true, &err);
			k += c;
		}
		trace_writer_close(w, t->elapsed_ns, n, t->dropped, 0, &err);
		int64_t c = process_cpu_ns() - c0;
		if (c < write_ns)
			write_ns = c;
	}
	double v2_bytes = file_bytes(path);

	/* Read them back. */
	int64_t read_ns = INT64_MAX;
	struct event *back = xmalloc(TRACE_BLOCK_EVENTS * sizeof *back);
	for (int r = 0; r < reps; r++) {
		int64_t c0 = process_cpu_ns();
		struct trace *u = trace_open(path, &err);
		if (!u)
			fatal("cannot read %s back", path);
		for (size_t b = 0; b < u->nblocks; b++)
			trace_read_block(u, b, back, &err);
		trace_close(u);
		int64_t c = process_cpu_ns() - c0;
		if (c < read_ns)
			read_ns = c;
	}

	/* Version 1's work and size for the same blocks, and zstd alone on
	 * its raw rows. */
	unsigned char *rows = xmalloc(TRACE_BLOCK_EVENTS * 24);
	size_t zcap = ZSTD_compressBound(TRACE_BLOCK_EVENTS * 24);
	unsigned char *z = xmalloc(zcap);
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	double v1_bytes = 0, zrows = 0;
	int64_t v1_ns = INT64_MAX;
	for (int r = 0; r < reps; r++) {
		FILE *f = fopen(path, "wb");
		if (!f)
			fatal("cannot write %s", path);
		int64_t c0 = process_cpu_ns();
		size_t k = 0;
		/* The file header (the same text) and the end block. */
		double bytes = (double)(t->nblocks ? t->blocks[0].offset : 0) + 40;
		for (size_t b = 0; b < t->nblocks && k < n; b++) {
			size_t c = t->blocks[b].count;
			for (size_t i = 0; i < c; i++)
				put_event_v1(rows + 24 * i, &evs[k + i]);
			uint32_t crc = trace_crc32(0, rows, 24 * c);
			fwrite(&crc, 1, sizeof crc, f);
			fwrite(rows, 1, 24 * c, f);
			fflush(f);
			bytes += 40 + 24.0 * (double)c;
			k += c;
		}
		int64_t c = process_cpu_ns() - c0;
		if (c < v1_ns)
			v1_ns = c;
		fclose(f);
		v1_bytes = bytes;
	}
	for (size_t b = 0, k = 0; b < t->nblocks && k < n; b++) {
		size_t c = t->blocks[b].count;
		for (size_t i = 0; i < c; i++)
			put_event_v1(rows + 24 * i, &evs[k + i]);
		zrows += 48 + (double)ZSTD_compressCCtx(zc, z, zcap, rows, 24 * c, 3);
		k += c;
	}
	ZSTD_freeCCtx(zc);
	unlink(path);

	double dn = (double)n;
	printf("  %zu events in %zu blocks (%.0f an event block), from %s\n", n, t->nblocks,
	       dn / (double)t->nblocks, argv[1]);
	char label[160];
	snprintf(label, sizeof label, "bytes an event, version %u (columns, zstd)", TRACE_VERSION);
	bench_print(label, v2_bytes / dn, "B", BENCH_AT_MOST, 5);
	bench_print("bytes an event, zstd on raw events, no columns", zrows / dn, "B",
		    BENCH_AT_MOST, 0);
	bench_print("bytes an event, version 1 (raw)", v1_bytes / dn, "B", BENCH_AT_MOST, 0);
	snprintf(label, sizeof label, "an hour of %.1f M events, version %u", hour_events / 1e6,
		 TRACE_VERSION);
	bench_print(label, v2_bytes / dn * hour_events / 1e6, "MB", BENCH_AT_MOST, 50);
	snprintf(label, sizeof label, "an hour of %.1f M events, version 1", hour_events / 1e6);
	bench_print(label, v1_bytes / dn * hour_events / 1e6, "MB", BENCH_AT_MOST, 0);
	/* The file given, as its run wrote it: with its checkpoints. */
	double as_is = file_bytes(argv[1]);
	snprintf(label, sizeof label, "bytes an event as recorded (version %u, checkpoints too)",
		 t->version);
	bench_print(label, as_is / dn, "B", BENCH_AT_MOST, 0);
	snprintf(label, sizeof label, "an hour of %.1f M events as recorded", hour_events / 1e6);
	bench_print(label, as_is / dn * hour_events / 1e6, "MB", BENCH_AT_MOST, 50);
	/* An hour of this run itself, at the rate its events came. */
	if (t->elapsed_ns > 0) {
		double hour_here = dn / ((double)t->elapsed_ns / 1e9) * 3600;
		snprintf(label, sizeof label, "an hour of this run (%.1f M events) as recorded",
			 hour_here / 1e6);
		bench_print(label, as_is / dn * hour_here / 1e6, "MB", BENCH_AT_MOST, 50);
	}
	bench_print("consumer CPU to record an event, this version", (double)write_ns / dn, "ns",
		    BENCH_AT_MOST, 0);
	bench_print("consumer CPU to record an event, version 1", (double)v1_ns / dn, "ns",
		    BENCH_AT_MOST, 0);
	bench_print("CPU to read an event back, this version", (double)read_ns / dn, "ns",
		    BENCH_AT_MOST, 0);
	free(rows);
	free(z);
	free(back);
	free(evs);
	trace_close(t);
	return 0;
}
