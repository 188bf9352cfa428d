/*
 * fuzz_trace.c -- libFuzzer harness for the recording reader: any bytes
 * must give a trace or a message, never a crash, a hang or an absurd
 * allocation, and every block and checkpoint it indexes must read or be
 * refused. (What a checkpoint's state holds is checked as it is loaded:
 * tests/test_replay.c feeds it damaged states.)
 *
 * Mutated bytes almost never keep a CRC-32 or a zstd checksum right, and
 * would stop at the first check. So:
 *   an input that starts with GILVIZ-T is a recording; its checksums
 *     (the header's, each block's, each checkpoint's and the end block's,
 *     as trace.h lays
 *     them out) are put right before it is read, so that the index and
 *     the decoder see the mutations;
 *   any other input is a count of events (u16, little-endian) and the
 *     encoded columns of one block of them: the harness compresses the
 *     columns and wraps them in a version 2 file (encoding 1) and in two
 *     version 3 files (encodings 2 and 3), so that the column decoder
 *     sees any bytes at all, in each encoding.
 * The checks themselves are tested in tests/test_trace.c.
 *
 * Seeds: fuzz/corpus/trace (a block's columns) and tests/data (version 1
 * and 2 recordings); see README.md.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Put right the checksums of a version 2 or 3 recording, as far as its
 * lengths lead. */
static void fix_checksums(uint8_t *b, size_t size)
{
	if (size < 20 || memcmp(b, TRACE_MAGIC, 8) != 0 || get32(b + 8) - 2 > 1)
		return;
	uint32_t hlen = get32(b + 12);
	if (hlen > size - 20)
		return;
	put32(b + 16, trace_crc32(0, b + 20, hlen));
	size_t off = 20 + (size_t)hlen;
	while (size - off >= 8) {
		uint32_t bsize = get32(b + off + 4);
		if (bsize > size - off - 8)
			return;
		if (!memcmp(b + off, "EVTZ", 4) && bsize >= 40)
			put32(b + off + 44, trace_crc32(trace_crc32(0, b + off, 44), b + off + 48,
							 bsize - 40));
		else if (!memcmp(b + off, "CKPT", 4) && bsize >= 32)
			put32(b + off + 36, trace_crc32(trace_crc32(0, b + off, 36), b + off + 40,
							 bsize - 32));
		else if (!memcmp(b + off, "END.", 4) && bsize == 32)
			put32(b + off + 36, trace_crc32(0, b + off, 36));
		off += 8 + (size_t)bsize;
	}
}

/* A recording of version 2 or 3 of one block whose columns are enc, in
 * encoding (1 for version 2; 2 or 3 for version 3), claiming count events
 * between t 0 and 2^40; *len is its size. The reader is to refuse a count
 * out of bounds. */
static uint8_t *wrap_columns(const uint8_t *enc, size_t elen, uint32_t count, uint32_t encoding,
			     size_t *len)
{
	static const char text[] = "version fuzz\nscenario 0\n";
	size_t hlen = sizeof text - 1, zcap = ZSTD_compressBound(elen);
	uint8_t *b = calloc(1, 20 + hlen + 48 + zcap);
	memcpy(b, TRACE_MAGIC, 8);
	put32(b + 8, encoding == 1 ? 2 : 3);
	put32(b + 12, (uint32_t)hlen);
	put32(b + 16, trace_crc32(0, text, hlen));
	memcpy(b + 20, text, hlen);
	uint8_t *k = b + 20 + hlen;
	size_t z = ZSTD_compress(k + 48, zcap, enc, elen, 1);
	if (ZSTD_isError(z)) {
		free(b);
		return NULL;
	}
	memcpy(k, "EVTZ", 4);
	put32(k + 4, (uint32_t)(40 + z));
	put32(k + 8, count);
	put32(k + 12, (uint32_t)elen);
	put64(k + 16, 0);
	put64(k + 24, (uint64_t)1 << 40);
	put64(k + 32, 0);
	put32(k + 40, encoding);
	put32(k + 44, trace_crc32(trace_crc32(0, k, 44), k + 48, z));
	*len = 20 + hlen + 48 + z;
	return b;
}

/* Open b and read every block and checkpoint it indexes; frees b. */
static void read_everything(uint8_t *b, size_t len)
{
	FILE *f = fmemopen(b, len, "rb");
	if (!f) {
		free(b);
		return;
	}
	struct gv_error err;
	struct trace *t = trace_open_stream(f, "fuzz.trace", &err);
	if (t) {
		static struct event evs[TRACE_BLOCK_EVENTS];
		for (size_t i = 0; i < t->nblocks; i++)
			if (trace_read_block(t, i, evs, &err) < 0)
				break;
		for (size_t i = 0; i < t->nckpts; i++) {
			void *state;
			trace_read_checkpoint(t, i, &state, &err);
			free(state);
		}
		trace_find_block(t, 12345);
		trace_close(t);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 8 && !memcmp(data, TRACE_MAGIC, 8)) {
		uint8_t *b = malloc(size);
		memcpy(b, data, size);
		fix_checksums(b, size);
		read_everything(b, size);
	} else if (size >= 2) {
		uint32_t count = (uint32_t)data[0] | (uint32_t)data[1] << 8;
		for (uint32_t encoding = 1; encoding <= 3; encoding++) {
			size_t len;
			uint8_t *b = wrap_columns(data + 2, size - 2, count, encoding, &len);
			if (b)
				read_everything(b, len);
		}
	}
	return 0;
}
