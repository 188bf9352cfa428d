/*
 * event.c -- names of event types, release reasons and op kinds, for text
 * output.
 */
#include "config.h"

#include "event.h"
#include "util.h"

static const char *const type_names[EV_TYPE_COUNT] = {
	[EV_NONE] = "none",
	[EV_THREAD_START] = "thread_start",
	[EV_THREAD_END] = "thread_end",
	[EV_OP_START] = "op_start",
	[EV_OP_END] = "op_end",
	[EV_GIL_REQUEST] = "request",
	[EV_GIL_ACQUIRE] = "acquire",
	[EV_GIL_RELEASE] = "release",
	[EV_DROP_REQUEST] = "drop_request",
	[EV_FORCED_DROP] = "forced_drop",
	[EV_FAILED_WAKEUP] = "failed_wakeup",
	[EV_INTERVAL] = "interval",
	[EV_TASK] = "task",
	[EV_OFF_CORE] = "off_core",
	[EV_ON_CORE] = "on_core",
	[EV_STW_STOP] = "stw_stop",
	[EV_STW_GO] = "stw_go",
	[EV_LOCK_WAIT] = "lock_wait",
	[EV_LOCK_TAKE] = "lock_take",
	[EV_LOCK_RELEASE] = "lock_release",
	[EV_GIL_ENABLE] = "gil_enable",
};

static const char *const reason_names[RELEASE_REASON_COUNT] = {
	[RELEASE_BLOCKING] = "blocking",
	[RELEASE_NATIVE] = "native",
	[RELEASE_EXIT] = "exit",
	[RELEASE_YIELD] = "yield",
	[RELEASE_CHECK] = "checkinterval",
};

const char *event_type_name(enum event_type type)
{
	if ((unsigned)type >= EV_TYPE_COUNT)
		return "unknown";
	return type_names[type];
}

const char *release_reason_name(enum release_reason reason)
{
	if ((unsigned)reason >= RELEASE_REASON_COUNT)
		return "unknown";
	return reason_names[reason];
}

static const char *const op_kind_names[OP_KIND_COUNT] = {
	[OP_CPU] = "cpu",
	[OP_SPIN] = "spin",
	[OP_IO] = "io",
	[OP_SLEEP] = "sleep",
	[OP_NATIVE] = "native",
	[OP_NATIVE_HOLD] = "native_hold",
	[OP_REPEAT] = "repeat",
	[OP_FOREVER] = "forever",
	[OP_PUT] = "put",
	[OP_GET] = "get",
	[OP_AWAIT_IO] = "await_io",
	[OP_AWAIT_SLEEP] = "await_sleep",
	[OP_AWAIT_GET] = "await_get",
	[OP_GC] = "gc",
	[OP_WITH] = "with",
	[OP_IMPORT_UNSAFE] = "import_unsafe",
};

int op_kind_is_await(enum op_kind kind)
{
	return kind == OP_AWAIT_IO || kind == OP_AWAIT_SLEEP ||
	       kind == OP_AWAIT_GET;
}

const char *op_kind_name(enum op_kind kind)
{
	if ((unsigned)kind >= OP_KIND_COUNT)
		return "?";
	return op_kind_names[kind];
}
