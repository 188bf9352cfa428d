/*
 * trace.c -- writing and reading recordings (the layout is in trace.h).
 *
 * Writing happens on the consumer side, as the ring is drained, never in
 * the simulated threads: recording cannot change what it records. Every
 * integer is written byte by byte in little-endian order, so a recording
 * reads the same on any machine.
 *
 * Reading trusts nothing: every length is checked against the limits and
 * against the file's size before anything is allocated or read, every
 * block's checksum is checked before its bytes are decompressed, and the
 * decoder checks every column's length. What cannot be read is said in a
 * message naming the file and the byte offset. Version 1 files (raw
 * events, no compression) are read by their own short path.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zstd.h>

#include "trace.h"

#define FILE_HEADER_SIZE 20
#define END_MAGIC 0x2e444e45u    /* "END." */
/* Version 1. */
#define V1_BLOCK_MAGIC 0x53545645u /* "EVTS" */
#define V1_BLOCK_HEADER_SIZE 40
#define V1_END_BLOCK_SIZE 40
#define V1_EVENT_SIZE 24
/* Version 2. */
#define EVTZ_MAGIC 0x5a545645u   /* "EVTZ" */
#define CKPT_MAGIC 0x54504b43u   /* "CKPT" */
/* How a block encodes its events (see trace.h): version 2's columns (t
 * from the tid's last event, waits from its request), and version 3's,
 * with more args measured from what came before and t either from the
 * tid's last event or from the block's last event, whichever is shorter
 * for the block. */
#define ENCODING_COLUMNS 1u
#define ENCODING_TID_T 2u
#define ENCODING_EVENT_T 3u
/* The most bytes a varint of 32 and of 64 bits takes, and the most and
 * the least one event takes encoded: tid 2, type 1, aux 1 and varints of
 * t, seq and arg. */
#define VARINT32_MAX 5
#define VARINT64_MAX 10
#define EVENT_MAX_BYTES (4 + VARINT64_MAX + VARINT32_MAX + VARINT64_MAX)
#define EVENT_MIN_BYTES 7
/* zstd's default level: on the blocks of a 10 s real-time 8-thread run,
 * levels 9 and 19 saved 2% and 4% of the bytes for several times the CPU. */
#define ZSTD_LEVEL 3

/* Where each field sits (see trace.h), named once for the writer and the
 * reader. The file header: */
enum { HEAD_VERSION = 8, HEAD_LEN = 12, HEAD_CRC = 16 };
/* Version 2: every block opens with its kind and size; then an events
 * block or the end block. */
enum {
	BLOCK_KIND = 0, BLOCK_SIZE = 4, BLOCK_OPENING = 8,
	EVTZ_COUNT = 8, EVTZ_ENCODED = 12, EVTZ_FIRST = 16, EVTZ_LAST = 24,
	EVTZ_DROPPED = 32, EVTZ_ENCODING = 40, EVTZ_CRC = 44, EVTZ_HEADER_SIZE = 48,
	END_ELAPSED = 8, END_EVENTS = 16, END_DROPPED = 24, END_FLAGS = 32,
	END_CRC = 36, END_SIZE = 40,
	CKPT_BLOCKS = 8, CKPT_RAW = 12, CKPT_EVENTS = 16, CKPT_MAX_T = 24, CKPT_STAMP = 32,
	CKPT_CRC = 36, CKPT_HEADER_SIZE = 40,
};
/* Version 1. */
enum {
	V1_COUNT = 4, V1_FIRST = 8, V1_LAST = 16, V1_DROPPED = 24, V1_CRC = 32,
	V1_END_FLAGS = 4, V1_END_ELAPSED = 8, V1_END_EVENTS = 16, V1_END_DROPPED = 24,
	V1_END_CRC = 32,
	REC_T = 0, REC_ARG = 8, REC_SEQ = 16, REC_TID = 20, REC_TYPE = 22, REC_AUX = 23,
};

/* ---- bytes ------------------------------------------------------------ */

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void get_event(const unsigned char *p, struct event *e)
{
	e->t = get_u64(p + REC_T);
	e->arg = get_u64(p + REC_ARG);
	e->seq = get_u32(p + REC_SEQ);
	e->tid = (uint16_t)(p[REC_TID] | (p[REC_TID + 1] << 8));
	e->type = p[REC_TYPE];
	e->aux = p[REC_AUX];
}

/* The reflected IEEE polynomial, one bit at a time: recordings are written
 * at the consumer's pace, and a table would be one more thing to check. */
uint32_t trace_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

void trace_meta_free(struct trace_meta *m)
{
	free(m->scenario_text);
	free(m->scenario_file);
	free(m->policy);
	free(m->time_mode);
	free(m->kernel);
	free(m->recorded_at);
	free(m->version);
	memset(m, 0, sizeof *m);
}


/* ---- the column encodings (versions 2 and 3) ---------------------------- */

/* The events whose time a later event's arg is measured from (an opener):
 * a request for the wait the GIL's events carry, and in version 3's
 * encodings the start of a stretch off a core, of a stop for a pause, of
 * a wait for a lock and of holding one. */
enum opener {
	OPEN_NONE = -1,
	OPEN_REQUEST,
	OPEN_OFF_CORE,
	OPEN_STW,
	OPEN_LOCK_WAIT,
	OPEN_LOCK_TAKE,
	OPEN_COUNT
};

/* What the encoder and the decoder remember of one tid within a block. An
 * entry counts only if its gen is the current pass's: a new block bumps
 * the gen rather than clearing the table. */
struct tid_state {
	uint64_t t;                   /* the tid's last t in this block */
	uint64_t open_t[OPEN_COUNT];  /* its last opener's t of each kind ... */
	uint32_t open_gen[OPEN_COUNT]; /* ... if this is the pass's gen */
	uint32_t next_seq;
	uint32_t gen;
};

struct tid_table {
	struct tid_state *s;
	size_t n;     /* entries allocated: grown to the largest tid seen */
	struct tid_state gil; /* EVENT_TID_GIL's, which would grow s to 2^16 */
	uint32_t gen;
	/* One more than the last EV_FORCED_DROP's number in the block, if
	 * forced_gen is the pass's gen. */
	uint64_t forced_next;
	uint32_t forced_gen;
};

static void tids_next_pass(struct tid_table *c)
{
	if (++c->gen == 0) { /* after 2^32 passes */
		if (c->n)
			memset(c->s, 0, c->n * sizeof *c->s);
		memset(&c->gil, 0, sizeof c->gil);
		c->forced_gen = 0;
		c->gen = 1;
	}
}

