/*
 * main.c -- the command line: options, then one of check, headless run or
 * the terminal UI (the default). Logic a test would want lives in the
 * modules.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "catalog.h"
#include "compare.h"
#include "engine.h"
#include "gil.h"
#include "report.h"
#include "scenario.h"
#include "sweep.h"
#include "trace.h"
#include "crt.h"
#include "ui.h"
#include "util.h"
#include "watch.h"

/* The scenario gilviz runs when none is named: the convoy effect, the
 * lesson that shows the most about the new GIL in a few seconds. */
static const char default_scenario[] =
	"title \"Convoy: an I/O thread behind a CPU hog\"\n"
	"note  \"The server sleeps 1 ms, then waits about one switch interval for "
	"the GIL after every wake-up: the hog only drops it when asked.\"\n"
	"gil new\n"
	"interval 5ms\n"
	"duration 2s\n"
	"thread hog {\n"
	"    cpu 10s\n"
	"}\n"
	"thread server start 100ms {\n"
	"    forever {\n"
	"        io 1ms\n"
	"        cpu 50us\n"
	"    }\n"
	"}\n";

/* MODE_EXPORT: a recording exported without --headless: read it to the
 * end and write the export, with no report and no UI. */
enum mode { MODE_DEFAULT, MODE_HEADLESS, MODE_CHECK, MODE_EXPORT };

struct options {
	enum mode mode;
	enum report_format format;
	struct report_sinks sinks;
	const char *replay;
	struct engine_options engine;
	const char *scenario;
	/* virtual time and sweeps */
	bool csv;                 /* --format=csv (sweeps only) */
	bool real_time;           /* --real: a sweep or comparison in real time */
	bool sweeping;
	struct sweep_spec sweep;
	bool comparing;           /* --compare */
	struct compare_spec compare;
	const char *virtual_only; /* an option that needs virtual time */
	unsigned clock_chosen;    /* WATCH_CHOSE_*: what the scenario may not set */
	/* The terminal UI's own options. */
	long frames;
	size_t history_spans;
};

#define GV_STR_(x) #x
#define GV_STR(x) GV_STR_(x)

