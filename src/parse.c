/*
 * parse.c -- the scenario file format: a tokenizer and a recursive-descent
 * parser that builds a struct scenario (see gilviz-scenario(5)).
 *
 * The tokenizer cuts the text into words (names, numbers, durations,
 * keywords), strings, and the punctuation { } * ; . Newlines are not
 * tokens, but a keyword's arguments must sit on its own line: the parser
 * compares line numbers, and says "got end of line" when they differ. A
 * block's '{' may open on the next line.
 *
 * The first error wins: every function returns -1 as soon as err is
 * filled, and nothing after it is read. Whatever was built so far is owned
 * by the scenario (or by the local vector being filled) and freed on the
 * way out. All the state lives in struct parser; nothing is global.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

enum tok_type { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_STAR, T_SEMI };

struct token {
	enum tok_type type;
	const char *p; /* the raw text in the source */
	size_t len;    /* raw length (a string's quotes and escapes included) */
	int line, col;
};

/* A set of the final names given so far, with where each was defined:
 * open addressing, so that a file with thousands of threads is checked in
 * linear time. */
struct name_ent {
	char *name;
	int line, col;
};

struct name_set {
	struct name_ent *v;
	size_t cap, n;
};

/* A thread definition inside a process block, kept until the block closes
 * and the process's copies are made. */
struct thread_def {
	char *name;
	uint64_t copies;
	bool replicated;
	int64_t start_ns;
	struct op *ops;
	size_t nops;
	struct sc_task *tasks; /* a loop's tasks, copied into each copy */
	size_t ntasks;
};

enum directive {
	D_TITLE, D_NOTE, D_GIL, D_INTERVAL, D_CHECKINTERVAL, D_DURATION, D_CORES,
	D_TIME, D_SPEED, D_SLOWDOWN, D_STARTUP,
	D_COUNT
};

static const char *const directive_names[D_COUNT] = {
	"title", "note", "gil", "interval", "checkinterval", "duration", "cores",
	"time", "speed", "slowdown", "startup",
};

#define MAX_OPEN (SCENARIO_MAX_DEPTH + 4) /* process, thread, repeats */
#define MAIN_PROCESS ((unsigned)-1) /* threads outside a process, until the end */

/* Where a queue or an object was declared, for the error of a second one. */
struct decl_at {
	int line, col;
};

struct parser {
	const char *src;
	size_t len, off;
	int line, col;
	const char *file;
	struct gv_error *err;

	struct token tok;   /* the current token */
	int prev_line;      /* where the token before it ended */
	int prev_end_col;
	char *str;          /* the current string token's value */
	size_t str_len, str_cap;

	struct scenario *sc;
	size_t threads_cap, procs_cap, blocks_cap;
	size_t nops;        /* ops written so far, for SCENARIO_MAX_OPS */
	size_t nthreads_planned; /* threads counted, copies included */
	bool have_main;     /* a thread written outside any process */
	struct { int line, col; } open[MAX_OPEN]; /* '{' still open */
	int nopen;
	struct { int line, col; } seen[D_COUNT];  /* directives, line 0: unset */
	struct name_set thread_names, proc_names;
	bool in_task;       /* inside a loop's task: 'await' is allowed */
	size_t queues_cap;
	struct decl_at queue_at[SCENARIO_MAX_QUEUES];
	struct decl_at object_at[SCENARIO_MAX_OBJECTS];
	struct { int line, col; } gc_every_at; /* line 0: unset */
	/* The 'with' blocks open around the op being read, innermost last. */
	struct { unsigned object; int line, col; } with_open[SCENARIO_MAX_DEPTH + 1];
	int nwith;
};

static const char ops_expected[] =
	"cpu, spin, io, sleep, native, native_hold, gc, put, get, await, import_unsafe, repeat, forever, with";

GV_PRINTF(4, 5)
static int fail(struct parser *p, int line, int col, const char *fmt, ...)
{
	char msg[sizeof p->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	gv_error_set(p->err, p->file, line, col, "%s", msg);
	return -1;
}

/* ---------------------------------------------------------------- */
/* Names                                                            */
/* ---------------------------------------------------------------- */

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct name_ent *name_slot(struct name_set *set, const char *name)
{
	size_t mask = set->cap - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		if (!set->v[i].name || strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	}
}

static const struct name_ent *name_find(struct name_set *set, const char *name)
{
	if (!set->cap)
		return NULL;
	struct name_ent *e = name_slot(set, name);
	return e->name ? e : NULL;
}

/* Takes ownership of name, which must not be in the set yet. */
static void name_add(struct name_set *set, char *name, int line, int col)
{
	if ((set->n + 1) * 2 > set->cap) {
		struct name_set bigger = { NULL, set->cap ? set->cap * 2 : 64, set->n };
		bigger.v = xcalloc(bigger.cap, sizeof *bigger.v);
		for (size_t i = 0; i < set->cap; i++) {
			if (set->v[i].name)
				*name_slot(&bigger, set->v[i].name) = set->v[i];
		}
		free(set->v);
		*set = bigger;
	}
	struct name_ent *e = name_slot(set, name);
	e->name = name;
	e->line = line;
	e->col = col;
	set->n++;
}

static void name_set_free(struct name_set *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->v[i].name);
	free(set->v);
}

static bool name_start_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(unsigned char c)
{
	return name_start_char(c) || (c >= '0' && c <= '9') || c == '-';
}

/* ---------------------------------------------------------------- */
/* Tokenizer                                                        */
/* ---------------------------------------------------------------- */

/* Called at the start of every line: the whole line must fit the limit. */
static int check_line(struct parser *p)
{
	const char *start = p->src + p->off;
	const char *nl = memchr(start, '\n', p->len - p->off);
	size_t n = (size_t)((nl ? nl : p->src + p->len) - start);
	if (n > SCENARIO_MAX_LINE)
		return fail(p, p->line, SCENARIO_MAX_LINE + 1,
			    "line is longer than the limit of %d bytes",
			    SCENARIO_MAX_LINE);
	return 0;
}

static void advance_char(struct parser *p)
{
	p->off++;
	p->col++;
}

/* Refuses what has no place in a text file. Tab is whitespace anywhere,
 * carriage return only outside strings (for files with CRLF ends). */
static int check_char(struct parser *p, bool in_string)
{
	unsigned char c = (unsigned char)p->src[p->off];
	if (c == '\0')
		return fail(p, p->line, p->col,
			    "NUL byte in the file (a scenario is a text file)");
	if ((c < 0x20 && c != '\t' && c != '\n' && (c != '\r' || in_string)) ||
	    c == 0x7f)
		return fail(p, p->line, p->col,
			    "invalid control character 0x%02x (only tab and newline may appear)",
			    c);
	return 0;
}

static bool word_char(unsigned char c)
{
	return c > 0x20 && c != 0x7f && !strchr("{}*;\"#", c);
}

static void str_push(struct parser *p, char c)
{
	if (p->str_len + 1 >= p->str_cap) {
		p->str_cap = p->str_cap ? p->str_cap * 2 : 64;
		p->str = xrealloc(p->str, p->str_cap);
	}
	p->str[p->str_len++] = c;
	p->str[p->str_len] = '\0';
}

