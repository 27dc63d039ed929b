/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every error code of the public header, with the exact value; output
 * parameters untouched on failure; no task or child left behind by a
 * failed call; and a bad call never disturbs another traced task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

/*
 * Stored into output parameters before a call that must fail, which leaves
 * them as they were: the address of an object of the test, never a handle
 * of the library (only compared, never dereferenced).
 */
static max_align_t poison;
#define POISON_TASK ((struct utrace_task *)&poison)
#define POISON_ENGINE ((struct utrace_engine *)&poison)
#define POISON_CTX ((struct utrace *)&poison)

static void
assert_no_child(const char *after)
{
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
	ck_assert_msg(r < 0 && errno == ECHILD,
	              "a child is left behind after %s (waitid %d, pid %d)",
	              after, r, (int)si.si_pid);
}

static char *
make_plain_file(void)
{
	char *path = (char *)test_fmt("/tmp/utrace-test-XXXXXX");
	int fd;

	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	ck_assert_int_eq(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	close(fd);
	ck_assert_int_eq(chmod(path, 0644), 0);
	return path;
}

static const struct utrace_spawn_opts exitkill = {
	.size = sizeof(struct utrace_spawn_opts),
	.flags = UTRACE_SPAWN_EXITKILL,
};

/* ---- utrace_new, utrace_set_log_fn -------------------------------------- */

static void
log_sink(int priority, const char *format, va_list ap, void *data)
{
	__atomic_add_fetch((int *)data, 1, __ATOMIC_SEQ_CST);
}

START_TEST(new_bad_options)
{
	struct {
		struct utrace_opts o;
		uint64_t tail;
	} big;
	struct utrace_opts o;
	struct utrace *u = POISON_CTX;
	int logged = 0;

	ck_assert_int_eq(utrace_new(NULL, NULL), -EINVAL);

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(utrace_new(&o, &u), -EINVAL); /* size 0 */
	o.size = sizeof(o);
	o.flags = 1ull << 40;
	ck_assert_int_eq(utrace_new(&o, &u), -EINVAL);
	o.flags = 0;
	o.wake_signal = SIGKILL;
	ck_assert_int_eq(utrace_new(&o, &u), -EINVAL);
	o.wake_signal = -1;
	ck_assert_int_eq(utrace_new(&o, &u), -EINVAL);
	o.wake_signal = _NSIG + 1;
	ck_assert_int_eq(utrace_new(&o, &u), -EINVAL);

	/* A larger struct is fine only if the unknown tail is zero. */
	memset(&big, 0, sizeof(big));
	big.o.size = sizeof(big);
	big.tail = 1;
	ck_assert_int_eq(utrace_new(&big.o, &u), -EINVAL);
	ck_assert_ptr_eq(u, POISON_CTX);

	/* wake_signal 0 picks the default. */
	o.wake_signal = 0;
	u = test_new(&o);
	ck_assert_int_eq(utrace_set_log_fn(NULL, log_sink, &logged), -EINVAL);
	ck_assert_int_eq(utrace_set_log_fn(u, log_sink, &logged), 0);
	ck_assert_int_eq(utrace_set_log_fn(u, NULL, NULL), 0);
	test_free(u);
	utrace_free(NULL);
}
END_TEST

static void
foreign_handler(int sig)
{
	(void)sig;
}

START_TEST(new_wake_signal_busy)
{
	struct sigaction sa;
	struct sigaction old;
	struct sigaction now;
	struct utrace_opts o = { .size = sizeof(o) };
	struct utrace *u = POISON_CTX;
	struct utrace *u2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = foreign_handler;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGRTMIN + 3, &sa, &old), 0);
	o.wake_signal = SIGRTMIN + 3;
	ck_assert_int_eq(utrace_new(&o, &u), -EBUSY);
	ck_assert_ptr_eq(u, POISON_CTX);
	ck_assert_int_eq(sigaction(SIGRTMIN + 3, &old, &now), 0);
	ck_assert_msg(now.sa_handler == foreign_handler,
	              "utrace_new replaced the host's handler");

	/* Two contexts share the library's own handler. */
	o.wake_signal = SIGRTMIN + 4;
	u = test_new(&o);
	u2 = test_new(&o);
	test_free(u2);
	test_free(u);
}
END_TEST

/* ---- utrace_spawn ----------------------------------------------------- */