enum {
	OPT_HEADLESS = 256,
	OPT_CHECK,
	OPT_LIST,
	OPT_FORMAT,
	OPT_INTERVAL,
	OPT_GIL,
	OPT_DURATION,
	OPT_SLOW,
	OPT_RECORD,
	OPT_REPLAY,
	OPT_EXPORT,
	/* virtual time and sweeps */
	OPT_VIRTUAL,
	OPT_CORES,
	OPT_SEED,
	OPT_SPEED,
	OPT_SWEEP,
	OPT_REAL,
	OPT_COMPARE,
	/* The terminal UI. */
	OPT_FRAMES,
	OPT_HISTORY_SPANS,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: gilviz [OPTION]... [SCENARIO]\n"
		"Watch the Global Interpreter Lock at work: run a scenario of Python-like\n"
		"threads through a real GIL and show who holds it, who waits, and for how long.\n"
		"\n"
		"SCENARIO is a scenario file (see gilviz-scenario(5)); without one, gilviz\n"
		"runs its built-in convoy scenario.\n"
		"\n"
		"Without --headless or --check, gilviz opens its terminal UI: a\n"
		"live timeline of every thread, the figures, and the events in words.\n"
		"Press ? in it for the keys (+ and - change the switch interval, i sets\n"
		"it, Up/Down select a thread).\n"
		"\n"
		"SCENARIO may also name a bundled lesson: gilviz convoy, gilviz 04-convoy.\n"
		"\n"
		"Modes:\n"
		"      --list             list the bundled lessons and exit\n"
		"      --headless         run to the end and print a report\n"
		"      --check            only read and validate the scenario (as a run\n"
		"                           would: forever needs a duration)\n"
		"      --format=FORMAT    report format: text (default) or json; csv for --sweep\n"
		"      --record=FILE      record the run's events to FILE (in the UI: the\n"
		"                           first run; r, g, n or p end the recording)\n"
		"      --replay=FILE      play a recorded run in the UI (space, [ ], Home,\n"
		"                           End, j); with --headless, print its report\n"
		"      --export KIND OUT  also write the run's spans to OUT as KIND:\n"
		"                           perfetto (ui.perfetto.dev) or csv (of a\n"
		"                           --replay: no UI, no report)\n"
		"\n"
		"Overriding the scenario:\n"
		"      --gil=POLICY       new (CPython 3.2+), legacy (2.x), none (free-threaded);\n"
		"                           proposed designs: priority, bfs, fifo; ruby (Ruby's GVL)\n"
		"      --interval=D       switch interval, like sys.setswitchinterval (e.g. 5ms)\n"
		"      --duration=D       stop after D (e.g. 10s)\n"
		"      --slow=F           slow motion: every duration, the interval included,\n"
		"                           times F\n"
		"\n"
		"Virtual time (deterministic, faster than real time; the bundled lessons\n"
		"use it at a teaching pace):\n"
		"      --virtual          run on a virtual clock and scheduler\n"
		"      --cores=N          virtual cores (default: the scenario's, else the machine's)\n"
		"      --seed=N           seed of the scheduler's choices (default 0)\n"
		"      --speed=F          virtual seconds per wall second (headless default 0:\n"
		"                           as fast as possible; in the UI the scenario's\n"
		"                           speed, else 1)\n"
		"      --sweep=interval=LO..HI[:N]\n"
		"                         run once per interval: the 1-2-5 series from LO\n"
		"                           to HI (1ms, 2ms, 5ms...), or N log-spaced values;\n"
		"                           in virtual time unless --real; print a table and\n"
		"                           a chart as wide as the terminal (--format text,\n"
		"                           json or csv)\n"
		"      --sweep=policy=P1,P2...\n"
		"                         run once per GIL policy; given with an interval\n"
		"                           range too (two --sweep), every interval under\n"
		"                           every policy, a chart per policy\n"
		"      --compare=P1,P2... run the scenario once per GIL policy, e.g.\n"
		"                           new,bfs,priority, in virtual time with the same\n"
		"                           seed: in the UI all at once, stacked on one time\n"
		"                           axis (1-7 show or hide a policy, g all); with\n"
		"                           --headless one after another (or --real), and a\n"
		"                           table, a column per policy (--format text or json)\n"
		"      --real             real time, whatever the scenario says; a sweep or\n"
		"                           a comparison too\n"
		"\n"
		"The terminal UI:\n"
		"      --frames=N         quit after N frames (about 30 a second)\n"
		"      --history-spans=N  state changes kept per thread for scrolling back\n"
		"                           (default: 65536 each for up to 8 threads; at\n"
		"                           most 16777216 in all)\n"
		"\n"
		"  -h, --help             display this help and exit\n"
		"  -V, --version          output version information and exit\n"
		"\n"
		"Durations are a number and a unit: ns, us, ms or s.\n"
		"Exit status: 0 on success, 1 on a bad scenario or a failed run,\n"
		"2 on a bad command line. A run stopped by SIGINT (Ctrl-C), SIGTERM, SIGHUP\n"
		"or SIGQUIT (Ctrl-\\) prints its report, ends its recording, then ends by\n"
		"that signal (a shell shows 128 plus its number: 130, 143, 129, 131).\n");
}

static void version(void)
{
	printf("gilviz %s\n"
	       "This is free software: you are free to change and redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n",
	       PACKAGE_VERSION);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("gilviz: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'gilviz --help' for more information.\n", stderr);
	return 2;
}