static struct tid_state *tids_get(struct tid_table *c, uint16_t tid)
{
	if (tid == EVENT_TID_GIL)
		return &c->gil;
	if (tid >= c->n) {
		size_t n = c->n ? c->n : 16;
		while (n <= tid)
			n *= 2;
		c->s = xreallocarray(c->s, n, sizeof *c->s);
		memset(c->s + c->n, 0, (n - c->n) * sizeof *c->s);
		c->n = n;
	}
	return &c->s[tid];
}

static uint64_t zigzag(uint64_t v)
{
	return (v << 1) ^ (0 - (v >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

static uint32_t zigzag32(uint32_t v)
{
	return (v << 1) ^ (0u - (v >> 31));
}

static uint32_t unzigzag32(uint32_t z)
{
	return (z >> 1) ^ (0u - (z & 1u));
}

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static bool get_varint(const unsigned char **pp, const unsigned char *end, uint64_t *out)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p == end)
			return false;
		unsigned char b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return true;
		}
	}
	return false;
}

/* The opener an event is, if any. */
static int opener_set_by(uint8_t type)
{
	switch (type) {
	case EV_GIL_REQUEST: return OPEN_REQUEST;
	case EV_OFF_CORE: return OPEN_OFF_CORE;
	case EV_STW_STOP: return OPEN_STW;
	case EV_LOCK_WAIT: return OPEN_LOCK_WAIT;
	case EV_LOCK_TAKE: return OPEN_LOCK_TAKE;
	default: return OPEN_NONE;
	}
}

/* The opener whose time since an event's arg is (a wait, a stretch off a
 * core, a pause, a lock's wait or hold), in an encoding. */
static int opener_of(uint8_t type, unsigned encoding)
{
	switch (type) {
	case EV_GIL_ACQUIRE:
	case EV_DROP_REQUEST:
	case EV_FAILED_WAKEUP: return OPEN_REQUEST;
	default: break;
	}
	if (encoding == ENCODING_COLUMNS)
		return OPEN_NONE;
	switch (type) {
	case EV_ON_CORE: return OPEN_OFF_CORE;
	case EV_STW_GO: return OPEN_STW;
	case EV_LOCK_TAKE: return OPEN_LOCK_WAIT;
	case EV_LOCK_RELEASE: return OPEN_LOCK_TAKE;
	default: return OPEN_NONE;
	}
}

/* What the encoder subtracts from an event's arg, and the decoder adds
 * back: the time since its opener, if the tid had one in the block (and
 * it was not used up); in version 3's encodings, for a forced drop, one
 * more than the block's last forced drop's number. Zero otherwise: the
 * arg is stored as it is. */
static uint64_t arg_base(const struct tid_table *c, const struct tid_state *st, uint8_t type,
			 uint64_t t, unsigned encoding)
{
	int o = opener_of(type, encoding);
	if (o != OPEN_NONE && st->open_gen[o] == c->gen)
		return t - st->open_t[o];
	if (type == EV_FORCED_DROP && encoding != ENCODING_COLUMNS && c->forced_gen == c->gen)
		return c->forced_next;
	return 0;
}

/* Remember what the events after this one in the block are measured
 * from. In version 3's encodings an event other than the GIL's uses up
 * its opener: a lock taken at once after one waited for is not measured
 * from the old wait. (A request opens the drop request, failed wake-ups
 * and take of the same wait.) */
static void arg_seen(struct tid_table *c, struct tid_state *st, uint8_t type, uint64_t t,
		     uint64_t arg, unsigned encoding)
{
	int used = opener_of(type, encoding);
	if (used != OPEN_NONE && used != OPEN_REQUEST)
		st->open_gen[used] = 0;
	int o = opener_set_by(type);
	if (o != OPEN_NONE) {
		st->open_gen[o] = c->gen;
		st->open_t[o] = t;
	}
	if (type == EV_FORCED_DROP) {
		c->forced_gen = c->gen;
		c->forced_next = arg + 1;
	}
}

/* Scratch room for the columns of a block being encoded. */
struct encoder {
	struct tid_table tids;
	unsigned char *tid_t; /* TRACE_BLOCK_EVENTS * VARINT64_MAX */
	unsigned char *seq;   /* TRACE_BLOCK_EVENTS * VARINT32_MAX */
	unsigned char *arg;   /* TRACE_BLOCK_EVENTS * VARINT64_MAX */
	ZSTD_CCtx *probe;     /* zstd at level 1, to weigh the t columns */
	unsigned char *probe_out; /* PROBE_BYTES */
};

#define PROBE_BYTES ZSTD_COMPRESSBOUND(TRACE_BLOCK_EVENTS * VARINT64_MAX)

/* What zstd makes of a column, roughly (level 1). */
static size_t probe_size(struct encoder *enc, const unsigned char *col, size_t len)
{
	size_t z = ZSTD_compressCCtx(enc->probe, enc->probe_out, PROBE_BYTES, col, len, 1);
	return ZSTD_isError(z) ? len : z;
}

/* Encode n events, first the smallest t among them, into out (room for n
 * * EVENT_MAX_BYTES) in one pass, in one of version 3's encodings: t from
 * event to event, or from each tid's last event when zstd makes fewer
 * bytes of that. The first is smaller where threads' events come close
 * together (eight busy threads in real time); the second where a thread
 * repeats itself exactly (in virtual time), which zstd finds. Returns
 * the length; *encoding says which. */
static size_t encode_events(struct encoder *enc, const struct event *evs, size_t n,
			    uint64_t first, unsigned char *out, unsigned *encoding)
{
	struct tid_table *c = &enc->tids;
	unsigned char *pt = out + 4 * n, *ptt = enc->tid_t, *ps = enc->seq, *pa = enc->arg;
	uint64_t prev_t = first;
	tids_next_pass(c);
	for (size_t i = 0; i < n; i++) {
		const struct event *e = &evs[i];
		struct tid_state *st = tids_get(c, e->tid);
		bool seen = st->gen == c->gen;
		out[2 * i] = (unsigned char)e->tid;
		out[2 * i + 1] = (unsigned char)(e->tid >> 8);
		out[2 * n + i] = e->type;
		out[3 * n + i] = e->aux;
		pt = put_varint(pt, zigzag(e->t - prev_t));
		prev_t = e->t;
		ptt = put_varint(ptt, zigzag(e->t - (seen ? st->t : first)));
		st->t = e->t;
		ps = put_varint(ps, zigzag32(e->seq - (seen ? st->next_seq : 0)));
		/* (The arg's encoding is the same in both.) */
		pa = put_varint(pa, zigzag(e->arg - arg_base(c, st, e->type, e->t, ENCODING_EVENT_T)));
		arg_seen(c, st, e->type, e->t, e->arg, ENCODING_EVENT_T);
		st->gen = c->gen;
		st->next_seq = e->seq + 1;
	}
	*encoding = ENCODING_EVENT_T;
	if (probe_size(enc, enc->tid_t, (size_t)(ptt - enc->tid_t)) <
	    probe_size(enc, out + 4 * n, (size_t)(pt - (out + 4 * n)))) {
		pt = out + 4 * n;
		memcpy(pt, enc->tid_t, (size_t)(ptt - enc->tid_t));
		pt += ptt - enc->tid_t;
		*encoding = ENCODING_TID_T;
	}
	memcpy(pt, enc->seq, (size_t)(ps - enc->seq));
	pt += ps - enc->seq;
	memcpy(pt, enc->arg, (size_t)(pa - enc->arg));
	pt += pa - enc->arg;
	return (size_t)(pt - out);
}

