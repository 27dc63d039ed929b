/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SIGKILL at any moment: while an engine holds a syscall entry, while it
 * holds a parent and its child in the middle of a fork, at an exit stop,
 * in a group stop, before utrace_task_start(); and a core-dumping signal
 * in a process of four threads.  Nothing hangs, every task dies and is reaped exactly
 * once, and no process of the tree is left behind.
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

#define MAX_TASKS 16

#define DEATH_EVENTS \
	(UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))

/* The tasks a FOLLOW engine saw, from its clone reports (references). */
struct tree {
	struct utrace_task *task[MAX_TASKS];
	pid_t tid[MAX_TASKS];
	size_t n;
	/* What to do in report_clone(): hold the parent, the child. */
	bool hold_parent;
	bool hold_child;
	int hold_child_rc;
	/* Hold the entry of marker call TEST_MARKER + 1. */
	bool hold_marker;
	/* Send SIGKILL to the process from report_exit() of this tid; -1:
	 * of the first thread other than the leader. */
	pid_t kill_at_exit;
	int kill_rc;
};

static void
tree_add(struct tree *t, struct utrace_task *task)
{
	ck_assert(t->n < MAX_TASKS);
	t->task[t->n] = utrace_task_get(task);
	t->tid[t->n] = utrace_task_tid(task);
	t->n++;
}

static void
tree_put(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		utrace_task_put(t->task[i]);
	t->n = 0;
}

static uint32_t
tree_decide(struct test_engine *te, struct utrace_engine *engine,
            struct utrace_task *task, const struct test_ev *ev, void *payload,
            uint32_t ret)
{
	struct tree *t = te->priv;
	struct utrace_engine *ce = NULL;

	switch (ev->kind) {
	case EV_CLONE:
		if (t->n < MAX_TASKS) {
			t->task[t->n] = utrace_task_get(payload);
			t->tid[t->n] = ev->other;
			t->n++;
		}
		if (t->hold_child) {
			/* The child's FOLLOW engine holds it. */
			t->hold_child_rc = utrace_attach_task(
				payload,
				UTRACE_ATTACH_MATCH_OPS |
					UTRACE_ATTACH_MATCH_DATA,
				&test_engine_ops, te, &ce);
			if (t->hold_child_rc == 0)
				t->hold_child_rc = utrace_control(payload, ce,
				                                  UTRACE_STOP);
			utrace_engine_put(ce);
		}
		return t->hold_parent ? UTRACE_STOP : ret;
	case EV_SYSCALL_ENTRY:
		if (t->hold_marker && ev->nr == SYS_getpgid &&
		    (long)ev->args[0] == TEST_MARKER + 1)
			return UTRACE_STOP | utrace_syscall_action(ev->action);
		return ret;
	case EV_EXIT:
		if (t->kill_at_exit == ev->tid ||
		    (t->kill_at_exit == -1 &&
		     ev->tid != utrace_task_tgid(task))) {
			t->kill_at_exit = 0;
			t->kill_rc = kill(utrace_task_tgid(task), SIGKILL);
		}
		return ret;
	default:
		return ret;
	}
}

/* Spawn tracee-ops @ops with one FOLLOW engine (E1) deciding by @t. */
static struct utrace_task *
spawn_tree(struct utrace *u, struct tree *t, uint64_t events,
           struct utrace_engine **ret_engine, const char *const ops[])
{
	struct utrace_task *task;
	struct test_engine *te;
	char *argv[32];
	int n = 0;

	argv[n++] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	while (*ops && n < 31)
		argv[n++] = (char *)*ops++;
	argv[n] = NULL;
	ck_assert_int_eq(test_spawn_argv(u, argv, &task), 0);
	te = test_engine_new(1, tree_decide);
	te->priv = t;
	test_engine_only(te, SYS_getpgid);
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, te, ret_engine),
		0);
	ck_assert_int_eq(utrace_set_events(task, *ret_engine, events), 0);
	tree_add(t, task);
	return task;
}

/*
 * Every task of @t: death and reap exactly once, nothing after them, the
 * handle dead; utrace_task_wait() returns; the thread is gone from /proc
 * or (an orphan, reaped by its new parent) at most a zombie.
 */
