/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engines: attaching, event masks, control, and the ordered report passes
 * that call them.  Everything but get/put runs on the tracer thread.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <syslog.h>

#include "utrace-private.h"

/* A callback of @ops, or NULL if the caller's table is too short for it. */
#define OPS_CB(ops, member)                                          \
	((ops)->size >= offsetof(struct utrace_engine_ops, member) + \
	                         sizeof((ops)->member)               \
	         ? (ops)->member                                     \
	         : NULL)

UTRACE_EXPORT struct utrace_engine *
utrace_engine_get(struct utrace_engine *engine)
{
	if (engine)
		atomic_fetch_add(&engine->ref, 1);
	return engine;
}

UTRACE_EXPORT void
utrace_engine_put(struct utrace_engine *engine)
{
	void (*release)(void *data);

#ifdef __clang_analyzer__
	/* See utrace_task_put(). */
	(void)engine;
	return;
#endif
	if (!engine || atomic_fetch_sub(&engine->ref, 1) != 1)
		return;
	release = OPS_CB(engine->ops, release);
	if (release)
		release(engine->data);
	utrace_task_put(engine->task);
	free(engine->sys);
	free(engine);
}

/* Unlinks the engines detached while a pass was running. */
void
engine_cleanup(struct utrace_task *t)
{
	struct list_head *pos;
	struct list_head *tmp;
	bool changed = false;

	if (t->in_pass)
		return;
	list_for_each_safe(pos, tmp, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		if (!e->detached)
			continue;
		list_del(&e->node);
		e->linked = false;
		utrace_engine_put(e);
		changed = true;
	}
	if (changed)
		task_engines_changed(t);
}

void
engine_detach(struct utrace_engine *e)
{
	if (e->detached)
		return;
	e->detached = true;
	e->holding = false;
	engine_cleanup(e->task);
}

bool
engine_wants_syscall(const struct utrace_engine *e,
                     const struct utrace_syscall *sc)
{
	return !e->sys || e->sys->arch != sc->arch ||
	       sysmap_has(e->sys, sc->nr);
}

static bool
event_has_disp(uint64_t event)
{
	return event == UTRACE_EVENT(SYSCALL_ENTRY) ||
	       (event & UTRACE_EVENT_SIGNAL_ALL);
}

static bool
event_cb_present(const struct utrace_engine_ops *ops, uint64_t event)
{
	switch (event) {
	case UTRACE_EVENT(SYSCALL_ENTRY):
		return OPS_CB(ops, report_syscall_entry);
	case UTRACE_EVENT(SYSCALL_EXIT):
		return OPS_CB(ops, report_syscall_exit);
	case UTRACE_EVENT(JCTL):
		return OPS_CB(ops, report_jctl);
	case UTRACE_EVENT(CLONE):
		return OPS_CB(ops, report_clone);
	case UTRACE_EVENT(EXEC):
		return OPS_CB(ops, report_exec);
	case UTRACE_EVENT(EXIT):
		return OPS_CB(ops, report_exit);
	default:
		if (event & UTRACE_EVENT_SIGNAL_ALL)
			return OPS_CB(ops, report_signal);
		return false;
	}
}

static uint32_t
engine_call(struct utrace_engine *e, struct utrace_task *t,
            const struct report *r, uint32_t in)
{
	const struct utrace_engine_ops *ops = e->ops;
	struct stop *s = &t->stop;

	switch (r->event) {
	case UTRACE_EVENT(SYSCALL_ENTRY):
		return ops->report_syscall_entry(in, e, t, &s->sc, e->data);
	case UTRACE_EVENT(SYSCALL_EXIT):
		return ops->report_syscall_exit(in, e, t, &s->sc, e->data);
	case UTRACE_EVENT(JCTL):
		return ops->report_jctl(in, e, t, r->jctl_type, s->sig,
		                        e->data);
	case UTRACE_EVENT(CLONE):
		return ops->report_clone(in, e, t, r->kind, r->child, e->data);
	case UTRACE_EVENT(EXEC):
		return ops->report_exec(in, e, t, r->path, r->former_tid,
		                        e->data);
	case UTRACE_EVENT(EXIT):
		return ops->report_exit(in, e, t, r->status, e->data);
	default:
		return ops->report_signal(in, e, t, &s->info, e->data);
	}
}

static void
engine_fold(struct utrace_engine *e, struct merge *m, uint32_t ret,
            bool has_disp)
{
	switch (resume_merge_fold(m, ret, has_disp)) {
	case MERGE_HOLD:
		e->holding = true;
		break;
	case MERGE_RELEASE:
		e->holding = false;
		break;
	case MERGE_DETACH:
		engine_detach(e);
		break;
	}
}

