/*
 * sync_virtual.c -- the virtual backend of sync.h: a deterministic
 * scheduler, a virtual clock and N virtual cores.
 *
 * WHY. In real time the same scenario gives a different picture on every
 * run, and a sweep over twenty switch intervals takes minutes. Here the
 * very same GIL code (gil.c) runs over a clock that only this file moves,
 * so a run is the same, byte for byte, every time it is given the same
 * seed, and it takes as long as the machine needs to compute it, not as
 * long as it lasts.
 *
 * THREADS ARE COROUTINES. Each simulated thread is a coroutine with a
 * stack of its own. On x86-64 a switch is gilviz_sv_switch, six registers
 * and the stack pointer; elsewhere, and in sanitizer builds, a coroutine
 * is entered the first time by makecontext and swapcontext and after that
 * by _setjmp and _longjmp: glibc's swapcontext saves and sets the signal
 * mask, a system call on every switch, which made a third of the cost of
 * a switch (bench_virtual: 1.4 million events/s with it, 4.7 without),
 * and its _longjmp walks the cleanup handlers on every jump (a tenth of
 * an event's cost, gone with the register switch). One scheduler, in
 * the one OS thread that calls sync_virtual_run(), resumes them one at a
 * time. Code between two calls into this backend takes no virtual time:
 * only cpu() and spin() (work on a core), sleep() and the waits move a
 * thread through time. Nothing runs in parallel, so nothing races, and the
 * order of everything is decided by the rules below.
 *
 * THE CLOCK AND THE TIMER HEAP. Every future happening (a thread's work
 * ends, a timed wait times out, a woken thread starts running, a time
 * slice ends) is a timer keyed (time, sequence number): two timers due at
 * the same nanosecond fire in the order they were set, so ties are broken
 * the same way on every machine. The scheduler runs every thread that can
 * run now; when none can, it takes the earliest timer and moves the clock
 * to it. Timers wait in three places, all ordered by that one key: a
 * FIFO for those set for the current time, a min-heap for the time
 * slices' ends, and a min-heap for the rest (timer_next). A cancelled
 * timer stays where it is and does nothing when its time comes.
 *
 * COSTS. Every operation on a thread costs the same however many threads
 * there are: a condition's waiters are a bitmap with a Fenwick tree
 * (counting them, finding the k-th, removing one: O(log n)), queues are
 * doubly linked, timers are in heaps. Only the run's own events grow with
 * it: N threads each waiting for one GIL with a timeout time out N times
 * an interval.
 *
 * CORES. A thread that is not blocked needs a core, as on a real machine.
 * With N cores, at most N threads hold one; the others queue for one in
 * FIFO order (the ready queue). A blocked thread (on a mutex, a condition,
 * a sleep) gives its core up. When threads outnumber cores, a thread
 * running CPU work is preempted after a time slice of SV_QUANTUM_NS and
 * goes to the back of the queue, so that one core is shared fairly, as
 * the Linux scheduler shares it. A woken thread goes back to the core it
 * last had if that is free, and may queue for it while it is busy even
 * though another core is idle (place_woken).
 *
 * CPU WORK. cpu(ticks, stop) is ticks x SYNC_VIRTUAL_TICK_NS of work on
 * the thread's core. The work must end early, after the tick in progress,
 * once *stop (the GIL's eval breaker) becomes non-zero; stop is set by
 * another coroutine, so after every coroutine has run the scheduler looks
 * at the stop flags of the threads doing work on a core (at most N of
 * them) and cuts their work to the end of the tick in progress. spin(until,
 * max_ticks, stop) is the same work, ending at the first tick boundary at
 * which the clock has reached until. A thread whose work ends before any
 * other timer is due simply moves the clock on and goes on, without a
 * trip through the scheduler: that fast path is what makes a minute of
 * simulated work take milliseconds.
 *
 * WHAT THE OS WOULD CHOOSE, AND THE MODEL. Where a real kernel would make
 * a choice, this scheduler makes it by a rule or from a seeded PRNG
 * (splitmix64; the same seed gives the same draws):
 *
 *   - A thread woken by pthread_cond_signal or a mutex unlock becomes
 *     runnable after a wake-up latency drawn from SV_WAKE_LATENCY (by
 *     deciles; the top point is the 99th percentile, interpolated
 *     linearly). It is the time from the start of the signal to the
 *     woken thread checking the lock, measured with both cores busy
 *     (real time, legacy GIL, two CPU threads on 2 cores: from a release
 *     that woke the sleeping waiter to that waiter's next failed wake-up
 *     or acquisition; median 20.4 us). The older figure, 4.5 us, came
 *     from bench/measure_wakeup with an idle signaller and made the
 *     legacy waiter win nearly every race: 2 switches in 1 s, where real
 *     time shows hundreds to a thousand a second.
 *   - The thread that signals (or unlocks) and so wakes a sleeping thread
 *     spends SV_FUTEX_WAKE_NS in the futex wake system call, busy on its
 *     core (measured in the same runs: the gap from such a release to the
 *     releaser's next request, median 12.7 us; with no sleeper to wake it
 *     is under 2 us, and costs nothing here). A waiter wins the legacy
 *     lock only when it runs before its waker comes back: about 5% of its
 *     wake-ups, as in real time (0.7 to 5.4% over three 300 ms runs).
 *   - Every woken thread, whether by a signal or by its timer, pays its
 *     latency before it looks for a core: it takes a free one, or preempts
 *     the working thread that has run longest if that one has run
 *     SV_WAKEUP_GRAN_NS more, or queues. A core is not reserved for it
 *     meanwhile. Before, a thread that found a free core waited its 90 us
 *     timer latency on it while a thread timing out 2 us later, finding
 *     no free core, went through the ready queue in 2 us and overtook it;
 *     with four spinners on 2 cores the first lost every race and waited
 *     505 ms of a 500 ms run (real time: every thread p50 15-17.5 ms,
 *     max 20-65 ms; now p50 10 ms, max 40-92 ms).
 *   - A thread woken by its timer (a timed wait timing out, a sleep
 *     ending) runs after a latency drawn from SV_TIMER_LATENCY, the
 *     measured overshoot of pthread_cond_timedwait and nanosleep past
 *     their deadline on this machine (the kernel's timer slack).
 *   - A thread woken by a running thread, when every core is busy,
 *     preempts the thread that woke it at once if that one has
 *     run (done work on a core, over its whole life) SV_WAKEUP_GRAN_NS
 *     more than the woken one: the Linux scheduler's wake-up preemption,
 *     which compares the two threads' virtual run times. That is what lets the legacy GIL change hands on one
 *     core, and it is why on two cores its woken waiter, running on the
 *     free core a few microseconds later, nearly always finds the lock
 *     taken again: the "GIL battle".
 *   - A thread taken from the ready queue onto a core starts after
 *     SV_SWITCH_NS, the cost of a context switch.
 *   - A signal wakes the oldest of the condition's sleeping waiters, as
 *     the kernel's futex queue is FIFO, unless the newest waiter began
 *     its wait less than SV_STEAL_WINDOW_NS before: it has released the
 *     mutex but is not asleep yet, and it takes a signal posted meanwhile
 *     itself SV_STEAL_PCT percent of the time, less the longer it slept
 *     before (cond_pick says why). That
 *     race is how an I/O thread beside two hogs loses the handoff to the
 *     hog that has just asked for it, several times in a row, a fresh
 *     interval each time: CPython's spread of waits (p99 several times
 *     p50). Waiters on a mutex are
 *     woken in FIFO order; a released mutex is not handed over: the woken
 *     waiter tries again when it runs, and the thread that released it
 *     may take it back first, as with a futex. Who wins that race is
 *     decided by the drawn latencies above.
 *   - Mutex and condition operations themselves take no time.
 *
 * The latencies were measured on the machine gilviz was developed on (2
 * cores, Linux 6.x, Debian 12, gcc 12) with bench/measure_wakeup.c, which
 * prints the same deciles: `make bench/measure_wakeup && bench/measure_wakeup`.
 * Run it on another machine and change the tables to model that machine.
 *
 * DETERMINISM. The tick is a fixed SYNC_VIRTUAL_TICK_NS (50 ns), not the
 * real backend's calibration, and every draw is made in integer arithmetic,
 * so that the same scenario, options and seed give the same events on any
 * machine.
 *
 * SANITIZERS. Switching stacks behind AddressSanitizer's or
 * ThreadSanitizer's back would make them report nonsense, so every switch
 * is announced to them (fibers), when the build uses them.
 *
 * THE OUTSIDE WORLD. Only the thread that drives the scheduler (the one
 * calling sync_virtual_run) may touch the virtual world, and only between
 * two runs: it may lock a free mutex, unlock it, signal and broadcast (the
 * engine does, to stop a run). Waiting or working from outside a
 * coroutine is a fatal error. now() may be read from any thread.
 */
#include "config.h"

/* _longjmp between coroutine stacks is what this file does on purpose;
 * fortified longjmp (__longjmp_chk) would take a jump to another stack for
 * a corrupted one and abort. */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "sync.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define SV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SV_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SV_TSAN 1
#endif
#endif
#ifdef SV_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef SV_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* Switching stacks. glibc's _longjmp, which this file used after a
 * coroutine's first entry, also walks the thread's cleanup handlers
 * (__pthread_cleanup_upto) on every jump: with setjmp, about a tenth of
 * the cost of a simulated event. On x86-64 a switch is six callee-saved
 * registers and the stack pointer (the System V ABI saves nothing else
 * across a call that C code relies on, as with _longjmp). Sanitizer
 * builds and other machines keep _setjmp and _longjmp, which the
 * sanitizers know. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SV_ASAN) && !defined(SV_TSAN)
