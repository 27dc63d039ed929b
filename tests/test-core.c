/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engines and reports on real tracees: order of the engines, holding a
 * stop and releasing it from another thread, detaching and attaching from
 * callbacks, barriers, death and reap, exit status, job control, control
 * of a running task.
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

#define SYSCALL_REPORTS \
	(UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))

/* The task sits in a ptrace stop (held). */
static void
expect_held(pid_t pid)
{
	char state = test_proc_state(pid);

	ck_assert_msg(state == 't',
	              "task %d in state %c, not in a ptrace stop\n%s", (int)pid,
	              state, test_log_dump(test_log()));
}

/* ---- three engines, every event, documented order --------------------- */

static enum test_ev_kind
kind_of_event(uint64_t event)
{
	if (event == UTRACE_EVENT(SYSCALL_ENTRY))
		return EV_SYSCALL_ENTRY;
	if (event == UTRACE_EVENT(SYSCALL_EXIT))
		return EV_SYSCALL_EXIT;
	if (event == UTRACE_EVENT(EXIT))
		return EV_EXIT;
	if (event == UTRACE_EVENT(DEATH))
		return EV_DEATH;
	return 0;
}

#define ORDER_ASSERT(cond, i, ...) \
	ck_assert_msg(             \
		cond, __VA_ARGS__, \
		test_log_dump_range(log, (i) > 12 ? (i)-12 : 0, (i) + 12))

START_TEST(order_three_engines)
{
	const uint64_t events = UTRACE_EVENT(QUIESCE) | UTRACE_EVENT_SYSCALL |
	                        UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH) |
	                        UTRACE_EVENT(REAP);
	static const int forward[3] = { 1, 2, 3 };
	static const int reverse[3] = { 3, 2, 1 };
	struct test_log *log = test_log();
	struct test_engine *te[3];
	struct utrace_engine *e[3];
	struct utrace_task *task;
	struct utrace *u;
	bool seen_ppid = false;
	bool seen_pid = false;
	bool seen_exit_group = false;
	bool seen_exit = false;
	bool seen_death = false;
	int64_t open_entry = -1;
	size_t passes = 0;
	size_t i = 0;
	size_t n;
	pid_t pid;
	int status;
	int k;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "pid", "exit:3", NULL);
	pid = utrace_task_tid(task);
	for (k = 0; k < 3; k++) {
		te[k] = test_engine_new(k + 1, NULL);
		e[k] = test_attach(task, te[k], events);
	}
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	              "status %#x\n%s", status, test_log_dump(log));
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(test_releases(te[k]), 0);
		utrace_engine_put(e[k]);
		ck_assert_int_eq(test_releases(te[k]), 1);
	}

	/*
	 * Every pass: for each engine in order (reverse at syscall entry),
	 * report_quiesce(event) and then the event's callback, all of them
	 * seeing the same syscall and the plain RESUME action.
	 */
	n = test_log_n(log);
	while (i < n && log->ev[i].kind != EV_REAP) {
		const struct test_ev *q = &log->ev[i];
		enum test_ev_kind kind;
		const int *order;

		ORDER_ASSERT(!seen_death, i, "#%zu: a pass after death\n%s", i);
		ORDER_ASSERT(q->kind == EV_QUIESCE, i,
		             "#%zu: a pass must open with report_quiesce\n%s",
		             i);
		kind = kind_of_event(q->event);
		ORDER_ASSERT(kind != 0, i,
		             "#%zu: unexpected quiesce event %#llx\n%s", i,
		             (unsigned long long)q->event);
		ORDER_ASSERT(i + 6 <= n, i, "#%zu: truncated pass\n%s", i);
		order = kind == EV_SYSCALL_ENTRY ? reverse : forward;
		for (k = 0; k < 3; k++) {
			/* order[k]'s quiesce, then its callback. */
			size_t at = i + 2 * (size_t)k;
			const struct test_ev *qq = &log->ev[at];
			const struct test_ev *ee = &log->ev[at + 1];

			ORDER_ASSERT(qq->kind == EV_QUIESCE &&
			                     qq->engine == order[k] &&
			                     qq->event == q->event &&
			                     qq->action == UTRACE_RESUME &&
			                     qq->tid == pid,
			             at,
			             "#%zu: expected E%d quiesce(%#llx) with "
			             "action RESUME\n%s",
			             at, order[k],
			             (unsigned long long)q->event);
			ORDER_ASSERT(ee->kind == kind &&
			                     ee->engine == order[k] &&
			                     ee->tid == pid,
			             at + 1,
			             "#%zu: expected the E%d callback of the "
			             "event after its quiesce\n%s",
			             at + 1, order[k]);
			if (kind != EV_DEATH)
				ORDER_ASSERT(ee->action == UTRACE_RESUME,
				             at + 1,
				             "#%zu: action must be RESUME\n%s",
				             at + 1);
			if (kind == EV_SYSCALL_ENTRY ||
			    kind == EV_SYSCALL_EXIT) {
				const struct test_ev *f = &log->ev[i + 1];

				ORDER_ASSERT(ee->nr == f->nr &&
				                     ee->arch == f->arch &&
				                     !memcmp(ee->args, f->args,
				                             sizeof(f->args)) &&
				                     ee->rval == f->rval,
				             at + 1,
				             "#%zu: engines of one pass see "
				             "different syscall data\n%s",
				             at + 1);
			}
			if (kind == EV_EXIT || kind == EV_DEATH)
				ORDER_ASSERT(ee->status == 0x300, at + 1,
				             "#%zu: status must be 0x300\n%s",
				             at + 1);
			if (kind == EV_DEATH)
				ORDER_ASSERT(ee->group_dead, at + 1,
				             "#%zu: group_dead\n%s", at + 1);
		}

		q = &log->ev[i + 1];
		if (passes == 0)
			ORDER_ASSERT(kind == EV_SYSCALL_EXIT &&
			                     q->nr == SYS_execve &&
			                     q->rval == 0,
			             i,
			             "the first report must be the execve "
			             "exit with 0 (#%zu)\n%s",
			             i);
		switch (kind) {
		case EV_SYSCALL_ENTRY:
			ORDER_ASSERT(open_entry == -1, i,
			             "#%zu: entry without the previous "
			             "exit\n%s",
			             i);
			open_entry = q->nr;
			if (q->nr == SYS_exit_group) {
				ORDER_ASSERT(seen_pid && q->args[0] == 3, i,
				             "#%zu: exit_group(3) after "
				             "getpid\n%s",
				             i);
				seen_exit_group = true;
			}
			break;
		case EV_SYSCALL_EXIT:
			ORDER_ASSERT(passes == 0 || open_entry == q->nr, i,
			             "#%zu: exit does not match the entry "
			             "%lld\n%s",
			             i, (long long)open_entry);
			open_entry = -1;
			if (q->nr == SYS_getppid) {
				ORDER_ASSERT(!seen_ppid && q->rval == getpid(),
				             i, "#%zu: getppid\n%s", i);
				seen_ppid = true;
			}
			if (q->nr == SYS_getpid && seen_ppid) {
				ORDER_ASSERT(!seen_pid && q->rval == pid, i,
				             "#%zu: getpid\n%s", i);
				seen_pid = true;
			}
			break;
		case EV_EXIT:
			ORDER_ASSERT(seen_exit_group && !seen_exit, i,
			             "#%zu: exit report\n%s", i);
			seen_exit = true;
			break;
		case EV_DEATH:
			ORDER_ASSERT(seen_exit, i,
			             "#%zu: death before exit\n%s", i);
			seen_death = true;
			break;
		default:
			break;
		}
		passes++;
		i += 6;
	}
	ck_assert_msg(seen_ppid && seen_pid && seen_exit_group && seen_exit &&
	                      seen_death,
	              "missing reports (ppid %d pid %d exit_group %d exit %d "
	              "death %d)\n%s",
	              seen_ppid, seen_pid, seen_exit_group, seen_exit,
	              seen_death, test_log_dump(log));
	/* Then reap for each engine, then the releases of our puts. */
	ORDER_ASSERT(n == i + 6, i, "#%zu: expected 3 reaps and 3 releases\n%s",
	             i);
	for (k = 0; k < 3; k++) {
		ORDER_ASSERT(log->ev[i + k].kind == EV_REAP &&
		                     log->ev[i + k].engine == k + 1,
		             i + k, "#%zu: expected E%d reap\n%s", i + k,
		             k + 1);
		ORDER_ASSERT(log->ev[i + 3 + k].kind == EV_RELEASE &&
		                     log->ev[i + 3 + k].engine == k + 1,
		             i + 3 + k, "#%zu: expected E%d release\n%s",
		             i + 3 + k, k + 1);
	}
	ck_assert(utrace_task_is_dead(task));
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a hold at syscall entry, released from another thread ------------ */

