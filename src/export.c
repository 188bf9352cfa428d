/*
 * export.c -- Perfetto and CSV exports of a run.
 *
 * Perfetto: one process per GIL (pid = GIL index + 1) and one track per
 * thread (tid = thread index + 1), named by metadata events; a complete
 * slice ("ph":"X") for each span of holding, waiting, blocked, native and
 * native_hold; an instant ("ph":"i") on the thread's track for each drop
 * request it set and each forced switch it made; a counter track per
 * process for the switch interval; free-threaded, an instant where a
 * thread turned the GIL on (its module in args), and the spans of
 * waiting for an object's lock ("lock wait"). Times are microseconds from the run's
 * start, with nanosecond decimals.
 *
 * CSV: thread,process,state,start_ns,end_ns, one row per span, ns from
 * the run's start.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "history.h"

struct exporter {
	enum export_kind kind;
	FILE *f;
	char *path;
	char *tmp; /* written here, renamed onto path by export_close */
	const struct scenario *sc;
	uint64_t t_start;
	struct history_track *tracks;
	bool first; /* no trace event written yet (for the commas) */
};

int export_kind_parse(const char *name)
{
	if (!strcmp(name, "perfetto"))
		return EXPORT_PERFETTO;
	if (!strcmp(name, "csv"))
		return EXPORT_CSV;
	return -1;
}

/* A CSV field: quoted only if it has to be. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static uint64_t rel(const struct exporter *x, uint64_t t)
{
	return t > x->t_start ? t - x->t_start : 0;
}

/* Microseconds with three decimals, as trace-event JSON wants them. */
static void put_us(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

static void begin_event(struct exporter *x)
{
	fputs(x->first ? "\n" : ",\n", x->f);
	x->first = false;
}

static void write_span(struct exporter *x, unsigned tid, const struct history_span *s)
{
	const struct sc_thread *th = &x->sc->threads[tid];
	if (s->state == TS_NOT_STARTED || s->state == TS_DONE || s->t_end <= s->t_start)
		return;
	if (x->kind == EXPORT_CSV) {
		csv_str(x->f, th->name);
		fputc(',', x->f);
		csv_str(x->f, x->sc->procs[th->process].name);
		fprintf(x->f, ",%s,%" PRIu64 ",%" PRIu64 "\n", history_state_name(s->state),
			rel(x, s->t_start), rel(x, s->t_end));
		return;
	}
	begin_event(x);
	fprintf(x->f, "{\"name\":\"%s\",\"cat\":\"gil\",\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":",
		history_state_name(s->state), th->process + 1, tid + 1);
	put_us(x->f, rel(x, s->t_start));
	fputs(",\"dur\":", x->f);
	put_us(x->f, s->t_end - s->t_start);
	fputc('}', x->f);
}

static void write_instant(struct exporter *x, const struct event *e, const char *name)
{
	const struct sc_thread *th = &x->sc->threads[e->tid];
	begin_event(x);
	fprintf(x->f, "{\"name\":\"%s\",\"cat\":\"gil\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%u,"
		      "\"tid\":%u,\"ts\":", name, th->process + 1, e->tid + 1u);
	put_us(x->f, rel(x, e->t));
	if (e->type == EV_DROP_REQUEST) {
		fputs(",\"args\":{\"waited_us\":", x->f);
		put_us(x->f, e->arg);
		fputc('}', x->f);
	} else if (e->type == EV_GIL_ENABLE) {
		fputs(",\"args\":{\"module\":", x->f);
		json_put_string(x->f, e->arg < x->sc->nmodules ? x->sc->modules[e->arg] : "?");
		fputc('}', x->f);
	}
	fputc('}', x->f);
}

static void write_interval(struct exporter *x, const struct event *e)
{
	begin_event(x);
	fprintf(x->f, "{\"name\":\"switch interval (ms)\",\"ph\":\"C\",\"pid\":%u,\"ts\":",
		e->aux + 1u);
	put_us(x->f, rel(x, e->t));
	fprintf(x->f, ",\"args\":{\"interval\":%.6g}}", (double)e->arg / 1e6);
}

struct exporter *export_open(enum export_kind kind, const char *path,
			     const struct scenario *sc, uint64_t t_start,
			     struct gv_error *err)
{
	char *tmp;
	FILE *f = outfile_open(path, "the export", &tmp, err);
	if (!f)
		return NULL;
	struct exporter *x = xcalloc(1, sizeof *x);
	x->kind = kind;
	x->f = f;
	x->tmp = tmp;
	x->path = xstrdup(path);
	x->sc = sc;
	x->t_start = t_start;
	x->first = true;
	x->tracks = xcalloc(sc->nthreads ? sc->nthreads : 1, sizeof *x->tracks);
	for (size_t i = 0; i < sc->nthreads; i++)
		history_track_init(&x->tracks[i]);

	if (kind == EXPORT_CSV) {
		fputs("thread,process,state,start_ns,end_ns\n", f);
		return x;
	}
	fputs("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"title\":", f);
	json_put_string(f, sc->title);
	fputs("},\"traceEvents\":[", f);
	for (size_t p = 0; p < sc->nprocs; p++) {
		begin_event(x);
		fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%zu,\"args\":{\"name\":", p + 1);
		json_put_string(f, sc->procs[p].name);
		fputs("}}", f);
	}
	for (size_t i = 0; i < sc->nthreads; i++) {
		begin_event(x);
		fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%zu,\"args\":{\"name\":",
			sc->threads[i].process + 1, i + 1);
		json_put_string(f, sc->threads[i].name);
		fputs("}}", f);
		begin_event(x);
		fprintf(f, "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%u,\"tid\":%zu,"
			   "\"args\":{\"sort_index\":%zu}}", sc->threads[i].process + 1, i + 1, i);
	}
	return x;
}

void export_add(struct exporter *x, const struct event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct event *e = &evs[i];
		if (e->tid == EVENT_TID_GIL) {
			if (e->type == EV_INTERVAL && x->kind == EXPORT_PERFETTO &&
			    e->aux < x->sc->nprocs)
				write_interval(x, e);
			continue;
		}
		if (e->tid >= x->sc->nthreads)
			continue;
		struct history_span closed;
		if (history_track_step(&x->tracks[e->tid], e, &closed))
			write_span(x, e->tid, &closed);
		if (x->kind == EXPORT_PERFETTO) {
			if (e->type == EV_DROP_REQUEST)
				write_instant(x, e, "drop request");
			else if (e->type == EV_FORCED_DROP)
				write_instant(x, e, "forced switch");
			else if (e->type == EV_GIL_ENABLE)
				write_instant(x, e, "GIL turned on");
		}
	}
}

int export_close(struct exporter *x, uint64_t t_end, struct gv_error *err)
{
	for (size_t i = 0; i < x->sc->nthreads; i++) {
		const struct history_track *tr = &x->tracks[i];
		if (tr->state == TS_NOT_STARTED || tr->state == TS_DONE)
			continue;
		struct history_span open = {
			.t_start = tr->since,
			.t_end = t_end > tr->since ? t_end : tr->since,
			.state = tr->state,
		};
		write_span(x, (unsigned)i, &open);
	}
	if (x->kind == EXPORT_PERFETTO)
		fputs("\n]}\n", x->f);
	int rc = outfile_commit(x->f, x->tmp, x->path, "the export", err);
	free(x->tmp);
	free(x->tracks);
	free(x->path);
	free(x);
	return rc;
}
