/*
 * util.c -- allocation, errors with a place, durations.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static GV_NORETURN void out_of_memory(size_t size)
{
	fprintf(stderr, "gilviz: out of memory (%zu bytes)\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		out_of_memory(size);
	return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	return xrealloc(p, n * size);
}

/* posix_memalign rather than aligned_alloc: it does not require size to be
 * a multiple of align, and it reports a bad alignment instead of leaving
 * it undefined. A bad alignment is a programming error, hence fatal. */
void *xaligned_alloc(size_t align, size_t size)
{
	void *p = NULL;
	int err = posix_memalign(&p, align, size ? size : 1);
	if (err == ENOMEM)
		out_of_memory(size);
	if (err)
		fatal("posix_memalign(%zu, %zu): %s", align, size, strerror(err));
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vsnprintf failed for \"%s\"", fmt);
	char *p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	fputs("gilviz: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void gv_error_set(struct gv_error *err, const char *file, int line, int col,
		  const char *fmt, ...)
{
	if (!err)
		return;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

void gv_error_format(const struct gv_error *err, char *buf, size_t len)
{
	if (err->file[0] && err->line > 0 && err->col > 0)
		snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line,
			 err->col, err->msg);
	else if (err->file[0] && err->line > 0)
		snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	else
		snprintf(buf, len, "%s", err->msg);
}

static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
};

/*
 * By hand rather than with strtod: strtod follows LC_NUMERIC, and under a
 * locale with a decimal comma "1.5ms" would quietly read as 1 ms once the
 * UI has called setlocale. Integer arithmetic also makes "0.1ms" exact.
 */
int parse_duration(const char *s, int64_t *ns, char *msg, size_t msglen)
{
	const char *p = s;
	unsigned __int128 whole = 0, frac = 0, scale = 1;
	size_t digits = 0, fdigits = 0;
	bool overflow = false;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > (unsigned __int128)INT64_MAX)
			overflow = true;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fdigits++) {
			if (fdigits < 18) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (digits + fdigits == 0) {
		snprintf(msg, msglen, "expected a duration such as 5ms, got '%s'", s);
		return -1;
	}
	if (*p == '\0') {
		snprintf(msg, msglen,
			 "duration '%s' has no unit (expected ns, us, ms or s)", s);
		return -1;
	}
	for (size_t i = 0; i < GV_ARRAY_LEN(duration_units); i++) {
		if (strcmp(p, duration_units[i].name) != 0)
			continue;
		unsigned __int128 unit = duration_units[i].ns;
		unsigned __int128 total = whole * unit + (frac * unit + scale / 2) / scale;
		if (overflow || total > (unsigned __int128)INT64_MAX) {
			snprintf(msg, msglen, "duration '%s' is too long", s);
			return -1;
		}
		*ns = (int64_t)total;
		return 0;
	}
	snprintf(msg, msglen, "unknown unit '%s' in duration '%s' (expected ns, us, ms or s)", p, s);
	return -1;
}

void format_duration_digits(int64_t ns, int digits, char *buf, size_t len)
{
	/* |ns| without negating INT64_MIN. */
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	if (a >= 1000000000)
		snprintf(buf, len, "%.*f s", digits + 1, (double)ns / 1e9);
	else if (a >= 1000000)
		snprintf(buf, len, "%.*f ms", digits, (double)ns / 1e6);
	else if (a >= 1000 && digits > 1)
		snprintf(buf, len, "%.*f us", digits - 1, (double)ns / 1e3);
	else if (a >= 1000) /* whole microseconds, rounded half up */
		snprintf(buf, len, "%s%" PRIu64 " us", ns < 0 ? "-" : "", (a + 500) / 1000);
	else
		snprintf(buf, len, "%" PRId64 " ns", ns);
}

void format_duration(int64_t ns, char *buf, size_t len)
{
	format_duration_digits(ns, 2, buf, len);
}

int64_t gv_mono_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal("clock_gettime(CLOCK_MONOTONIC) failed: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
