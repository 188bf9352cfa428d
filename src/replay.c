/*
 * replay.c -- a recording played back.
 *
 * The player reads the recording's blocks in order, one at a time, and
 * feeds their events into a consumer exactly as a live run's ring would
 * have: the same stats and history code sees the same events in the same
 * order, so every figure comes out as it did when recorded. Nothing but
 * the header and the block index is read on open, so a long recording
 * opens at once. Going back in time cannot undo cumulative counters: the
 * player starts a fresh consumer from the last checkpoint before the
 * target (trace.h) and feeds the few blocks after it; a recording
 * without checkpoints, or whose checkpoints do not load, is fed again
 * from the start. A long jump forward takes a checkpoint too.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

void replay_clock_init(struct replay_clock *k, uint64_t end)
{
	*k = (struct replay_clock){ .end = end, .playing = true };
}

uint64_t replay_clock_advance(struct replay_clock *k, int64_t wall_ns)
{
	if (!k->playing || wall_ns <= 0)
		return k->pos;
	uint64_t d = (uint64_t)wall_ns;
	d = k->speed_log2 >= 0 ? d << k->speed_log2 : d >> -k->speed_log2;
	if (d >= k->end - k->pos) {
		k->pos = k->end;
		k->playing = false;
	} else {
		k->pos += d;
	}
	return k->pos;
}

bool replay_clock_speed_step(struct replay_clock *k, int dir)
{
	int s = k->speed_log2 + (dir > 0 ? 1 : -1);
	if (s < REPLAY_SPEED_MIN_LOG2 || s > REPLAY_SPEED_MAX_LOG2)
		return false;
	k->speed_log2 = s;
	return true;
}

double replay_clock_speed(const struct replay_clock *k)
{
	return k->speed_log2 >= 0 ? (double)(1u << k->speed_log2)
				  : 1.0 / (double)(1u << -k->speed_log2);
}

void replay_clock_speed_name(const struct replay_clock *k, char *buf, size_t len)
{
	if (k->speed_log2 >= 0)
		snprintf(buf, len, "%u", 1u << k->speed_log2);
	else
		snprintf(buf, len, "1/%u", 1u << -k->speed_log2);
}

uint64_t replay_clock_seek(struct replay_clock *k, uint64_t t)
{
	k->pos = t < k->end ? t : k->end;
	return k->pos;
}

struct replay *replay_open(const char *path, size_t spans_per_thread, struct gv_error *err)
{
	struct trace *t = trace_open(path, err);
	if (!t)
		return NULL;
	struct gv_error perr = { 0 };
	struct scenario *sc = scenario_parse(t->meta.scenario_text,
					     strlen(t->meta.scenario_text),
					     t->meta.scenario_file, &perr);
	if (!sc) {
		char msg[GV_ERROR_MAX];
		gv_error_format(&perr, msg, sizeof msg);
		gv_error_set(err, path, 0, 0, "the recorded scenario does not parse: %s", msg);
		trace_close(t);
		return NULL;
	}
	struct replay *r = xcalloc(1, sizeof *r);
	r->t = t;
	r->sc = sc;
	r->spans = spans_per_thread;
	r->buf = xmalloc(TRACE_BLOCK_EVENTS * sizeof *r->buf);
	consumer_init(&r->c, sc, spans_per_thread);
	r->exhausted = t->nblocks == 0;
	return r;
}

void replay_close(struct replay *r)
{
	if (!r)
		return;
	consumer_fini(&r->c);
	free(r->buf);
	free(r->warning);
	free(r->ckpt_warning);
	scenario_free(r->sc);
	trace_close(r->t);
	free(r);
}

void replay_set_hook(struct replay *r, consumer_hook hook, void *arg)
{
	r->hook = hook;
	r->hook_arg = arg;
	r->c.hook = hook;
	r->c.hook_arg = arg;
}

uint64_t replay_length(const struct replay *r)
{
	return r->t->elapsed_ns > 0 ? (uint64_t)r->t->elapsed_ns : 0;
}

uint64_t replay_t_start(const struct replay *r)
{
	return r->t->meta.t_start;
}

static uint64_t rel(const struct replay *r, const struct event *ev)
{
	return ev->t > r->t->meta.t_start ? ev->t - r->t->meta.t_start : 0;
}

/* Make sure buf holds an event to feed; false once there is none. A
 * block that fails its checksum ends the replay there, with a warning. */
static bool load(struct replay *r)
{
	while (!r->exhausted && r->next >= r->nbuf) {
		if (r->block >= r->t->nblocks) {
			r->exhausted = true;
			break;
		}
		struct gv_error err = { 0 };
		long n = trace_read_block(r->t, r->block, r->buf, &err);
		if (n < 0) {
			char msg[GV_ERROR_MAX];
			gv_error_format(&err, msg, sizeof msg);
			free(r->warning);
			r->warning = xasprintf("%s; replaying the %zu block%s before it", msg,
					       r->block, r->block == 1 ? "" : "s");
			r->exhausted = true;
			break;
		}
		r->block++;
		r->nbuf = n;
		r->next = 0;
	}
	return !r->exhausted;
}

