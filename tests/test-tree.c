/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process trees: report_clone() for every way of making a task, children
 * nobody claims, UTRACE_ATTACH_FOLLOW down to grandchildren, CLONE_UNTRACED,
 * holds around vfork, exec by the leader and by another thread, and a
 * leader that exits before its last thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define MAX_CLONES 16

/* What a report_clone() saw, beyond the log entry. */
struct clone_rec {
	pid_t parent;
	pid_t child;
	pid_t child_tgid;
	int kind;
	struct utrace_task *task; /* a reference */
	int follow_rc;            /* lookup of the child's own engine */
	bool follow_other;        /* found, and not the parent's engine */
};

struct clones {
	struct clone_rec rec[MAX_CLONES];
	int n;
	/* For child engines attached by record_clone(): */
	struct test_engine *child_te[MAX_CLONES];
	uint64_t child_events;
	bool hold_child;  /* utrace_control(child, STOP) */
	bool hold_parent; /* report_clone() answers STOP */
	int child_rc[MAX_CLONES];
};

static void
clones_put(struct clones *c)
{
	int i;

	for (i = 0; i < c->n; i++) {
		utrace_task_put(c->rec[i].task);
		c->rec[i].task = NULL;
	}
}

/*
 * Decide function of a parent engine (te->priv is a struct clones):
 * records each clone, attaches the next child engine if one is set up,
 * holds as told.
 */
static uint32_t
record_clone(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	struct clones *c = te->priv;
	struct utrace_task *child = payload;
	struct utrace_engine *found = NULL;
	struct test_engine *cte;
	struct clone_rec *r;

	if (ev->kind != EV_CLONE || !c || c->n >= MAX_CLONES)
		return ret;
	r = &c->rec[c->n];
	r->parent = utrace_task_tid(task);
	r->child = utrace_task_tid(child);
	r->child_tgid = utrace_task_tgid(child);
	r->kind = ev->code;
	r->task = utrace_task_get(child);
	r->follow_rc = utrace_attach_task(
		child, UTRACE_ATTACH_MATCH_OPS | UTRACE_ATTACH_MATCH_DATA,
		&test_engine_ops, te, &found);
	r->follow_other = found && found != engine;
	utrace_engine_put(found);
	cte = c->child_te[c->n];
	c->child_rc[c->n] = 12345;
	if (cte) {
		c->child_rc[c->n] =
			utrace_attach_task(child, UTRACE_ATTACH_CREATE,
		                           &test_engine_ops, cte, &cte->engine);
		if (c->child_rc[c->n] == 0) {
			cte->task = r->task;
			c->child_rc[c->n] = utrace_set_events(
				child, cte->engine, c->child_events);
		}
		if (c->child_rc[c->n] == 0 && c->hold_child)
			c->child_rc[c->n] =
				utrace_control(child, cte->engine, UTRACE_STOP);
	}
	c->n++;
	return c->hold_parent ? UTRACE_STOP : ret;
}

/* Parse "WORD A B" (B optional) from a report line. */
static void
parse_report(const char *line, const char *word, long *a, long *b)
{
	long v[2] = { LONG_MIN, LONG_MIN };

	ck_assert_msg(test_parse_report(line, word, v, 2) >= 1,
	              "expected a \"%s\" report, got \"%s\"", word, line);
	*a = v[0];
	*b = v[1];
}

/* Every task reported dead by @engine exactly once, each after its last
 * other event. */
static void
expect_one_death_each(struct test_log *log, int engine, const pid_t *tids,
                      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t k;
		size_t deaths = 0;
		size_t reaps = 0;
		size_t total = test_log_n(log);

		for (k = 0; k < total; k++) {
			const struct test_ev *ev = &log->ev[k];

			if (ev->engine != engine || ev->tid != tids[i])
				continue;
			if (ev->kind == EV_DEATH)
				deaths++;
			else if (ev->kind == EV_REAP)
				reaps++;
			else
				ck_assert_msg(deaths == 0,
				              "#%zu: event for %d after its "
				              "death\n%s",
				              k, (int)tids[i],
				              test_log_dump(log));
		}
		ck_assert_msg(deaths == 1 && reaps == 1,
		              "task %d: %zu deaths, %zu reaps\n%s",
		              (int)tids[i], deaths, reaps, test_log_dump(log));
	}
}

/* ---- every kind of new task ------------------------------------------ */

START_TEST(clone_kinds)
{
	static const struct {
		const char *report;
		int kind;
		bool thread;
	} expect[] = {
		{ "pthread", UTRACE_CLONE_THREAD, true },
		{ "vfork", UTRACE_CLONE_VFORK, false },
		{ "fork", UTRACE_CLONE_FORK, false },
		{ "clone", UTRACE_CLONE_FORK, false },
		{ "clone", UTRACE_CLONE_FORK, false },
		{ "clone", UTRACE_CLONE_FORK, false },
		{ "thread", UTRACE_CLONE_THREAD, true },
	};
	const size_t n_expect = sizeof(expect) / sizeof(expect[0]);
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	long a;
	long b;
	size_t i;
	pid_t pid;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	/* pthread_create() is clone3 in glibc; the raw clones: exit signal
	 * SIGCHLD (a fork event), none and SIGURG (clone events that make
	 * a process, not a thread). */
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "{pthread", "}",
	                  "vfork:3", "{fork", "}", "{clone:CHLD", "}",
	                  "{clone:0", "}", "{clone:URG", "}", "{thread", "}",
	                  "exit:0", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t1->priv = &c;
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == 0, "status %#x\n%s", status,
	              test_log_dump(log));

	ck_assert_msg((size_t)c.n == n_expect &&
	                      test_log_count(log, 1, EV_CLONE, TEST_ANY) ==
	                              n_expect,
	              "%d clone reports\n%s", c.n, test_log_dump(log));
	for (i = 0; i < n_expect; i++) {
		const char *line = test_read_line(rep[0]);
		const struct clone_rec *r = &c.rec[i];

		if (strcmp(expect[i].report, "vfork") == 0) {
			ck_assert_str_eq(line, "vchild");
			line = test_read_line(rep[0]);
		}
		parse_report(line, expect[i].report, &a, &b);
		ck_assert_msg(r->kind == expect[i].kind,
		              "clone #%zu (%s): kind %d, expected %d\n%s", i,
		              expect[i].report, r->kind, expect[i].kind,
		              test_log_dump(log));
		ck_assert_msg(r->child == a,
		              "clone #%zu (%s): child %d, the tracee made "
		              "%ld\n%s",
		              i, expect[i].report, (int)r->child, a,
		              test_log_dump(log));
		ck_assert_int_eq(r->parent, pid);
		ck_assert_int_eq(r->child_tgid, expect[i].thread ? pid : a);
		ck_assert_int_eq(utrace_task_tid(r->task), a);
		ck_assert_int_eq(utrace_task_tgid(r->task),
		                 expect[i].thread ? pid : a);
		/* No engine on the child: no FOLLOW copy either. */
		ck_assert_int_eq(r->follow_rc, -ENOENT);
		if (b != LONG_MIN)
			ck_assert_msg(b == (strcmp(expect[i].report, "vfork")
			                            ? 0
			                            : 3 << 8),
			              "%s: child status %#lx", line,
			              (unsigned long)b);
	}
	/* The children ran untraced: only the leader died traced. */
	ck_assert_msg(test_log_count(log, 1, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 1,
	              "%s", test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]), "");
	clones_put(&c);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a child nobody claims runs untraced ----------------------------- */