static uint32_t
hold_getppid_entry(struct test_engine *te, struct utrace_engine *engine,
                   struct utrace_task *task, const struct test_ev *ev,
                   void *payload, uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid &&
	    te->state == 0) {
		te->state = 1;
		return UTRACE_STOP | utrace_syscall_action(ev->action);
	}
	return ret;
}

struct control_call {
	struct utrace_task *task;
	struct utrace_engine *engine;
	enum utrace_resume_action action;
	int rc;
	pid_t tid;
};

static void *
control_thread(void *arg)
{
	struct control_call *c = arg;

	c->tid = gettid();
	c->rc = utrace_control(c->task, c->engine, c->action);
	return NULL;
}

static int
control_from_thread(struct utrace_task *task, struct utrace_engine *engine,
                    enum utrace_resume_action action)
{
	struct control_call c = { task, engine, action, -1, 0 };

	test_on_thread(control_thread, &c);
	ck_assert(c.tid != gettid());
	return c.rc;
}

static void
expect_ev(struct test_log *log, size_t i, int engine, enum test_ev_kind kind,
          int64_t key, uint32_t action)
{
	char want[64];

	snprintf(want, sizeof(want), "E%d kind %d key %lld action %#x", engine,
	         kind, (long long)key, action);
	ck_assert_msg(i < test_log_n(log) &&
	                      test_ev_match(&log->ev[i], engine, kind, key) &&
	                      log->ev[i].action == action,
	              "#%zu: expected %s\n%s", i, want, test_log_dump(log));
}

START_TEST(hold_entry_release_from_thread)
{
	struct test_log *log = test_log();
	struct test_engine *te[3];
	struct utrace_engine *e[3];
	struct utrace_task *task;
	struct utrace *u;
	const char *report;
	int rep[2];
	size_t i;
	pid_t pid;
	int status;
	int k;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "ppid", "exit:0",
	                  NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	for (k = 0; k < 3; k++) {
		te[k] = test_engine_new(k + 1,
		                        k == 1 ? hold_getppid_entry : NULL);
		test_engine_only(te[k], SYS_getppid);
		e[k] = test_attach(task, te[k], SYSCALL_REPORTS);
	}
	test_start(task);

	ck_assert_msg(test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getppid, 1),
	              "no getppid entry report\n%s", test_log_dump(log));
	/* Reverse order; E1 sees the hold of E2 in the merged action. */
	expect_ev(log, 0, 3, EV_SYSCALL_ENTRY, SYS_getppid, UTRACE_RESUME);
	expect_ev(log, 1, 2, EV_SYSCALL_ENTRY, SYS_getppid, UTRACE_RESUME);
	expect_ev(log, 2, 1, EV_SYSCALL_ENTRY, SYS_getppid, UTRACE_STOP);
	ck_assert_int_eq(log->ev[1].ret, UTRACE_STOP);
	expect_held(pid);

	/* E1 holds nothing: releasing it leaves the task stopped. */
	ck_assert_int_eq(control_from_thread(task, e[0], UTRACE_RESUME), 0);
	expect_held(pid);
	ck_assert_msg(test_log_n(log) == 3, "task ran while E2 held it\n%s",
	              test_log_dump(log));

	ck_assert_int_eq(control_from_thread(task, e[1], UTRACE_RESUME), 0);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "status %#x\n%s", status, test_log_dump(log));
	report = test_read_all(rep[0]);
	ck_assert_str_eq(report, test_fmt("ppid %d\n", (int)getpid()));

	/* The repeated entry report, then the exit, then death and reap. */
	for (k = 0; k < 3; k++)
		expect_ev(log, 3 + (size_t)k, 3 - k, EV_SYSCALL_ENTRY,
		          SYS_getppid, UTRACE_RESUME | UTRACE_SYSCALL_RESUMED);
	for (k = 0; k < 3; k++) {
		expect_ev(log, 6 + (size_t)k, k + 1, EV_SYSCALL_EXIT,
		          SYS_getppid, UTRACE_RESUME);
		ck_assert_int_eq(log->ev[6 + k].rval, getpid());
	}
	i = 9;
	for (k = 0; k < 3; k++) {
		ck_assert_msg(test_ev_match(&log->ev[i + k], k + 1, EV_DEATH,
		                            TEST_ANY) &&
		                      log->ev[i + k].status == 0,
		              "#%zu: expected E%d death\n%s", i + k, k + 1,
		              test_log_dump(log));
		ck_assert_msg(test_ev_match(&log->ev[i + 3 + k], k + 1, EV_REAP,
		                            TEST_ANY),
		              "#%zu: expected E%d reap\n%s", i + 3 + k, k + 1,
		              test_log_dump(log));
	}
	ck_assert_msg(test_log_n(log) == 15, "extra reports\n%s",
	              test_log_dump(log));
	for (k = 0; k < 3; k++)
		utrace_engine_put(e[k]);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a hold set for another engine from inside a pass ------------------ */

static uint32_t
stop_other_at_getppid(struct test_engine *te, struct utrace_engine *engine,
                      struct utrace_task *task, const struct test_ev *ev,
                      void *payload, uint32_t ret)
{
	struct test_engine *other = te->priv;

	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid &&
	    !te->state) {
		te->state = 1;
		te->rc[0] = utrace_control(task, other->engine, UTRACE_STOP);
	}
	return ret;
}

