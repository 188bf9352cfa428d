/*
 * trace.c -- writing and reading recordings (the layout is in trace.h).
 *
 * Writing happens on the consumer side, as the ring is drained, never in
 * the simulated threads: recording cannot change what it records. Every
 * integer is written byte by byte in little-endian order, so a recording
 * reads the same on any machine.
 *
 * Reading trusts nothing: every length is checked against the limits and
 * against the file's size before anything is allocated or read, and every
 * block's checksum is checked before its events are used. What cannot be
 * read is said in a message naming the file and the byte offset.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace.h"

#define BLOCK_MAGIC 0x53545645u /* "EVTS" */
#define END_MAGIC 0x2e444e45u   /* "END." */
#define FILE_HEADER_SIZE 20
#define BLOCK_HEADER_SIZE 40
#define END_BLOCK_SIZE 40
#define EVENT_SIZE 24

/* Where each field sits (see trace.h): the writer and the reader both
 * use these, so they cannot disagree. A block header and the end block
 * share the first word (the magic) and the checksum's place. */
enum {
	HEAD_VERSION = 8, HEAD_LEN = 12, HEAD_CRC = 16,
	BLOCK_COUNT = 4, BLOCK_FIRST = 8, BLOCK_LAST = 16, BLOCK_DROPPED = 24,
	END_FLAGS = 4, END_ELAPSED = 8, END_EVENTS = 16, END_DROPPED = 24,
	BLOCK_CRC = 32, BLOCK_PAD = 36,
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

static void put_event(unsigned char *p, const struct event *e)
{
	put_u64(p + REC_T, e->t);
	put_u64(p + REC_ARG, e->arg);
	put_u32(p + REC_SEQ, e->seq);
	p[REC_TID] = (unsigned char)e->tid;
	p[REC_TID + 1] = (unsigned char)(e->tid >> 8);
	p[REC_TYPE] = e->type;
	p[REC_AUX] = e->aux;
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

/* ---- writing ----------------------------------------------------------- */

struct trace_writer {
	FILE *f;
	char *path;
	char *tmp;             /* written here, renamed onto path at the end */
	struct event *buf;
	size_t n;
	int64_t block_started; /* wall clock, when buf got its first event */
	uint64_t dropped;
	unsigned char *bytes;
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
	w->bytes = xmalloc(BLOCK_HEADER_SIZE + TRACE_BLOCK_EVENTS * EVENT_SIZE);

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

static int write_block(struct trace_writer *w, struct gv_error *err)
{
	if (!w->n)
		return 0;
	uint64_t first = UINT64_MAX, last = 0;
	unsigned char *payload = w->bytes + BLOCK_HEADER_SIZE;
	for (size_t i = 0; i < w->n; i++) {
		put_event(payload + i * EVENT_SIZE, &w->buf[i]);
		if (w->buf[i].t < first)
			first = w->buf[i].t;
		if (w->buf[i].t > last)
			last = w->buf[i].t;
	}
	size_t plen = w->n * EVENT_SIZE;
	put_u32(w->bytes, BLOCK_MAGIC);
	put_u32(w->bytes + BLOCK_COUNT, (uint32_t)w->n);
	put_u64(w->bytes + BLOCK_FIRST, first);
	put_u64(w->bytes + BLOCK_LAST, last);
	put_u64(w->bytes + BLOCK_DROPPED, w->dropped);
	put_u32(w->bytes + BLOCK_CRC, trace_crc32(0, payload, plen));
	put_u32(w->bytes + BLOCK_PAD, 0);
	size_t total = BLOCK_HEADER_SIZE + plen;
	/* One write and a flush per block: a killed run keeps whole blocks. */
	if (fwrite(w->bytes, 1, total, w->f) != total || fflush(w->f) != 0)
		return write_error(w, err);
	w->n = 0;
	return 0;
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

int trace_writer_flush(struct trace_writer *w, bool force, struct gv_error *err)
{
	if (w->n && (force || gv_mono_ns() - w->block_started >= TRACE_FLUSH_NS))
		return write_block(w, err);
	return 0;
}

int trace_writer_close(struct trace_writer *w, int64_t elapsed_ns, uint64_t events,
		       uint64_t dropped, unsigned end_flags, struct gv_error *err)
{
	w->dropped = dropped;
	int rc = write_block(w, err);
	if (rc == 0) {
		unsigned char end[END_BLOCK_SIZE];
		put_u32(end, END_MAGIC);
		put_u32(end + END_FLAGS, end_flags);
		put_u64(end + END_ELAPSED, (uint64_t)elapsed_ns);
		put_u64(end + END_EVENTS, events);
		put_u64(end + END_DROPPED, dropped);
		put_u32(end + BLOCK_CRC, trace_crc32(0, end, BLOCK_CRC));
		put_u32(end + BLOCK_PAD, 0);
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
	free(w->buf);
	free(w->bytes);
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
	uint32_t version = get_u32(head + HEAD_VERSION);
	if (version != TRACE_VERSION) {
		gv_error_set(err, t->path, 0, 0,
			     "format version %u is %s than this gilviz reads (%u)", version,
			     version > TRACE_VERSION ? "newer" : "other", TRACE_VERSION);
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
	size_t cap = 0;
	uint64_t last_t = 0;
	while (off < size) {
		unsigned char bh[BLOCK_HEADER_SIZE];
		if (size - off < 8 || !read_at(f, off, bh, 8)) {
			warn(t, "the file ends inside a block header at byte %" PRIu64, off, t->nblocks);
			break;
		}
		uint32_t magic = get_u32(bh);
		if (magic == END_MAGIC) {
			if (size - off < END_BLOCK_SIZE || !read_at(f, off, bh, END_BLOCK_SIZE)) {
				warn(t, "the end block at byte %" PRIu64 " is cut short", off, t->nblocks);
				break;
			}
			if (trace_crc32(0, bh, BLOCK_CRC) != get_u32(bh + BLOCK_CRC)) {
				warn(t, "the end block at byte %" PRIu64 " is damaged", off, t->nblocks);
				break;
			}
			t->complete = true;
			t->interrupted = (get_u32(bh + END_FLAGS) & TRACE_END_INTERRUPTED) != 0;
			t->deadlocked = (get_u32(bh + END_FLAGS) & TRACE_END_DEADLOCKED) != 0;
			t->elapsed_ns = (int64_t)get_u64(bh + END_ELAPSED);
			t->dropped = get_u64(bh + END_DROPPED);
			if (get_u64(bh + END_EVENTS) != t->events)
				warn(t, "the end block at byte %" PRIu64 " counts other events than the blocks hold",
				     off, t->nblocks);
			break;
		}
		if (magic != BLOCK_MAGIC) {
			warn(t, "no block starts at byte %" PRIu64 " (damaged data)", off, t->nblocks);
			break;
		}
		if (size - off < BLOCK_HEADER_SIZE || !read_at(f, off, bh, BLOCK_HEADER_SIZE)) {
			warn(t, "the file ends inside a block header at byte %" PRIu64, off, t->nblocks);
			break;
		}
		uint32_t count = get_u32(bh + BLOCK_COUNT);
		uint64_t first = get_u64(bh + BLOCK_FIRST), last = get_u64(bh + BLOCK_LAST);
		if (count == 0 || count > TRACE_BLOCK_EVENTS || first > last) {
			warn(t, "the block at byte %" PRIu64 " has a damaged header", off, t->nblocks);
			break;
		}
		uint64_t plen = (uint64_t)count * EVENT_SIZE;
		if (size - off - BLOCK_HEADER_SIZE < plen) {
			warn(t, "the file ends inside the block at byte %" PRIu64
				" (the recording was cut short)", off, t->nblocks);
			break;
		}
		if (t->nblocks == TRACE_MAX_BLOCKS) {
			warn(t, "too many blocks; stopping at byte %" PRIu64, off, t->nblocks);
			break;
		}
		if (t->nblocks == cap) {
			cap = cap ? cap * 2 : 64;
			t->blocks = xreallocarray(t->blocks, cap, sizeof *t->blocks);
		}
		t->blocks[t->nblocks++] = (struct trace_block_info){
			.offset = off, .count = count, .first_t = first, .last_t = last,
			.dropped = get_u64(bh + BLOCK_DROPPED),
		};
		t->events += count;
		t->dropped = get_u64(bh + BLOCK_DROPPED);
		if (last > last_t)
			last_t = last;
		off += BLOCK_HEADER_SIZE + plen;
	}
	if (!t->complete && !t->warning)
		warn(t, "the recording has no end block after byte %" PRIu64
			" (the run was cut short)", off, t->nblocks);
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

void trace_close(struct trace *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	trace_meta_free(&t->meta);
	free(t->blocks);
	free(t->warning);
	free(t->path);
	free(t);
}

long trace_read_block(struct trace *t, size_t i, struct event *out, struct gv_error *err)
{
	if (i >= t->nblocks) {
		gv_error_set(err, t->path, 0, 0, "no block %zu", i);
		return -1;
	}
	const struct trace_block_info *b = &t->blocks[i];
	size_t plen = (size_t)b->count * EVENT_SIZE;
	unsigned char head[BLOCK_HEADER_SIZE];
	unsigned char *payload = xmalloc(plen);
	if (!read_at(t->f, b->offset, head, sizeof head) ||
	    !read_at(t->f, b->offset + BLOCK_HEADER_SIZE, payload, plen)) {
		free(payload);
		gv_error_set(err, t->path, 0, 0, "cannot read the block at byte %" PRIu64, b->offset);
		return -1;
	}
	if (trace_crc32(0, payload, plen) != get_u32(head + BLOCK_CRC)) {
		free(payload);
		gv_error_set(err, t->path, 0, 0,
			     "the block at byte %" PRIu64 " is damaged (its checksum does not match)",
			     b->offset);
		return -1;
	}
	for (size_t k = 0; k < b->count; k++)
		get_event(payload + k * EVENT_SIZE, &out[k]);
	free(payload);
	return (long)b->count;
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