#define SV_ASM_SWITCH 1
/* Saves the callee-saved registers on the current stack, stores the
 * stack pointer in *save, and resumes the stack `to` (saved the same way,
 * or made by co_stack_init). */
void gilviz_sv_switch(void **save, void *to) __attribute__((visibility("hidden")));
void gilviz_sv_start(void) __attribute__((visibility("hidden")));
__asm__(".text\n"
	".p2align 4\n"
	".globl gilviz_sv_switch\n"
	".hidden gilviz_sv_switch\n"
	".type gilviz_sv_switch,@function\n"
	"gilviz_sv_switch:\n"
	"\tpushq %rbp\n\tpushq %rbx\n\tpushq %r12\n"
	"\tpushq %r13\n\tpushq %r14\n\tpushq %r15\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tpopq %r15\n\tpopq %r14\n\tpopq %r13\n"
	"\tpopq %r12\n\tpopq %rbx\n\tpopq %rbp\n"
	"\tret\n"
	".size gilviz_sv_switch, .-gilviz_sv_switch\n"
	/* A new coroutine's first return lands here: r13 holds the
	 * function, r12 its argument; the function never returns. */
	".p2align 4\n"
	".globl gilviz_sv_start\n"
	".hidden gilviz_sv_start\n"
	".type gilviz_sv_start,@function\n"
	"gilviz_sv_start:\n"
	"\tmovq %r12, %rdi\n"
	"\tcallq *%r13\n"
	"\tud2\n"
	".size gilviz_sv_start, .-gilviz_sv_start\n");
#endif

/* The model's constants (see the comment above and gilviz(1)). */
#define SV_QUANTUM_NS 3000000     /* time slice when threads outnumber cores */
#define SV_WAKEUP_GRAN_NS 1000000 /* wake-up preemption granularity */
#define SV_SWITCH_NS 2000         /* ready queue to running */
#define SV_STEAL_WINDOW_NS 1000   /* a waiter this new is not asleep yet */
#define SV_BALANCE_NS 4000000     /* an idle core pulls a queued thread at a tick */
#define SV_CACHE_HOT_NS 500000    /* ... once it has been queued this long */
#define SV_STACK_SIZE (256 * 1024)
#define SV_OUTSIDE_LOCK_NS 1000000000 /* the driver waits this long for a thread's lock */

/* ... and takes a signal posted meanwhile this share of the time (%),
 * by how long it slept before: its last wait on a condition or sleep,
 * until it ran again (none yet: as the first point). Between two points
 * the share is linear in the sleep (in integers, rounded down); below
 * the first and above the last it is theirs. */
#define SV_STEAL_POINTS 3
static const int64_t SV_STEAL_SLEEP_NS[SV_STEAL_POINTS] = { 1000000, 2000000, 5000000 };
static const int SV_STEAL_PCT[SV_STEAL_POINTS] = { 75, 70, 65 };

/* Deciles 0..90 and the 99th percentile, in ns. */
static const int64_t SV_WAKE_LATENCY[11] = {
	5700, 19900, 20050, 20200, 20300, 20400, 20600, 20800, 21200, 24000, 45000,
};
static const int64_t SV_FUTEX_WAKE_NS[11] = {
	3000, 12200, 12350, 12450, 12550, 12650, 12750, 12900, 13100, 13600, 18000,
};
static const int64_t SV_TIMER_LATENCY[11] = {
	27000, 78000, 86000, 87000, 88000, 89500, 91500, 93500, 98000, 104000, 140000,
};

enum co_state {
	CO_RUN_NOW,  /* has a core, queued to run at the current time */
	CO_CURRENT,  /* running right now */
	CO_CPU,      /* doing work on its core until a timer */
	CO_DISPATCH, /* has a core, starts when its latency has passed */
	CO_WAKING,   /* woken, not runnable until its wake-up latency has passed */
	CO_READY,    /* waits for a core */
	CO_BLOCKED,  /* on a mutex, a condition, a sleep or a join */
	CO_DONE,
};

enum timer_kind { T_RESUME, T_CPU_DONE, T_QUANTUM, T_TIMEOUT, T_WAKE, T_BALANCE };

/* The fields the scheduler reads on every timer and switch come first,
 * together in a cache line or two; the contexts and the rest after them:
 * with thousands of threads, each timer that fires touches one thread's
 * struct, and a miss per field was most of the cost of a timeout. */
struct sync_thread {
	enum co_state state;
	int core;       /* -1: none */
	int last_core;  /* the core it last had (-1: none yet) */
	int pin_core;   /* ready, but only for this core until a balance (-1: any) */
	int64_t pin_until; /* ... until this balancing tick */
	uint32_t gen;   /* invalidates its pending T_RESUME/T_CPU_DONE/T_TIMEOUT */
	uint32_t qgen;  /* invalidates its pending T_QUANTUM */
	bool q_armed;
	bool must_yield; /* it lost its core to a thread it woke */
	bool in_cpu;
	bool started;
	int64_t slice_start; /* when it got its core */
	int64_t run_ns;      /* work done on a core so far: its "vruntime" */
	/* Waiting. */
	struct sync_thread *next, *prev; /* in at most one queue at a time */
	struct sync_cond *cond;   /* the condition it waits on, if any */
	unsigned slot;            /* its slot among cond's waiters */
	bool timed_out;
	int64_t wait_since;       /* when it began to wait on cond */
	int64_t slept;            /* its last wait on a condition or sleep */
	struct sync_virtual *v;
#ifdef SV_ASM_SWITCH
	void *sp;         /* where it is suspended (sv_switch) */
#endif

	/* Work in progress (cpu, spin), in ns of work done on a core. */
	bool spin;
	bool cut;
	const atomic_int *stop;
	int64_t work_done;
	int64_t work_end;   /* the work_done at which it ends */
	int64_t work_max;
	int64_t cut_end;    /* where the eval breaker cut it, once cut */
	int64_t spin_until;
	int64_t seg_start;  /* when the current stretch on a core began */
	/* Runnable off a core (sync.h's offcore): since when (-1: on one, or
	 * not runnable). */
	int64_t off_since;

	struct sync_thread *joiner;
	char *map;      /* the mapping: a guard page, then the stack */
	size_t map_len;
	sync_thread_fn fn;
	void *arg;
	void *ret;
	unsigned id;
#ifndef SV_ASM_SWITCH
	ucontext_t ctx;   /* only for the first entry */
	jmp_buf jb;       /* where it is suspended, after that */
#endif

#ifdef SV_ASAN
	void *fake_stack;
#endif
#ifdef SV_TSAN
	void *fiber;
#endif
};

struct queue {
	struct sync_thread *head, *tail;
};

struct sync_mutex {
	struct sync_thread *owner; /* NULL: free */
	bool external;             /* held by the driving thread */
	struct queue waiters;
};

/* A condition's waiters (ws_push and the functions beside it). */
struct waiters {
	struct sync_thread **co; /* [cap]: slots in the order of waiting */
	uint64_t *mask;          /* [nwords]: the filled slots */
	int *bit;                /* [nwords]: Fenwick tree of their counts */
	unsigned cap, nwords, tail, n; /* slots, words, slots used, waiters */
};

struct sync_cond {
	struct waiters waiters;
};

/* key: the time (never negative) in the high half, the sequence number
 * in the low: one unsigned comparison orders two timers, without the
 * branches a compare of (time, sequence) took, which the heap's sift
 * mispredicted half the time. */
__extension__ typedef unsigned __int128 timer_key;

struct timer {
	timer_key key;
	struct sync_thread *co;
	uint32_t gen;
	uint8_t kind;
};

struct timer_heap {
	struct timer *t;
	size_t n, cap;
};

/* Timers of which at most one a core counts: the last set for each core
 * (co NULL: none), and the earliest of them (-1: none). */
struct core_slots {
	struct timer *t;
	int first;
};

struct sync_virtual {
	struct sync base;
	_Atomic int64_t clock;
	uint64_t rng;
	unsigned ncores;
	struct sync_thread **cores;
	unsigned nfree; /* cores with no thread */
	unsigned npinned; /* ready threads queued for one core (pin_core) */
	int64_t balance_at; /* the next balancing tick's T_BALANCE (0: none) */
	struct queue ready;
	struct queue run_now;
	struct sync_thread *current;
	unsigned live;
	unsigned next_id;
	int64_t run_until;
	bool heed_backlog; /* this run stops at a backlog (the driver's runs) */
	bool poked;        /* poke() since the driver's last run */
	unsigned backlog_in; /* looks to go before the next that asks */

	/* The run's time, as the driver sees it (sync.h's advance). */
	struct sync_cond naps;  /* sleeping threads, for interrupt */
	bool interrupted;
	atomic_int paused;
	double speed;           /* virtual seconds per wall second; 0: unpaced */
	bool pace_set;          /* the wall and virtual times at which */
	int64_t pace_wall;      /* pacing (re)started */
	int64_t pace_virt;

	struct timer_heap heap;  /* every timer but those below */
	/* The time slices' ends (T_QUANTUM) and the ends of the stretches of
	 * work (T_CPU_DONE): one of each a core (core_slots_set). */
	struct core_slots quanta, work_ends;
	/* Timers set for the current time (a thread given a free core at
	 * once, mostly): in the order set, apart from the heap (timer_push). */
	struct timer *nowq;
	size_t nowq_head, nnowq, capnowq; /* capnowq: a power of two */
	uint64_t timer_seq;

#ifdef SV_ASM_SWITCH
	void *sched_sp;
#else
	ucontext_t sched_ctx;
	jmp_buf sched_jb;
#endif
#ifdef SV_ASAN
	const void *sched_bottom;
	size_t sched_size;
#endif
#ifdef SV_TSAN
	void *sched_fiber;
#endif
};

