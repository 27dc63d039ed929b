/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Detaching: a running process goes on untraced with its signals intact,
 * a stopped one stays stopped, a fork held in its report lets the child
 * go, a detached engine hears nothing more, and utrace_free() lets go of
 * tasks in every state without leaving one in a ptrace stop.
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

/* Nothing but releases after entry @n of the log. */
static void
expect_no_callbacks_after(struct test_log *log, size_t n)
{
	size_t total = test_log_n(log);
	size_t i;

	for (i = n; i < total; i++)
		ck_assert_msg(log->ev[i].kind == EV_RELEASE,
		              "#%zu: a callback after the detach returned\n%s",
		              i, test_log_dump(log));
}

/* ---- a running process --------------------------------------------- */

enum {
	RUNNING_PLAIN,
	RUNNING_SIGNAL_REPORTED, /* SIGUSR1 sent first; E1 hears signals */
	RUNNING_SIGNAL_UNHEARD,  /* SIGUSR1 sent first; nobody hears it */
	RUNNING_MAX,
};

/*
 * The tracee waits in read(); both engines detach from the test thread.
 * It goes on untraced (it reads its own TracerPid), and a SIGUSR1 sent
 * right before the detach runs its handler exactly once.
 */
START_TEST(detach_running)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t events =
		UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
	size_t n;
	pid_t pid;
	int rep[2];
	int data[2];
	int status;
	int r;

	if (_i != RUNNING_SIGNAL_UNHEARD)
		events |= UTRACE_EVENT_SIGNAL_ALL;
	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "catch:USR1",
	                  "say:ready", test_fmt("read:%d", data[0]), "tracer",
	                  test_fmt("read:%d", data[0]), "caught:USR1", "exit:0",
	                  NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, NULL);
	t2 = test_engine_new(2, NULL);
	e1 = test_attach(task, t1, events);
	e2 = test_attach(task, t2, UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");

	if (_i != RUNNING_PLAIN)
		ck_assert_int_eq(kill(pid, SIGUSR1), 0);
	ck_assert_int_eq(utrace_control(task, e2, UTRACE_DETACH), 0);
	r = utrace_control(task, e1, UTRACE_DETACH);
	/* Running: detached at its next stop; or stopped for the signal. */
	ck_assert_msg(r == -EINPROGRESS || r == 0, "detach: %d", r);
	n = test_log_n(log);

	ck_assert_int_eq(write(data[1], "x", 1), 1);
	ck_assert_str_eq(test_read_line(rep[0]), "read 1 x");
	ck_assert_str_eq(test_read_line(rep[0]), "tracer 0");
	ck_assert_int_eq(test_tracer_pid(pid), 0);
	ck_assert_int_ne(test_proc_state(pid), 't');
	test_close(data[1]);
	ck_assert_str_eq(test_read_line(rep[0]), "read 0 -");
	ck_assert_str_eq(
		test_read_line(rep[0]),
		test_fmt("caught USR1 %d %d", _i ? 1 : 0, _i ? SIGUSR1 : 0));
	/* A spawned task's status is still collected. */
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	expect_no_callbacks_after(log, n);
	ck_assert_int_eq(test_log_count(log, 0, EV_DEATH, TEST_ANY), 0);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), -ESRCH);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	ck_assert_int_eq(test_releases(t1), 1);
	ck_assert_int_eq(test_releases(t2), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a group-stopped process ------------------------------------------ */

static uint32_t
hold_group_stop(struct test_engine *te, struct utrace_engine *engine,
                struct utrace_task *task, const struct test_ev *ev,
                void *payload, uint32_t ret)
{
	if (ev->kind == EV_JCTL && ev->code == CLD_STOPPED)
		return UTRACE_STOP;
	return ret;
}

/*
 * Stopped by SIGSTOP, then the engine detaches: the process stays in its
 * group stop, now untraced ('T'), and SIGCONT continues it.  _i 0: a
 * spawned task held by its engine in the group stop (the detach happens
 * in the call); _i 1: a seized process left listening in the group stop
 * (detached at the interrupt that follows).
 */
START_TEST(detach_group_stopped)
{
	struct test_log *log = test_log();
	struct utrace_task **tasks = NULL;
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	pid_t pid;
	int rep[2];
	int data[2];
	int status;
	int r;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	if (_i == 0) {
		task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "say:ready",
		                  test_fmt("read:%d", data[0]), "say:after",
		                  "exit:0", NULL);
	} else {
		pid = test_fork_helper("tracee-ops", "-r",
		                       test_fmt("%d", rep[1]), "say:ready",
		                       test_fmt("read:%d", data[0]),
		                       "say:after", "exit:0", NULL);
		ck_assert_str_eq(test_read_line(rep[0]), "say ready");
		ck_assert_int_eq(utrace_seize(u, pid, NULL, &tasks), 0);
		task = tasks[0];
		ck_assert(tasks[1] == NULL);
		free(tasks);
	}
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, _i == 0 ? hold_group_stop : NULL);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(JCTL) | UTRACE_EVENT_SIGNAL_ALL |
	                         UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	if (_i == 0)
		ck_assert_str_eq(test_read_line(rep[0]), "say ready");

	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_msg(test_log_wait(log, 1, EV_JCTL, CLD_STOPPED, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(test_proc_state(pid), 't');
	r = utrace_control(task, e1, UTRACE_DETACH);
	if (_i == 0) {
		ck_assert_int_eq(r, 0);
	} else {
		ck_assert_int_eq(r, -EINPROGRESS);
		/* Seized: the wait ends when the library lets it go. */
		ck_assert_int_eq(utrace_task_wait(task, &status), -ESRCH);
	}
	/* The kernel wakes it on the detach; it stops again at once, by
	 * itself, without running its own code. */
	ck_assert_msg(test_wait_state(pid, "T") == 'T', "state %c after detach",
	              test_proc_state(pid));
	ck_assert_int_eq(test_tracer_pid(pid), 0);

	/* Still stopped: the byte waits. */
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_expect_quiet(rep[0], 250);
	ck_assert_int_eq(test_proc_state(pid), 'T');

	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	ck_assert_str_eq(test_read_line(rep[0]), "read 1 x");
	ck_assert_str_eq(test_read_line(rep[0]), "say after");
	if (_i == 0)
		status = test_wait(task);
	else
		status = test_reap(pid);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(test_log_count(log, 1, EV_JCTL, TEST_ANY) == 1 &&
	                      test_log_count(log, 1, EV_DEATH, TEST_ANY) == 0,
	              "%s", test_log_dump(log));
	test_close(data[1]);
	test_close(rep[0]);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- held at a fork report ---------------------------------------------- */

struct fork_hold {
	struct utrace_task *child;
	struct utrace_engine *child_engine;
	bool hold_child;
	int rc;
};

static uint32_t
hold_at_fork(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	struct fork_hold *h = te->priv;

	if (ev->kind != EV_CLONE || h->child)
		return ret;
	h->child = utrace_task_get(payload);
	h->rc = utrace_attach_task(
		payload, UTRACE_ATTACH_MATCH_OPS | UTRACE_ATTACH_MATCH_DATA,
		&test_engine_ops, te, &h->child_engine);
	if (h->rc == 0 && h->hold_child)
		h->rc = utrace_control(payload, h->child_engine, UTRACE_STOP);
	return UTRACE_STOP;
}

enum {
	FORK_PLAIN,         /* no engine follows the child */
	FORK_FOLLOW_HELD,   /* the child's FOLLOW engine holds it too */
	FORK_FOLLOW_TRACED, /* the child's engine stays, not holding */
	FORK_MAX,
};

/*
 * The parent is held at its fork report; then the test detaches the
 * parent's engine (and with FORK_FOLLOW_HELD the child's): the child is
 * not left stopped, it runs and exits, and says so through the pipe.
 */
START_TEST(detach_at_fork_report)
{
	struct test_log *log = test_log();
	struct fork_hold h = { 0 };
	struct test_engine *t1;
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct utrace *u;
	const char *line;
	pid_t pid;
	pid_t child;
	char state;
	int flags = UTRACE_ATTACH_CREATE;
	int rep[2];
	int data[2];
	int status;
	size_t n;

	if (_i != FORK_PLAIN)
		flags |= UTRACE_ATTACH_FOLLOW;
	h.hold_child = _i == FORK_FOLLOW_HELD;
	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "{fork", "say:child",
	                  "ppid", "}", "tracer", test_fmt("read:%d", data[0]),
	                  "say:parent", "exit:0", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, hold_at_fork);
	t1->priv = &h;
	test_engine_only(t1, SYS_getppid);
	ck_assert_int_eq(
		utrace_attach_task(task, flags, &test_engine_ops, t1, &e1), 0);
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(SYSCALL_ENTRY) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_CLONE, TEST_ANY, 1), "%s",
	              test_log_dump(log));
	child = utrace_task_tid(h.child);
	ck_assert_int_eq(h.rc, _i == FORK_PLAIN ? -ENOENT : 0);
	ck_assert_int_eq(test_proc_state(pid), 't');
	if (_i == FORK_FOLLOW_HELD) {
		state = test_wait_state(child, "t");
		ck_assert_msg(state == 't', "child in state %c",
		              test_proc_state(child));
	}

	ck_assert_int_eq(utrace_control(task, e1, UTRACE_DETACH), 0);
	if (_i == FORK_FOLLOW_HELD)
		ck_assert_int_eq(
			utrace_control(h.child, h.child_engine, UTRACE_DETACH),
			0);
	n = test_log_n(log);

	/* Both run to their end, the parent untraced. */
	ck_assert_str_eq(test_read_line(rep[0]), "say child");
	ck_assert_str_eq(test_read_line(rep[0]), test_fmt("ppid %d", (int)pid));
	line = test_read_line(rep[0]);
	ck_assert_str_eq(line, test_fmt("fork %d 0", (int)child));
	ck_assert_str_eq(test_read_line(rep[0]), "tracer 0");
	ck_assert_int_eq(test_tracer_pid(pid), 0);
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	ck_assert_str_eq(test_read_all(rep[0]), "read 1 x\nsay parent\n");
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	if (_i == FORK_FOLLOW_TRACED) {
		/* The child's own engine was not detached: it saw it all. */
		ck_assert_int_eq(test_wait(h.child), 0);
		ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY,
		                             SYS_getppid) == 1 &&
		                      test_log_count(log, 1, EV_DEATH,
		                                     TEST_ANY) == 1 &&
		                      log->ev[test_log_find(log, 0, 1, EV_DEATH,
		                                            TEST_ANY)]
		                                      .tid == child,
		              "%s", test_log_dump(log));
	} else {
		expect_no_callbacks_after(log, n);
		ck_assert_int_eq(
			test_log_count(log, 1, EV_SYSCALL_ENTRY, TEST_ANY), 0);
	}
	utrace_engine_put(h.child_engine);
	utrace_task_put(h.child);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a detached engine hears nothing more ------------------------------- */

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