START_TEST(stop_other_engine_in_pass)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	pid_t pid;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "exit:0", NULL);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, stop_other_at_getppid);
	t2 = test_engine_new(2, NULL);
	t1->priv = t2;
	t1->rc[0] = 1;
	test_engine_only(t1, SYS_getppid);
	e1 = test_attach(task, t1, SYSCALL_REPORTS);
	e2 = test_attach(task, t2, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getppid, 1),
	              "%s", test_log_dump(log));
	ck_assert_int_eq(t1->rc[0], 0);
	/* E2, not called in the pass, holds the task after it. */
	expect_held(pid);
	ck_assert_msg(test_log_n(log) == 1, "%s", test_log_dump(log));
	ck_assert_int_eq(control_from_thread(task, e2, UTRACE_RESUME), 0);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	expect_ev(log, 0, 1, EV_SYSCALL_ENTRY, SYS_getppid, UTRACE_RESUME);
	expect_ev(log, 1, 1, EV_SYSCALL_ENTRY, SYS_getppid,
	          UTRACE_RESUME | UTRACE_SYSCALL_RESUMED);
	expect_ev(log, 2, 1, EV_SYSCALL_EXIT, SYS_getppid, UTRACE_RESUME);
	ck_assert_msg(
		test_log_n(log) == 7 &&
			test_ev_match(&log->ev[3], 1, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[4], 2, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[5], 1, EV_REAP, TEST_ANY) &&
			test_ev_match(&log->ev[6], 2, EV_REAP, TEST_ANY),
		"%s", test_log_dump(log));
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- an engine detaching itself from its callback ---------------------- */

enum { DETACH_BY_RETURN, DETACH_BY_CONTROL, DETACH_LAST_REF };

static uint32_t
detach_at_getppid(struct test_engine *te, struct utrace_engine *engine,
                  struct utrace_task *task, const struct test_ev *ev,
                  void *payload, uint32_t ret)
{
	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != SYS_getppid)
		return ret;
	if (te->state == DETACH_BY_CONTROL) {
		te->rc[0] = utrace_control(task, engine, UTRACE_DETACH);
		return UTRACE_RESUME;
	}
	return UTRACE_DETACH;
}

START_TEST(detach_in_callback)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	long entry1;
	long release1;
	long exit2;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "pid", "exit:0", NULL);
	t1 = test_engine_new(1, detach_at_getppid);
	t1->state = _i;
	t1->rc[0] = 1;
	test_engine_only(t1, SYS_getppid, SYS_getpid);
	t2 = test_engine_new(2, NULL);
	test_engine_only(t2, SYS_getppid, SYS_getpid);
	e1 = test_attach(task, t1, SYSCALL_REPORTS | UTRACE_EVENT(EXIT));
	e2 = test_attach(task, t2, SYSCALL_REPORTS | UTRACE_EVENT(EXIT));
	if (_i == DETACH_LAST_REF) {
		/* The attachment's own reference keeps it alive. */
		utrace_engine_put(e1);
		ck_assert_int_eq(test_releases(t1), 0);
	}
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);

	/* E1 heard getppid's entry and nothing after it. */
	ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY, TEST_ANY) == 1 &&
	                      test_log_count(log, 1, EV_SYSCALL_EXIT,
	                                     TEST_ANY) == 0 &&
	                      test_log_count(log, 1, EV_EXIT, TEST_ANY) == 0 &&
	                      test_log_count(log, 1, EV_DEATH, TEST_ANY) == 0 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 0,
	              "E1 called after detaching\n%s", test_log_dump(log));
	entry1 = test_log_find(log, 0, 1, EV_SYSCALL_ENTRY, SYS_getppid);
	ck_assert_msg(entry1 >= 0, "%s", test_log_dump(log));
	/* E2 goes on: both syscalls, exit, death, reap. */
	ck_assert_msg(test_log_count(log, 2, EV_SYSCALL_ENTRY, TEST_ANY) == 2 &&
	                      test_log_count(log, 2, EV_SYSCALL_EXIT,
	                                     TEST_ANY) == 2 &&
	                      test_log_count(log, 2, EV_EXIT, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_REAP, TEST_ANY) == 1,
	              "E2 reports\n%s", test_log_dump(log));
	if (_i == DETACH_BY_CONTROL)
		ck_assert_int_eq(t1->rc[0], 0);

	if (_i == DETACH_LAST_REF) {
		/* Released on the tracer thread as the detach completed,
		 * before the task's next stop. */
		ck_assert_int_eq(test_releases(t1), 1);
		release1 = test_log_find(log, 0, 1, EV_RELEASE, TEST_ANY);
		exit2 = test_log_find(log, 0, 2, EV_SYSCALL_EXIT, SYS_getppid);
		ck_assert_msg(release1 > entry1 && release1 < exit2,
		              "release must follow the detaching callback\n%s",
		              test_log_dump(log));
	} else {
		ck_assert_int_eq(test_releases(t1), 0);
		ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME),
		                 -ESRCH);
		ck_assert_int_eq(
			utrace_set_events(task, e1, UTRACE_EVENT(DEATH)),
			-ESRCH);
		ck_assert_int_eq(test_releases(t1), 0);
		utrace_engine_put(e1);
		ck_assert_int_eq(test_releases(t1), 1);
	}
	ck_assert_int_eq(test_log_count(log, 1, EV_RELEASE, TEST_ANY), 1);
	utrace_engine_put(e2);
	ck_assert_int_eq(test_releases(t2), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- attaching from a callback: the new engine hears the next event ---- */

static uint32_t
attach_at_getppid_exit(struct test_engine *te, struct utrace_engine *engine,
                       struct utrace_task *task, const struct test_ev *ev,
                       void *payload, uint32_t ret)
{
	struct test_engine *late = te->priv;

	if (ev->kind != EV_SYSCALL_EXIT || ev->nr != SYS_getppid ||
	    te->state != 0)
		return ret;
	te->state = 1;
	te->rc[0] = utrace_attach_task(task, UTRACE_ATTACH_CREATE,
	                               &test_engine_ops, late, &late->engine);
	if (te->rc[0] == 0)
		te->rc[1] =
			utrace_set_events(task, late->engine, SYSCALL_REPORTS);
	return ret;
}

START_TEST(attach_in_callback)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	long first;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "pid", "exit:0", NULL);
	t1 = test_engine_new(1, attach_at_getppid_exit);
	t2 = test_engine_new(2, NULL);
	t1->priv = t2;
	t1->rc[0] = t1->rc[1] = 1;
	e1 = test_attach(task, t1, SYSCALL_REPORTS);
	test_engine_only(t1, SYS_getppid, SYS_getpid);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(t1->rc[0], 0);
	ck_assert_int_eq(t1->rc[1], 0);
	ck_assert(t2->engine != NULL);

	/* Not called in the pass that attached it, first called at the
	 * next stop: the entry of getpid. */
	ck_assert_msg(
		test_log_count(log, 2, EV_SYSCALL_EXIT, SYS_getppid) == 0 &&
			test_log_count(log, 2, EV_SYSCALL_ENTRY, SYS_getppid) ==
				0,
		"the new engine heard the current event\n%s",
		test_log_dump(log));
	first = test_log_find(log, 0, 2, EV_SYSCALL_ENTRY, TEST_ANY);
	ck_assert_msg(
		first >= 0 && log->ev[first].nr == SYS_getpid &&
			test_log_find(log, 0, 2, EV_SYSCALL_EXIT, TEST_ANY) >
				first,
		"the new engine's first report must be getpid's entry\n%s",
		test_log_dump(log));
	ck_assert_int_eq(test_log_count(log, 2, EV_DEATH, TEST_ANY), 1);
	ck_assert_int_eq(test_log_count(log, 2, EV_REAP, TEST_ANY), 1);
	ck_assert_int_eq(test_log_count(log, 1, EV_SYSCALL_EXIT, SYS_getppid),
	                 1);
	utrace_engine_put(t2->engine);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);
	ck_assert_int_eq(test_releases(t2), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- utrace_barrier() after utrace_set_events(0) ------------------------ */

static uint32_t
count_getppid(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, const struct test_ev *ev, void *payload,
              uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid) {
		__atomic_add_fetch(&te->hits, 1, __ATOMIC_SEQ_CST);
		test_log_kick(te->log);
	}
	return ret;
}