static int lex_string(struct parser *p, struct token *t)
{
	p->str_len = 0;
	if (!p->str) {
		p->str_cap = 64;
		p->str = xmalloc(p->str_cap);
	}
	p->str[0] = '\0';
	advance_char(p); /* the opening quote */
	for (;;) {
		if (p->off >= p->len || p->src[p->off] == '\n')
			return fail(p, t->line, t->col,
				    "unterminated string (a string must end on the line it starts)");
		char c = p->src[p->off];
		if (c == '"') {
			advance_char(p);
			break;
		}
		if (check_char(p, true))
			return -1;
		if (c == '\\') {
			int line = p->line, col = p->col;
			advance_char(p);
			if (p->off >= p->len || p->src[p->off] == '\n')
				return fail(p, t->line, t->col,
					    "unterminated string (a string must end on the line it starts)");
			c = p->src[p->off];
			if (c != '"' && c != '\\') {
				if (check_char(p, true))
					return -1;
				return fail(p, line, col,
					    "unknown escape '\\%c' in string (expected \\\" or \\\\)",
					    c);
			}
		}
		str_push(p, c);
		advance_char(p);
	}
	t->type = T_STRING;
	t->len = (size_t)(p->src + p->off - t->p);
	return 0;
}

static int lex(struct parser *p, struct token *t)
{
	for (;;) {
		if (p->off >= p->len) {
			t->type = T_EOF;
			t->p = p->src + p->len;
			t->len = 0;
			t->line = p->line;
			t->col = p->col;
			return 0;
		}
		char c = p->src[p->off];
		if (c == '\n') {
			p->off++;
			p->line++;
			p->col = 1;
			if (check_line(p))
				return -1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			advance_char(p);
			continue;
		}
		if (c == '#') {
			while (p->off < p->len && p->src[p->off] != '\n') {
				if (check_char(p, false))
					return -1;
				advance_char(p);
			}
			continue;
		}
		if (check_char(p, false))
			return -1;
		t->p = p->src + p->off;
		t->line = p->line;
		t->col = p->col;
		t->len = 1;
		switch (c) {
		case '{': t->type = T_LBRACE; advance_char(p); return 0;
		case '}': t->type = T_RBRACE; advance_char(p); return 0;
		case '*': t->type = T_STAR; advance_char(p); return 0;
		case ';': t->type = T_SEMI; advance_char(p); return 0;
		case '"': return lex_string(p, t);
		default: break;
		}
		while (p->off < p->len && word_char((unsigned char)p->src[p->off]))
			advance_char(p);
		t->type = T_WORD;
		t->len = (size_t)(p->src + p->off - t->p);
		return 0;
	}
}

/* Moves to the next token, remembering where the current one ended. */
static int next(struct parser *p)
{
	p->prev_line = p->tok.line;
	p->prev_end_col = p->tok.col + (int)p->tok.len;
	return lex(p, &p->tok);
}

static bool is_word(const struct token *t, const char *w)
{
	return t->type == T_WORD && strlen(w) == t->len &&
	       memcmp(t->p, w, t->len) == 0;
}

/* Is the token after the current one the word w, on the same line? The
 * lexer is put back where it was. */
static bool peek_word(struct parser *p, const char *w)
{
	size_t off = p->off;
	int line = p->line, col = p->col;
	struct token t;
	bool yes = lex(p, &t) == 0 && is_word(&t, w) && t.line == p->tok.line;
	p->off = off;
	p->line = line;
	p->col = col;
	return yes;
}

/* What a token is, for "got ..." in messages. A token on a later line than
 * line (when line > 0) is "end of line": arguments do not wrap. */
static void describe(const struct token *t, int line, char *buf, size_t n)
{
	if (t->type == T_EOF)
		snprintf(buf, n, "end of file");
	else if (line > 0 && t->line != line)
		snprintf(buf, n, "end of line");
	else if (t->type == T_STRING)
		snprintf(buf, n, "a string");
	else if (t->len > 40)
		snprintf(buf, n, "'%.40s...'", t->p);
	else
		snprintf(buf, n, "'%.*s'", (int)t->len, t->p);
}

/* "expected WHAT after KW, got ...", at the token, or just after the
 * keyword's line's last token when the argument is missing. */
static int fail_expected(struct parser *p, int line, const char *what)
{
	char got[64];
	describe(&p->tok, line, got, sizeof got);
	if (line > 0 && p->tok.type != T_EOF && p->tok.line != line)
		return fail(p, p->prev_line, p->prev_end_col,
			    "expected %s, got %s", what, got);
	return fail(p, p->tok.line, p->tok.col, "expected %s, got %s", what, got);
}

/* The current token must be an argument on line: a word or, when string
 * is set, a string. */
static int expect_arg(struct parser *p, int line, enum tok_type type,
		      const char *what)
{
	if (p->tok.type != type || p->tok.line != line)
		return fail_expected(p, line, what);
	return 0;
}

static int fail_eof_open(struct parser *p)
{
	return fail(p, p->tok.line, p->tok.col,
		    "unexpected end of file: %d block%s still open (the last opened at %d:%d)",
		    p->nopen, p->nopen == 1 ? "" : "s",
		    p->open[p->nopen - 1].line, p->open[p->nopen - 1].col);
}

static void push_open(struct parser *p)
{
	/* Depth is bounded by the grammar: process, thread, and at most
	 * SCENARIO_MAX_DEPTH repeats, checked before they open. */
	if (p->nopen >= MAX_OPEN)
		fatal("parse: %d blocks open", p->nopen);
	p->open[p->nopen].line = p->tok.line;
	p->open[p->nopen].col = p->tok.col;
	p->nopen++;
}

/* ---------------------------------------------------------------- */
/* Values                                                           */
/* ---------------------------------------------------------------- */

