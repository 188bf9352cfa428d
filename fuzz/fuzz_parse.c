/*
 * fuzz_parse.c -- libFuzzer harness for the scenario parser.
 *
 * Any input must either parse or fail with a placed error; nothing may
 * crash, leak or read out of bounds. The input is not NUL-terminated, as
 * scenario_parse allows. When a parse succeeds, the model is walked so
 * that a dangling op pointer or a bad count shows up here, not later.
 *
 *   make fuzz/fuzz_parse   (configure CC=clang --enable-fuzzing)
 *   fuzz/fuzz_parse -max_total_time=180 -dict=fuzz/scenario.dict corpus/ scenarios/
 *
 * CI runs it for 60 s with scenarios/ and tests/bad/ as seeds (.ci/run).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gv_error err;
	struct scenario *sc = scenario_parse((const char *)data, size, "fuzz.gil", &err);
	if (!sc) {
		char buf[800];
		gv_error_format(&err, buf, sizeof buf);
		if (err.msg[0] == '\0')
			abort(); /* a failure must say why */
		return 0;
	}
	if (sc->nthreads == 0 || sc->nthreads > SCENARIO_MAX_THREADS ||
	    sc->nprocs == 0 || sc->nprocs > SCENARIO_MAX_PROCESSES)
		abort();
	for (size_t i = 0; i < sc->nthreads; i++) {
		const struct sc_thread *t = &sc->threads[i];
		/* A thread runs ops; an asyncio loop runs tasks instead. */
		if (t->process >= sc->nprocs || (t->nops == 0) == (t->ntasks == 0) ||
		    !t->name[0])
			abort();
		for (int k = 0; k < OP_KIND_COUNT; k++)
			(void)scenario_thread_total_ns(t, (enum op_kind)k);
	}
	scenario_free(sc);
	return 0;
}
