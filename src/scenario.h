/*
 * scenario.h -- the model of a scenario: processes, their threads, and the
 * script of operations each thread runs. parse.c builds it from a file;
 * the engine runs it. Nothing here runs anything. The op kinds are in
 * event.h (events carry them), the GIL policies in policy.h.
 */
#ifndef GILVIZ_SCENARIO_H
#define GILVIZ_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "policy.h"
#include "util.h"

/* Documented limits, each enforced by the parser with an error. */
#define SCENARIO_MAX_THREADS 4096        /* threads in all, after replication */
#define SCENARIO_MAX_PROCESSES 256       /* GIL instances */
#define SCENARIO_MAX_DEPTH 16            /* nesting of repeat/forever */
#define SCENARIO_MAX_REPEAT 100000000u   /* a repeat count */
#define SCENARIO_MAX_DURATION_NS (24LL * 3600 * 1000000000LL) /* one day */
#define SCENARIO_MAX_FILE_SIZE (1024 * 1024)
#define SCENARIO_MAX_LINE 4096           /* bytes in a line */
#define SCENARIO_MAX_NAME 64             /* bytes in a name */
#define SCENARIO_MAX_OPS 100000          /* ops in a file, blocks included */
/* Added with the parser: `cores N` needs a bound like every other number,
 * and a thousand cores is far beyond any machine a class will watch. */
#define SCENARIO_MAX_CORES 1024
/* asyncio loops and queues (issue 7). */
#define SCENARIO_MAX_TASKS 256           /* tasks in a loop, after replication */
#define SCENARIO_MAX_QUEUES 64           /* queues in a file */
#define SCENARIO_MAX_QUEUE_SIZE 1000000u /* a queue's size (maxsize) */
/* Free-threading (issue 15): the free-threading HOWTO gives about 1%
 * (macOS aarch64) to 8% (x86-64 Linux); 3.14's What's New roughly 5-10%. */
#define SCENARIO_DEFAULT_SLOWDOWN 80u    /* per mille: 8% */
#define SCENARIO_MAX_SLOWDOWN 1000u      /* per mille: 100%, twice as slow */
/* Shared objects (`object NAME`) and the modules `import_unsafe` names:
 * an event names one in its aux byte. */
#define SCENARIO_MAX_OBJECTS 64
#define SCENARIO_MAX_MODULES 64

struct op {
	enum op_kind kind;
	int64_t ns;        /* duration, for the leaf ops */
	uint64_t count;    /* repeat count */
	struct op *body;   /* repeat, forever */
	size_t nbody;
	unsigned queue;    /* put, get, await get: index into scenario.queues */
	unsigned object;   /* with: index into scenario.objects */
	unsigned module;   /* import_unsafe: index into scenario.modules */
	int line, col;     /* where it was written */
};

/* A queue (queue.Queue, multiprocessing.Queue): shared by every thread
 * and process; all it holds is a count of items. */
struct sc_queue {
	char *name;
	uint32_t size;     /* maxsize; 0: unbounded */
};

/* A task of an asyncio loop. */
struct sc_task {
	char *name;        /* unique in its loop: "handler.2" */
	struct op *ops;    /* shared between copies, owned by scenario.blocks */
	size_t nops;
};

struct sc_process {
	char *name;        /* "main" for the threads outside any process block:
			    * process 0, present only if there are such threads */
};

struct sc_thread {
	char *name;        /* unique: "hog", "server.1", "worker.2/main" */
	unsigned process;  /* index into scenario.procs */
	int64_t start_ns;  /* when it starts, after the run's start */
	struct op *ops;    /* shared between the copies of a replicated thread */
	size_t nops;
	/* An asyncio loop (ntasks > 0) runs its tasks instead of ops (then
	 * NULL). Each loop owns its array and the names in it. */
	struct sc_task *tasks;
	size_t ntasks;
};

/* The clock a scenario asks to be run on ('time'), unless the command
 * line chooses. */
enum sc_time { SC_TIME_UNSET = 0, SC_TIME_REAL, SC_TIME_VIRTUAL };
/* How a scenario's threads start ('startup'): one by one, as CPython's
 * Thread.start() does (the default), or all at once. */
enum sc_startup { SC_START_ONE_BY_ONE = 0, SC_START_TOGETHER };
/* The fastest pace a scenario may ask for, as --speed allows. */
#define SCENARIO_MAX_SPEED 1000000

struct scenario {
	char *file;        /* the name it was read from, for messages */
	char *text;        /* the whole source, for recordings */
	char *title;
	char *note;
	enum gil_policy policy;
	int64_t interval_ns;
	uint32_t checkinterval;
	int64_t duration_ns; /* 0: until every thread ends */
	unsigned cores;      /* virtual time: cores to model; 0: the machine's */
	enum sc_time time;   /* 'time virtual|real' */
	double speed;        /* 'speed F': the pace watched, virtual s a wall s; 0: unset */
	/* Free-threaded CPython's single-thread slowdown of pure-Python
	 * work, in tenths of a percent (80: cpu ops take 8% longer under
	 * gil none); SCENARIO_DEFAULT_SLOWDOWN unless the file says. */
	unsigned slowdown_permille;
	enum sc_startup startup;
	struct sc_process *procs;
	size_t nprocs;
	struct sc_thread *threads;
	size_t nthreads;
	struct sc_queue *queues;
	size_t nqueues;
	/* Shared objects ('object NAME'), each with a per-object lock under
	 * gil none (a critical section), and the names of the extension
	 * modules 'import_unsafe' imports, in order of first use. */
	char **objects;
	size_t nobjects;
	char **modules;
	size_t nmodules;
	/* 'gc every D pause P': a collection of P every D of run time
	 * (0: none). */
	int64_t gc_every_ns;
	int64_t gc_pause_ns;
	/* The op trees, owned here (threads point into them). */
	struct op **blocks;
	size_t nblocks;
};

/* Parse a scenario from text (len bytes; need not be NUL-terminated).
 * file is the name used in messages. Returns NULL and fills err. */
struct scenario *scenario_parse(const char *text, size_t len, const char *file,
				struct gv_error *err);
/* Read and parse a file. Returns NULL and fills err (a missing file, a
 * directory, a file over the size limit, or a parse error). */
struct scenario *scenario_load(const char *path, struct gv_error *err);
void scenario_free(struct scenario *sc);

/* The kind written as name (len bytes, need not be NUL-terminated), as in
 * the file: "cpu", "native_hold", "repeat"...; -1 if it is none of them. */
int op_kind_parse(const char *name, size_t len);

/* The work a thread's script does, summed over repeats (forever: -1);
 * a loop's, summed over its tasks. */
int64_t scenario_thread_total_ns(const struct sc_thread *t, enum op_kind kind);
/* Does an op of this kind occur in a thread's script or a loop's tasks? */
int scenario_thread_contains(const struct sc_thread *t, enum op_kind kind);
/* The same over any list of ops (a thread's script or a block's body).
 * Saturates at INT64_MAX; 0 for the block kinds (repeat, forever). */
int64_t scenario_ops_total_ns(const struct op *ops, size_t n, enum op_kind kind);
/* Does an op of this kind occur anywhere in ops, blocks included? */
int scenario_ops_contain(const struct op *ops, size_t n, enum op_kind kind);

#endif