/* _i: 0 a fork child, 1 a thread. */
START_TEST(unclaimed_child_detached)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	const char *kind = _i ? "{pthread" : "{fork";
	const char *line;
	char state;
	long a;
	long b;
	pid_t pid;
	pid_t child;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), kind, "tracer",
	                  test_fmt("read:%d", data[0]), "}", "ppid", "exit:0",
	                  NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t1->priv = &c;
	test_engine_only(t1, SYS_getppid);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                         UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);

	/* The child says so itself, and /proc agrees while it waits. */
	ck_assert_str_eq(test_read_line(rep[0]), "tracer 0");
	ck_assert_msg(test_log_count(log, 1, EV_CLONE, TEST_ANY) == 1, "%s",
	              test_log_dump(log));
	child = c.rec[0].child;
	ck_assert_int_eq(c.rec[0].kind,
	                 _i ? UTRACE_CLONE_THREAD : UTRACE_CLONE_FORK);
	ck_assert_int_eq(test_tracer_pid(child), 0);
	state = test_wait_state(child, "S");
	ck_assert_msg(state == 'S', "child %d in state %c", (int)child,
	              test_proc_state(child));
	/* The parent is still traced. */
	ck_assert_int_gt(test_tracer_pid(pid), 0);

	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	ck_assert_str_eq(test_read_line(rep[0]), "read 1 x");
	line = test_read_line(rep[0]);
	parse_report(line, _i ? "pthread" : "fork", &a, &b);
	ck_assert_int_eq(a, child);
	if (!_i)
		ck_assert_int_eq(b, 0);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("ppid %d\n", (int)getpid()));
	/* Nothing of the child; the parent's getppid, death and reap. */
	ck_assert_msg(
		test_log_n(log) == 4 &&
			test_ev_match(&log->ev[1], 1, EV_SYSCALL_ENTRY,
	                              SYS_getppid) &&
			log->ev[1].tid == pid &&
			test_ev_match(&log->ev[2], 1, EV_DEATH, TEST_ANY) &&
			log->ev[2].tid == pid,
		"%s", test_log_dump(log));
	clones_put(&c);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- UTRACE_ATTACH_FOLLOW: every thread, child and grandchild -------- */

/* The first event of @tid in the log, or -1. */
static long
first_event_of(struct test_log *log, pid_t tid)
{
	size_t n = test_log_n(log);
	size_t i;

	for (i = 0; i < n; i++)
		if (log->ev[i].tid == tid && log->ev[i].kind != EV_RELEASE)
			return (long)i;
	return -1;
}

/* The task that made marker call @m (getpgid(TEST_MARKER + m)). */
static pid_t
marker_tid(struct test_log *log, long m)
{
	size_t n = test_log_n(log);
	size_t i;
	pid_t tid = 0;

	for (i = 0; i < n; i++) {
		const struct test_ev *ev = &log->ev[i];

		if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getpgid &&
		    (long)ev->args[0] == TEST_MARKER + m) {
			ck_assert_msg(tid == 0, "marker %ld seen twice\n%s", m,
			              test_log_dump(log));
			tid = ev->tid;
		}
	}
	ck_assert_msg(tid > 0, "marker %ld not seen\n%s", m,
	              test_log_dump(log));
	return tid;
}

