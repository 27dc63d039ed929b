/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

/* References handed out by dbg_spawn() and dbg_attach(), for
 * dbg_put_all(); a put is allowed after utrace_free(). */
static struct utrace_task *tasks[64];
static size_t n_tasks;
static struct utrace_engine *engines[64];
static size_t n_engines;

void
dbg_put_all(void)
{
	while (n_engines)
		utrace_engine_put(engines[--n_engines]);
	while (n_tasks)
		utrace_task_put(tasks[--n_tasks]);
}

struct utrace_task *
dbg_spawn(struct utrace *u, int *ret_fd, ...)
{
	char *argv[64];
	struct utrace_task *task = NULL;
	size_t n = 0;
	const char *arg;
	va_list ap;
	int p[2];
	int r;

	test_pipe(p, 1);
	argv[n++] = (char *)test_fmt("%s", test_helper("tracee-dbg"));
	argv[n++] = (char *)"-r";
	argv[n++] = (char *)test_fmt("%d", p[1]);
	va_start(ap, ret_fd);
	while ((arg = va_arg(ap, const char *))) {
		ck_assert(n < 63);
		argv[n++] = (char *)arg;
	}
	va_end(ap);
	argv[n] = NULL;
	r = test_spawn_argv(u, argv, &task);
	ck_assert_msg(r == 0, "utrace_spawn(%s): %d (%s)", argv[0], r,
	              strerror(-r));
	test_close(p[1]);
	ck_assert(n_tasks < 64);
	tasks[n_tasks++] = task;
	*ret_fd = p[0];
	return task;
}

const char *
dbg_line(int fd, const char *prefix)
{
	size_t len = strlen(prefix);

	for (;;) {
		const char *line = test_read_line(fd);

		if (strncmp(line, prefix, len) == 0 && line[len] == ' ')
			return test_fmt("%s", line + len + 1);
		if (strncmp(line, prefix, len) == 0 && line[len] == '\0')
			return test_fmt("%s", "");
	}
}

static const char *
field(const char *s, int i)
{
	while (i-- > 0) {
		s = strchr(s, ' ');
		ck_assert_msg(s != NULL, "missing field");
		s++;
	}
	return s;
}

uint64_t
dbg_field(const char *s, int i)
{
	return strtoull(field(s, i), NULL, 0);
}

uint64_t
dbg_field_hex(const char *s, int i)
{
	return strtoull(field(s, i), NULL, 16);
}

int
dbg_run(char *const argv[], enum dbg_run_err err, const char **ret_out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;
	int p[2];
	int r;

	/* Both ends close on exec; the dup2() of the write end does not. */
	test_pipe(p, -1);
	ck_assert_int_eq(posix_spawn_file_actions_init(&fa), 0);
	ck_assert_int_eq(posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	                                                  O_RDONLY, 0),
	                 0);
	ck_assert_int_eq(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
	if (err == DBG_RUN_ERR_OUT)
		ck_assert_int_eq(posix_spawn_file_actions_adddup2(&fa, p[1], 2),
		                 0);
	else if (err == DBG_RUN_ERR_NULL)
		ck_assert_int_eq(posix_spawn_file_actions_addopen(
					 &fa, 2, "/dev/null", O_WRONLY, 0),
		                 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	(void)posix_spawn_file_actions_destroy(&fa);
	test_close(p[1]);
	if (r) {
		test_close(p[0]);
		*ret_out = "";
		return -r;
	}
	/* Copied: the next read reuses the buffer. */
	*ret_out = test_fmt("%s", test_read_all(p[0]));
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return status;
}

void
dbg_raw_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	ck_assert_msg(n == (ssize_t)len, "pread %s at %#llx: %zd (%s)", path,
	              (unsigned long long)addr, n, strerror(errno));
}

static uint32_t
cb_breakpoint(uint32_t action, struct utrace_engine *engine,
              struct utrace_task *task, uint64_t addr, void *data)
{
	struct test_engine *te = data;
	dbg_bp_fn fn = (dbg_bp_fn)te->priv;