static int parse_name(struct parser *p, int line, const char *what,
		      char **out)
{
	if (expect_arg(p, line, T_WORD, what))
		return -1;
	const struct token *t = &p->tok;
	bool ok = name_start_char((unsigned char)t->p[0]);
	for (size_t i = 1; ok && i < t->len; i++)
		ok = name_char((unsigned char)t->p[i]);
	if (!ok) {
		char got[64];
		describe(t, 0, got, sizeof got);
		return fail(p, t->line, t->col,
			    "invalid name %s (a name is a letter or '_', then letters, digits, '_' or '-')",
			    got);
	}
	if (t->len > SCENARIO_MAX_NAME)
		return fail(p, t->line, t->col,
			    "name '%.20s...' is %zu bytes long (the limit is %d)",
			    t->p, t->len, SCENARIO_MAX_NAME);
	*out = xstrndup(t->p, t->len);
	if (next(p)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A whole number in [min, max], written in decimal digits only. what
 * names the number in messages ("a repeat count"). */
static int parse_count(struct parser *p, int line, const char *what,
		       uint64_t min, uint64_t max, uint64_t *out)
{
	char expected[80];
	snprintf(expected, sizeof expected, "%s (a whole number)", what);
	if (expect_arg(p, line, T_WORD, expected))
		return -1;
	const struct token *t = &p->tok;
	uint64_t v = 0;
	bool big = false;
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->p[i];
		if (c < '0' || c > '9')
			return fail_expected(p, line, expected);
		if (v > (UINT64_MAX - 9) / 10)
			big = true;
		else
			v = v * 10 + (c - '0');
	}
	if (big || v < min || v > max)
		return fail(p, t->line, t->col,
			    "%s must be between %" PRIu64 " and %" PRIu64 ", got %.*s",
			    what, min, max, (int)(t->len > 40 ? 40 : t->len), t->p);
	*out = v;
	return next(p);
}

/* A pace: virtual seconds per wall second, a decimal number (0.05) or
 * a fraction (1/20), greater than 0 and at most SCENARIO_MAX_SPEED. */
/* 'DIRECTIVE a|b': the word after it, which must be a or b; *second
 * says which. */
static int parse_either(struct parser *p, int line, const char *directive,
			const char *a, const char *b, bool *second)
{
	char expected[96];
	snprintf(expected, sizeof expected, "'%s' or '%s' after '%s'", a, b, directive);
	if (expect_arg(p, line, T_WORD, expected))
		return -1;
	if (!is_word(&p->tok, a) && !is_word(&p->tok, b)) {
		char got[64];
		describe(&p->tok, 0, got, sizeof got);
		return fail(p, p->tok.line, p->tok.col, "unknown %s %s (expected %s or %s)",
			    directive, got, a, b);
	}
	*second = is_word(&p->tok, b);
	return next(p);
}

static int parse_speed(struct parser *p, int line, double *out)
{
	const char *expected = "a speed such as 0.05 or 1/20 after 'speed'";
	if (expect_arg(p, line, T_WORD, expected))
		return -1;
	const struct token *t = &p->tok;
	char buf[48];
	if (t->len >= sizeof buf)
		return fail_expected(p, line, expected);
	memcpy(buf, t->p, t->len);
	buf[t->len] = '\0';
	bool ok = true;
	for (size_t i = 0; i < t->len && ok; i++)
		ok = (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == '/';
	double v = 0;
	char *end = buf;
	if (ok) {
		errno = 0;
		v = strtod(buf, &end);
		if (*end == '/') {
			char *den = end + 1;
			double d = strtod(den, &end);
			v = end == den || d <= 0 ? -1 : v / d;
		}
		ok = errno == 0 && *end == '\0' && end != buf;
	}
	if (!ok)
		return fail_expected(p, line, expected);
	if (!(v > 0) || v > SCENARIO_MAX_SPEED)
		return fail(p, t->line, t->col,
			    "speed must be greater than 0 and at most %d virtual seconds a second, got %s",
			    SCENARIO_MAX_SPEED, buf);
	*out = v;
	return next(p);
}

static int parse_dur(struct parser *p, int line, const char *what,
		     int64_t *out)
{
	char expected[80];
	snprintf(expected, sizeof expected, "a duration such as 5ms after %s", what);
	if (expect_arg(p, line, T_WORD, expected))
		return -1;
	const struct token *t = &p->tok;
	char buf[48], msg[160];
	if (t->len >= sizeof buf)
		return fail(p, t->line, t->col,
			    "expected a duration such as 5ms, got '%.40s...'", t->p);
	memcpy(buf, t->p, t->len);
	buf[t->len] = '\0';
	int64_t ns;
	if (parse_duration(buf, &ns, msg, sizeof msg) != 0)
		return fail(p, t->line, t->col, "%s", msg);
	if (ns > SCENARIO_MAX_DURATION_NS)
		return fail(p, t->line, t->col,
			    "duration '%s' is over the limit of one day (86400s)",
			    buf);
	*out = ns;
	return next(p);
}

/* ---------------------------------------------------------------- */
/* The model                                                        */
/* ---------------------------------------------------------------- */

/* Makes ops (a vector the parser filled) a block the scenario owns. */
static struct op *add_block(struct parser *p, struct op *ops, size_t n)
{
	struct scenario *sc = p->sc;
	if (sc->nblocks == p->blocks_cap) {
		p->blocks_cap = p->blocks_cap ? p->blocks_cap * 2 : 16;
		sc->blocks = xreallocarray(sc->blocks, p->blocks_cap,
					   sizeof *sc->blocks);
	}
	struct op *block = xreallocarray(ops, n, sizeof *ops);
	sc->blocks[sc->nblocks++] = block;
	return block;
}

/* A copy of a loop's tasks (NULL for a thread), names and all. */
static struct sc_task *copy_tasks(const struct sc_task *tasks, size_t n)
{
	if (!n)
		return NULL;
	struct sc_task *copy = xcalloc(n, sizeof *copy);
	for (size_t i = 0; i < n; i++) {
		copy[i] = tasks[i];
		copy[i].name = xstrdup(tasks[i].name);
	}
	return copy;
}

static void free_tasks(struct sc_task *tasks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(tasks[i].name);
	free(tasks);
}

static void add_thread(struct parser *p, char *name, unsigned process,
		       int64_t start_ns, struct op *ops, size_t nops,
		       const struct sc_task *tasks, size_t ntasks)
{
	struct scenario *sc = p->sc;
	if (sc->nthreads == p->threads_cap) {
		p->threads_cap = p->threads_cap ? p->threads_cap * 2 : 16;
		sc->threads = xreallocarray(sc->threads, p->threads_cap,
					    sizeof *sc->threads);
	}
	struct sc_thread *t = &sc->threads[sc->nthreads++];
	t->name = name;
	t->process = process;
	t->start_ns = start_ns;
	t->ops = ops;
	t->nops = nops;
	t->tasks = copy_tasks(tasks, ntasks);
	t->ntasks = ntasks;
}

static unsigned add_process(struct parser *p, char *name)
{
	struct scenario *sc = p->sc;
	if (sc->nprocs == p->procs_cap) {
		p->procs_cap = p->procs_cap ? p->procs_cap * 2 : 8;
		sc->procs = xreallocarray(sc->procs, p->procs_cap,
					  sizeof *sc->procs);
	}
	sc->procs[sc->nprocs].name = name;
	return (unsigned)sc->nprocs++;
}

/* "server", or "server.3" for copy 3 of a replicated definition. */
static char *copy_name(const char *name, bool replicated, uint64_t i)
{
	if (!replicated)
		return xstrdup(name);
	return xasprintf("%s.%" PRIu64, name, i);
}

/* ---------------------------------------------------------------- */
/* Ops                                                              */
/* ---------------------------------------------------------------- */

struct op_vec {
	struct op *v;
	size_t n, cap;
};

static struct op *op_vec_push(struct op_vec *vec)
{
	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 8;
		vec->v = xreallocarray(vec->v, vec->cap, sizeof *vec->v);
	}
	struct op *op = &vec->v[vec->n++];
	memset(op, 0, sizeof *op);
	return op;
}

static int parse_ops(struct parser *p, int depth, struct op_vec *vec);

/* The i-th queue's or object's name. */
typedef const char *(*decl_name_fn)(const struct scenario *sc, size_t i);

/* The index of name among the n names nth gives, or -1. */
static long find_decl(const struct scenario *sc, size_t n, decl_name_fn nth, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nth(sc, i), name) == 0)
			return (long)i;
	return -1;
}

/* A name declared before at top level with 'decl' (queue, object): its
 * index among the n such names. what says what was expected, for the
 * error when no name follows. */
static int parse_declared(struct parser *p, int line, const char *what, const char *decl,
			  size_t n, decl_name_fn nth, unsigned *out)
{
	struct token at = p->tok;
	char *name = NULL;
	if (parse_name(p, line, what, &name))
		return -1;
	long i = find_decl(p->sc, n, nth, name);
	if (i >= 0) {
		free(name);
		*out = (unsigned)i;
		return 0;
	}
	fail(p, at.line, at.col,
	     "unknown %s '%s' (declare it at top level with '%s %s' before it is used)",
	     decl, name, decl, name);
	free(name);
	return -1;
}

static const char *queue_name(const struct scenario *sc, size_t i)
{
	return sc->queues[i].name;
}

static const char *object_name(const struct scenario *sc, size_t i)
{
	return sc->objects[i];
}

/* The queue a put, get or await get names. */
static int parse_queue_ref(struct parser *p, int line, int kind, unsigned *out)
{
	char what[48];
	snprintf(what, sizeof what, "a queue name after '%s'",
		 kind == OP_AWAIT_GET ? "await get" : op_kind_name(kind));
	return parse_declared(p, line, what, "queue", p->sc->nqueues, queue_name, out);
}

/* The object a 'with' names. */
static int parse_object_ref(struct parser *p, int line, unsigned *out)
{
	return parse_declared(p, line, "an object name after 'with'", "object",
			      p->sc->nobjects, object_name, out);
}

/* import_unsafe "module": the module's name, kept once in
 * scenario.modules. */
