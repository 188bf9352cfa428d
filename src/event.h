/*
 * event.h -- the record of one thing that happened to a GIL or a thread.
 *
 * The enums events carry live here: event types, release reasons, op
 * kinds. Every module speaks in these: the GIL and the engine produce them, the
 * ring carries them, history, stats, report, trace and ui consume them.
 * An event is 24 bytes so that a ring slot (event plus the slot's own
 * turn counter) is 32 bytes, two to a cache line.
 */
#ifndef GILVIZ_EVENT_H
#define GILVIZ_EVENT_H

#include <stdint.h>

/* The source id of events that belong to a GIL rather than to a thread
 * (an interval change): aux then names the GIL, and seq counts that GIL's
 * own events (each GIL numbers its events from 0). */
#define EVENT_TID_GIL 0xFFFFu

enum event_type {
	EV_NONE = 0,
	EV_THREAD_START,  /* a simulated thread begins its script */
	EV_THREAD_END,    /* ... and ends it */
	EV_OP_START,      /* aux: enum op_kind; arg: the op's duration in ns */
	EV_OP_END,        /* aux: enum op_kind; an io, sleep or native op
	                     ends after the GIL has been taken back, so
	                     every op ends with the thread holding it */
	EV_GIL_REQUEST,   /* the thread wants the GIL */
	EV_GIL_ACQUIRE,   /* it has it; arg: ns waited since its request;
	                     aux: 1 if this was a switch (another thread
	                     held it last) */
	EV_GIL_RELEASE,   /* voluntary release; aux: enum release_reason */
	EV_DROP_REQUEST,  /* this thread timed out waiting and set the drop
	                     request; arg: ns it had waited */
	EV_FORCED_DROP,   /* the holder saw the drop request and dropped;
	                     arg: the forced switch's number on its GIL,
	                     from 1 (0 in recordings made before) */
	EV_FAILED_WAKEUP, /* a waiter woke to a release but found the GIL
	                     taken again */
	EV_INTERVAL,      /* tid EVENT_TID_GIL, aux: GIL index;
	                     arg: the new switch interval in ns */
	EV_TASK,          /* an asyncio loop switches to one of its tasks:
	                     arg: the task's index in the loop (the ops
	                     until the loop's next EV_TASK are that task's) */
	EV_OFF_CORE,      /* the thread, runnable, lost its core (preempted by
	                     the OS) during work; t: when. Always followed by
	                     EV_ON_CORE before any other event of the thread */
	EV_ON_CORE,       /* ... and has a core again; arg: ns it was off */
	EV_STW_STOP,      /* the thread stopped at a check for another's
	                     stop-the-world pause (gc) */
	EV_STW_GO,        /* ... the pause is over; arg: ns it was stopped */
	/* Free-threaded Python's per-object locks (critical sections, under
	 * gil none only): aux names the object (scenario.objects). */
	EV_LOCK_WAIT,     /* the thread found the object's lock taken and
	                     waits for it */
	EV_LOCK_TAKE,     /* it has the lock; arg: ns it waited (0: free) */
	EV_LOCK_RELEASE,  /* it let the lock go, at the end of its 'with' or
	                     suspended because it blocks; arg: ns it held it */
	EV_GIL_ENABLE,    /* the thread imported an extension not marked
	                     free-thread-safe: its process's GIL is enabled
	                     (policy new) from now on; aux: the GIL's index;
	                     arg: the module (scenario.modules). The thread
	                     waits for every other thread to stop running
	                     without the GIL, then takes it (EV_GIL_ACQUIRE) */
	EV_TYPE_COUNT
};

enum release_reason {
	RELEASE_BLOCKING = 0, /* io or sleep */
	RELEASE_NATIVE,       /* C code that releases the GIL */
	RELEASE_EXIT,         /* the thread ended */
	RELEASE_YIELD,        /* time.sleep(0): release and retake */
	RELEASE_CHECK,        /* legacy: the periodic checkinterval release */
	RELEASE_REASON_COUNT
};

/* What a thread does, op by op: the kinds of a scenario's ops, and the
 * aux of EV_OP_START and EV_OP_END. Numbers are kept in recordings: add
 * new kinds at the end. */
enum op_kind {
	OP_CPU = 0,     /* pure-Python work: needs the GIL, checks every tick */
	OP_SPIN,        /* while time.time() - start < d: pass */
	OP_IO,          /* a blocking call: GIL released while it waits */
	OP_SLEEP,       /* time.sleep(d): the same, for the lesson's sake */
	OP_NATIVE,      /* C code that releases the GIL (hashlib, NumPy) */
	OP_NATIVE_HOLD, /* C code that keeps it and never checks */
	OP_REPEAT,      /* repeat N { body } */
	OP_FOREVER,     /* forever { body } */
	/* Added with loops and queues; after the others, so that recordings
	 * made before keep their numbers. */
	OP_PUT,         /* put Q: one item onto a queue */
	OP_GET,         /* get Q: take one, blocking (GIL released) if empty */
	OP_AWAIT_IO,    /* await io D, in a task: suspend, the loop runs others */
	OP_AWAIT_SLEEP, /* await sleep D: asyncio.sleep(D) */
	OP_AWAIT_GET,   /* await get Q: suspend until an item is taken */
	OP_GC,          /* gc P: a stop-the-world pause of P (a collection) */
	OP_WITH,        /* with OBJ { body }: body in OBJ's critical section */
	OP_IMPORT_UNSAFE, /* import_unsafe "mod": an extension not marked
	                     free-thread-safe; under gil none it enables the GIL */
	OP_KIND_COUNT
};

struct event {
	uint64_t t;   /* ns since the run started, on the run's clock */
	uint64_t arg; /* meaning depends on type, see above */
	uint32_t seq; /* per-source sequence number, from 0: a gap means
	                 events of that source were dropped */
	uint16_t tid; /* source: thread index, or EVENT_TID_GIL */
	uint8_t type; /* enum event_type */
	uint8_t aux;  /* meaning depends on type, see above */
};

_Static_assert(sizeof(struct event) == 24, "an event is 24 bytes");

const char *event_type_name(enum event_type type);
const char *release_reason_name(enum release_reason reason);
/* "cpu", "native_hold", "repeat", ... as a scenario file writes them; "?"
 * for none of them. */
const char *op_kind_name(enum op_kind kind);
/* await io, await sleep, await get. */
int op_kind_is_await(enum op_kind kind);

#endif