/* The inverse of encode_events, in any encoding, a column at a time.
 * False if the bytes are not n events between first and last, each
 * column exactly used. */
static bool decode_events(struct tid_table *c, const unsigned char *in, size_t len,
			  size_t n, uint64_t first, uint64_t last, unsigned encoding,
			  struct event *out)
{
	if (len < 4 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		out[i].tid = (uint16_t)(in[2 * i] | (in[2 * i + 1] << 8));
		out[i].type = in[2 * n + i];
		out[i].aux = in[3 * n + i];
	}
	const unsigned char *p = in + 4 * n, *end = in + len;
	uint64_t v, prev_t = first;
	tids_next_pass(c);
	for (size_t i = 0; i < n; i++) {
		if (!get_varint(&p, end, &v))
			return false;
		uint64_t t;
		if (encoding != ENCODING_EVENT_T) {
			struct tid_state *st = tids_get(c, out[i].tid);
			t = (st->gen == c->gen ? st->t : first) + unzigzag(v);
			st->t = t;
			st->gen = c->gen;
		} else {
			t = prev_t + unzigzag(v);
		}
		if (t < first || t > last)
			return false;
		out[i].t = prev_t = t;
	}
	tids_next_pass(c);
	for (size_t i = 0; i < n; i++) {
		struct tid_state *st = tids_get(c, out[i].tid);
		if (!get_varint(&p, end, &v) || v > UINT32_MAX)
			return false;
		out[i].seq = (st->gen == c->gen ? st->next_seq : 0) + unzigzag32((uint32_t)v);
		st->next_seq = out[i].seq + 1;
		st->gen = c->gen;
	}
	tids_next_pass(c);
	for (size_t i = 0; i < n; i++) {
		struct tid_state *st = tids_get(c, out[i].tid);
		if (!get_varint(&p, end, &v))
			return false;
		out[i].arg = unzigzag(v) + arg_base(c, st, out[i].type, out[i].t, encoding);
		arg_seen(c, st, out[i].type, out[i].t, out[i].arg, encoding);
	}
	return p == end;
}

/* ---- writing ----------------------------------------------------------- */

#define BLOCK_MAX_BYTES \
	(EVTZ_HEADER_SIZE + ZSTD_COMPRESSBOUND(TRACE_BLOCK_EVENTS * EVENT_MAX_BYTES))

struct trace_writer {
	FILE *f;
	char *path;
	char *tmp;             /* written here, renamed onto path at the end */
	struct event *buf;
	size_t n;
	int64_t block_started; /* wall clock, when buf got its first event */
	/* How far apart the drains that call trace_writer_flush are: the
	 * longest gap of this window and the last (a window lasts
	 * TRACE_FLUSH_WINDOW_NS), so that one stall is forgotten. */
	int64_t last_check, window_start, gap_now, gap_before;
	uint64_t dropped;
	struct encoder enc;
	ZSTD_CCtx *zc;
	unsigned char *encoded; /* the block's events in columns */
	unsigned char *block;   /* its header and compressed bytes */
	uint32_t blocks;        /* event blocks written */
	uint64_t events;        /* events in them */
	uint64_t max_t;         /* the latest t of those events */
};
/* A header value on one line: newlines would end it early. */
static void put_line(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s ", key);
	for (const char *p = value ? value : ""; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? '?' : *p, f);
	fputc('\n', f);
}

static char *header_text(const struct trace_meta *m, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f)
		fatal("open_memstream failed: %s", strerror(errno));
	put_line(f, "version", m->version);
	put_line(f, "recorded_at", m->recorded_at);
	put_line(f, "time_mode", m->time_mode);
	put_line(f, "policy", m->policy);
	fprintf(f, "interval_ns %" PRId64 "\nduration_ns %" PRId64 "\nslow %.17g\n"
		   "seed %" PRIu64 "\ntick_ns %.17g\ncores %u\nt_start %" PRIu64 "\n",
		m->interval_ns, m->duration_ns, m->slow, m->seed, m->tick_ns, m->cores,
		m->t_start);
	put_line(f, "kernel", m->kernel);
	put_line(f, "file", m->scenario_file);
	size_t slen = m->scenario_text ? strlen(m->scenario_text) : 0;
	fprintf(f, "scenario %zu\n", slen);
	if (slen)
		fwrite(m->scenario_text, 1, slen, f);
	fclose(f);
	return text;
}

static int write_error(struct trace_writer *w, struct gv_error *err)
{
	gv_error_set(err, w->path, 0, 0, "cannot write the recording: %s", strerror(errno));
	return -1;
}