/* Start over: a fresh consumer, the first block next. */
static void rewind_replay(struct replay *r)
{
	consumer_fini(&r->c);
	consumer_init(&r->c, r->sc, r->spans);
	r->c.hook = r->hook;
	r->c.hook_arg = r->hook_arg;
	r->nbuf = r->next = 0;
	r->block = 0;
	r->fed = 0;
	r->exhausted = r->t->nblocks == 0;
	r->rebuilds++;
}

static uint64_t go(struct replay *r, uint64_t t, bool jump);

/* Can checkpoint k stand for feeding to t: do all its events come at or
 * before t, as the feed to t would have taken them all? */
static bool ckpt_before(const struct replay *r, size_t k, uint64_t t)
{
	uint64_t max_t = r->t->ckpts[k].max_t, t0 = r->t->meta.t_start;
	return max_t <= t0 || max_t - t0 <= t;
}

/* The checkpoint a seek to t starts from: the last one before t, if
 * the seek goes back or it skips enough blocks forward to be worth it
 * (replay_play feeds on instead, so that its events pane sees every
 * event); -1 if none, or if an export needs every event. */
static long ckpt_for(const struct replay *r, uint64_t t)
{
	long k = -1;
	if (r->c.exp)
		return -1; /* an export takes every event */
	for (size_t lo = 0, hi = r->t->nckpts; lo < hi;) {
		/* max_t grows with the blocks (nearly: the last of each is
		 * the greatest of all before it). */
		size_t mid = lo + (hi - lo) / 2;
		if (ckpt_before(r, mid, t))
			k = (long)mid, lo = mid + 1;
		else
			hi = mid;
	}
	if (k < 0)
		return -1;
	if (t < r->fed)
		return k;
	/* Forward, only if it saves feeding a quarter of a checkpoint's
	 * events. */
	return r->t->ckpts[k].events >= r->c.events + TRACE_CKPT_EVENTS / 4 ? k : -1;
}

/* Start afresh from checkpoint k, or the one before it if it does not
 * load (with a warning). false if none loads: the model is as it was. */
static bool load_ckpt(struct replay *r, long k)
{
	for (; k >= 0; k--) {
		if (r->t->ckpts[k].stamp != consumer_stamp())
			continue; /* another build's layout: not a fault */
		void *state;
		struct gv_error err = { 0 };
		long len = trace_read_checkpoint(r->t, (size_t)k, &state, &err);
		struct consumer c;
		consumer_init(&c, r->sc, r->spans);
		if (len >= 0 && consumer_load(&c, state, (size_t)len) == 0) {
			free(state);
			consumer_fini(&r->c);
			r->c = c;
			r->c.hook = r->hook;
			r->c.hook_arg = r->hook_arg;
			r->nbuf = r->next = 0;
			r->block = r->t->ckpts[k].blocks;
			uint64_t max_t = r->t->ckpts[k].max_t, t0 = r->t->meta.t_start;
			r->fed = max_t > t0 ? max_t - t0 : 0;
			r->exhausted = false;
			r->ckpt_loads++;
			return true;
		}
		free(state);
		consumer_fini(&c);
		if (len >= 0)
			gv_error_set(&err, r->t->path, 0, 0, "the checkpoint at byte %" PRIu64
				     " does not fit its scenario", r->t->ckpts[k].offset);
		char msg[GV_ERROR_MAX];
		gv_error_format(&err, msg, sizeof msg);
		if (!r->ckpt_warning)
			r->ckpt_warning = xasprintf("%s; seeking from an earlier one or the start", msg);
	}
	return false;
}

bool replay_seek_rebuilds(const struct replay *r, uint64_t t)
{
	return t < r->fed || ckpt_for(r, t) >= 0;
}

uint64_t replay_seek(struct replay *r, uint64_t t)
{
	return go(r, t, true);
}

uint64_t replay_play(struct replay *r, uint64_t t)
{
	return go(r, t, t < r->fed);
}

static uint64_t go(struct replay *r, uint64_t t, bool jump)
{
	long k = jump ? ckpt_for(r, t) : -1;
	bool back = t < r->fed;
	if (!(k >= 0 && load_ckpt(r, k)) && back)
		rewind_replay(r);
	uint64_t fed = 0;
	while (load(r)) {
		/* The run of events in this block up to t, fed at once. */
		long a = r->next, b = a;
		while (b < r->nbuf && rel(r, &r->buf[b]) <= t)
			b++;
		if (b > a) {
			consumer_take(&r->c, r->buf + a, (size_t)(b - a),
				      r->t->blocks[r->block - 1].dropped);
			fed += (uint64_t)(b - a);
			r->next = b;
		}
		if (b < r->nbuf)
			break;
	}
	if (t > r->fed)
		r->fed = t;
	return fed;
}

bool replay_step(struct replay *r, uint64_t *t)
{
	if (!load(r))
		return false;
	const struct event *ev = &r->buf[r->next++];
	consumer_take(&r->c, ev, 1, r->t->blocks[r->block - 1].dropped);
	uint64_t et = rel(r, ev);
	if (et > r->fed)
		r->fed = et;
	*t = r->fed;
	return true;
}