START_TEST(spawn_bad_arguments)
{
	struct utrace_spawn_opts o = { .size = sizeof(o) };
	struct utrace_task *task = POISON_TASK;
	struct utrace *u;
	char *argv[2];
	char *empty[1] = { NULL };

	u = test_new(NULL);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	argv[1] = NULL;
	ck_assert_int_eq(utrace_spawn(NULL, argv, NULL, NULL, &task), -EINVAL);
	ck_assert_int_eq(utrace_spawn(u, NULL, NULL, NULL, &task), -EINVAL);
	ck_assert_int_eq(utrace_spawn(u, empty, NULL, NULL, &task), -EINVAL);
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, NULL, NULL), -EINVAL);
	o.size = 0;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &o, &task), -EINVAL);
	o.size = sizeof(o);
	o.flags = 1ull << 20;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &o, &task), -EINVAL);
	ck_assert_ptr_eq(task, POISON_TASK);
	assert_no_child("bad spawn arguments");
	test_free(u);
}
END_TEST

START_TEST(spawn_exec_fails)
{
	struct utrace_task *task = POISON_TASK;
	struct utrace *u;
	char *argv[2] = { NULL, NULL };
	char *env[2] = { NULL, NULL };

	u = test_new(NULL);

	argv[0] = (char *)"/nonexistent-dir/utrace-no-such-program";
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &exitkill, &task),
	                 -ENOENT);
	assert_no_child("ENOENT");

	/* No slash: looked up in the PATH of envp. */
	argv[0] = (char *)"tracee-ops";
	env[0] = (char *)"PATH=/nonexistent-dir:/nonexistent-dir2";
	ck_assert_int_eq(utrace_spawn(u, argv, env, &exitkill, &task), -ENOENT);
	assert_no_child("ENOENT from PATH");

	/* Not executable, even for root. */
	argv[0] = make_plain_file();
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &exitkill, &task),
	                 -EACCES);
	assert_no_child("EACCES");
	ck_assert_int_eq(unlink(argv[0]), 0);

	argv[0] = (char *)"/tmp";
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &exitkill, &task),
	                 -EACCES);
	assert_no_child("EACCES on a directory");
	ck_assert_ptr_eq(task, POISON_TASK);
	test_free(u);
}
END_TEST

/* The positive side of the PATH lookup. */
START_TEST(spawn_path_from_envp)
{
	struct utrace_task *task = NULL;
	struct utrace *u;
	char *argv[3] = { (char *)"tracee-ops", (char *)"exit:6", NULL };
	char *env[2] = { NULL, NULL };
	int status;

	u = test_new(NULL);
	env[0] = (char *)test_fmt("PATH=/nonexistent-dir:%s",
	                          getenv("UTRACE_TEST_HELPERS"));
	ck_assert_int_eq(utrace_spawn(u, argv, env, &exitkill, &task), 0);
	test_track_pid(utrace_task_tid(task));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 6,
	              "status %#x", status);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- utrace_task_start, utrace_task_wait, utrace_task_lookup ----------- */

START_TEST(task_start_wait_errors)
{
	struct utrace_task *task;
	struct utrace *u;
	int status = 12345;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	ck_assert_int_eq(utrace_task_start(NULL), -EINVAL);
	ck_assert_int_eq(utrace_task_wait(NULL, &status), -EINVAL);
	ck_assert_int_eq(utrace_task_wait(task, NULL), -EINVAL);
	ck_assert_int_eq(status, 12345);
	test_start(task);
	ck_assert_int_eq(utrace_task_start(task), -EALREADY);
	ck_assert_int_eq(test_wait(task), 0);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static uint32_t
wait_in_callback(struct test_engine *te, struct utrace_engine *engine,
                 struct utrace_task *task, const struct test_ev *ev,
                 void *payload, uint32_t ret)
{
	int status = 12345;

	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != SYS_getppid || te->state)
		return ret;
	te->state = 1;
	te->rc[0] = utrace_task_wait(task, &status);
	te->rc[1] = status;
	te->rc[2] = utrace_barrier(task, engine);
	return ret;
}