struct trace_writer *trace_writer_open(const char *path, const struct trace_meta *m,
				       struct gv_error *err)
{
	char *tmp;
	FILE *f = outfile_open(path, "the recording", &tmp, err);
	if (!f)
		return NULL;
	struct trace_writer *w = xcalloc(1, sizeof *w);
	w->f = f;
	w->path = xstrdup(path);
	w->tmp = tmp;
	w->buf = xmalloc(TRACE_BLOCK_EVENTS * sizeof *w->buf);
	w->enc.tid_t = xmalloc(TRACE_BLOCK_EVENTS * VARINT64_MAX);
	w->enc.probe_out = xmalloc(PROBE_BYTES);
	w->enc.probe = ZSTD_createCCtx();
	if (!w->enc.probe)
		fatal("ZSTD_createCCtx failed");
	w->enc.seq = xmalloc(TRACE_BLOCK_EVENTS * VARINT32_MAX);
	w->enc.arg = xmalloc(TRACE_BLOCK_EVENTS * VARINT64_MAX);
	w->encoded = xmalloc(TRACE_BLOCK_EVENTS * EVENT_MAX_BYTES);
	w->block = xmalloc(BLOCK_MAX_BYTES);
	w->zc = ZSTD_createCCtx();
	if (!w->zc)
		fatal("ZSTD_createCCtx failed");
	ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	/* zstd's own checksum of the decompressed bytes (4 bytes a block):
	 * damage behind a valid CRC, a writer's bug, is caught too. */
	ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);

	size_t len;
	char *text = header_text(m, &len);
	unsigned char head[FILE_HEADER_SIZE];
	memcpy(head, TRACE_MAGIC, 8);
	put_u32(head + HEAD_VERSION, TRACE_VERSION);
	put_u32(head + HEAD_LEN, (uint32_t)len);
	put_u32(head + HEAD_CRC, trace_crc32(0, text, len));
	bool ok = fwrite(head, 1, sizeof head, f) == sizeof head &&
		  fwrite(text, 1, len, f) == len && fflush(f) == 0;
	free(text);
	if (!ok) {
		write_error(w, err);
		trace_writer_abort(w);
		return NULL;
	}
	return w;
}

/* Encode, compress and write the events buffered, as one block. */
static int write_block(struct trace_writer *w, struct gv_error *err)
{
	if (!w->n)
		return 0;
	uint64_t first = UINT64_MAX, last = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (w->buf[i].t < first)
			first = w->buf[i].t;
		if (w->buf[i].t > last)
			last = w->buf[i].t;
	}
	if (last > w->max_t)
		w->max_t = last;
	unsigned encoding;
	size_t elen = encode_events(&w->enc, w->buf, w->n, first, w->encoded, &encoding);
	unsigned char *b = w->block;
	size_t zlen = ZSTD_compress2(w->zc, b + EVTZ_HEADER_SIZE, BLOCK_MAX_BYTES - EVTZ_HEADER_SIZE,
				     w->encoded, elen);
	if (ZSTD_isError(zlen)) {
		gv_error_set(err, w->path, 0, 0, "cannot compress a block of the recording: %s",
			     ZSTD_getErrorName(zlen));
		return -1;
	}
	put_u32(b + BLOCK_KIND, EVTZ_MAGIC);
	put_u32(b + BLOCK_SIZE, (uint32_t)(EVTZ_HEADER_SIZE - BLOCK_OPENING + zlen));
	put_u32(b + EVTZ_COUNT, (uint32_t)w->n);
	put_u32(b + EVTZ_ENCODED, (uint32_t)elen);
	put_u64(b + EVTZ_FIRST, first);
	put_u64(b + EVTZ_LAST, last);
	put_u64(b + EVTZ_DROPPED, w->dropped);
	put_u32(b + EVTZ_ENCODING, encoding);
	put_u32(b + EVTZ_CRC, trace_crc32(trace_crc32(0, b, EVTZ_CRC), b + EVTZ_HEADER_SIZE, zlen));
	size_t total = EVTZ_HEADER_SIZE + zlen;
	/* One write and a flush per block: a killed run keeps whole blocks. */
	if (fwrite(b, 1, total, w->f) != total || fflush(w->f) != 0)
		return write_error(w, err);
	w->blocks++;
	w->events += w->n;
	w->n = 0;
	return 0;
}

uint32_t trace_writer_blocks(const struct trace_writer *w)
{
	return w->blocks;
}

int trace_writer_checkpoint(struct trace_writer *w, const void *state, size_t len,
			    uint32_t stamp, struct gv_error *err)
{
	if (write_block(w, err) != 0)
		return -1;
	if (len > TRACE_MAX_CHECKPOINT) {
		gv_error_set(err, w->path, 0, 0, "a checkpoint of %zu bytes is over the limit", len);
		return -1;
	}
	size_t bound = CKPT_HEADER_SIZE + ZSTD_compressBound(len);
	unsigned char *b = xmalloc(bound);
	size_t zlen = ZSTD_compress2(w->zc, b + CKPT_HEADER_SIZE, bound - CKPT_HEADER_SIZE,
				     state, len);
	if (ZSTD_isError(zlen)) {
		free(b);
		gv_error_set(err, w->path, 0, 0, "cannot compress a checkpoint of the recording: %s",
			     ZSTD_getErrorName(zlen));
		return -1;
	}
	put_u32(b + BLOCK_KIND, CKPT_MAGIC);
	put_u32(b + BLOCK_SIZE, (uint32_t)(CKPT_HEADER_SIZE - BLOCK_OPENING + zlen));
	put_u32(b + CKPT_BLOCKS, w->blocks);
	put_u32(b + CKPT_RAW, (uint32_t)len);
	put_u64(b + CKPT_EVENTS, w->events);
	put_u64(b + CKPT_MAX_T, w->max_t);
	put_u32(b + CKPT_STAMP, stamp);
	put_u32(b + CKPT_CRC, trace_crc32(trace_crc32(0, b, CKPT_CRC), b + CKPT_HEADER_SIZE, zlen));
	size_t total = CKPT_HEADER_SIZE + zlen;
	int rc = fwrite(b, 1, total, w->f) == total && fflush(w->f) == 0 ? 0 : write_error(w, err);
	free(b);
	return rc;
}

int trace_writer_add(struct trace_writer *w, const struct event *evs, size_t n,
		     uint64_t dropped, struct gv_error *err)
{
	w->dropped = dropped;
	for (size_t i = 0; i < n; i++) {
		if (!w->n)
			w->block_started = gv_mono_ns();
		w->buf[w->n++] = evs[i];
		if (w->n == TRACE_BLOCK_EVENTS && write_block(w, err) != 0)
			return -1;
	}
	return trace_writer_flush(w, false, err);
}

/* The promise is that a killed run loses at most TRACE_FLUSH_NS of
 * events. A block's first event may have waited one drain period in the
 * ring before the writer got it, and the block can next be written one
 * drain period from now; so it is written now if its age and those two
 * periods would pass the promise by the next drain. The period is
 * measured here, as the drains come: the UI drains once a frame, a
 * headless run every 50 ms. A drain can come later than the period on
 * a loaded machine: TRACE_FLUSH_SLACK_NS of that is allowed for (a
 * block of 250.2 ms, with the tests running two at a time on 2 cores). */
#define TRACE_FLUSH_WINDOW_NS 1000000000LL
#define TRACE_FLUSH_SLACK_NS 10000000LL

