/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utrace_seize(): tracing a process that runs already, with all its
 * threads; the process notices nothing; errors.
 *
 * The processes to seize are tracees spawned with
 * UTRACE_SPAWN_DETACH_ON_FREE in a first context that is freed at once:
 * they go on untraced, as children of the test.  A seized child of the
 * host that dies traced is reaped by the tracer thread (same thread
 * group: the kernel gives its exit to the tracer's wait).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

struct victim {
	pid_t pid;
	int rep;  /* read end of its report pipe */
	int data; /* write end of the pipe it reads */
};

/*
 * Start tracee-ops with "-r REP say:ready", @ops..., untraced; returns
 * once it said "ready".  Its read: operations use v->data's pipe: pass
 * "read:@" and it is replaced by the descriptor.
 */
static void
victim_start(struct victim *v, ...)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL | UTRACE_SPAWN_DETACH_ON_FREE,
	};
	struct utrace_task *task = NULL;
	struct utrace *u;
	char *argv[32];
	const char *op;
	va_list ap;
	int rep[2];
	int data[2];
	int n = 0;

	test_pipe(rep, 1);
	test_pipe(data, 0);
	argv[n++] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	argv[n++] = (char *)"-r";
	argv[n++] = (char *)test_fmt("%d", rep[1]);
	argv[n++] = (char *)"say:ready";
	va_start(ap, v);
	while ((op = va_arg(ap, const char *))) {
		ck_assert(n < 31);
		if (strcmp(op, "read:@") == 0)
			op = test_fmt("read:%d", data[0]);
		argv[n++] = (char *)op;
	}
	va_end(ap);
	argv[n] = NULL;

	u = test_new(NULL);
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), 0);
	test_track_pid(utrace_task_tid(task));
	v->pid = utrace_task_tid(task);
	test_close(rep[1]);
	test_close(data[0]);
	/* No engine: detached at start. */
	test_start(task);
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	utrace_task_put(task);
	test_free(u);
	v->rep = rep[0];
	v->data = data[1];
}

/* Reap the victim ourselves (it is our child now). */
static int
victim_reap(struct victim *v)
{
	int status = -1;
	pid_t r;

	while ((r = waitpid(v->pid, &status, 0)) < 0 && errno == EINTR)
		;
	ck_assert_msg(r == v->pid, "waitpid(%d): %s", (int)v->pid,
	              strerror(errno));
	return status;
}

/* TracerPid of @pid, which must still be there. */
static long
tracer_of(pid_t pid)
{
	long tracer = test_tracer_pid(pid);

	ck_assert_msg(tracer >= 0, "pid %d is gone", (int)pid);
	return tracer;
}

static void
put_tasks(struct utrace_task **tasks)
{
	size_t i;

	for (i = 0; tasks && tasks[i]; i++)
		utrace_task_put(tasks[i]);
	free(tasks);
}

/*
 * A process blocked in read(), with _i more threads: every thread comes
 * back held, the read goes on undisturbed once started.
 */
