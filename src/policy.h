/*
 * policy.h -- the GIL policies by name and their settings' defaults, for
 * the scenario model and the command line, without the lock itself
 * (gil.h and gil_designs.c, which implement them).
 */
#ifndef GILVIZ_POLICY_H
#define GILVIZ_POLICY_H

enum gil_policy {
	GIL_NEW = 0,
	GIL_LEGACY,
	GIL_NONE,
	GIL_PRIORITY,
	GIL_BFS,
	GIL_FIFO,
	GIL_RUBY,
	GIL_POLICY_COUNT
};
/* The names, in the enum's order, for messages. */
#define GIL_POLICY_NAMES "new, legacy, none, priority, bfs, fifo or ruby"

#define GIL_DEFAULT_INTERVAL_NS 5000000   /* sys.getswitchinterval() = 0.005 */
#define GIL_DEFAULT_CHECKINTERVAL 100     /* sys.getcheckinterval() in 2.x */

const char *gil_policy_name(enum gil_policy policy);
/* Parses a policy's name (GIL_POLICY_NAMES); -1 if it is none of them. */
int gil_policy_parse(const char *name);

#endif