static int64_t drain_period(struct trace_writer *w, int64_t now)
{
	if (w->last_check) {
		int64_t gap = now - w->last_check;
		if (now - w->window_start >= TRACE_FLUSH_WINDOW_NS) {
			w->gap_before = w->gap_now;
			w->gap_now = 0;
			w->window_start = now;
		}
		if (gap > w->gap_now)
			w->gap_now = gap;
	} else {
		w->window_start = now;
	}
	w->last_check = now;
	return w->gap_now > w->gap_before ? w->gap_now : w->gap_before;
}

int trace_writer_flush(struct trace_writer *w, bool force, struct gv_error *err)
{
	int64_t now = gv_mono_ns();
	int64_t period = drain_period(w, now);
	if (w->n && (force || now - w->block_started + 2 * period + TRACE_FLUSH_SLACK_NS >=
				      TRACE_FLUSH_NS))
		return write_block(w, err);
	return 0;
}

int trace_writer_close(struct trace_writer *w, int64_t elapsed_ns, uint64_t events,
		       uint64_t dropped, unsigned end_flags, struct gv_error *err)
{
	w->dropped = dropped;
	int rc = write_block(w, err);
	if (rc == 0) {
		unsigned char end[END_SIZE];
		put_u32(end + BLOCK_KIND, END_MAGIC);
		put_u32(end + BLOCK_SIZE, END_SIZE - BLOCK_OPENING);
		put_u64(end + END_ELAPSED, (uint64_t)elapsed_ns);
		put_u64(end + END_EVENTS, events);
		put_u64(end + END_DROPPED, dropped);
		put_u32(end + END_FLAGS, end_flags);
		put_u32(end + END_CRC, trace_crc32(0, end, END_CRC));
		if (fwrite(end, 1, sizeof end, w->f) != sizeof end || fflush(w->f) != 0)
			rc = write_error(w, err);
	}
	if (rc == 0) {
		if (outfile_commit(w->f, w->tmp, w->path, "the recording", err) != 0)
			rc = -1;
		w->f = NULL;
	}
	trace_writer_abort(w);
	return rc;
}

const char *trace_writer_tmp(const struct trace_writer *w)
{
	return w->tmp;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->f)
		outfile_discard(w->f, w->tmp);
	free(w->tmp);
	ZSTD_freeCCtx(w->zc);
	free(w->enc.tids.s);
	free(w->enc.tid_t);
	free(w->enc.probe_out);
	ZSTD_freeCCtx(w->enc.probe);
	free(w->enc.seq);
	free(w->enc.arg);
	free(w->encoded);
	free(w->block);
	free(w->buf);
	free(w->path);
	free(w);
}

/* ---- reading ----------------------------------------------------------- */

static bool read_at(FILE *f, uint64_t off, void *buf, size_t len)
{
	if (fseeko(f, (off_t)off, SEEK_SET) != 0)
		return false;
	return fread(buf, 1, len, f) == len;
}

/* Split "key value" lines until "scenario N"; then N bytes of source. */
static int parse_header(struct trace *t, const char *text, size_t len, struct gv_error *err)
{
	struct trace_meta *m = &t->meta;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp) {
			gv_error_set(err, t->path, 0, 0,
				     "damaged header: line '%.*s' has no value", (int)(nl - p > 40 ? 40 : nl - p), p);
			return -1;
		}
		size_t klen = (size_t)(sp - p);
		char *value = xstrndup(sp + 1, (size_t)(nl - sp - 1));
#define KEY(k) (klen == sizeof(k) - 1 && !memcmp(p, k, klen))
		if (KEY("scenario")) {
			char *e;
			unsigned long long n = strtoull(value, &e, 10);
			bool bad = *e || !*value || n != (size_t)(end - nl - 1);
			free(value);
			if (bad) {
				gv_error_set(err, t->path, 0, 0,
					     "damaged header: the scenario's length does not match");
				return -1;
			}
			m->scenario_text = xstrndup(nl + 1, (size_t)n);
			return 0;
		}
		char **field = KEY("version") ? &m->version :
			       KEY("recorded_at") ? &m->recorded_at :
			       KEY("time_mode") ? &m->time_mode :
			       KEY("policy") ? &m->policy :
			       KEY("kernel") ? &m->kernel :
			       KEY("file") ? &m->scenario_file : NULL;
		if (field) {
			free(*field);
			*field = value;
			value = NULL;
		} else if (KEY("interval_ns")) {
			m->interval_ns = strtoll(value, NULL, 10);
		} else if (KEY("duration_ns")) {
			m->duration_ns = strtoll(value, NULL, 10);
		} else if (KEY("slow")) {
			m->slow = strtod(value, NULL);
			/* What no gilviz writes is none: the UI makes an
			 * integer of it, and a cast of 1e300 is undefined. */
			if (!(m->slow >= 1 && m->slow <= GV_FACTOR_MAX))
				m->slow = 1;
		} else if (KEY("seed")) {
			m->seed = strtoull(value, NULL, 10);
		} else if (KEY("tick_ns")) {
			m->tick_ns = strtod(value, NULL);
		} else if (KEY("cores")) {
			m->cores = (unsigned)strtoul(value, NULL, 10);
		} else if (KEY("t_start")) {
			m->t_start = strtoull(value, NULL, 10);
		}
#undef KEY
		free(value);
		p = nl + 1;
	}
	gv_error_set(err, t->path, 0, 0, "damaged header: no scenario in it");
	return -1;
}

static struct trace *fail(struct trace *t, struct gv_error *err, const char *fmt, uint64_t at)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, at);
	gv_error_set(err, t->path, 0, 0, "%s", msg);
	trace_close(t);
	return NULL;
}

static void warn(struct trace *t, const char *fmt, uint64_t at, size_t nblocks)
{
	if (t->warning)
		return;
	char msg[256];
	snprintf(msg, sizeof msg, fmt, at);
	t->warning = xasprintf("%s: %s; replaying the %zu complete block%s before it",
			       t->path, msg, nblocks, nblocks == 1 ? "" : "s");
}


static void index_add(struct trace *t, size_t *cap, struct trace_block_info b)
{
	if (t->nblocks == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		t->blocks = xreallocarray(t->blocks, *cap, sizeof *t->blocks);
	}
	t->blocks[t->nblocks++] = b;
	t->events += b.count;
	t->dropped = b.dropped;
}