/* A whole number in decimal, all of it, without a sign. */
static int parse_uint(const char *arg, uint64_t *out)
{
	char *end;
	if (!*arg || *arg == '-' || *arg == '+' || *arg == ' ')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int option_duration(const char *name, const char *arg, int64_t *out, bool positive)
{
	char msg[256];
	if (parse_duration(arg, out, msg, sizeof msg) != 0) {
		fprintf(stderr, "gilviz: --%s: %s\nTry 'gilviz --help' for more information.\n",
			name, msg);
		return 2;
	}
	if (positive && *out <= 0) {
		fprintf(stderr, "gilviz: --%s: must be greater than 0, got '%s'\n"
			"Try 'gilviz --help' for more information.\n", name, arg);
		return 2;
	}
	return 0;
}

/* Where the bundled lessons are: installed, or (run from a build tree)
 * in the source tree. */
static const char *const bundled_dirs[] = {
	GILVIZ_DATADIR "/scenarios",
#ifdef GILVIZ_SRCDIR
	GILVIZ_SRCDIR "/scenarios",
#endif
};

/* --list: the bundled lessons, by name and title. */
static int list_scenarios(void)
{
	struct catalog c;
	if (!catalog_scan(&c, bundled_dirs, GV_ARRAY_LEN(bundled_dirs))) {
		fprintf(stderr, "gilviz: no bundled scenarios found (looked in %s)\n",
			bundled_dirs[0]);
		catalog_free(&c);
		return 1;
	}
	for (size_t i = 0; i < c.n; i++) {
		char name[256];
		struct gv_error err;
		struct scenario *sc = scenario_load(c.paths[i], &err);
		char *b1 = NULL, *b2 = NULL;
		printf("%-24s %s\n", text_printable(catalog_name(&c, i, name, sizeof name), &b1),
		       sc ? text_printable(sc->title, &b2) : "(does not parse)");
		free(b1);
		free(b2);
		scenario_free(sc);
	}
	catalog_free(&c);
	return 0;
}

/* A scenario named without a path that is not a file here is a bundled
 * lesson: "convoy", "04-convoy" or "04-convoy.gil". Returns a path to
 * free, or NULL. */
static char *bundled_path(const char *name)
{
	if (strchr(name, '/') || access(name, F_OK) == 0)
		return NULL;
	struct catalog c;
	catalog_scan(&c, bundled_dirs, GV_ARRAY_LEN(bundled_dirs));
	int i = catalog_lookup(&c, name);
	char *path = i >= 0 ? xstrdup(c.paths[i]) : NULL;
	catalog_free(&c);
	return path;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "gil", required_argument, NULL, OPT_GIL },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "slow", required_argument, NULL, OPT_SLOW },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "export", required_argument, NULL, OPT_EXPORT },
		{ "virtual", no_argument, NULL, OPT_VIRTUAL },
		{ "cores", required_argument, NULL, OPT_CORES },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "sweep", required_argument, NULL, OPT_SWEEP },
		{ "real", no_argument, NULL, OPT_REAL },
		{ "compare", required_argument, NULL, OPT_COMPARE },
		/* The terminal UI. */
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "history-spans", required_argument, NULL, OPT_HISTORY_SPANS },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			version();
			return 0;
		case OPT_HEADLESS:
			o->mode = MODE_HEADLESS;
			break;
		case OPT_LIST:
			return list_scenarios();
		case OPT_CHECK:
			o->mode = MODE_CHECK;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text"))
				o->format = REPORT_TEXT;
			else if (!strcmp(optarg, "json"))
				o->format = REPORT_JSON;
			else if (!strcmp(optarg, "csv"))
				o->csv = true;
			else
				return bad_usage("--format: unknown format '%s' (expected text, json or csv)", optarg);
			if (strcmp(optarg, "csv"))
				o->csv = false;
			break;
		case OPT_INTERVAL:
			{
				char msg[256];
				if (parse_interval(optarg, &o->engine.interval_ns, msg, sizeof msg) != 0)
					return bad_usage("--interval: %s", msg);
			}
			break;
		case OPT_DURATION:
			if ((rc = option_duration("duration", optarg, &o->engine.duration_ns, true)))
				return rc;
			break;
		case OPT_GIL:
			o->engine.policy = gil_policy_parse(optarg);
			if (o->engine.policy < 0)
				return bad_usage("--gil: unknown policy '%s' (expected " GIL_POLICY_NAMES ")", optarg);
			break;
		case OPT_SLOW: {
			char *end;
			errno = 0;
			double f = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(f) || f < 1 || f > GV_FACTOR_MAX)
				return bad_usage("--slow: expected a factor from 1 to 1000000, got '%s'", optarg);
			o->engine.slow = f;
			break;
		}
		case OPT_RECORD:
			o->sinks.record_path = optarg;
			break;
		case OPT_REPLAY:
			o->replay = optarg;
			break;
		case OPT_EXPORT: {
			/* --export KIND OUT: the file is the next argument. */
			int kind = export_kind_parse(optarg);
			if (kind < 0)
				return bad_usage("--export: unknown format '%s' (expected perfetto or csv)", optarg);
			if (optind >= argc || !*argv[optind] || argv[optind][0] == '-')
				return bad_usage("--export %s: expected an output file after the format", optarg);
			o->sinks.export_kind = (enum export_kind)kind;
			o->sinks.export_path = argv[optind++];
			break;
		}
		/* ---- virtual time and sweeps ---- */
		case OPT_VIRTUAL:
			o->engine.virtual_time = true;
			o->clock_chosen |= WATCH_CHOSE_TIME;
			break;
		case OPT_REAL:
			o->real_time = true;
			o->clock_chosen |= WATCH_CHOSE_TIME;
			break;
		case OPT_CORES: {
			uint64_t n;
			if (parse_uint(optarg, &n) || n < 1 || n > SCENARIO_MAX_CORES)
				return bad_usage("--cores: expected a number of cores from 1 to "
						 GV_STR(SCENARIO_MAX_CORES) ", got '%s'", optarg);
			o->engine.cores = (unsigned)n;
			o->virtual_only = "--cores";
			break;
		}
		case OPT_SEED:
			if (parse_uint(optarg, &o->engine.seed))
				return bad_usage("--seed: expected a whole number from 0 to 18446744073709551615, got '%s'", optarg);
			o->virtual_only = "--seed";
			break;
		case OPT_SPEED: {
			char *end;
			errno = 0;
			double f = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(f) || f < 0 || f > GV_FACTOR_MAX)
				return bad_usage("--speed: expected virtual seconds per second from 0 (as fast as possible) to 1000000, got '%s'", optarg);
			o->engine.speed = f;
			o->virtual_only = "--speed";
			o->clock_chosen |= WATCH_CHOSE_SPEED;
			break;
		}
		case OPT_SWEEP: {
			char msg[256];
			if (sweep_parse(optarg, &o->sweep, msg, sizeof msg) != 0) {
				fprintf(stderr, "gilviz: --sweep: %s\nTry 'gilviz --help' for more information.\n", msg);
				return 2;
			}
			o->sweeping = true;
			break;
		}
		case OPT_COMPARE: {
			char msg[256];
			if (compare_parse(optarg, 2, &o->compare, msg, sizeof msg) != 0) {
				fprintf(stderr, "gilviz: --compare: %s\nTry 'gilviz --help' for more information.\n", msg);
				return 2;
			}
			o->comparing = true;
			break;
		}
		/* The terminal UI. */
		case OPT_FRAMES:
		case OPT_HISTORY_SPANS: {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			long long max = c == OPT_FRAMES ? LONG_MAX : 1LL << 24;
			if (errno || end == optarg || *end || v < 1 || v > max)
				return bad_usage(c == OPT_FRAMES
						 ? "--frames: expected a number of frames from 1, got '%s'"
						 : "--history-spans: expected a number from 1 to 16777216, got '%s'",
						 optarg);
			if (c == OPT_FRAMES)
				o->frames = (long)v;
			else
				o->history_spans = (size_t)v;
			break;
		}
		case ':':
			return bad_usage("option '%s' requires an argument", argv[optind - 1]);
		default:
			return bad_usage("unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->scenario = argv[optind++];
	if (o->replay && o->scenario)
		return bad_usage("--replay plays a recording; it takes no scenario ('%s')", o->scenario);
	if (o->replay && o->sinks.record_path)
		return bad_usage("--record cannot record a replay (%s)", o->sinks.record_path);
	if (optind < argc)
		return bad_usage("unexpected argument '%s' (one scenario at a time)", argv[optind]);
	/* ---- virtual time and sweeps ---- */
	if (o->sweeping) {
		if (o->replay || o->sinks.record_path || o->sinks.export_kind != EXPORT_NONE)
			return bad_usage("%s", "--sweep runs many times: it cannot record, export or replay");
		if (o->mode == MODE_CHECK)
			return bad_usage("%s", "--sweep and --check do not go together");
		if (o->sweep.npolicies && o->engine.policy >= 0)
			return bad_usage("%s", "--sweep policy= names the policies: leave out --gil");
		if (!o->real_time)
			o->engine.virtual_time = true;
		o->clock_chosen |= WATCH_CHOSE_TIME;
	}
	if (o->comparing) {
		if (o->sweeping)
			return bad_usage("%s", "--compare and --sweep do not go together "
					 "(--sweep policy=new,bfs sweeps the policies)");
		if (o->engine.policy >= 0)
			return bad_usage("%s", "--compare names the policies: leave out --gil");
		if (o->replay || o->sinks.record_path || o->sinks.export_kind != EXPORT_NONE)
			return bad_usage("%s", "--compare runs once per policy: it cannot record, export or replay");
		if (o->mode == MODE_CHECK)
			return bad_usage("%s", "--compare and --check do not go together");
		if (o->mode == MODE_DEFAULT && o->real_time)
			return bad_usage("%s", "the UI compares in virtual time, paced together; "
					 "--real works with --headless");
		if (!o->real_time)
			o->engine.virtual_time = true;
		o->clock_chosen |= WATCH_CHOSE_TIME;
	}
	if (o->real_time && o->engine.virtual_time)
		return bad_usage("%s", "--real and --virtual contradict each other");
	if (o->virtual_only && o->real_time)
		return bad_usage("%s only makes sense in virtual time, not with --real", o->virtual_only);
	if (o->csv && !o->sweeping)
		return bad_usage("%s", "--format=csv is for --sweep (use --export csv FILE for a run's spans)");
	if (o->replay && o->mode == MODE_DEFAULT && o->sinks.export_kind != EXPORT_NONE)
		o->mode = MODE_EXPORT; /* the UI has nothing to show that the export needs */
	if (o->replay && o->mode == MODE_CHECK)
		return bad_usage("%s", "--check reads a scenario, not a recording (--replay)");
	return -1;
}

