/*
 * policy.c -- the GIL policies by name, for the scenario's parser and the
 * command line, apart from the lock itself (gil.c, gil_designs.c), so
 * that what only reads names links without the lock.
 */
#include "config.h"

#include <string.h>

#include "policy.h"

static const char *const policy_names[GIL_POLICY_COUNT] = {
	[GIL_NEW] = "new",
	[GIL_LEGACY] = "legacy",
	[GIL_NONE] = "none",
	[GIL_PRIORITY] = "priority",
	[GIL_BFS] = "bfs",
	[GIL_FIFO] = "fifo",
	[GIL_RUBY] = "ruby",
};

const char *gil_policy_name(enum gil_policy policy)
{
	if ((unsigned)policy >= GIL_POLICY_COUNT)
		return "unknown";
	return policy_names[policy];
}

int gil_policy_parse(const char *name)
{
	for (int i = 0; i < GIL_POLICY_COUNT; i++)
		if (strcmp(name, policy_names[i]) == 0)
			return i;
	return -1;
}