static struct sync_virtual *virt(struct sync *s)
{
	return (struct sync_virtual *)s;
}

static inline int64_t clock_get(const struct sync_virtual *v)
{
	return atomic_load_explicit(&v->clock, memory_order_relaxed);
}

static inline void clock_set(struct sync_virtual *v, int64_t t)
{
	atomic_store_explicit(&v->clock, t, memory_order_relaxed);
}

/* ---- the seeded source and the model's draws ------------------------- */

/* splitmix64: small, fast, and good enough to draw latencies from. */
static uint64_t rng_next(struct sync_virtual *v)
{
	uint64_t z = (v->rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A draw from a distribution given by 11 quantiles (0, 10, ..., 90, 99
 * percent, the last standing for 100), interpolated linearly, in integer
 * arithmetic so that every machine draws the same nanoseconds. */
static int64_t draw(struct sync_virtual *v, const int64_t q[11])
{
	uint64_t u = rng_next(v) >> 44; /* 20 bits */
	uint64_t pos = u * 10;          /* in units of 2^-20 deciles */
	unsigned i = (unsigned)(pos >> 20);
	uint64_t frac = pos & ((1u << 20) - 1);
	return q[i] + (int64_t)(((uint64_t)(q[i + 1] - q[i]) * frac) >> 20);
}

/* ---- queues and the timer heap --------------------------------------- */

/* Queues are doubly linked: a thread leaves the ready queue from
 * anywhere in O(1), however many threads queue for a core. */
static void q_push(struct queue *q, struct sync_thread *co)
{
	co->next = NULL;
	co->prev = q->tail;
	if (q->tail)
		q->tail->next = co;
	else
		q->head = co;
	q->tail = co;
}

static void q_remove(struct queue *q, struct sync_thread *co)
{
	if (co->prev)
		co->prev->next = co->next;
	else
		q->head = co->next;
	if (co->next)
		co->next->prev = co->prev;
	else
		q->tail = co->prev;
	co->next = co->prev = NULL;
}

static struct sync_thread *q_pop(struct queue *q)
{
	struct sync_thread *co = q->head;
	if (co)
		q_remove(q, co);
	return co;
}

/* ---- a condition's waiters ------------------------------------------- */

/* The waiters of a condition, in the order they began to wait: slots
 * filled in that order (a waiter that leaves empties its slot), a bitmap
 * of the filled ones, and a Fenwick tree of the bitmap's words' counts,
 * so that counting them, finding the k-th and removing any one cost
 * O(log n), not a walk along a list: with thousands of threads waiting
 * for one GIL, every signal and every timed wait's timeout used to walk
 * them all. With up to 64 slots (a few threads) the tree has one node and
 * all of it is a word of bits. When the slots run out they are packed
 * (and doubled if more than half are still filled): O(1) a wait,
 * amortized. */
#define WS_WORD 64

static void ws_bit_add(struct waiters *w, unsigned word, int d)
{
	for (unsigned i = word + 1; i <= w->nwords; i += i & -i)
		w->bit[i - 1] += d;
}

/* Pack the filled slots to the front of cap slots (a multiple of
 * WS_WORD words, a power of two), in order. */
static void ws_pack(struct waiters *w, unsigned cap)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->tail; i++)
		if (w->mask[i / WS_WORD] >> (i % WS_WORD) & 1) {
			w->co[n] = w->co[i];
			w->co[n]->slot = n;
			n++;
		}
	unsigned nwords = cap / WS_WORD;
	if (cap != w->cap) {
		w->co = xreallocarray(w->co, cap, sizeof *w->co);
		free(w->mask);
		free(w->bit);
		w->mask = xcalloc(nwords, sizeof *w->mask);
		w->bit = xcalloc(nwords, sizeof *w->bit);
		w->cap = cap;
		w->nwords = nwords;
	}
	/* The first n slots filled; node i of the tree covers the words
	 * (i - lowbit(i), i]. */
	for (unsigned i = 0; i < nwords; i++)
		w->mask[i] = n >= (i + 1) * WS_WORD ? ~(uint64_t)0
			     : n > i * WS_WORD     ? ((uint64_t)1 << (n - i * WS_WORD)) - 1
						   : 0;
	for (unsigned i = 1; i <= nwords; i++) {
		unsigned lo = (i - (i & -i)) * WS_WORD, hi = i * WS_WORD;
		w->bit[i - 1] = (int)(n >= hi ? hi - lo : n > lo ? n - lo : 0);
	}
	w->tail = n;
}

static void ws_push(struct waiters *w, struct sync_thread *co)
{
	if (w->tail == w->cap) {
		unsigned cap = w->cap ? w->cap : WS_WORD;
		while (w->n * 2 > cap)
			cap *= 2;
		ws_pack(w, cap);
	}
	unsigned slot = w->tail++;
	co->slot = slot;
	w->co[slot] = co;
	w->n++;
	w->mask[slot / WS_WORD] |= (uint64_t)1 << (slot % WS_WORD);
	if (w->nwords > 1)
		ws_bit_add(w, slot / WS_WORD, 1);
}

static void ws_remove(struct waiters *w, struct sync_thread *co)
{
	unsigned slot = co->slot;
	w->mask[slot / WS_WORD] &= ~((uint64_t)1 << (slot % WS_WORD));
	w->n--;
	if (w->nwords > 1)
		ws_bit_add(w, slot / WS_WORD, -1);
	if (w->n == 0)
		w->tail = 0; /* every slot is empty: start over */
}

/* The k-th waiter (0: the oldest), k < n. */
static struct sync_thread *ws_nth(const struct waiters *w, unsigned k)
{
	unsigned word = 0;
	if (w->nwords > 1)
		for (unsigned step = w->nwords; step; step >>= 1)
			if (word + step <= w->nwords && (unsigned)w->bit[word + step - 1] <= k) {
				word += step;
				k -= (unsigned)w->bit[word - 1];
			}
	uint64_t m = w->mask[word];
	while (k--)
		m &= m - 1;
	return w->co[word * WS_WORD + (unsigned)__builtin_ctzll(m)];
}

static struct sync_thread *ws_pop(struct waiters *w)
{
	if (w->n == 0)
		return NULL;
	struct sync_thread *co = ws_nth(w, 0);
	ws_remove(w, co);
	return co;
}

static void ws_free(struct waiters *w)
{
	free(w->co);
	free(w->mask);
	free(w->bit);
}

/* The waiter a signal wakes, removed from w.
 *
 * glibc's pthread_cond_signal posts a signal and wakes one sleeper through
 * a futex, whose queue is FIFO: the oldest waiter. But a thread that has
 * only just called pthread_cond_wait has released the mutex and is still
 * on its way into the kernel; a signal posted in that window of a few
 * hundred nanoseconds is found by it, and the sleeper the futex woke finds
 * none and sleeps again. In CPython's take_gil that window is the one
 * that matters: a waiter times out, sets the drop request and waits again;
 * the holder sees the request at its next check, tens of nanoseconds
 * later, and drops the GIL at once. Whether its signal lands before the
 * requester sleeps decides whether the I/O thread, which has waited
 * longer, gets the GIL, or the requesting hog does (measured with a C
 * program doing take_gil's steps, two spinning holders and a thread
 * sleeping 1 ms: the requester won about two handoffs in three; with one
 * system call more between the holder's check and its drop, a few in a
 * hundred). So: the newest waiter, if it began to wait within
 * SV_STEAL_WINDOW_NS, takes the signal a share of the time (steal_pct);
 * otherwise the oldest does.
 *
 * The share depends on how long the requester slept before it timed out:
 * about the interval. bench/takegil_race, which does take_gil's steps in
 * plain pthreads, gives the I/O thread 20%, 34%, 39% and 40% of the
 * forced handoffs made while it waited at 1, 2, 5 and 20 ms (6 s runs).
 * With its probe on, the dropper finds the mutex still held in 32%,
 * 49%, 65% and 91% of them: a requester that slept longer is slower from
 * its drop request to its wait, the dropper blocks on the mutex, and by
 * the time it signals the requester is asleep (the I/O thread then won
 * 25-49% of those, against 12-19% when the mutex was free). CPython
 * 3.11's convoy gives the I/O thread about the same shares: its mean
 * waits beside two hogs (make bench, case 5) are what winning about 25%
 * of the handoffs at 1 ms and 34% at 5 ms gives. A single share of 65%
 * made virtual time's waits at 1 ms 0.55-0.66 of CPython's; the shares
 * are 75% after a sleep of at most 1 ms, 70% at 2 ms and 65% from 5 ms
 * on (SV_STEAL_SLEEP_NS), where 5 and 20 ms were already right. A draw
 * is made only when there is a choice, so a run in which no signal ever
 * finds two waiters draws what it drew before this rule.
 *
 * CPython itself, traced at its pthread calls (bench/handoffs.py; two
 * 15 s runs at each interval), comes close where a hog asks: the asking
 * hog, newest sleeper, won 77-80%, 50-65% and 46-54% of the handoffs at
 * 1, 5 and 20 ms. Not where the I/O thread asks: it won 0-2% when its
 * timeout had woken it on the dropper's CPU (78-583 handoffs a run) and
 * 6-34% from another CPU (34-349), where this rule gives it 65-75%. Its
 * timeouts woke it on the holder's CPU in 59-74% (eleven runs, median
 * 62%); this model puts it on a free core. Putting it on its busy last
 * core 62-63% of the time was tried: beside two hogs at 1 ms the mean
 * wait over seeds 1-10 went from 3.08 to 3.88 ms (CPython 3.31-4.03 in
 * five bench_cases runs), but the median wait split between seeds, 2.3 ms
 * or 3.3 ms (CPython 2.32-2.50 in every run), and the requester's share of
 * the handoffs fell to 51% against real time's 71%; 5 and 20 ms did not
 * move. Not kept. And beside the hogs CPython's I/O thread holds the
 * GIL 19-43 us of wall time a wake-up (p50), bench_cases' scenario 1 us,
 * so that the forced dropper is back in its timed wait before the I/O
 * thread drops in 21-62% of them (more at longer intervals); its first
 * timeout then finds the switch number moved and asks nothing. The hold
 * is as long whether the dropper woke on the I/O thread's CPU or not,
 * with hogs whose data is 16 MB as with `x += 1`, and two processes
 * burning both CPUs leave the lone I/O thread's hold at 3.4 us: its cause
 * is not known. None of this is modelled yet. */