/* Version 1's blocks, from off; returns the greatest t they hold. */
static uint64_t index_v1(struct trace *t, uint64_t off, uint64_t size)
{
	FILE *f = t->f;
	size_t cap = 0;
	uint64_t last_t = 0;
	while (off < size) {
		unsigned char bh[V1_BLOCK_HEADER_SIZE];
		if (size - off < 8 || !read_at(f, off, bh, 8)) {
			warn(t, "the file ends inside a block header at byte %" PRIu64, off, t->nblocks);
			break;
		}
		uint32_t magic = get_u32(bh);
		if (magic == END_MAGIC) {
			if (size - off < V1_END_BLOCK_SIZE || !read_at(f, off, bh, V1_END_BLOCK_SIZE)) {
				warn(t, "the end block at byte %" PRIu64 " is cut short", off, t->nblocks);
				break;
			}
			if (trace_crc32(0, bh, V1_END_CRC) != get_u32(bh + V1_END_CRC)) {
				warn(t, "the end block at byte %" PRIu64 " is damaged", off, t->nblocks);
				break;
			}
			t->complete = true;
			t->interrupted = (get_u32(bh + V1_END_FLAGS) & TRACE_END_INTERRUPTED) != 0;
			t->deadlocked = (get_u32(bh + V1_END_FLAGS) & TRACE_END_DEADLOCKED) != 0;
			t->elapsed_ns = (int64_t)get_u64(bh + V1_END_ELAPSED);
			t->dropped = get_u64(bh + V1_END_DROPPED);
			if (get_u64(bh + V1_END_EVENTS) != t->events)
				warn(t, "the end block at byte %" PRIu64 " counts other events than the blocks hold",
				     off, t->nblocks);
			break;
		}
		if (magic != V1_BLOCK_MAGIC) {
			warn(t, "no block starts at byte %" PRIu64 " (damaged data)", off, t->nblocks);
			break;
		}
		if (size - off < V1_BLOCK_HEADER_SIZE || !read_at(f, off, bh, V1_BLOCK_HEADER_SIZE)) {
			warn(t, "the file ends inside a block header at byte %" PRIu64, off, t->nblocks);
			break;
		}
		uint32_t count = get_u32(bh + V1_COUNT);
		uint64_t first = get_u64(bh + V1_FIRST), last = get_u64(bh + V1_LAST);
		if (count == 0 || count > TRACE_BLOCK_EVENTS || first > last) {
			warn(t, "the block at byte %" PRIu64 " has a damaged header", off, t->nblocks);
			break;
		}
		uint64_t plen = (uint64_t)count * V1_EVENT_SIZE;
		if (size - off - V1_BLOCK_HEADER_SIZE < plen) {
			warn(t, "the file ends inside the block at byte %" PRIu64
				" (the recording was cut short)", off, t->nblocks);
			break;
		}
		if (t->nblocks == TRACE_MAX_BLOCKS) {
			warn(t, "too many blocks; stopping at byte %" PRIu64, off, t->nblocks);
			break;
		}
		index_add(t, &cap, (struct trace_block_info){
			.offset = off, .size = (uint32_t)(V1_BLOCK_HEADER_SIZE - 8 + plen),
			.count = count, .first_t = first, .last_t = last,
			.dropped = get_u64(bh + V1_DROPPED),
		});
		if (last > last_t)
			last_t = last;
		off += V1_BLOCK_HEADER_SIZE + plen;
	}
	if (!t->complete && !t->warning)
		warn(t, "the recording has no end block after byte %" PRIu64
			" (the run was cut short)", off, t->nblocks);
	return last_t;
}

/* A block kind is four capital letters or dots: anything else where a
 * block should start is damage, not a kind to step over. */
static bool is_kind(uint32_t kind)
{
	for (int i = 0; i < 4; i++) {
		unsigned c = (kind >> (8 * i)) & 0xffu;
		if (!((c >= 'A' && c <= 'Z') || c == '.'))
			return false;
	}
	return true;
}

/* Whether a version's event blocks (2 or 3) may be in an encoding. */
static bool encoding_fits(unsigned version, uint32_t encoding)
{
	return version == 2 ? encoding == ENCODING_COLUMNS
			    : encoding == ENCODING_TID_T || encoding == ENCODING_EVENT_T;
}

/* Version 2's and 3's blocks, from off; returns the greatest t they
 * hold. */