START_TEST(follow_tree)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	pid_t tids[8];
	pid_t pid;
	long a;
	long b;
	int rep[2];
	int status;
	int i;
	int k;

	u = test_new(NULL);
	test_pipe(rep, 1);
	/*
	 * Leader (marker 1) -> fork child (2) -> its fork child (3) and
	 * thread (4); leader -> raw thread (5), pthread (6), clone0 (7).
	 * Raw forks, raw clones and raw threads run no libc code before
	 * the block: their first system call is the marker.
	 */
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "marker:1", "{fork",
	                  "marker:2", "{fork", "marker:3", "}", "{thread",
	                  "marker:4", "}", "}", "{thread", "marker:5", "}",
	                  "{pthread", "marker:6", "}", "{clone:0", "marker:7",
	                  "}", "exit:0", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t1->priv = &c;
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
	ck_assert_msg(status == 0, "status %#x\n%s", status,
	              test_log_dump(log));

	/* The tracee's own account: fork (3), thread (4) from the child,
	 * then the leader's fork, thread, pthread, clone. */
	parse_report(test_read_line(rep[0]), "fork", &a, &b);
	tids[3] = (pid_t)a;
	ck_assert_int_eq(b, 0);
	parse_report(test_read_line(rep[0]), "thread", &a, &b);
	tids[4] = (pid_t)a;
	parse_report(test_read_line(rep[0]), "fork", &a, &b);
	tids[2] = (pid_t)a;
	ck_assert_int_eq(b, 0);
	parse_report(test_read_line(rep[0]), "thread", &a, &b);
	tids[5] = (pid_t)a;
	parse_report(test_read_line(rep[0]), "pthread", &a, &b);
	tids[6] = (pid_t)a;
	parse_report(test_read_line(rep[0]), "clone", &a, &b);
	tids[7] = (pid_t)a;
	ck_assert_int_eq(b, 0);
	tids[1] = pid;
	ck_assert_str_eq(test_read_all(rep[0]), "");

	/* Every task's engine saw its marker. */
	for (i = 1; i <= 7; i++)
		ck_assert_msg(marker_tid(log, i) == tids[i],
		              "marker %d from %d, not %d\n%s", i,
		              (int)marker_tid(log, i), (int)tids[i],
		              test_log_dump(log));

	/* Six clone reports, each in the right parent, each child with a
	 * FOLLOW engine of its own already attached. */
	ck_assert_msg(c.n == 6, "%d clone reports\n%s", c.n,
	              test_log_dump(log));
	for (i = 0; i < c.n; i++) {
		const struct clone_rec *r = &c.rec[i];
		pid_t parent = (r->child == tids[3] || r->child == tids[4])
		                       ? tids[2]
		                       : pid;
		bool thread = r->child == tids[4] || r->child == tids[5] ||
		              r->child == tids[6];

		for (k = 2; k <= 7 && tids[k] != r->child; k++)
			;
		ck_assert_msg(k <= 7, "clone of unknown task %d\n%s",
		              (int)r->child, test_log_dump(log));
		ck_assert_msg(r->parent == parent,
		              "task %d reported by %d, made by %d\n%s",
		              (int)r->child, (int)r->parent, (int)parent,
		              test_log_dump(log));
		ck_assert_int_eq(r->kind, thread ? UTRACE_CLONE_THREAD
		                                 : UTRACE_CLONE_FORK);
		ck_assert_int_eq(r->child_tgid, thread ? parent : r->child);
		ck_assert_msg(r->follow_rc == 0 && r->follow_other,
		              "task %d: no engine of its own in report_clone "
		              "(%d)",
		              (int)r->child, r->follow_rc);
	}

	/*
	 * Traced from its first instruction: each child's first event is
	 * a syscall entry, and for the raw ones it is the marker itself.
	 */
	for (i = 2; i <= 7; i++) {
		long first = first_event_of(log, tids[i]);

		ck_assert_msg(first >= 0 &&
		                      log->ev[first].kind == EV_SYSCALL_ENTRY,
		              "task %d (marker %d): first event #%ld is not "
		              "a syscall entry\n%s",
		              (int)tids[i], i, first, test_log_dump(log));
		if (i == 6)
			continue; /* glibc runs first (rseq, robust list) */
		ck_assert_msg(log->ev[first].nr == SYS_getpgid &&
		                      (long)log->ev[first].args[0] ==
		                              TEST_MARKER + i,
		              "task %d (marker %d): first call #%ld is not "
		              "the marker\n%s",
		              (int)tids[i], i, first, test_log_dump(log));
	}

	/* Death and reap once for each of the seven tasks. */
	for (i = 2; i <= 7; i++)
		ck_assert(utrace_task_is_dead(c.rec[i - 2].task));
	expect_one_death_each(log, 1, tids + 1, 7);
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 7);
	/* The six FOLLOW copies went with their tasks; ours goes now. */
	ck_assert_int_eq(test_releases(t1), 6);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 7);
	clones_put(&c);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a new task's first stop before its parent's report ------------ */

#define RACE_TASKS 200

struct race {
	pid_t leader;
	int clones;
	int deaths;
	/* The tasks the SCHED_IDLE thread made (references). */
	struct utrace_task *made[RACE_TASKS];
	int n_made;
};

static uint32_t
count_tree(struct test_engine *te, struct utrace_engine *engine,
           struct utrace_task *task, const struct test_ev *ev, void *payload,
           uint32_t ret)
{
	struct race *r = te->priv;

	if (ev->kind == EV_CLONE) {
		__atomic_add_fetch(&r->clones, 1, __ATOMIC_SEQ_CST);
		if (ev->tid != r->leader && r->n_made < RACE_TASKS)
			r->made[r->n_made++] = utrace_task_get(payload);
	} else if (ev->kind == EV_DEATH) {
		__atomic_add_fetch(&r->deaths, 1, __ATOMIC_SEQ_CST);
		test_log_kick(te->log);
	}
	return ret;
}

static bool
all_dead(void *arg)
{
	struct race *r = arg;

	return __atomic_load_n(&r->deaths, __ATOMIC_SEQ_CST) ==
	       __atomic_load_n(&r->clones, __ATOMIC_SEQ_CST) + 1;
}

/*
 * A thread at SCHED_IDLE forks and makes threads while the leader keeps
 * making threads that end at once: the new tasks' first stops tend to
 * come before their parent's report, with deaths of sibling threads in
 * between.  A sibling's death must not make such a task look orphaned:
 * every task announced to the FOLLOW engine is traced to its death.
 */
START_TEST(clone_while_threads_die)
{
	struct test_log *log = test_log();
	struct race r = { 0 };
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	const char *lost = "";
	int rep[2];
	int status;
	int i;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
	                  test_fmt("forkrace:%d", RACE_TASKS), "exit:0", NULL);
	test_close(rep[1]);
	r.leader = utrace_task_tid(task);
	t1 = test_engine_new(1, count_tree);
	t1->priv = &r;
	t1->quiet = true;
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, t1, &e1),
		0);
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(EXIT) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(strncmp(test_read_all(rep[0]),
	                      test_fmt("forkrace %d ", RACE_TASKS), 13) == 0,
	              "the tracee did not finish");
	if (!test_log_wait_pred(log, all_dead, &r)) {
		for (i = 0; i < r.n_made; i++)
			if (!utrace_task_is_dead(r.made[i]))
				lost = test_fmt(
					"%s %d", lost,
					(int)utrace_task_tid(r.made[i]));
	}
	ck_assert_msg(all_dead(&r),
	              "%d deaths for %d clones + 1; tasks of the SCHED_IDLE "
	              "thread never reported dead:%s",
	              r.deaths, r.clones, lost);
	/* The SCHED_IDLE thread itself is a clone of the leader. */
	ck_assert_int_eq(r.n_made, RACE_TASKS);
	for (i = 0; i < r.n_made; i++) {
		status = test_wait(r.made[i]);
		ck_assert_msg(status == 0, "task %d: status %#x",
		              (int)utrace_task_tid(r.made[i]), status);
		utrace_task_put(r.made[i]);
	}
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- CLONE_UNTRACED -------------------------------------------------- */

