/*
 * mx.h -- the tests' mutual-exclusion run: four coroutines on two virtual
 * cores take and drop one GIL, run work that may hand it over inside, and
 * count every moment where the holder is not the one and only holder.
 * test_virtual runs it for CPython's policies, test_designs for the rest.
 */
#ifndef GILVIZ_TESTS_MX_H
#define GILVIZ_TESTS_MX_H

#include "gil.h"
#include "sync.h"

struct mx {
	struct gil *gil;
	struct sync *s;
	int rounds_each;   /* takes a thread makes */
	uint64_t tick_step; /* work per take grows by this, k % 7 times */
	int violations;
	int rounds;
	struct gil_thread gt[4];
};

struct mx_arg {
	struct mx *mx;
	int i;
};

static void *mx_thread(void *arg)
{
	struct mx_arg *a = arg;
	struct mx *mx = a->mx;
	struct gil_thread *t = &mx->gt[a->i];
	for (int k = 0; k < mx->rounds_each; k++) {
		gil_take(t);
		for (int j = 0; j < 5; j++) {
			/* The GIL may change hands inside; after it, t holds
			 * it again, and nobody else does. */
			gil_run_ticks(t, 20 + (uint64_t)(k % 7) * mx->tick_step);
			int holders = 0;
			for (int i = 0; i < 4; i++)
				holders += mx->gt[i].holding;
			if (holders != 1 || !t->holding)
				mx->violations++;
		}
		mx->rounds++;
		gil_drop(t, RELEASE_BLOCKING);
		if (k % 3 == 0)
			mx->s->ops->sleep(mx->s, 10000);
	}
	return NULL;
}

/* Run it under policy at a 50 us interval; out gets the GIL's counters. */
static void mx_run(struct mx *mx, enum gil_policy policy, int rounds_each, uint64_t tick_step,
		   struct gil_counters *out)
{
	*mx = (struct mx){ .rounds_each = rounds_each, .tick_step = tick_step };
	mx->s = sync_virtual_create(2, 5);
	mx->gil = gil_create(policy, mx->s, NULL, 0);
	gil_set_interval(mx->gil, 50000);
	struct mx_arg args[4];
	struct sync_thread *th[4];
	for (int i = 0; i < 4; i++) {
		gil_thread_init(&mx->gt[i], mx->gil, (uint16_t)i);
		args[i] = (struct mx_arg){ mx, i };
		th[i] = mx->s->ops->thread_start(mx->s, mx_thread, &args[i]);
	}
	CU_ASSERT_EQUAL(sync_virtual_run(mx->s, INT64_MAX), SYNC_VIRTUAL_ENDED);
	for (int i = 0; i < 4; i++)
		mx->s->ops->thread_join(mx->s, th[i]);
	gil_counters(mx->gil, out);
	gil_destroy(mx->gil);
	sync_destroy(mx->s);
}

#endif