START_TEST(wait_from_callback)
{
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "exit:0", NULL);
	t1 = test_engine_new(1, wait_in_callback);
	t1->rc[0] = t1->rc[2] = 1;
	e1 = test_attach(task, t1, UTRACE_EVENT(SYSCALL_ENTRY));
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(t1->rc[0], -EDEADLK);
	ck_assert_int_eq(t1->rc[1], 12345);
	/* From a callback utrace_barrier() returns 0 at once. */
	ck_assert_int_eq(t1->rc[2], 0);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(lookup_errors)
{
	struct utrace_task *task;
	struct utrace_task *found = POISON_TASK;
	struct utrace *u;
	struct utrace *other;
	pid_t pid;

	u = test_new(NULL);
	other = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	pid = utrace_task_tid(task);
	ck_assert_int_eq(utrace_task_lookup(NULL, pid, &found), -EINVAL);
	ck_assert_int_eq(utrace_task_lookup(u, pid, NULL), -EINVAL);
	ck_assert_int_eq(utrace_task_lookup(u, getpid(), &found), -ESRCH);
	ck_assert_int_eq(utrace_task_lookup(u, gettid(), &found), -ESRCH);
	ck_assert_int_eq(utrace_task_lookup(u, 0, &found), -EINVAL);
	ck_assert_int_eq(utrace_task_lookup(u, -1, &found), -EINVAL);
	/* Traced, but by another context. */
	ck_assert_int_eq(utrace_task_lookup(other, pid, &found), -ESRCH);
	ck_assert_ptr_eq(found, POISON_TASK);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(utrace_task_lookup(u, pid, &found), -ESRCH);
	utrace_task_put(task);
	test_free(other);
	test_free(u);
}
END_TEST

/* ---- utrace_attach_task ------------------------------------------------ */

static const struct utrace_engine_ops bad_size_ops = {
	.size = 0,
};

/* A caller built against a larger ops table that uses a member this
 * library does not know. */
static const struct {
	struct utrace_engine_ops ops;
	void (*unknown)(void);
} big_ops = {
	.ops = { .size = sizeof(big_ops) },
	.unknown = abort,
};

static const struct utrace_engine_ops other_ops = {
	.size = sizeof(struct utrace_engine_ops),
};

START_TEST(attach_errors)
{
	struct utrace_engine *found = POISON_ENGINE;
	struct utrace_engine *e1;
	struct utrace_engine *e2 = NULL;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	int data2 = 0;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);

	ck_assert_int_eq(utrace_attach_task(NULL, UTRACE_ATTACH_CREATE,
	                                    &test_engine_ops, t1, &found),
	                 -EINVAL);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_CREATE, NULL,
	                                    t1, &found),
	                 -EINVAL);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_CREATE,
	                                    &bad_size_ops, t1, &found),
	                 -EINVAL);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_CREATE,
	                                    &test_engine_ops, t1, NULL),
	                 -EINVAL);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_CREATE | 0x1000,
	                                    &test_engine_ops, t1, &found),
	                 -EINVAL);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_OPS, NULL,
	                                    t1, &found),
	                 -EINVAL);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_CREATE,
	                                    &big_ops.ops, t1, &found),
	                 -EINVAL);
	/* Lookup with nothing attached. */
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_OPS,
	                                    &test_engine_ops, NULL, &found),
	                 -ENOENT);
	ck_assert_ptr_eq(found, POISON_ENGINE);

	e1 = test_attach(task, t1, 0);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_OPS,
	                                    &test_engine_ops, NULL, &found),
	                 0);
	ck_assert_ptr_eq(found, e1);
	utrace_engine_put(found);
	found = POISON_ENGINE;
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_DATA,
	                                    NULL, &data2, &found),
	                 -ENOENT);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_OPS,
	                                    &other_ops, NULL, &found),
	                 -ENOENT);
	ck_assert_int_eq(utrace_attach_task(task,
	                                    UTRACE_ATTACH_CREATE |
	                                            UTRACE_ATTACH_EXCLUSIVE |
	                                            UTRACE_ATTACH_MATCH_OPS,
	                                    &test_engine_ops, &data2, &found),
	                 -EEXIST);
	/* With neither MATCH flag, any engine matches. */
	ck_assert_int_eq(utrace_attach_task(task,
	                                    UTRACE_ATTACH_CREATE |
	                                            UTRACE_ATTACH_EXCLUSIVE,
	                                    &other_ops, &data2, &found),
	                 -EEXIST);
	ck_assert_ptr_eq(found, POISON_ENGINE);
	/* Exclusive on the data only: another data is no match. */
	ck_assert_int_eq(utrace_attach_task(task,
	                                    UTRACE_ATTACH_CREATE |
	                                            UTRACE_ATTACH_EXCLUSIVE |
	                                            UTRACE_ATTACH_MATCH_DATA,
	                                    &other_ops, &data2, &e2),
	                 0);
	ck_assert(e2 != NULL && e2 != e1);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_DATA,
	                                    NULL, &data2, &found),
	                 0);
	ck_assert_ptr_eq(found, e2);
	utrace_engine_put(found);

	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	utrace_engine_put(e2);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- utrace_set_events, utrace_control, utrace_barrier ----------------- */