static void
expect_tree_dead(const struct tree *t)
{
	struct test_log *log = test_log();
	size_t i;
	size_t k;

	for (i = 0; i < t->n; i++) {
		size_t deaths = 0;
		size_t reaps = 0;
		size_t n;
		int status = -1;
		char state;

		ck_assert_msg(utrace_task_wait(t->task[i], &status) == 0,
		              "task %d: no death\n%s", (int)t->tid[i],
		              test_log_dump(log));
		ck_assert(utrace_task_is_dead(t->task[i]));
		n = test_log_n(log);
		for (k = 0; k < n; k++) {
			const struct test_ev *ev = &log->ev[k];

			if (ev->tid != t->tid[i] || ev->kind == EV_RELEASE)
				continue;
			ck_assert_msg(reaps == 0,
			              "#%zu: an event of %d after its reap\n%s",
			              k, (int)t->tid[i], test_log_dump(log));
			if (ev->kind == EV_DEATH) {
				deaths++;
				ck_assert_msg(ev->status == status,
				              "#%zu: death status %#x, wait "
				              "%#x\n%s",
				              k, ev->status, status,
				              test_log_dump(log));
			} else if (ev->kind == EV_REAP) {
				ck_assert_msg(deaths == 1,
				              "#%zu: reap before death\n%s", k,
				              test_log_dump(log));
				reaps++;
			} else {
				ck_assert_msg(deaths == 0,
				              "#%zu: event after death\n%s", k,
				              test_log_dump(log));
			}
		}
		ck_assert_msg(deaths == 1 && reaps == 1,
		              "task %d: %zu deaths, %zu reaps\n%s",
		              (int)t->tid[i], deaths, reaps,
		              test_log_dump(log));
		state = test_wait_state(t->tid[i], "?Z");
		ck_assert_msg(state, "task %d left in state %c", (int)t->tid[i],
		              test_proc_state(t->tid[i]));
	}
}

/* The leader's task is our spawned child: reaped, gone from /proc. */
static void
expect_gone(pid_t pid)
{
	ck_assert_msg(test_proc_state(pid) == '?',
	              "process %d left in state %c", (int)pid,
	              test_proc_state(pid));
}

/* ---- held at a syscall entry -------------------------------------- */

/* _i: number of extra threads (they wait in pause()). */
START_TEST(kill_held_entry)
{
	struct test_log *log = test_log();
	struct tree t = { .hold_marker = true };
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	const char *ops[] = { test_fmt("threads:%d", _i), "marker:1", "exit:0",
		              NULL };
	size_t i;
	pid_t pid;
	int status;

	u = test_new(NULL);
	task = spawn_tree(u, &t,
	                  UTRACE_EVENT(CLONE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                          DEATH_EVENTS,
	                  &e1, ops);
	pid = utrace_task_tid(task);
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getpgid, 1),
	              "%s", test_log_dump(log));
	ck_assert_int_eq(test_proc_state(pid), 't');
	ck_assert_int_eq(kill(pid, SIGKILL), 0);

	status = test_wait(task);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert_int_eq(t.n, 1 + (size_t)_i);
	expect_tree_dead(&t);
	for (i = 0; i < t.n; i++) {
		ck_assert_int_eq(utrace_task_wait(t.task[i], &status), 0);
		ck_assert_msg(status == SIGKILL, "task %d: status %#x",
		              (int)t.tid[i], status);
	}
	/* The held call never ran. */
	ck_assert_int_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_getpgid),
	                 1);
	expect_gone(pid);
	utrace_engine_put(e1);
	tree_put(&t);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- held in the middle of a fork ------------------------------------ */

enum {
	MID_KILL_PARENT_THEN_CHILD,
	MID_KILL_CHILD_THEN_PARENT,
	MID_KILL_PARENT_RELEASE_CHILD,
	MID_KILL_THREAD_CLONE,
	MID_KILL_VFORK_CHILD, /* only the child held; its parent waits */
	MID_MAX,
};

/*
 * The parent is held at its fork report, the new child at its first stop
 * (before its first instruction); SIGKILL one, then the other (or release
 * the child, which then runs to its end as an orphan).
 */