static struct list_head *
pass_next(struct list_head *pos, bool reverse)
{
	return reverse ? pos->prev : pos->next;
}

/*
 * One report pass over the engines of @t for its current stop.  Engines
 * attached after the pass began (seq newer than the start) and engines
 * detached meanwhile are skipped; none is unlinked until the pass ends.
 */
void
engine_report(struct utrace_task *t, const struct report *r)
{
	struct stop *s = &t->stop;
	uint64_t last_seq = t->u->attach_seq;
	bool has_disp = event_has_disp(r->event);
	struct list_head *pos;
	struct merge m;

	/* Nobody subscribed: not reported at all, not even as quiesce. */
	if (r->event && !(t->events & r->event))
		return;
	resume_merge_init(&m, s->disp);
	t->in_pass++;
	for (pos = pass_next(&t->engines, r->reverse); pos != &t->engines;
	     pos = pass_next(pos, r->reverse)) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		const struct utrace_engine_ops *ops = e->ops;
		uint32_t (*quiesce)(uint32_t, struct utrace_engine *,
		                    struct utrace_task *, uint64_t, void *);
		bool want;

		if (e->detached || e->seq > last_seq)
			continue;
		if (e->holding)
			resume_merge_held(&m);
		quiesce = (e->events & UTRACE_EVENT(QUIESCE))
		                  ? OPS_CB(ops, report_quiesce)
		                  : NULL;
		want = r->event && (e->events & r->event) &&
		       event_cb_present(ops, r->event) &&
		       (!(r->event & UTRACE_EVENT_SYSCALL) ||
		        engine_wants_syscall(e, &s->sc));
		if (!quiesce && !want)
			continue;

		utrace_engine_get(e);
		if (quiesce)
			engine_fold(e, &m,
			            quiesce(resume_merge_input(&m, r->flags), e,
			                    t, r->event, e->data),
			            false);
		if (want && !e->detached)
			engine_fold(
				e, &m,
				engine_call(e, t, r,
			                    resume_merge_input(&m, r->flags)),
				has_disp);
		utrace_engine_put(e);
	}
	s->disp = m.disp;
	if (m.resume < s->resume)
		s->resume = m.resume;
	t->in_pass--;
	engine_cleanup(t);
}

/* The last reports of a task: death, then reap; then every engine goes. */
void
engine_report_death(struct utrace_task *t, int status, bool group_dead)
{
	uint64_t last_seq = t->u->attach_seq;
	bool reported = t->events & UTRACE_EVENT(DEATH);
	struct list_head *pos;
	struct list_head *tmp;

	t->in_pass++;
	list_for_each(pos, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		const struct utrace_engine_ops *ops = e->ops;
		uint32_t (*quiesce)(uint32_t, struct utrace_engine *,
		                    struct utrace_task *, uint64_t, void *);
		void (*death)(struct utrace_engine *, struct utrace_task *, int,
		              bool, void *);

		if (e->detached || e->seq > last_seq || !reported)
			continue;
		quiesce = OPS_CB(ops, report_quiesce);
		death = OPS_CB(ops, report_death);
		utrace_engine_get(e);
		if (quiesce && (e->events & UTRACE_EVENT(QUIESCE)))
			(void)quiesce(UTRACE_RESUME, e, t, UTRACE_EVENT(DEATH),
			              e->data);
		if (death && (e->events & UTRACE_EVENT(DEATH)) && !e->detached)
			death(e, t, status, group_dead, e->data);
		utrace_engine_put(e);
	}
	list_for_each(pos, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		void (*reap)(struct utrace_engine *, struct utrace_task *,
		             void *) = OPS_CB(e->ops, report_reap);

		if (e->detached || e->seq > last_seq)
			continue;
		utrace_engine_get(e);
		if (reap && (e->events & UTRACE_EVENT(REAP)))
			reap(e, t, e->data);
		utrace_engine_put(e);
	}
	t->in_pass--;
	list_for_each_safe(pos, tmp, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		e->detached = true;
		e->holding = false;
	}
	engine_cleanup(t);
}

static bool
ops_valid(const struct utrace_engine_ops *ops)
{
	if (ops->size < sizeof(ops->size))
		return false;
	for (size_t i = sizeof(*ops); i < ops->size; i++)
		if (((const unsigned char *)ops)[i])
			return false;
	return true;
}

/* A new engine holding only the attachment's reference. */
struct utrace_engine *
engine_create(struct utrace_task *t, const struct utrace_engine_ops *ops,
              void *data, bool follow)
{
	struct utrace_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	atomic_init(&e->ref, 1);
	e->ops = ops;
	e->data = data;
	e->follow = follow;
	e->task = utrace_task_get(t);
	e->seq = ++t->u->attach_seq;
	e->linked = true;
	list_add_tail(&e->node, &t->engines);
	return e;
}