START_TEST(set_events_errors)
{
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace_task *other;
	struct test_engine *t1;
	struct utrace *u;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	other = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH));
	ck_assert_int_eq(utrace_set_events(NULL, e1, UTRACE_EVENT(DEATH)),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_events(task, NULL, UTRACE_EVENT(DEATH)),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_events(task, e1, 1ull << 40), -EINVAL);
	/* An engine of another task. */
	ck_assert_int_eq(utrace_set_events(other, e1, UTRACE_EVENT(DEATH)),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_events(task, e1, UTRACE_EVENT_ALL + 1),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_events(task, e1, UTRACE_EVENT_ALL), 0);
	ck_assert_int_eq(
		utrace_set_events(task, e1,
	                          UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP)),
		0);
	test_start(task);
	test_start(other);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(test_wait(other), 0);
	utrace_task_put(other);
	ck_assert_int_eq(test_log_count(test_log(), 1, EV_DEATH, TEST_ANY), 1);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(control_errors)
{
	static const enum utrace_resume_action need_quiesce[] = {
		UTRACE_REPORT,
		UTRACE_INTERRUPT,
		UTRACE_SINGLESTEP,
		UTRACE_BLOCKSTEP,
	};
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	size_t i;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH));
	ck_assert_int_eq(utrace_control(NULL, e1, UTRACE_RESUME), -EINVAL);
	ck_assert_int_eq(utrace_control(task, NULL, UTRACE_RESUME), -EINVAL);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME_MAX), -EINVAL);
	ck_assert_int_eq(
		utrace_control(task, e1, (enum utrace_resume_action)99),
		-EINVAL);
	ck_assert_int_eq(
		utrace_control(task, e1, (enum utrace_resume_action) - 1),
		-EINVAL);
	for (i = 0; i < sizeof(need_quiesce) / sizeof(need_quiesce[0]); i++)
		ck_assert_msg(utrace_control(task, e1, need_quiesce[i]) ==
		                      -EINVAL,
		              "action %d without QUIESCE", need_quiesce[i]);
	/* The task is held by spawn: STOP takes effect at once. */
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_STOP), 0);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), 0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(detached_engine)
{
	struct utrace_engine *found = POISON_ENGINE;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_DETACH), 0);
	ck_assert_int_eq(utrace_set_events(task, e1, UTRACE_EVENT(DEATH)),
	                 -ESRCH);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), -ESRCH);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_STOP), -ESRCH);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_DETACH), -ESRCH);
	/* Accepted while we hold a reference. */
	ck_assert_int_eq(utrace_barrier(task, e1), 0);
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_MATCH_OPS,
	                                    &test_engine_ops, NULL, &found),
	                 -ENOENT);
	ck_assert_int_eq(test_releases(t1), 0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(test_log_n(test_log()), 0);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(dead_task)
{
	struct utrace_engine *found = POISON_ENGINE;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert(utrace_task_is_dead(task));
	ck_assert_int_eq(utrace_attach_task(task, UTRACE_ATTACH_CREATE,
	                                    &test_engine_ops, t1, &found),
	                 -ESRCH);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), -ESRCH);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_STOP), -ESRCH);
	ck_assert_int_eq(utrace_set_events(task, e1, UTRACE_EVENT(DEATH)),
	                 -ESRCH);
	ck_assert_ptr_eq(found, POISON_ENGINE);
	/* It was attached to this task: accepted. */
	ck_assert_int_eq(utrace_barrier(task, e1), 0);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(barrier_errors)
{
	struct utrace_engine *e1;
	struct utrace_task *a;
	struct utrace_task *b;
	struct test_engine *t1;
	struct utrace *u;

	u = test_new(NULL);
	a = test_spawn(u, "exit:0", NULL);
	b = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(a, t1, UTRACE_EVENT(DEATH));
	ck_assert_int_eq(utrace_barrier(NULL, e1), -EINVAL);
	ck_assert_int_eq(utrace_barrier(a, NULL), -EINVAL);
	ck_assert_int_eq(utrace_barrier(b, e1), -ESRCH);
	ck_assert_int_eq(utrace_barrier(a, e1), 0);
	test_start(a);
	test_start(b);
	ck_assert_int_eq(test_wait(a), 0);
	ck_assert_int_eq(test_wait(b), 0);
	utrace_engine_put(e1);
	utrace_task_put(a);
	utrace_task_put(b);
	test_free(u);
}
END_TEST

