/*
 * report.c -- the headless report.
 *
 * report_run and report_replay watch a run or a recording to its end
 * (watch.h: the watch owns the source, the drain and the sinks) and then
 * print what stats and history hold. The text form is for people (a
 * table per thread, a table per GIL, an ASCII timeline); the JSON form has
 * the same figures for programs. Both read the same stats, so they agree.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "report.h"
#include "util.h"
#include "watch.h"

static const char *const state_glyphs[TS_COUNT] = HISTORY_ASCII_GLYPHS;

/* The terminal's ASCII glyphs; a finished thread's columns stay blank on
 * paper. */
char report_state_glyph(enum thread_state state)
{
	if (state == TS_DONE)
		return ' ';
	return (unsigned)state < TS_COUNT ? state_glyphs[state][0] : '?';
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

/* A task's figures: its shares of running, ready and awaiting, and its
 * waits from ready to running. */
struct task_figures {
	uint64_t tot[TK_COUNT];
	struct tasks_waits w;
};

static void task_figures(const struct report_meta *m, unsigned tid, unsigned k, uint64_t now,
			 struct task_figures *f)
{
	tasks_totals(m->tk, tid, k, now, f->tot);
	tasks_ready_waits(m->tk, tid, k, &f->w);
}

/* An asyncio loop's tasks, in its thread's object. */
static void print_json_tasks(FILE *out, const struct report_meta *m, unsigned tid, uint64_t now)
{
	unsigned n = m->tk ? tasks_count(m->tk, tid) : 0;
	if (!n)
		return;
	fputs(", \"tasks\": [", out);
	for (unsigned k = 0; k < n; k++) {
		struct task_figures f;
		task_figures(m, tid, k, now, &f);
		fputs(k ? ", {\"name\": " : "{\"name\": ", out);
		json_put_string(out, m->sc->threads[tid].tasks[k].name);
		fprintf(out, ", \"running_s\": %.6f, \"ready_s\": %.6f, \"awaiting_s\": %.6f, "
			     "\"ready_waits\": %" PRIu64 ", \"ready_wait_p50_ms\": %.4f, "
			     "\"ready_wait_p99_ms\": %.4f, \"ready_wait_max_ms\": %.4f}",
			sec(f.tot[TK_RUNNING]), sec(f.tot[TK_READY]), sec(f.tot[TK_AWAITING]), f.w.n,
			msec(f.w.p50_ns), msec(f.w.p99_ns), msec(f.w.max_ns));
	}
	fputc(']', out);
}

/* The tasks of every loop, as a table, when there are any. */
static void print_text_tasks(FILE *out, const struct report_meta *m, uint64_t now)
{
	const struct scenario *sc = m->sc;
	bool any = false;
	for (unsigned i = 0; m->tk && i < sc->nthreads && !any; i++)
		any = tasks_count(m->tk, i) > 0;
	if (!any)
		return;
	fprintf(out, "%-24s %9s %9s %10s %13s %13s\n", "task (loop/task)", "running %", "ready %",
		"awaiting %", "ready p50 ms", "ready p99 ms");
	for (unsigned i = 0; i < sc->nthreads; i++) {
		for (unsigned k = 0; k < tasks_count(m->tk, i); k++) {
			struct task_figures f;
			task_figures(m, i, k, now, &f);
			uint64_t whole = f.tot[TK_RUNNING] + f.tot[TK_READY] + f.tot[TK_AWAITING];
			double d = whole ? 100.0 / (double)whole : 0;
			char name[SCENARIO_MAX_NAME * 2 + 2];
			snprintf(name, sizeof name, "%s/%s", sc->threads[i].name,
				 sc->threads[i].tasks[k].name);
			fprintf(out, "%-24.24s %9.1f %9.1f %10.1f %13.3f %13.3f\n", name,
				(double)f.tot[TK_RUNNING] * d, (double)f.tot[TK_READY] * d,
				(double)f.tot[TK_AWAITING] * d, msec(f.w.p50_ns), msec(f.w.p99_ns));
		}
	}
	fputs("ready: its await was over (or it was new) but another task had the loop.\n\n",
	      out);
}

/* A GIL's policy, and what it became: "none>new" once free-threaded
 * Python turned it on. */
static const char *gil_policy_words(const struct report_meta *m, const struct stats_gil *g)
{
	return g->enabled && m->policy == GIL_NONE ? "none>new" : gil_policy_name(m->policy);
}

/* The shared objects' locks, in JSON. */
static void print_json_objects(FILE *out, const struct report_meta *m, const struct stats *st)
{
	fputs(",\n  \"objects\": [", out);
	for (unsigned o = 0; o < stats_nobjects(st); o++) {
		struct stats_object so;
		stats_object(st, o, &so);
		fputs(o ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_put_string(out, m->sc->objects[o]);
		fprintf(out, ", \"takes\": %" PRIu64 ", \"waits\": %" PRIu64 ", "
			     "\"wait_p50_ms\": %.4f, \"wait_p99_ms\": %.4f, \"wait_max_ms\": %.4f, "
			     "\"held_s\": %.6f}",
			so.takes, so.waits, msec(so.wait_p50_ns), msec(so.wait_p99_ns),
			msec(so.wait_max_ns), sec(so.held_ns));
	}
	fputs(stats_nobjects(st) ? "\n  ]" : "]", out);
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
			     "\"switches_per_s\": %.3f",
			gil_policy_name(m->policy), sec(sg.interval_ns), sg.c.switches,
			sg.c.forced_switches, sg.c.drop_requests, sg.c.failed_wakeups,
			sg.switches_per_s);
		if (sg.enabled) {
			fprintf(out, ", \"gil_enabled_s\": %.6f, \"gil_enabled_by\": ",
				sec(sg.enabled_t > m->t_start ? sg.enabled_t - m->t_start : 0));
			json_put_string(out, sg.enabled_by < sc->nthreads ?
					     sc->threads[sg.enabled_by].name : "?");
			fputs(", \"gil_enabled_module\": ", out);
			json_put_string(out, sg.enabled_module < sc->nmodules ?
					     sc->modules[sg.enabled_module] : "?");
		}
		fputc('}', out);
	}
	fputs("\n  ]", out);
	print_json_objects(out, m, st);
	fputs(",\n  \"threads\": [", out);
	for (unsigned i = 0; i < stats_nthreads(st); i++) {
		struct stats_thread t;
		stats_thread(st, i, now, &t);
		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_put_string(out, sc->threads[i].name);
		fputs(", \"process\": ", out);
		json_put_string(out, sc->procs[sc->threads[i].process].name);
		fprintf(out, ", \"wall_s\": %.6f, \"hold_s\": %.6f, \"wait_s\": %.6f, "
			     "\"blocked_s\": %.6f, \"native_s\": %.6f, \"core_s\": %.6f, "
			     "\"acquisitions\": %" PRIu64 ", \"wait_p50_ms\": %.4f, "
			     "\"wait_p99_ms\": %.4f, \"wait_max_ms\": %.4f, "
			     "\"switches_in\": %" PRIu64 ", \"switch_wait_p50_ms\": %.4f, "
			     "\"switch_wait_p99_ms\": %.4f, \"lock_wait_s\": %.6f, "
			     "\"stopped_s\": %.6f, \"lost_events\": %" PRIu64,
			sec(t.wall_ns), sec(t.hold_ns), sec(t.wait_ns), sec(t.blocked_ns),
			sec(t.native_ns), sec(t.core_ns), t.c.acquisitions, msec(t.wait_p50_ns),
			msec(t.wait_p99_ns), msec(t.wait_max_ns), t.c.switches_in,
			msec(t.switch_wait_p50_ns), msec(t.switch_wait_p99_ns),
			sec(t.time_ns[TS_LOCK_WAIT]), sec(t.time_ns[TS_STOPPED]), t.c.lost);
		print_json_tasks(out, m, i, now);
		fputc('}', out);
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
	if (sc->note && *sc->note) {
		/* The note without its sentences for the UI's keys ("Press g
		 * ..."): there are no keys here. */
		char *note = describe_note_without_keys(sc->note);
		print_wrapped(out, text_printable(note, &buf), "  ", 78);
		free(note);
	}
	free(buf);

	int w = name_width(sc);
	/* Free-threaded Python's own costs get a column each when any
	 * thread had some: waiting for an object's lock, stopped by a gc. */
	bool lock_col = false, gc_col = false;
	for (unsigned i = 0; i < stats_nthreads(st); i++) {
		struct stats_thread t;
		stats_thread_brief(st, i, now, &t);
		lock_col |= t.time_ns[TS_LOCK_WAIT] > 0;
		gc_col |= t.time_ns[TS_STOPPED] > 0;
	}
	fprintf(out, "\n%-*s %9s %9s %9s %9s %9s %9s", w, "thread", "wall s", "hold s", "wait s",
		"blocked s", "native s", "core s");
	if (lock_col)
		fprintf(out, " %9s", "lock s");
	if (gc_col)
		fprintf(out, " %9s", "gc s");
	fprintf(out, " %7s %11s %11s %11s %9s %9s\n", "acq", "wait p50 ms", "wait p99 ms",
		"wait max ms", "sw p50 ms", "sw p99 ms");
	for (unsigned i = 0; i < stats_nthreads(st); i++) {
		struct stats_thread t;
		stats_thread(st, i, now, &t);
		fprintf(out, "%-*.*s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f", w, w, sc->threads[i].name,
			sec(t.wall_ns), sec(t.hold_ns), sec(t.wait_ns), sec(t.blocked_ns),
			sec(t.native_ns), sec(t.core_ns));
		if (lock_col)
			fprintf(out, " %9.3f", sec(t.time_ns[TS_LOCK_WAIT]));
		if (gc_col)
			fprintf(out, " %9.3f", sec(t.time_ns[TS_STOPPED]));
		fprintf(out, " %7" PRIu64 " %11.3f %11.3f %11.3f %9.3f %9.3f\n", t.c.acquisitions,
			msec(t.wait_p50_ns), msec(t.wait_p99_ns), msec(t.wait_max_ns),
			msec(t.switch_wait_p50_ns), msec(t.switch_wait_p99_ns));
	}
	if (lock_col || gc_col)
		fprintf(out, "\n%s%s%s (free-threaded Python's own costs).",
			lock_col ? "lock s: waiting for an object's lock" : "",
			lock_col && gc_col ? "; " : "", gc_col ? "gc s: stopped by a gc" : "");
	fputs("\nsw: the waits that ended in a switch (the GIL came from another thread),\n"
	      "without the instant re-acquires of a thread that had just released it.\n", out);

	fputc('\n', out);
	print_text_tasks(out, m, now);
	fprintf(out, "%-*s %8s %10s %9s %10s %7s %9s %9s\n", w, "GIL", "policy", "interval",
		"switches", "switches/s", "forced", "drop req", "failed");
	for (unsigned g = 0; g < stats_ngils(st); g++) {
		struct stats_gil sg;
		stats_gil(st, g, (uint64_t)m->elapsed_ns, &sg);
		format_duration((int64_t)sg.interval_ns, interval, sizeof interval);
		fprintf(out, "%-*.*s %8s %10s %9" PRIu64 " %10.1f %7" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
			w, w, sc->procs[g].name, gil_policy_words(m, &sg), interval,
			sg.c.switches, sg.switches_per_s, sg.c.forced_switches,
			sg.c.drop_requests, sg.c.failed_wakeups);
	}
	fputc('\n', out);
	/* Free-threaded Python's own costs, under the table. */
	bool any = false;
	for (unsigned g = 0; g < stats_ngils(st); g++) {
		struct stats_gil sg;
		stats_gil(st, g, (uint64_t)m->elapsed_ns, &sg);
		if (!sg.enabled)
			continue;
		char at[32];
		describe_time(sg.enabled_t > m->t_start ? sg.enabled_t - m->t_start : 0, at, sizeof at);
		fprintf(out, "GIL %s turned on at %s: %s imported %s, not marked free-thread-safe\n",
			sc->procs[g].name, at,
			sg.enabled_by < sc->nthreads ? sc->threads[sg.enabled_by].name : "?",
			sg.enabled_module < sc->nmodules ? sc->modules[sg.enabled_module] : "?");
		any = true;
	}
	for (unsigned o = 0; o < stats_nobjects(st); o++) {
		char line[200];
		describe_object(st, o, (uint64_t)m->elapsed_ns, line, sizeof line);
		fprintf(out, "lock of %s: %s\n", sc->objects[o], line);
		any = true;
	}
	if (any)
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
	struct history_column *bins = xcalloc(width, sizeof *bins);
	for (unsigned i = 0; i < history_nthreads(h); i++) {
		history_bin(h, i, t0, col, width, t1, bins);
		for (unsigned c = 0; c < width; c++) {
			struct history_cell cell;
			history_column_cell(&bins[c], col, &cell);
			row[c] = history_cell_ascii(&cell)[0];
		}
		row[width] = '\0';
		fprintf(out, "%-*.*s |%s|\n", w, w, sc->threads[i].name, row);
	}
	free(row);
	free(bins);
	fprintf(out, "%*s  %c holds the GIL   %c waits for it   %c blocked (io, sleep)\n"
		     "%*s  %c native code, GIL released   %c native code holding the GIL\n"
		     "%*s  %c runnable, waiting for a core   %c stopped by a gc\n",
		w, "", report_state_glyph(TS_HOLDING), report_state_glyph(TS_WAITING),
		report_state_glyph(TS_BLOCKED), w, "", report_state_glyph(TS_NATIVE),
		report_state_glyph(TS_NATIVE_HOLD), w, "", report_state_glyph(TS_RUNNABLE),
		report_state_glyph(TS_STOPPED));
	if (sc->nobjects)
		fprintf(out, "%*s  %c waits for an object's lock (free-threaded)\n", w, "",
			report_state_glyph(TS_LOCK_WAIT));
	fprintf(out, "%*s  %s held the GIL for half the column or less\n", w, "",
		HISTORY_ASCII_HOLD_PART);
}

/* The report of a watched run, from what the watch says of it. */
void report_watch(FILE *out, enum report_format fmt, struct watch *w)
{
	const struct consumer *c = watch_consumer(w);
	struct report_meta m = {
		.sc = watch_scenario(w),
		.policy = watch_policy(w),
		.slow = watch_slow(w),
		.time_mode = watch_time_mode(w),
		.t_start = watch_t_start(w),
		.elapsed_ns = watch_elapsed(w),
		.events = c->events,
		.dropped = watch_dropped(w),
		.interrupted = watch_interrupted(w),
		.deadlocked = watch_deadlocked(w),
		.replay_of = watch_replay_of(w),
		.tk = c->tk,
	};
	report_print(out, fmt, &m, c->st, c->h);
}

/* A headless run or replay: watched to its end, then its report. */
static int report_source(const struct watch_options *wo, enum report_format fmt, FILE *out,
			 volatile sig_atomic_t *stop, char **warnings, struct gv_error *err)
{
	struct watch *w = watch_open(wo, err);
	if (!w)
		return -1;
	watch_run(w, stop);
	int rc = watch_finish(w, err);
	if (warnings) {
		*warnings = NULL;
		for (size_t i = 0; watch_warning(w, i); i++) {
			char *all = xasprintf("%s%s\n", *warnings ? *warnings : "",
					      watch_warning(w, i));
			free(*warnings);
			*warnings = all;
		}
	}
	/* The figures are whole even when an output failed. */
	report_watch(out, fmt, w);
	watch_close(w);
	return rc;
}

int report_run(const struct scenario *sc, const struct engine_options *opt,
	       enum report_format fmt, FILE *out, const struct report_sinks *sinks,
	       volatile sig_atomic_t *stop, struct gv_error *err)
{
	if (watch_runs_forever(sc, opt, "run", err))
		return -1;
	struct watch_options wo = { .sc = sc, .engine = *opt };
	if (sinks) {
		wo.record_path = sinks->record_path;
		wo.export_kind = sinks->export_kind;
		wo.export_path = sinks->export_path;
		wo.recording_failed = sinks->recording_failed;
		wo.recording_failed_arg = sinks->recording_failed_arg;
	}
	return report_source(&wo, fmt, out, stop, NULL, err);
}

int report_replay(const char *path, enum report_format fmt, FILE *out,
		  const struct report_sinks *sinks, char **warnings, struct gv_error *err)
{
	struct watch_options wo = { .replay_path = path };
	if (sinks) {
		wo.export_kind = sinks->export_kind;
		wo.export_path = sinks->export_path;
	}
	return report_source(&wo, fmt, out, NULL, warnings, err);
}
