/*
 * record.c -- the header of a recording, from a running engine.
 *
 * The machine's name and the time are read here, once, for every watch
 * that records, so that no two views describe a run differently.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "record.h"

void record_meta(struct trace_meta *m, struct record_strings *buf,
		 const struct scenario *sc, const struct engine *e,
		 const struct engine_options *opt)
{
	struct utsname u;
	buf->kernel[0] = '\0';
	if (uname(&u) == 0)
		snprintf(buf->kernel, sizeof buf->kernel, "%s %s %s", u.sysname, u.release,
			 u.machine);
	time_t now = time(NULL);
	struct tm tm;
	strftime(buf->recorded_at, sizeof buf->recorded_at, "%Y-%m-%dT%H:%M:%SZ",
		 gmtime_r(&now, &tm));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	*m = (struct trace_meta){
		.scenario_text = sc->text,
		.scenario_file = sc->file,
		.policy = (char *)gil_policy_name(engine_policy(e)),
		.interval_ns = engine_interval(e),
		.duration_ns = opt->duration_ns,
		.slow = engine_slow(e),
		.time_mode = (char *)engine_time_mode(e),
		.seed = engine_seed(e),
		.tick_ns = engine_tick_ns(e),
		.cores = engine_is_virtual(e) ? engine_cores(e) : cores > 0 ? (unsigned)cores : 0,
		.kernel = buf->kernel,
		.recorded_at = buf->recorded_at,
		.version = (char *)PACKAGE_VERSION,
		.t_start = (uint64_t)engine_start_time(e),
	};
}