/* ---- a dying task: calls from report_death() ---------------------------- */

static uint32_t
calls_in_death(struct test_engine *te, struct utrace_engine *engine,
               struct utrace_task *task, const struct test_ev *ev,
               void *payload, uint32_t ret)
{
	struct utrace_engine *late = NULL;

	if (ev->kind != EV_DEATH)
		return ret;
	te->rc[0] = utrace_attach_task(task, UTRACE_ATTACH_CREATE,
	                               &test_engine_ops, te, &late);
	te->priv = late;
	te->rc[1] = utrace_set_events(task, engine,
	                              UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP) |
	                                      UTRACE_EVENT(QUIESCE));
	te->rc[2] = utrace_set_events(task, engine, UTRACE_EVENT(REAP));
	te->rc[3] = utrace_control(task, engine, UTRACE_RESUME);
	te->rc[4] = utrace_set_events(task, engine,
	                              UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	return ret;
}

START_TEST(dying_task)
{
	struct test_log *log = test_log();
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, calls_in_death);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_msg(t1->rc[0] == -EALREADY && t1->priv == NULL,
	              "attach during death: %d", t1->rc[0]);
	ck_assert_int_eq(t1->rc[1], -EALREADY); /* adds QUIESCE */
	ck_assert_int_eq(t1->rc[2], -EALREADY); /* clears DEATH */
	ck_assert_int_eq(t1->rc[3], -EALREADY);
	ck_assert_int_eq(t1->rc[4], 0); /* changes neither */
	ck_assert_msg(
		test_log_n(log) == 2 &&
			test_ev_match(&log->ev[0], 1, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[1], 1, EV_REAP, TEST_ANY),
		"%s", test_log_dump(log));
	utrace_engine_put(t1->priv);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a fork child nobody claims is detached: its wait gives -ESRCH ----- */

static uint32_t
keep_child(struct test_engine *te, struct utrace_engine *engine,
           struct utrace_task *task, const struct test_ev *ev, void *payload,
           uint32_t ret)
{
	if (ev->kind == EV_CLONE && payload && !te->priv)
		te->priv = utrace_task_get(payload);
	return ret;
}

START_TEST(wait_detached_child)
{
	struct test_log *log = test_log();
	struct utrace_engine *found = POISON_ENGINE;
	struct utrace_task *child;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	int status = 12345;
	int rep[2];

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "fork:3", "exit:0",
	                  NULL);
	test_close(rep[1]);
	t1 = test_engine_new(1, keep_child);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_str_eq(test_read_all(rep[0]), "fork 768\n");
	child = t1->priv;
	ck_assert_msg(
		child != NULL && test_log_n(log) == 3 &&
			test_ev_match(&log->ev[0], 1, EV_CLONE, TEST_ANY) &&
			log->ev[0].code == UTRACE_CLONE_FORK &&
			log->ev[0].other == utrace_task_tid(child),
		"%s", test_log_dump(log));
	ck_assert_int_eq(utrace_task_wait(child, &status), -ESRCH);
	ck_assert_int_eq(status, 12345);
	ck_assert_int_eq(utrace_attach_task(child, UTRACE_ATTACH_CREATE,
	                                    &test_engine_ops, t1, &found),
	                 -ESRCH);
	utrace_task_put(child);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- -ECHILD: calls in a forked child of the host ---------------------- */

struct forked_calls {
	struct utrace *u;
	struct utrace_task *task;
	struct utrace_engine *engine;
	char *argv[3];
};