static int parse_module(struct parser *p, int line, unsigned *out)
{
	static const char expected[] =
		"a module name in double quotes after 'import_unsafe'";
	if (expect_arg(p, line, T_STRING, expected))
		return -1;
	struct token at = p->tok;
	if (p->str_len == 0 || p->str_len > SCENARIO_MAX_NAME ||
	    memchr(p->str, ' ', p->str_len))
		return fail(p, at.line, at.col,
			    "invalid module name (expected 1 to %d characters without spaces, such as \"old_ext\")",
			    SCENARIO_MAX_NAME);
	struct scenario *sc = p->sc;
	size_t i;
	for (i = 0; i < sc->nmodules; i++)
		if (strlen(sc->modules[i]) == p->str_len &&
		    memcmp(sc->modules[i], p->str, p->str_len) == 0)
			break;
	if (i == sc->nmodules) {
		if (sc->nmodules >= SCENARIO_MAX_MODULES)
			return fail(p, at.line, at.col,
				    "too many modules: the limit is %d in a file",
				    SCENARIO_MAX_MODULES);
		sc->modules = xreallocarray(sc->modules, sc->nmodules + 1,
					    sizeof *sc->modules);
		sc->modules[sc->nmodules++] = xstrndup(p->str, p->str_len);
	}
	*out = (unsigned)i;
	return next(p);
}

/* The '{' ops '}' of a thread, repeat or forever; the current token is the
 * '{'. An empty body is an error naming what. Leaves the block owned by
 * the scenario in *ops. */
static int parse_body(struct parser *p, int depth, const char *what,
		      struct op **ops, size_t *nops)
{
	struct op_vec vec = { NULL, 0, 0 };
	push_open(p);
	if (next(p) || parse_ops(p, depth, &vec)) {
		free(vec.v);
		return -1;
	}
	if (vec.n == 0) {
		free(vec.v);
		return fail(p, p->tok.line, p->tok.col,
			    "%s has no operations (expected at least one of %s before '}')",
			    what, ops_expected);
	}
	p->nopen--;
	*ops = add_block(p, vec.v, vec.n);
	*nops = vec.n;
	return next(p);
}

static int parse_op(struct parser *p, int depth, struct op_vec *vec)
{
	struct token kw = p->tok;
	int kind = op_kind_parse(kw.p, kw.len);
	if (kind >= 0 && op_kind_is_await((enum op_kind)kind))
		kind = -1; /* written "await io", never "await_io" */
	bool await = is_word(&kw, "await");
	if (kind < 0 && !await) {
		if (is_word(&kw, "thread") || is_word(&kw, "process") ||
		    is_word(&kw, "loop") || is_word(&kw, "queue") ||
		    is_word(&kw, "object"))
			return fail(p, kw.line, kw.col,
				    "'%.*s' inside a thread (threads, loops, processes, queues and objects are defined at top level; expected %s)",
				    (int)kw.len, kw.p, ops_expected);
		if (is_word(&kw, "task"))
			return fail(p, kw.line, kw.col,
				    "'task' inside a thread or task (tasks are defined directly inside 'loop NAME { ... }'; expected %s)",
				    ops_expected);
		for (int d = 0; d < D_COUNT; d++) {
			if (is_word(&kw, directive_names[d]))
				return fail(p, kw.line, kw.col,
					    "directive '%s' inside a thread (directives go at top level; expected %s)",
					    directive_names[d], ops_expected);
		}
		char got[64];
		describe(&kw, 0, got, sizeof got);
		return fail(p, kw.line, kw.col,
			    "unknown operation %s (expected %s)", got, ops_expected);
	}
	if (p->nops >= SCENARIO_MAX_OPS)
		return fail(p, kw.line, kw.col,
			    "too many operations: the limit is %d in a file",
			    SCENARIO_MAX_OPS);
	p->nops++;
	if ((kind == OP_REPEAT || kind == OP_FOREVER || kind == OP_WITH) &&
	    depth >= SCENARIO_MAX_DEPTH)
		return fail(p, kw.line, kw.col,
			    "'%s' nested too deep: the limit is %d levels of repeat, forever and with",
			    op_kind_name(kind), SCENARIO_MAX_DEPTH);
	if (await && p->nwith > 0)
		return fail(p, kw.line, kw.col,
			    "'await' inside 'with %s' (opened at %d:%d): a critical section is held by C code, which never awaits",
			    p->sc->objects[p->with_open[p->nwith - 1].object],
			    p->with_open[p->nwith - 1].line, p->with_open[p->nwith - 1].col);
	if (await) {
		if (!p->in_task)
			return fail(p, kw.line, kw.col,
				    "'await' outside a task (await is only valid in 'task NAME { ... }' inside a loop; a thread blocks with io, sleep or get)");
		if (next(p))
			return -1;
		static const char exp[] = "io, sleep or get after 'await'";
		if (expect_arg(p, kw.line, T_WORD, exp))
			return -1;
		if (is_word(&p->tok, "io"))
			kind = OP_AWAIT_IO;
		else if (is_word(&p->tok, "sleep"))
			kind = OP_AWAIT_SLEEP;
		else if (is_word(&p->tok, "get"))
			kind = OP_AWAIT_GET;
		else {
			char got[64];
			describe(&p->tok, 0, got, sizeof got);
			return fail(p, p->tok.line, p->tok.col,
				    "cannot await %s (expected %s)", got, exp);
		}
	}
	if (next(p))
		return -1;

	struct op op = { .kind = kind, .line = kw.line, .col = kw.col };
	if (kind == OP_REPEAT) {
		if (parse_count(p, kw.line, "a repeat count", 1,
				SCENARIO_MAX_REPEAT, &op.count))
			return -1;
	} else if (kind == OP_PUT || kind == OP_GET || kind == OP_AWAIT_GET) {
		if (parse_queue_ref(p, kw.line, kind, &op.queue))
			return -1;
	} else if (kind == OP_WITH) {
		struct token at = p->tok;
		if (parse_object_ref(p, kw.line, &op.object))
			return -1;
		for (int i = 0; i < p->nwith; i++)
			if (p->with_open[i].object == op.object)
				return fail(p, at.line, at.col,
					    "'with %s' inside 'with %s' (opened at %d:%d): a thread cannot enter the same object's critical section twice",
					    p->sc->objects[op.object], p->sc->objects[op.object],
					    p->with_open[i].line, p->with_open[i].col);
	} else if (kind == OP_IMPORT_UNSAFE) {
		if (parse_module(p, kw.line, &op.module))
			return -1;
	} else if (kind != OP_FOREVER) {
		char what[32];
		if (await)
			snprintf(what, sizeof what, "'await %s'",
				 kind == OP_AWAIT_IO ? "io" : "sleep");
		else
			snprintf(what, sizeof what, "'%s'", op_kind_name(kind));
		if (parse_dur(p, kw.line, what, &op.ns))
			return -1;
	}
	if (kind == OP_REPEAT || kind == OP_FOREVER) {
		if (p->tok.type != T_LBRACE) {
			char expected[48];
			snprintf(expected, sizeof expected, "'{' after %s",
				 kind == OP_REPEAT ? "the repeat count" : "'forever'");
			return fail_expected(p, 0, expected);
		}
		char what[32];
		snprintf(what, sizeof what, "'%s' block", op_kind_name(kind));
		if (parse_body(p, depth + 1, what, &op.body, &op.nbody))
			return -1;
	}
	if (kind == OP_WITH) {
		if (p->tok.type != T_LBRACE)
			return fail_expected(p, 0, "'{' after the object's name");
		p->with_open[p->nwith].object = op.object;
		p->with_open[p->nwith].line = kw.line;
		p->with_open[p->nwith].col = kw.col;
		p->nwith++;
		char what[SCENARIO_MAX_NAME + 16];
		snprintf(what, sizeof what, "'with %s' block", p->sc->objects[op.object]);
		int rc = parse_body(p, depth + 1, what, &op.body, &op.nbody);
		p->nwith--;
		if (rc)
			return -1;
	}
	*op_vec_push(vec) = op;
	return 0;
}

