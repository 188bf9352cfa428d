/*
 * sweep.c -- one scenario, once per switch interval, or per policy, or
 * per policy and interval.
 *
 * Each run is a headless run of its own, watched to its end (watch.h) as
 * the report's is, and the figures stats gives at the end. The runs are
 * independent; in virtual time each is deterministic, so a sweep is too,
 * and its runs go on every core at once (sweep_run_all): each lands in
 * its own row, so the output is the same bytes as one after another.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "stats.h"
#include "sweep.h"
#include "util.h"
#include "watch.h"

/* One end of a range, the n bytes at s: a duration. */
static int range_end(const char *s, size_t n, const char *which, int64_t *ns, char *msg,
		     size_t msglen)
{
	char buf[64], sub[192];
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_duration(buf, ns, sub, sizeof sub) != 0) {
		snprintf(msg, msglen, "the %s end '%s': %s", which, buf, sub);
		return -1;
	}
	return 0;
}

/* The 1-2-5 series from lo to hi in whole microseconds, lo and hi
 * included; fills out (if not NULL) and returns how many. */
static unsigned nice_values(const struct sweep_spec *sp, int64_t *out)
{
	int64_t lo = sp->lo_ns / 1000 * 1000, hi = sp->hi_ns / 1000 * 1000;
	unsigned n = 0;
	if (out)
		out[n] = lo;
	n++;
	static const int64_t steps[] = { 1, 2, 5 };
	for (int64_t p = 1000; p <= hi && n < SWEEP_MAX_POINTS - 1; p *= 10)
		for (size_t k = 0; k < 3; k++) {
			int64_t v = p * steps[k];
			if (v > lo && v < hi) {
				if (out)
					out[n] = v;
				n++;
			}
		}
	if (out)
		out[n] = hi;
	return n + 1;
}

int sweep_parse(const char *arg, struct sweep_spec *out, char *msg, size_t msglen)
{
	const char *eq = strchr(arg, '=');
	if (eq && (size_t)(eq - arg) == strlen("policy") && !strncmp(arg, "policy", 6)) {
		struct compare_spec cs;
		if (compare_parse(eq + 1, 1, &cs, msg, msglen) != 0)
			return -1;
		out->npolicies = cs.n;
		memcpy(out->policies, cs.policy, sizeof out->policies);
		return 0;
	}
	if (!eq || (size_t)(eq - arg) != strlen("interval") || strncmp(arg, "interval", 8)) {
		snprintf(msg, msglen, "expected interval=LO..HI[:N] or policy=P1,P2..., got '%s' "
			 "(only the interval and the policy can be swept)", arg);
		return -1;
	}
	const char *lo = eq + 1, *dots = strstr(lo, "..");
	if (!dots) {
		snprintf(msg, msglen, "expected a range LO..HI such as 0.1ms..50ms, got '%s'", lo);
		return -1;
	}
	const char *hi = dots + 2, *colon = strchr(hi, ':');
	if (range_end(lo, (size_t)(dots - lo), "low", &out->lo_ns, msg, msglen) != 0 ||
	    range_end(hi, colon ? (size_t)(colon - hi) : strlen(hi), "high", &out->hi_ns, msg,
		      msglen) != 0)
		return -1;
	out->points = SWEEP_DEFAULT_POINTS;
	out->nice = !colon;
	if (colon) {
		char *end;
		errno = 0;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || colon[1] == '-' || p < 2 || p > SWEEP_MAX_POINTS) {
			snprintf(msg, msglen, "the number of points must be from 2 to %d, got '%s'",
				 SWEEP_MAX_POINTS, colon + 1);
			return -1;
		}
		out->points = (unsigned)p;
	}
	if (out->lo_ns < 1000 || out->hi_ns <= out->lo_ns) {
		snprintf(msg, msglen, "the range must go up from at least 1us (the GIL keeps whole microseconds), got '%s'", lo);
		return -1;
	}
	if (out->hi_ns > SCENARIO_MAX_DURATION_NS) {
		snprintf(msg, msglen, "the high end is over a day");
		return -1;
	}
	if (out->nice)
		out->points = nice_values(out, NULL);
	return 0;
}