static void
calls_in_child(void *arg, int *rc)
{
	struct forked_calls *f = arg;
	struct utrace_seize_opts so = { .size = sizeof(so) };
	struct utrace_task **tasks = NULL;
	struct utrace_engine *e = NULL;
	struct utrace_task *t = NULL;
	int status = 0;

	rc[0] = utrace_spawn(f->u, f->argv, NULL, &exitkill, &t);
	rc[1] = utrace_task_start(f->task);
	rc[2] = utrace_task_wait(f->task, &status);
	rc[3] = utrace_task_lookup(f->u, utrace_task_tid(f->task), &t);
	rc[4] = utrace_attach_task(f->task, UTRACE_ATTACH_CREATE,
	                           &test_engine_ops, NULL, &e);
	rc[5] = utrace_set_events(f->task, f->engine, UTRACE_EVENT_ALL);
	rc[6] = utrace_control(f->task, f->engine, UTRACE_DETACH);
	rc[7] = utrace_barrier(f->task, f->engine);
	rc[8] = utrace_seize(f->u, utrace_task_tid(f->task), &so, &tasks);
	rc[9] = t == NULL && e == NULL && tasks == NULL && status == 0;
}

/* Every call that needs the tracer thread fails in a forked child and
 * leaves the parent's context alone. */
START_TEST(calls_in_forked_child)
{
	struct test_log *log = test_log();
	struct forked_calls f;
	struct test_engine *t1;
	int rc[TEST_CHILD_RCS];
	int i;

	f.u = test_new(NULL);
	f.argv[0] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	f.argv[1] = (char *)"exit:0";
	f.argv[2] = NULL;
	f.task = test_spawn(f.u, "exit:4", NULL);
	t1 = test_engine_new(1, NULL);
	f.engine = test_attach(f.task, t1,
	                       UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_in_child(calls_in_child, &f, rc);
	for (i = 0; i < 9; i++)
		ck_assert_msg(rc[i] == -ECHILD, "call %d in the child: %d", i,
		              rc[i]);
	ck_assert_msg(rc[9] == 1, "an output parameter was written");

	/* The parent's task and engine are untouched. */
	test_start(f.task);
	ck_assert_int_eq(test_wait(f.task), 4 << 8);
	ck_assert_msg(
		test_log_n(log) == 2 &&
			test_ev_match(&log->ev[0], 1, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[1], 1, EV_REAP, TEST_ANY),
		"%s", test_log_dump(log));
	utrace_engine_put(f.engine);
	utrace_task_put(f.task);
	test_free(f.u);
}
END_TEST

/* ---- limits of the process: -EAGAIN and -EPERM ------------------------- */

static void
new_without_threads(void *arg, int *rc)
{
	struct rlimit none = { 0, 0 };
	struct utrace *u = POISON_CTX;

	(void)arg;
	rc[0] = test_drop_privileges();
	if (rc[0] < 0)
		return;
	if (setrlimit(RLIMIT_NPROC, &none) < 0) {
		rc[0] = -1001;
		return;
	}
	rc[0] = utrace_new(NULL, &u);
	if (rc[0] == 0)
		utrace_free(u);
	rc[1] = u == POISON_CTX;
}

START_TEST(new_no_thread)
{
	int rc[TEST_CHILD_RCS];

	test_in_child(new_without_threads, NULL, rc);
	ck_assert_int_eq(rc[0], -EAGAIN);
	ck_assert_int_eq(rc[1], 1);
}
END_TEST

static void
spawn_not_traceable(void *arg, int *rc)
{
	struct utrace_task *task = POISON_TASK;
	char *argv[3] = { arg, (char *)"exit:0", NULL };
	struct utrace *u;

	rc[0] = test_drop_privileges();
	if (rc[0] < 0)
		return;
	/* A non-dumpable process forks non-dumpable children, which an
	 * unprivileged tracer may not trace. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		rc[0] = -1001;
		return;
	}
	if (utrace_new(NULL, &u) < 0) {
		rc[0] = -1002;
		return;
	}
	rc[0] = utrace_spawn(u, argv, NULL, &exitkill, &task);
	if (rc[0] == 0)
		utrace_task_put(task);
	rc[1] = task == POISON_TASK;
	utrace_free(u);
}

START_TEST(spawn_eperm)
{
	char *helper = (char *)test_fmt("%s", test_helper("tracee-ops"));
	int rc[TEST_CHILD_RCS];

	test_in_child(spawn_not_traceable, helper, rc);
	ck_assert_int_eq(rc[0], -EPERM);
	ck_assert_int_eq(rc[1], 1);
}
END_TEST

/* No descriptor left for the pipes of the spawn. */
static void
spawn_without_fds(void *arg, int *rc)
{
	struct rlimit few;
	struct utrace_task *task = POISON_TASK;
	char *argv[3] = { arg, (char *)"exit:0", NULL };
	struct utrace *u;

	if (utrace_new(NULL, &u) < 0) {
		rc[0] = -1002;
		return;
	}
	/* Only to be quick: under valgrind the limit may be fixed. */
	if (getrlimit(RLIMIT_NOFILE, &few) == 0 && few.rlim_cur > 64) {
		few.rlim_cur = 64;
		(void)setrlimit(RLIMIT_NOFILE, &few);
	}
	while (dup(0) >= 0)
		;
	rc[2] = errno;
	rc[0] = utrace_spawn(u, argv, NULL, &exitkill, &task);
	if (rc[0] == 0)
		utrace_task_put(task);
	rc[1] = task == POISON_TASK;
	utrace_free(u);
}

START_TEST(spawn_emfile)
{
	char *helper = (char *)test_fmt("%s", test_helper("tracee-ops"));
	int rc[TEST_CHILD_RCS];

	test_in_child(spawn_without_fds, helper, rc);
	ck_assert_msg(rc[2] == EMFILE, "child: %d %d %d", rc[0], rc[1], rc[2]);
	ck_assert_int_eq(rc[0], -EMFILE);
	ck_assert_int_eq(rc[1], 1);
}
END_TEST

/* ---- utrace_free() from a callback -------------------------------------- */

static void
count_log(int priority, const char *format, va_list ap, void *data)
{
	__atomic_add_fetch((int *)data, 1, __ATOMIC_SEQ_CST);
}

static uint32_t
free_in_callback(struct test_engine *te, struct utrace_engine *engine,
                 struct utrace_task *task, const struct test_ev *ev,
                 void *payload, uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid &&
	    !te->state) {
		te->state = 1;
		utrace_free(te->priv);
	}
	return ret;
}

START_TEST(free_from_callback)
{
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int logged = 0;
	int rep[2];

	u = test_new(NULL);
	ck_assert_int_eq(utrace_set_log_fn(u, count_log, &logged), 0);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "ppid", "ppid",
	                  "exit:0", NULL);
	test_close(rep[1]);
	t1 = test_engine_new(1, free_in_callback);
	t1->priv = u;
	test_engine_only(t1, SYS_getppid);
	e1 = test_attach(task, t1, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH));
	test_start(task);
	/* Ignored: the context goes on. */
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_str_eq(
		test_read_all(rep[0]),
		test_fmt("ppid %d\nppid %d\n", (int)getpid(), (int)getpid()));
	ck_assert_int_eq(
		test_log_count(test_log(), 1, EV_SYSCALL_EXIT, SYS_getppid), 2);
	ck_assert_int_eq(utrace_set_log_fn(u, NULL, NULL), 0);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
	/* "From a callback it does nothing and logs a bug." */
	ck_assert_int_ge(__atomic_load_n(&logged, __ATOMIC_SEQ_CST), 1);
}
END_TEST