_Static_assert(sizeof((struct sync_virtual_model *)0)->steal_pct ==
		       SV_STEAL_POINTS * sizeof(int), "the model's steal table");

static int steal_pct(int64_t slept)
{
	if (slept <= SV_STEAL_SLEEP_NS[0])
		return SV_STEAL_PCT[0];
	for (int i = 1; i < SV_STEAL_POINTS; i++) {
		if (slept > SV_STEAL_SLEEP_NS[i])
			continue;
		int64_t x0 = SV_STEAL_SLEEP_NS[i - 1], x1 = SV_STEAL_SLEEP_NS[i];
		int64_t y0 = SV_STEAL_PCT[i - 1], y1 = SV_STEAL_PCT[i];
		return (int)(y0 + (y1 - y0) * (slept - x0) / (x1 - x0));
	}
	return SV_STEAL_PCT[SV_STEAL_POINTS - 1];
}

static struct sync_thread *cond_pick(struct sync_virtual *v, struct waiters *w)
{
	if (w->n < 2)
		return ws_pop(w);
	struct sync_thread *newest = ws_nth(w, w->n - 1);
	if (clock_get(v) - newest->wait_since <= SV_STEAL_WINDOW_NS &&
	    rng_next(v) % 100 < (uint64_t)steal_pct(newest->slept)) {
		ws_remove(w, newest);
		return newest;
	}
	return ws_pop(w);
}

static inline bool timer_before(const struct timer *a, const struct timer *b)
{
	return a->key < b->key;
}

static inline int64_t timer_t_of(const struct timer *tm)
{
	return (int64_t)(uint64_t)(tm->key >> 64);
}

/* Out of line, so that the pushes' common path saves no registers. */
static __attribute__((noinline, cold)) void heap_grow(struct timer_heap *hp)
{
	hp->cap = hp->cap ? hp->cap * 2 : 64;
	hp->t = xreallocarray(hp->t, hp->cap, sizeof *hp->t);
}

