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
	ACT_HOME,          /* the start (a live run: the oldest kept time) */
	ACT_END,           /* the end (a live run: now) */
	ACT_PAGE_UP,       /* a whole window back in time */
	ACT_PAGE_DOWN,     /* a whole window forward */
	ACT_SELECT_UP,     /* select the thread above */
	ACT_SELECT_DOWN,   /* select the thread below */
	ACT_UNSELECT,      /* no thread selected */
	ACT_SET_INTERVAL,  /* type a switch interval */
	ACT_CLICK,         /* the mouse: select a row, put the cursor at a time */
	ACT_JUMP,          /* to a time typed on the status line */
	ACT_NOTE,          /* the scenario's note in full, or on one line */
	ACT_TIME,          /* restart in the other time mode */
	ACT_FIT,           /* the whole run on the screen */
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
	KEYS_UP,
	KEYS_DOWN,
	KEYS_PAGE_UP,
	KEYS_PAGE_DOWN,
	KEYS_MOUSE,
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

/* The order the g key takes the GIL policies in, from any of them to
 * the next (and from the last back to the first); the help says it. */
extern const int keys_policy_order[];
/* The policy after p in that order. */
int keys_next_policy(int p);

/* The table, in the order the help shows it. */
const struct key_binding *keys_table(size_t *n);
/* The action of a key code, or ACT_NONE. */
enum ui_action keys_action(int key);
/* The binding of an action (NULL for ACT_NONE). */
const struct key_binding *keys_binding(enum ui_action action);

#endif