	(void)action;
	__atomic_add_fetch(&te->hits, 1, __ATOMIC_SEQ_CST);
	/* Wakes a test waiting in test_log_wait_pred() for hits. */
	test_log_kick(te->log);
	if (fn)
		return fn(te, engine, task, addr);
	return UTRACE_RESUME;
}

static uint32_t
cb_watchpoint(uint32_t action, struct utrace_engine *engine,
              struct utrace_task *task, uint64_t addr, void *data)
{
	return cb_breakpoint(action, engine, task, addr, data);
}

static struct utrace_engine_ops ops_copy;

static const struct utrace_engine_ops *
dbg_ops_get(void)
{
	if (!ops_copy.size) {
		ops_copy = test_engine_ops;
		ops_copy.size = sizeof(ops_copy);
		ops_copy.report_breakpoint = cb_breakpoint;
		ops_copy.report_watchpoint = cb_watchpoint;
	}
	return &ops_copy;
}

struct utrace_engine *
dbg_attach(struct utrace_task *task, struct test_engine *te, int flags,
           uint64_t events)
{
	struct utrace_engine *engine = NULL;
	int r;

	r = utrace_attach_task(task, UTRACE_ATTACH_CREATE | flags,
	                       dbg_ops_get(), te, &engine);
	ck_assert_msg(r == 0, "utrace_attach_task(E%d): %d (%s)", te->id, r,
	              strerror(-r));
	ck_assert(n_engines < 64);
	engines[n_engines++] = engine;
	te->engine = engine;
	te->task = task;
	r = utrace_set_events(task, engine, events);
	ck_assert_msg(r == 0, "utrace_set_events(E%d): %d (%s)", te->id, r,
	              strerror(-r));
	return engine;
}

void
dbg_only_syscall(struct utrace_task *task, struct utrace_engine *engine,
                 int64_t nr)
{
	int r = utrace_set_syscalls(task, engine, TEST_AUDIT_ARCH, &nr, 1);

	ck_assert_msg(r == 0, "utrace_set_syscalls: %d (%s)", r, strerror(-r));
}

int
dbg_hits(struct test_engine *te)
{
	return __atomic_load_n(&te->hits, __ATOMIC_SEQ_CST);
}

uint32_t
dbg_hold_markers(struct test_engine *te, struct utrace_engine *engine,
                 struct utrace_task *task, const struct test_ev *ev,
                 void *payload, uint32_t ret)
{
	(void)engine;
	(void)task;
	(void)payload;
	/* Not again when the entry is reported anew after the release. */
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == DBG_NR_GETPGID &&
	    !(ev->action & UTRACE_SYSCALL_RESUMED) &&
	    (int64_t)ev->args[0] >= DBG_MARKER(0) &&
	    (int64_t)ev->args[0] < DBG_MARKER(31) &&
	    ((te->rc[1] >> (ev->args[0] - DBG_MARKER(0))) & 1))
		return UTRACE_STOP;
	return ret;
}

struct marker_wait {
	struct test_log *log;
	int engine;
	int n;
};

static bool
marker_seen(void *arg)
{
	struct marker_wait *w = arg;

	for (size_t i = 0; i < w->log->n; i++) {
		const struct test_ev *ev = &w->log->ev[i];

		if (ev->engine == w->engine && ev->kind == EV_SYSCALL_ENTRY &&
		    ev->nr == DBG_NR_GETPGID &&
		    (int64_t)ev->args[0] == DBG_MARKER(w->n))
			return true;
	}
	return false;
}

void
dbg_wait_marker(struct test_engine *te, int n)
{
	struct marker_wait w = { te->log, te->id, n };

	ck_assert_msg(test_log_wait_pred(te->log, marker_seen, &w),
	              "E%d never reached marker:%d\n%s", te->id, n,
	              test_log_dump(te->log));
}