/* Ops up to the '}' that closes the block (left as the current token). */
static int parse_ops(struct parser *p, int depth, struct op_vec *vec)
{
	for (;;) {
		switch (p->tok.type) {
		case T_EOF:
			return fail_eof_open(p);
		case T_RBRACE:
			return 0;
		case T_SEMI:
			if (next(p))
				return -1;
			break;
		case T_WORD:
			if (parse_op(p, depth, vec))
				return -1;
			break;
		default: {
			char expected[160];
			snprintf(expected, sizeof expected,
				 "an operation (%s) or '}'", ops_expected);
			return fail_expected(p, 0, expected);
		}
		}
	}
}

/* ---------------------------------------------------------------- */
/* Threads and processes                                            */
/* ---------------------------------------------------------------- */

/* The process block being read, for the threads inside it. */
struct proc_ctx {
	const char *name;
	bool replicated;
	uint64_t copies;
	struct thread_def *defs;
	size_t ndefs, cap;
};

/* Checks and records the final names a thread definition makes, copies
 * of its process included, before anything is built for them. */
static int claim_thread_names(struct parser *p, const struct proc_ctx *proc,
			      const char *name, bool replicated,
			      uint64_t copies, const struct token *at)
{
	uint64_t nproc = proc ? proc->copies : 1;
	for (uint64_t k = 1; k <= nproc; k++) {
		for (uint64_t j = 1; j <= copies; j++) {
			char *tname = copy_name(name, replicated, j);
			char *full = tname;
			if (proc) {
				char *pname = copy_name(proc->name, proc->replicated, k);
				full = xasprintf("%s/%s", pname, tname);
				free(pname);
				free(tname);
			}
			const struct name_ent *e = name_find(&p->thread_names, full);
			if (e) {
				fail(p, at->line, at->col,
				     "thread name '%s' is already used by the thread defined at %d:%d",
				     full, e->line, e->col);
				free(full);
				return -1;
			}
			name_add(&p->thread_names, full, at->line, at->col);
		}
	}
	return 0;
}

/* Appends a task to a loop's vector, refusing a name the loop has. */
static int add_task(struct parser *p, struct sc_task **tasks, size_t *n,
		    size_t *cap, char *name, struct op *ops, size_t nops,
		    const char *loop, const struct token *at)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*tasks)[i].name, name) == 0) {
			fail(p, at->line, at->col,
			     "task name '%s' is already used in loop '%s'", name,
			     loop);
			free(name);
			return -1;
		}
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*tasks = xreallocarray(*tasks, *cap, sizeof **tasks);
	}
	(*tasks)[(*n)++] = (struct sc_task){ name, ops, nops };
	return 0;
}

/* One 'task NAME [* N] { ops }' of a loop; the current token is 'task'. */
static int parse_task(struct parser *p, const char *loop,
		      struct sc_task **tasks, size_t *n, size_t *cap)
{
	struct token kw = p->tok;
	if (next(p))
		return -1;
	struct token name_tok = p->tok;
	char *name = NULL;
	if (parse_name(p, kw.line, "a task name after 'task'", &name))
		return -1;
	uint64_t copies = 1;
	bool replicated = false;
	struct token count_tok = name_tok;
	const char *after = "task name";
	int rc = -1;
	if (p->tok.type == T_STAR && p->tok.line == kw.line) {
		if (next(p))
			goto out;
		count_tok = p->tok;
		if (parse_count(p, kw.line, "a task count after '*'", 1,
				SCENARIO_MAX_TASKS, &copies))
			goto out;
		replicated = true;
		after = "task count";
	}
	if (*n + copies > SCENARIO_MAX_TASKS) {
		fail(p, count_tok.line, count_tok.col,
		     "too many tasks in loop '%s': this makes %" PRIu64 " (the limit is %d)",
		     loop, (uint64_t)*n + copies, SCENARIO_MAX_TASKS);
		goto out;
	}
	if (p->tok.type != T_LBRACE) {
		char expected[48];
		snprintf(expected, sizeof expected, "'{' after %s", after);
		fail_expected(p, 0, expected);
		goto out;
	}
	char what[SCENARIO_MAX_NAME + 16];
	snprintf(what, sizeof what, "task '%s'", name);
	struct op *ops;
	size_t nops;
	p->in_task = true;
	rc = parse_body(p, 0, what, &ops, &nops);
	p->in_task = false;
	if (rc)
		goto out;
	for (uint64_t j = 1; j <= copies && rc == 0; j++)
		rc = add_task(p, tasks, n, cap, copy_name(name, replicated, j),
			      ops, nops, loop, &name_tok);
out:
	free(name);
	return rc;
}

/* The '{' tasks '}' of a loop; the current token is the '{'. */
static int parse_loop_body(struct parser *p, const char *loop,
			   struct sc_task **out, size_t *nout)
{
	struct sc_task *tasks = NULL;
	size_t n = 0, cap = 0;
	push_open(p);
	if (next(p))
		goto fail;
	for (;;) {
		if (p->tok.type == T_EOF) {
			fail_eof_open(p);
			goto fail;
		}
		if (p->tok.type == T_RBRACE)
			break;
		if (p->tok.type == T_SEMI) {
			if (next(p))
				goto fail;
			continue;
		}
		if (!is_word(&p->tok, "task")) {
			char expected[SCENARIO_MAX_NAME + 48];
			snprintf(expected, sizeof expected,
				 "'task' or '}' in loop '%s'", loop);
			fail_expected(p, 0, expected);
			goto fail;
		}
		if (parse_task(p, loop, &tasks, &n, &cap))
			goto fail;
	}
	if (n == 0) {
		fail(p, p->tok.line, p->tok.col,
		     "loop '%s' has no tasks (expected 'task NAME { ... }' before '}')",
		     loop);
		goto fail;
	}
	p->nopen--;
	*out = tasks;
	*nout = n;
	return 0;
fail:
	free_tasks(tasks, n);
	return -1;
}