static uint64_t index_v2(struct trace *t, uint64_t off, uint64_t size)
{
	FILE *f = t->f;
	size_t cap = 0, ckcap = 0;
	uint64_t last_t = 0;
	while (off < size) {
		/* One read covers the largest header this reader knows; a
		 * block of that kind is at least that long. */
		unsigned char bh[EVTZ_HEADER_SIZE];
		size_t got = size - off < sizeof bh ? (size_t)(size - off) : sizeof bh;
		if (got < BLOCK_OPENING || !read_at(f, off, bh, got)) {
			warn(t, "the file ends inside a block header at byte %" PRIu64, off, t->nblocks);
			break;
		}
		uint32_t kind = get_u32(bh + BLOCK_KIND), bsize = get_u32(bh + BLOCK_SIZE);
		if (!is_kind(kind)) {
			warn(t, "no block starts at byte %" PRIu64 " (damaged data)", off, t->nblocks);
			break;
		}
		if (size - off - BLOCK_OPENING < bsize) {
			warn(t, "the file ends inside the block at byte %" PRIu64
				" (the recording was cut short)", off, t->nblocks);
			break;
		}
		if (kind == END_MAGIC) {
			if (bsize != END_SIZE - BLOCK_OPENING ||
			    trace_crc32(0, bh, END_CRC) != get_u32(bh + END_CRC)) {
				warn(t, "the end block at byte %" PRIu64 " is damaged", off, t->nblocks);
				break;
			}
			t->complete = true;
			t->elapsed_ns = (int64_t)get_u64(bh + END_ELAPSED);
			t->dropped = get_u64(bh + END_DROPPED);
			t->interrupted = (get_u32(bh + END_FLAGS) & TRACE_END_INTERRUPTED) != 0;
			t->deadlocked = (get_u32(bh + END_FLAGS) & TRACE_END_DEADLOCKED) != 0;
			if (get_u64(bh + END_EVENTS) != t->events)
				warn(t, "the end block at byte %" PRIu64 " counts other events than the blocks hold",
				     off, t->nblocks);
			break;
		}
		if (kind == CKPT_MAGIC) {
			/* Indexed if its header is sound and it follows the
			 * blocks it says; else left out: the events are enough. */
			if (bsize > CKPT_HEADER_SIZE - BLOCK_OPENING &&
			    get_u32(bh + CKPT_BLOCKS) == t->nblocks && t->nblocks > 0 &&
			    get_u64(bh + CKPT_EVENTS) == t->events &&
			    get_u32(bh + CKPT_RAW) <= TRACE_MAX_CHECKPOINT &&
			    t->nckpts < TRACE_MAX_BLOCKS) {
				if (t->nckpts == ckcap) {
					ckcap = ckcap ? ckcap * 2 : 64;
					t->ckpts = xreallocarray(t->ckpts, ckcap, sizeof *t->ckpts);
				}
				t->ckpts[t->nckpts++] = (struct trace_ckpt_info){
					.offset = off, .size = bsize, .blocks = t->nblocks,
					.events = t->events,
					.max_t = get_u64(bh + CKPT_MAX_T),
					.stamp = get_u32(bh + CKPT_STAMP),
				};
			}
			off += BLOCK_OPENING + (uint64_t)bsize;
			continue;
		}
		if (kind != EVTZ_MAGIC) {
			/* A kind of a later gilviz: not needed to replay the
			 * events. */
			off += BLOCK_OPENING + (uint64_t)bsize;
			continue;
		}
		uint32_t count = 0, elen = 0, zlen = 0;
		uint64_t first = 0, last = 0;
		if (bsize > EVTZ_HEADER_SIZE - BLOCK_OPENING) {
			count = get_u32(bh + EVTZ_COUNT);
			elen = get_u32(bh + EVTZ_ENCODED);
			first = get_u64(bh + EVTZ_FIRST);
			last = get_u64(bh + EVTZ_LAST);
			zlen = bsize - (EVTZ_HEADER_SIZE - BLOCK_OPENING);
		}
		if (count == 0 || count > TRACE_BLOCK_EVENTS || first > last ||
		    elen < (uint64_t)count * EVENT_MIN_BYTES || elen > (uint64_t)count * EVENT_MAX_BYTES ||
		    zlen > ZSTD_compressBound(elen) ||
		    !encoding_fits(t->version, get_u32(bh + EVTZ_ENCODING))) {
			warn(t, "the block at byte %" PRIu64 " has a damaged header", off, t->nblocks);
			break;
		}
		if (t->nblocks == TRACE_MAX_BLOCKS) {
			warn(t, "too many blocks; stopping at byte %" PRIu64, off, t->nblocks);
			break;
		}
		index_add(t, &cap, (struct trace_block_info){
			.offset = off, .size = bsize, .count = count, .first_t = first,
			.last_t = last, .dropped = get_u64(bh + EVTZ_DROPPED),
		});
		if (last > last_t)
			last_t = last;
		off += BLOCK_OPENING + (uint64_t)bsize;
	}
	if (!t->complete && !t->warning)
		warn(t, "the recording has no end block after byte %" PRIu64
			" (the run was cut short)", off, t->nblocks);
	return last_t;
}

struct trace *trace_open_stream(FILE *f, const char *name, struct gv_error *err)
{
	struct trace *t = xcalloc(1, sizeof *t);
	t->f = f;
	t->path = xstrdup(name);
	t->elapsed_ns = -1;

	if (fseeko(f, 0, SEEK_END) != 0)
		return fail(t, err, "cannot seek in it (not a regular file)", 0);
	uint64_t size = (uint64_t)ftello(f);
	if (size == 0)
		return fail(t, err, "the file is empty", 0);
	unsigned char head[FILE_HEADER_SIZE];
	if (size < FILE_HEADER_SIZE || !read_at(f, 0, head, sizeof head) ||
	    memcmp(head, TRACE_MAGIC, 8) != 0)
		return fail(t, err, "not a gilviz recording (no GILVIZ-T at byte 0)", 0);
	t->version = get_u32(head + HEAD_VERSION);
	if (t->version < 1 || t->version > TRACE_VERSION) {
		gv_error_set(err, t->path, 0, 0,
			     "format version %u is %s than this gilviz reads (1 to %u)", t->version,
			     t->version > TRACE_VERSION ? "newer" : "other", TRACE_VERSION);
		trace_close(t);
		return NULL;
	}
	uint32_t hlen = get_u32(head + HEAD_LEN);
	if (hlen > TRACE_MAX_HEADER || FILE_HEADER_SIZE + (uint64_t)hlen > size)
		return fail(t, err, "damaged header: its length (at byte 12) runs past the file", 0);
	char *text = xmalloc(hlen + 1);
	if (!read_at(f, FILE_HEADER_SIZE, text, hlen)) {
		free(text);
		return fail(t, err, "cannot read the header", 0);
	}
	text[hlen] = '\0';
	if (trace_crc32(0, text, hlen) != get_u32(head + HEAD_CRC)) {
		free(text);
		return fail(t, err, "damaged header: its checksum does not match", 0);
	}
	int rc = parse_header(t, text, hlen, err);
	free(text);
	if (rc != 0) {
		trace_close(t);
		return NULL;
	}
	if (!t->meta.policy)
		t->meta.policy = xstrdup("new");
	if (!t->meta.time_mode)
		t->meta.time_mode = xstrdup("real");
	if (!t->meta.scenario_file)
		t->meta.scenario_file = xstrdup(name);

	/* Index the blocks by their headers alone. */
	uint64_t off = FILE_HEADER_SIZE + (uint64_t)hlen;
	uint64_t last_t = t->version == 1 ? index_v1(t, off, size) : index_v2(t, off, size);
	if (t->elapsed_ns < 0)
		t->elapsed_ns = last_t > t->meta.t_start ? (int64_t)(last_t - t->meta.t_start) : 0;
	return t;
}

struct trace *trace_open(const char *path, struct gv_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		gv_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		gv_error_set(err, path, 0, 0, "is a directory (expected a gilviz recording)");
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		gv_error_set(err, path, 0, 0, "is not a regular file (expected a gilviz recording)");
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		gv_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	return trace_open_stream(f, path, err);
}

/* What reading version 2 and 3 blocks needs, kept from block to block. */
struct trace_codec {
	ZSTD_DCtx *zd;
	struct tid_table tids;
	unsigned char *block;   /* a block as stored */
	unsigned char *encoded; /* its events in columns */
};

static struct trace_codec *codec_new(void)
{
	struct trace_codec *c = xcalloc(1, sizeof *c);
	c->zd = ZSTD_createDCtx();
	if (!c->zd)
		fatal("ZSTD_createDCtx failed");
	c->block = xmalloc(BLOCK_MAX_BYTES);
	c->encoded = xmalloc(TRACE_BLOCK_EVENTS * EVENT_MAX_BYTES);
	return c;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	if (t->codec) {
		ZSTD_freeDCtx(t->codec->zd);
		free(t->codec->tids.s);
		free(t->codec->block);
		free(t->codec->encoded);
		free(t->codec);
	}
	trace_meta_free(&t->meta);
	free(t->blocks);
	free(t->ckpts);
	free(t->warning);
	free(t->path);
	free(t);
}

