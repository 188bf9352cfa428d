/*
 * report.c -- the headless report.
 *
 * report_run is the headless consumer: it starts the engine, drains the
 * event ring every couple of milliseconds into stats and history, and once
 * the run ends prints what they hold. The text form is for people (a
 * table per thread, a table per GIL, an ASCII timeline); the JSON form has
 * the same figures for programs. Both read the same stats, so they agree.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "record.h"
#include "report.h"
#include "trace.h"
#include "util.h"

/* How often the consumer drains the ring while the run goes on. */
#define REPORT_DRAIN_NS 2000000

static const char state_glyphs[TS_COUNT] = {
	[TS_NOT_STARTED] = ' ',
	[TS_HOLDING] = '#',
	[TS_WAITING] = '-',
	[TS_BLOCKED] = '_',
	[TS_NATIVE] = '=',
	[TS_NATIVE_HOLD] = 'N',
	[TS_DONE] = ' ',
	[TS_UNKNOWN] = '?',
};

char report_state_glyph(enum thread_state state)
{
	return (unsigned)state < TS_COUNT ? state_glyphs[state] : '?';
}

static double sec(uint64_t ns)
{
	return (double)ns / 1e9;
}

static double msec(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* The end of the run on the events' clock: open spans count up to it. */
static uint64_t run_end(const struct report_meta *m)
{
	return m->t_start + (m->elapsed_ns > 0 ? (uint64_t)m->elapsed_ns : 0);
}

static double elapsed_s(const struct report_meta *m)
{
	return m->elapsed_ns > 0 ? (double)m->elapsed_ns / 1e9 : 0;
}

static void print_json(FILE *out, const struct report_meta *m,
		       const struct stats *st)
{
	const struct scenario *sc = m->sc;
	uint64_t now = run_end(m);
	fputs("{\n  \"scenario\": ", out);
	json_put_string(out, sc->file);
	fputs(",\n  \"title\": ", out);
	json_put_string(out, sc->title);
	fprintf(out, ",\n  \"policy\": \"%s\",\n  \"time_mode\": \"%s\",\n"
		     "  \"slow\": %g,\n  \"interrupted\": %s,\n"
		     "  \"deadlocked\": %s,\n"
		     "  \"elapsed_s\": %.6f,\n  \"events\": %" PRIu64 ",\n"
		     "  \"dropped_events\": %" PRIu64 ",\n  \"gils\": [",
		gil_policy_name(m->policy), m->time_mode, m->slow,
		m->interrupted ? "true" : "false", m->deadlocked ? "true" : "false",
		elapsed_s(m), m->events, m->dropped);
	for (unsigned g = 0; g < stats_ngils(st); g++) {
		struct stats_gil sg;
		stats_gil(st, g, (uint64_t)m->elapsed_ns, &sg);
		fputs(g ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_put_string(out, sc->procs[g].name);
		fprintf(out, ", \"policy\": \"%s\", \"interval_s\": %.6f, "
			     "\"switches\": %" PRIu64 ", \"forced_switches\": %" PRIu64 ", "
			     "\"drop_requests\": %" PRIu64 ", \"failed_wakeups\": %" PRIu64 ", "
			     "\"switches_per_s\": %.3f}",
			gil_policy_name(m->policy), sec(sg.interval_ns), sg.c.switches,
			sg.c.forced_switches, sg.c.drop_requests, sg.c.failed_wakeups,
			sg.switches_per_s);
	}
	fputs("\n  ],\n  \"threads\": [", out);
	for (unsigned i = 0; i < stats_nthreads(st); i++) {
		struct stats_thread t;
		stats_thread(st, i, now, &t);
		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_put_string(out, sc->threads[i].name);
		fputs(", \"process\": ", out);
		json_put_string(out, sc->procs[sc->threads[i].process].name);
		fprintf(out, ", \"wall_s\": %.6f, \"hold_s\": %.6f, \"wait_s\": %.6f, "
			     "\"blocked_s\": %.6f, \"native_s\": %.6f, "
			     "\"acquisitions\": %" PRIu64 ", \"wait_p50_ms\": %.4f, "
			     "\"wait_p99_ms\": %.4f, \"wait_max_ms\": %.4f, "
			     "\"lost_events\": %" PRIu64 "}",
			sec(t.wall_ns), sec(t.hold_ns), sec(t.wait_ns), sec(t.blocked_ns),
			sec(t.native_ns), t.c.acquisitions, msec(t.wait_p50_ns),
			msec(t.wait_p99_ns), msec(t.wait_max_ns), t.c.lost);
	}
	fputs("\n  ]\n}\n", out);
}

/* Words of text, on lines of at most width columns after indent. */
static void print_wrapped(FILE *out, const char *text, const char *indent, int width)
{
	int col = 0, ind = (int)strlen(indent);
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		int len = (int)(end - p);
		if (!len)
			break;
		if (col && col + 1 + len > width) {
			fputc('\n', out);
			col = 0;
		}
		if (!col) {
			fputs(indent, out);
			col = ind;
		} else {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, (size_t)len, out);
		col += len;
		p = end;
	}
	if (col)
		fputc('\n', out);
}

static int name_width(const struct scenario *sc)
{
	int w = 6;
	for (size_t i = 0; i < sc->nthreads; i++) {
		int n = (int)strlen(sc->threads[i].name);
		if (n > w)
			w = n;
	}
	return w > 24 ? 24 : w;
}

static void print_text(FILE *out, const struct report_meta *m,
		       const struct stats *st, const struct history *h)
{
	const struct scenario *sc = m->sc;
	uint64_t now = run_end(m);
	char interval[32];
	struct stats_gil g0;
	stats_gil(st, 0, (uint64_t)m->elapsed_ns, &g0);
	format_duration((int64_t)g0.interval_ns, interval, sizeof interval);

	/* Strings from files are shown escaped: a title, or a recording's
	 * header, must not drive the terminal. */
	char *buf = NULL;
	fprintf(out, "%s\n", text_printable(sc->title, &buf));
	if (m->replay_of)
		fprintf(out, "  %s\n", text_printable(m->replay_of, &buf));
	fprintf(out, "  scenario %s; GIL %s, switch interval %s; %s time",
		text_printable(sc->file, &buf), gil_policy_name(m->policy), interval,
		m->time_mode);
	if (m->slow != 1.0)
		fprintf(out, ", slow motion x%g", m->slow);
	fprintf(out, "\n  elapsed %.3f s%s; %" PRIu64 " events recorded, %" PRIu64 " dropped\n",
		elapsed_s(m),
		m->interrupted ? " (interrupted)" :
		m->deadlocked ? " (ended: every thread left waits on a queue)" : "",
		m->events, m->dropped);
	if (sc->note && *sc->note)
		print_wrapped(out, text_printable(sc->note, &buf), "  ", 78);
	free(buf);

	int w = name_width(sc);
	fprintf(out, "\n%-*s %9s %9s %9s %9s %9s %7s %9s %9s %9s\n", w, "thread", "wall s",
		"hold s", "wait s", "blocked s", "native s", "acq", "wait p50", "p99", "max ms");
	for (unsigned i = 0; i < stats_nthreads(st); i++) {
		struct stats_thread t;
		stats_thread(st, i, now, &t);
		fprintf(out, "%-*.*s %9.3f %9.3f %9.3f %9.3f %9.3f %7" PRIu64 " %9.3f %9.3f %9.3f\n",
			w, w, sc->threads[i].name, sec(t.wall_ns), sec(t.hold_ns),
			sec(t.wait_ns), sec(t.blocked_ns), sec(t.native_ns), t.c.acquisitions,
			msec(t.wait_p50_ns), msec(t.wait_p99_ns), msec(t.wait_max_ns));
	}

	fprintf(out, "\n%-*s %7s %10s %9s %10s %7s %9s %9s\n", w, "GIL", "policy", "interval",
		"switches", "switches/s", "forced", "drop req", "failed");
	for (unsigned g = 0; g < stats_ngils(st); g++) {
		struct stats_gil sg;
		stats_gil(st, g, (uint64_t)m->elapsed_ns, &sg);
		format_duration((int64_t)sg.interval_ns, interval, sizeof interval);
		fprintf(out, "%-*.*s %7s %10s %9" PRIu64 " %10.1f %7" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
			w, w, sc->procs[g].name, gil_policy_name(m->policy), interval,
			sg.c.switches, sg.switches_per_s, sg.c.forced_switches,
			sg.c.drop_requests, sg.c.failed_wakeups);
	}
	fputc('\n', out);
	report_timeline(out, sc, h, m->t_start, now, REPORT_TIMELINE_WIDTH);
}

void report_print(FILE *out, enum report_format fmt, const struct report_meta *m,
		  const struct stats *st, const struct history *h)
{
	if (fmt == REPORT_JSON)
		print_json(out, m, st);
	else
		print_text(out, m, st, h);
}

/* The state a thread spent most of [a, b) in; TS_NOT_STARTED if none. */
static enum thread_state dominant(const struct history *h, unsigned tid, uint64_t a,
				  uint64_t b, uint64_t now)
{
	struct history_span spans[64];
	uint64_t time[TS_COUNT] = { 0 };
	size_t n = history_spans(h, tid, a, b, now, spans, GV_ARRAY_LEN(spans));
	for (size_t i = 0; i < n; i++)
		if (spans[i].state < TS_COUNT)
			time[spans[i].state] += spans[i].t_end - spans[i].t_start;
	enum thread_state best = TS_NOT_STARTED;
	uint64_t most = 0;
	for (int s = 0; s < TS_COUNT; s++) {
		if (time[s] > most) {
			most = time[s];
			best = (enum thread_state)s;
		}
	}
	return best;
}

static bool history_forgotten_any(const struct history *h)
{
	for (unsigned i = 0; i < history_nthreads(h); i++)
		if (history_forgotten(h, i))
			return true;
	return false;
}

void report_timeline(FILE *out, const struct scenario *sc,
		     const struct history *h, uint64_t t0, uint64_t t1,
		     unsigned width)
{
	if (t1 <= t0 || width == 0)
		return;
	/* Start where every thread's kept history starts. */
	for (unsigned i = 0; i < history_nthreads(h); i++) {
		if (history_forgotten(h, i) == 0)
			continue;
		struct history_span first;
		if (history_spans(h, i, t0, t1, t1, &first, 1) == 1 && first.t_start > t0)
			t0 = first.t_start;
	}
	uint64_t col = (t1 - t0 + width - 1) / width;
	char span[32], per[32];
	format_duration((int64_t)(t1 - t0), span, sizeof span);
	format_duration((int64_t)col, per, sizeof per);
	int w = name_width(sc);
	fprintf(out, "timeline of %s%s, %s a column\n",
		history_forgotten_any(h) ? "the last " : "", span, per);
	char *row = xmalloc(width + 1);
	for (unsigned i = 0; i < history_nthreads(h); i++) {
		for (unsigned c = 0; c < width; c++) {
			uint64_t a = t0 + c * col, b = a + col;
			row[c] = report_state_glyph(dominant(h, i, a, b, t1));
		}
		row[width] = '\0';
		fprintf(out, "%-*.*s |%s|\n", w, w, sc->threads[i].name, row);
	}
	free(row);
	fprintf(out, "%*s  %c holds the GIL   %c waits for it   %c blocked (io, sleep)\n"
		     "%*s  %c native code, GIL released   %c native code holding the GIL\n",
		w, "", report_state_glyph(TS_HOLDING), report_state_glyph(TS_WAITING),
		report_state_glyph(TS_BLOCKED), w, "", report_state_glyph(TS_NATIVE),
		report_state_glyph(TS_NATIVE_HOLD));
}

static bool runs_forever(const struct scenario *sc, const struct engine_options *opt,
			 struct gv_error *err)
{
	if (opt->duration_ns || sc->duration_ns)
		return false;
	for (size_t i = 0; i < sc->nthreads; i++) {
		if (scenario_thread_contains(&sc->threads[i], OP_FOREVER)) {
			gv_error_set(err, sc->file, 0, 0,
				     "thread '%s' runs forever: give the run a duration "
				     "(--duration=10s, or 'duration 10s' in the scenario)",
				     sc->threads[i].name);
			return true;
		}
	}
	return false;
}

/* A failed write stops the recording (the consumer writes no more): said
 * at once, while the run goes on to its end and its report. */
static void say_recording_stopped(struct consumer *c, bool *said)
{
	if (!c->failed || *said)
		return;
	char msg[1024];
	gv_error_format(&c->rec_err, msg, sizeof msg);
	fprintf(stderr, "gilviz: %s; recording stopped, the run goes on\n", msg);
	*said = true;
}

int report_run(const struct scenario *sc, const struct engine_options *opt,
	       enum report_format fmt, FILE *out, const struct report_sinks *sinks,
	       volatile sig_atomic_t *stop, struct gv_error *err)
{
	if (runs_forever(sc, opt, err))
		return -1;
	struct engine *e = engine_create(sc, opt, err);
	if (!e)
		return -1;
	struct consumer c;
	consumer_init(&c, sc, 0);

	bool interrupted = false;
	engine_start(e);
	int rc = 0;
	if (sinks && sinks->record_path) {
		struct trace_meta m;
		struct record_strings rs;
		record_meta(&m, &rs, sc, e, opt);
		c.rec = trace_writer_open(sinks->record_path, &m, err);
		if (!c.rec)
			rc = -1;
	}
	if (rc == 0 && sinks && sinks->export_kind != EXPORT_NONE) {
		c.exp = export_open(sinks->export_kind, sinks->export_path, sc,
				    (uint64_t)engine_start_time(e), err);
		if (!c.exp)
			rc = -1;
	}
	if (rc != 0) {
		engine_stop(e);
		trace_writer_abort(c.rec);
		consumer_fini(&c);
		engine_destroy(e);
		return -1;
	}
	bool said = false;
	while (!engine_wait(e, REPORT_DRAIN_NS)) {
		consumer_drain(&c, engine_ring(e));
		say_recording_stopped(&c, &said);
		if (stop && *stop) {
			interrupted = true;
			engine_stop(e);
			break;
		}
	}
	consumer_drain(&c, engine_ring(e));
	say_recording_stopped(&c, &said);

	struct report_meta m = {
		.sc = sc,
		.policy = engine_policy(e),
		.slow = engine_slow(e),
		.time_mode = engine_time_mode(e),
		.t_start = (uint64_t)engine_start_time(e),
		.elapsed_ns = engine_elapsed(e),
		.events = c.events,
		.dropped = ring_dropped(engine_ring(e)),
		.interrupted = interrupted,
		.deadlocked = engine_deadlocked(e),
	};
	if (c.rec) {
		if (c.failed) {
			trace_writer_abort(c.rec);
			gv_error_set(err, sinks->record_path, 0, 0,
				     "not recorded (a write failed; see above)");
			rc = -1;
		} else if (trace_writer_close(c.rec, m.elapsed_ns, m.events, m.dropped,
					      interrupted, err) != 0) {
			rc = -1;
		}
	}
	if (c.exp && export_close(c.exp, m.t_start + (uint64_t)m.elapsed_ns,
				  rc ? &(struct gv_error){ 0 } : err) != 0)
		rc = -1;
	/* The figures are whole even when an output failed. */
	report_print(out, fmt, &m, c.st, c.h);

	consumer_fini(&c);
	engine_destroy(e);
	return rc;
}

int report_replay(const char *path, enum report_format fmt, FILE *out,
		  const struct report_sinks *sinks, struct gv_error *err)
{
	struct trace *t = trace_open(path, err);
	if (!t)
		return -1;
	const struct trace_meta *tm = &t->meta;
	struct gv_error perr;
	struct scenario *sc = scenario_parse(tm->scenario_text, strlen(tm->scenario_text),
					     tm->scenario_file, &perr);
	if (!sc) {
		char msg[600];
		gv_error_format(&perr, msg, sizeof msg);
		gv_error_set(err, path, 0, 0, "the recorded scenario does not parse: %s", msg);
		trace_close(t);
		return -1;
	}
	struct consumer c;
	consumer_init(&c, sc, 0);
	int rc = 0;
	if (sinks && sinks->export_kind != EXPORT_NONE) {
		c.exp = export_open(sinks->export_kind, sinks->export_path, sc, tm->t_start, err);
		if (!c.exp)
			rc = -1;
	}
	struct event *evs = xmalloc(TRACE_BLOCK_EVENTS * sizeof *evs);
	for (size_t i = 0; rc == 0 && i < t->nblocks; i++) {
		struct gv_error berr;
		long n = trace_read_block(t, i, evs, &berr);
		if (n < 0) {
			char msg[600], *buf = NULL;
			gv_error_format(&berr, msg, sizeof msg);
			fprintf(stderr, "gilviz: warning: %s; replaying the %zu block%s before it\n",
				text_printable(msg, &buf), i, i == 1 ? "" : "s");
			free(buf);
			break;
		}
		consumer_take(&c, evs, (size_t)n, t->blocks[i].dropped);
	}
	free(evs);
	if (t->warning) {
		char *buf = NULL;
		fprintf(stderr, "gilviz: warning: %s\n", text_printable(t->warning, &buf));
		free(buf);
	}
	if (c.strays) {
		char *buf = NULL;
		fprintf(stderr, "gilviz: warning: %s: %" PRIu64 " event%s of threads its scenario "
			"does not have (%zu thread%s) left out\n", text_printable(path, &buf),
			c.strays, c.strays == 1 ? "" : "s", sc->nthreads,
			sc->nthreads == 1 ? "" : "s");
		free(buf);
	}

	char replay_of[512];
	snprintf(replay_of, sizeof replay_of, "replay of a recording made %s by gilviz %s (%s, %u cores)",
		 tm->recorded_at ? tm->recorded_at : "at an unknown time",
		 tm->version ? tm->version : "?", tm->kernel ? tm->kernel : "unknown kernel",
		 tm->cores);
	int policy = gil_policy_parse(tm->policy);
	struct report_meta m = {
		.sc = sc,
		.policy = policy >= 0 ? (enum gil_policy)policy : GIL_NEW,
		.slow = tm->slow > 0 ? tm->slow : 1,
		.time_mode = tm->time_mode,
		.t_start = tm->t_start,
		.elapsed_ns = t->elapsed_ns,
		.events = c.events,
		.dropped = t->dropped,
		.interrupted = t->interrupted,
		.replay_of = replay_of,
	};
	if (c.exp && export_close(c.exp, m.t_start + (uint64_t)m.elapsed_ns, err) != 0)
		rc = -1;
	if (rc == 0)
		report_print(out, fmt, &m, c.st, c.h);
	consumer_fini(&c);
	scenario_free(sc);
	trace_close(t);
	return rc;
}
