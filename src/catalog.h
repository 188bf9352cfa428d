/*
 * catalog.h -- the bundled scenarios that n and p step through: the
 * *.gil files of the first directory that has any, sorted by name.
 */
#ifndef GILVIZ_CATALOG_H
#define GILVIZ_CATALOG_H

#include <stddef.h>

struct catalog {
	char **paths;
	size_t n;
	const char *dir; /* the directory they came from, or NULL */
};

/* Look in dirs (ndirs of them, NULL entries skipped) in order. Returns
 * the number found; 0 leaves an empty catalog. */
size_t catalog_scan(struct catalog *c, const char *const *dirs, size_t ndirs);
void catalog_free(struct catalog *c);
/* The index of the entry with the same file name as path, or -1. */
int catalog_find(const struct catalog *c, const char *path);
/* The entry a user means by name: the file name ("04-convoy.gil"), it
 * without ".gil" ("04-convoy"), or that without its lesson number
 * ("convoy"). -1 if none. */
int catalog_lookup(const struct catalog *c, const char *name);
/* The short name of entry i: its file name without ".gil" (into buf). */
const char *catalog_name(const struct catalog *c, size_t i, char *buf, size_t len);

/* The index step entries away from i (wrapping; i = -1 counts as before
 * the first), or -1 if the catalog is empty. */
int catalog_step(const struct catalog *c, int i, int step);

#endif
