/*
 * crt.c -- the terminal.
 *
 * One place starts curses and one place stops it, so no way out can
 * forget: q ends the frame loop; Ctrl-C, Ctrl-\, SIGTERM and SIGHUP only
 * set a flag that the loop checks (a handler must not touch curses),
 * and once everything is closed main ends gilviz by that same signal
 * (crt_reraise), so that a core dump of Ctrl-\ still happens; an error
 * returns through main; and an atexit hook calls crt_done for any exit
 * that skips the rest. A crash (SIGSEGV, SIGBUS, SIGFPE, SIGABRT) is the
 * one case where the handler itself calls endwin: the process is dying
 * anyway, and a class should not be left with a dead terminal. It then
 * puts back the handler it replaced (a sanitizer's, or the default) and
 * lets the signal happen again, so that reports and core dumps still work.
 */
#include "config.h"

#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "crt.h"
#include "util.h"

/* The terminal's state: this module is one of the two allowed globals. */
static SCREEN *crt_screen;
static bool crt_started;
static bool crt_is_utf8;
static enum crt_scheme_id crt_scheme_id;
static int crt_attrs[CR_COUNT];
static volatile sig_atomic_t crt_signal;

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL };
static struct sigaction crash_old[GV_ARRAY_LEN(crash_signals)];

/*
 * The palette. A class reads it on a projector, and about one man in twelve
 * sees red and green alike, so the two states a lesson turns on, holding
 * and waiting, are blue and orange: the pair that stays apart in every
 * common colour-vision deficiency (protanopia, deuteranopia, and, by
 * lightness, tritanopia). The other states take the remaining hues of
 * Okabe and Ito's colour-blind-safe set ("Color Universal Design", 2002):
 * bluish green for C code that released the GIL, reddish purple for C code
 * that holds it, yellow for marks, and Okabe-Ito's (darker) blue for a
 * thread that is runnable but waiting for a core: it is most often a
 * holder the OS has descheduled, so it takes holding's hue family, kept
 * apart from sky blue by lightness (which every deficiency preserves)
 * and by its glyph, a dashed line instead of a full block; with 8
 * colours it is red, the one left, which stays apart from yellow
 * (waiting) by lightness for a protanope. A thread stopped by another's
 * stop-the-world pause (gc) takes the last hue, vermillion (bold red on 8
 * colours), with a glyph of its own, a heavy bar: vermillion and orange
 * (waiting) come close for a deuteranope, so the glyph, not the colour,
 * is what tells those two apart. A thread waiting for an object's lock
 * (free-threaded Python's critical sections) waits as for the GIL, so it
 * takes waiting's orange, bold, with a darker shade for its glyph. Nothing a class must read is dim: the
 * secondary text (time axis, "more" lines) is a plain light grey.
 *
 * With 256 colours each role gets the nearest xterm colour to its
 * Okabe-Ito hue (fg256/bg256); with 8, the closest of the eight that keeps
 * the same pairs apart (cyan and yellow for holding and waiting, bright
 * blue for released C code: green would sit next to yellow for a
 * protanope). Checked with Machado, Oliveira and Fernandes' (2009)
 * simulation of full protanopia, deuteranopia and tritanopia: holding and
 * waiting stay at least 56 CIE76 units apart in both sets (the old green
 * and red came to 23 for a deuteranope), and no two states come closer
 * than about 10. Glyphs differ as well, so the monochrome scheme
 * (NO_COLOR, or a terminal with no colour) reads with attributes alone.
 * -1 is the terminal's own colour.
 */
struct crt_role_look {
	short fg, bg;       /* 8 colours */
	short fg256, bg256; /* 256 colours */
	int color_attr;
	int mono_attr;
};

/* xterm-256 colours nearest to Okabe-Ito's hues. */
enum {
	X_SKY_BLUE = 39,  /* #00afff, for Okabe-Ito's blue and sky blue */
	X_BLUE = 25,      /* #005faf, the header's ground */
	X_DEEP_BLUE = 31, /* #0087af, Okabe-Ito blue #0072b2: runnable */
	X_VERMILLION = 166, /* #d75f00, vermillion #d55e00: stopped by a gc */
	X_ORANGE = 214,   /* #ffaf00, Okabe-Ito orange #e69f00 */
	X_GREEN = 36,     /* #00af87, bluish green #009e73 */
	X_PURPLE = 175,   /* #d787af, reddish purple #cc79a7 */
	X_YELLOW = 227,   /* #ffff5f, yellow #f0e442 */
	X_GREY = 250,     /* #bcbcbc */
	X_BLACK = 16,
	X_WHITE = 231,
};