START_TEST(kill_mid_clone)
{
	struct test_log *log = test_log();
	struct tree t = { .hold_parent = true, .hold_child = true };
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace_engine *ce = NULL;
	struct utrace *u;
	const char *fork_ops[] = { "{fork", "marker:2", "}", "exit:0", NULL };
	const char *thread_ops[] = { "{pthread", "marker:2", "}", "exit:0",
		                     NULL };
	const char *vfork_ops[] = { "vfork:3", "exit:0", NULL };
	pid_t pid;
	pid_t child;

	u = test_new(NULL);
	t.hold_child_rc = 12345;
	t.hold_parent = _i != MID_KILL_VFORK_CHILD;
	task = spawn_tree(u, &t,
	                  UTRACE_EVENT(CLONE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                          DEATH_EVENTS,
	                  &e1,
	                  _i == MID_KILL_THREAD_CLONE  ? thread_ops
	                  : _i == MID_KILL_VFORK_CHILD ? vfork_ops
	                                               : fork_ops);
	pid = utrace_task_tid(task);
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_CLONE, TEST_ANY, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(t.hold_child_rc, 0);
	ck_assert_int_eq(t.n, 2);
	child = t.tid[1];
	ck_assert_int_eq(
		test_wait_state(pid, _i == MID_KILL_VFORK_CHILD ? "D" : "t"),
		_i == MID_KILL_VFORK_CHILD ? 'D' : 't');
	ck_assert_int_eq(test_wait_state(child, "t"), 't');

	switch (_i) {
	case MID_KILL_PARENT_THEN_CHILD:
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(test_wait(task), SIGKILL);
		ck_assert_int_eq(test_proc_state(child), 't');
		ck_assert_int_eq(kill(child, SIGKILL), 0);
		ck_assert_int_eq(test_wait(t.task[1]), SIGKILL);
		break;
	case MID_KILL_CHILD_THEN_PARENT:
		ck_assert_int_eq(kill(child, SIGKILL), 0);
		ck_assert_int_eq(test_wait(t.task[1]), SIGKILL);
		ck_assert_int_eq(test_proc_state(pid), 't');
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(test_wait(task), SIGKILL);
		break;
	case MID_KILL_PARENT_RELEASE_CHILD:
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(test_wait(task), SIGKILL);
		ck_assert_int_eq(
			utrace_attach_task(t.task[1], UTRACE_ATTACH_MATCH_OPS,
		                           &test_engine_ops, NULL, &ce),
			0);
		ck_assert_int_eq(
			test_control_from_thread(t.task[1], ce, UTRACE_RESUME),
			0);
		utrace_engine_put(ce);
		ck_assert_int_eq(test_wait(t.task[1]), 0);
		/* It ran: its marker call was seen. */
		ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY,
		                             SYS_getpgid) == 1 &&
		                      log->ev[test_log_find(log, 0, 1,
		                                            EV_SYSCALL_ENTRY,
		                                            SYS_getpgid)]
		                                      .tid == child,
		              "%s", test_log_dump(log));
		break;
	case MID_KILL_THREAD_CLONE:
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(test_wait(task), SIGKILL);
		ck_assert_int_eq(test_wait(t.task[1]), SIGKILL);
		break;
	case MID_KILL_VFORK_CHILD:
		/* The parent's vfork wait ends; it goes on to exit(0). */
		ck_assert_int_eq(kill(child, SIGKILL), 0);
		ck_assert_int_eq(test_wait(t.task[1]), SIGKILL);
		ck_assert_int_eq(test_wait(task), 0);
		break;
	}
	if (_i != MID_KILL_PARENT_RELEASE_CHILD)
		ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY,
		                             SYS_getpgid) == 0,
		              "the held child ran\n%s", test_log_dump(log));
	expect_tree_dead(&t);
	expect_gone(pid);
	utrace_engine_put(e1);
	tree_put(&t);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- at an exit stop --------------------------------------------------- */

/*
 * report_exit() sends SIGKILL to the process, so the task sits in its
 * exit stop when the signal comes.  _i 0: the whole process exits
 * (exit_group(5)); the kernel ignores a SIGKILL once a group exit runs, so
 * the status stays that of exit(5), as it would untraced.  _i 1: a thread
 * ends alone (SYS_exit(2)) while the leader waits in read(); the SIGKILL
 * kills the process.
 */
