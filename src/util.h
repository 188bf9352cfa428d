/*
 * util.h -- allocation that never returns NULL, errors with a place, and
 * small helpers every module shares.
 */
#ifndef GILVIZ_UTIL_H
#define GILVIZ_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define GV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define GV_NORETURN __attribute__((noreturn))
#define GV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define GV_PRINTF(a, b)
#define GV_NORETURN
#define GV_UNLIKELY(x) (x)
#endif

/* Out of memory is handled once, here: a message and abort(). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
/* Memory aligned to align (a power of two, a multiple of sizeof(void *)),
 * released with free(). For structures laid out by cache line. */
void *xaligned_alloc(size_t align, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
GV_PRINTF(1, 2) char *xasprintf(const char *fmt, ...);

/* A failed lock or condition call: prints which call failed and aborts.
 * For invariants that cannot be recovered from, never for bad input. */
GV_NORETURN GV_PRINTF(1, 2) void fatal(const char *fmt, ...);

/* An error on input: where (file, line, column: 0 if unknown) and what. */
struct gv_error {
	char file[256];
	int line;
	int col;
	char msg[512];
};

GV_PRINTF(5, 6) void gv_error_set(struct gv_error *err, const char *file,
				  int line, int col, const char *fmt, ...);
/* Room for any formatted error: the file, two numbers, the message. */
#define GV_ERROR_MAX (sizeof ((struct gv_error *)0)->file + \
		      sizeof ((struct gv_error *)0)->msg + 32)
/* "file:line:col: msg", leaving out what is unknown. */
void gv_error_format(const struct gv_error *err, char *buf, size_t len);

/* Durations: "1.5ms" -> 1500000. Units ns, us, ms, s; a unit is required.
 * Returns 0 on success, -1 on error with a message in msg. */
int parse_duration(const char *s, int64_t *ns, char *msg, size_t msglen);
/* The one duration formatter: ns, us, ms or s, whichever the size asks
 * for, with digits decimals in ms (one more in s, one fewer in us; whole
 * us rounded half up). */
void format_duration_digits(int64_t ns, int digits, char *buf, size_t len);
/* The reports' form: "5.00 ms", "1.250 s", "800.0 us". */
void format_duration(int64_t ns, char *buf, size_t len);

/* The monotonic clock in ns: the one clock helper (a clock that fails is
 * fatal, as a failed lock is). */
int64_t gv_mono_ns(void);

/* The largest slow-motion factor and virtual speed (1 000 000): the
 * command line, the engine and a recording's reader all hold to it. */
#define GV_FACTOR_MAX 1e6

#define GV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