static const struct crt_role_look looks[CR_COUNT] = {
	[CR_NORMAL] = { -1, -1, -1, -1, A_NORMAL, A_NORMAL },
	[CR_HEADER] = { COLOR_WHITE, COLOR_BLUE, X_WHITE, X_BLUE, A_BOLD, A_REVERSE },
	[CR_PAUSED] = { COLOR_BLACK, COLOR_YELLOW, X_BLACK, X_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[CR_HOLDING] = { COLOR_CYAN, -1, X_SKY_BLUE, -1, A_BOLD, A_BOLD },
	[CR_WAITING] = { COLOR_YELLOW, -1, X_ORANGE, -1, A_NORMAL, A_NORMAL },
	[CR_BLOCKED] = { COLOR_WHITE, -1, X_GREY, -1, A_NORMAL, A_NORMAL },
	[CR_NATIVE] = { COLOR_BLUE, -1, X_GREEN, -1, A_BOLD, A_NORMAL },
	[CR_NATIVE_HOLD] = { COLOR_MAGENTA, -1, X_PURPLE, -1, A_BOLD, A_BOLD },
	[CR_DONE] = { COLOR_WHITE, -1, X_GREY, -1, A_NORMAL, A_NORMAL },
	/* A split cell: the held part in holding's colour, from the left,
	 * on the ground of the rest (waiting's orange, or the terminal's). */
	[CR_HOLD_WAIT] = { COLOR_CYAN, COLOR_YELLOW, X_SKY_BLUE, X_ORANGE, A_BOLD, A_BOLD },
	[CR_HOLD_PART] = { COLOR_CYAN, -1, X_SKY_BLUE, -1, A_BOLD, A_BOLD },
	[CR_RUNNABLE] = { COLOR_RED, -1, X_DEEP_BLUE, -1, A_NORMAL, A_NORMAL },
	[CR_STOPPED] = { COLOR_RED, -1, X_VERMILLION, -1, A_BOLD, A_BOLD },
	[CR_LOCK_WAIT] = { COLOR_YELLOW, -1, X_ORANGE, -1, A_BOLD, A_BOLD },
	[CR_MARK] = { COLOR_YELLOW, -1, X_YELLOW, -1, A_BOLD, A_BOLD },
	[CR_DIM] = { COLOR_WHITE, -1, X_GREY, -1, A_NORMAL, A_NORMAL },
	[CR_TITLE] = { -1, -1, -1, -1, A_BOLD, A_BOLD },
	[CR_STARVING] = { COLOR_BLACK, COLOR_YELLOW, X_BLACK, X_ORANGE, A_BOLD, A_REVERSE },
	[CR_STATUS] = { COLOR_BLACK, COLOR_CYAN, X_BLACK, X_SKY_BLUE, A_NORMAL, A_REVERSE },
	[CR_HELP] = { COLOR_BLACK, COLOR_WHITE, X_BLACK, X_GREY, A_NORMAL, A_REVERSE },
};

static const struct crt_glyphs glyphs_utf8 = {
	.state = {
		[TS_NOT_STARTED] = " ",
		[TS_HOLDING] = "\u2588",     /* full block */
		[TS_WAITING] = "\u2592",     /* medium shade */
		[TS_BLOCKED] = "\u2581",     /* lower one-eighth block */
		[TS_NATIVE] = "\u2584",      /* lower half block */
		[TS_NATIVE_HOLD] = "\u259a", /* quadrants, a checker */
		[TS_DONE] = "\u00b7",        /* middle dot */
		[TS_RUNNABLE] = "\u254d",    /* heavy double dash */
		[TS_STOPPED] = "\u2503",     /* heavy vertical */
		[TS_LOCK_WAIT] = "\u2593",   /* dark shade */
		[TS_UNKNOWN] = "?",
	},
	/* Left one-eighth to seven-eighths blocks. */
	.hold_part = { NULL, "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589" },
	.drop_request = "!",
	.forced_drop = "\u25bc", /* black down-pointing triangle */
	.failed_wakeup = "\u00d7", /* multiplication sign */
	.interval = "\u25b2",    /* black up-pointing triangle */
	.hline = "\u2500",
	.tick = "\u2575",        /* light up */
	.cursor = "\u2191",      /* upwards arrow */
};

/* The same shapes as the headless report's ASCII timeline. */
static const struct crt_glyphs glyphs_ascii = {
	.state = HISTORY_ASCII_GLYPHS,
	/* No eighths in ASCII: history_cell_ascii draws a split cell. */
	.drop_request = "!",
	.forced_drop = "v",
	.failed_wakeup = "x",
	.interval = "^",
	.hline = "-",
	.tick = "|",
	.cursor = "@",
};

static void on_quit_signal(int sig)
{
	crt_signal = sig;
}

/* A crash: restore the terminal, put back the previous handler and let
 * the signal happen again (a fault re-executes; a raised signal is
 * raised anew). */
static void on_crash(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (crt_started)
		endwin();
	for (size_t i = 0; i < GV_ARRAY_LEN(crash_signals); i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
	if (info == NULL || info->si_code <= 0 || sig == SIGABRT)
		raise(sig);
}

/* The signals that ask gilviz to stop: in every mode, the run stops, its
 * report is printed and its recording ends properly, then gilviz ends by
 * the signal. */
static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void crt_catch_quit_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal;
	for (size_t i = 0; i < GV_ARRAY_LEN(quit_signals); i++) {
		struct sigaction old;
		/* nohup's wish (SIGHUP ignored) is kept. The others are caught
		 * even when ignored, as a shell ignores them for a command in
		 * the background: kill -INT must still stop a headless run. */
		if (quit_signals[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(quit_signals[i], &sa, NULL);
	}
}

static void install_signals(void)
{
	crt_catch_quit_signals();

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO;
	for (size_t i = 0; i < GV_ARRAY_LEN(crash_signals); i++)
		sigaction(crash_signals[i], &sa, &crash_old[i]);
}

static void choose_scheme(bool want_color)
{
	if (!want_color || !has_colors()) {
		crt_scheme_id = CRT_SCHEME_MONO;
		for (int r = 0; r < CR_COUNT; r++)
			crt_attrs[r] = looks[r].mono_attr;
		return;
	}
	start_color(); /* sets COLORS */
	crt_scheme_id = COLORS >= 256 ? CRT_SCHEME_COLOR256 : CRT_SCHEME_COLOR;
	bool defaults = use_default_colors() == OK;
	bool wide = crt_scheme_id == CRT_SCHEME_COLOR256;
	for (int r = 0; r < CR_COUNT; r++) {
		short fg = wide ? looks[r].fg256 : looks[r].fg;
		short bg = wide ? looks[r].bg256 : looks[r].bg;
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		init_pair((short)(r + 1), fg, bg);
		crt_attrs[r] = (int)COLOR_PAIR(r + 1) | looks[r].color_attr;
	}
}

int crt_init(FILE *out, FILE *in, const char *term, bool want_color)
{
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	crt_is_utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	crt_screen = newterm(term, out ? out : stdout, in ? in : stdin);
	if (!crt_screen)
		return -1;
	crt_started = true;
	atexit(crt_done);
	install_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	/* Until the first endwin, ncurses (6.4 and its current snapshots)
	 * takes every cursor move inside doupdate for a caller's mvcur and
	 * flushes its buffer there: a frame went out in about 95 writes,
	 * each a wake-up of the terminal, and on a pty the UI thread spent
	 * about 0.6 ms a frame more (bench/bench_ui: 5.6% of a core at 30
	 * frames a second, against 3.8%). Leaving and resuming once, before
	 * anything is drawn, puts curses in its running state, where a frame
	 * is one write. The two writes (screen left, screen back) reach the
	 * terminal before the first frame. The colours start after it: with
	 * them started, the resume sends the terminal's "reset the palette"
	 * (terminfo oc, OSC 104 on xterm), which would wipe a palette the
	 * user had set, for good. */
	endwin();
	doupdate();
	choose_scheme(want_color);
	return 0;
}

void crt_done(void)
{
	if (!crt_started)
		return;
	crt_started = false;
	curs_set(1);
	endwin();
}

bool crt_active(void)
{
	return crt_started;
}

int crt_attr(enum crt_role role)
{
	return (unsigned)role < CR_COUNT ? crt_attrs[role] : (int)A_NORMAL;
}

enum crt_scheme_id crt_scheme(void)
{
	return crt_scheme_id;
}

const struct crt_glyphs *crt_glyphs(void)
{
	return crt_is_utf8 ? &glyphs_utf8 : &glyphs_ascii;
}

bool crt_utf8(void)
{
	return crt_is_utf8;
}

int crt_quit_signal(void)
{
	return crt_signal;
}

volatile sig_atomic_t *crt_quit_flag(void)
{
	return &crt_signal;
}

void crt_reraise(void)
{
	int sig = crt_signal;
	if (!sig)
		return;
	crt_done();
	fflush(NULL);
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