/*
 * Observed (and documented in utrace(7)): the kernel neither reports nor
 * attaches a child made with CLONE_UNTRACED, even under
 * PTRACE_O_TRACEFORK; the library never hears of it.  It runs untraced
 * (TracerPid 0) and its exit goes to its parent alone.
 */
START_TEST(clone_untraced)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	size_t n;
	size_t i;
	long a;
	long b;
	pid_t pid;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "untraced:4", "ppid",
	                  "exit:0", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t1->priv = &c;
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, t1, &e1),
		0);
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(SYSCALL_ENTRY) |
	                                           UTRACE_EVENT(EXIT) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_line(rep[0]), "untraced-child 0");
	parse_report(test_read_line(rep[0]), "untraced", &a, &b);
	ck_assert_int_eq(b, 4 << 8);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("ppid %d\n", (int)getpid()));
	ck_assert_msg(
		c.n == 0 && test_log_count(log, 1, EV_CLONE, TEST_ANY) == 0,
		"the untraced child was reported\n%s", test_log_dump(log));
	n = test_log_n(log);
	for (i = 0; i < n; i++)
		ck_assert_msg(log->ev[i].tid == pid ||
		                      log->ev[i].kind == EV_RELEASE,
		              "#%zu: an event of another task\n%s", i,
		              test_log_dump(log));
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 1);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- holds around vfork ---------------------------------------------- */

enum {
	VFORK_HOLD_CHILD,
	VFORK_HOLD_PARENT,
	VFORK_HOLD_BOTH_CHILD_FIRST,
	VFORK_HOLD_BOTH_PARENT_FIRST,
	VFORK_MAX,
};

/*
 * A vfork parent waits for its child in the kernel.  Holding the child
 * at report_clone() keeps the parent blocked ('D': a killable wait) until
 * the test releases it; holding the parent at its vfork report lets the
 * child run to its end meanwhile.  Nothing deadlocks in either order.
 */
START_TEST(vfork_holds)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	bool hold_child = _i != VFORK_HOLD_PARENT;
	bool hold_parent = _i != VFORK_HOLD_CHILD;
	char state;
	pid_t pid;
	pid_t child;
	long a;
	long b;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "vfork:3", "ppid",
	                  "exit:0", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t2 = test_engine_new(2, NULL);
	t1->priv = &c;
	c.hold_parent = hold_parent;
	c.hold_child = hold_child;
	if (hold_child) {
		c.child_te[0] = t2;
		c.child_events = UTRACE_EVENT(SYSCALL_ENTRY) |
		                 UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
	}
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_CLONE, TEST_ANY, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(c.rec[0].kind, UTRACE_CLONE_VFORK);
	child = c.rec[0].child;
	if (hold_child)
		ck_assert_msg(c.child_rc[0] == 0,
		              "utrace_control(child, STOP) in report_clone: "
		              "%d",
		              c.child_rc[0]);

	if (_i == VFORK_HOLD_CHILD) {
		/* The parent went on into the vfork wait. */
		state = test_wait_state(pid, "D");
		ck_assert_msg(state == 'D', "parent in state %c",
		              test_proc_state(pid));
		ck_assert_int_eq(test_wait_state(child, "t"), 't');
		test_expect_quiet(rep[0], 200);
		ck_assert_int_eq(test_proc_state(pid), 'D');
	} else {
		ck_assert_int_eq(test_proc_state(pid), 't');
	}
	if (_i == VFORK_HOLD_PARENT) {
		/* Nobody claims the child: it runs to its end. */
		ck_assert_str_eq(test_read_line(rep[0]), "vchild");
		ck_assert_int_eq(test_proc_state(pid), 't');
	}
	if (_i == VFORK_HOLD_BOTH_CHILD_FIRST) {
		ck_assert_int_eq(test_wait_state(child, "t"), 't');
		ck_assert_int_eq(test_control_from_thread(c.rec[0].task,
		                                          t2->engine,
		                                          UTRACE_RESUME),
		                 0);
		ck_assert_str_eq(test_read_line(rep[0]), "vchild");
		ck_assert_int_eq(test_proc_state(pid), 't');
	}
	if (_i == VFORK_HOLD_BOTH_PARENT_FIRST) {
		ck_assert_int_eq(test_wait_state(child, "t"), 't');
		ck_assert_int_eq(
			test_control_from_thread(task, e1, UTRACE_RESUME), 0);
		state = test_wait_state(pid, "D");
		ck_assert_msg(state == 'D', "parent in state %c",
		              test_proc_state(pid));
		test_expect_quiet(rep[0], 100);
		ck_assert_int_eq(test_control_from_thread(c.rec[0].task,
		                                          t2->engine,
		                                          UTRACE_RESUME),
		                 0);
	}
	if (_i == VFORK_HOLD_CHILD)
		ck_assert_int_eq(test_control_from_thread(c.rec[0].task,
		                                          t2->engine,
		                                          UTRACE_RESUME),
		                 0);
	if (_i == VFORK_HOLD_PARENT || _i == VFORK_HOLD_BOTH_CHILD_FIRST)
		ck_assert_int_eq(
			test_control_from_thread(task, e1, UTRACE_RESUME), 0);
	if (_i == VFORK_HOLD_CHILD || _i == VFORK_HOLD_BOTH_PARENT_FIRST)
		ck_assert_str_eq(test_read_line(rep[0]), "vchild");

	parse_report(test_read_line(rep[0]), "vfork", &a, &b);
	ck_assert_int_eq(a, child);
	ck_assert_int_eq(b, 3 << 8);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("ppid %d\n", (int)getpid()));
	if (hold_child) {
		/* The child's engine saw it from its first call on. */
		ck_assert_int_eq(test_wait(c.rec[0].task), 3 << 8);
		ck_assert_msg(
			test_log_find(log, 0, 2, EV_SYSCALL_ENTRY, SYS_write) ==
					first_event_of(log, child) &&
				test_log_count(log, 2, EV_SYSCALL_ENTRY,
		                               SYS_exit_group) == 1 &&
				test_log_count(log, 2, EV_DEATH, TEST_ANY) == 1,
			"%s", test_log_dump(log));
		utrace_engine_put(t2->engine);
	}
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 1);
	clones_put(&c);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * utrace_free() while the vfork child is held and its parent waits: the
 * spawned parent is killed, the child let go; it runs to its end.
 */