unsigned sweep_runs(const struct sweep_spec *sp)
{
	return (sp->npolicies ? sp->npolicies : 1) * (sp->points ? sp->points : 1);
}

int64_t sweep_value(const struct sweep_spec *sp, unsigned i)
{
	if (sp->nice) {
		int64_t v[SWEEP_MAX_POINTS + 1];
		unsigned n = nice_values(sp, v);
		return v[i < n ? i : n - 1];
	}
	if (sp->points < 2 || i == 0)
		return sp->lo_ns / 1000 * 1000;
	double f = (double)i / (double)(sp->points - 1);
	double v = (double)sp->lo_ns * pow((double)sp->hi_ns / (double)sp->lo_ns, f);
	int64_t us = (int64_t)(v / 1000.0 + 0.5);
	return (us < 1 ? 1 : us) * 1000;
}

int sweep_run_one(const struct scenario *sc, const struct engine_options *opt,
		  struct sweep_row *row, char *time_mode, size_t time_mode_len,
		  volatile sig_atomic_t *stop, struct gv_error *err)
{
	int64_t w0 = gv_mono_ns();
	/* Only the figures are read: no spans, marks or tasks are kept. */
	struct watch_options wo = { .sc = sc, .engine = *opt,
				    .spans_per_thread = CONSUMER_MIN_SPANS,
				    .figures_only = true };
	struct watch *w = watch_open(&wo, err);
	if (!w)
		return -1;
	snprintf(time_mode, time_mode_len, "%s", watch_time_mode(w));
	row->policy = watch_policy(w);
	row->interval_ns = watch_interval(w);
	watch_run(w, stop);
	watch_finish(w, NULL);

	const struct stats *st = watch_consumer(w)->st;
	row->elapsed_ns = watch_elapsed(w);
	uint64_t now = watch_t_start(w) + (uint64_t)row->elapsed_ns;
	uint64_t busy = 0;
	row->wait_p50_ns = xcalloc(sc->nthreads + 1, sizeof *row->wait_p50_ns);
	row->wait_p99_ns = xcalloc(sc->nthreads + 1, sizeof *row->wait_p99_ns);
	row->hold_ns = xcalloc(sc->nthreads + 1, sizeof *row->hold_ns);
	for (unsigned i = 0; i < stats_nthreads(st); i++) {
		struct stats_thread t;
		stats_thread(st, i, now, &t);
		row->wait_p50_ns[i] = t.wait_p50_ns;
		row->wait_p99_ns[i] = t.wait_p99_ns;
		row->hold_ns[i] = t.hold_ns;
		busy += t.busy_ns;
	}
	for (unsigned g = 0; g < stats_ngils(st); g++) {
		struct stats_gil sg;
		stats_gil(st, g, (uint64_t)row->elapsed_ns, &sg);
		row->switches += sg.c.switches;
		row->forced_switches += sg.c.forced_switches;
		row->failed_wakeups += sg.c.failed_wakeups;
		row->switches_per_s += sg.switches_per_s;
	}
	row->work_per_s = row->elapsed_ns > 0 ? (double)busy / (double)row->elapsed_ns : 0;
	watch_close(w);
	row->wall_s = (double)(gv_mono_ns() - w0) / 1e9;
	return 0;
}

/* The runs of a sweep or a comparison, shared among workers: each takes
 * the next index not yet taken, so the rows land in their own slots and
 * the output's order is the runs' order, whatever finished first. */
struct pool {
	const struct scenario *sc;
	const struct engine_options *opts;
	struct sweep_row *rows;
	unsigned n;
	volatile sig_atomic_t *stop;
	pthread_mutex_t mu;
	unsigned next;          /* the next run to take */
	bool failed;            /* a run failed: take no more */
	unsigned *done;         /* per run: 1 finished, 2 failed */
	struct gv_error *errs;  /* per run */
	char (*modes)[96];      /* per run: its time mode */
};

