/*
 * keys.h -- what each key does, as a table (htop's Action.c habit): key
 * codes, an action, a label and a line of help. The UI looks keys up here
 * and draws its `?` overlay from the same table, so the help cannot lie.
 * No curses here: special keys have codes of their own that the UI maps
 * its terminal's keys to.
 */
#ifndef GILVIZ_KEYS_H
#define GILVIZ_KEYS_H

#include <stddef.h>

enum ui_action {
	ACT_NONE = 0,
	ACT_INTERVAL_UP,   /* double the switch interval */
	ACT_INTERVAL_DOWN, /* halve it */
	ACT_PAUSE,         /* pause or resume */
	ACT_BACK,          /* paused: scroll back in time */
	ACT_FORWARD,       /* paused: scroll forward */
	ACT_STEP,          /* paused: one event forward */
	ACT_STEP_BACK,     /* paused: one event back */
	ACT_ZOOM_IN,
	ACT_ZOOM_OUT,
	ACT_POLICY,        /* next GIL policy, restarting the scenario */
	ACT_RESTART,
	ACT_NEXT_SCENARIO,
	ACT_PREV_SCENARIO,
	ACT_SLOWER,        /* slower: a replay, or a virtual run's pace */
	ACT_FASTER,        /* faster */
	ACT_HOME,          /* to the start: a replay seeks, an ended run scrolls */
	ACT_END,           /* to the end */
	ACT_JUMP,          /* replay: to a time typed on the status line */
	ACT_TIME,          /* restart in the other time mode */
	ACT_FIT,           /* the whole run on the screen */
	ACT_PAGE_BACK,     /* paused or ended: a whole window back */
	ACT_PAGE_FORWARD,
	ACT_HELP,
	ACT_QUIT,
	ACT_COUNT
};

/* Codes of the keys that are not characters. */
enum {
	KEYS_LEFT = 0x110000,
	KEYS_RIGHT,
	KEYS_HOME,
	KEYS_END,
	KEYS_PGUP,
	KEYS_PGDN,
	KEYS_ENTER = '\n',
	KEYS_BACKSPACE = 0x110010,
	KEYS_CTRL_C = 3,
	KEYS_ESC = 27,
};

#define KEYS_PER_BINDING 3

/* Where a key means something: anywhere, only in a live run (it changes
 * the run, which a recording cannot), or only in a replay. */
enum key_scope { KS_ANY = 0, KS_LIVE, KS_REPLAY };

struct key_binding {
	enum ui_action action;
	int keys[KEYS_PER_BINDING]; /* 0 ends the list */
	const char *label;          /* how the help names the keys */
	const char *help;           /* what it does, in a line */
	const char *hint;           /* its keys and word on the status line, or NULL */
	int paused_only;            /* does something only while paused */
	enum key_scope scope;
};

/* The table, in the order the help shows it. */
const struct key_binding *keys_table(size_t *n);
/* The action of a key code, or ACT_NONE. */
enum ui_action keys_action(int key);
/* The binding of an action (NULL for ACT_NONE). */
const struct key_binding *keys_binding(enum ui_action action);

#endif