START_TEST(vfork_free_while_held)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_task *task;
	struct utrace *u;
	pid_t pid;
	pid_t child;
	int rep[2];

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "vfork:3", "ppid",
	                  "exit:0", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t2 = test_engine_new(2, NULL);
	t1->priv = &c;
	c.hold_child = true;
	c.child_te[0] = t2;
	c.child_events = UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(DEATH);
	utrace_engine_put(test_attach(
		task, t1, UTRACE_EVENT(CLONE) | UTRACE_EVENT(DEATH)));
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_CLONE, TEST_ANY, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(c.child_rc[0], 0);
	child = c.rec[0].child;
	ck_assert_msg(test_wait_state(pid, "D") == 'D', "parent in state %c",
	              test_proc_state(pid));
	ck_assert_int_eq(test_wait_state(child, "t"), 't');
	utrace_engine_put(t2->engine);
	clones_put(&c);
	utrace_task_put(task);

	test_free(u);
	ck_assert_int_eq(test_proc_state(pid), '?');
	ck_assert_int_eq(test_tracer_pid(child) > 0, 0);
	/* The child ran (and ended; an orphan, its new parent reaps it). */
	ck_assert_str_eq(test_read_all(rep[0]), "vchild\n");
	ck_assert_msg(test_wait_state(child, "?Z"), "child in state %c",
	              test_proc_state(child));
	ck_assert_int_eq(test_releases(t1), 1);
	ck_assert_int_eq(test_releases(t2), 1);
}
END_TEST

/* ---- exec ------------------------------------------------------------ */

START_TEST(exec_leader)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	char *real;
	long ex;
	pid_t pid;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "execp:/bin/sh", "-c", "exit 6", NULL);
	pid = utrace_task_tid(task);
	real = realpath("/bin/sh", NULL);
	ck_assert(real != NULL);
	t1 = test_engine_new(1, NULL);
	test_engine_only(t1, SYS_exit_group);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(EXEC) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                         UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == 6 << 8, "status %#x\n%s", status,
	              test_log_dump(log));
	/* The new program, the same thread; then the new program is
	 * traced like the old one. */
	ck_assert_msg(
		test_log_count(log, 1, EV_EXEC, TEST_ANY) == 1 &&
			test_ev_match(&log->ev[0], 1, EV_EXEC, TEST_ANY) &&
			strcmp(log->ev[0].str, real) == 0 &&
			log->ev[0].other == pid && log->ev[0].tid == pid,
		"expected the exec of %s by %d\n%s", real, (int)pid,
		test_log_dump(log));
	ex = test_log_find(log, 1, 1, EV_SYSCALL_ENTRY, SYS_exit_group);
	ck_assert_msg(ex > 0 && log->ev[ex].args[0] == 6 &&
	                      log->ev[ex].tid == pid,
	              "%s", test_log_dump(log));
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 1);
	free(real);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static uint32_t
hold_exec(struct test_engine *te, struct utrace_engine *engine,
          struct utrace_task *task, const struct test_ev *ev, void *payload,
          uint32_t ret)
{
	return ev->kind == EV_EXEC ? UTRACE_STOP : ret;
}

/*
 * A thread other than the leader calls exec while the leader and a third
 * thread live: its task takes over the leader's tid, its engine hears the
 * exec with its old tid, the two other tasks die once each, and the new
 * program is traced through the execing thread's task.
 */
