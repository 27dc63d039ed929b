/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utrace_spawn(): fork a child of the tracer thread, seize it while it
 * waits on a pipe, let it exec, and hold it at the exec stop.  Runs on the
 * tracer thread, synchronously: it waits for this child alone.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utrace-private.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#error "NATIVE_AUDIT_ARCH unknown for this architecture"
#endif

struct spawn_args {
	char *const *argv;
	char *const *envp;
	uint64_t flags;
	sigset_t mask;
	struct sysmap seccomp;
	struct sock_fprog prog;
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
	/* Traced by now: the filter's stops have somewhere to go. */
	if (a->prog.filter &&
	    (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	     syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &a->prog) < 0))
		goto fail;
	(void)execve(path, a->argv, a->envp ? a->envp : environ);
fail:
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

static int spawn_fork(struct utrace *u, struct spawn_args *a, const char *path,
                      long options);

int
spawn_run(struct utrace *u, void *arg)
{
	struct spawn_args *a = arg;
	char path[PATH_MAX];
	long options = TASK_BASE_OPTIONS;
	int r;

	r = resolve_path(a->argv[0], a->envp, path, sizeof(path));
	if (r < 0)
		return r;
	if (a->flags & UTRACE_SPAWN_SECCOMP) {
		options |= PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
		r = seccomp_filter_build(&a->seccomp, &a->prog);
		if (r < 0)
			return r;
	}
	r = spawn_fork(u, a, path, options);
	seccomp_filter_free(&a->prog);
	return r;
}

static int
spawn_fork(struct utrace *u, struct spawn_args *a, const char *path,
           long options)
{
	struct utrace_task *t;
	int sync_fds[2];
	int err_fds[2];
	pid_t pid;
	int r;

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
	t->start_hold = true;
	t->opts = options;
	t->exitkill = (options & PTRACE_O_EXITKILL) != 0;
	t->parent_seen = true;
	t->kill_on_free = !(a->flags & UTRACE_SPAWN_DETACH_ON_FREE);
	if (a->flags & UTRACE_SPAWN_SECCOMP) {
		t->seccomp = true;
		t->seccomp_map = a->seccomp;
		task_update_events(t);
	}
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
	                       UTRACE_SPAWN_DETACH_ON_FREE |
	                       UTRACE_SPAWN_SECCOMP;
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
	if (a.flags & UTRACE_SPAWN_SECCOMP) {
		assert_return(opts->size >= offsetof(struct utrace_spawn_opts,
		                                     n_seccomp_nrs) +
		                                    sizeof(opts->n_seccomp_nrs),
		              -EINVAL);
		assert_return(!(a.flags & UTRACE_SPAWN_DETACH_ON_FREE),
		              -EINVAL);
		assert_return(opts->seccomp_nrs || !opts->n_seccomp_nrs,
		              -EINVAL);
		a.seccomp.arch = NATIVE_AUDIT_ARCH;
		for (size_t i = 0; i < opts->n_seccomp_nrs; i++) {
			int64_t nr = opts->seccomp_nrs[i];

			assert_return(nr >= 0 && nr < UTRACE_SYSCALL_MAX,
			              -EINVAL);
			a.seccomp.bits[nr / 64] |= 1ull << (nr % 64);
		}
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

/* ---- utrace_seize() ---------------------------------------------------- */

struct seize_args {
	pid_t pid;
	struct utrace_task **tasks; /* NULL-terminated */
	size_t n;
	size_t cap;
};

static int
seize_add(struct seize_args *a, struct utrace_task *t)
{
	if (a->n + 1 >= a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct utrace_task **p =
			realloc(a->tasks, cap * sizeof(struct utrace_task *));

		if (!p)
			return -ENOMEM;
		a->tasks = p;
		a->cap = cap;
	}
	a->tasks[a->n++] = t;
	a->tasks[a->n] = NULL;
	return 0;
}

static bool
seize_has(const struct seize_args *a, pid_t tid)
{
	for (size_t i = 0; i < a->n; i++)
		if (atomic_load(&a->tasks[i]->tid) == tid)
			return true;
	return false;
}

/* Seizes one thread and interrupts it; 1 if it is gone, else 0/-errno. */
static int
seize_thread(struct utrace *u, struct seize_args *a, pid_t tgid, pid_t tid)
{
	struct utrace_task *t;
	long tracer;

	if (seize_has(a, tid))
		return 0;
	if (task_lookup(u, tid))
		return -EBUSY;
	if (ptrace(PTRACE_SEIZE, tid, 0, (long)TASK_BASE_OPTIONS) < 0) {
		int e = errno;

		if (e == ESRCH)
			return 1;
		if (proc_status_field(tid, "TracerPid:", &tracer) == 0 &&
		    tracer != 0)
			return -EBUSY;
		return -e;
	}
	t = task_new(u, tid, tgid);
	if (!t) {
		(void)ptrace(PTRACE_INTERRUPT, tid, 0, 0);
		(void)waitpid(tid, NULL, __WALL);
		(void)ptrace(PTRACE_DETACH, tid, 0, 0);
		return -ENOMEM;
	}
	t->parent_seen = true;
	t->seized = true;
	t->start_hold = true;
	t->opts = TASK_BASE_OPTIONS;
	task_interrupt(t);
	return seize_add(a, utrace_task_get(t));
}

/* Whether /proc/<tid>/status says Z (a zombie leader cannot be seized). */
static bool
proc_is_zombie(pid_t tid)
{
	char path[64];
	char buf[256];
	const char *p;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "State:");
	return p && strchr(p, 'Z') && strchr(p, 'Z') < strchr(p, '\n');
}

/* Every thread of @tgid until a pass over /proc finds no new one. */
static int
seize_scan(struct utrace *u, struct seize_args *a, pid_t tgid)
{
	char path[64];
	bool found = true;

	(void)snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	while (found) {
		struct dirent *de;
		DIR *d = opendir(path);

		if (!d)
			return a->n ? 0 : -ESRCH;
		found = false;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);
			int r;

			if (tid <= 0 || seize_has(a, tid))
				continue;
			r = seize_thread(u, a, tgid, tid);
			if (r == -EPERM && tid == tgid && proc_is_zombie(tid))
				r = 1;
			if (r < 0) {
				(void)closedir(d);
				return r;
			}
			found |= r == 0;
		}
		(void)closedir(d);
	}
	return a->n ? 0 : -ESRCH;
}

