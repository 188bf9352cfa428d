/*
 * crt.h -- the terminal (htop's CRT.c habit): curses start-up and
 * shutdown, colour as a scheme of roles, the glyphs of the locale, and
 * the signal handling that restores the terminal before gilviz leaves,
 * whichever way it leaves. The only file besides ui.c that knows curses.
 */
#ifndef GILVIZ_CRT_H
#define GILVIZ_CRT_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "history.h"

/* What a piece of the screen is; a scheme gives each role its look. */
enum crt_role {
	CR_NORMAL = 0,
	CR_HEADER,
	CR_PAUSED,
	CR_HOLDING,
	CR_WAITING,
	CR_BLOCKED,
	CR_NATIVE,
	CR_NATIVE_HOLD,
	CR_DONE,
	CR_HOLD_WAIT,      /* a column held in part, waiting the rest */
	CR_HOLD_PART,      /* held in part, another state the rest */
	CR_RUNNABLE,
	CR_STOPPED,
	CR_LOCK_WAIT,
	CR_MARK,
	CR_DIM,
	CR_TITLE,
	CR_STARVING,
	CR_STATUS,
	CR_HELP,
	CR_COUNT
};

enum crt_scheme_id {
	CRT_SCHEME_COLOR = 0, /* eight colours on the terminal's background */
	CRT_SCHEME_COLOR256,  /* the same roles in 256-colour hues */
	CRT_SCHEME_MONO,      /* attributes only: monochrome, NO_COLOR */
	CRT_SCHEME_COUNT
};

/* The glyphs of the timeline: each state and mark its own shape, so the
 * picture reads without colour. */
struct crt_glyphs {
	const char *state[TS_COUNT];
	const char *hold_part[8]; /* 1 to 7 eighths held, from the left; NULL
				   * in ASCII (history_cell_ascii) */
	const char *drop_request;
	const char *forced_drop;
	const char *failed_wakeup;
	const char *interval;
	const char *hline;
	const char *tick;
	const char *cursor;  /* on the axis: the time of the cursor's event */
};

/*
 * Start curses on out/in (NULL: stdout/stdin) with terminal type term
 * (NULL: $TERM). want_color false (NO_COLOR) or a terminal without
 * colours chooses the monochrome scheme. Installs the signal handlers
 * and an atexit hook so that the terminal is restored on every exit.
 * Returns -1 if the terminal cannot be started.
 */
int crt_init(FILE *out, FILE *in, const char *term, bool want_color);
/* Restore the terminal. Safe to call more than once. */
void crt_done(void);
bool crt_active(void);

/* The attributes of a role in the chosen scheme. */
int crt_attr(enum crt_role role);
enum crt_scheme_id crt_scheme(void);
/* UTF-8 block glyphs when the locale's codeset is UTF-8, ASCII
 * otherwise. Decided by crt_init (after setlocale). */
const struct crt_glyphs *crt_glyphs(void);
bool crt_utf8(void);

/* Catch the signals that ask gilviz to stop (SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT): the handler only records which one. crt_init does it for the
 * UI; main does it for a headless run or a sweep. */
void crt_catch_quit_signals(void);
/* The signal that asked gilviz to stop, or 0; the frame loop and the
 * headless loops look (the flag is what report_run and sweep_run poll). */
int crt_quit_signal(void);
volatile sig_atomic_t *crt_quit_flag(void);
/* If a signal asked gilviz to stop, end it now by that signal, with its
 * default action (SIGQUIT dumps core where the limits allow): called once
 * the terminal is restored and the report and recording are written, so
 * the caller sees how gilviz ended. Returns if there was none. */
void crt_reraise(void);

#endif
