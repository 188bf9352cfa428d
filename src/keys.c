/*
 * keys.c -- the key table. Adding a key means adding a row here; the
 * lookup and the help overlay follow from it.
 */
#include "config.h"

#include "keys.h"
#include "util.h"

static const struct key_binding bindings[] = {
	{ ACT_INTERVAL_UP, { '+', '=' }, "+", "double the switch interval (sys.setswitchinterval)", "+/- interval", 0, KS_LIVE },
	{ ACT_INTERVAL_DOWN, { '-', '_' }, "-", "halve the switch interval", NULL, 0, KS_LIVE },
	{ ACT_PAUSE, { ' ' }, "space", "pause / resume", "space pause", 0, KS_ANY },
	{ ACT_BACK, { KEYS_LEFT }, "left", "paused: scroll back in time", "left/right scroll", 1, KS_ANY },
	{ ACT_FORWARD, { KEYS_RIGHT }, "right", "paused: scroll forward in time", NULL, 1, KS_ANY },
	{ ACT_STEP, { '.' }, ".", "paused: step one event forward", ". , step", 1, KS_ANY },
	{ ACT_STEP_BACK, { ',' }, ",", "paused: step one event back", NULL, 1, KS_ANY },
	{ ACT_ZOOM_IN, { 'z' }, "z", "zoom in: less time a column", "z/Z zoom", 0, KS_ANY },
	{ ACT_ZOOM_OUT, { 'Z' }, "Z", "zoom out: more time a column", NULL, 0, KS_ANY },
	{ ACT_POLICY, { 'g' }, "g", "next GIL policy, in --gil's order (new ... ruby); restarts", "g GIL", 0, KS_LIVE },
	{ ACT_RESTART, { 'r' }, "r", "restart the scenario", "r restart", 0, KS_LIVE },
	{ ACT_NEXT_SCENARIO, { 'n' }, "n", "next bundled scenario", "n/p scenario", 0, KS_LIVE },
	{ ACT_PREV_SCENARIO, { 'p' }, "p", "previous bundled scenario", NULL, 0, KS_LIVE },
	{ ACT_SLOWER, { '[', '<' }, "[ <", "slower: virtual time (to 1/1000x), a replay (to 1/4x)", "[/] speed", 0, KS_ANY },
	{ ACT_FASTER, { ']', '>' }, "] >", "faster: virtual time (to 100x), a replay (to 16x)", NULL, 0, KS_ANY },
	{ ACT_TIME, { 't' }, "t", "switch between virtual and real time; restarts", "t clock", 0, KS_LIVE },
	{ ACT_HOME, { KEYS_HOME }, "Home", "to the start (a replay plays from there)", "Home/End", 0, KS_ANY },
	{ ACT_END, { KEYS_END }, "End", "to the end", NULL, 0, KS_ANY },
	{ ACT_PAGE_BACK, { KEYS_PGUP }, "PgUp", "paused or ended: a whole screen back", "PgUp/PgDn", 1, KS_ANY },
	{ ACT_PAGE_FORWARD, { KEYS_PGDN }, "PgDn", "paused or ended: a whole screen forward", NULL, 1, KS_ANY },
	{ ACT_FIT, { 'f' }, "f", "fit: the whole run on the screen", "f fit", 0, KS_ANY },
	{ ACT_JUMP, { 'j' }, "j", "jump to a time (type 2.5s, Enter); a live run: paused or ended", "j jump", 0, KS_ANY },
	{ ACT_HELP, { '?', 'h' }, "?", "this help (any key closes it)", "? help", 0, KS_ANY },
	{ ACT_QUIT, { 'q', 'Q', KEYS_CTRL_C }, "q, Ctrl-C", "quit", "q quit", 0, KS_ANY },
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