/* The width of the terminal on standard output, or 80 when it is not
 * one (a pipe, a file): charts are drawn that wide. */
static unsigned terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

static void print_error(const struct gv_error *err)
{
	char buf[GV_ERROR_MAX], *esc = NULL;
	gv_error_format(err, buf, sizeof buf);
	fprintf(stderr, "gilviz: %s\n", text_printable(buf, &esc));
	free(esc);
}

/* A failed write stops the recording: said at once, while the run goes
 * on to its end and its report. */
static void say_recording_stopped(void *arg, const struct gv_error *err)
{
	(void)arg;
	char buf[GV_ERROR_MAX], *esc = NULL;
	gv_error_format(err, buf, sizeof buf);
	fprintf(stderr, "gilviz: %s; recording stopped, the run goes on\n",
		text_printable(buf, &esc));
	free(esc);
}

static struct scenario *load(const struct options *o)
{
	struct gv_error err = { 0 };
	struct scenario *sc;
	if (o->scenario)
		sc = scenario_load(o->scenario, &err);
	else
		sc = scenario_parse(default_scenario, sizeof default_scenario - 1,
				    "(built-in convoy)", &err);
	if (!sc) {
		print_error(&err);
		if (o->scenario && !strchr(o->scenario, '/') && access(o->scenario, F_OK) != 0)
			fputs("gilviz: 'gilviz --list' lists the bundled lessons\n", stderr);
	}
	return sc;
}

