/*
 * util.h -- allocation that never returns NULL, errors with a place, and
 * small helpers every module shares.
 */
#ifndef GILVIZ_UTIL_H
#define GILVIZ_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Durations: "1.5ms" -> 1500000. Units ns, us, ms, s; a unit is required
 * but for zero ("0" is 0 in any unit). Returns 0 on success, -1 on error
 * with a message in msg. */
int parse_duration(const char *s, int64_t *ns, char *msg, size_t msglen);
/* A switch interval, as --interval and the UI's i key take it: a
 * duration greater than 0 (CPython's sys.setswitchinterval refuses 0). */
int parse_interval(const char *s, int64_t *ns, char *msg, size_t msglen);
/* The one duration formatter: ns, us, ms or s, whichever the size asks
 * for, with digits decimals in ms (one more in s, one fewer in us; whole
 * us rounded half up). */
void format_duration_digits(int64_t ns, int digits, char *buf, size_t len);
/* The reports' form: "5.00 ms", "1.250 s", "800.0 us". */
void format_duration(int64_t ns, char *buf, size_t len);
/* A pace in words: "1/20" for a twentieth, "0.3", "1", "16". */
void gv_speed_name(double speed, char *buf, size_t len);

/*
 * Output files that never destroy what their name held: the data goes to
 * a temporary file beside it (PATH.part, or PATH.part.N if that exists,
 * created, never truncated), renamed onto PATH only when complete. A run
 * that fails discards it; a killed run leaves it, readable, under that
 * name. outfile_open returns the stream and sets *tmp (to free); NULL and
 * err on failure. what ("the recording") is for the messages. A path that
 * is a pipe or a device is written directly (*tmp NULL).
 */
FILE *outfile_open(const char *path, const char *what, char **tmp, struct gv_error *err);
/* Close f and rename tmp onto path; -1 and err (tmp removed) on failure. */
int outfile_commit(FILE *f, const char *tmp, const char *path, const char *what,
		   struct gv_error *err);
/* Close f and remove tmp. */
void outfile_discard(FILE *f, const char *tmp);

/* Whether two paths name the same file: the same device and inode where
 * both exist, else the same resolved path (for a file not yet created). */
bool same_file(const char *a, const char *b);

/* ---- text from files ---- */

/* The length (1 to 4) of the UTF-8 sequence at p and its code point in
 * *cp; 0 if p does not start a valid, shortest-form sequence (or is at
 * the terminating NUL). */
int utf8_decode(const char *p, uint32_t *cp);
/* Bidirectional formatting characters (overrides, embeddings, isolates,
 * marks): they reorder what follows them on a terminal. */
bool text_is_bidi(uint32_t cp);
/* s as a terminal can show it without being driven by it: control
 * characters (C0, DEL, C1) and bytes that are not UTF-8
 * as \xNN, bidirectional formatting characters as \u{NNNN}; the rest as
 * it is. Returns s itself when nothing needs escaping, else a string
 * kept in *buf (freed and replaced on the next call; free it at the end). */
const char *text_printable(const char *s, char **buf);
/* s as a JSON string, quotes included: quotes, backslashes and control
 * characters escaped, bytes that are not UTF-8 as U+FFFD. */
void json_put_string(FILE *f, const char *s);

/* The monotonic clock in ns: the one clock helper (a clock that fails is
 * fatal, as a failed lock is). */
int64_t gv_mono_ns(void);

/* The largest slow-motion factor and virtual speed (1 000 000): the
 * command line, the engine and a recording's reader all hold to it. */
#define GV_FACTOR_MAX 1e6

#define GV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