/*
 * Waits for the first stop of a seized thread and decodes it, without
 * reporting: the report happens at utrace_task_start(), once engines are
 * attached.  Children the thread was creating are seized along.
 */
static int
seize_first_stop(struct utrace *u, struct seize_args *a, size_t i)
{
	struct utrace_task *t = a->tasks[i];
	pid_t tid = atomic_load(&t->tid);

	for (;;) {
		siginfo_t si;
		int ev;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)tid, &si, WEXITED | WSTOPPED | __WALL) <
		    0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (si.si_code != CLD_TRAPPED) {
			task_handle_status(u, &si);
			return 0;
		}
		ev = si.si_status >> 8;
		if (ev == PTRACE_EVENT_EXIT) {
			/* Dying: never held; its death comes later. */
			t->interrupt_sent = false;
			t->state = TASK_RUNNING;
			(void)ptrace(PTRACE_CONT, tid, 0, 0);
			return 0;
		}
		if (task_decode(t, si.si_status) < 0)
			return 0;
		if (t->stop.kind == STOP_CLONE) {
			pid_t ctid = (pid_t)t->stop.msg;
			struct utrace_task *c = task_lookup(u, ctid);
			long v = ctid;

			/* The child is traced already: hold it as well. */
			(void)proc_status_field(ctid, "Tgid:", &v);
			if (!c)
				c = task_new(u, ctid, (pid_t)v);
			if (!c)
				return -ENOMEM;
			c->parent_seen = true;
			c->seized = true;
			c->start_hold = true;
			t->stop.kind = STOP_OTHER;
			return seize_add(a, utrace_task_get(c));
		}
		return 0;
	}
}

static void
seize_rollback(struct seize_args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		struct utrace_task *t = a->tasks[i];

		t->start_hold = false;
		task_detach_ptrace(t);
		utrace_task_put(t);
	}
	free(a->tasks);
	a->tasks = NULL;
	a->n = 0;
}

static int
seize_run(struct utrace *u, void *arg)
{
	struct seize_args *a = arg;
	long tgid = a->pid;
	size_t j;
	int r;

	if (proc_status_field(a->pid, "Tgid:", &tgid) < 0)
		return -ESRCH;
	if (tgid == getpid())
		return -EINVAL;

	r = seize_scan(u, a, (pid_t)tgid);
	/* The child a thread was creating joins the list while waiting. */
	for (size_t i = 0; r == 0 && i < a->n; i++)
		r = seize_first_stop(u, a, i);
	if (r == 0)
		r = seize_scan(u, a, (pid_t)tgid);
	for (size_t i = 0; r == 0 && i < a->n; i++)
		if (a->tasks[i]->state == TASK_NEW)
			r = seize_first_stop(u, a, i);
	if (r < 0) {
		seize_rollback(a);
		return r;
	}
	/* Threads that died meanwhile are left out. */
	j = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->tasks[i]->state == TASK_DEAD)
			utrace_task_put(a->tasks[i]);
		else
			a->tasks[j++] = a->tasks[i];
	}
	a->n = j;
	a->tasks[j] = NULL;
	if (!j) {
		seize_rollback(a);
		return -ESRCH;
	}
	return 0;
}

UTRACE_EXPORT int
utrace_seize(struct utrace *u, pid_t pid, const struct utrace_seize_opts *opts,
             struct utrace_task ***ret_tasks)
{
	struct seize_args a = { .pid = pid };
	int r;

	assert_return(u, -EINVAL);
	assert_return(pid > 0, -EINVAL);
	assert_return(ret_tasks, -EINVAL);
	if (opts) {
		assert_return(opts->size >= offsetof(struct utrace_seize_opts,
		                                     flags) +
		                                    sizeof(opts->flags),
		              -EINVAL);
		for (size_t i = sizeof(*opts); i < opts->size; i++)
			assert_return(!((const unsigned char *)opts)[i],
			              -EINVAL);
		assert_return(!opts->flags, -EINVAL);
	}

	r = cmdq_call(u, seize_run, &a);
	if (r < 0) {
		free(a.tasks);
		return r;
	}
	*ret_tasks = a.tasks;
	return 0;
}
