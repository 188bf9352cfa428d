/*
 * trace.h -- the recording of a run: a versioned file that holds what is
 * needed to show the run again (the scenario's text, the options, the
 * machine) and every event the ring delivered, in checksummed blocks,
 * each compressed on its own.
 *
 * The layout of version 3, written now, and of version 2 (all integers
 * little-endian):
 *
 *   file header   "GILVIZ-T" (8 bytes), version u32, header text length
 *                 u32, CRC-32 of the text u32, then the text: lines of
 *                 "key value" (see trace_meta), the scenario last, as
 *                 "scenario N" followed by N bytes of scenario source.
 *   blocks        each opens with its kind u32 (four letters) and the
 *                 size u32 of what follows, so that a reader can step over
 *                 a kind it does not know.
 *   "EVTZ" block  events: kind, size, count u32, encoded length u32,
 *                 first t u64, last t u64, events dropped by the ring so
 *                 far u64, encoding u32 (version 2: 1; version 3: 2
 *                 or 3, whichever the writer found smaller),
 *                 CRC-32 u32 of the 44 bytes
 *                 before it and of the compressed bytes after it; then
 *                 size - 40 compressed bytes: one zstd frame holding the
 *                 block's encoded events (see below).
 *   "END." block  kind, size (32), elapsed ns u64, events u64, dropped
 *                 u64, flags u32 (TRACE_END_*: 1 interrupted, 2
 *                 deadlocked), CRC-32 of the 36 bytes before it u32.
 *
 * Every encoding stores a block's n events in columns, each column's
 * values alike, so that zstd finds their repeats: n tids (u16), n types
 * (u8), n auxes (u8), then three columns of n LEB128 varints of zigzagged
 * differences (all modulo 2^64):
 *   t     encodings 1 and 2: minus the previous t of the same tid in the
 *         block; encoding 3: minus the previous event's t in the block;
 *         the first, minus the block's first t. The writer makes both t
 *         columns and keeps the one zstd (at level 1) makes fewer bytes
 *         of: events of many busy threads come close together, so their
 *         differences from event to event are smaller (eight threads in
 *         real time), while a thread that repeats itself exactly (in
 *         virtual time) repeats its own differences, which zstd finds.
 *   seq   minus one more than the previous seq of the same tid (the
 *         first: minus 0).
 *   arg   minus what it is measured against, when the tid had that
 *         event earlier in the block: the time since its last
 *         EV_GIL_REQUEST, for the wait an EV_GIL_ACQUIRE, EV_DROP_REQUEST
 *         or EV_FAILED_WAKEUP carries; in encodings 2 and 3 also the
 *         time since its last EV_OFF_CORE for an EV_ON_CORE, EV_STW_STOP
 *         for an EV_STW_GO, EV_LOCK_WAIT for an EV_LOCK_TAKE and
 *         EV_LOCK_TAKE for an EV_LOCK_RELEASE (each used once: a lock
 *         taken at once after an earlier wait is not measured from it),
 *         and for an EV_FORCED_DROP one more than the block's last forced
 *         drop's number. Otherwise as it is.
 * Nothing refers to another block, so any block decodes alone: a run
 * killed mid-block replays its complete blocks, and a seek loads one
 * block. Version 3 stores the events of a real-time run of eight threads
 * in about 10% fewer bytes than version 2, of a virtual one in 12% fewer,
 * and of no lesson in more (bench/bench_record on the same recording,
 * built from each).
 *
 * Version 2 (still read) is version 3 with encoding 1 in every event
 * block. Version 1 (still read): the same file header; blocks "EVTS" u32, count
 * u32, first t u64, last t u64, dropped u64, CRC-32 of the payload u32,
 * pad u32, then count raw events of 24 bytes (t u64, arg u64, seq u32,
 * tid u16, type u8, aux u8); the end block "END." u32, flags u32 (as in
 * version 2), elapsed ns u64, events u64, dropped u64, CRC-32 of the 32
 * bytes before it u32, pad u32.
 *
 * The writer flushes a block at least every TRACE_FLUSH_NS, so a run
 * killed with SIGKILL leaves a file (the temporary PATH.part) whose
 * complete blocks all replay; the reader says where such a file stops.
 * Blocks are indexed on open by reading their headers only, so a long
 * recording opens fast and seeks to any time by loading one block.
 *
 *   "CKPT" block  a checkpoint: the model's state after every event of
 *                 the event blocks before it. Kind, size, event blocks
 *                 before it u32, state length u32, events before it u64,
 *                 the greatest t of those events u64, the state's layout
 *                 stamp u32 (ckpt.h), CRC-32 u32 of the 36 bytes before
 *                 it and of the compressed bytes after it; then size - 32
 *                 compressed bytes: one zstd frame of the state.
 *
 * Checkpoints. The consumer that writes a recording (the drain thread,
 * never a simulated one) writes a checkpoint once TRACE_CKPT_BLOCKS event
 * blocks and TRACE_CKPT_EVENTS events were written since the last, the
 * block in progress written out first, so that the state is the one
 * after exactly the blocks before it. They came with no change of
 * version: a reader that knows no CKPT steps over it and replays in one
 * pass, and recordings without them still read. The reader lists them
 * beside blocks[]; a seek to t loads the last checkpoint whose events
 * all come at or before t and feeds the blocks after it, about
 * TRACE_CKPT_EVENTS events at most (replay.c). A checkpoint whose
 * header does not follow the blocks it names is left out of the index;
 * one that fails its checksum, its decompression or its layout stamp
 * when loaded is passed over for the one before it (or the start), with
 * a warning. What a checkpoint holds of the model's bounded rings
 * (ckpt.h): every counter and open span, and the last CKPT_SPANS closed
 * spans of each thread, which is what a timeline shows around the time
 * sought; older spans count as forgotten.
 *
 * New kinds of event. An event's type, aux and arg are stored whatever
 * they mean (an arg measured from an earlier event is stored as the
 * difference, which gives back any value), so kinds added later (free-threaded Python's
 * lock events, EV_LOCK_WAIT to EV_GIL_ENABLE, and the op kinds with and
 * import_unsafe) need no new version: a recording that has them reads
 * back whole here, and a gilviz from before them counts them as ignored
 * events and shows the rest. Their checkpoints hold a model of another
 * layout (CKPT_MODEL_VERSION 2: a thread state and per-object figures
 * were added), so an older reader passes over them, with a warning, and
 * replays from the start.
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
#define TRACE_VERSION 3u
#define TRACE_BLOCK_EVENTS 4096u
/* A killed run loses at most this much. A busy 8-thread real-time run
 * fills a block with about 600 events in it, which take about 4.4 bytes
 * an event (make bench); at 100 ms, blocks of about 230 took 5.0. */
