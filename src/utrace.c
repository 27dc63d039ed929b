/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context: utrace_new(), utrace_free(), options and the log handler. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "utrace-private.h"

static bool
opts_valid(const struct utrace_opts *opts)
{
	const uint64_t known = UTRACE_OPT_SYSCALL_INFO_REGS;

	if (opts->size <
	    offsetof(struct utrace_opts, flags) + sizeof(opts->flags))
		return false;
	if (opts->flags & ~known)
		return false;
	/* A caller built against a larger struct must not set what we do
	 * not know. */
	for (size_t i = sizeof(*opts); i < opts->size; i++)
		if (((const unsigned char *)opts)[i])
			return false;
	return true;
}

UTRACE_EXPORT int
utrace_new(const struct utrace_opts *opts, struct utrace **ret)
{
	struct utrace *u;
	int sig = SIGRTMAX - 1;
	int r;

	assert_return(ret, -EINVAL);
	assert_return(!opts || opts_valid(opts), -EINVAL);
	if (opts &&
	    opts->size >=
	            offsetof(struct utrace_opts, wake_signal) + sizeof(int) &&
	    opts->wake_signal)
		sig = opts->wake_signal;
	assert_return(sig >= SIGRTMIN && sig <= SIGRTMAX, -EINVAL);

	r = tracer_wake_handler_install(sig);
	if (r < 0)
		return r;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->pid = getpid();
	u->wake_signal = sig;
	u->flags = opts ? opts->flags : 0;
	list_init(&u->cmds);
	list_init(&u->tasks);
	for (size_t i = 0; i < TASK_BUCKETS; i++)
		list_init(&u->buckets[i]);
	(void)pthread_mutex_init(&u->lock, NULL);
	(void)pthread_cond_init(&u->cond, NULL);

	r = tracer_start(u);
	if (r < 0) {
		(void)pthread_cond_destroy(&u->cond);
		(void)pthread_mutex_destroy(&u->lock);
		free(u);
		return r == -EAGAIN ? -EAGAIN : r;
	}
	*ret = u;
	return 0;
}

static int
do_shutdown(struct utrace *u, void *arg)
{
	(void)arg;
	u->quit = true;
	return task_shutdown(u);
}

UTRACE_EXPORT void
utrace_free(struct utrace *u)
{
	if (!u)
		return;
	if (cmdq_on_tracer(u)) {
		ulog(u, LOG_DEBUG, "BUG: utrace_free() called from a callback");
		return;
	}
	assert_return_void(getpid() == u->pid);

	(void)cmdq_call(u, do_shutdown, NULL);
	(void)pthread_join(u->thread, NULL);
	(void)pthread_cond_destroy(&u->cond);
	(void)pthread_mutex_destroy(&u->lock);
	free(u);
}

UTRACE_EXPORT int
utrace_set_log_fn(struct utrace *u, utrace_log_fn fn, void *data)
{
	assert_return(u, -EINVAL);

	(void)pthread_mutex_lock(&u->lock);
	u->log_fn = fn;
	u->log_data = data;
	(void)pthread_mutex_unlock(&u->lock);
	return 0;
}