static void *pool_worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		unsigned i = p->next;
		bool go = i < p->n && !p->failed && !(p->stop && *p->stop);
		if (go)
			p->next++;
		pthread_mutex_unlock(&p->mu);
		if (!go)
			return NULL;
		int rc = sweep_run_one(p->sc, &p->opts[i], &p->rows[i], p->modes[i],
				       sizeof p->modes[i], p->stop, &p->errs[i]);
		pthread_mutex_lock(&p->mu);
		p->done[i] = rc == 0 ? 1 : 2;
		if (rc != 0)
			p->failed = true;
		pthread_mutex_unlock(&p->mu);
	}
}

unsigned sweep_workers(const struct engine_options *opt, unsigned jobs, unsigned n)
{
	if (!opt->virtual_time)
		jobs = 1; /* real time: runs at once would share the cores */
	else if (jobs == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (jobs > n)
		jobs = n;
	return jobs ? jobs : 1;
}

int sweep_run_all(const struct scenario *sc, const struct engine_options *opts, unsigned n,
		  unsigned jobs, struct sweep_row *rows, unsigned *nrows, char *time_mode,
		  size_t time_mode_len, volatile sig_atomic_t *stop, struct gv_error *err)
{
	struct pool p = { .sc = sc, .opts = opts, .rows = rows, .n = n, .stop = stop };
	pthread_mutex_init(&p.mu, NULL);
	p.done = xcalloc(n ? n : 1, sizeof *p.done);
	p.errs = xcalloc(n ? n : 1, sizeof *p.errs);
	p.modes = xcalloc(n ? n : 1, sizeof *p.modes);
	unsigned w = sweep_workers(&opts[0], jobs, n), started = 0;
	pthread_t *th = xcalloc(w, sizeof *th);
	/* The calling thread is a worker too; the others are extra. */
	for (unsigned k = 1; k < w; k++)
		if (pthread_create(&th[started], NULL, pool_worker, &p) == 0)
			started++;
	pool_worker(&p);
	for (unsigned k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	free(th);
	pthread_mutex_destroy(&p.mu);
	/* The finished runs before the first that did not: a stop leaves a
	 * prefix, as a serial sweep would. */
	unsigned k = 0;
	int rc = 0;
	while (k < n && p.done[k] == 1)
		k++;
	for (unsigned i = 0; i < n; i++) {
		if (p.done[i] == 2 && rc == 0) {
			*err = p.errs[i];
			rc = -1;
		}
	}
	if (k > 0)
		snprintf(time_mode, time_mode_len, "%s", p.modes[0]);
	for (unsigned i = k; i < n; i++)
		if (p.done[i] == 1)
			sweep_row_free(&rows[i]);
	*nrows = rc == 0 ? k : 0;
	if (rc != 0)
		for (unsigned i = 0; i < k; i++)
			sweep_row_free(&rows[i]);
	free(p.done);
	free(p.errs);
	free(p.modes);
	return rc;
}

int sweep_run(const struct scenario *sc, const struct engine_options *opt,
	      const struct sweep_spec *sp, struct sweep_result *out,
	      volatile sig_atomic_t *stop, struct gv_error *err)
{
	memset(out, 0, sizeof *out);
	out->sc = sc;
	out->spec = *sp;
	if (watch_runs_forever(sc, opt, "sweep", err))
		return -1;
	unsigned n = sweep_runs(sp), per = sp->points ? sp->points : 1;
	out->rows = xcalloc(n, sizeof *out->rows);
	struct engine_options *opts = xcalloc(n, sizeof *opts);
	for (unsigned i = 0; i < n; i++) {
		opts[i] = *opt;
		if (sp->points)
			opts[i].interval_ns = sweep_value(sp, i % per);
		if (sp->npolicies)
			opts[i].policy = (int)sp->policies[i / per];
	}
	int rc = sweep_run_all(sc, opts, n, sp->jobs, out->rows, &out->nrows, out->time_mode,
			       sizeof out->time_mode, stop, err);
	free(opts);
	if (rc != 0) {
		sweep_result_free(out);
		return -1;
	}
	/* The policy, if every row has the same one. */
	for (unsigned i = 0; i < out->nrows; i++)
		out->policy = sp->npolicies > 1 ? NULL : gil_policy_name(out->rows[i].policy);
	return 0;
}

void sweep_row_free(struct sweep_row *row)
{
	free(row->wait_p50_ns);
	free(row->wait_p99_ns);
	free(row->hold_ns);
	row->wait_p50_ns = row->wait_p99_ns = row->hold_ns = NULL;
}

void sweep_result_free(struct sweep_result *r)
{
	for (unsigned i = 0; r->rows && i < r->nrows; i++)
		sweep_row_free(&r->rows[i]);
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}

static uint64_t worst_p99(const struct sweep_result *r, const struct sweep_row *row)
{
	uint64_t w = 0;
	for (size_t t = 0; t < r->sc->nthreads; t++)
		if (row->wait_p99_ns[t] > w)
			w = row->wait_p99_ns[t];
	return w;
}

static void print_text(FILE *out, const struct sweep_result *r)
{
	const struct scenario *sc = r->sc;
	char *b1 = NULL, *b2 = NULL;
	char pols[128] = "";
	for (unsigned p = 0; p < r->spec.npolicies; p++)
		snprintf(pols + strlen(pols), sizeof pols - strlen(pols), "%s%s", p ? ", " : "",
			 gil_policy_name(r->spec.policies[p]));
	fprintf(out, "%s\n  scenario %s; GIL %s; %s time; %u run%s\n\n",
		text_printable(sc->title, &b1), text_printable(sc->file, &b2),
		r->policy ? r->policy : pols, r->time_mode, r->nrows, r->nrows == 1 ? "" : "s");
	free(b1);
	free(b2);
	if (r->spec.npolicies)
		fprintf(out, "%-8s ", "policy");
	fprintf(out, "%10s %11s %8s %8s %7s %9s %8s", "interval", "switches/s", "forced", "failed",
		"work/s", "elapsed s", "wall s");
	for (size_t t = 0; t < sc->nthreads; t++)
		fprintf(out, "  %.12s p50/p99 ms", sc->threads[t].name);
	fputc('\n', out);
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct sweep_row *row = &r->rows[i];
		char iv[32];
		format_duration(row->interval_ns, iv, sizeof iv);
		if (r->spec.npolicies)
			fprintf(out, "%-8s ", gil_policy_name(row->policy));
		fprintf(out, "%10s %11.1f %8" PRIu64 " %8" PRIu64 " %7.3f %9.3f %8.3f", iv,
			row->switches_per_s, row->forced_switches, row->failed_wakeups,
			row->work_per_s, (double)row->elapsed_ns / 1e9, row->wall_s);
		for (size_t t = 0; t < sc->nthreads; t++) {
			int w = (int)strlen(sc->threads[t].name);
			w = w > 12 ? 12 : w;
			fprintf(out, "  %*.3f/%-9.3f", w + 1, (double)row->wait_p50_ns[t] / 1e6,
				(double)row->wait_p99_ns[t] / 1e6);
		}
		fputc('\n', out);
	}
	fputs("\nwork/s: time spent running (holding the GIL or in native code) per second\n"
	      "of elapsed, in cores.\n\n", out);
	if (r->spec.points < 2)
		return; /* the chart's axis is the interval */
	/* A chart per policy: its rows are the policy's run of intervals. */
	for (unsigned p = 0; p * r->spec.points < r->nrows; p++) {
		struct sweep_result one = *r;
		one.rows = r->rows + p * r->spec.points;
		one.nrows = r->nrows - p * r->spec.points;
		if (one.nrows > r->spec.points)
			one.nrows = r->spec.points;
		if (r->spec.npolicies)
			fprintf(out, "policy %s\n", gil_policy_name(one.rows[0].policy));
		sweep_chart(out, &one, 10);
	}
}

/* A figure in three significant digits, never in e-notation. */
static void plain_number(double v, char *buf, size_t len)
{
	int decimals = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : v >= 0.1 ? 3 : v >= 0.01 ? 4 : 5;
	snprintf(buf, len, "%.*f", decimals, v);
}

/* The column of point i on a chart of width columns: the interval's
 * place on a log scale from the first to the last. */
static unsigned chart_x(const struct sweep_result *r, unsigned i, unsigned width)
{
	double a = (double)r->rows[0].interval_ns, b = (double)r->rows[r->nrows - 1].interval_ns;
	if (r->nrows < 2 || b <= a)
		return 0;
	double f = log((double)r->rows[i].interval_ns / a) / log(b / a);
	unsigned x = (unsigned)(f * (width - 1) + 0.5);
	return x < width ? x : width - 1;
}

/* One panel of the chart: a series against the rows, log-scaled, as wide
 * as the terminal. */
static void chart_panel(FILE *out, const struct sweep_result *r, const char *title,
			const double *y, unsigned height, const char *unit)
{
	double lo = 0, hi = 0;
	for (unsigned i = 0; i < r->nrows; i++) {
		if (y[i] <= 0)
			continue;
		if (lo == 0 || y[i] < lo)
			lo = y[i];
		if (y[i] > hi)
			hi = y[i];
	}
	fprintf(out, "%s (log scale)\n", title);
	if (hi <= 0) {
		fputs("  (all zero)\n\n", out);
		return;
	}
	if (hi / lo < 10) { /* at least a decade, so that flat lines look flat */
		double mid = sqrt(hi * lo);
		lo = mid / sqrt(10);
		hi = mid * sqrt(10);
	}
	int margin = 10 + 1 + (int)strlen(unit);
	unsigned cols = r->width ? r->width : 80;
	unsigned width = cols > (unsigned)margin + 4 ? cols - (unsigned)margin - 3 : 1;
	if (width < r->nrows)
		width = r->nrows;
	char *line = xmalloc(width + 1);
	double span = log(hi / lo);
	for (unsigned row = height; row-- > 0;) {
		double level = lo * exp(span * row / (height - 1));
		char lv[32];
		plain_number(level, lv, sizeof lv);
		memset(line, ' ', width);
		line[width] = '\0';
		for (unsigned i = 0; i < r->nrows; i++) {
			if (y[i] <= 0)
				continue;
			double at = log(y[i] / lo) / span * (height - 1);
			unsigned k = (unsigned)(at + 0.5);
			if (k == row)
				line[chart_x(r, i, width)] = '*';
			else if (k > row)
				line[chart_x(r, i, width)] = ':';
		}
		fprintf(out, "%10s %s | %s\n", lv, unit, line);
	}
	fprintf(out, "%*s +", margin, "");
	for (unsigned i = 0; i < width + 1; i++)
		fputc('-', out);
	fputc('\n', out);
	/* The first and last intervals under their points, and the middle
	 * ones where they fit. */
	memset(line, ' ', width);
	line[width] = '\0';
	unsigned next = 0;
	for (unsigned i = 0; i < r->nrows; i++) {
		char a[32];
		format_duration(r->rows[i].interval_ns, a, sizeof a);
		unsigned n = (unsigned)strlen(a), x = chart_x(r, i, width);
		if (x + n > width)
			x = width > n ? width - n : 0;
		if (x < next)
			continue;
		/* Leave room for the last one. */
		if (i + 1 < r->nrows) {
			char b[32];
			format_duration(r->rows[r->nrows - 1].interval_ns, b, sizeof b);
			if (x + n + 2 > width - (unsigned)strlen(b))
				continue;
		}
		memcpy(line + x, a, n < width - x ? n : width - x);
		next = x + n + 2;
	}
	fprintf(out, "%*s  %s\n", margin, "", line);
	fprintf(out, "%*s  switch interval (log scale)\n\n", margin, "");
	free(line);
}

void sweep_chart(FILE *out, const struct sweep_result *r, unsigned height)
{
	if (r->nrows == 0)
		return;
	if (height < 2)
		height = 2;
	double *y = xcalloc(r->nrows, sizeof *y);
	for (unsigned i = 0; i < r->nrows; i++)
		y[i] = (double)worst_p99(r, &r->rows[i]) / 1e6;
	chart_panel(out, r, "wait p99, worst thread", y, height, "ms ");
	for (unsigned i = 0; i < r->nrows; i++)
		y[i] = r->rows[i].switches_per_s;
	chart_panel(out, r, "switches per second", y, height, "/s ");
	free(y);
}

static void print_json(FILE *out, const struct sweep_result *r)
{
	const struct scenario *sc = r->sc;
	fputs("{\n  \"scenario\": ", out);
	json_put_string(out, sc->file);
	fputs(",\n  \"policy\": ", out);
	if (r->policy)
		fprintf(out, "\"%s\"", r->policy);
	else
		fputs("null", out);
	fprintf(out, ",\n  \"time_mode\": \"%s\",\n  \"rows\": [", r->time_mode);
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct sweep_row *row = &r->rows[i];
		fprintf(out, "%s\n    {\"policy\": \"%s\", \"interval_s\": %.6f, \"switches_per_s\": %.3f, "
			     "\"switches\": %" PRIu64 ", \"forced_switches\": %" PRIu64 ", "
			     "\"failed_wakeups\": %" PRIu64 ", \"work_per_s\": %.6f, "
			     "\"elapsed_s\": %.6f, \"threads\": [",
			i ? "," : "", gil_policy_name(row->policy), (double)row->interval_ns / 1e9,
			row->switches_per_s, row->switches, row->forced_switches, row->failed_wakeups,
			row->work_per_s,
			(double)row->elapsed_ns / 1e9);
		for (size_t t = 0; t < sc->nthreads; t++)
			fprintf(out, "%s{\"name\": \"%s\", \"wait_p50_ms\": %.4f, \"wait_p99_ms\": %.4f}",
				t ? ", " : "", sc->threads[t].name, (double)row->wait_p50_ns[t] / 1e6,
				(double)row->wait_p99_ns[t] / 1e6);
		fputs("]}", out);
	}
	fputs("\n  ]\n}\n", out);
}

