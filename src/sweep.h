/*
 * sweep.h -- run one scenario once per switch interval, over a log-spaced
 * range, and show how the figures change: the table and the chart of
 * `gilviz --sweep interval=0.1ms..50ms:20`. The policy is a second
 * dimension (`--sweep policy=new,bfs,fifo`, alone or with an interval
 * range): every interval under every policy, a chart per policy.
 *
 * Every figure comes from stats (per run); the sweep only lays them side
 * by side. In virtual time (the default) each run is deterministic and
 * takes a fraction of its simulated length.
 */
#ifndef GILVIZ_SWEEP_H
#define GILVIZ_SWEEP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "policy.h"
#include "scenario.h"

#define SWEEP_DEFAULT_POINTS 10
#define SWEEP_MAX_POINTS 1000

enum sweep_format { SWEEP_TEXT, SWEEP_JSON, SWEEP_CSV };

/* What to sweep: the interval from lo to hi inclusive (points 0: not
 * swept, the run's own): points log-spaced values, or (nice) the 1-2-5
 * series between them (1 ms, 2 ms, 5 ms, 10 ms...) with lo and hi as its
 * ends; and the policies in the order given (npolicies 0: not swept). The
 * runs go policy by policy, each over the intervals. */
struct sweep_spec {
	int64_t lo_ns, hi_ns;
	unsigned points;
	bool nice;
	unsigned npolicies;
	enum gil_policy policies[GIL_POLICY_COUNT];
	unsigned jobs;   /* runs at once; 0: a worker per core (see sweep_workers) */
};

/* Parses one dimension into out, keeping the other: "interval=0.1ms..50ms"
 * (the 1-2-5 series), "interval=0.1ms..50ms:20" (20 log-spaced values) or
 * "policy=new,bfs,fifo". Returns 0, or -1 with a message in msg. */
int sweep_parse(const char *arg, struct sweep_spec *out, char *msg, size_t msglen);
/* How many runs the sweep makes (at least one). */
unsigned sweep_runs(const struct sweep_spec *sp);
/* Value i (0 <= i < points) of the range, in whole microseconds as the
 * GIL keeps it (at least 1 us). */
int64_t sweep_value(const struct sweep_spec *sp, unsigned i);

/* The figures of one finished run: a row of a sweep, a column of a
 * comparison (compare.h). */
struct sweep_row {
	enum gil_policy policy;
	int64_t interval_ns;
	double switches_per_s;   /* all GILs together, over elapsed */
	uint64_t switches;
	uint64_t forced_switches;
	uint64_t failed_wakeups;
	/* Work per second: the time threads spent running (holding the GIL
	 * or in native code) per second of elapsed, in cores: 1.0 is one
	 * core kept busy the whole run. */
	double work_per_s;
	int64_t elapsed_ns;      /* the run's length, on its clock */
	double wall_s;           /* how long the machine took to run it */
	uint64_t *wait_p50_ns;   /* per thread */
	uint64_t *wait_p99_ns;
	uint64_t *hold_ns;       /* per thread: holding the GIL */
};

struct sweep_result {
	const struct scenario *sc;
	struct sweep_spec spec;
	char time_mode[96];
	const char *policy;      /* the policy, if only one */
	unsigned width;  /* of the chart, in columns: the terminal's; 0: 80 */
	unsigned nrows;
	struct sweep_row *rows;
};

/* One run of sc with opt, watched to its end (or until *stop becomes
 * non-zero): its figures into row (free them with sweep_row_free), its
 * time mode into time_mode. Returns 0, or -1 with err filled. */
int sweep_run_one(const struct scenario *sc, const struct engine_options *opt,
		  struct sweep_row *row, char *time_mode, size_t time_mode_len,
		  volatile sig_atomic_t *stop, struct gv_error *err);
void sweep_row_free(struct sweep_row *row);

/* How many runs go at once for jobs asked (0: one per online core) and n
 * runs: one in real time, where runs at once would share the cores and
 * slow each other; in virtual time each run is deterministic wherever it
 * runs. */
unsigned sweep_workers(const struct engine_options *opt, unsigned jobs, unsigned n);
/* Run sc with each of opts[0..n) (sweep_run_one), sweep_workers of them
 * at once, the figures of run i into rows[i]: the same rows whatever the
 * number of workers. *nrows: the runs finished before the first that a
 * stop left out. Returns 0, or -1 with err (the first failed run's) and
 * no rows. */
int sweep_run_all(const struct scenario *sc, const struct engine_options *opts, unsigned n,
		  unsigned jobs, struct sweep_row *rows, unsigned *nrows, char *time_mode,
		  size_t time_mode_len, volatile sig_atomic_t *stop, struct gv_error *err);

/* Run sc once per value of sp with opt (its interval replaced). Stops
 * early, with the rows done so far, once *stop is non-zero. Returns 0, or
 * -1 with err filled. */
int sweep_run(const struct scenario *sc, const struct engine_options *opt,
	      const struct sweep_spec *sp, struct sweep_result *out,
	      volatile sig_atomic_t *stop, struct gv_error *err);
void sweep_result_free(struct sweep_result *r);

/* The table then the chart (text), or the same rows as JSON or CSV (which
 * leave out the wall time, so that a virtual sweep prints the same bytes
 * every time). */
void sweep_print(FILE *out, enum sweep_format fmt, const struct sweep_result *r);
/* The chart alone: wait p99 (worst thread) and switches/s against the
 * interval, both on log scales, height rows high. */
void sweep_chart(FILE *out, const struct sweep_result *r, unsigned height);

#endif