/* The terminal UI. It reads the scenario again itself, since n, p and r
 * replace it while it runs. A quit signal (Ctrl-C, Ctrl-\, SIGTERM,
 * SIGHUP) ends it as q does; main then ends gilviz by that signal. */
static int run_ui(const struct options *o, size_t nthreads)
{
	if (!isatty(STDOUT_FILENO)) {
		fputs("gilviz: the terminal UI needs a terminal on standard output; "
		      "use --headless for a report\n", stderr);
		return 1;
	}
	const char *no_color = getenv("NO_COLOR");
	struct ui_options uo = {
		.scenario_path = o->scenario,
		.builtin_text = default_scenario,
		.builtin_name = "(built-in convoy)",
		.engine = o->engine,
		.clock_chosen = o->clock_chosen,
		.frames = o->frames,
		.history_spans = o->history_spans,
		.want_color = !(no_color && *no_color),
		.scenario_dirs = bundled_dirs,
		.ndirs = GV_ARRAY_LEN(bundled_dirs),
		.replay_path = o->replay,
		.record_path = o->sinks.record_path,
		.export_kind = o->sinks.export_kind,
		.export_path = o->sinks.export_path,
	};
	struct gv_error err = { 0 };
	int rc;
	if (o->comparing) {
		/* The runs share the spans one run would keep. */
		if (!uo.history_spans && nthreads)
			uo.history_spans = ui_default_history_spans(nthreads * o->compare.n);
		rc = ui_compare_run(&uo, o->compare.policy, o->compare.n, &err);
	} else {
		rc = ui_run(&uo, &err);
	}
	if (rc != 0) {
		print_error(&err);
		return 1;
	}
	return 0;
}

