/*
 * crt.c -- the terminal.
 *
 * One place starts curses and one place stops it, so no way out can
 * forget: q and Ctrl-C end the frame loop; SIGTERM and SIGHUP only set a
 * flag that the loop checks (a handler must not touch curses); an error
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

/* A role's look: colours for the colour scheme (-1: the terminal's own),
 * and attributes for each scheme. */
struct crt_role_look {
	short fg, bg;
	int color_attr;
	int mono_attr;
};

static const struct crt_role_look looks[CR_COUNT] = {
	[CR_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[CR_HEADER] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[CR_PAUSED] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD },
	[CR_HOLDING] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[CR_WAITING] = { COLOR_RED, -1, A_BOLD, A_NORMAL },
	[CR_BLOCKED] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[CR_NATIVE] = { COLOR_BLUE, -1, A_BOLD, A_NORMAL },
	[CR_NATIVE_HOLD] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[CR_DONE] = { -1, -1, A_DIM, A_DIM },
	[CR_MARK] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[CR_DIM] = { -1, -1, A_DIM, A_DIM },
	[CR_TITLE] = { -1, -1, A_BOLD, A_BOLD },
	[CR_STARVING] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE },
	[CR_STATUS] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[CR_HELP] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE },
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
		[TS_UNKNOWN] = "?",
	},
	.drop_request = "!",
	.forced_drop = "\u25bc", /* black down-pointing triangle */
	.interval = "\u25b2",    /* black up-pointing triangle */
	.hline = "\u2500",
	.tick = "\u2575",        /* light up */
};

/* The same shapes as the headless report's ASCII timeline. */
static const struct crt_glyphs glyphs_ascii = {
	.state = HISTORY_ASCII_GLYPHS,
	.drop_request = "!",
	.forced_drop = "v",
	.interval = "^",
	.hline = "-",
	.tick = "|",
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

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO;
	for (size_t i = 0; i < GV_ARRAY_LEN(crash_signals); i++)
		sigaction(crash_signals[i], &sa, &crash_old[i]);
}

static void choose_scheme(bool want_color)
{
	crt_scheme_id = want_color && has_colors() ? CRT_SCHEME_COLOR : CRT_SCHEME_MONO;
	if (crt_scheme_id == CRT_SCHEME_COLOR) {
		start_color();
		bool defaults = use_default_colors() == OK;
		for (int r = 0; r < CR_COUNT; r++) {
			short fg = looks[r].fg, bg = looks[r].bg;
			if (!defaults) {
				fg = fg < 0 ? COLOR_WHITE : fg;
				bg = bg < 0 ? COLOR_BLACK : bg;
			}
			init_pair((short)(r + 1), fg, bg);
			crt_attrs[r] = (int)COLOR_PAIR(r + 1) | looks[r].color_attr;
		}
	} else {
		for (int r = 0; r < CR_COUNT; r++)
			crt_attrs[r] = looks[r].mono_attr;
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