/*
 * An engine with syscall reports detaches while the tracee spins on
 * getppid(); the tracee then makes 100 more calls and no callback runs.
 * _i 0: it was the only engine (the tracee is let go); _i 1: another
 * engine stays (the tracee stays traced).
 */
START_TEST(detach_syscall_engine)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2 = NULL;
	struct utrace_engine *e1;
	struct utrace_engine *e2 = NULL;
	struct utrace_task *task;
	struct utrace *u;
	const char *line;
	int ctl[2];
	int rep[2];
	int hits;
	int status;
	int r;

	u = test_new(NULL);
	test_pipe(ctl, 0);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
	                  test_fmt("spin:%d", ctl[0]), "ppids:100", "tracer",
	                  "exit:0", NULL);
	test_close(ctl[0]);
	test_close(rep[1]);
	t1 = test_engine_new(1, count_getppid);
	t1->quiet = true;
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT_SYSCALL | UTRACE_EVENT(EXIT) |
	                         UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	if (_i) {
		t2 = test_engine_new(2, NULL);
		e2 = test_attach(task, t2,
		                 UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	}
	test_start(task);
	ck_assert_msg(test_log_wait_pred(log, five_hits, t1),
	              "engine 1 saw %d getppid calls", t1->hits);

	r = utrace_control(task, e1, UTRACE_DETACH);
	ck_assert_msg(r == 0 || (r == -EINPROGRESS && !_i), "detach: %d", r);
	hits = __atomic_load_n(&t1->hits, __ATOMIC_SEQ_CST);
	ck_assert_int_eq(utrace_barrier(task, e1), 0);

	ck_assert_int_eq(write(ctl[1], "x", 1), 1);
	test_close(ctl[1]);
	ck_assert_str_eq(test_read_line(rep[0]), "spin");
	ck_assert_str_eq(test_read_line(rep[0]), "ppids 100");
	line = test_read_line(rep[0]);
	if (_i)
		ck_assert_msg(strcmp(line, "tracer 0") != 0, "%s", line);
	else
		ck_assert_str_eq(line, "tracer 0");
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(__atomic_load_n(&t1->hits, __ATOMIC_SEQ_CST) == hits,
	              "engine 1 called after its detach: %d then %d calls",
	              hits, t1->hits);
	/* Only E2 heard the end. */
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 0);
	ck_assert_int_eq(test_log_count(log, 2, EV_DEATH, TEST_ANY),
	                 _i ? 1 : 0);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- utrace_free() with tasks in every state ----------------------------- */

