/*
 * fuzz_trace.c -- libFuzzer harness for the recording reader: any bytes
 * must give a trace or a message, never a crash, a hang or an absurd
 * allocation, and every block it indexes must read or be refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	struct gv_error err;
	struct trace *t = trace_open_stream(f, "fuzz.trace", &err);
	if (!t)
		return 0;
	static struct event evs[TRACE_BLOCK_EVENTS];
	for (size_t i = 0; i < t->nblocks; i++)
		if (trace_read_block(t, i, evs, &err) < 0)
			break;
	trace_find_block(t, 12345);
	trace_close(t);
	return 0;
}