/* UTRACE_ATTACH_FOLLOW: the parent's following engines onto the child. */
void
engine_follow(struct utrace_task *parent, struct utrace_task *child)
{
	struct list_head *pos;

	list_for_each(pos, &parent->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		struct utrace_engine *ce;

		if (e->detached || !e->follow)
			continue;
		ce = engine_create(child, e->ops, e->data, true);
		if (ce && e->sys) {
			ce->sys = malloc(sizeof(*ce->sys));
			if (ce->sys)
				*ce->sys = *e->sys;
			else
				ce->detached = true;
		}
		if (!ce || ce->detached) {
			ulog(parent->u, LOG_ERR, "no memory to follow %d",
			     atomic_load(&child->tid));
			continue;
		}
		ce->events = e->events;
	}
	task_update_events(child);
}

struct attach_args {
	struct utrace_task *task;
	int flags;
	const struct utrace_engine_ops *ops;
	void *data;
	struct utrace_engine *engine;
};

static int
do_attach(struct utrace *u, void *arg)
{
	struct attach_args *a = arg;
	struct utrace_task *t = a->task;
	struct utrace_engine *match = NULL;
	struct utrace_engine *e;
	struct list_head *pos;

	if (t->state == TASK_DEAD || t->state == TASK_DETACHED)
		return -ESRCH;
	if (t->dying)
		return -EALREADY;

	list_for_each(pos, &t->engines) {
		e = list_entry(pos, struct utrace_engine, node);
		if (e->detached)
			continue;
		if ((a->flags & UTRACE_ATTACH_MATCH_OPS) && e->ops != a->ops)
			continue;
		if ((a->flags & UTRACE_ATTACH_MATCH_DATA) && e->data != a->data)
			continue;
		match = e;
		break;
	}
	if (!(a->flags & UTRACE_ATTACH_CREATE)) {
		if (!match)
			return -ENOENT;
		a->engine = utrace_engine_get(match);
		return 0;
	}
	if ((a->flags & UTRACE_ATTACH_EXCLUSIVE) && match)
		return -EEXIST;

	e = engine_create(t, a->ops, a->data, a->flags & UTRACE_ATTACH_FOLLOW);
	if (!e)
		return -ENOMEM;
	a->engine = utrace_engine_get(e);
	return 0;
}

UTRACE_EXPORT int
utrace_attach_task(struct utrace_task *task, int flags,
                   const struct utrace_engine_ops *ops, void *data,
                   struct utrace_engine **ret_engine)
{
	const int known = UTRACE_ATTACH_MATCH_OPS | UTRACE_ATTACH_MATCH_DATA |
	                  UTRACE_ATTACH_CREATE | UTRACE_ATTACH_EXCLUSIVE |
	                  UTRACE_ATTACH_FOLLOW;
	struct attach_args a = {
		.task = task, .flags = flags, .ops = ops, .data = data
	};
	int r;

	assert_return(task, -EINVAL);
	assert_return(ret_engine, -EINVAL);
	assert_return(!(flags & ~known), -EINVAL);
	assert_return(!(flags & UTRACE_ATTACH_CREATE) || ops, -EINVAL);
	assert_return(!(flags & UTRACE_ATTACH_FOLLOW) ||
	                      (flags & UTRACE_ATTACH_CREATE),
	              -EINVAL);
	assert_return(!(flags & UTRACE_ATTACH_MATCH_OPS) || ops, -EINVAL);
	assert_return(!ops || ops_valid(ops), -EINVAL);

	r = cmdq_call(task->u, do_attach, &a);
	if (r < 0)
		return r;
	*ret_engine = a.engine;
	return 0;
}

/* Common checks of calls naming an engine and its task. */
static int
engine_check(const struct utrace_task *t, const struct utrace_engine *e)
{
	if (e->task != t)
		return -EINVAL;
	if (e->detached || t->state == TASK_DEAD)
		return -ESRCH;
	return 0;
}

struct events_args {
	struct utrace_task *task;
	struct utrace_engine *engine;
	uint64_t events;
};

static int
do_set_events(struct utrace *u, void *arg)
{
	const uint64_t final = UTRACE_EVENT(DEATH) | UTRACE_EVENT(QUIESCE);
	struct events_args *a = arg;
	struct utrace_task *t = a->task;
	struct utrace_engine *e = a->engine;
	uint64_t added = a->events & ~e->events;
	uint64_t removed = e->events & ~a->events;
	int r = engine_check(t, e);

	(void)u;
	if (r < 0)
		return r;
	if (t->dying && ((added & final) || (removed & UTRACE_EVENT(DEATH))))
		return -EALREADY;
	e->events = a->events;
	task_update_events(t);
	return 0;
}

