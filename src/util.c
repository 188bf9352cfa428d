/*
 * util.c -- allocation, errors with a place, durations.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

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
	if (*p == '\0' && whole == 0 && frac == 0) {
		*ns = 0; /* zero is zero in any unit */
		return 0;
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

int parse_interval(const char *s, int64_t *ns, char *msg, size_t msglen)
{
	if (parse_duration(s, ns, msg, msglen) != 0)
		return -1;
	if (*ns <= 0) {
		snprintf(msg, msglen, "must be greater than 0, got '%s'", s);
		return -1;
	}
	return 0;
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

/* ---- output files ----------------------------------------------------- */

FILE *outfile_open(const char *path, const char *what, char **tmp, struct gv_error *err)
{
	*tmp = NULL;
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		/* A pipe or a device (/dev/stdout): nothing there to destroy,
		 * and nothing to rename; written directly. */
		FILE *f = fopen(path, "wb");
		if (!f)
			gv_error_set(err, path, 0, 0, "cannot open %s: %s", what, strerror(errno));
		return f;
	}
	for (int n = 1; n <= 100; n++) {
		char *name = n == 1 ? xasprintf("%s.part", path) : xasprintf("%s.part.%d", path, n);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0) {
			FILE *f = fdopen(fd, "wb");
			if (!f)
				fatal("fdopen failed: %s", strerror(errno));
			*tmp = name;
			return f;
		}
		int e = errno;
		free(name);
		if (e != EEXIST) {
			gv_error_set(err, path, 0, 0, "cannot create %s: %s", what, strerror(e));
			return NULL;
		}
	}
	gv_error_set(err, path, 0, 0,
		     "cannot create %s: %s.part and 99 more such names exist "
		     "(left by runs that were killed?)", what, path);
	return NULL;
}

int outfile_commit(FILE *f, const char *tmp, const char *path, const char *what,
		   struct gv_error *err)
{
	bool bad = ferror(f) != 0;
	errno = 0;
	if (fclose(f) != 0 || bad) {
		gv_error_set(err, path, 0, 0, "cannot write %s: %s", what,
			     errno ? strerror(errno) : "write error");
		unlink(tmp);
		return -1;
	}
	if (tmp && rename(tmp, path) != 0) {
		gv_error_set(err, path, 0, 0, "cannot rename %s to %s: %s", tmp, what,
			     strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void outfile_discard(FILE *f, const char *tmp)
{
	if (f)
		fclose(f);
	if (tmp)
		unlink(tmp);
}

/* path with its directory resolved; the last part as written. NULL if
 * the directory does not resolve. */
static char *resolved(const char *path)
{
	char *a = xstrdup(path), *b = xstrdup(path);
	char dir[PATH_MAX];
	char *out = NULL;
	if (realpath(dirname(a), dir))
		out = xasprintf("%s/%s", dir, basename(b));
	free(a);
	free(b);
	return out;
}

bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if (ea && eb)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (ea != eb)
		return false;
	char *ra = resolved(a), *rb = resolved(b);
	bool same = ra && rb && !strcmp(ra, rb);
	free(ra);
	free(rb);
	return same;
}

/* ---- text from files -------------------------------------------------- */

int utf8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;
	uint32_t c, min;
	if (p[0] < 0x80) {
		*cp = p[0];
		return p[0] ? 1 : 0;
	} else if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2, c = p[0] & 0x1F, min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3, c = p[0] & 0x0F, min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool text_is_bidi(uint32_t c)
{
	return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* What at p must be escaped: 0 if nothing (len set to the sequence's). */
static bool must_escape(const char *p, int *len, uint32_t *cp)
{
	*len = utf8_decode(p, cp);
	if (*len == 0) {
		*len = 1;
		*cp = (unsigned char)*p;
		return true;
	}
	return *cp < 0x20 || (*cp >= 0x7F && *cp < 0xA0) || text_is_bidi(*cp);
}

const char *text_printable(const char *s, char **buf)
{
	const char *p = s;
	int len;
	uint32_t cp;
	while (*p && !must_escape(p, &len, &cp))
		p += len;
	if (!*p)
		return s;
	free(*buf);
	size_t cap = strlen(s) * 9 + 1, n = (size_t)(p - s);
	char *out = xmalloc(cap);
	memcpy(out, s, n);
	while (*p) {
		if (must_escape(p, &len, &cp)) {
			if (cp < 0x100)
				n += (size_t)snprintf(out + n, cap - n, "\\x%02x", (unsigned)cp);
			else
				n += (size_t)snprintf(out + n, cap - n, "\\u{%04x}", (unsigned)cp);
		} else {
			memcpy(out + n, p, (size_t)len);
			n += (size_t)len;
		}
		p += len;
	}
	out[n] = '\0';
	*buf = out;
	return out;
}

void json_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s; *p;) {
		uint32_t cp;
		int len = utf8_decode(p, &cp);
		if (len == 0) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp < 0x20 || cp == 0x7F)
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fwrite(p, 1, (size_t)len, f);
		p += len;
	}
	fputc('"', f);
}

int64_t gv_mono_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal("clock_gettime(CLOCK_MONOTONIC) failed: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void gv_speed_name(double speed, char *buf, size_t len)
{
	/* Below 1, a whole fraction reads better than a decimal. */
	double inv = speed > 0 ? 1.0 / speed : 0;
	if (speed > 0 && speed < 1 && fabs(inv - round(inv)) < 1e-6 * inv)
		snprintf(buf, len, "1/%.0f", inv);
	else
		snprintf(buf, len, "%g", speed);
}
