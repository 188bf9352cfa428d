/*
 * catalog.c -- finding the bundled scenarios. The installed ones live in
 * $(pkgdatadir)/scenarios; a build tree has them in the source tree's
 * scenarios/. The first directory holding any wins, so an installed
 * gilviz never mixes in a stale checkout.
 */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "util.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_scenario(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && name[0] != '.' && !strcmp(name + n - 4, ".gil");
}

size_t catalog_scan(struct catalog *c, const char *const *dirs, size_t ndirs)
{
	memset(c, 0, sizeof *c);
	for (size_t d = 0; d < ndirs && c->n == 0; d++) {
		if (!dirs[d])
			continue;
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		size_t cap = 0;
		struct dirent *de;
		while ((de = readdir(dir)) != NULL) {
			if (!is_scenario(de->d_name))
				continue;
			if (c->n == cap) {
				cap = cap ? cap * 2 : 16;
				c->paths = xreallocarray(c->paths, cap, sizeof *c->paths);
			}
			c->paths[c->n++] = xasprintf("%s/%s", dirs[d], de->d_name);
		}
		closedir(dir);
		if (c->n) {
			qsort(c->paths, c->n, sizeof *c->paths, by_name);
			c->dir = dirs[d];
		}
	}
	return c->n;
}

void catalog_free(struct catalog *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->paths[i]);
	free(c->paths);
	memset(c, 0, sizeof *c);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int catalog_find(const struct catalog *c, const char *path)
{
	if (!path)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(base(c->paths[i]), base(path)))
			return (int)i;
	return -1;
}

const char *catalog_name(const struct catalog *c, size_t i, char *buf, size_t len)
{
	const char *b = base(c->paths[i]);
	size_t n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".gil"))
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, b);
	return buf;
}

/* "04-convoy" -> "convoy": the digits and the dash of a lesson number. */
static const char *unnumbered(const char *name)
{
	const char *p = name;
	while (*p >= '0' && *p <= '9')
		p++;
	return p != name && *p == '-' ? p + 1 : name;
}

int catalog_lookup(const struct catalog *c, const char *name)
{
	char buf[256];
	for (size_t i = 0; i < c->n; i++) {
		const char *full = catalog_name(c, i, buf, sizeof buf);
		if (!strcmp(base(c->paths[i]), name) || !strcmp(full, name) ||
		    !strcmp(unnumbered(full), name))
			return (int)i;
	}
	return -1;
}

int catalog_step(const struct catalog *c, int i, int step)
{
	if (c->n == 0)
		return -1;
	long n = (long)c->n;
	long j;
	if (i < 0)
		j = step > 0 ? step - 1 : n + step;
	else
		j = i + step;
	j %= n;
	if (j < 0)
		j += n;
	return (int)j;
}
