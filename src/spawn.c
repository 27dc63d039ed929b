/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utrace_spawn(): fork a child of the tracer thread, seize it while it
 * waits on a pipe, let it exec, and hold it at the exec stop.  Runs on the
 * tracer thread, synchronously: it waits for this child alone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utrace-private.h"

#define SEIZE_OPTIONS                                                     \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

struct spawn_args {
	char *const *argv;
	char *const *envp;
	uint64_t flags;
	sigset_t mask;
	struct utrace_task *task;
};

static const char *
env_path(char *const envp[])
{
	const char *p = NULL;

	if (!envp)
		return getenv("PATH");
	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			p = envp[i] + 5;
	return p;
}

/* Finds @file as execvp(3) would, before the fork. */
static int
resolve_path(const char *file, char *const envp[], char *buf, size_t size)
{
	const char *path;
	int err = -ENOENT;

	if (!*file)
		return -ENOENT;
	if (strchr(file, '/')) {
		if ((size_t)snprintf(buf, size, "%s", file) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	path = env_path(envp);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		int n = snprintf(buf, size, "%.*s%s%s", (int)len, path,
				 len ? "/" : "", file);

		path += len + (path[len] == ':');
		if (n < 0 || (size_t)n >= size)
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
		if (errno == EACCES)
			err = -EACCES;
	}
	return err;
}

/* The child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
spawn_child(const char *path, const struct spawn_args *a, const int sync[2],
	    const int err[2])
{
	int sync_fd = sync[0];
	int err_fd = err[1];
	char c;
	int e;

	(void)close(sync[1]);
	(void)close(err[0]);
	(void)sigprocmask(SIG_SETMASK, &a->mask, NULL);
	while (read(sync_fd, &c, 1) < 0 && errno == EINTR)
		;
	(void)execve(path, a->argv, a->envp ? a->envp : environ);
	e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(127);
}

/* Waits for the seized child's exec; returns 0 or -errno of the exec. */
static int
spawn_wait_exec(pid_t pid, int err_fd)
{
	for (;;) {
		siginfo_t si;
		int e = 0;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WSTOPPED | __WALL) <
		    0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (si.si_code != CLD_TRAPPED) {
			/* The exec failed and the child is reaped. */
			if (read(err_fd, &e, sizeof(e)) != sizeof(e) || e <= 0)
				e = ECHILD;
			return -e;
		}
		switch (si.si_status >> 8) {
		case PTRACE_EVENT_EXEC:
			return 0;
		case 0:
			/* A signal before the exec: deliver it. */
			(void)ptrace(PTRACE_CONT, pid, 0, si.si_status & 0x7f);
			break;
		default:
			(void)ptrace(PTRACE_CONT, pid, 0, 0);
			break;
		}
	}
}

int
spawn_run(struct utrace *u, void *arg)
{
	struct spawn_args *a = arg;
	char path[PATH_MAX];
	struct utrace_task *t;
	int sync_fds[2];
	int err_fds[2];
	long options = SEIZE_OPTIONS;
	pid_t pid;
	int r;

	r = resolve_path(a->argv[0], a->envp, path, sizeof(path));
	if (r < 0)
		return r;
	if (pipe2(sync_fds, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err_fds, O_CLOEXEC) < 0) {
		r = -errno;
		goto err_sync;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto err_pipes;
	}
	if (pid == 0)
		spawn_child(path, a, sync_fds, err_fds);

	(void)close(sync_fds[0]);
	(void)close(err_fds[1]);
	if (a->flags & UTRACE_SPAWN_EXITKILL)
		options |= PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SEIZE, pid, 0, options) < 0) {
		r = -errno;
		(void)kill(pid, SIGKILL);
		(void)close(sync_fds[1]);
		(void)waitpid(pid, NULL, __WALL);
		(void)close(err_fds[0]);
		return r;
	}
	(void)close(sync_fds[1]);
	r = spawn_wait_exec(pid, err_fds[0]);
	(void)close(err_fds[0]);
	if (r < 0)
		return r;

	t = task_new(u, pid, pid);
	if (!t) {
		(void)kill(pid, SIGKILL);
		/* The tracer loop collects it; nobody reports it. */
		return -ENOMEM;
	}
	t->spawned = true;
	t->spawn_hold = true;
	t->parent_seen = true;
	t->kill_on_free = !(a->flags & UTRACE_SPAWN_DETACH_ON_FREE);
	t->state = TASK_STOPPED;
	t->stop.kind = STOP_EXEC;
	task_exec_syscall(t);
	a->task = utrace_task_get(t);
	return 0;

err_pipes:
	(void)close(err_fds[0]);
	(void)close(err_fds[1]);
err_sync:
	(void)close(sync_fds[0]);
	(void)close(sync_fds[1]);
	return r;
}

UTRACE_EXPORT int
utrace_spawn(struct utrace *u, char *const argv[], char *const envp[],
	     const struct utrace_spawn_opts *opts,
	     struct utrace_task **ret_task)
{
	const uint64_t known = UTRACE_SPAWN_EXITKILL |
			       UTRACE_SPAWN_DETACH_ON_FREE;
	struct spawn_args a = { .argv = argv, .envp = envp };
	int r;

	assert_return(u, -EINVAL);
	assert_return(argv && argv[0], -EINVAL);
	assert_return(ret_task, -EINVAL);
	if (opts) {
		assert_return(opts->size >= offsetof(struct utrace_spawn_opts,
						     flags) +
						    sizeof(opts->flags),
			      -EINVAL);
		for (size_t i = sizeof(*opts); i < opts->size; i++)
			assert_return(!((const unsigned char *)opts)[i],
				      -EINVAL);
		assert_return(!(opts->flags & ~known), -EINVAL);
		a.flags = opts->flags;
	}
	if (getpid() != u->pid)
		return -ECHILD;
	(void)pthread_sigmask(SIG_SETMASK, NULL, &a.mask);
	if (cmdq_on_tracer(u)) {
		/* Spawned from a callback: the tracer's own mask is no
		 * caller's choice; start with none blocked. */
		(void)sigemptyset(&a.mask);
	}

	r = cmdq_call(u, spawn_run, &a);
	if (r < 0)
		return r;
	*ret_task = a.task;
	return 0;
}
