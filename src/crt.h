/*
 * crt.h -- the terminal (htop's CRT.c habit): curses start-up and
 * shutdown, colour as a scheme of roles, the glyphs of the locale, and
 * the signal handling that restores the terminal before gilviz leaves,
 * whichever way it leaves. The only file besides ui.c that knows curses.
 */
#ifndef GILVIZ_CRT_H
#define GILVIZ_CRT_H

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
	const char *drop_request;
	const char *forced_drop;
	const char *interval;
	const char *hline;
	const char *tick;
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

/* The signal (SIGINT, SIGTERM, SIGHUP) that asked gilviz to stop, or 0.
 * The handlers only record it; the frame loop looks. */
int crt_quit_signal(void);

#endif
