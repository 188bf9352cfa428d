/*
 * keys.c -- the key table. Adding a key means adding a row here; the
 * lookup and the help overlay follow from it.
 */
#include "config.h"

#include "keys.h"
#include "policy.h"
#include "util.h"

/* Today's GIL first, then the designs proposed for it (fifo and bfs,
 * which lesson 16 compares, priority and Ruby's), no GIL, and the
 * Python 2 one, which comes back round to today's: lesson 11's note
 * promises g goes from legacy to new, lesson 10's from none to a GIL. */
const int keys_policy_order[GIL_POLICY_COUNT] = {
	GIL_NEW, GIL_FIFO, GIL_BFS, GIL_PRIORITY, GIL_RUBY, GIL_NONE, GIL_LEGACY,
};

int keys_next_policy(int p)
{
	for (int i = 0; i < GIL_POLICY_COUNT; i++)
		if (keys_policy_order[i] == p)
			return keys_policy_order[(i + 1) % GIL_POLICY_COUNT];
	return GIL_NEW;
}

/* The help is two columns of 37 at 80x24: a label is at most 5
 * characters and a line of help at most 29. */
static const struct key_binding bindings[] = {
	{ ACT_INTERVAL_UP, { '+', '=' }, "+", "double the switch interval", "+/- interval", 0, KS_LIVE },
	{ ACT_INTERVAL_DOWN, { '-', '_' }, "-", "halve the switch interval", NULL, 0, KS_LIVE },
	{ ACT_SET_INTERVAL, { 'i' }, "i", "type an interval (2.5ms)", "i set", 0, KS_LIVE },
	{ ACT_PAUSE, { ' ' }, "space", "pause / resume", "space pause", 0, KS_ANY },
	{ ACT_SELECT_UP, { KEYS_UP }, "Up", "select the thread above", "Up/Down select", 0, KS_ANY },
	{ ACT_SELECT_DOWN, { KEYS_DOWN }, "Down", "select the thread below", NULL, 0, KS_ANY },
	{ ACT_UNSELECT, { KEYS_ESC }, "Esc", "select no thread", NULL, 0, KS_ANY },
	{ ACT_CLICK, { KEYS_MOUSE }, "click", "select a row, or a time", NULL, 0, KS_ANY },
	{ ACT_BACK, { KEYS_LEFT }, "Left", "paused: scroll back", "Left/Right scroll", 1, KS_ANY },
	{ ACT_FORWARD, { KEYS_RIGHT }, "Right", "paused: scroll forward", NULL, 1, KS_ANY },
	{ ACT_PAGE_UP, { KEYS_PAGE_UP }, "PgUp", "a window back (pauses)", NULL, 0, KS_ANY },
	{ ACT_PAGE_DOWN, { KEYS_PAGE_DOWN }, "PgDn", "a window forward", NULL, 0, KS_ANY },
	{ ACT_HOME, { KEYS_HOME }, "Home", "the oldest kept time", "Home/End", 0, KS_ANY },
	{ ACT_END, { KEYS_END }, "End", "now (a replay: its end)", NULL, 0, KS_ANY },
	{ ACT_STEP, { '.' }, ".", "paused: next event", ". , step", 1, KS_ANY },
	{ ACT_STEP_BACK, { ',' }, ",", "paused: previous event", NULL, 1, KS_ANY },
	{ ACT_ZOOM_IN, { 'z' }, "z", "zoom in", "z/Z zoom", 0, KS_ANY },
	{ ACT_ZOOM_OUT, { 'Z' }, "Z", "zoom out", NULL, 0, KS_ANY },
	{ ACT_POLICY, { 'g' }, "g", "the next GIL (order below)", "g GIL", 0, KS_LIVE },
	{ ACT_RESTART, { 'r' }, "r", "restart the scenario", "r restart", 0, KS_LIVE },
	{ ACT_NEXT_SCENARIO, { 'n' }, "n", "next lesson", "n/p lesson", 0, KS_LIVE },
	{ ACT_PREV_SCENARIO, { 'p' }, "p", "previous lesson", NULL, 0, KS_LIVE },
	{ ACT_TIME, { 't' }, "t", "virtual/real time; restarts", "t clock", 0, KS_LIVE },
	{ ACT_SLOWER, { '[', '<' }, "[ <", "slower (virtual or replay)", "[/] speed", 0, KS_ANY },
	{ ACT_FASTER, { ']', '>' }, "] >", "faster (virtual or replay)", NULL, 0, KS_ANY },
	{ ACT_FIT, { 'f' }, "f", "fit the whole run", "f fit", 0, KS_ANY },
	{ ACT_JUMP, { 'j' }, "j", "jump to a time (2.5s)", "j jump", 0, KS_ANY },
	{ ACT_NOTE, { 'N' }, "N", "the lesson's note in full", "N note", 0, KS_ANY },
	{ ACT_HELP, { '?', 'h' }, "?", "this help", "? help", 0, KS_ANY },
	{ ACT_QUIT, { 'q', 'Q', KEYS_CTRL_C }, "q ^C", "quit", "q quit", 0, KS_ANY },
};

const struct key_binding *keys_table(size_t *n)
{
	*n = GV_ARRAY_LEN(bindings);
	return bindings;
}

enum ui_action keys_action(int key)
{
	if (key == 0)
		return ACT_NONE;
	for (size_t i = 0; i < GV_ARRAY_LEN(bindings); i++)
		for (int k = 0; k < KEYS_PER_BINDING && bindings[i].keys[k]; k++)
			if (bindings[i].keys[k] == key)
				return bindings[i].action;
	return ACT_NONE;
}

const struct key_binding *keys_binding(enum ui_action action)
{
	for (size_t i = 0; i < GV_ARRAY_LEN(bindings); i++)
		if (bindings[i].action == action)
			return &bindings[i];
	return NULL;
}