static bool
five_hits(void *arg)
{
	struct test_engine *te = arg;

	return __atomic_load_n(&te->hits, __ATOMIC_SEQ_CST) >= 5;
}

struct barrier_call {
	struct utrace_task *task;
	struct utrace_engine *engine;
	int rc;
};

static void *
barrier_thread(void *arg)
{
	struct barrier_call *b = arg;

	b->rc = utrace_barrier(b->task, b->engine);
	return NULL;
}

START_TEST(barrier_after_clearing_events)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct barrier_call b;
	struct utrace *u;
	int ctl[2];
	int hits;
	int status;

	u = test_new(NULL);
	test_pipe(ctl, 0);
	task = test_spawn(u, test_fmt("spin:%d", ctl[0]), "exit:0", NULL);
	test_close(ctl[0]);
	t1 = test_engine_new(1, count_getppid);
	t1->quiet = true;
	t2 = test_engine_new(2, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT_SYSCALL);
	e2 = test_attach(task, t2, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_msg(test_log_wait_pred(log, five_hits, t1),
	              "engine 1 saw %d getppid calls", t1->hits);

	ck_assert_int_eq(utrace_set_events(task, e1, 0), 0);
	hits = __atomic_load_n(&t1->hits, __ATOMIC_SEQ_CST);
	b.task = task;
	b.engine = e1;
	b.rc = 1;
	test_on_thread(barrier_thread, &b);
	ck_assert_int_eq(b.rc, 0);
	ck_assert_int_eq(__atomic_load_n(&t1->hits, __ATOMIC_SEQ_CST), hits);

	ck_assert_int_eq(write(ctl[1], "x", 1), 1);
	test_close(ctl[1]);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(__atomic_load_n(&t1->hits, __ATOMIC_SEQ_CST) == hits,
	              "engine 1 called after set_events(0): %d then %d calls",
	              hits, t1->hits);
	ck_assert_int_eq(test_log_count(log, 2, EV_DEATH, TEST_ANY), 1);
	ck_assert_int_eq(test_log_count(log, 2, EV_REAP, TEST_ANY), 1);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- SIGKILL while an engine holds the task ----------------------------- */

START_TEST(sigkill_while_held)
{
	struct test_log *log = test_log();
	struct test_engine *te[3];
	struct utrace_engine *e[3];
	struct utrace_task *task;
	struct utrace *u;
	size_t n;
	size_t i;
	pid_t pid;
	int status;
	int k;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "exit:0", NULL);
	pid = utrace_task_tid(task);
	for (k = 0; k < 3; k++) {
		te[k] = test_engine_new(k + 1,
		                        k == 1 ? hold_getppid_entry : NULL);
		test_engine_only(te[k], SYS_getppid);
		e[k] = test_attach(task, te[k],
		                   SYSCALL_REPORTS | UTRACE_EVENT(EXIT));
	}
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getppid, 1),
	              "no getppid entry report\n%s", test_log_dump(log));
	expect_held(pid);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);

	status = test_wait(task);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert(utrace_task_is_dead(task));

	/* getppid never ran; each engine: at most one exit report, then
	 * exactly one death and one reap, and these come last. */
	n = test_log_n(log);
	ck_assert_msg(test_log_count(log, 0, EV_SYSCALL_EXIT, TEST_ANY) == 0,
	              "the held syscall ran\n%s", test_log_dump(log));
	ck_assert_msg(n >= 6, "%s", test_log_dump(log));
	for (k = 0; k < 3; k++) {
		long exit_at = test_log_find(log, 0, k + 1, EV_EXIT, TEST_ANY);

		ck_assert_msg(test_log_count(log, k + 1, EV_EXIT, TEST_ANY) <=
		                              1 &&
		                      (exit_at < 0 ||
		                       log->ev[exit_at].status == SIGKILL),
		              "E%d exit report\n%s", k + 1, test_log_dump(log));
		ck_assert_int_eq(test_log_count(log, k + 1, EV_DEATH, TEST_ANY),
		                 1);
		ck_assert_int_eq(test_log_count(log, k + 1, EV_REAP, TEST_ANY),
		                 1);
	}
	i = n - 6;
	for (k = 0; k < 3; k++) {
		ck_assert_msg(test_ev_match(&log->ev[i + k], k + 1, EV_DEATH,
		                            TEST_ANY) &&
		                      log->ev[i + k].status == SIGKILL &&
		                      log->ev[i + k].group_dead,
		              "#%zu: expected E%d death by SIGKILL\n%s", i + k,
		              k + 1, test_log_dump(log));
		ck_assert_msg(test_ev_match(&log->ev[i + 3 + k], k + 1, EV_REAP,
		                            TEST_ANY),
		              "#%zu: expected E%d reap last\n%s", i + 3 + k,
		              k + 1, test_log_dump(log));
	}

	ck_assert_int_eq(utrace_control(task, e[1], UTRACE_RESUME), -ESRCH);
	for (k = 0; k < 3; k++) {
		utrace_engine_put(e[k]);
		ck_assert_int_eq(test_releases(te[k]), 1);
	}
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(sigkill_before_start)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	ck_assert_int_eq(kill(utrace_task_tid(task), SIGKILL), 0);
	status = test_wait(task);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "status %#x", status);
	ck_assert_msg(
		test_log_n(log) == 2 &&
			test_ev_match(&log->ev[0], 1, EV_DEATH, TEST_ANY) &&
			log->ev[0].status == SIGKILL &&
			test_ev_match(&log->ev[1], 1, EV_REAP, TEST_ANY),
		"expected death and reap\n%s", test_log_dump(log));
	ck_assert_int_eq(utrace_task_start(task), -ESRCH);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- exit status ------------------------------------------------------ */