START_TEST(seize_running)
{
	struct test_log *log = test_log();
	struct utrace_task **tasks = NULL;
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace *u;
	struct victim v;
	size_t n;
	size_t i;
	int status;

	if (_i)
		victim_start(&v, test_fmt("threads:%d", _i), "read:@", "ppid",
		             "exit:6", NULL);
	else
		victim_start(&v, "read:@", "ppid", "exit:6", NULL);
	if (_i)
		ck_assert_str_eq(test_read_line(v.rep),
		                 test_fmt("threads %d", _i));
	ck_assert_int_eq(tracer_of(v.pid), 0);

	u = test_new(NULL);
	ck_assert_int_eq(utrace_seize(u, v.pid, NULL, &tasks), 0);
	ck_assert(tasks != NULL);
	for (n = 0; tasks[n]; n++) {
		ck_assert_int_eq(utrace_task_tgid(tasks[n]), v.pid);
		ck_assert_msg(test_proc_state(utrace_task_tid(tasks[n])) == 't',
		              "thread %d is not held",
		              (int)utrace_task_tid(tasks[n]));
	}
	ck_assert_int_eq(n, 1 + (size_t)_i);
	ck_assert_int_eq(utrace_task_tid(tasks[0]), v.pid);
	for (i = 1; i < n; i++)
		ck_assert_int_ne(utrace_task_tid(tasks[i]), v.pid);
	ck_assert_int_ne(tracer_of(v.pid), 0);

	t1 = test_engine_new(1, NULL);
	test_engine_only(t1, SYS_getppid, SYS_read);
	e1 = test_attach(tasks[0], t1,
	                 UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	for (i = 0; i < n; i++)
		test_start(tasks[i]);
	ck_assert_int_eq(utrace_task_start(tasks[0]), -EALREADY);

	ck_assert_int_eq(write(v.data, "x", 1), 1);
	test_close(v.data);
	status = test_wait(tasks[0]);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 6,
	              "status %#x\n%s", status, test_log_dump(log));
	/* No EINTR, no signal: the read just went on. */
	ck_assert_str_eq(test_read_all(v.rep),
	                 test_fmt("read 1 x\nppid %d\n", (int)getpid()));
	ck_assert_msg(
		test_log_count(log, 1, EV_SYSCALL_EXIT, SYS_getppid) == 1 &&
			test_log_count(log, 1, EV_SIGNAL, TEST_ANY) == 0 &&
			test_log_count(log, 1, EV_DEATH, TEST_ANY) == 1,
		"%s", test_log_dump(log));
	utrace_engine_put(e1);
	put_tasks(tasks);
	test_free(u);
	/* The tracer thread is in our thread group: its wait took the
	 * exit of our child, nothing is left for us (teardown checks). */
	ck_assert_int_eq(waitpid(v.pid, &status, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* A process in a group stop stays stopped when started; SIGCONT goes on. */
START_TEST(seize_group_stopped)
{
	struct utrace_task **tasks = NULL;
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace *u;
	struct victim v;
	siginfo_t si;
	char state;
	int status;

	victim_start(&v, "read:@", "raise:STOP", "say:continued", "exit:0",
	             NULL);
	ck_assert_int_eq(write(v.data, "x", 1), 1);
	test_close(v.data);
	ck_assert_str_eq(test_read_line(v.rep), "read 1 x");
	/* Wait (without reaping) until it is stopped. */
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)v.pid, &si, WSTOPPED | WNOWAIT) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_int_eq(si.si_code, CLD_STOPPED);

	u = test_new(NULL);
	ck_assert_int_eq(utrace_seize(u, v.pid, NULL, &tasks), 0);
	ck_assert(tasks[0] != NULL && tasks[1] == NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(tasks[0], t1,
	                 UTRACE_EVENT(JCTL) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(tasks[0]);
	state = test_proc_state(v.pid);
	ck_assert_msg(state == 't' || state == 'T', "state %c after start",
	              state);
	ck_assert_int_eq(kill(v.pid, SIGCONT), 0);
	ck_assert_str_eq(test_read_line(v.rep), "raise 0");
	ck_assert_str_eq(test_read_line(v.rep), "say continued");
	status = test_wait(tasks[0]);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(test_log_count(test_log(), 1, EV_JCTL, CLD_CONTINUED) ==
	                      1,
	              "%s", test_log_dump(test_log()));
	utrace_engine_put(e1);
	put_tasks(tasks);
	test_free(u);
	test_close(v.rep);
}
END_TEST

/* utrace_free() detaches a seized process and never kills it. */
START_TEST(free_detaches_seized)
{
	struct utrace_task **tasks = NULL;
	struct test_engine *t1;
	struct utrace *u;
	struct victim v;
	int status;

	victim_start(&v, "read:@", "ppid", "exit:8", NULL);
	u = test_new(NULL);
	ck_assert_int_eq(utrace_seize(u, v.pid, NULL, &tasks), 0);
	t1 = test_engine_new(1, NULL);
	utrace_engine_put(test_attach(
		tasks[0], t1, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH)));
	test_start(tasks[0]);
	put_tasks(tasks);
	test_free(u);
	ck_assert_int_eq(test_releases(t1), 1);
	ck_assert_int_eq(tracer_of(v.pid), 0);
	ck_assert_int_eq(write(v.data, "x", 1), 1);
	test_close(v.data);
	ck_assert_str_eq(test_read_all(v.rep),
	                 test_fmt("read 1 x\nppid %d\n", (int)getpid()));
	status = victim_reap(&v);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 8,
	              "status %#x", status);
}
END_TEST

START_TEST(seize_errors)
{
	struct utrace_seize_opts o = { .size = sizeof(o) };
	struct utrace_task **tasks = (struct utrace_task **)&o;
	struct utrace_task *held;
	struct utrace *u;
	struct utrace *other;
	siginfo_t si;
	pid_t zombie;

	u = test_new(NULL);
	other = test_new(NULL);
	held = test_spawn(u, "exit:0", NULL);

	ck_assert_int_eq(
		utrace_seize(NULL, utrace_task_tid(held), NULL, &tasks),
		-EINVAL);
	ck_assert_int_eq(utrace_seize(other, utrace_task_tid(held), NULL, NULL),
	                 -EINVAL);
	ck_assert_int_eq(utrace_seize(other, getpid(), NULL, &tasks), -EINVAL);
	ck_assert_int_eq(utrace_seize(other, gettid(), NULL, &tasks), -EINVAL);
	o.size = 0;
	ck_assert_int_eq(utrace_seize(other, utrace_task_tid(held), &o, &tasks),
	                 -EINVAL);
	o.size = sizeof(o);
	o.flags = 1;
	ck_assert_int_eq(utrace_seize(other, utrace_task_tid(held), &o, &tasks),
	                 -EINVAL);
	o.flags = 0;
	ck_assert_int_eq(utrace_seize(other, 0x3ffffff0, &o, &tasks), -ESRCH);

	/* Traced already, by another context or by this one. */
	ck_assert_int_eq(utrace_seize(other, utrace_task_tid(held), &o, &tasks),
	                 -EBUSY);
	ck_assert_int_eq(utrace_seize(u, utrace_task_tid(held), &o, &tasks),
	                 -EBUSY);

	/* A zombie (a child of ours that nobody reaped yet). */
	zombie = fork();
	ck_assert_int_ge(zombie, 0);
	if (zombie == 0) {
		(void)kill(getpid(), SIGKILL);
		_exit(0);
	}
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)zombie, &si, WEXITED | WNOWAIT) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_int_eq(utrace_seize(other, zombie, &o, &tasks), -ESRCH);
	ck_assert_int_eq(waitpid(zombie, NULL, 0), zombie);
	ck_assert_ptr_eq(tasks, (struct utrace_task **)&o);

	/* The failed calls left the held task alone. */
	test_start(held);
	ck_assert_int_eq(test_wait(held), 0);
	utrace_task_put(held);
	test_free(other);
	test_free(u);
}
END_TEST