UTRACE_EXPORT int
utrace_set_events(struct utrace_task *task, struct utrace_engine *engine,
                  uint64_t events)
{
	struct events_args a = { .task = task,
		                 .engine = engine,
		                 .events = events };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);
	assert_return(!(events & ~UTRACE_EVENT_ALL), -EINVAL);

	return cmdq_call(task->u, do_set_events, &a);
}

struct syscalls_args {
	struct utrace_task *task;
	struct utrace_engine *engine;
	struct sysmap *sys;
};

static int
do_set_syscalls(struct utrace *u, void *arg)
{
	struct syscalls_args *a = arg;
	struct utrace_engine *e = a->engine;
	int r = engine_check(a->task, e);

	(void)u;
	if (r < 0)
		return r;
	free(e->sys);
	e->sys = a->sys;
	a->sys = NULL;
	task_update_events(a->task);
	return 0;
}

UTRACE_EXPORT int
utrace_set_syscalls(struct utrace_task *task, struct utrace_engine *engine,
                    uint32_t arch, const int64_t *nrs, size_t n)
{
	struct syscalls_args a = { .task = task, .engine = engine };
	int r;

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);
	assert_return(utrace_syscall_name(arch, 0), -EINVAL);
	for (size_t i = 0; nrs && i < n; i++)
		assert_return(nrs[i] >= 0 && nrs[i] < UTRACE_SYSCALL_MAX,
		              -EINVAL);
	if (nrs) {
		a.sys = calloc(1, sizeof(*a.sys));
		if (!a.sys)
			return -ENOMEM;
		a.sys->arch = arch;
		for (size_t i = 0; i < n; i++)
			a.sys->bits[nrs[i] / 64] |= 1ull << (nrs[i] % 64);
	}
	r = cmdq_call(task->u, do_set_syscalls, &a);
	free(a.sys);
	return r;
}

struct control_args {
	struct utrace_task *task;
	struct utrace_engine *engine;
	enum utrace_resume_action action;
};

static bool
task_is_stopped(const struct utrace_task *t)
{
	return t->state == TASK_STOPPED || t->state == TASK_NEW;
}

static int
do_control(struct utrace *u, void *arg)
{
	struct control_args *a = arg;
	struct utrace_task *t = a->task;
	struct utrace_engine *e = a->engine;
	enum utrace_resume_action action = a->action;
	int r = engine_check(t, e);

	(void)u;
	if (r < 0)
		return r;
	if (t->dying)
		return -EALREADY;

	switch (action) {
	case UTRACE_STOP:
		e->holding = true;
		if (task_is_stopped(t))
			return 0;
		task_interrupt(t);
		return -EINPROGRESS;
	case UTRACE_DETACH:
		engine_detach(e);
		/* A new child has not run yet: it is detached at its first
		 * stop, before it runs. */
		return t->detach_pending && t->state != TASK_NEW ? -EINPROGRESS
		                                                 : 0;
	case UTRACE_RESUME:
		e->holding = false;
		task_maybe_resume(t);
		return 0;
	default:
		break;
	}

	/* REPORT, INTERRUPT, SINGLESTEP, BLOCKSTEP */
	if (!(e->events & UTRACE_EVENT(QUIESCE)))
		return -EINVAL;
	e->holding = false;
	if (t->state == TASK_STOPPED) {
		if (action < t->stop.resume)
			t->stop.resume = action;
		if (action <= UTRACE_REPORT)
			t->stop.report_done = false;
		task_maybe_resume(t);
		return 0;
	}
	if (action <= UTRACE_REPORT)
		t->report_wanted = true;
	else if (action < t->pending_resume)
		t->pending_resume = action;
	task_interrupt(t);
	return -EINPROGRESS;
}

UTRACE_EXPORT int
utrace_control(struct utrace_task *task, struct utrace_engine *engine,
               enum utrace_resume_action action)
{
	struct control_args a = { .task = task,
		                  .engine = engine,
		                  .action = action };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);
	assert_return((unsigned int)action < UTRACE_RESUME_MAX, -EINVAL);

	return cmdq_call(task->u, do_control, &a);
}

struct barrier_args {
	struct utrace_task *task;
	struct utrace_engine *engine;
};

static int
do_barrier(struct utrace *u, void *arg)
{
	struct barrier_args *a = arg;

	(void)u;
	/* Commands run between callbacks: being here is the barrier. */
	return a->engine->task == a->task ? 0 : -ESRCH;
}

UTRACE_EXPORT int
utrace_barrier(struct utrace_task *task, struct utrace_engine *engine)
{
	struct barrier_args a = { .task = task, .engine = engine };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);

	return cmdq_call(task->u, do_barrier, &a);
}