START_TEST(exit_status)
{
	struct test_engine *t1;
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct utrace *u;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "exit:7", NULL);
	if (_i == 0) {
		t1 = test_engine_new(1, NULL);
		e1 = test_attach(task, t1, SYSCALL_REPORTS);
	}
	/* Without engines the task is detached at start. */
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 7,
	              "status %#x", status);
	if (_i == 0) {
		ck_assert_int_eq(
			test_log_count(test_log(), 1, EV_DEATH, TEST_ANY), 1);
		utrace_engine_put(e1);
		ck_assert_int_eq(test_releases(t1), 1);
	}
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- job control: group stop and SIGCONT ------------------------------- */

START_TEST(group_stop)
{
	const uint64_t events = UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(JCTL) |
	                        UTRACE_EVENT(SYSCALL_ENTRY) |
	                        UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];
	char state;
	pid_t pid;
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "raise:STOP", "ppid",
	                  "exit:0", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, NULL);
	test_engine_only(t1, SYS_getppid);
	e1 = test_attach(task, t1, events);
	test_start(task);

	ck_assert_msg(test_log_wait(log, 1, EV_JCTL, CLD_STOPPED, 1),
	              "no group stop report\n%s", test_log_dump(log));
	state = test_proc_state(pid);
	ck_assert_msg(state == 't' || state == 'T', "state %c", state);
	ck_assert_msg(test_log_n(log) == 2, "%s", test_log_dump(log));
	expect_ev(log, 0, 1, EV_SIGNAL, SIGSTOP,
	          UTRACE_RESUME | UTRACE_SIGNAL_STOP);
	ck_assert_msg(log->ev[1].signo == SIGSTOP, "%s", test_log_dump(log));

	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("raise 0\nppid %d\n", (int)getpid()));

	ck_assert_msg(test_log_n(log) == 7, "%s", test_log_dump(log));
	ck_assert_msg(test_ev_match(&log->ev[2], 1, EV_JCTL, CLD_CONTINUED) &&
	                      log->ev[2].signo == SIGCONT,
	              "#2: expected jctl CLD_CONTINUED SIGCONT\n%s",
	              test_log_dump(log));
	expect_ev(log, 3, 1, EV_SIGNAL, SIGCONT,
	          UTRACE_RESUME | UTRACE_SIGNAL_IGN);
	expect_ev(log, 4, 1, EV_SYSCALL_ENTRY, SYS_getppid, UTRACE_RESUME);
	ck_assert(test_ev_match(&log->ev[5], 1, EV_DEATH, TEST_ANY));
	ck_assert(test_ev_match(&log->ev[6], 1, EV_REAP, TEST_ANY));
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- utrace_control() on a task running (blocked in read) -------------- */

static uint32_t
quiesce_answer(struct test_engine *te, struct utrace_engine *engine,
               struct utrace_task *task, const struct test_ev *ev,
               void *payload, uint32_t ret)
{
	if (ev->kind == EV_QUIESCE && ev->event == 0)
		return (uint32_t)te->state;
	return ret;
}

START_TEST(control_running_task)
{
	static const enum utrace_resume_action actions[] = {
		UTRACE_STOP,
		UTRACE_REPORT,
		UTRACE_INTERRUPT,
	};
	enum utrace_resume_action action = actions[_i];
	struct test_log *log = test_log();
	struct test_engine *t2;
	struct test_engine *t3;
	struct utrace_engine *e2;
	struct utrace_engine *e3;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];
	int data[2];
	pid_t pid;
	int status;
	int k;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "say:ready",
	                  test_fmt("read:%d", data[0]), "exit:0", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t2 = test_engine_new(2, quiesce_answer);
	t2->state = action == UTRACE_STOP ? UTRACE_STOP : UTRACE_RESUME;
	t3 = test_engine_new(3, NULL);
	e2 = test_attach(task, t2,
	                 UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	e3 = test_attach(task, t3, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);

	/* No engine asks for stops: once it says "ready" the task runs
	 * freely into the read. */
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	ck_assert_int_eq(utrace_control(task, e2, action), -EINPROGRESS);
	ck_assert_msg(test_log_wait(log, 2, EV_QUIESCE, 0, 1),
	              "no report_quiesce(0) after %d\n%s", action,
	              test_log_dump(log));
	if (action == UTRACE_STOP) {
		expect_held(pid);
		/* Held: the byte waits in the pipe until the release. */
		ck_assert_int_eq(write(data[1], "x", 1), 1);
		expect_held(pid);
		ck_assert_int_eq(utrace_control(task, e2, UTRACE_RESUME), 0);
	} else {
		ck_assert_int_eq(write(data[1], "x", 1), 1);
	}
	test_close(data[1]);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "status %#x\n%s", status, test_log_dump(log));
	/* The interrupted read was restarted, not failed with EINTR. */
	ck_assert_str_eq(test_read_all(rep[0]), "read 1 x\n");

	/* E2: quiesce(0), quiesce(DEATH), death; E3: death; then reaps. */
	ck_assert_msg(
		test_log_n(log) == 6 &&
			test_ev_match(&log->ev[0], 2, EV_QUIESCE, 0) &&
			test_ev_match(&log->ev[1], 2, EV_QUIESCE,
	                              (int64_t)UTRACE_EVENT(DEATH)) &&
			test_ev_match(&log->ev[2], 2, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[3], 3, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[4], 2, EV_REAP, TEST_ANY) &&
			test_ev_match(&log->ev[5], 3, EV_REAP, TEST_ANY),
		"%s", test_log_dump(log));
	for (k = 2; k < 4; k++)
		ck_assert_int_eq(log->ev[k].status, 0);
	utrace_engine_put(e2);
	utrace_engine_put(e3);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * Detaching the last engine of a running task: the ptrace detach waits
 * for the next stop (-EINPROGRESS), no callback runs after the barrier,
 * and the spawned task's status is still collected.
 */
START_TEST(detach_last_engine_running)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "say:ready",
	                  test_fmt("read:%d", data[0]), "ppid", "exit:9", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	t2 = test_engine_new(2, NULL);
	e2 = test_attach(task, t2, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	/* Not the last engine: detached at once. */
	ck_assert_int_eq(utrace_control(task, e2, UTRACE_DETACH), 0);
	ck_assert_int_eq(utrace_control(task, e2, UTRACE_RESUME), -ESRCH);
	utrace_engine_put(e2);
	ck_assert_int_eq(test_releases(t2), 1);
	/* The last one: the ptrace detach waits for the next stop. */
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_DETACH), -EINPROGRESS);
	ck_assert_int_eq(utrace_barrier(task, e1), 0);
	/* Enabling syscall reports would interrupt a task: not for a
	 * detached engine. */
	ck_assert_int_eq(utrace_set_events(task, e1, UTRACE_EVENT_SYSCALL),
	                 -ESRCH);
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 9,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("read 1 x\nppid %d\n", (int)getpid()));
	/* Only the release of E2's put: no callback of either engine. */
	ck_assert_msg(
		test_log_n(log) == 1 &&
			test_ev_match(&log->ev[0], 2, EV_RELEASE, TEST_ANY),
		"callbacks after the detach\n%s", test_log_dump(log));
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), -ESRCH);
	ck_assert_int_eq(test_releases(t1), 0);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- spawning and starting a task from a callback ---------------------- */