static uint32_t
hold_getppid(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid)
		return UTRACE_STOP | utrace_syscall_action(ev->action);
	return ret;
}

enum {
	ST_RUNNING,     /* spawned, spinning on getppid */
	ST_HELD,        /* spawned, held at a syscall entry */
	ST_STOPPED,     /* spawned, in a group stop */
	ST_READ,        /* spawned, blocked in read() */
	ST_NOT_STARTED, /* spawned, never started */
	ST_KEEP_HELD,   /* spawned with DETACH_ON_FREE, held at entry */
	ST_SEIZED,      /* seized, never started */
	ST_SEIZED_HELD, /* seized, started, held at entry */
	ST_MAX,
};

static const char *const state_names[ST_MAX] = {
	"running",   "held",          "group-stopped", "in read()",
	"unstarted", "kept and held", "seized",        "seized and held",
};

/*
 * One context with tasks in every state, then utrace_free(): the spawned
 * tasks are killed and reaped, DETACH_ON_FREE and seized ones are let go
 * alive (we end them by pid), and none is left in a ptrace stop.
 */
START_TEST(free_every_state)
{
	struct utrace_spawn_opts keep = {
		.size = sizeof(keep),
		.flags = UTRACE_SPAWN_EXITKILL | UTRACE_SPAWN_DETACH_ON_FREE,
	};
	struct test_log *log = test_log();
	struct utrace_task *task[ST_MAX];
	struct test_engine *te[ST_MAX];
	pid_t pid[ST_MAX];
	struct utrace *u;
	int rep[ST_MAX][2];
	int data[ST_MAX][2];
	int k;

	u = test_new(NULL);
	for (k = 0; k < ST_MAX; k++) {
		struct utrace_task **tasks = NULL;
		uint64_t events = UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
		test_decide_fn decide = NULL;
		const char *rd;
		const char *r;

		test_pipe(rep[k], 1);
		test_pipe(data[k], 0);
		r = test_fmt("%d", rep[k][1]);
		rd = test_fmt("read:%d", data[k][0]);
		switch (k) {
		case ST_RUNNING:
			task[k] = test_spawn(u, "-r", r, "say:ready",
			                     test_fmt("spin:%d", data[k][0]),
			                     "exit:0", NULL);
			events |= UTRACE_EVENT(SYSCALL_ENTRY);
			break;
		case ST_HELD:
			task[k] = test_spawn(u, "-r", r, "say:ready", "ppid",
			                     rd, "exit:0", NULL);
			events |= UTRACE_EVENT(SYSCALL_ENTRY);
			decide = hold_getppid;
			break;
		case ST_STOPPED:
			task[k] = test_spawn(u, "-r", r, "say:ready",
			                     "raise:STOP", rd, "exit:0", NULL);
			events |= UTRACE_EVENT(JCTL);
			break;
		case ST_READ:
		case ST_NOT_STARTED:
			task[k] = test_spawn(u, "-r", r, "say:ready", rd,
			                     "exit:0", NULL);
			break;
		case ST_KEEP_HELD: {
			char *argv[] = {
				(char *)test_fmt("%s",
				                 test_helper("tracee-ops")),
				(char *)"-r",
				(char *)r,
				(char *)"say:ready",
				(char *)"ppid",
				(char *)rd,
				(char *)"exit:0",
				NULL,
			};

			ck_assert_int_eq(
				utrace_spawn(u, argv, NULL, &keep, &task[k]),
				0);
			test_track_pid(utrace_task_tid(task[k]));
			events |= UTRACE_EVENT(SYSCALL_ENTRY);
			decide = hold_getppid;
			break;
		}
		case ST_SEIZED:
		case ST_SEIZED_HELD:
			/* The held one calls getppid() once we write. */
			pid[k] = test_fork_helper("tracee-ops", "-r", r,
			                          "say:ready", rd, "ppid", rd,
			                          "exit:0", NULL);
			ck_assert_str_eq(test_read_line(rep[k][0]),
			                 "say ready");
			ck_assert_int_eq(utrace_seize(u, pid[k], NULL, &tasks),
			                 0);
			task[k] = tasks[0];
			ck_assert(tasks[1] == NULL);
			free(tasks);
			if (k == ST_SEIZED_HELD) {
				events |= UTRACE_EVENT(SYSCALL_ENTRY);
				decide = hold_getppid;
			}
			break;
		}
		test_close(rep[k][1]);
		test_close(data[k][0]);
		pid[k] = utrace_task_tid(task[k]);
		te[k] = test_engine_new(k + 1, decide);
		test_engine_only(te[k], SYS_getppid);
		te[k]->quiet = k == ST_RUNNING;
		utrace_engine_put(test_attach(task[k], te[k], events));
		if (k == ST_NOT_STARTED || k == ST_SEIZED)
			continue;
		test_start(task[k]);
		if (k == ST_SEIZED_HELD)
			ck_assert_int_eq(write(data[k][1], "x", 1), 1);
		else
			ck_assert_str_eq(test_read_line(rep[k][0]),
			                 "say ready");
	}
	/* Wait until each one is where it should be. */
	ck_assert_msg(test_log_wait(log, ST_HELD + 1, EV_SYSCALL_ENTRY,
	                            SYS_getppid, 1) &&
	                      test_log_wait(log, ST_KEEP_HELD + 1,
	                                    EV_SYSCALL_ENTRY, SYS_getppid, 1) &&
	                      test_log_wait(log, ST_SEIZED_HELD + 1,
	                                    EV_SYSCALL_ENTRY, SYS_getppid, 1) &&
	                      test_log_wait(log, ST_STOPPED + 1, EV_JCTL,
	                                    CLD_STOPPED, 1),
	              "%s", test_log_dump(log));
	ck_assert_msg(test_wait_state(pid[ST_READ], "S") == 'S', "state %c",
	              test_proc_state(pid[ST_READ]));
	for (k = 0; k < ST_MAX; k++)
		utrace_task_put(task[k]);

	test_free(u);

	for (k = 0; k < ST_MAX; k++) {
		char state = test_proc_state(pid[k]);
		bool alive = k == ST_KEEP_HELD || k == ST_SEIZED ||
		             k == ST_SEIZED_HELD;

		ck_assert_msg(test_releases(te[k]) == 1,
		              "%s: engine released %d times", state_names[k],
		              test_releases(te[k]));
		if (!alive) {
			/* Killed and reaped by the library. */
			ck_assert_msg(state == '?',
			              "%s task %d left in state %c",
			              state_names[k], (int)pid[k], state);
			continue;
		}
		ck_assert_msg(state != 't' && state != '?' && state != 'Z',
		              "%s task %d in state %c after utrace_free()",
		              state_names[k], (int)pid[k], state);
		ck_assert_msg(test_tracer_pid(pid[k]) == 0,
		              "%s task %d still traced", state_names[k],
		              (int)pid[k]);
	}
	/* The held ones went on. */
	ck_assert_str_eq(test_read_line(rep[ST_KEEP_HELD][0]),
	                 test_fmt("ppid %d", (int)getpid()));
	ck_assert_str_eq(test_read_line(rep[ST_SEIZED_HELD][0]), "read 1 x");
	ck_assert_str_eq(test_read_line(rep[ST_SEIZED_HELD][0]),
	                 test_fmt("ppid %d", (int)getpid()));
	for (k = 0; k < ST_MAX; k++) {
		if (k == ST_KEEP_HELD || k == ST_SEIZED ||
		    k == ST_SEIZED_HELD) {
			ck_assert_int_eq(kill(pid[k], SIGKILL), 0);
			ck_assert_int_eq(test_reap(pid[k]), SIGKILL);
		}
		test_close(rep[k][0]);
		test_close(data[k][1]);
	}
}
END_TEST