static inline void heap_insert(struct timer_heap *hp, const struct timer *tm)
{
	if (hp->n == hp->cap)
		heap_grow(hp);
	struct timer *h = hp->t;
	size_t i = hp->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_before(tm, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = *tm;
}

/* The hole left at the top goes down to a leaf along the smaller
 * children (one comparison a level, without a branch on its outcome),
 * then the last timer goes up from there (rarely more than a level or
 * two): fewer comparisons than sifting the last one down. Keys are
 * unique, so the order of pops is the same whatever the heap's layout. */
static inline void heap_pop(struct timer_heap *hp)
{
	size_t n = --hp->n;
	if (n == 0)
		return;
	struct timer *h = hp->t;
	size_t i = 0, c;
	/* Both children in the heap (h[n], the last, is not). */
	while ((c = 2 * i + 2) < n) {
		c -= timer_before(&h[c - 1], &h[c]);
		h[i] = h[c];
		i = c;
	}
	if (c - 1 < n) { /* a left child only */
		h[i] = h[c - 1];
		i = c - 1;
	}
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!timer_before(&h[n], &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = h[n];
}

/* The earliest of a kind's core timers, after one was set or taken. */
static void core_slots_first(const struct sync_virtual *v, struct core_slots *cs)
{
	int first = -1;
	for (unsigned i = 0; i < v->ncores; i++)
		if (cs->t[i].co && (first < 0 || timer_before(&cs->t[i], &cs->t[first])))
			first = (int)i;
	cs->first = first;
}

/*
 * A time slice's end, or the end of a stretch of work, for core's thread.
 * It takes the place of the last one of its kind set for that core, which
 * no longer counts:
 *   - a thread's slice ends only while it works on the core it had when
 *     the slice was set, and every way off a core (the work done,
 *     preempted, the slice over) makes the thread's slices stale (qgen);
 *   - only the thread working on a core has a stretch of work there, and
 *     its stretch is set again only after the last one ended, was cut
 *     (the eval breaker) or lost the core, each of which makes the last
 *     one stale (gen).
 * So at most one of each kind a core can count, and the cores' slots
 * replace a heap that held them all until their time. With eight threads
 * on two cores at 0.1 ms, all but 27 of the 843,134 time slices popped
 * in a 60 s run were stale (the heap held 45 timers on average), and so
 * were 31% of the ends of stretches of work in a 10 s run (heap of 10).
 */
static void core_slots_set(struct sync_virtual *v, struct core_slots *cs, int core,
			   const struct timer *tm)
{
	cs->t[core] = *tm;
	if (cs->first == core)
		core_slots_first(v, cs);
	else if (cs->first < 0 || timer_before(tm, &cs->t[cs->first]))
		cs->first = core;
}

static __attribute__((noinline, cold)) void nowq_grow(struct sync_virtual *v)
{
	size_t cap = v->capnowq ? v->capnowq * 2 : 64;
	struct timer *q = xreallocarray(NULL, cap, sizeof *q);
	for (size_t i = 0; i < v->nnowq; i++)
		q[i] = v->nowq[(v->nowq_head + i) & (v->capnowq - 1)];
	free(v->nowq);
	v->nowq = q;
	v->nowq_head = 0;
	v->capnowq = cap;
}

/* A timer for t. One set for the current time is due after every timer
 * already set for it (a smaller sequence number) and before any later
 * one: it goes to the back of a FIFO (nowq), not through the heap, and
 * timer_next merges the two. The clock moves on only when both hold
 * nothing due now, so every timer in nowq is for the current time. About
 * a third of all timers are such, and the heap was a quarter of the cost
 * of an event. Inlined: a call saved and restored more registers than the
 * push itself took instructions. */
static inline __attribute__((always_inline)) void
heap_push(struct sync_virtual *v, int64_t t, struct sync_thread *co, uint32_t gen,
	  enum timer_kind kind)
{
	struct timer tm = { .key = (timer_key)(uint64_t)t << 64 | v->timer_seq++,
			    .co = co, .gen = gen, .kind = (uint8_t)kind };
	if (t != clock_get(v)) {
		if (kind == T_QUANTUM)
			core_slots_set(v, &v->quanta, co->core, &tm);
		else if (kind == T_CPU_DONE)
			core_slots_set(v, &v->work_ends, co->core, &tm);
		else
			heap_insert(&v->heap, &tm);
		return;
	}
	if (v->nnowq == v->capnowq)
		nowq_grow(v);
	v->nowq[(v->nowq_head + v->nnowq++) & (v->capnowq - 1)] = tm;
}

/* A kind's earliest core timer (NULL: none). */
static inline const struct timer *slots_earliest(const struct core_slots *cs)
{
	return cs->first >= 0 ? &cs->t[cs->first] : NULL;
}

/* The earliest timer (NULL: none), of the four places timers wait.
 * Time slices and the ends of stretches of work have places of their own
 * (core_slots_set): many are cancelled (a thread's stretch of work ends
 * long before its slice, and a drop request cuts it short). Spelled out:
 * with a helper for the comparison, a run took 1.5% more instructions. */
static inline const struct timer *timer_next(const struct sync_virtual *v)
{
	const struct timer *best = v->heap.n ? &v->heap.t[0] : NULL;
	if (v->quanta.first >= 0 && (!best || timer_before(&v->quanta.t[v->quanta.first], best)))
		best = &v->quanta.t[v->quanta.first];
	if (v->work_ends.first >= 0 &&
	    (!best || timer_before(&v->work_ends.t[v->work_ends.first], best)))
		best = &v->work_ends.t[v->work_ends.first];
	if (v->nnowq && (!best || timer_before(&v->nowq[v->nowq_head], best)))
		best = &v->nowq[v->nowq_head];
	return best;
}

/* Take tm from cs if it is cs's earliest. */
static bool slots_take(const struct sync_virtual *v, struct core_slots *cs,
		       const struct timer *tm)
{
	if (tm != slots_earliest(cs))
		return false;
	cs->t[cs->first].co = NULL;
	core_slots_first(v, cs);
	return true;
}

/* Remove the earliest timer, which timer_next returned. */
static void timer_pop(struct sync_virtual *v, const struct timer *tm)
{
	if (v->nnowq && tm == &v->nowq[v->nowq_head]) {
		v->nowq_head = (v->nowq_head + 1) & (v->capnowq - 1);
		v->nnowq--;
	} else if (!slots_take(v, &v->quanta, tm) && !slots_take(v, &v->work_ends, tm)) {
		heap_pop(&v->heap);
	}
}

/* ---- switching stacks ------------------------------------------------- */

/* From the scheduler into a coroutine, until it yields back. */
static void switch_to(struct sync_virtual *v, struct sync_thread *co)
{
#ifdef SV_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(&fake, co->map + getpagesize(),
				       co->map_len - (size_t)getpagesize());
#endif
#ifdef SV_TSAN
	__tsan_switch_to_fiber(co->fiber, 0);
#endif
	v->current = co;
	co->state = CO_CURRENT;
#ifdef SV_ASM_SWITCH
	co->started = true;
	gilviz_sv_switch(&v->sched_sp, co->sp);
#else
	if (_setjmp(v->sched_jb) == 0) {
		if (co->started)
			_longjmp(co->jb, 1);
		co->started = true;
		if (swapcontext(&v->sched_ctx, &co->ctx) != 0)
			fatal("swapcontext failed: %s", strerror(errno));
	}
#endif
	v->current = NULL;
#ifdef SV_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
}

/* From a coroutine back to the scheduler; returns when it is resumed. */
static void co_yield(struct sync_virtual *v, struct sync_thread *co)
{
#ifdef SV_ASAN
	__sanitizer_start_switch_fiber(&co->fake_stack, v->sched_bottom, v->sched_size);
#endif
#ifdef SV_TSAN
	__tsan_switch_to_fiber(v->sched_fiber, 0);
#endif
#ifdef SV_ASM_SWITCH
	gilviz_sv_switch(&co->sp, v->sched_sp);
#else
	if (_setjmp(co->jb) == 0)
		_longjmp(v->sched_jb, 1);
#endif
#ifdef SV_ASAN
	__sanitizer_finish_switch_fiber(co->fake_stack, &v->sched_bottom, &v->sched_size);
#endif
}

/* ---- cores ------------------------------------------------------------ */

/* O(1) when every core is busy, the common case on the hot path. */
static int free_core(const struct sync_virtual *v)
{
	if (v->nfree == 0)
		return -1;
	for (unsigned i = 0; i < v->ncores; i++)
		if (!v->cores[i])
			return (int)i;
	return -1;
}

/* The thread, runnable, has just lost its core (ready queue) ... */
static void off_core(struct sync_virtual *v, struct sync_thread *co)
{
	if (!v->base.offcore)
		return;
	co->off_since = clock_get(v);
	v->base.offcore(co->arg, co->off_since, -1, SYNC_OFF_BEGIN);
}

/* ... and runs on one again. Each end is reported as it happens, so
 * the thread's events come in time order with everyone else's. */
static void on_core(struct sync_virtual *v, struct sync_thread *co)
{
	if (co->off_since < 0)
		return;
	v->base.offcore(co->arg, co->off_since, clock_get(v), SYNC_OFF_END);
	co->off_since = -1;
}

/* co has core from now on; it starts on it when dispatched. */
static void seat(struct sync_virtual *v, struct sync_thread *co, int core)
{
	v->cores[core] = co;
	v->nfree--;
	co->core = co->last_core = core;
	co->state = CO_DISPATCH;
}

static void give_core(struct sync_virtual *v, struct sync_thread *co, int core,
		      int64_t latency)
{
	seat(v, co, core);
	co->slice_start = clock_get(v) + latency;
	heap_push(v, clock_get(v) + latency, co, co->gen, T_RESUME);
}

/* Threads queue for a core: every thread working on one gets a time slice
 * that ends SV_QUANTUM_NS after it got its core. */
static void arm_quanta(struct sync_virtual *v)
{
	for (unsigned i = 0; i < v->ncores; i++) {
		struct sync_thread *co = v->cores[i];
		if (!co || co->state != CO_CPU || co->q_armed)
			continue;
		co->q_armed = true;
		int64_t at = co->slice_start + SV_QUANTUM_NS;
		heap_push(v, at > clock_get(v) ? at : clock_get(v), co, co->qgen, T_QUANTUM);
	}
}

/* The first ready thread that may run on core (NULL: none). */
static struct sync_thread *ready_for(const struct sync_virtual *v, int core)
{
	if (!v->npinned)
		return v->ready.head;
	for (struct sync_thread *co = v->ready.head; co; co = co->next)
		if (co->pin_core < 0 || co->pin_core == core)
			return co;
	return NULL;
}

/* Free cores go to the first threads of the ready queue that may run on
 * them. */
static void dispatch_ready(struct sync_virtual *v)
{
	int core;
	if (!v->npinned) {
		while (v->ready.head && (core = free_core(v)) >= 0)
			give_core(v, q_pop(&v->ready), core, SV_SWITCH_NS);
		return;
	}
	for (unsigned i = 0; i < v->ncores && v->nfree && v->ready.head; i++) {
		if (v->cores[i])
			continue;
		struct sync_thread *co = ready_for(v, (int)i);
		if (!co)
			continue;
		q_remove(&v->ready, co);
		if (co->pin_core >= 0) {
			co->pin_core = -1;
			v->npinned--;
		}
		give_core(v, co, (int)i, SV_SWITCH_NS);
	}
}

static void release_core(struct sync_virtual *v, struct sync_thread *co)
{
	if (co->core >= 0) {
		v->cores[co->core] = NULL;
		v->nfree++;
		co->core = -1;
	}
	dispatch_ready(v);
}

static void make_ready(struct sync_virtual *v, struct sync_thread *co)
{
	co->state = CO_READY;
	q_push(&v->ready, co);
	arm_quanta(v);
}

/* A thread working on a core loses it (time slice over, or a woken
 * thread preempts it) and goes to the back of the ready queue. */
static void preempt(struct sync_virtual *v, struct sync_thread *co)
{
	int64_t ran = clock_get(v) - co->seg_start;
	co->work_done += ran;
	co->run_ns += ran;
	co->gen++;
	co->qgen++;
	co->q_armed = false;
	v->cores[co->core] = NULL;
	v->nfree++;
	co->core = -1;
	off_core(v, co);
	make_ready(v, co);
}

/* A blocked thread can run again. If every core is busy and the thread
 * that wakes it has run SV_WAKEUP_GRAN_NS more, it takes that thread's
 * core at once (wake-up preemption, decided when the waker's system call
 * returns). Otherwise it becomes runnable only when its wake-up latency
 * has passed, and only then looks for a core (place_woken): the latency
 * is paid whether or not a core is free, so that a thread woken a little
 * later cannot overtake it through the ready queue. Returns true if the
 * waker lost its core. */
static bool wake(struct sync_virtual *v, struct sync_thread *co, const int64_t lat[11])
{
	struct sync_thread *cur = v->current;
	if (v->nfree == 0 && cur && cur != co && cur->core >= 0 &&
	    cur->run_ns >= co->run_ns + SV_WAKEUP_GRAN_NS) {
		int core = cur->core;
		cur->core = -1;
		v->cores[core] = NULL;
		v->nfree++;
		cur->must_yield = true;
		give_core(v, co, core, draw(v, lat));
		make_ready(v, cur);
		return true;
	}
	co->state = CO_WAKING;
	heap_push(v, clock_get(v) + draw(v, lat), co, co->gen, T_WAKE);
	return false;
}

static void resume(struct sync_virtual *v, struct sync_thread *co);

/* give_core with no latency, from the scheduler: its T_RESUME would be
 * due now, after every timer already due now; when there is none, it
 * would be the very next timer fired (nothing runs before: run_now is
 * empty while a timer fires), so it is done at once, without a timer.
 * About one timer in four of a GIL hand-over. */
static void give_core_now(struct sync_virtual *v, struct sync_thread *co, int core)
{
	const struct timer *next = timer_next(v);
	if (next && timer_t_of(next) <= clock_get(v)) {
		give_core(v, co, core, 0);
		return;
	}
	seat(v, co, core);
	v->timer_seq++; /* the sequence number it would have taken */
	resume(v, co);
}

/* The work c has done on cores, its stretch in progress included. */
static int64_t ran_ns(const struct sync_thread *c, int64_t now)
{
	return c->run_ns + (c->state == CO_CPU ? now - c->seg_start : 0);
}

/* Whether a woken thread would preempt c, the thread on a core: c has
 * run SV_WAKEUP_GRAN_NS more. */
static bool would_preempt(const struct sync_thread *c, const struct sync_thread *co, int64_t now)
{
	return ran_ns(c, now) >= co->run_ns + SV_WAKEUP_GRAN_NS;
}

/* The woken thread queues for core, its last, which is busy, though
 * another is idle: it runs there when the core's thread blocks or its time
 * slice ends, or an idle core pulls it at the first scheduler tick once
 * it is no longer cache hot (T_BALANCE), whichever comes first. */
static void queue_on(struct sync_virtual *v, struct sync_thread *co, int core, int64_t now)
{
	int64_t at = (now + SV_CACHE_HOT_NS) / SV_BALANCE_NS * SV_BALANCE_NS + SV_BALANCE_NS;
	co->pin_core = core;
	co->pin_until = at;
	v->npinned++;
	make_ready(v, co);
	/* One timer a tick for every thread queued so, not one each. */
	if (!v->balance_at || at < v->balance_at) {
		v->balance_at = at;
		heap_push(v, at, NULL, 0, T_BALANCE);
	}
}

/* A woken thread's latency has passed. With a core free: its last core
 * if that is free; else, if the thread there has run no longer than it
 * (it would not preempt it), it queues for that core (queue_on), as Linux
 * may when it looks for an idle core only near the one a thread last
 * ran on; else the free core. With none free: the core of the
 * working thread that has run longest if it has run SV_WAKEUP_GRAN_NS more
 * (wake-up preemption), else the back of the ready queue.
 *
 * Queueing on the last core is an assumption about the scheduler, kept
 * for what it gives: four CPU-bound threads on two cores switch at
 * CPython's rate. The threads so queued are mostly waiters woken by their
 * timed wait, whose last core the holder now has: their drop request
 * comes only when they run, and the holder's turn lasts that much past an
 * interval. CPython 3.11 on the 2-core development machine, turns timed
 * from Python: 75% of 5.0-5.25 ms, 25% of 5.75-10.3 ms, mean 5.605 ms;
 * here, a 4 s run of seed 1: mean 5.64 ms. Without it every turn was 5.1
 * ms, and the switch rate 11% above CPython's. In real time the long
 * turns come otherwise: by the GIL's events, the thread just forced off
 * asks for the GIL again late (in 173 of the 201 turns over 5.5 ms of a 4
 * s run); why the OS holds it back is not established. With two threads
 * each has a core of its own, and nothing changes. */
static void place_woken(struct sync_virtual *v, struct sync_thread *co)
{
	int64_t now = clock_get(v);
	int core = free_core(v);
	int last = co->last_core;
	if (core >= 0 && last >= 0) {
		if (!v->cores[last]) {
			core = last;
		} else if (!would_preempt(v->cores[last], co, now)) {
			queue_on(v, co, last, now);
			return;
		}
	}
	if (core < 0) {
		struct sync_thread *victim = NULL;
		for (unsigned i = 0; i < v->ncores; i++) {
			struct sync_thread *c = v->cores[i];
			if (c && c->state == CO_CPU && would_preempt(c, co, now) &&
			    (!victim || ran_ns(c, now) > ran_ns(victim, now)))
				victim = c;
		}
		if (!victim) {
			make_ready(v, co);
			return;
		}
		core = victim->core;
		preempt(v, victim);
	}
	give_core_now(v, co, core);
}

/* The calling coroutine; fatal outside one, for calls that must block. */
static struct sync_thread *self(struct sync_virtual *v, const char *call)
{
	if (!v->current)
		fatal("virtual %s called outside a simulated thread", call);
	return v->current;
}

/* Block the calling coroutine (it has set what will wake it). */
static void block(struct sync_virtual *v, struct sync_thread *co)
{
	co->state = CO_BLOCKED;
	release_core(v, co);
	co_yield(v, co);
}

/* After waking a thread that took our core, give the core up now. */
static void maybe_yield(struct sync_virtual *v, struct sync_thread *co)
{
	if (co && co->must_yield) {
		co->must_yield = false;
		off_core(v, co);
		co_yield(v, co);
	}
}

/* ---- CPU work ---------------------------------------------------------- */

#define TICK SYNC_VIRTUAL_TICK_NS

static int64_t round_up_tick(int64_t d)
{
	return (d + TICK - 1) / TICK * TICK;
}

/* The thread's eval breaker is set: its work ends after the tick in
 * progress (or now, if it has just finished one and has none in hand). */
static void cut_work(struct sync_thread *co, int64_t now)
{
	int64_t d_now = co->work_done + (now - co->seg_start);
	int64_t d_cut = (d_now / TICK + 1) * TICK;
	co->cut = true;
	co->cut_end = d_cut;
	if (d_cut < co->work_end)
		co->work_end = d_cut;
}

/* Where the work of this stretch on a core ends (work_end), given the
 * clock at its start. */
static void plan_work(struct sync_thread *co, int64_t now)
{
	co->seg_start = now;
	co->work_end = co->work_max;
	if (co->spin) {
		int64_t need = co->spin_until - now;
		int64_t end = need > 0 ? round_up_tick(co->work_done + need)
				       : round_up_tick(co->work_done);
		if (end < co->work_end)
			co->work_end = end;
	}
	if (co->cut && co->cut_end < co->work_end)
		co->work_end = co->cut_end;
	if (!co->cut && co->stop && atomic_load_explicit(co->stop, memory_order_relaxed))
		cut_work(co, now);
}

/* A stretch of work on the thread's core begins (or goes on after a time
 * slice elsewhere). */
static void begin_stretch(struct sync_virtual *v, struct sync_thread *co)
{
	plan_work(co, clock_get(v));
	co->state = CO_CPU;
	heap_push(v, co->seg_start + (co->work_end - co->work_done), co, co->gen, T_CPU_DONE);
	if (v->ready.head)
		arm_quanta(v);
}

/* After every coroutine step: work whose eval breaker was set meanwhile
 * ends after its tick in progress. At most one thread per core works. */
static void check_stops(struct sync_virtual *v)
{
	for (unsigned i = 0; i < v->ncores; i++) {
		struct sync_thread *co = v->cores[i];
		if (!co || co->state != CO_CPU || !co->stop || co->cut ||
		    !atomic_load_explicit(co->stop, memory_order_relaxed))
			continue;
		cut_work(co, clock_get(v));
		co->gen++;
		heap_push(v, co->seg_start + (co->work_end - co->work_done), co, co->gen,
			  T_CPU_DONE);
	}
}

/* The driver should drain the events' ring before the run goes on
 * (sync.h's backlog). Asked at one look in backlog_every: each look
 * comes after at most a few events, and asking at every one cost 4% of
 * a run's instructions. */
static inline bool backlogged(struct sync_virtual *v)
{
	if (!v->heed_backlog || --v->backlog_in > 0)
		return false;
	if (v->base.backlog(v->base.backlog_arg)) {
		/* Asked again at the next look, until it is drained: a look
		 * in do_work only takes the slow path, and the run stops at
		 * the scheduler's next look. */
		v->backlog_in = 1;
		return true;
	}
	v->backlog_in = v->base.backlog_every ? v->base.backlog_every : 1;
	return false;
}

/* Work of a coroutine on its core; returns the ticks done. */
static uint64_t do_work(struct sync_virtual *v, struct sync_thread *co)
{
	co->in_cpu = true;
	co->cut = false;
	co->work_done = 0;
	int64_t now = clock_get(v);
	plan_work(co, now);
	int64_t end = now + co->work_end;
	/* The fast path: nothing else can happen before the work ends. */
	const struct timer *next = timer_next(v);
	if (!v->run_now.head && !v->ready.head && end <= v->run_until &&
	    (!next || end < timer_t_of(next)) && !backlogged(v)) {
		clock_set(v, end);
		co->run_ns += co->work_end;
		co->work_done = co->work_end;
	} else {
		co->seg_start = now;
		co->state = CO_CPU;
		heap_push(v, end, co, co->gen, T_CPU_DONE);
		if (v->ready.head)
			arm_quanta(v);
		co_yield(v, co);
	}
	co->in_cpu = false;
	return (uint64_t)(co->work_done / TICK);
}

/* The system call that wakes a sleeping thread (futex wake) keeps the
 * calling thread busy on its core for a while: drawn from
 * SV_FUTEX_WAKE_NS. Nothing interrupts it. Outside a simulated thread
 * (the engine stopping a run) it costs nothing. */
static void futex_wake_cost(struct sync_virtual *v, struct sync_thread *co)
{
	if (!co || co->core < 0 || co->must_yield)
		return;
	co->spin = false;
	co->stop = NULL;
	co->work_end = co->work_max = draw(v, SV_FUTEX_WAKE_NS);
	do_work(v, co);
}

static uint64_t virtual_cpu(struct sync *s, uint64_t ticks, const atomic_int *stop)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = self(v, "cpu");
	if (!ticks)
		return 0;
	co->spin = false;
	co->stop = stop;
	co->work_end = co->work_max = (int64_t)ticks * TICK;
	return do_work(v, co);
}