START_TEST(exec_non_leader)
{
	const uint64_t child_events =
		UTRACE_EVENT(EXEC) | UTRACE_EVENT(SYSCALL_ENTRY) |
		UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct test_engine *t1;
	struct test_engine *t2;
	struct test_engine *t3;
	struct utrace_engine *e1;
	struct utrace_task *found = NULL;
	struct utrace_task *execer;
	struct utrace_task *idle;
	struct utrace_task *task;
	struct utrace *u;
	char *real;
	long exec_at;
	long d;
	pid_t pid;
	pid_t old_tid;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "threads:1",
	                  "{pthread", "exec", "say:after", "ppid", "exit:5",
	                  "}", "say:never", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	real = realpath(test_helper("tracee-ops"), NULL);
	ck_assert(real != NULL);
	t1 = test_engine_new(1, record_clone);
	t2 = test_engine_new(2, NULL);
	t3 = test_engine_new(3, hold_exec);
	test_engine_only(t2, SYS_getppid, SYS_exit_group);
	test_engine_only(t3, SYS_getppid, SYS_exit_group);
	t1->priv = &c;
	c.child_te[0] = t2; /* the idle thread */
	c.child_te[1] = t3; /* the thread that execs */
	c.child_events = child_events;
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXIT) |
	                         UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	test_start(task);

	ck_assert_msg(test_log_wait(log, 3, EV_EXEC, TEST_ANY, 1),
	              "no exec\n%s", test_log_dump(log));
	ck_assert_msg(c.n == 2 && c.child_rc[0] == 0 && c.child_rc[1] == 0,
	              "%d clones (%d %d)\n%s", c.n, c.child_rc[0],
	              c.child_rc[1], test_log_dump(log));
	idle = c.rec[0].task;
	execer = c.rec[1].task;
	old_tid = c.rec[1].child;
	ck_assert_int_ne(old_tid, pid);
	exec_at = test_log_find(log, 0, 3, EV_EXEC, TEST_ANY);

	/* Held in its exec report: the handle has the leader's tid now. */
	ck_assert_msg(log->ev[exec_at].other == old_tid &&
	                      log->ev[exec_at].tid == pid &&
	                      strcmp(log->ev[exec_at].str, real) == 0,
	              "#%ld: expected exec of %s, former tid %d, by %d\n%s",
	              exec_at, real, (int)old_tid, (int)pid,
	              test_log_dump(log));
	ck_assert_int_eq(utrace_task_tid(execer), pid);
	ck_assert_int_eq(utrace_task_tgid(execer), pid);
	ck_assert_int_eq(utrace_task_lookup(u, pid, &found), 0);
	ck_assert_msg(found == execer, "lookup(%d) finds another task",
	              (int)pid);
	utrace_task_put(found);
	/* The old leader's task died before the exec was reported. */
	ck_assert(utrace_task_is_dead(task));
	d = test_log_find(log, 0, 1, EV_DEATH, TEST_ANY);
	ck_assert_msg(d >= 0 && d < exec_at && !log->ev[d].group_dead,
	              "the old leader's death\n%s", test_log_dump(log));
	ck_assert_int_eq(test_proc_state(pid), 't');

	ck_assert_int_eq(
		test_control_from_thread(execer, t3->engine, UTRACE_RESUME), 0);
	status = test_wait(execer);
	ck_assert_msg(status == 5 << 8, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_str_eq(
		test_read_all(rep[0]),
		test_fmt("threads 1\nsay after\nppid %d\n", (int)getpid()));
	(void)test_wait(idle);
	/* A wait for the spawned task (the old leader's) follows the task
	 * that took over its tid: the process's real status. */
	status = test_wait(task);
	ck_assert_msg(status == 5 << 8, "spawned task: status %#x", status);

	/* Each task: one death, one reap, nothing after. */
	ck_assert_msg(test_log_count(log, 1, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_REAP, TEST_ANY) == 1 &&
	                      test_log_count(log, 3, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 3, EV_REAP, TEST_ANY) == 1,
	              "%s", test_log_dump(log));
	ck_assert_msg(!log->ev[test_log_find(log, 0, 2, EV_DEATH, TEST_ANY)]
	                       .group_dead,
	              "%s", test_log_dump(log));
	/* The new program, through the execing thread's engine: getppid,
	 * exit_group(5), death of the whole group. */
	ck_assert_msg(test_log_find(log, (size_t)exec_at, 3, EV_SYSCALL_ENTRY,
	                            SYS_getppid) > exec_at &&
	                      test_log_count(log, 3, EV_SYSCALL_ENTRY,
	                                     SYS_getppid) == 1 &&
	                      test_log_count(log, 3, EV_SYSCALL_ENTRY,
	                                     SYS_exit_group) == 1,
	              "%s", test_log_dump(log));
	d = test_log_find(log, 0, 3, EV_DEATH, TEST_ANY);
	ck_assert_msg(log->ev[d].tid == pid && log->ev[d].status == 5 << 8 &&
	                      log->ev[d].group_dead,
	              "%s", test_log_dump(log));
	/* No engine heard anything of the old tid after the exec. */
	ck_assert_msg(test_log_find(log, (size_t)exec_at + 1, 0, EV_EXEC,
	                            TEST_ANY) < 0,
	              "%s", test_log_dump(log));
	free(real);
	utrace_engine_put(t2->engine);
	utrace_engine_put(t3->engine);
	clones_put(&c);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * A non-leader exec under a FOLLOW engine: the execing thread's engine
 * goes on following, so the new program's fork child gets an engine of
 * its own, reported by the leader's tid.
 */
START_TEST(exec_non_leader_follow)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	size_t n;
	size_t i;
	long exec_at;
	long first;
	long a;
	long b;
	pid_t pid;
	int deaths_of_pid = 0;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "threads:1",
	                  "{pthread", "exec", "{fork", "marker:9", "}",
	                  "exit:5", "}", "say:never", NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, record_clone);
	t1->priv = &c;
	test_engine_only(t1, SYS_getpgid);
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, t1, &e1),
		0);
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(EXEC) |
	                                           UTRACE_EVENT(SYSCALL_ENTRY) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	test_start(task);
	/* The old leader dies at the exec; the pthread's task lives on. */
	(void)test_wait(task);
	ck_assert_msg(c.n >= 2, "%d clones\n%s", c.n, test_log_dump(log));
	status = test_wait(c.rec[1].task);
	ck_assert_msg(status == 5 << 8, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_msg(c.n == 3, "%d clones\n%s", c.n, test_log_dump(log));
	ck_assert_str_eq(test_read_line(rep[0]), "threads 1");
	parse_report(test_read_line(rep[0]), "fork", &a, &b);
	ck_assert_int_eq(b, 0);
	ck_assert_str_eq(test_read_all(rep[0]), "");

	/* One exec, by the leader's tid, from the pthread's. */
	ck_assert_int_eq(test_log_count(log, 1, EV_EXEC, TEST_ANY), 1);
	exec_at = test_log_find(log, 0, 1, EV_EXEC, TEST_ANY);
	ck_assert_msg(log->ev[exec_at].tid == pid &&
	                      log->ev[exec_at].other == c.rec[1].child,
	              "%s", test_log_dump(log));
	ck_assert_int_eq(utrace_task_tid(c.rec[1].task), pid);
	/* The new program's fork: reported by the leader's tid, after the
	 * exec, the child followed from its first call. */
	ck_assert_msg(c.rec[2].parent == pid && c.rec[2].child == a &&
	                      c.rec[2].kind == UTRACE_CLONE_FORK &&
	                      c.rec[2].follow_rc == 0 && c.rec[2].follow_other,
	              "%s", test_log_dump(log));
	first = first_event_of(log, (pid_t)a);
	ck_assert_msg(first > exec_at &&
	                      log->ev[first].kind == EV_SYSCALL_ENTRY &&
	                      (long)log->ev[first].args[0] == TEST_MARKER + 9,
	              "%s", test_log_dump(log));
	ck_assert_int_eq(test_wait(c.rec[2].task), 0);

	/* Four tasks, four deaths; two of them under the leader's tid: the
	 * old leader's (not the last) and the exec'd program's (the last). */
	ck_assert_int_eq(test_log_count(log, 1, EV_DEATH, TEST_ANY), 4);
	ck_assert_int_eq(test_log_count(log, 1, EV_REAP, TEST_ANY), 4);
	n = test_log_n(log);
	for (i = 0; i < n; i++) {
		const struct test_ev *ev = &log->ev[i];

		if (ev->kind != EV_DEATH || ev->tid != pid)
			continue;
		if (deaths_of_pid++ == 0)
			ck_assert_msg((long)i < exec_at && !ev->group_dead,
			              "#%zu: the old leader's death\n%s", i,
			              test_log_dump(log));
		else
			ck_assert_msg(ev->status == 5 << 8 && ev->group_dead,
			              "#%zu: the last death\n%s", i,
			              test_log_dump(log));
	}
	ck_assert_int_eq(deaths_of_pid, 2);
	for (i = 0; i < 3; i++)
		ck_assert(utrace_task_is_dead(c.rec[i].task));
	ck_assert_int_eq(test_releases(t1), 3);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 4);
	clones_put(&c);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* record_clone(), and a hold at every marker call. */