static int run(struct options *o);

/* --history-spans is a count a thread: the spans kept in all may not pass
 * what one thread may keep (16777216, 384 MiB). 16777216 with 4096
 * threads once asked for 1.6 TB and aborted. Returns 2 or 0. */
static int check_history_spans(const struct options *o, size_t nthreads)
{
	const size_t max = (size_t)1 << 24;
	if (!o->history_spans || !nthreads || o->history_spans <= max / nthreads)
		return 0;
	fprintf(stderr, "gilviz: --history-spans=%zu: with %zu threads that is more than "
		"16777216 spans in all (at most %zu a thread here)\n"
		"Try 'gilviz --help' for more information.\n",
		o->history_spans, nthreads, max / nthreads);
	return 2;
}

/* The threads of a recording's scenario, 0 if it cannot be read (the UI
 * then says why). */
static size_t recording_threads(const char *path)
{
	struct gv_error err;
	struct trace *t = trace_open(path, &err);
	if (!t)
		return 0;
	size_t n = 0;
	struct scenario *sc = scenario_parse(t->meta.scenario_text, strlen(t->meta.scenario_text),
					     t->meta.scenario_file, &err);
	if (sc)
		n = sc->nthreads;
	scenario_free(sc);
	trace_close(t);
	return n;
}

/* An output that is the same file as an input or as the other output
 * would destroy it: --record mine.gil mine.gil once overwrote the scenario
 * it was about to read. Returns 2 (a bad command line) or 0. */