/* ---- bad calls do not disturb another traced task ----------------------- */

START_TEST(bad_calls_leave_others_alone)
{
	struct test_log *log = test_log();
	struct utrace_engine *found = POISON_ENGINE;
	struct utrace_task *other = POISON_TASK;
	struct utrace_engine *eb;
	struct utrace_task *b;
	struct test_engine *tb;
	struct utrace *u;
	char *argv[2] = { NULL, NULL };
	int rep[2];
	int data[2];
	int status;
	int i;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	b = test_spawn(u, "-r", test_fmt("%d", rep[1]), "ppid",
	               test_fmt("read:%d", data[0]), "ppid", "exit:9", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	tb = test_engine_new(1, NULL);
	test_engine_only(tb, SYS_getppid);
	eb = test_attach(b, tb,
	                 UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(b);
	ck_assert_str_eq(test_read_line(rep[0]),
	                 test_fmt("ppid %d", (int)getpid()));

	/* b is blocked in read() now. */
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(utrace_control(b, eb, UTRACE_RESUME_MAX),
		                 -EINVAL);
		ck_assert_int_eq(
			utrace_control(b, eb, (enum utrace_resume_action)99),
			-EINVAL);
		ck_assert_int_eq(utrace_control(b, eb, UTRACE_REPORT), -EINVAL);
		ck_assert_int_eq(utrace_control(b, eb, UTRACE_SINGLESTEP),
		                 -EINVAL);
		ck_assert_int_eq(utrace_control(b, NULL, UTRACE_STOP), -EINVAL);
		ck_assert_int_eq(utrace_set_events(b, eb, 1ull << 40), -EINVAL);
		ck_assert_int_eq(utrace_set_events(b, NULL, 0), -EINVAL);
		ck_assert_int_eq(utrace_task_start(b), -EALREADY);
		ck_assert_int_eq(utrace_task_wait(b, NULL), -EINVAL);
		ck_assert_int_eq(utrace_attach_task(b, UTRACE_ATTACH_CREATE,
		                                    &bad_size_ops, NULL,
		                                    &found),
		                 -EINVAL);
		ck_assert_int_eq(
			utrace_attach_task(b,
		                           UTRACE_ATTACH_CREATE |
		                                   UTRACE_ATTACH_EXCLUSIVE,
		                           &other_ops, NULL, &found),
			-EEXIST);
		ck_assert_int_eq(utrace_attach_task(b, UTRACE_ATTACH_MATCH_OPS,
		                                    &other_ops, NULL, &found),
		                 -ENOENT);
		ck_assert_int_eq(utrace_task_lookup(u, getpid(), &other),
		                 -ESRCH);
		argv[0] = (char *)"/nonexistent-dir/utrace-no-such-program";
		ck_assert_int_eq(utrace_spawn(u, argv, NULL, &exitkill, &other),
		                 -ENOENT);
		argv[0] = (char *)"/tmp";
		ck_assert_int_eq(utrace_spawn(u, argv, NULL, &exitkill, &other),
		                 -EACCES);
		ck_assert_int_eq(utrace_barrier(b, eb), 0);
	}
	ck_assert_ptr_eq(found, POISON_ENGINE);
	ck_assert_ptr_eq(other, POISON_TASK);

	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	status = test_wait(b);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 9,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("read 1 x\nppid %d\n", (int)getpid()));
	/* Exactly the reports of an undisturbed run. */
	ck_assert_msg(
		test_log_n(log) == 6 &&
			test_ev_match(&log->ev[0], 1, EV_SYSCALL_ENTRY,
	                              SYS_getppid) &&
			test_ev_match(&log->ev[1], 1, EV_SYSCALL_EXIT,
	                              SYS_getppid) &&
			test_ev_match(&log->ev[2], 1, EV_SYSCALL_ENTRY,
	                              SYS_getppid) &&
			test_ev_match(&log->ev[3], 1, EV_SYSCALL_EXIT,
	                              SYS_getppid) &&
			log->ev[3].rval == getpid() &&
			test_ev_match(&log->ev[4], 1, EV_DEATH, TEST_ANY) &&
			log->ev[4].status == 9 << 8 &&
			test_ev_match(&log->ev[5], 1, EV_REAP, TEST_ANY),
		"%s", test_log_dump(log));
	utrace_engine_put(eb);
	utrace_task_put(b);
	test_free(u);
}
END_TEST

