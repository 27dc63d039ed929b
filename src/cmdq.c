/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calls from host threads, marshalled to the tracer thread.
 *
 * A caller queues a command on its own stack and sleeps until the tracer
 * thread has run it.  Waking the tracer: the caller sets cmd_pending, then
 * signals the tracer thread only if it is inside its wait window.  The
 * tracer sets in_window, then checks cmd_pending.  Both are sequentially
 * consistent, so either the tracer sees the command or the signal finds it
 * in the window, whose handler leaves the wait (tracer.c).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "utrace-private.h"

struct cmd {
	struct list_head node;
	cmd_fn fn;
	void *arg;
	int ret;
	bool done;
};

bool
cmdq_on_tracer(const struct utrace *u)
{
	return u->started && pthread_equal(pthread_self(), u->thread);
}

void
cmdq_wake(struct utrace *u)
{
	atomic_store(&u->cmd_pending, 1);
	if (atomic_load(&u->in_window))
		(void)pthread_kill(u->thread, u->wake_signal);
}

int
cmdq_call(struct utrace *u, cmd_fn fn, void *arg)
{
	struct cmd c = { .fn = fn, .arg = arg };

	if (cmdq_on_tracer(u))
		return fn(u, arg);
	if (getpid() != u->pid)
		return -ECHILD;

	(void)pthread_mutex_lock(&u->lock);
	list_add_tail(&c.node, &u->cmds);
	(void)pthread_mutex_unlock(&u->lock);
	cmdq_wake(u);

	(void)pthread_mutex_lock(&u->lock);
	while (!c.done)
		(void)pthread_cond_wait(&u->cond, &u->lock);
	(void)pthread_mutex_unlock(&u->lock);
	return c.ret;
}

/* Tracer thread: run every queued command, oldest first. */
void
cmdq_run(struct utrace *u)
{
	struct list_head todo;
	struct list_head *pos;
	struct list_head *tmp;

	list_init(&todo);
	(void)pthread_mutex_lock(&u->lock);
	list_for_each_safe(pos, tmp, &u->cmds) {
		list_del(pos);
		list_add_tail(pos, &todo);
	}
	(void)pthread_mutex_unlock(&u->lock);

	list_for_each_safe(pos, tmp, &todo) {
		struct cmd *c = list_entry(pos, struct cmd, node);
		int ret = c->fn(u, c->arg);

		list_del(pos);
		(void)pthread_mutex_lock(&u->lock);
		c->ret = ret;
		c->done = true;
		(void)pthread_cond_broadcast(&u->cond);
		(void)pthread_mutex_unlock(&u->lock);
	}
}
