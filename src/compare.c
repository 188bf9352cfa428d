/*
 * compare.c -- one scenario, once per policy, in a column each.
 *
 * The runs are sweep_run_one's, the same as a sweep's rows: a watch each,
 * to its end, then the figures stats gives. Nothing here runs or drains
 * anything itself.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "util.h"
#include "watch.h"

int compare_parse(const char *arg, unsigned min, struct compare_spec *out, char *msg,
		  size_t msglen)
{
	memset(out, 0, sizeof *out);
	const char *p = arg;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[32];
		if (n == 0 || n >= sizeof name) {
			snprintf(msg, msglen, "expected policies separated by commas, such as "
				 "new,bfs,priority, got '%s'", arg);
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		int pol = gil_policy_parse(name);
		if (pol < 0) {
			snprintf(msg, msglen, "unknown policy '%s' (expected " GIL_POLICY_NAMES ")",
				 name);
			return -1;
		}
		for (unsigned i = 0; i < out->n; i++) {
			if (out->policy[i] == (enum gil_policy)pol) {
				snprintf(msg, msglen, "policy '%s' named twice", name);
				return -1;
			}
		}
		out->policy[out->n++] = (enum gil_policy)pol;
		if (!end)
			break;
		p = end + 1;
	}
	if (out->n < min) {
		snprintf(msg, msglen, "name at least %u policies to compare, got '%s'", min, arg);
		return -1;
	}
	return 0;
}

int compare_run(const struct scenario *sc, const struct engine_options *opt,
		const struct compare_spec *sp, struct compare_result *out,
		volatile sig_atomic_t *stop, struct gv_error *err)
{
	memset(out, 0, sizeof *out);
	out->sc = sc;
	if (watch_runs_forever(sc, opt, "comparison", err))
		return -1;
	out->cols = xcalloc(sp->n ? sp->n : 1, sizeof *out->cols);
	struct engine_options opts[GIL_POLICY_COUNT];
	for (unsigned i = 0; i < sp->n; i++) {
		opts[i] = *opt;
		opts[i].policy = (int)sp->policy[i];
	}
	if (sweep_run_all(sc, opts, sp->n, sp->jobs, out->cols, &out->n, out->time_mode,
			  sizeof out->time_mode, stop, err) != 0) {
		compare_result_free(out);
		return -1;
	}
	return 0;
}

void compare_result_free(struct compare_result *r)
{
	for (unsigned i = 0; r->cols && i < r->n; i++)
		sweep_row_free(&r->cols[i]);
	free(r->cols);
	r->cols = NULL;
	r->n = 0;
}

#define COL_W 11

static double share(uint64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0;
}

/* One row of figures: the label, then a column per policy. */
static void row_ms(FILE *out, int lw, const char *label, const struct compare_result *r,
		   const uint64_t *(*pick)(const struct sweep_row *), size_t t)
{
	fprintf(out, "%-*s", lw, label);
	for (unsigned i = 0; i < r->n; i++)
		fprintf(out, " %*.3f", COL_W, (double)pick(&r->cols[i])[t] / 1e6);
	fputc('\n', out);
}

static const uint64_t *pick_p50(const struct sweep_row *c)
{
	return c->wait_p50_ns;
}

static const uint64_t *pick_p99(const struct sweep_row *c)
{
	return c->wait_p99_ns;
}