static Suite *
errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc;

	tc = test_tcase(s, "context");
	tcase_add_test(tc, new_bad_options);
	tcase_add_test(tc, new_wake_signal_busy);
	tcase_add_test(tc, new_no_thread);
	tcase_add_test(tc, free_from_callback);
	tc = test_tcase(s, "spawn");
	tcase_add_test(tc, spawn_bad_arguments);
	tcase_add_test(tc, spawn_exec_fails);
	tcase_add_test(tc, spawn_path_from_envp);
	tcase_add_test(tc, calls_in_forked_child);
	tcase_add_test(tc, spawn_eperm);
	tcase_add_test(tc, spawn_emfile);
	tc = test_tcase(s, "task");
	tcase_add_test(tc, task_start_wait_errors);
	tcase_add_test(tc, wait_from_callback);
	tcase_add_test(tc, lookup_errors);
	tcase_add_test(tc, wait_detached_child);
	tc = test_tcase(s, "engine");
	tcase_add_test(tc, attach_errors);
	tcase_add_test(tc, set_events_errors);
	tcase_add_test(tc, control_errors);
	tcase_add_test(tc, detached_engine);
	tcase_add_test(tc, dead_task);
	tcase_add_test(tc, barrier_errors);
	tcase_add_test(tc, dying_task);
	tc = test_tcase(s, "isolation");
	tcase_add_test(tc, bad_calls_leave_others_alone);
	return s;
}

TEST_MAIN(errors_suite)