static uint64_t virtual_spin(struct sync *s, int64_t until, uint64_t max_ticks,
			     const atomic_int *stop)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = self(v, "spin");
	if (!max_ticks || clock_get(v) >= until)
		return 0;
	co->spin = true;
	co->stop = stop;
	co->spin_until = until;
	co->work_max = max_ticks > (uint64_t)(INT64_MAX / TICK) ? INT64_MAX / TICK * TICK
								: (int64_t)max_ticks * TICK;
	co->work_end = co->work_max;
	return do_work(v, co);
}

/* ---- mutexes, conditions, sleep --------------------------------------- */

static struct sync_mutex *virtual_mutex_new(struct sync *s)
{
	(void)s;
	return xcalloc(1, sizeof(struct sync_mutex));
}

static void virtual_mutex_free(struct sync *s, struct sync_mutex *m)
{
	(void)s;
	if (m && (m->owner || m->external || m->waiters.head))
		fatal("virtual mutex freed while in use");
	free(m);
}

static enum sync_virtual_status run(struct sync_virtual *v, int64_t until, bool driver,
				     const struct sync_mutex *until_free);

static void virtual_lock(struct sync *s, struct sync_mutex *m)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = v->current;
	if (!co) {
		if (m->external)
			fatal("virtual mutex locked twice from outside");
		/* A thread holds it, stopped in its section (at work that a
		 * system call costs it, SV_FUTEX_WAKE_NS): the driver lets
		 * the threads run until it is free, as a real driver would
		 * wait for it. */
		if (m->owner)
			run(v, clock_get(v) + SV_OUTSIDE_LOCK_NS, false, m);
		if (m->owner)
			fatal("virtual mutex held by thread %u for a second, locked from outside",
			      m->owner->id);
		m->external = true;
		return;
	}
	while (m->owner || m->external) {
		if (m->owner == co)
			fatal("virtual mutex locked twice by thread %u", co->id);
		q_push(&m->waiters, co);
		block(v, co);
	}
	m->owner = co;
}

static void virtual_unlock(struct sync *s, struct sync_mutex *m)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = v->current;
	if (co ? m->owner != co : !m->external)
		fatal("virtual mutex unlocked by a thread that does not hold it");
	m->owner = NULL;
	m->external = false;
	struct sync_thread *w = q_pop(&m->waiters);
	if (w && !wake(v, w, SV_WAKE_LATENCY))
		futex_wake_cost(v, co);
	maybe_yield(v, co);
}

static struct sync_cond *virtual_cond_new(struct sync *s)
{
	(void)s;
	return xcalloc(1, sizeof(struct sync_cond));
}

static void virtual_cond_free(struct sync *s, struct sync_cond *c)
{
	(void)s;
	if (c && c->waiters.n)
		fatal("virtual condition freed while threads wait on it");
	if (c)
		ws_free(&c->waiters);
	free(c);
}