/*
 * The smallest case of the above: a spawned UTRACE_SPAWN_DETACH_ON_FREE
 * task in a ptrace stop (_i 0: never started, 1: held at a syscall entry)
 * whose engine only the attachment keeps; utrace_free() lets it go on.
 */
START_TEST(free_keeps_stopped)
{
	struct utrace_spawn_opts keep = {
		.size = sizeof(keep),
		.flags = UTRACE_SPAWN_EXITKILL | UTRACE_SPAWN_DETACH_ON_FREE,
	};
	struct test_log *log = test_log();
	struct utrace_task *task = NULL;
	struct test_engine *t1;
	struct utrace *u;
	char *argv[6];
	pid_t pid;
	int rep[2];

	u = test_new(NULL);
	test_pipe(rep, 1);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	argv[1] = (char *)"-r";
	argv[2] = (char *)test_fmt("%d", rep[1]);
	argv[3] = (char *)"ppid";
	argv[4] = (char *)"exit:3";
	argv[5] = NULL;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &keep, &task), 0);
	pid = utrace_task_tid(task);
	test_track_pid(pid);
	test_close(rep[1]);
	t1 = test_engine_new(1, _i ? hold_getppid : NULL);
	test_engine_only(t1, SYS_getppid);
	utrace_engine_put(test_attach(task, t1, UTRACE_EVENT(SYSCALL_ENTRY)));
	if (_i) {
		test_start(task);
		ck_assert_msg(
			test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getppid, 1),
			"%s", test_log_dump(log));
	}
	ck_assert_int_eq(test_proc_state(pid), 't');
	utrace_task_put(task);
	test_free(u);
	ck_assert_int_eq(test_releases(t1), 1);
	ck_assert_int_eq(test_tracer_pid(pid), 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("ppid %d\n", (int)getpid()));
	ck_assert_int_eq(test_reap(pid), 3 << 8);
}
END_TEST

static Suite *
detach_suite(void)
{
	Suite *s = suite_create("detach");
	TCase *tc;

	tc = test_tcase(s, "detach");
	tcase_add_loop_test(tc, detach_running, 0, RUNNING_MAX);
	tcase_add_loop_test(tc, detach_group_stopped, 0, 2);
	tcase_add_loop_test(tc, detach_at_fork_report, 0, FORK_MAX);
	tcase_add_loop_test(tc, detach_syscall_engine, 0, 2);
	tc = test_tcase(s, "free");
	tcase_add_test(tc, free_every_state);
	tcase_add_loop_test(tc, free_keeps_stopped, 0, 2);
	return s;
}

TEST_MAIN(detach_suite)
