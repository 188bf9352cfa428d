/*
 * trace.h -- the recording of a run: a versioned file that holds what is
 * needed to show the run again (the scenario's text, the options, the
 * machine) and every event the ring delivered, in checksummed blocks.
 *
 * The layout (all integers little-endian):
 *
 *   file header   "GILVIZ-T" (8 bytes), version u32, header text length
 *                 u32, CRC-32 of the text u32, then the text: lines of
 *                 "key value" (see trace_meta), the scenario last, as
 *                 "scenario N" followed by N bytes of scenario source.
 *   blocks        "EVTS" u32 magic, event count u32, first t u64, last t
 *                 u64, events dropped by the ring so far u64, CRC-32 of
 *                 the payload u32, pad u32, then count events of 24 bytes
 *                 (t u64, arg u64, seq u32, tid u16, type u8, aux u8).
 *   end block     "END." u32, flags u32 (1: interrupted, 2: deadlocked), elapsed ns u64,
 *                 events u64, dropped
 *                 u64, CRC-32 of the 24 bytes before it u32, pad u32.
 *
 * The writer flushes a block at least every TRACE_FLUSH_NS, so a run
 * killed with SIGKILL leaves a file (the temporary PATH.part) whose
 * complete blocks all replay; the
 * reader says where such a file stops. Blocks are indexed on open by
 * reading their headers only, so a long recording opens fast and seeks to
 * any time by loading one block.
 */
#ifndef GILVIZ_TRACE_H
#define GILVIZ_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "util.h"

#define TRACE_MAGIC "GILVIZ-T"
#define TRACE_VERSION 1u
#define TRACE_BLOCK_EVENTS 4096u
#define TRACE_FLUSH_NS 100000000LL /* 100 ms */
/* Limits the reader enforces, so that a lying file cannot make it
 * allocate absurd amounts. */
#define TRACE_MAX_HEADER (2u * 1024 * 1024)
#define TRACE_MAX_BLOCKS (1u << 26)

/* What a recording says about its run besides the events. */
struct trace_meta {
	char *scenario_text;  /* the scenario's source */
	char *scenario_file;  /* the name it was read from */
	char *policy;         /* "new", "legacy", "none" */
	int64_t interval_ns;  /* the interval the run started with */
	int64_t duration_ns;  /* the --duration given, 0 if none */
	double slow;
	char *time_mode;      /* "real" */
	uint64_t seed;
	double tick_ns;
	unsigned cores;       /* of the machine that recorded (virtual: modelled) */
	char *kernel;         /* uname -sr of that machine */
	char *recorded_at;    /* ISO 8601, UTC */
	char *version;        /* gilviz's */
	uint64_t t_start;     /* the run's start, on the events' clock */
};

void trace_meta_free(struct trace_meta *m);

/* ---- writing -------------------------------------------------------- */

struct trace_writer;

/* Start a recording to path and write the header. It is written to a
 * temporary file beside path (see outfile_open) and renamed onto path by
 * trace_writer_close, so a failed run never truncates what path held and
 * a killed one leaves the temporary file, which replays. NULL and err on
 * failure. */
struct trace_writer *trace_writer_open(const char *path, const struct trace_meta *m,
				       struct gv_error *err);
/* Append events (buffered; a full block is written at once). dropped is
 * the ring's drop count so far. Returns -1 on a write error (then err). */
int trace_writer_add(struct trace_writer *w, const struct event *evs, size_t n,
		     uint64_t dropped, struct gv_error *err);
/* Write out the block in progress if it is older than TRACE_FLUSH_NS of
 * wall time, or if force. */
int trace_writer_flush(struct trace_writer *w, bool force, struct gv_error *err);
/* How the run ended, in the end block (readers ignore flags they do not
 * know). */
#define TRACE_END_INTERRUPTED 1u /* stopped early */
#define TRACE_END_DEADLOCKED 2u  /* every thread left waited on a queue */
/* Flush, write the end block (end_flags: TRACE_END_*), close. Returns -1
 * on error. Frees w. */
int trace_writer_close(struct trace_writer *w, int64_t elapsed_ns, uint64_t events,
		       uint64_t dropped, unsigned end_flags, struct gv_error *err);
/* Give up (a failed run): the temporary file is removed; frees w. */
void trace_writer_abort(struct trace_writer *w);
/* The temporary file being written until the recording is closed (NULL
 * when path is a pipe or a device, written directly). */
const char *trace_writer_tmp(const struct trace_writer *w);

/* ---- reading -------------------------------------------------------- */

struct trace_block_info {
	uint64_t offset;   /* of the block header in the file */
	uint32_t count;
	uint64_t first_t;
	uint64_t last_t;
	uint64_t dropped;
};

struct trace {
	struct trace_meta meta;
	struct trace_block_info *blocks;
	size_t nblocks;
	uint64_t events;     /* in all complete blocks */
	bool complete;       /* the end block was there */
	bool interrupted;    /* the end block says the run was stopped early */
	bool deadlocked;     /* ... or ended with every thread left waiting on a queue */
	int64_t elapsed_ns;  /* from the end block, else from the events */
	uint64_t dropped;    /* from the end block, else the last block's */
	char *warning;       /* why reading stopped early, or NULL */
	FILE *f;
	char *path;
};

/* Open a recording and index its blocks. A damaged tail (a cut block, a
 * bad checksum) leaves the intact prefix and a warning; NULL and err if
 * nothing could be read (not a file, empty, wrong magic, newer version, a
 * damaged header). */
struct trace *trace_open(const char *path, struct gv_error *err);
/* The same over a stream (for the fuzzer); takes ownership of f. */
struct trace *trace_open_stream(FILE *f, const char *name, struct gv_error *err);
void trace_close(struct trace *t);

/* Load block i's events into out (room for TRACE_BLOCK_EVENTS), checking
 * its checksum. Returns the count, or -1 and err. */
long trace_read_block(struct trace *t, size_t i, struct event *out, struct gv_error *err);
/* The first block whose events may reach time t (for seeking). */
size_t trace_find_block(const struct trace *t, uint64_t t_ns);

/* CRC-32 (IEEE), for the checksums. */
uint32_t trace_crc32(uint32_t crc, const void *data, size_t len);

#endif