START_TEST(kill_at_exit_stop)
{
	struct test_log *log = test_log();
	struct tree t = { 0 };
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	const char *group_ops[] = { "exit:5", NULL };
	const char *thread_ops[] = { "{bg", "sysexit:2", "}",
		                     NULL,  "exit:0",    NULL };
	long ex;
	pid_t pid;
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(data, 0);
	thread_ops[3] = test_fmt("read:%d", data[0]);
	task = spawn_tree(u, &t, UTRACE_EVENT(CLONE) | DEATH_EVENTS, &e1,
	                  _i ? thread_ops : group_ops);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t.kill_at_exit = _i ? -1 : pid;
	t.kill_rc = 12345;
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(t.kill_rc, 0);
	ck_assert_int_eq(t.n, 1 + (size_t)_i);
	ex = test_log_find(log, 0, 1, EV_EXIT, TEST_ANY);
	ck_assert_msg(ex >= 0, "%s", test_log_dump(log));
	if (_i == 0) {
		ck_assert_msg(status == 5 << 8 && log->ev[ex].status == 5 << 8,
		              "status %#x\n%s", status, test_log_dump(log));
	} else {
		int worker = -1;

		ck_assert_msg(WIFSIGNALED(status) &&
		                      WTERMSIG(status) == SIGKILL,
		              "status %#x\n%s", status, test_log_dump(log));
		ck_assert_msg(log->ev[ex].tid == t.tid[1] &&
		                      log->ev[ex].status == 2 << 8,
		              "the worker's exit(2) first\n%s",
		              test_log_dump(log));
		ck_assert_int_eq(utrace_task_wait(t.task[1], &worker), 0);
		/* Reaped after the SIGKILL started a group exit, the
		 * worker's status is either its own or the group's. */
		ck_assert_msg(worker == 2 << 8 || worker == SIGKILL,
		              "worker status %#x\n%s", worker,
		              test_log_dump(log));
	}
	expect_tree_dead(&t);
	expect_gone(pid);
	test_close(data[1]);
	utrace_engine_put(e1);
	tree_put(&t);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- in a group stop -------------------------------------------------- */

/*
 * Three threads in a group stop, left listening by the library (the
 * engine holds nothing): SIGKILL ends them all.
 */
START_TEST(kill_group_stopped)
{
	struct test_log *log = test_log();
	struct tree t = { 0 };
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	const char *ops[] = { "threads:2", "raise:STOP", "exit:0", NULL };
	char states[8];
	size_t i;
	pid_t pid;
	int status;

	u = test_new(NULL);
	task = spawn_tree(
		u, &t, UTRACE_EVENT(CLONE) | UTRACE_EVENT(JCTL) | DEATH_EVENTS,
		&e1, ops);
	pid = utrace_task_tid(task);
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_JCTL, CLD_STOPPED, 3), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(test_thread_states(pid, states, sizeof(states)), 3);
	for (i = 0; i < 3; i++)
		ck_assert_msg(states[i] == 't' || states[i] == 'T', "states %s",
		              states);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	status = test_wait(task);
	ck_assert_msg(status == SIGKILL, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_int_eq(t.n, 3);
	expect_tree_dead(&t);
	ck_assert_int_eq(test_log_count(log, 1, EV_JCTL, CLD_CONTINUED), 0);
	expect_gone(pid);
	utrace_engine_put(e1);
	tree_put(&t);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- before utrace_task_start() ---------------------------------------- */

static void
put_tasks(struct utrace_task **tasks)
{
	size_t i;

	for (i = 0; tasks && tasks[i]; i++)
		utrace_task_put(tasks[i]);
	free(tasks);
}

/*
 * _i 0: a spawned task held after its exec; _i 1: a seized process of
 * three threads, each held by utrace_seize().  Engines are attached; no
 * task was ever started.
 */
START_TEST(kill_before_start)
{
	struct test_log *log = test_log();
	struct utrace_task **tasks = NULL;
	struct utrace_task *spawned[2] = { NULL, NULL };
	struct test_engine *te[4];
	struct utrace_engine *e[4];
	struct tree t = { 0 };
	struct utrace *u;
	pid_t pid;
	size_t n;
	size_t i;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	if (_i == 0) {
		spawned[0] = test_spawn(u, "ppid", "exit:0", NULL);
		tasks = spawned;
	} else {
		test_pipe(rep, 1);
		test_pipe(data, 0);
		pid = test_fork_helper(
			"tracee-ops", "-r", test_fmt("%d", rep[1]), "threads:2",
			"say:ready", test_fmt("read:%d", data[0]), NULL);
		test_close(rep[1]);
		test_close(data[0]);
		ck_assert_str_eq(test_read_line(rep[0]), "threads 2");
		ck_assert_str_eq(test_read_line(rep[0]), "say ready");
		ck_assert_int_eq(utrace_seize(u, pid, NULL, &tasks), 0);
	}
	pid = utrace_task_tid(tasks[0]);
	for (n = 0; tasks[n]; n++) {
		te[n] = test_engine_new((int)n + 1, NULL);
		e[n] = test_attach(tasks[n], te[n],
		                   UTRACE_EVENT_SYSCALL | DEATH_EVENTS);
		ck_assert_int_eq(test_proc_state(utrace_task_tid(tasks[n])),
		                 't');
		tree_add(&t, tasks[n]);
	}
	ck_assert_int_eq(n, _i ? 3 : 1);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	status = test_wait(tasks[0]);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "status %#x\n%s", status, test_log_dump(log));
	expect_tree_dead(&t);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(test_log_count(log, (int)i + 1,
		                                EV_SYSCALL_ENTRY, TEST_ANY),
		                 0);
		ck_assert_int_eq(utrace_task_start(tasks[i]), -ESRCH);
		utrace_engine_put(e[i]);
	}
	expect_gone(pid);
	if (_i) {
		test_close(rep[0]);
		test_close(data[1]);
	}
	tree_put(&t);
	if (_i)
		put_tasks(tasks);
	else
		utrace_task_put(spawned[0]);
	test_free(u);
}
END_TEST