/* 'thread' or 'loop' (an asyncio event loop: one thread that runs tasks). */
static int parse_thread(struct parser *p, struct proc_ctx *proc)
{
	struct token kw = p->tok;
	bool loop = is_word(&kw, "loop");
	struct sc_task *tasks = NULL;
	size_t ntasks = 0;
	if (!proc && !p->have_main &&
	    p->sc->nprocs + 1 > SCENARIO_MAX_PROCESSES)
		return fail(p, kw.line, kw.col,
			    "too many processes: the threads outside a process block make one more (the limit is %d)",
			    SCENARIO_MAX_PROCESSES);
	if (next(p))
		return -1;
	struct token name_tok = p->tok;
	char *name = NULL;
	if (parse_name(p, kw.line, loop ? "a loop name after 'loop'" :
			      "a thread name after 'thread'", &name))
		return -1;

	uint64_t copies = 1;
	bool replicated = false;
	struct token count_tok = name_tok;
	const char *after = loop ? "loop name" : "thread name";
	if (p->tok.type == T_STAR && p->tok.line == kw.line) {
		if (next(p))
			goto fail;
		count_tok = p->tok;
		if (parse_count(p, kw.line, loop ? "a loop count after '*'" :
				"a thread count after '*'", 1,
				SCENARIO_MAX_THREADS, &copies))
			goto fail;
		replicated = true;
		after = loop ? "loop count" : "thread count";
	}
	uint64_t total = copies * (proc ? proc->copies : 1);
	if (p->nthreads_planned + total > SCENARIO_MAX_THREADS) {
		fail(p, count_tok.line, count_tok.col,
		     "too many threads: this makes %" PRIu64 " in all (the limit is %d)",
		     (uint64_t)p->nthreads_planned + total, SCENARIO_MAX_THREADS);
		goto fail;
	}
	int64_t start_ns = 0;
	if (is_word(&p->tok, "start") && p->tok.line == kw.line) {
		if (next(p) || parse_dur(p, kw.line, "'start'", &start_ns))
			goto fail;
		after = "start time";
	}
	if (p->tok.type != T_LBRACE) {
		char expected[48];
		snprintf(expected, sizeof expected, "'{' after %s", after);
		fail_expected(p, 0, expected);
		goto fail;
	}
	if (claim_thread_names(p, proc, name, replicated, copies, &name_tok))
		goto fail;
	p->nthreads_planned += total;

	char what[SCENARIO_MAX_NAME + 16];
	snprintf(what, sizeof what, "thread '%s'", name);
	struct op *ops = NULL;
	size_t nops = 0;
	if (loop) {
		if (parse_loop_body(p, name, &tasks, &ntasks) || next(p))
			goto fail;
	} else if (parse_body(p, 0, what, &ops, &nops)) {
		goto fail;
	}

	if (proc) {
		if (proc->ndefs == proc->cap) {
			proc->cap = proc->cap ? proc->cap * 2 : 4;
			proc->defs = xreallocarray(proc->defs, proc->cap,
						   sizeof *proc->defs);
		}
		proc->defs[proc->ndefs++] = (struct thread_def){
			name, copies, replicated, start_ns, ops, nops,
			tasks, ntasks,
		};
		return 0;
	}
	p->have_main = true;
	for (uint64_t j = 1; j <= copies; j++)
		add_thread(p, copy_name(name, replicated, j), MAIN_PROCESS,
			   start_ns, ops, nops, tasks, ntasks);
	free_tasks(tasks, ntasks);
	free(name);
	return 0;
fail:
	free_tasks(tasks, ntasks);
	free(name);
	return -1;
}

static int parse_process_body(struct parser *p, struct proc_ctx *proc,
			      const struct token *kw)
{
	for (;;) {
		switch (p->tok.type) {
		case T_EOF:
			return fail_eof_open(p);
		case T_RBRACE:
			if (proc->ndefs == 0)
				return fail(p, p->tok.line, p->tok.col,
					    "process '%s' has no threads (expected 'thread NAME { ... }' before '}')",
					    proc->name);
			return 0;
		case T_SEMI:
			if (next(p))
				return -1;
			continue;
		default:
			break;
		}
		if (is_word(&p->tok, "thread") || is_word(&p->tok, "loop")) {
			if (parse_thread(p, proc))
				return -1;
			continue;
		}
		if (is_word(&p->tok, "queue"))
			return fail(p, p->tok.line, p->tok.col,
				    "'queue' inside process '%s' (queues are declared at top level and shared by every process)",
				    proc->name);
		if (is_word(&p->tok, "process"))
			return fail(p, p->tok.line, p->tok.col,
				    "processes do not nest (process '%s' opened at %d:%d is still open)",
				    proc->name, kw->line, kw->col);
		char expected[SCENARIO_MAX_NAME + 48];
		snprintf(expected, sizeof expected,
			 "'thread', 'loop' or '}' in process '%s'", proc->name);
		return fail_expected(p, 0, expected);
	}
}