struct spawn_req {
	struct utrace *u;
	char *argv[4];
	struct utrace_task *task;
	int rc_spawn;
	int rc_start;
};

static uint32_t
spawn_at_getppid(struct test_engine *te, struct utrace_engine *engine,
                 struct utrace_task *task, const struct test_ev *ev,
                 void *payload, uint32_t ret)
{
	struct spawn_req *req = te->priv;
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL,
	};

	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != SYS_getppid || te->state)
		return ret;
	te->state = 1;
	req->rc_spawn =
		utrace_spawn(req->u, req->argv, NULL, &opts, &req->task);
	if (req->rc_spawn == 0)
		req->rc_start = utrace_task_start(req->task);
	return ret;
}

START_TEST(spawn_from_callback)
{
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct spawn_req req;
	struct utrace_task *found = NULL;
	struct utrace *u;
	int status;

	u = test_new(NULL);
	memset(&req, 0, sizeof(req));
	req.u = u;
	req.argv[0] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	req.argv[1] = (char *)"exit:4";
	req.rc_spawn = req.rc_start = 1;
	task = test_spawn(u, "ppid", "exit:0", NULL);
	t1 = test_engine_new(1, spawn_at_getppid);
	t1->priv = &req;
	t1->quiet = true;
	e1 = test_attach(task, t1, UTRACE_EVENT(SYSCALL_ENTRY));
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(req.rc_spawn, 0);
	ck_assert(req.task != NULL);
	test_track_pid(utrace_task_tid(req.task));
	ck_assert_int_eq(req.rc_start, 0);
	status = test_wait(req.task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 4,
	              "status %#x", status);
	/* The finished tasks are no longer traced. */
	ck_assert_int_eq(
		utrace_task_lookup(u, utrace_task_tid(req.task), &found),
		-ESRCH);
	ck_assert(found == NULL);
	utrace_task_put(req.task);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(task_lookup)
{
	struct utrace_task *task;
	struct utrace_task *found = NULL;
	struct utrace *u;
	pid_t pid;

	u = test_new(NULL);
	task = test_spawn(u, "exit:0", NULL);
	pid = utrace_task_tid(task);
	ck_assert_int_eq(utrace_task_tgid(task), pid);
	ck_assert(!utrace_task_is_dead(task));
	ck_assert_int_eq(utrace_task_lookup(u, pid, &found), 0);
	ck_assert_ptr_eq(found, task);
	ck_assert_ptr_eq(utrace_task_get(found), task);
	utrace_task_put(found);
	utrace_task_put(found);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- REPORT returned from a callback ---------------------------------- */

static uint32_t
report_at_getppid(struct test_engine *te, struct utrace_engine *engine,
                  struct utrace_task *task, const struct test_ev *ev,
                  void *payload, uint32_t ret)
{
	enum test_ev_kind when = te->state ? EV_SYSCALL_EXIT : EV_SYSCALL_ENTRY;

	if (ev->kind == when && ev->nr == SYS_getppid && !te->hits) {
		te->hits = 1;
		return UTRACE_REPORT | (ret & UTRACE_SYSCALL_MASK);
	}
	return ret;
}

/*
 * _i 0: REPORT at syscall entry repeats the entry report (RESUMED) for
 * every engine; _i 1: REPORT at syscall exit gives one report_quiesce(0).
 */
START_TEST(report_from_callback)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	long at;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "exit:0", NULL);
	t1 = test_engine_new(1, report_at_getppid);
	t1->state = _i;
	t1->quiet_quiesce = _i == 0;
	test_engine_only(t1, SYS_getppid);
	t2 = test_engine_new(2, NULL);
	test_engine_only(t2, SYS_getppid);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(QUIESCE) | UTRACE_EVENT_SYSCALL);
	e2 = test_attach(task, t2, UTRACE_EVENT_SYSCALL);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);

	if (_i == 0) {
		ck_assert_msg(test_log_n(log) == 6, "%s", test_log_dump(log));
		expect_ev(log, 0, 2, EV_SYSCALL_ENTRY, SYS_getppid,
		          UTRACE_RESUME);
		expect_ev(log, 1, 1, EV_SYSCALL_ENTRY, SYS_getppid,
		          UTRACE_RESUME);
		expect_ev(log, 2, 2, EV_SYSCALL_ENTRY, SYS_getppid,
		          UTRACE_RESUME | UTRACE_SYSCALL_RESUMED);
		expect_ev(log, 3, 1, EV_SYSCALL_ENTRY, SYS_getppid,
		          UTRACE_RESUME | UTRACE_SYSCALL_RESUMED);
		expect_ev(log, 4, 1, EV_SYSCALL_EXIT, SYS_getppid,
		          UTRACE_RESUME);
		expect_ev(log, 5, 2, EV_SYSCALL_EXIT, SYS_getppid,
		          UTRACE_RESUME);
	} else {
		at = test_log_find(log, 0, 1, EV_SYSCALL_EXIT, SYS_getppid);
		ck_assert_msg(at >= 0 && log->ev[at].ret == UTRACE_REPORT, "%s",
		              test_log_dump(log));
		expect_ev(log, (size_t)at + 1, 2, EV_SYSCALL_EXIT, SYS_getppid,
		          UTRACE_REPORT);
		expect_ev(log, (size_t)at + 2, 1, EV_QUIESCE, 0, UTRACE_RESUME);
		ck_assert_msg(
			test_log_count(log, 0, EV_QUIESCE, 0) == 1,
			"exactly one report_quiesce(0)\n%s",
			test_log_dump_range(log, (size_t)at, (size_t)at + 12));
		ck_assert_int_eq(
			test_log_count(log, 0, EV_SYSCALL_ENTRY, SYS_getppid),
			2);
	}
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- the exit stop is never held ---------------------------------------- */

static uint32_t
hold_exit(struct test_engine *te, struct utrace_engine *engine,
          struct utrace_task *task, const struct test_ev *ev, void *payload,
          uint32_t ret)
{
	return ev->kind == EV_EXIT ? UTRACE_STOP : ret;
}

/*
 * STOP from report_exit() counts as RESUME: the task dies without a
 * release.  _i 0: exit(5); _i 1: SIGKILL.
 */
START_TEST(exit_stop_not_held)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int expect = _i ? SIGKILL : 5 << 8;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, _i ? "raise:KILL" : "exit:5", NULL);
	t1 = test_engine_new(1, hold_exit);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == expect, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_msg(
		test_log_n(log) == 3 &&
			test_ev_match(&log->ev[0], 1, EV_EXIT, TEST_ANY) &&
			log->ev[0].status == expect &&
			log->ev[0].ret == UTRACE_STOP &&
			test_ev_match(&log->ev[1], 1, EV_DEATH, TEST_ANY) &&
			log->ev[1].status == expect &&
			test_ev_match(&log->ev[2], 1, EV_REAP, TEST_ANY),
		"%s", test_log_dump(log));
	/* The hold ended with the task. */
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), -ESRCH);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- clone: following a fork child, held from report_clone ------------- */

