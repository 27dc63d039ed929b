/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "msg.h"
#include "taskmap.h"
#include "tracker.h"

struct tracker_task {
	pid_t tid;
	/* Attach order. */
	uint64_t seq;
	bool seized;
};

struct tracker {
	struct output *o;
	bool quiet;
	/* Children have engines of their own (UTRACE_ATTACH_FOLLOW). */
	bool follow;
	/* The process mstrace started, and its status once it is gone. */
	pid_t root;
	int root_status;
	bool root_dead;
	int done_fd;
	uint64_t seq;
	struct taskmap tasks;
};

static void
track(struct tracker *t, const struct utrace_task *task, bool seized)
{
	struct tracker_task *tt;
	bool is_new;

	tt = taskmap_get(&t->tasks, task, &is_new);
	if (!tt || !is_new)
		return;
	tt->tid = utrace_task_tid(task);
	tt->seq = t->seq++;
	tt->seized = seized;
	t->o->live++;
}

static uint32_t
tracker_clone(uint32_t action, struct utrace_engine *engine,
              struct utrace_task *task, enum utrace_clone_kind kind,
              struct utrace_task *child, void *data)
{
	struct tracker *t = data;
	struct tracker_task *parent = taskmap_find(&t->tasks, task);

	/* Without -f the child runs untraced: it is not ours to wait for. */
	if (!t->follow)
		return UTRACE_RESUME;
	track(t, child, parent && parent->seized);
	if (!t->quiet)
		msg("Process %d attached", (int)utrace_task_tid(child));
	return UTRACE_RESUME;
}

static void
tracker_death(struct utrace_engine *engine, struct utrace_task *task,
              int status, bool group_dead, void *data)
{
	struct tracker *t = data;

	/* The last of the process's threads: after a thread's execve, it
	 * is not the task that was spawned, but it has its id. */
	if (t->root && group_dead && utrace_task_tgid(task) == t->root) {
		t->root_status = status;
		t->root_dead = true;
	}
}

static void
tracker_reap(struct utrace_engine *engine, struct utrace_task *task, void *data)
{
	struct tracker *t = data;
	const uint64_t one = 1;

	if (!taskmap_find(&t->tasks, task))
		return;
	taskmap_remove(&t->tasks, task);
	if (t->o->live && --t->o->live == 0)
		(void)!write(t->done_fd, &one, sizeof(one));
}

static const struct utrace_engine_ops tracker_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_clone = tracker_clone,
	.report_death = tracker_death,
	.report_reap = tracker_reap,
};

struct tracker *
tracker_new(struct output *o, bool quiet)
{
	struct tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = o;
	t->quiet = quiet;
	taskmap_init(&t->tasks, sizeof(struct tracker_task), NULL);
	t->done_fd = eventfd(0, EFD_CLOEXEC);
	if (t->done_fd < 0) {
		free(t);
		return NULL;
	}
	return t;
}

int
tracker_attach(struct tracker *t, struct utrace_task *task,
               const struct attach_opts *opts, bool seized)
{
	const struct attach_opts own = { .follow = opts->follow };
	int r;

	t->follow = opts->follow;
	if (!seized)
		t->root = utrace_task_tgid(task);
	r = attach_engine(task, &own, &tracker_ops, t,
	                  UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH) |
	                          UTRACE_EVENT(REAP));
	if (r == 0)
		track(t, task, seized);
	return r;
}

bool
tracker_root_status(const struct tracker *t, int *ret_status)
{
	if (!t->root_dead)
		return false;
	*ret_status = t->root_status;
	return true;
}

int
tracker_fd(const struct tracker *t)
{
	return t->done_fd;
}

struct detached {
	const struct tracker_task **v;
	size_t n;
	size_t size;
};

static void
collect(void *state, void *data)
{
	struct detached *d = data;

	if (d->n < d->size)
		d->v[d->n++] = state;
}

static int
by_seq(const void *a, const void *b)
{
	const struct tracker_task *x = *(const struct tracker_task *const *)a;
	const struct tracker_task *y = *(const struct tracker_task *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
tracker_say_detached(const struct tracker *t)
{
	struct detached d = { 0 };
	size_t i;

	if (t->quiet || !t->o->live)
		return;
	d.size = t->o->live;
	d.v = calloc(d.size, sizeof(const struct tracker_task *));
	if (!d.v)
		return;
	taskmap_for_each(&t->tasks, collect, &d);
	qsort(d.v, d.n, sizeof(const struct tracker_task *), by_seq);
	for (i = 0; i < d.n; i++)
		if (d.v[i]->seized)
			msg("Process %d detached", (int)d.v[i]->tid);
	free(d.v);
}

void
tracker_free(struct tracker *t)
{
	if (!t)
		return;
	taskmap_clear(&t->tasks);
	(void)close(t->done_fd);
	free(t);
}