static int parse_process(struct parser *p)
{
	struct token kw = p->tok;
	if (next(p))
		return -1;
	struct token name_tok = p->tok;
	char *name = NULL;
	if (parse_name(p, kw.line, "a process name after 'process'", &name))
		return -1;
	struct proc_ctx proc = { name, false, 1, NULL, 0, 0 };
	int rc = -1;
	if (strcmp(name, "main") == 0) {
		fail(p, name_tok.line, name_tok.col,
		     "process name 'main' is reserved for the threads outside any process block");
		goto out;
	}
	struct token count_tok = name_tok;
	const char *after = "process name";
	if (p->tok.type == T_STAR && p->tok.line == kw.line) {
		if (next(p))
			goto out;
		count_tok = p->tok;
		if (parse_count(p, kw.line, "a process count after '*'", 1,
				SCENARIO_MAX_PROCESSES, &proc.copies))
			goto out;
		proc.replicated = true;
		after = "process count";
	}
	size_t have = p->sc->nprocs + (p->have_main ? 1 : 0);
	if (have + proc.copies > SCENARIO_MAX_PROCESSES) {
		fail(p, count_tok.line, count_tok.col,
		     "too many processes: this makes %zu in all (the limit is %d)",
		     have + (size_t)proc.copies, SCENARIO_MAX_PROCESSES);
		goto out;
	}
	if (p->tok.type != T_LBRACE) {
		char expected[48];
		snprintf(expected, sizeof expected, "'{' after %s", after);
		fail_expected(p, 0, expected);
		goto out;
	}
	for (uint64_t k = 1; k <= proc.copies; k++) {
		char *pname = copy_name(name, proc.replicated, k);
		const struct name_ent *e = name_find(&p->proc_names, pname);
		if (e) {
			fail(p, name_tok.line, name_tok.col,
			     "process name '%s' is already used by the process defined at %d:%d",
			     pname, e->line, e->col);
			free(pname);
			goto out;
		}
		name_add(&p->proc_names, pname, name_tok.line, name_tok.col);
	}
	push_open(p);
	if (next(p) || parse_process_body(p, &proc, &kw))
		goto out;
	p->nopen--;

	/* The copies, process by process, each with its threads in order. */
	for (uint64_t k = 1; k <= proc.copies; k++) {
		char *pname = copy_name(name, proc.replicated, k);
		unsigned index = add_process(p, xstrdup(pname));
		for (size_t d = 0; d < proc.ndefs; d++) {
			const struct thread_def *def = &proc.defs[d];
			for (uint64_t j = 1; j <= def->copies; j++) {
				char *tname = copy_name(def->name, def->replicated, j);
				add_thread(p, xasprintf("%s/%s", pname, tname),
					   index, def->start_ns, def->ops,
					   def->nops, def->tasks, def->ntasks);
				free(tname);
			}
		}
		free(pname);
	}
	rc = next(p);
out:
	for (size_t d = 0; d < proc.ndefs; d++) {
		free(proc.defs[d].name);
		free_tasks(proc.defs[d].tasks, proc.defs[d].ntasks);
	}
	free(proc.defs);
	free(name);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Directives and the top level                                     */
/* ---------------------------------------------------------------- */

/* 'slowdown P%': a percentage with at most one decimal (8%, 1.5%), from
 * 0 to 100, in tenths of a percent. */
static int parse_percent(struct parser *p, int line, unsigned *out)
{
	static const char expected[] = "a percentage such as 8% after 'slowdown'";
	if (expect_arg(p, line, T_WORD, expected))
		return -1;
	const struct token *t = &p->tok;
	unsigned v = 0, decimals = 0;
	bool dot = false, digits = false;
	size_t i = 0;
	for (; i < t->len && t->p[i] != '%'; i++) {
		char c = t->p[i];
		if (c == '.' && !dot && digits) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9' || (dot && ++decimals > 1) || v > 100000)
			return fail(p, t->line, t->col,
				    "expected a percentage such as 8%% or 1.5%% (one decimal at most), got '%.*s'",
				    (int)(t->len > 40 ? 40 : t->len), t->p);
		v = v * 10 + (unsigned)(c - '0');
		digits = true;
	}
	if (!digits || i + 1 != t->len)
		return fail(p, t->line, t->col,
			    "expected a percentage such as 8%% (with its %%), got '%.*s'",
			    (int)(t->len > 40 ? 40 : t->len), t->p);
	if (!dot)
		v *= 10;
	if (v > SCENARIO_MAX_SLOWDOWN)
		return fail(p, t->line, t->col,
			    "slowdown must be between 0%% and 100%%, got '%.*s'",
			    (int)(t->len > 40 ? 40 : t->len), t->p);
	*out = v;
	return next(p);
}

/* A top-level line ends after its last word (what it is after, for the
 * error), or goes on with ';'; more says what else may come. */
static int expect_line_end(struct parser *p, int line, const char *after, const char *more)
{
	if (p->tok.type == T_EOF || p->tok.type == T_SEMI || p->tok.line != line)
		return 0;
	char got[64];
	describe(&p->tok, 0, got, sizeof got);
	return fail(p, p->tok.line, p->tok.col,
		    "unexpected %s after %s (expected %send of line or ';')", got, after, more);
}

static int parse_directive(struct parser *p, enum directive d)
{
	struct scenario *sc = p->sc;
	struct token kw = p->tok;
	const char *name = directive_names[d];
	if (p->seen[d].line)
		return fail(p, kw.line, kw.col,
			    "duplicate '%s' (first set at %d:%d)", name,
			    p->seen[d].line, p->seen[d].col);
	p->seen[d].line = kw.line;
	p->seen[d].col = kw.col;
	if (next(p))
		return -1;
	char expected[96];
	char what[32];
	snprintf(what, sizeof what, "'%s'", name);
	uint64_t n;
	switch (d) {
	case D_TITLE:
	case D_NOTE:
		snprintf(expected, sizeof expected,
			 "a string in double quotes after '%s'", name);
		if (expect_arg(p, kw.line, T_STRING, expected))
			return -1;
		if (d == D_TITLE) {
			free(sc->title);
			sc->title = xstrndup(p->str, p->str_len);
		} else {
			free(sc->note);
			sc->note = xstrndup(p->str, p->str_len);
		}
		if (next(p))
			return -1;
		break;
	case D_GIL: {
		const char *exp = "a GIL policy (" GIL_POLICY_NAMES ") after 'gil'";
		if (expect_arg(p, kw.line, T_WORD, exp))
			return -1;
		char word[16];
		int policy = -1;
		if (p->tok.len < sizeof word) {
			memcpy(word, p->tok.p, p->tok.len);
			word[p->tok.len] = '\0';
			policy = gil_policy_parse(word);
		}
		if (policy < 0) {
			char got[64];
			describe(&p->tok, 0, got, sizeof got);
			return fail(p, p->tok.line, p->tok.col,
				    "unknown GIL policy %s (expected " GIL_POLICY_NAMES ")",
				    got);
		}
		sc->policy = (enum gil_policy)policy;
		if (next(p))
			return -1;
		break;
	}
	case D_INTERVAL: {
		struct token at = p->tok;
		if (parse_dur(p, kw.line, what, &sc->interval_ns))
			return -1;
		if (sc->interval_ns <= 0)
			return fail(p, at.line, at.col,
				    "interval must be greater than 0 (CPython refuses a switch interval of 0)");
		break;
	}
	case D_CHECKINTERVAL:
		if (parse_count(p, kw.line, "checkinterval", 1, UINT32_MAX, &n))
			return -1;
		sc->checkinterval = (uint32_t)n;
		break;
	case D_DURATION:
		if (parse_dur(p, kw.line, what, &sc->duration_ns))
			return -1;
		break;
	case D_CORES:
		if (parse_count(p, kw.line, "cores", 0, SCENARIO_MAX_CORES, &n))
			return -1;
		sc->cores = (unsigned)n;
		break;
	case D_TIME: {
		bool second;
		if (parse_either(p, kw.line, "time", "virtual", "real", &second))
			return -1;
		sc->time = second ? SC_TIME_REAL : SC_TIME_VIRTUAL;
		break;
	}
	case D_SPEED:
		if (parse_speed(p, kw.line, &sc->speed))
			return -1;
		break;
	case D_SLOWDOWN:
		if (parse_percent(p, kw.line, &sc->slowdown_permille))
			return -1;
		break;
	case D_STARTUP: {
		bool second;
		if (parse_either(p, kw.line, "startup", "one-by-one", "together", &second))
			return -1;
		sc->startup = second ? SC_START_TOGETHER : SC_START_ONE_BY_ONE;
		break;
	}
	case D_COUNT:
		break;
	}
	char after[64];
	snprintf(after, sizeof after, "the value of '%s'", name);
	return expect_line_end(p, kw.line, after, "");
}

/* After the keyword kw of a declaration ('queue', 'object'): the name,
 * new among the n declared so far (at[i] says where each was) and within
 * max; what says what was expected. -1 after an error. */
static int parse_decl_name(struct parser *p, struct token kw, const char *what,
			   const char *decl, size_t n, decl_name_fn nth,
			   const struct decl_at *at, int max, char **name,
			   struct token *name_tok)
{
	if (next(p))
		return -1;
	*name_tok = p->tok;
	if (parse_name(p, kw.line, what, name))
		return -1;
	long i = find_decl(p->sc, n, nth, *name);
	if (i >= 0) {
		fail(p, name_tok->line, name_tok->col,
		     "%s name '%s' is already used by the %s declared at %d:%d",
		     decl, *name, decl, at[i].line, at[i].col);
	} else if (n >= (size_t)max) {
		fail(p, kw.line, kw.col, "too many %ss: the limit is %d in a file", decl, max);
	} else {
		return 0;
	}
	free(*name);
	*name = NULL;
	return -1;
}

/* 'queue NAME [size N]' at top level. */
static int parse_queue(struct parser *p)
{
	struct scenario *sc = p->sc;
	struct token kw = p->tok, name_tok;
	char *name = NULL;
	if (parse_decl_name(p, kw, "a queue name after 'queue'", "queue", sc->nqueues,
			    queue_name, p->queue_at, SCENARIO_MAX_QUEUES, &name, &name_tok))
		return -1;
	uint64_t size = 0;
	if (is_word(&p->tok, "size") && p->tok.line == kw.line) {
		if (next(p) ||
		    parse_count(p, kw.line, "a queue size after 'size'", 1,
				SCENARIO_MAX_QUEUE_SIZE, &size)) {
			free(name);
			return -1;
		}
	}
	char after[SCENARIO_MAX_NAME + 16];
	snprintf(after, sizeof after, "queue '%s'", name);
	if (expect_line_end(p, kw.line, after, "'size N', ")) {
		free(name);
		return -1;
	}
	if (sc->nqueues == p->queues_cap) {
		p->queues_cap = p->queues_cap ? p->queues_cap * 2 : 4;
		sc->queues = xreallocarray(sc->queues, p->queues_cap,
					   sizeof *sc->queues);
	}
	p->queue_at[sc->nqueues] = (struct decl_at){ name_tok.line, name_tok.col };
	sc->queues[sc->nqueues++] = (struct sc_queue){ name, (uint32_t)size };
	return 0;
}

/* 'object NAME' at top level: a shared object with a lock of its own
 * under gil none. */
static int parse_object(struct parser *p)
{
	struct scenario *sc = p->sc;
	struct token kw = p->tok, name_tok;
	char *name = NULL;
	if (parse_decl_name(p, kw, "an object name after 'object'", "object", sc->nobjects,
			    object_name, p->object_at, SCENARIO_MAX_OBJECTS, &name, &name_tok))
		return -1;
	char after[SCENARIO_MAX_NAME + 16];
	snprintf(after, sizeof after, "object '%s'", name);
	if (expect_line_end(p, kw.line, after, "")) {
		free(name);
		return -1;
	}
	sc->objects = xreallocarray(sc->objects, sc->nobjects + 1, sizeof *sc->objects);
	p->object_at[sc->nobjects] = (struct decl_at){ name_tok.line, name_tok.col };
	sc->objects[sc->nobjects++] = name;
	return 0;
}

/* 'gc every D pause P' at top level: a collection every D of run time. */
static int parse_gc_every(struct parser *p)
{
	struct scenario *sc = p->sc;
	struct token kw = p->tok;
	if (p->gc_every_at.line)
		return fail(p, kw.line, kw.col,
			    "duplicate 'gc every' (first set at %d:%d)",
			    p->gc_every_at.line, p->gc_every_at.col);
	p->gc_every_at.line = kw.line;
	p->gc_every_at.col = kw.col;
	if (next(p))
		return -1;
	/* The caller saw 'every' next. */
	if (next(p))
		return -1;
	struct token every = p->tok;
	if (parse_dur(p, kw.line, "'gc every'", &sc->gc_every_ns))
		return -1;
	if (sc->gc_every_ns <= 0)
		return fail(p, every.line, every.col,
			    "the period of 'gc every' must be greater than 0");
	if (!is_word(&p->tok, "pause") || p->tok.line != kw.line)
		return fail_expected(p, kw.line, "'pause' after the period of 'gc every'");
	if (next(p))
		return -1;
	struct token pause = p->tok;
	if (parse_dur(p, kw.line, "'pause'", &sc->gc_pause_ns))
		return -1;
	if (sc->gc_pause_ns <= 0 || sc->gc_pause_ns >= sc->gc_every_ns)
		return fail(p, pause.line, pause.col,
			    "the pause of 'gc every' must be greater than 0 and shorter than its period");
	return expect_line_end(p, kw.line, "'gc every'", "");
}

static int parse_top(struct parser *p)
{
	static const char expected[] =
		"a directive (title, note, gil, interval, checkinterval, duration, cores, time, speed, slowdown, startup, gc every), 'queue', 'object', 'thread', 'loop' or 'process'";
	for (;;) {
		struct token *t = &p->tok;
		switch (t->type) {
		case T_EOF:
			return 0;
		case T_SEMI:
			if (next(p))
				return -1;
			continue;
		case T_RBRACE:
			return fail(p, t->line, t->col, "'}' with no block open");
		case T_WORD:
			break;
		default:
			return fail_expected(p, 0, expected);
		}
		if (is_word(t, "thread") || is_word(t, "loop")) {
			if (parse_thread(p, NULL))
				return -1;
			continue;
		}
		if (is_word(t, "queue")) {
			if (parse_queue(p))
				return -1;
			continue;
		}
		if (is_word(t, "object")) {
			if (parse_object(p))
				return -1;
			continue;
		}
		if (is_word(t, "gc") && peek_word(p, "every")) {
			if (parse_gc_every(p))
				return -1;
			continue;
		}
		if (is_word(t, "task"))
			return fail(p, t->line, t->col,
				    "'task' outside a loop (expected it inside 'loop NAME { ... }')");
		if (is_word(t, "await"))
			return fail(p, t->line, t->col,
				    "'await' outside a task (expected it inside 'task NAME { ... }' of a loop)");
		if (is_word(t, "process")) {
			if (parse_process(p))
				return -1;
			continue;
		}
		int d;
		for (d = 0; d < D_COUNT; d++) {
			if (is_word(t, directive_names[d]))
				break;
		}
		if (d < D_COUNT) {
			if (parse_directive(p, (enum directive)d))
				return -1;
			continue;
		}
		if (op_kind_parse(t->p, t->len) >= 0)
			return fail(p, t->line, t->col,
				    "operation '%.*s' outside a thread (expected it inside 'thread NAME { ... }')",
				    (int)t->len, t->p);
		char got[64];
		describe(t, 0, got, sizeof got);
		return fail(p, t->line, t->col,
			    "unknown directive %s (expected title, note, gil, interval, checkinterval, duration, cores, time, speed, slowdown, startup, gc every, queue, object, thread, loop or process)",
			    got);
	}
}

/* Puts the process of the threads written outside any block first, as
 * process 0 "main", if there are any; otherwise there is no such process. */
static void place_main(struct parser *p)
{
	struct scenario *sc = p->sc;
	if (!p->have_main)
		return;
	add_process(p, NULL);
	memmove(sc->procs + 1, sc->procs, (sc->nprocs - 1) * sizeof *sc->procs);
	sc->procs[0].name = xstrdup("main");
	for (size_t i = 0; i < sc->nthreads; i++) {
		struct sc_thread *t = &sc->threads[i];
		t->process = t->process == MAIN_PROCESS ? 0 : t->process + 1;
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/*
 * The text the lexer reads, NUL-terminated: without a leading UTF-8 byte
 * order mark (invisible, it made the first word "unknown"), with CR LF
 * and a lone CR (old Mac files) as one line end each, and checked to be
 * UTF-8, so that no title or note can make invalid JSON: the first byte
 * that is not is an error at its line and column (counted in bytes, as
 * the lexer counts). NULL and the error (in p) if it is not.
 */
static char *scenario_text(struct parser *p, const char *text, size_t len, size_t *out_len)
{
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	char *out = xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r') {
			if (i + 1 < len && text[i + 1] == '\n')
				continue;
			out[n++] = '\n';
		} else {
			out[n++] = text[i];
		}
	}
	out[n] = '\0';
	int line = 1, col = 1;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)out[i];
		int k = 1;
		uint32_t cp;
		if (c >= 0x80 && (k = utf8_decode(out + i, &cp)) == 0) {
			fail(p, line, col, "invalid UTF-8 (byte 0x%02x): a scenario is UTF-8 text", c);
			free(out);
			return NULL;
		}
		if (c == '\n') {
			line++;
			col = 1;
		} else {
			col += k;
		}
		i += (size_t)k;
	}
	*out_len = n;
	return out;
}