static void
seize_init(void *arg, int *rc)
{
	struct utrace_task **tasks = NULL;
	struct utrace *u;

	(void)arg;
	rc[0] = test_drop_privileges();
	if (rc[0] < 0)
		return;
	if (utrace_new(NULL, &u) < 0) {
		rc[0] = -1002;
		return;
	}
	/* Process 1 belongs to root. */
	rc[0] = utrace_seize(u, 1, NULL, &tasks);
	rc[1] = tasks == NULL;
	if (rc[0] == 0)
		put_tasks(tasks);
	utrace_free(u);
}

START_TEST(seize_eperm)
{
	int rc[TEST_CHILD_RCS];

	test_in_child(seize_init, NULL, rc);
	ck_assert_int_eq(rc[0], -EPERM);
	ck_assert_int_eq(rc[1], 1);
}
END_TEST

static Suite *
seize_suite(void)
{
	Suite *s = suite_create("seize");
	TCase *tc;

	tc = test_tcase(s, "seize");
	tcase_add_loop_test(tc, seize_running, 0, 3);
	tcase_add_test(tc, seize_group_stopped);
	tcase_add_test(tc, free_detaches_seized);
	tc = test_tcase(s, "errors");
	tcase_add_test(tc, seize_errors);
	tcase_add_test(tc, seize_eperm);
	return s;
}

TEST_MAIN(seize_suite)
