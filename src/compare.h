/*
 * compare.h -- one scenario under several GIL policies, side by side:
 * `gilviz --headless --compare new,bfs,priority SCENARIO`.
 *
 * Each policy gets a run of its own, watched to its end (watch.h, through
 * sweep_run_one), with the same options: the same seed, cores and
 * interval in virtual time, so that the policy is the only difference.
 * In real time the runs go one after another, never at once: two runs at
 * once would share the cores and each would slow the other, which is not
 * what either policy does alone; in virtual time they go on every core
 * (sweep_run_all), each column the same as alone. The figures are the ones stats gives at
 * the end of each run; a column per policy.
 */
#ifndef GILVIZ_COMPARE_H
#define GILVIZ_COMPARE_H

#include <signal.h>
#include <stdio.h>

#include "engine.h"
#include "policy.h"
#include "scenario.h"
#include "sweep.h"

/* The policies to compare, in the order given; each at most once. */
struct compare_spec {
	unsigned n;
	enum gil_policy policy[GIL_POLICY_COUNT];
	unsigned jobs;   /* runs at once; 0: a worker per core (sweep_workers) */
};

/* Parses a list of policy names, "new,bfs,priority" (at least min of
 * them). Returns 0, or -1 with a message in msg. */
int compare_parse(const char *arg, unsigned min, struct compare_spec *out, char *msg,
		  size_t msglen);

struct compare_result {
	const struct scenario *sc;
	char time_mode[96];
	unsigned n;              /* columns done (fewer if stopped early) */
	struct sweep_row *cols;  /* a column per policy */
};

/* Run sc once per policy of sp with opt (its policy replaced). Stops
 * early, with the columns done so far, once *stop is non-zero. Returns 0,
 * or -1 with err filled. */
int compare_run(const struct scenario *sc, const struct engine_options *opt,
		const struct compare_spec *sp, struct compare_result *out,
		volatile sig_atomic_t *stop, struct gv_error *err);
void compare_result_free(struct compare_result *r);

/* The table, a column per policy (text), or the same figures as JSON
 * (which leaves out the machine's wall time, so that a virtual
 * comparison prints the same bytes every time). */
void compare_print(FILE *out, bool json, const struct compare_result *r);

#endif