static uint32_t
clone_and_hold_marker(struct test_engine *te, struct utrace_engine *engine,
                      struct utrace_task *task, const struct test_ev *ev,
                      void *payload, uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getpgid)
		return UTRACE_STOP | utrace_syscall_action(ev->action);
	return record_clone(te, engine, task, ev, payload, ret);
}

/*
 * Another thread calls exec while an engine holds the leader at a syscall
 * entry: the hold cannot stop the exec (the kernel kills the old leader),
 * the leader's task dies once, and the new program runs.
 */
START_TEST(exec_while_leader_held)
{
	struct test_log *log = test_log();
	struct clones c = { 0 };
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_task *execer;
	struct utrace_task *task;
	struct utrace *u;
	long exec_at;
	long d;
	long a;
	long b;
	pid_t pid;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "{bg",
	                  test_fmt("read:%d", data[0]), "exec", "say:after",
	                  "ppid", "exit:5", "}", "marker:1", "say:never", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, clone_and_hold_marker);
	t2 = test_engine_new(2, NULL);
	t1->priv = &c;
	c.child_te[0] = t2;
	c.child_events = UTRACE_EVENT(EXEC) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                 UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP);
	test_engine_only(t1, SYS_getpgid);
	test_engine_only(t2, SYS_getppid, SYS_exit_group);
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT(CLONE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                         UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH) |
	                         UTRACE_EVENT(REAP));
	test_start(task);
	parse_report(test_read_line(rep[0]), "bg", &a, &b);
	ck_assert_msg(c.n == 1 && c.child_rc[0] == 0, "%s", test_log_dump(log));
	execer = c.rec[0].task;
	ck_assert_int_eq(c.rec[0].child, a);

	/* The leader held at its marker; then the thread execs. */
	ck_assert_msg(test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getpgid, 1),
	              "%s", test_log_dump(log));
	ck_assert_int_eq(test_proc_state(pid), 't');
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);

	status = test_wait(execer);
	ck_assert_msg(status == 5 << 8, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_str_eq(
		test_read_all(rep[0]),
		test_fmt("read 1 x\nsay after\nppid %d\n", (int)getpid()));
	(void)test_wait(task);
	exec_at = test_log_find(log, 0, 2, EV_EXEC, TEST_ANY);
	ck_assert_msg(exec_at >= 0 && log->ev[exec_at].other == a &&
	                      log->ev[exec_at].tid == pid,
	              "%s", test_log_dump(log));
	/* The held leader: its marker never ran on; one death, not the
	 * group's, before the exec report. */
	ck_assert_msg(test_log_count(log, 1, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 1,
	              "%s", test_log_dump(log));
	d = test_log_find(log, 0, 1, EV_DEATH, TEST_ANY);
	ck_assert_msg(d < exec_at && !log->ev[d].group_dead, "%s",
	              test_log_dump(log));
	ck_assert_msg(test_log_count(log, 2, EV_DEATH, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_REAP, TEST_ANY) == 1 &&
	                      test_log_count(log, 2, EV_SYSCALL_ENTRY,
	                                     SYS_getppid) == 1,
	              "%s", test_log_dump(log));
	utrace_engine_put(t2->engine);
	clones_put(&c);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * The parent's FOLLOW engine detaches in report_clone(): the child's own
 * copy, attached before that report, stays and hears the child's end.
 */
static uint32_t
detach_at_clone(struct test_engine *te, struct utrace_engine *engine,
                struct utrace_task *task, const struct test_ev *ev,
                void *payload, uint32_t ret)
{
	if (ev->kind == EV_CLONE && !te->state) {
		te->state = 1;
		te->priv = utrace_task_get(payload);
		return UTRACE_DETACH;
	}
	return ret;
}

START_TEST(follow_parent_detaches)
{
	struct test_log *log = test_log();
	struct utrace_engine *e1 = NULL;
	struct utrace_task *child;
	struct utrace_task *task;
	struct test_engine *t1;
	struct utrace *u;
	long death;
	pid_t pid;
	int status;

	u = test_new(NULL);
	task = test_spawn(u, "{fork", "marker:1", "exit:3", "}", "marker:2",
	                  "exit:0", NULL);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, detach_at_clone);
	test_engine_only(t1, SYS_getpgid);
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
	child = t1->priv;
	ck_assert(child != NULL);
	ck_assert_int_eq(test_wait(child), 3 << 8);
	/* The parent's engine heard nothing after its clone report. */
	ck_assert_msg(
		test_log_count(log, 1, EV_CLONE, TEST_ANY) == 1 &&
			test_log_find(log, 1, 1, EV_SYSCALL_ENTRY, TEST_ANY) ==
				first_event_of(log, utrace_task_tid(child)),
		"%s", test_log_dump(log));
	ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_getpgid) ==
	                      1,
	              "%s", test_log_dump(log));
	/* The child's copy: its marker, its death and reap. */
	death = test_log_find(log, 0, 1, EV_DEATH, TEST_ANY);
	ck_assert_msg(test_log_count(log, 1, EV_DEATH, TEST_ANY) == 1 &&
	                      log->ev[death].tid == utrace_task_tid(child) &&
	                      log->ev[death].status == 3 << 8 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 1,
	              "%s", test_log_dump(log));
	ck_assert_int_ne(utrace_task_tid(child), pid);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_RESUME), -ESRCH);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 2);
	utrace_task_put(child);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- a zombie leader --------------------------------------------------- */