/* ---- a core-dumping signal in four threads ------------------------------- */

START_TEST(abort_four_threads)
{
	struct test_log *log = test_log();
	struct tree t = { 0 };
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	const char *ops[] = { "threads:3", "abort", NULL };
	long sig;
	pid_t pid;
	int expect;
	int status;

	/* The same program untraced, our own child. */
	expect = test_reap(
		test_fork_helper("tracee-ops", "threads:3", "abort", NULL));
	ck_assert_msg(WIFSIGNALED(expect) && WTERMSIG(expect) == SIGABRT,
	              "untraced status %#x", expect);

	u = test_new(NULL);
	task = spawn_tree(u, &t,
	                  UTRACE_EVENT(CLONE) | UTRACE_EVENT_SIGNAL_ALL |
	                          DEATH_EVENTS,
	                  &e1, ops);
	pid = utrace_task_tid(task);
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == expect, "status %#x, untraced %#x\n%s", status,
	              expect, test_log_dump(log));
	ck_assert_int_eq(t.n, 4);
	expect_tree_dead(&t);
	/* One report of the signal, with its natural disposition. */
	ck_assert_msg(test_log_count(log, 1, EV_SIGNAL, SIGABRT) == 1, "%s",
	              test_log_dump(log));
	sig = test_log_find(log, 0, 1, EV_SIGNAL, SIGABRT);
	ck_assert_msg(log->ev[sig].action ==
	                      (UTRACE_RESUME | UTRACE_SIGNAL_CORE),
	              "%s", test_log_dump(log));
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 4);
	expect_gone(pid);
	utrace_engine_put(e1);
	tree_put(&t);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static Suite *
kill_suite(void)
{
	Suite *s = suite_create("kill");
	TCase *tc;

	tc = test_tcase(s, "kill");
	tcase_add_loop_test(tc, kill_held_entry, 0, 3);
	tcase_add_loop_test(tc, kill_mid_clone, 0, MID_MAX);
	tcase_add_loop_test(tc, kill_at_exit_stop, 0, 2);
	tcase_add_test(tc, kill_group_stopped);
	tcase_add_loop_test(tc, kill_before_start, 0, 2);
	tcase_add_test(tc, abort_four_threads);
	return s;
}

TEST_MAIN(kill_suite)