static void print_text(FILE *out, const struct compare_result *r)
{
	const struct scenario *sc = r->sc;
	char *b1 = NULL, *b2 = NULL;
	fprintf(out, "%s\n  scenario %s; %s time; %u polic%s, run one after another\n\n",
		text_printable(sc->title, &b1), text_printable(sc->file, &b2), r->time_mode,
		r->n, r->n == 1 ? "y" : "ies");
	free(b1);
	free(b2);
	int lw = (int)strlen("forced switches");
	for (size_t t = 0; t < sc->nthreads; t++) {
		int n = (int)strlen(sc->threads[t].name);
		n = (n > 16 ? 16 : n) + (int)strlen(" wait p50 ms");
		if (n > lw)
			lw = n;
	}
	fprintf(out, "%-*s", lw, "");
	for (unsigned i = 0; i < r->n; i++)
		fprintf(out, " %*s", COL_W, gil_policy_name(r->cols[i].policy));
	fprintf(out, "\n%-*s", lw, "interval");
	for (unsigned i = 0; i < r->n; i++) {
		char iv[32];
		format_duration(r->cols[i].interval_ns, iv, sizeof iv);
		fprintf(out, " %*s", COL_W, iv);
	}
	fputc('\n', out);
	for (size_t t = 0; t < sc->nthreads; t++) {
		char label[64];
		const char *name = sc->threads[t].name;
		snprintf(label, sizeof label, "%.16s wait p50 ms", name);
		row_ms(out, lw, label, r, pick_p50, t);
		snprintf(label, sizeof label, "%.16s wait p99 ms", name);
		row_ms(out, lw, label, r, pick_p99, t);
		snprintf(label, sizeof label, "%.16s hold %%", name);
		fprintf(out, "%-*s", lw, label);
		for (unsigned i = 0; i < r->n; i++)
			fprintf(out, " %*.1f", COL_W,
				share(r->cols[i].hold_ns[t], r->cols[i].elapsed_ns));
		fputc('\n', out);
	}
	fprintf(out, "%-*s", lw, "switches/s");
	for (unsigned i = 0; i < r->n; i++)
		fprintf(out, " %*.1f", COL_W, r->cols[i].switches_per_s);
	fprintf(out, "\n%-*s", lw, "forced switches");
	for (unsigned i = 0; i < r->n; i++)
		fprintf(out, " %*" PRIu64, COL_W, r->cols[i].forced_switches);
	fprintf(out, "\n%-*s", lw, "elapsed s");
	for (unsigned i = 0; i < r->n; i++)
		fprintf(out, " %*.3f", COL_W, (double)r->cols[i].elapsed_ns / 1e9);
	fprintf(out, "\n%-*s", lw, "wall s");
	for (unsigned i = 0; i < r->n; i++)
		fprintf(out, " %*.3f", COL_W, r->cols[i].wall_s);
	fputs("\n\nhold %: the share of the run's elapsed time the thread held the GIL.\n"
	      "elapsed s: the run's length on its clock; wall s: how long the machine took.\n",
	      out);
}

static void print_json(FILE *out, const struct compare_result *r)
{
	const struct scenario *sc = r->sc;
	fputs("{\n  \"scenario\": ", out);
	json_put_string(out, sc->file);
	fputs(",\n  \"title\": ", out);
	json_put_string(out, sc->title);
	fputs(",\n  \"time_mode\": ", out);
	json_put_string(out, r->time_mode);
	fputs(",\n  \"policies\": [", out);
	for (unsigned i = 0; i < r->n; i++) {
		const struct sweep_row *c = &r->cols[i];
		fprintf(out, "%s\n    {\"policy\": \"%s\", \"interval_s\": %.6f, "
			     "\"switches_per_s\": %.3f, \"switches\": %" PRIu64 ", "
			     "\"forced_switches\": %" PRIu64 ", \"failed_wakeups\": %" PRIu64 ", "
			     "\"elapsed_s\": %.6f, \"threads\": [",
			i ? "," : "", gil_policy_name(c->policy), (double)c->interval_ns / 1e9,
			c->switches_per_s, c->switches, c->forced_switches, c->failed_wakeups,
			(double)c->elapsed_ns / 1e9);
		for (size_t t = 0; t < sc->nthreads; t++) {
			fputs(t ? ", {\"name\": " : "{\"name\": ", out);
			json_put_string(out, sc->threads[t].name);
			fprintf(out, ", \"wait_p50_ms\": %.4f, \"wait_p99_ms\": %.4f, "
				     "\"hold_share\": %.4f}",
				(double)c->wait_p50_ns[t] / 1e6, (double)c->wait_p99_ns[t] / 1e6,
				share(c->hold_ns[t], c->elapsed_ns) / 100.0);
		}
		fputs("]}", out);
	}
	fputs("\n  ]\n}\n", out);
}

void compare_print(FILE *out, bool json, const struct compare_result *r)
{
	if (json)
		print_json(out, r);
	else
		print_text(out, r);
}
