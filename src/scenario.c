/*
 * scenario.c -- the scenario model: op kinds by name, the work a
 * script does, reading a file, and freeing what the parser built.
 *
 * Ownership is flat on purpose: every array of ops the parser allocates
 * (a thread's script, a repeat's body) is one entry of scenario.blocks, and
 * the ops and threads only point into them. Freeing walks that list once,
 * so replicated threads that share a script never free it twice.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"

int op_kind_parse(const char *name, size_t len)
{
	for (int k = 0; k < OP_KIND_COUNT; k++) {
		const char *n = op_kind_name((enum op_kind)k);
		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return k;
	}
	return -1;
}

static int64_t add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t mul_sat(int64_t a, uint64_t n)
{
	if (a == 0 || n == 0)
		return 0;
	if ((uint64_t)a > (uint64_t)INT64_MAX / n)
		return INT64_MAX;
	return a * (int64_t)n;
}

/* -1 (a forever that does this kind of work) is absorbing: a repeat of it,
 * or anything next to it, still never ends. */
int64_t scenario_ops_total_ns(const struct op *ops, size_t n, enum op_kind kind)
{
	if (kind == OP_REPEAT || kind == OP_FOREVER || kind == OP_WITH)
		return 0;
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct op *op = &ops[i];
		int64_t part;
		if (op->kind == OP_FOREVER) {
			if (scenario_ops_contain(op->body, op->nbody, kind))
				return -1;
			part = 0;
		} else if (op->kind == OP_REPEAT || op->kind == OP_WITH) {
			int64_t body = scenario_ops_total_ns(op->body, op->nbody, kind);
			if (body < 0)
				return -1;
			part = mul_sat(body, op->kind == OP_WITH ? 1 : op->count);
		} else {
			part = op->kind == kind ? op->ns : 0;
		}
		total = add_sat(total, part);
	}
	return total;
}

int scenario_ops_contain(const struct op *ops, size_t n, enum op_kind kind)
{
	for (size_t i = 0; i < n; i++) {
		if (ops[i].kind == kind)
			return 1;
		if (ops[i].body && scenario_ops_contain(ops[i].body, ops[i].nbody, kind))
			return 1;
	}
	return 0;
}

int64_t scenario_thread_total_ns(const struct sc_thread *t, enum op_kind kind)
{
	if (!t->ntasks)
		return scenario_ops_total_ns(t->ops, t->nops, kind);
	int64_t total = 0;
	for (size_t i = 0; i < t->ntasks; i++) {
		int64_t part = scenario_ops_total_ns(t->tasks[i].ops, t->tasks[i].nops, kind);
		if (part < 0)
			return -1;
		total = add_sat(total, part);
	}
	return total;
}

int scenario_thread_contains(const struct sc_thread *t, enum op_kind kind)
{
	if (!t->ntasks)
		return scenario_ops_contain(t->ops, t->nops, kind);
	for (size_t i = 0; i < t->ntasks; i++)
		if (scenario_ops_contain(t->tasks[i].ops, t->tasks[i].nops, kind))
			return 1;
	return 0;
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->file);
	free(sc->text);
	free(sc->title);
	free(sc->note);
	for (size_t i = 0; i < sc->nprocs; i++)
		free(sc->procs[i].name);
	free(sc->procs);
	for (size_t i = 0; i < sc->nthreads; i++) {
		free(sc->threads[i].name);
		for (size_t k = 0; k < sc->threads[i].ntasks; k++)
			free(sc->threads[i].tasks[k].name);
		free(sc->threads[i].tasks);
	}
	free(sc->threads);
	for (size_t i = 0; i < sc->nqueues; i++)
		free(sc->queues[i].name);
	free(sc->queues);
	for (size_t i = 0; i < sc->nobjects; i++)
		free(sc->objects[i]);
	free(sc->objects);
	for (size_t i = 0; i < sc->nmodules; i++)
		free(sc->modules[i]);
	free(sc->modules);
	for (size_t i = 0; i < sc->nblocks; i++)
		free(sc->blocks[i]);
	free(sc->blocks);
	free(sc);
}

/* Reads at most SCENARIO_MAX_FILE_SIZE + 1 bytes whatever the file claims
 * to be, so that /dev/zero or a pipe that never ends is refused, not read
 * forever. */
struct scenario *scenario_load(const char *path, struct gv_error *err)
{
	/* Opened without blocking: a FIFO would wait for a writer for ever
	 * (--check hung on one). Only a regular file is a scenario. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		gv_error_set(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		gv_error_set(err, path, 0, 0, "cannot stat: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		gv_error_set(err, path, 0, 0, S_ISDIR(st.st_mode)
			     ? "is a directory (expected a scenario file)"
			     : "is not a regular file (expected a scenario file)");
		close(fd);
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > SCENARIO_MAX_FILE_SIZE)
				break;
			cap *= 2;
			if (cap > (size_t)SCENARIO_MAX_FILE_SIZE + 1)
				cap = (size_t)SCENARIO_MAX_FILE_SIZE + 1;
			buf = xrealloc(buf, cap);
		}
		ssize_t got = read(fd, buf + len, cap - len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			gv_error_set(err, path, 0, 0, "cannot read: %s",
				     strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len > SCENARIO_MAX_FILE_SIZE) {
		gv_error_set(err, path, 0, 0,
			     "file is larger than the limit of %d bytes",
			     SCENARIO_MAX_FILE_SIZE);
		free(buf);
		return NULL;
	}
	if (len == 0) {
		gv_error_set(err, path, 0, 0, "file is empty");
		free(buf);
		return NULL;
	}
	struct scenario *sc = scenario_parse(buf, len, path, err);
	free(buf);
	return sc;
}