/* Wait on c, releasing m, until signalled or (ns >= 0) timed out. */
static bool cond_wait(struct sync_virtual *v, struct sync_cond *c, struct sync_mutex *m,
		      int64_t ns)
{
	struct sync_thread *co = self(v, "condition wait");
	if (m->owner != co)
		fatal("virtual condition wait without holding the mutex");
	co->cond = c;
	co->wait_since = clock_get(v);
	co->timed_out = false;
	ws_push(&c->waiters, co);
	if (ns >= 0)
		heap_push(v, clock_get(v) + ns, co, co->gen, T_TIMEOUT);
	/* Release the mutex without yielding: the wait must begin first. */
	m->owner = NULL;
	struct sync_thread *w = q_pop(&m->waiters);
	if (w)
		wake(v, w, SV_WAKE_LATENCY);
	if (co->must_yield) {
		/* It lost its core to w: leave the ready queue, it blocks. */
		co->must_yield = false;
		q_remove(&v->ready, co);
	}
	block(v, co);
	co->slept = clock_get(v) - co->wait_since;
	virtual_lock(&v->base, m);
	return co->timed_out;
}

static void virtual_wait(struct sync *s, struct sync_cond *c, struct sync_mutex *m)
{
	cond_wait(virt(s), c, m, -1);
}

static bool virtual_timedwait(struct sync *s, struct sync_cond *c,
			      struct sync_mutex *m, int64_t ns)
{
	return cond_wait(virt(s), c, m, ns > 0 ? ns : 0);
}

/* Wake one waiter of c (cond_pick's), cancelling its timeout. Returns 0
 * if none waited, 1 if one was woken, 2 if it also took the waker's core. */
static int wake_one(struct sync_virtual *v, struct sync_cond *c)
{
	struct sync_thread *w = cond_pick(v, &c->waiters);
	if (!w)
		return 0;
	w->gen++;
	w->cond = NULL;
	return wake(v, w, SV_WAKE_LATENCY) ? 2 : 1;
}

static void virtual_signal(struct sync *s, struct sync_cond *c)
{
	struct sync_virtual *v = virt(s);
	if (wake_one(v, c) == 1)
		futex_wake_cost(v, v->current);
	maybe_yield(v, v->current);
}

static void virtual_broadcast(struct sync *s, struct sync_cond *c)
{
	struct sync_virtual *v = virt(s);
	int r, woke = 0;
	while ((r = wake_one(v, c)) != 0)
		woke |= r;
	if (woke == 1)
		futex_wake_cost(v, v->current);
	maybe_yield(v, v->current);
}

/* A sleep waits on naps, so that interrupt can end it. */
static bool virtual_sleep(struct sync *s, int64_t ns)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = self(v, "sleep");
	if (v->interrupted)
		return false;
	if (ns <= 0)
		return true;
	co->cond = &v->naps;
	int64_t since = clock_get(v);
	ws_push(&v->naps.waiters, co);
	heap_push(v, since + ns, co, co->gen, T_TIMEOUT);
	block(v, co);
	co->slept = clock_get(v) - since;
	return !v->interrupted;
}

static int64_t virtual_now(struct sync *s)
{
	return clock_get(virt(s));
}

/* ---- threads ----------------------------------------------------------- */

/* A coroutine's life: its function, then back to the scheduler for good. */
static void co_main(struct sync_thread *co)
{
	struct sync_virtual *v = co->v;
#ifdef SV_ASAN
	__sanitizer_finish_switch_fiber(NULL, &v->sched_bottom, &v->sched_size);
#endif
	co->ret = co->fn(co->arg);

	co->state = CO_DONE;
	v->live--;
	release_core(v, co);
	if (co->joiner) {
		struct sync_thread *j = co->joiner;
		co->joiner = NULL;
		wake(v, j, SV_WAKE_LATENCY);
	}
#ifdef SV_ASAN
	__sanitizer_start_switch_fiber(NULL, v->sched_bottom, v->sched_size);
#endif
#ifdef SV_TSAN
	__tsan_switch_to_fiber(v->sched_fiber, 0);
#endif
#ifdef SV_ASM_SWITCH
	gilviz_sv_switch(&co->sp, v->sched_sp);
#else
	_longjmp(v->sched_jb, 1);
#endif
}

#ifdef SV_ASM_SWITCH
/* The new stack, as gilviz_sv_switch leaves a suspended one: six
 * registers (r12 the coroutine, r13 co_main), then the address to return
 * to, gilviz_sv_start, which calls co_main with the stack 16-byte aligned
 * as the ABI wants at a call. */