#define TRACE_FLUSH_NS 250000000LL /* 250 ms */
/* Limits the reader enforces, so that a lying file cannot make it
 * allocate absurd amounts. */
#define TRACE_MAX_HEADER (2u * 1024 * 1024)
#define TRACE_MAX_BLOCKS (1u << 26)
#define TRACE_MAX_CHECKPOINT (64u * 1024 * 1024)
/* A checkpoint once at least this many event blocks and this many events
 * were written since the last: a seek feeds at most about that many events
 * (see make bench for what it costs in time and in bytes). By blocks
 * alone, a real-time run, whose blocks hold a few hundred events (the
 * flush), wrote a checkpoint every 8 s: 55% of a 20 s recording's bytes. */
#define TRACE_CKPT_BLOCKS 32u
#define TRACE_CKPT_EVENTS (TRACE_CKPT_BLOCKS * TRACE_BLOCK_EVENTS)

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
/* Write out the block in progress if it would be older than
 * TRACE_FLUSH_NS of wall time by the next call (the calls' spacing is
 * measured: call it once a drain), or if force. */
int trace_writer_flush(struct trace_writer *w, bool force, struct gv_error *err);
/* How the run ended, in the end block (readers ignore flags they do not
 * know). */
#define TRACE_END_INTERRUPTED 1u /* stopped early */
#define TRACE_END_DEADLOCKED 2u  /* every thread left waited on a queue */
/* Flush, write the end block (end_flags: TRACE_END_*), close. Returns -1
 * on error. Frees w. */
int trace_writer_close(struct trace_writer *w, int64_t elapsed_ns, uint64_t events,
		       uint64_t dropped, unsigned end_flags, struct gv_error *err);
/* Event blocks written so far. */
uint32_t trace_writer_blocks(const struct trace_writer *w);
/* Write out the block in progress, then a checkpoint: state (len bytes,
 * in the layout stamp names), the model after every event added so far.
 * Returns -1 with err on a write error. */
int trace_writer_checkpoint(struct trace_writer *w, const void *state, size_t len,
			    uint32_t stamp, struct gv_error *err);
/* Give up (a failed run): the temporary file is removed; frees w. */
void trace_writer_abort(struct trace_writer *w);
/* The temporary file being written until the recording is closed (NULL
 * when path is a pipe or a device, written directly). */
const char *trace_writer_tmp(const struct trace_writer *w);

/* ---- reading -------------------------------------------------------- */

struct trace_block_info {
	uint64_t offset;   /* of the block header in the file */
	uint32_t size;     /* versions 2, 3: the block's bytes after kind and size */
	uint32_t count;
	uint64_t first_t;
	uint64_t last_t;
	uint64_t dropped;
};

struct trace_ckpt_info {
	uint64_t offset;   /* of the block header in the file */
	uint32_t size;     /* the block's bytes after kind and size */
	uint32_t blocks;   /* event blocks before it: the next to feed */
	uint64_t events;   /* the events in them */
	uint64_t max_t;    /* the greatest t of the events before it */
	uint32_t stamp;    /* the state's layout */
};

struct trace_codec;

struct trace {
	struct trace_meta meta;
	struct trace_block_info *blocks;
	size_t nblocks;
	struct trace_ckpt_info *ckpts; /* in file order (so by blocks) */
	size_t nckpts;
	uint64_t events;     /* in all complete blocks */
	bool complete;       /* the end block was there */
	bool interrupted;    /* the end block says the run was stopped early */
	bool deadlocked;     /* ... or ended with every thread left waiting on a queue */
	int64_t elapsed_ns;  /* from the end block, else from the events */
	uint64_t dropped;    /* from the end block, else the last block's */
	char *warning;       /* why reading stopped early, or NULL */
	unsigned version;    /* of the file's format */
	FILE *f;
	char *path;
	struct trace_codec *codec; /* versions 2 and 3's decoder, made on first use */
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
 * its checksum and that it decodes. Returns the count, or -1 and err
 * (which names the block's byte offset). */
long trace_read_block(struct trace *t, size_t i, struct event *out, struct gv_error *err);
/* Load checkpoint i's state into *state (malloc'ed; free it), checking
 * its checksum and that it decompresses. Returns its length, or -1 and
 * err. */
long trace_read_checkpoint(struct trace *t, size_t i, void **state, struct gv_error *err);
/* The first block whose events may reach time t (for seeking). */
size_t trace_find_block(const struct trace *t, uint64_t t_ns);

/* CRC-32 (IEEE), for the checksums. */
uint32_t trace_crc32(uint32_t crc, const void *data, size_t len);

#endif