struct scenario *scenario_parse(const char *text, size_t len, const char *file,
				struct gv_error *err)
{
	if (!file)
		file = "";
	if (len > SCENARIO_MAX_FILE_SIZE) {
		gv_error_set(err, file, 0, 0,
			     "file is larger than the limit of %d bytes",
			     SCENARIO_MAX_FILE_SIZE);
		return NULL;
	}
	if (len == 0) {
		gv_error_set(err, file, 0, 0, "file is empty");
		return NULL;
	}
	struct scenario *sc = xcalloc(1, sizeof *sc);
	sc->file = xstrdup(file);
	sc->text = xstrndup(text, len);
	sc->policy = GIL_NEW;
	sc->interval_ns = GIL_DEFAULT_INTERVAL_NS;
	sc->checkinterval = GIL_DEFAULT_CHECKINTERVAL;
	sc->slowdown_permille = SCENARIO_DEFAULT_SLOWDOWN;

	struct parser p = { .line = 1, .col = 1, .file = file, .err = err, .sc = sc };
	char *src = scenario_text(&p, text, len, &p.len);
	if (!src) {
		scenario_free(sc);
		return NULL;
	}
	p.src = src;
	int rc = check_line(&p);
	if (rc == 0)
		rc = lex(&p, &p.tok);
	if (rc == 0)
		rc = parse_top(&p);
	if (rc == 0 && sc->nthreads == 0)
		rc = fail(&p, p.tok.line, p.tok.col,
			  "no thread defined (expected at least one 'thread NAME { ... }')");
	free(p.str);
	free(src);
	name_set_free(&p.thread_names);
	name_set_free(&p.proc_names);
	if (rc != 0) {
		scenario_free(sc);
		return NULL;
	}
	place_main(&p);
	if (!sc->title)
		sc->title = xstrdup(base_name(file));
	if (!sc->note)
		sc->note = xstrdup("");
	return sc;
}