static long read_block_v1(struct trace *t, const struct trace_block_info *b,
			  struct event *out, struct gv_error *err)
{
	size_t plen = (size_t)b->count * V1_EVENT_SIZE;
	unsigned char head[V1_BLOCK_HEADER_SIZE];
	unsigned char *payload = xmalloc(plen);
	if (!read_at(t->f, b->offset, head, sizeof head) ||
	    !read_at(t->f, b->offset + V1_BLOCK_HEADER_SIZE, payload, plen)) {
		free(payload);
		gv_error_set(err, t->path, 0, 0, "cannot read the block at byte %" PRIu64, b->offset);
		return -1;
	}
	if (trace_crc32(0, payload, plen) != get_u32(head + V1_CRC)) {
		free(payload);
		gv_error_set(err, t->path, 0, 0,
			     "the block at byte %" PRIu64 " is damaged (its checksum does not match)",
			     b->offset);
		return -1;
	}
	for (size_t k = 0; k < b->count; k++)
		get_event(payload + k * V1_EVENT_SIZE, &out[k]);
	free(payload);
	return (long)b->count;
}

static long read_block_v2(struct trace *t, const struct trace_block_info *b,
			  struct event *out, struct gv_error *err)
{
	if (!t->codec)
		t->codec = codec_new();
	struct trace_codec *c = t->codec;
	/* The index has checked the header's lengths against these limits;
	 * the file may have changed since, so they are checked again. */
	size_t total = BLOCK_OPENING + (size_t)b->size;
	unsigned char *h = c->block;
	if (total > BLOCK_MAX_BYTES || total <= EVTZ_HEADER_SIZE ||
	    !read_at(t->f, b->offset, h, total)) {
		gv_error_set(err, t->path, 0, 0, "cannot read the block at byte %" PRIu64, b->offset);
		return -1;
	}
	size_t zlen = total - EVTZ_HEADER_SIZE;
	if (trace_crc32(trace_crc32(0, h, EVTZ_CRC), h + EVTZ_HEADER_SIZE, zlen) !=
	    get_u32(h + EVTZ_CRC)) {
		gv_error_set(err, t->path, 0, 0,
			     "the block at byte %" PRIu64 " is damaged (its checksum does not match)",
			     b->offset);
		return -1;
	}
	uint32_t count = get_u32(h + EVTZ_COUNT), elen = get_u32(h + EVTZ_ENCODED);
	uint32_t encoding = get_u32(h + EVTZ_ENCODING);
	if (get_u32(h + BLOCK_KIND) != EVTZ_MAGIC || count != b->count ||
	    elen > (uint64_t)count * EVENT_MAX_BYTES || !encoding_fits(t->version, encoding)) {
		gv_error_set(err, t->path, 0, 0,
			     "the block at byte %" PRIu64 " changed since the file was opened",
			     b->offset);
		return -1;
	}
	size_t got = ZSTD_decompressDCtx(c->zd, c->encoded, elen, h + EVTZ_HEADER_SIZE, zlen);
	if (ZSTD_isError(got) || got != elen) {
		gv_error_set(err, t->path, 0, 0, "the block at byte %" PRIu64 " does not decompress (%s)",
			     b->offset, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "too short");
		return -1;
	}
	if (!decode_events(&c->tids, c->encoded, elen, count, b->first_t, b->last_t,
			   encoding, out)) {
		gv_error_set(err, t->path, 0, 0,
			     "the block at byte %" PRIu64 " is damaged (its events do not decode)",
			     b->offset);
		return -1;
	}
	return (long)count;
}

long trace_read_block(struct trace *t, size_t i, struct event *out, struct gv_error *err)
{
	if (i >= t->nblocks) {
		gv_error_set(err, t->path, 0, 0, "no block %zu", i);
		return -1;
	}
	return t->version == 1 ? read_block_v1(t, &t->blocks[i], out, err)
			       : read_block_v2(t, &t->blocks[i], out, err);
}

long trace_read_checkpoint(struct trace *t, size_t i, void **state, struct gv_error *err)
{
	*state = NULL;
	if (i >= t->nckpts) {
		gv_error_set(err, t->path, 0, 0, "no checkpoint %zu", i);
		return -1;
	}
	const struct trace_ckpt_info *k = &t->ckpts[i];
	size_t total = BLOCK_OPENING + (size_t)k->size;
	unsigned char *h = xmalloc(total);
	if (total <= CKPT_HEADER_SIZE || !read_at(t->f, k->offset, h, total)) {
		free(h);
		gv_error_set(err, t->path, 0, 0, "cannot read the checkpoint at byte %" PRIu64,
			     k->offset);
		return -1;
	}
	size_t zlen = total - CKPT_HEADER_SIZE, len = get_u32(h + CKPT_RAW);
	if (trace_crc32(trace_crc32(0, h, CKPT_CRC), h + CKPT_HEADER_SIZE, zlen) !=
	    get_u32(h + CKPT_CRC) || get_u32(h + BLOCK_KIND) != CKPT_MAGIC ||
	    len > TRACE_MAX_CHECKPOINT) {
		free(h);
		gv_error_set(err, t->path, 0, 0,
			     "the checkpoint at byte %" PRIu64 " is damaged (its checksum does not match)",
			     k->offset);
		return -1;
	}
	if (!t->codec)
		t->codec = codec_new();
	unsigned char *out = xmalloc(len ? len : 1);
	size_t got = ZSTD_decompressDCtx(t->codec->zd, out, len, h + CKPT_HEADER_SIZE, zlen);
	free(h);
	if (ZSTD_isError(got) || got != len) {
		free(out);
		gv_error_set(err, t->path, 0, 0, "the checkpoint at byte %" PRIu64
			     " does not decompress (%s)", k->offset,
			     ZSTD_isError(got) ? ZSTD_getErrorName(got) : "too short");
		return -1;
	}
	*state = out;
	return (long)len;
}

size_t trace_find_block(const struct trace *t, uint64_t t_ns)
{
	/* Blocks are in drain order; their last_t grows nearly monotonically.
	 * The first block whose last_t reaches t_ns. */
	size_t lo = 0, hi = t->nblocks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->blocks[mid].last_t < t_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nblocks ? lo : (t->nblocks ? t->nblocks - 1 : 0);
}