static int check_outputs(const struct options *o)
{
	const struct { const char *opt, *path; } out[] = {
		{ "--record", o->sinks.record_path },
		{ "--export", o->sinks.export_path },
	};
	const struct { const char *what, *path; } in[] = {
		{ "the scenario", o->scenario },
		{ "the recording it replays", o->replay },
	};
	for (size_t i = 0; i < GV_ARRAY_LEN(out); i++) {
		if (!out[i].path)
			continue;
		for (size_t j = 0; j < GV_ARRAY_LEN(in); j++) {
			if (in[j].path && same_file(out[i].path, in[j].path)) {
				fprintf(stderr, "gilviz: %s %s: that is %s (%s); it would be overwritten\n"
					"Try 'gilviz --help' for more information.\n",
					out[i].opt, out[i].path, in[j].what, in[j].path);
				return 2;
			}
		}
		for (size_t j = i + 1; j < GV_ARRAY_LEN(out); j++) {
			if (out[j].path && same_file(out[i].path, out[j].path)) {
				fprintf(stderr, "gilviz: %s and %s name the same file (%s)\n"
					"Try 'gilviz --help' for more information.\n",
					out[i].opt, out[j].opt, out[j].path);
				return 2;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {
		.mode = MODE_DEFAULT,
		.format = REPORT_TEXT,
		.engine = { .policy = -1 },
	};
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* "gilviz convoy": a bundled lesson, by name. */
	char *bundled = o.scenario ? bundled_path(o.scenario) : NULL;
	if (bundled)
		o.scenario = bundled;
	rc = check_outputs(&o);
	if (rc == 0)
		rc = run(&o);
	free(bundled);
	/* A report that could not be written (a full disk, a closed pipe) is
	 * a failed run, not a success with nothing to show. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gilviz: cannot write to standard output: %s\n",
			errno ? strerror(errno) : "write error");
		rc = rc ? rc : 1;
	}
	/* A run stopped by a signal ends by it, in every mode, once its
	 * report and recording are out. */
	crt_reraise();
	return rc;
}

static int run(struct options *o_)
{
	struct options o = *o_;
	int rc;
	struct gv_error err = { 0 };
	if (o.replay && o.mode == MODE_DEFAULT) {
		if ((rc = check_history_spans(&o, recording_threads(o.replay))))
			return rc;
		return run_ui(&o, 0);
	}
	if (o.replay) {
		char *warnings = NULL;
		FILE *out = stdout;
		if (o.mode == MODE_EXPORT && !(out = fopen("/dev/null", "w"))) {
			fprintf(stderr, "gilviz: cannot open /dev/null: %s\n", strerror(errno));
			return 1;
		}
		rc = report_replay(o.replay, o.format, out, &o.sinks, &warnings, &err);
		if (out != stdout)
			fclose(out);
		for (char *w = warnings, *nl; w && (nl = strchr(w, '\n')); w = nl + 1) {
			*nl = '\0';
			char *esc = NULL;
			fprintf(stderr, "gilviz: warning: %s\n", text_printable(w, &esc));
			free(esc);
		}
		free(warnings);
		if (rc != 0)
			print_error(&err);
		return rc ? 1 : 0;
	}

	struct scenario *sc = load(&o);
	if (!sc)
		return 1;
	/* The scenario's clock where the command line left it open: an
	 * option of virtual time needs it chosen by one or the other. */
	struct engine_options eng = watch_engine_options(sc, &o.engine, o.clock_chosen,
							 o.mode == MODE_DEFAULT);
	if (o.virtual_only && !eng.virtual_time) {
		scenario_free(sc);
		return bad_usage("%s only makes sense in virtual time: add --virtual", o.virtual_only);
	}
	if (o.mode == MODE_CHECK) {
		/* The rules a run applies before it starts, so that ok means
		 * a run will start. */
		if (watch_runs_forever(sc, &o.engine, "run", &err)) {
			print_error(&err);
			scenario_free(sc);
			return 1;
		}
		char *buf = NULL;
		printf("%s: ok (%zu thread%s in %zu process%s)\n", text_printable(sc->file, &buf),
		       sc->nthreads, sc->nthreads == 1 ? "" : "s", sc->nprocs,
		       sc->nprocs == 1 ? "" : "es");
		free(buf);
		scenario_free(sc);
		return 0;
	}

	/* ---- virtual time and sweeps ---- */
	if (o.sweeping) {
		crt_catch_quit_signals();
		struct sweep_result res;
		enum sweep_format sf = o.csv ? SWEEP_CSV
				     : o.format == REPORT_JSON ? SWEEP_JSON : SWEEP_TEXT;
		rc = sweep_run(sc, &o.engine, &o.sweep, &res, crt_quit_flag(), &err);
		if (rc == 0) {
			res.width = terminal_width();
			sweep_print(stdout, sf, &res);
			sweep_result_free(&res);
		} else {
			print_error(&err);
		}
		scenario_free(sc);
		return rc ? 1 : 0;
	}

	if (o.comparing && o.mode == MODE_HEADLESS) {
		crt_catch_quit_signals();
		struct compare_result res;
		rc = compare_run(sc, &o.engine, &o.compare, &res, crt_quit_flag(), &err);
		if (rc == 0) {
			compare_print(stdout, o.format == REPORT_JSON, &res);
			compare_result_free(&res);
		} else {
			print_error(&err);
		}
		scenario_free(sc);
		return rc ? 1 : 0;
	}

	if (o.mode == MODE_DEFAULT) {
		size_t nthreads = sc->nthreads;
		rc = check_history_spans(&o, nthreads * (o.comparing ? o.compare.n : 1));
		scenario_free(sc);
		return rc ? rc : run_ui(&o, nthreads);
	}

	crt_catch_quit_signals();
	o.sinks.recording_failed = say_recording_stopped;
	rc = report_run(sc, &eng, o.format, stdout, &o.sinks, crt_quit_flag(), &err);
	if (rc != 0)
		print_error(&err);
	scenario_free(sc);
	return rc ? 1 : 0;
}