static uint32_t
follow_child(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	struct test_engine *ce = te->priv;
	struct utrace_task *child = payload;

	if (ev->kind != EV_CLONE || ce->task)
		return ret;
	ce->task = utrace_task_get(child);
	te->rc[0] = utrace_attach_task(child, UTRACE_ATTACH_CREATE,
	                               &test_engine_ops, ce, &ce->engine);
	if (te->rc[0] == 0) {
		te->rc[1] = utrace_set_events(child, ce->engine,
		                              UTRACE_EVENT(SYSCALL_ENTRY) |
		                                      UTRACE_EVENT(DEATH) |
		                                      UTRACE_EVENT(REAP));
		te->rc[2] = utrace_control(child, ce->engine, UTRACE_STOP);
	}
	return ret;
}

START_TEST(clone_follow_child)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	size_t n;
	size_t i;
	pid_t child_tid;
	long ex;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "fork:3", "exit:0",
	                  NULL);
	test_close(rep[1]);
	t1 = test_engine_new(1, follow_child);
	t2 = test_engine_new(2, NULL);
	t1->priv = t2;
	t1->rc[0] = t1->rc[1] = t1->rc[2] = 1;
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_CLONE, TEST_ANY, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(t1->rc[0], 0);
	ck_assert_int_eq(t1->rc[1], 0);
	ck_assert_int_eq(t1->rc[2], 0);
	ck_assert(t2->task != NULL);
	child_tid = utrace_task_tid(t2->task);
	ck_assert_int_gt(child_tid, 0);
	ck_assert_int_ne(child_tid, utrace_task_tid(task));
	ck_assert_int_eq(log->ev[0].code, UTRACE_CLONE_FORK);
	ck_assert_int_eq(log->ev[0].other, child_tid);
	/* Held: nothing of the child so far. */
	ck_assert_msg(test_log_count(log, 2, EV_SYSCALL_ENTRY, TEST_ANY) == 0,
	              "the held child ran\n%s", test_log_dump(log));
	ck_assert_int_eq(
		control_from_thread(t2->task, t2->engine, UTRACE_RESUME), 0);

	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]), "fork 768\n");
	status = test_wait(t2->task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	              "child status %#x\n%s", status, test_log_dump(log));

	/* The child's reports: its syscalls up to exit_group(3), then
	 * death and reap, all for the child's tid. */
	n = test_log_n(log);
	for (i = 0; i < n; i++)
		if (log->ev[i].engine == 2 && log->ev[i].kind != EV_RELEASE)
			ck_assert_msg(log->ev[i].tid == child_tid,
			              "#%zu: E2 report for another task\n%s", i,
			              test_log_dump(log));
	ex = test_log_find(log, 0, 2, EV_SYSCALL_ENTRY, SYS_exit_group);
	ck_assert_msg(ex >= 0 && log->ev[ex].args[0] == 3, "%s",
	              test_log_dump(log));
	ck_assert_msg(test_log_find(log, (size_t)ex + 1, 2, EV_SYSCALL_ENTRY,
	                            TEST_ANY) < 0 &&
	                      test_log_find(log, (size_t)ex, 2, EV_DEATH,
	                                    TEST_ANY) >= 0 &&
	                      test_log_count(log, 2, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_REAP, TEST_ANY) == 1,
	              "%s", test_log_dump(log));
	ck_assert_int_eq(
		log->ev[test_log_find(log, 0, 2, EV_DEATH, TEST_ANY)].status,
		3 << 8);
	ck_assert_int_eq(test_log_count(log, 1, EV_CLONE, TEST_ANY), 1);
	utrace_engine_put(t2->engine);
	utrace_task_put(t2->task);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- UTRACE_ATTACH_FOLLOW: the engine comes with every child ------------ */

static uint32_t
check_follow(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	struct utrace_task *child = payload;
	struct utrace_engine *found = NULL;

	if (ev->kind != EV_CLONE || te->priv)
		return ret;
	te->priv = utrace_task_get(child);
	/* Already attached when report_clone() runs. */
	te->rc[0] = utrace_attach_task(
		child, UTRACE_ATTACH_MATCH_OPS | UTRACE_ATTACH_MATCH_DATA,
		&test_engine_ops, te, &found);
	te->rc[1] = found != NULL && found != engine;
	utrace_engine_put(found);
	return ret;
}

START_TEST(follow_children)
{
	struct test_log *log = test_log();
	struct utrace_task *child;
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	pid_t pid;
	pid_t cpid;
	long ex;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "fork:3", "exit:0",
	                  NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, check_follow);
	t1->rc[0] = t1->rc[1] = 12345;
	test_engine_only(t1, SYS_exit_group);
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, t1, &e1),
		0);
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(SYSCALL_ENTRY) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]), "fork 768\n");
	child = t1->priv;
	ck_assert(child != NULL);
	cpid = utrace_task_tid(child);
	ck_assert_int_eq(t1->rc[0], 0);
	ck_assert_int_eq(t1->rc[1], 1);
	status = test_wait(child);
	ck_assert_int_eq(status, 3 << 8);

	/* The child's own engine: exit_group(3), death, reap. */
	ex = test_log_find(log, 0, 1, EV_SYSCALL_ENTRY, SYS_exit_group);
	while (ex >= 0 && log->ev[ex].tid != cpid)
		ex = test_log_find(log, (size_t)ex + 1, 1, EV_SYSCALL_ENTRY,
		                   SYS_exit_group);
	ck_assert_msg(ex >= 0 && log->ev[ex].args[0] == 3, "%s",
	              test_log_dump(log));
	ck_assert_msg(test_log_count(log, 1, EV_DEATH, TEST_ANY) == 2 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 2 &&
	                      test_log_count(log, 1, EV_CLONE, TEST_ANY) == 1,
	              "%s", test_log_dump(log));
	ck_assert_msg(
		log->ev[test_log_find(log, 0, 1, EV_CLONE, TEST_ANY)].tid ==
			pid,
		"%s", test_log_dump(log));
	/* Two engines: the child's went with its reap, ours goes now. */
	ck_assert_int_eq(test_releases(t1), 1);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 2);
	utrace_task_put(child);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- exec ---------------------------------------------------------------- */