static void print_csv(FILE *out, const struct sweep_result *r)
{
	const struct scenario *sc = r->sc;
	if (r->spec.npolicies)
		fputs("policy,", out);
	fputs("interval_s,switches_per_s,switches,forced_switches,failed_wakeups,work_per_s,elapsed_s", out);
	for (size_t t = 0; t < sc->nthreads; t++)
		fprintf(out, ",%s_wait_p50_ms,%s_wait_p99_ms", sc->threads[t].name, sc->threads[t].name);
	fputc('\n', out);
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct sweep_row *row = &r->rows[i];
		if (r->spec.npolicies)
			fprintf(out, "%s,", gil_policy_name(row->policy));
		fprintf(out, "%.6f,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%.6f",
			(double)row->interval_ns / 1e9, row->switches_per_s, row->switches,
			row->forced_switches, row->failed_wakeups, row->work_per_s,
			(double)row->elapsed_ns / 1e9);
		for (size_t t = 0; t < sc->nthreads; t++)
			fprintf(out, ",%.4f,%.4f", (double)row->wait_p50_ns[t] / 1e6,
				(double)row->wait_p99_ns[t] / 1e6);
		fputc('\n', out);
	}
}

void sweep_print(FILE *out, enum sweep_format fmt, const struct sweep_result *r)
{
	switch (fmt) {
	case SWEEP_JSON:
		print_json(out, r);
		break;
	case SWEEP_CSV:
		print_csv(out, r);
		break;
	default:
		print_text(out, r);
		break;
	}
}