/*
 * What waitpid() gives for the zombie-leader program run untraced, as our
 * own child: the leader exits first, the worker once the leader is a
 * zombie.
 */
static int
zombie_leader_untraced(void)
{
	pid_t pid;
	int data[2];

	test_pipe(data, 0);
	pid = test_fork_helper("tracee-ops", "{bg",
	                       test_fmt("read:%d", data[0]), "sysexit:4", "}",
	                       "sysexit:3", NULL);
	ck_assert_msg(test_wait_state(pid, "Z") == 'Z',
	              "untraced leader in state %c", test_proc_state(pid));
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[0]);
	test_close(data[1]);
	return test_reap(pid);
}

/*
 * The leader calls SYS_exit while a worker lives on: the leader stays a
 * zombie, its death comes only after the worker's; each once, and only the
 * last one is group_dead.
 */
START_TEST(zombie_leader)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1 = NULL;
	struct utrace_task *task;
	struct utrace *u;
	long worker_death;
	long leader_death;
	long a;
	long b;
	pid_t pid;
	pid_t worker;
	int expect;
	int rep[2];
	int data[2];
	int status;

	expect = zombie_leader_untraced();
	ck_assert_msg(WIFEXITED(expect), "untraced status %#x", expect);

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "{bg",
	                  test_fmt("read:%d", data[0]), "marker:1", "sysexit:4",
	                  "}", "sysexit:3", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, NULL);
	test_engine_only(t1, SYS_getpgid);
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, t1, &e1),
		0);
	ck_assert_int_eq(utrace_set_events(task, e1,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(SYSCALL_ENTRY) |
	                                           UTRACE_EVENT(EXIT) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	test_start(task);
	parse_report(test_read_line(rep[0]), "bg", &a, &b);
	worker = (pid_t)a;

	/* The leader exits alone and stays a zombie while the worker
	 * waits in read(). */
	ck_assert_msg(test_log_wait(log, 1, EV_EXIT, TEST_ANY, 1), "%s",
	              test_log_dump(log));
	ck_assert_msg(test_wait_state(pid, "Z") == 'Z', "leader in state %c",
	              test_proc_state(pid));
	ck_assert_int_eq(test_wait_state(worker, "S"), 'S');
	ck_assert_msg(test_log_count(log, 1, EV_DEATH, TEST_ANY) == 0 &&
	                      !utrace_task_is_dead(task),
	              "a death while the worker lives\n%s", test_log_dump(log));
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);

	status = test_wait(task);
	ck_assert_msg(status == expect,
	              "leader status %#x, untraced it is %#x\n%s", status,
	              expect, test_log_dump(log));
	ck_assert_msg(test_log_count(log, 1, EV_EXIT, TEST_ANY) == 2 &&
	                      test_log_count(log, 1, EV_DEATH, TEST_ANY) == 2 &&
	                      test_log_count(log, 1, EV_REAP, TEST_ANY) == 2,
	              "%s", test_log_dump(log));
	worker_death = test_log_find(log, 0, 1, EV_DEATH, TEST_ANY);
	leader_death = test_log_find(log, (size_t)worker_death + 1, 1, EV_DEATH,
	                             TEST_ANY);
	ck_assert_msg(log->ev[worker_death].tid == worker &&
	                      log->ev[worker_death].status == 4 << 8 &&
	                      !log->ev[worker_death].group_dead,
	              "#%ld: expected the worker's death first\n%s",
	              worker_death, test_log_dump(log));
	ck_assert_msg(log->ev[leader_death].tid == pid &&
	                      log->ev[leader_death].status == expect &&
	                      log->ev[leader_death].group_dead,
	              "#%ld: expected the leader's death last\n%s",
	              leader_death, test_log_dump(log));
	ck_assert_msg(
		log->ev[test_log_find(log, 0, 1, EV_EXIT, TEST_ANY)].tid ==
				pid &&
			log->ev[test_log_find(log, 0, 1, EV_EXIT, TEST_ANY)]
					.status == 3 << 8,
		"%s", test_log_dump(log));
	ck_assert_msg(test_log_find(log, 0, 1, EV_SYSCALL_ENTRY, SYS_getpgid) >
	                      test_log_find(log, 0, 1, EV_EXIT, TEST_ANY),
	              "%s", test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]), "read 1 x\n");
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static Suite *
tree_suite(void)
{
	Suite *s = suite_create("tree");
	TCase *tc;

	tc = test_tcase(s, "clone");
	tcase_add_test(tc, clone_kinds);
	tcase_add_loop_test(tc, unclaimed_child_detached, 0, 2);
	tcase_add_test(tc, follow_tree);
	tcase_add_test(tc, clone_untraced);
	tcase_add_test(tc, follow_parent_detaches);
	tcase_add_test(tc, clone_while_threads_die);
	tc = test_tcase(s, "vfork");
	tcase_add_loop_test(tc, vfork_holds, 0, VFORK_MAX);
	tcase_add_test(tc, vfork_free_while_held);
	tc = test_tcase(s, "exec");
	tcase_add_test(tc, exec_leader);
	tcase_add_test(tc, exec_non_leader);
	tcase_add_test(tc, exec_non_leader_follow);
	tcase_add_test(tc, exec_while_leader_held);
	tc = test_tcase(s, "exit");
	tcase_add_test(tc, zombie_leader);
	return s;
}

TEST_MAIN(tree_suite)