START_TEST(exec_report)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	char *real;
	pid_t pid;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "pid", "exec",
	                  "ppid", "exit:5", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	real = realpath(test_helper("tracee-ops"), NULL);
	ck_assert(real != NULL);
	t1 = test_engine_new(1, NULL);
	test_engine_only(t1, SYS_getppid);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(EXEC) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                         UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 5,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert_str_eq(
		test_read_all(rep[0]),
		test_fmt("pid %d\nppid %d\n", (int)pid, (int)getpid()));
	ck_assert_msg(
		test_log_n(log) == 4 &&
			test_ev_match(&log->ev[0], 1, EV_EXEC, TEST_ANY) &&
			strcmp(log->ev[0].str, real) == 0 &&
			log->ev[0].other == pid && log->ev[0].tid == pid &&
			test_ev_match(&log->ev[1], 1, EV_SYSCALL_ENTRY,
	                              SYS_getppid) &&
			test_ev_match(&log->ev[2], 1, EV_DEATH, TEST_ANY) &&
			test_ev_match(&log->ev[3], 1, EV_REAP, TEST_ANY),
		"expected exec of %s\n%s", real, test_log_dump(log));
	free(real);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- enabling syscall reports on a running task ------------------------- */

START_TEST(set_events_on_running_task)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	long first;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "say:ready",
	                  test_fmt("read:%d", data[0]), "ppid", "exit:0", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	t1 = test_engine_new(1, NULL);
	test_engine_only(t1, SYS_read, SYS_getppid);
	e1 = test_attach(task, t1, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(SYSCALL_ENTRY) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("read 1 x\nppid %d\n", (int)getpid()));
	/*
	 * getppid was the next syscall after the interrupt.  Whether the
	 * read shows up depends on the race between the interrupt and the
	 * byte: a read that got its byte first completes untraced.
	 */
	ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_getppid) ==
	                      1,
	              "%s", test_log_dump(log));
	first = test_log_find(log, 0, 1, EV_SYSCALL_ENTRY, TEST_ANY);
	ck_assert_msg(log->ev[first].nr == SYS_getppid ||
	                      (log->ev[first].nr == SYS_read &&
	                       log->ev[first].args[0] == (uint64_t)data[0]),
	              "%s", test_log_dump(log));
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * The exit stop is a stop like any other: it happens only while some
 * engine wants EXIT reports (PTRACE_O_TRACEEXIT is set and cleared as
 * engines come and go).  _i == 0: an engine that hears every report
 * (QUIESCE) but not EXIT gets none for the exit, and the death status.  _i == 1: EXIT is asked for
 * while the task runs untraced in a read(); the library interrupts it to
 * turn the exit stop on, and the exit is reported with its status.
 */
START_TEST(exit_stop_only_when_wanted)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	long exit_at;
	long death_at;
	size_t i;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "say:ready",
	                  test_fmt("read:%d", data[0]), "exit:5", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1,
	                 (_i == 0 ? UTRACE_EVENT(QUIESCE) : 0) |
	                         UTRACE_EVENT(DEATH));
	test_start(task);
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	if (_i == 1)
		ck_assert_int_eq(utrace_set_events(task, e1,
		                                   UTRACE_EVENT(EXIT) |
		                                           UTRACE_EVENT(DEATH)),
		                 0);
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 5,
	              "status %#x", status);

	death_at = test_log_find(log, 0, 1, EV_DEATH, TEST_ANY);
	ck_assert_msg(death_at >= 0, "%s", test_log_dump(log));
	ck_assert_int_eq(log->ev[death_at].status, status);
	if (_i == 0) {
		for (i = 0; i < test_log_n(log); i++)
			ck_assert_msg(log->ev[i].kind != EV_EXIT &&
			                      !(log->ev[i].kind == EV_QUIESCE &&
			                        log->ev[i].event ==
			                                UTRACE_EVENT(EXIT)),
			              "an exit report nobody asked for:\n%s",
			              test_log_dump(log));
	} else {
		ck_assert_int_eq(test_log_count(log, 1, EV_EXIT, TEST_ANY), 1);
		exit_at = test_log_find(log, 0, 1, EV_EXIT, TEST_ANY);
		ck_assert_int_lt(exit_at, death_at);
		ck_assert_int_eq(log->ev[exit_at].status, status);
	}
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- two contexts side by side ------------------------------------------ */

START_TEST(two_contexts)
{
	struct test_log *log = test_log();
	struct test_engine *te[2];
	struct utrace_engine *e[2];
	struct utrace_task *task[2];
	struct utrace *u[2];
	size_t n;
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		u[k] = test_new(NULL);
		task[k] = test_spawn(u[k], "ppid", "ppid",
		                     test_fmt("exit:%d", k + 1), NULL);
		te[k] = test_engine_new(k + 1, NULL);
		test_engine_only(te[k], SYS_getppid);
		e[k] = test_attach(task[k], te[k], SYSCALL_REPORTS);
	}
	test_start(task[0]);
	test_start(task[1]);
	for (k = 0; k < 2; k++) {
		int status = test_wait(task[k]);

		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == k + 1,
		              "status %#x", status);
	}
	n = test_log_n(log);
	for (i = 0; i < n; i++)
		ck_assert_msg(
			log->ev[i].tid ==
				utrace_task_tid(task[log->ev[i].engine - 1]),
			"#%zu: report for the wrong task\n%s", i,
			test_log_dump(log));
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(test_log_count(log, k + 1, EV_SYSCALL_EXIT,
		                                SYS_getppid),
		                 2);
		ck_assert_int_eq(test_log_count(log, k + 1, EV_REAP, TEST_ANY),
		                 1);
		utrace_engine_put(e[k]);
		utrace_task_put(task[k]);
	}
	test_free(u[1]);
	test_free(u[0]);
}
END_TEST

static Suite *
core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = test_tcase(s, "order");
	tcase_add_test(tc, order_three_engines);
	tc = test_tcase(s, "hold");
	tcase_add_test(tc, hold_entry_release_from_thread);
	tcase_add_test(tc, stop_other_engine_in_pass);
	tcase_add_loop_test(tc, control_running_task, 0, 3);
	tcase_add_test(tc, detach_last_engine_running);
	tc = test_tcase(s, "attach-detach");
	tcase_add_loop_test(tc, detach_in_callback, DETACH_BY_RETURN,
	                    DETACH_LAST_REF + 1);
	tcase_add_test(tc, attach_in_callback);
	tcase_add_test(tc, barrier_after_clearing_events);
	tc = test_tcase(s, "death");
	tcase_add_test(tc, sigkill_while_held);
	tcase_add_test(tc, sigkill_before_start);
	tcase_add_loop_test(tc, exit_status, 0, 2);
	tcase_add_loop_test(tc, exit_stop_not_held, 0, 2);
	tc = test_tcase(s, "report");
	tcase_add_loop_test(tc, report_from_callback, 0, 2);
	tcase_add_test(tc, set_events_on_running_task);
	tcase_add_loop_test(tc, exit_stop_only_when_wanted, 0, 2);
	tc = test_tcase(s, "jctl");
	tcase_add_test(tc, group_stop);
	tc = test_tcase(s, "clone-exec");
	tcase_add_test(tc, clone_follow_child);
	tcase_add_test(tc, follow_children);
	tcase_add_test(tc, exec_report);
	tc = test_tcase(s, "tasks");
	tcase_add_test(tc, spawn_from_callback);
	tcase_add_test(tc, task_lookup);
	tcase_add_test(tc, two_contexts);
	return s;
}

TEST_MAIN(core_suite)