static void co_stack_init(struct sync_thread *co, char *top)
{
	uintptr_t *sp = (uintptr_t *)(void *)(top - 72);
	memset(sp, 0, 72);
	sp[2] = (uintptr_t)co_main;  /* r13 */
	sp[3] = (uintptr_t)co;       /* r12 */
	sp[6] = (uintptr_t)gilviz_sv_start;
	co->sp = sp;
}
#else
/* makecontext passes ints: the coroutine's address comes in two halves. */
static void co_entry(unsigned hi, unsigned lo)
{
	co_main((struct sync_thread *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

static struct sync_thread *virtual_thread_start(struct sync *s, sync_thread_fn fn,
						void *arg)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = xcalloc(1, sizeof *co);
	size_t page = (size_t)getpagesize();
	co->v = v;
	co->fn = fn;
	co->arg = arg;
	co->id = v->next_id++;
	co->core = co->last_core = co->pin_core = -1;
	co->off_since = -1;
	co->map_len = SV_STACK_SIZE + page;
	co->map = mmap(NULL, co->map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (co->map == MAP_FAILED)
		fatal("mmap of a %d KiB coroutine stack failed: %s", SV_STACK_SIZE / 1024,
		      strerror(errno));
	if (mprotect(co->map, page, PROT_NONE) != 0)
		fatal("mprotect of a stack guard page failed: %s", strerror(errno));
#ifdef SV_ASM_SWITCH
	co_stack_init(co, co->map + co->map_len);
#else
	if (getcontext(&co->ctx) != 0)
		fatal("getcontext failed: %s", strerror(errno));
	co->ctx.uc_stack.ss_sp = co->map + page;
	co->ctx.uc_stack.ss_size = SV_STACK_SIZE;
	co->ctx.uc_link = NULL;
	uintptr_t p = (uintptr_t)co;
	makecontext(&co->ctx, (void (*)(void))co_entry, 2, (unsigned)(p >> 32),
		    (unsigned)(p & 0xFFFFFFFFu));
#endif
#ifdef SV_TSAN
	co->fiber = __tsan_create_fiber(0);
#endif
	v->live++;
	/* A new thread needs a core like a woken one; a thread that starts
	 * another does not lose its own for it. */
	int core = free_core(v);
	if (core >= 0)
		give_core(v, co, core, 0);
	else
		make_ready(v, co);
	return co;
}

static void co_free(struct sync_thread *co)
{
#ifdef SV_TSAN
	__tsan_destroy_fiber(co->fiber);
#endif
	munmap(co->map, co->map_len);
	free(co);
}

static void *virtual_thread_join(struct sync *s, struct sync_thread *t)
{
	struct sync_virtual *v = virt(s);
	struct sync_thread *co = v->current;
	while (t->state != CO_DONE) {
		if (co) {
			if (t->joiner)
				fatal("virtual thread joined twice");
			t->joiner = co;
			block(v, co);
		} else if (run(v, INT64_MAX, false, NULL) == SYNC_VIRTUAL_STUCK &&
			   t->state != CO_DONE) {
			fatal("virtual thread %u never ends: every thread is blocked", t->id);
		}
	}
	void *ret = t->ret;
	co_free(t);
	return ret;
}

/* ---- the scheduler ------------------------------------------------------ */

/* A thread given a core (CO_DISPATCH) starts on it, now. */
static void resume(struct sync_virtual *v, struct sync_thread *co)
{
	co->slice_start = clock_get(v);
	on_core(v, co);
	if (co->in_cpu) {
		begin_stretch(v, co);
	} else {
		co->state = CO_RUN_NOW;
		q_push(&v->run_now, co);
	}
}

static void fire(struct sync_virtual *v, const struct timer *tm)
{
	struct sync_thread *co = tm->co;
	switch ((enum timer_kind)tm->kind) {
	case T_RESUME:
		if (co->state != CO_DISPATCH || tm->gen != co->gen)
			return;
		resume(v, co);
		break;
	case T_CPU_DONE:
		if (co->state != CO_CPU || tm->gen != co->gen)
			return;
		co->run_ns += clock_get(v) - co->seg_start;
		co->work_done = co->work_end;
		co->qgen++;
		co->q_armed = false;
		co->state = CO_RUN_NOW;
		q_push(&v->run_now, co);
		break;
	case T_QUANTUM:
		if (tm->gen != co->qgen)
			return;
		co->q_armed = false;
		if (co->state != CO_CPU || !ready_for(v, co->core))
			return;
		/* The time slice is over and others wait: to the back. */
		preempt(v, co);
		dispatch_ready(v);
		break;
	case T_WAKE:
		if (co->state != CO_WAKING || tm->gen != co->gen)
			return;
		place_woken(v, co);
		break;
	case T_BALANCE: {
		int64_t now = clock_get(v), next = 0;
		if (now != v->balance_at)
			return; /* an earlier tick took its place */
		for (co = v->ready.head; co; co = co->next) {
			if (co->pin_core < 0)
				continue;
			if (co->pin_until <= now) {
				co->pin_core = -1;
				v->npinned--;
			} else if (!next || co->pin_until < next) {
				next = co->pin_until;
			}
		}
		v->balance_at = next;
		if (next)
			heap_push(v, next, NULL, 0, T_BALANCE);
		dispatch_ready(v);
		break;
	}
	case T_TIMEOUT:
		if (co->state != CO_BLOCKED || tm->gen != co->gen)
			return;
		if (co->cond) {
			ws_remove(&co->cond->waiters, co);
			co->cond = NULL;
			co->timed_out = true;
		}
		co->gen++;
		wake(v, co, SV_TIMER_LATENCY);
		break;
	}
}

/* Run the threads until the clock reaches until, or (until_free) that
 * mutex is free once every thread that can run now has run. A run for
 * the driver (advance, sync_virtual_run) also stops at a backlog or a
 * poke; a join, or a lock taken from outside, does not. */
static enum sync_virtual_status run(struct sync_virtual *v, int64_t until, bool driver,
				     const struct sync_mutex *until_free)
{
	if (v->current)
		fatal("sync_virtual_run called from a simulated thread");
#ifdef SV_TSAN
	v->sched_fiber = __tsan_get_current_fiber();
#endif
	v->run_until = until;
	v->heed_backlog = driver && v->base.backlog;
	v->backlog_in = 1;
	for (;;) {
		struct sync_thread *co;
		while ((co = q_pop(&v->run_now)) != NULL) {
			switch_to(v, co);
			check_stops(v);
		}
		if (v->live == 0)
			return SYNC_VIRTUAL_ENDED;
		if (until_free && !until_free->owner)
			return SYNC_VIRTUAL_UNTIL;
		if (v->poked && driver) {
			v->poked = false;
			return SYNC_VIRTUAL_POKED;
		}
		if (backlogged(v))
			return SYNC_VIRTUAL_BACKLOG;
		const struct timer *next = timer_next(v);
		if (!next) {
			if (until != INT64_MAX && until > clock_get(v))
				clock_set(v, until);
			return SYNC_VIRTUAL_STUCK;
		}
		if (timer_t_of(next) > until) {
			if (until > clock_get(v))
				clock_set(v, until);
			return SYNC_VIRTUAL_UNTIL;
		}
		struct timer tm = *next;
		timer_pop(v, next);
		if (timer_t_of(&tm) > clock_get(v))
			clock_set(v, timer_t_of(&tm));
		fire(v, &tm);
	}
}

enum sync_virtual_status sync_virtual_run(struct sync *s, int64_t until)
{
	return run(virt(s), until, true, NULL);
}

unsigned sync_virtual_live(struct sync *s)
{
	return virt(s)->live;
}

unsigned sync_virtual_cores(struct sync *s)
{
	return virt(s)->ncores;
}

/* The mean of a quantile table, as draw() samples it (exact to 1 ns). */
static int64_t table_mean(const int64_t q[11])
{
	int64_t sum = 0;
	for (int i = 0; i < 10; i++)
		sum += (q[i] + q[i + 1]) / 2;
	return sum / 10;
}

void sync_virtual_model(struct sync_virtual_model *out)
{
	*out = (struct sync_virtual_model){
		.wake_min = SV_WAKE_LATENCY[0],
		.wake_mean = table_mean(SV_WAKE_LATENCY),
		.wake_max = SV_WAKE_LATENCY[10],
		.timer_min = SV_TIMER_LATENCY[0],
		.timer_mean = table_mean(SV_TIMER_LATENCY),
		.timer_max = SV_TIMER_LATENCY[10],
		.switch_ns = SV_SWITCH_NS,
		.quantum_ns = SV_QUANTUM_NS,
		.wakeup_gran_ns = SV_WAKEUP_GRAN_NS,
		.tick_ns = SYNC_VIRTUAL_TICK_NS,
		.steal_window_ns = SV_STEAL_WINDOW_NS,
		.steal_sleep_ns = { SV_STEAL_SLEEP_NS[0], SV_STEAL_SLEEP_NS[1], SV_STEAL_SLEEP_NS[2] },
		.steal_pct = { SV_STEAL_PCT[0], SV_STEAL_PCT[1], SV_STEAL_PCT[2] },
	};
}

/* ---- the run's time, for the driver ---------------------------------- */

static void virtual_pause(struct sync *s, bool on)
{
	atomic_store(&virt(s)->paused, on);
}

/* Nothing to do: while paused the driver does not run the threads. */
static void virtual_hold(struct sync *s)
{
	(void)s;
}

/* A thread ended, or the engine found every thread blocked for good:
 * the run stops at the scheduler's next look, so that the driver sees
 * it at the virtual time it happened, whatever its slices. */
static void virtual_poke(struct sync *s)
{
	virt(s)->poked = true;
}

/* From the driver, between two runs: wake every sleeper for good. */
static void virtual_interrupt(struct sync *s)
{
	struct sync_virtual *v = virt(s);
	v->interrupted = true;
	struct sync_thread *w;
	while ((w = ws_pop(&v->naps.waiters)) != NULL) {
		w->gen++;
		w->cond = NULL;
		wake(v, w, SV_WAKE_LATENCY);
	}
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal("clock_gettime(CLOCK_MONOTONIC) failed: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wall_sleep(int64_t ns)
{
	if (ns <= 0)
		return;
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int status_of(enum sync_virtual_status st)
{
	return st == SYNC_VIRTUAL_ENDED ? SYNC_ENDED
	       : st == SYNC_VIRTUAL_STUCK ? SYNC_STUCK
	       : st == SYNC_VIRTUAL_BACKLOG ? SYNC_BACKLOG
	       : st == SYNC_VIRTUAL_POKED ? SYNC_POKED : SYNC_UNTIL;
}

/* Paced virtual time advances in steps of this much virtual time, and
 * gives up catching up with the wall clock after this much wall time: a
 * simulation slower than the wall clock (a loop of ops that take no time)
 * then drops its lag rather than chase a target that runs away. */
#define SV_PACE_STEP_NS 1000000
#define SV_PACE_BUDGET_NS 20000000

static int virtual_advance(struct sync *s, int64_t until, int64_t timeout_ns)
{
	struct sync_virtual *v = virt(s);
	if (atomic_load(&v->paused)) {
		v->pace_set = false;
		wall_sleep(timeout_ns < 0 || timeout_ns > 10000000 ? 10000000 : timeout_ns);
		return SYNC_UNTIL;
	}
	if (v->speed <= 0) {
		int64_t to = until;
		if (timeout_ns >= 0 && clock_get(v) + timeout_ns < to)
			to = clock_get(v) + timeout_ns;
		return status_of(run(v, to, true, NULL));
	}
	int64_t w0 = wall_ns();
	if (!v->pace_set) {
		v->pace_set = true;
		v->pace_wall = w0;
		v->pace_virt = clock_get(v);
	}
	for (;;) {
		int64_t w = wall_ns();
		double target = (double)v->pace_virt + (double)(w - v->pace_wall) * v->speed;
		int64_t to = target > 9.2e18 ? INT64_MAX : (int64_t)target;
		int64_t now = clock_get(v);
		if (to - now > SV_PACE_STEP_NS)
			to = now + SV_PACE_STEP_NS;
		if (to > until)
			to = until;
		int st = status_of(run(v, to, true, NULL));
		if (st != SYNC_UNTIL || clock_get(v) >= until)
			return st;
		w = wall_ns();
		if ((double)clock_get(v) < target) {
			if (w - w0 < SV_PACE_BUDGET_NS)
				continue;
			v->pace_wall = w;
			v->pace_virt = clock_get(v);
			return SYNC_UNTIL;
		}
		int64_t left = timeout_ns < 0 ? 1000000 : timeout_ns - (w - w0);
		if (left <= 0)
			return SYNC_UNTIL;
		wall_sleep(left < 1000000 ? left : 1000000);
	}
}

void sync_virtual_set_speed(struct sync *s, double speed)
{
	virt(s)->speed = speed > 0 ? speed : 0;
	virt(s)->pace_set = false;
}

static void virtual_destroy(struct sync *s)
{
	struct sync_virtual *v = virt(s);
	ws_free(&v->naps.waiters);
	free(v->heap.t);
	free(v->quanta.t);
	free(v->work_ends.t);
	free(v->nowq);
	free(v->cores);
	free(v);
}

static const struct sync_ops virtual_ops = {
	.name = "virtual",
	.now = virtual_now,
	.mutex_new = virtual_mutex_new,
	.mutex_free = virtual_mutex_free,
	.lock = virtual_lock,
	.unlock = virtual_unlock,
	.cond_new = virtual_cond_new,
	.cond_free = virtual_cond_free,
	.wait = virtual_wait,
	.timedwait = virtual_timedwait,
	.signal = virtual_signal,
	.broadcast = virtual_broadcast,
	.sleep = virtual_sleep,
	.cpu = virtual_cpu,
	.spin = virtual_spin,
	.thread_start = virtual_thread_start,
	.thread_join = virtual_thread_join,
	.pause = virtual_pause,
	.hold = virtual_hold,
	.interrupt = virtual_interrupt,
	.advance = virtual_advance,
	.poke = virtual_poke,
	.destroy = virtual_destroy,
};

struct sync *sync_virtual_create(unsigned cores, uint64_t seed)
{
	struct sync_virtual *v = xcalloc(1, sizeof *v);
	v->base.ops = &virtual_ops;
	v->base.tick_ns = SYNC_VIRTUAL_TICK_NS;
	v->ncores = cores ? cores : 1;
	v->cores = xcalloc(v->ncores, sizeof *v->cores);
	v->quanta = (struct core_slots){ xcalloc(v->ncores, sizeof *v->quanta.t), -1 };
	v->work_ends = (struct core_slots){ xcalloc(v->ncores, sizeof *v->work_ends.t), -1 };
	v->nfree = v->ncores;
	v->rng = seed;
	v->run_until = INT64_MAX;
	atomic_init(&v->clock, 0);
	return &v->base;
}

bool sync_is_virtual(const struct sync *s)
{
	return s->ops == &virtual_ops;
}
