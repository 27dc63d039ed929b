/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing system calls: aborting with a chosen return value, rewriting
 * the return value, the arguments and the number.  Every test runs twice:
 * with the default context (PTRACE_SET_SYSCALL_INFO where the kernel has
 * it) and with UTRACE_OPT_SYSCALL_INFO_REGS (registers); the results must
 * be the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define EVENTS (UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))

static struct utrace *
new_context(int variant)
{
	static const struct utrace_opts regs = {
		.size = sizeof(struct utrace_opts),
		.flags = UTRACE_OPT_SYSCALL_INFO_REGS,
	};

	return test_new(variant ? &regs : NULL);
}

static void
expect_sc(struct test_log *log, size_t i, int engine, enum test_ev_kind kind,
          int64_t nr)
{
	ck_assert_msg(i < test_log_n(log) &&
	                      test_ev_match(&log->ev[i], engine, kind, nr),
	              "#%zu: expected E%d %s of syscall %lld\n%s", i, engine,
	              kind == EV_SYSCALL_ENTRY ? "entry" : "exit",
	              (long long)nr, test_log_dump(log));
}

/* ---- abort ------------------------------------------------------------ */

static bool
is_unlink(int64_t nr)
{
#ifdef SYS_unlink
	if (nr == SYS_unlink)
		return true;
#endif
	return nr == SYS_unlinkat;
}

static uint32_t
abort_unlink(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	struct utrace_syscall *sc = payload;

	if (ev->kind != EV_SYSCALL_ENTRY || !is_unlink(ev->nr))
		return ret;
	if (te->state)
		sc->rval = te->state;
	return UTRACE_RESUME | UTRACE_SYSCALL_ABORT;
}

static char *
make_file(void)
{
	char *path = (char *)test_fmt("/tmp/utrace-test-XXXXXX");
	int fd;

	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	close(fd);
	return path;
}

/* @rval: what the aborting engine sets (0: leave -ENOSYS). */
static void
run_abort(int variant, int rval)
{
	struct test_log *log = test_log();
	struct test_engine *obs;
	struct test_engine *ab;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	struct stat st;
	const char *report;
	int expect_rval = rval ? rval : -ENOSYS;
	char *path;
	int rep[2];
	int status;
	size_t k;

	u = new_context(variant);
	path = make_file();
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
	                  test_fmt("unlink:%s", path), "exit:0", NULL);
	test_close(rep[1]);
	/* The aborting engine is attached last: at syscall entry it is
	 * called first, and the observer sees its decision. */
	obs = test_engine_new(1, NULL);
	ab = test_engine_new(2, abort_unlink);
	ab->state = rval;
#ifdef SYS_unlink
	test_engine_only(obs, SYS_unlink, SYS_unlinkat);
	test_engine_only(ab, SYS_unlink, SYS_unlinkat);
#else
	test_engine_only(obs, SYS_unlinkat);
	test_engine_only(ab, SYS_unlinkat);
#endif
	e1 = test_attach(task, obs, EVENTS);
	e2 = test_attach(task, ab, EVENTS);
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == 0, "status %#x\n%s", status,
	              test_log_dump(log));

	report = test_read_all(rep[0]);
	ck_assert_str_eq(report, test_fmt("unlink -1 %d\n", -expect_rval));
	ck_assert_msg(stat(path, &st) == 0, "the aborted unlink ran: %s",
	              strerror(errno));
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_msg(test_log_n(log) == 8, "%s", test_log_dump(log));
	expect_sc(log, 0, 2, EV_SYSCALL_ENTRY, log->ev[0].nr);
	ck_assert(is_unlink(log->ev[0].nr));
	ck_assert_msg(log->ev[0].action == UTRACE_RESUME &&
	                      log->ev[0].rval == -ENOSYS,
	              "at entry rval starts at -ENOSYS\n%s",
	              test_log_dump(log));
	expect_sc(log, 1, 1, EV_SYSCALL_ENTRY, log->ev[0].nr);
	ck_assert_msg(
		log->ev[1].action == (UTRACE_RESUME | UTRACE_SYSCALL_ABORT) &&
			log->ev[1].rval == expect_rval,
		"the observer must see the abort\n%s", test_log_dump(log));
	/* The exit report of the aborted call shows the value. */
	for (k = 0; k < 2; k++) {
		expect_sc(log, 2 + k, (int)k + 1, EV_SYSCALL_EXIT,
		          log->ev[0].nr);
		ck_assert_msg(log->ev[2 + k].rval == expect_rval &&
		                      log->ev[2 + k].is_error,
		              "#%zu: exit of the aborted call\n%s", 2 + k,
		              test_log_dump(log));
	}
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}

START_TEST(abort_with_eperm)
{
	run_abort(_i, -EPERM);
}
END_TEST

START_TEST(abort_default_enosys)
{
	run_abort(_i, 0);
}
END_TEST

/* ---- return value at exit --------------------------------------------- */

static uint32_t
rewrite_getppid_rval(struct test_engine *te, struct utrace_engine *engine,
                     struct utrace_task *task, const struct test_ev *ev,
                     void *payload, uint32_t ret)
{
	struct utrace_syscall *sc = payload;

	if (ev->kind == EV_SYSCALL_EXIT && ev->nr == SYS_getppid)
		sc->rval = 4242;
	return ret;
}

START_TEST(rewrite_return_value)
{
	struct test_log *log = test_log();
	struct test_engine *ed;
	struct test_engine *obs;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];
	int status;

	u = new_context(_i);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "ppid", "ppid",
	                  "exit:0", NULL);
	test_close(rep[1]);
	/* At exit the order is the attach order: editor first. */
	ed = test_engine_new(1, rewrite_getppid_rval);
	obs = test_engine_new(2, NULL);
	test_engine_only(ed, SYS_getppid);
	test_engine_only(obs, SYS_getppid);
	e1 = test_attach(task, ed, EVENTS);
	e2 = test_attach(task, obs, EVENTS);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]), "ppid 4242\nppid 4242\n");

	ck_assert_msg(test_log_n(log) == 12, "%s", test_log_dump(log));
	expect_sc(log, 2, 1, EV_SYSCALL_EXIT, SYS_getppid);
	ck_assert_int_eq(log->ev[2].rval, getpid());
	ck_assert(!log->ev[2].is_error);
	expect_sc(log, 3, 2, EV_SYSCALL_EXIT, SYS_getppid);
	ck_assert_int_eq(log->ev[3].rval, 4242);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- arguments at entry ----------------------------------------------- */

static uint32_t
shorten_write(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, const struct test_ev *ev, void *payload,
              uint32_t ret)
{
	struct utrace_syscall *sc = payload;

	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_write &&
	    ev->args[0] == (uint64_t)te->state && ev->args[2] == 5)
		sc->args[2] = 2;
	return ret;
}

START_TEST(rewrite_arguments)
{
	struct test_log *log = test_log();
	struct test_engine *obs;
	struct test_engine *ed;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	long at;
	int rep[2];
	int data[2];
	int status;

	u = new_context(_i);
	test_pipe(rep, 1);
	test_pipe(data, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
	                  test_fmt("write:%d:hello", data[1]), "exit:0", NULL);
	test_close(rep[1]);
	test_close(data[1]);
	obs = test_engine_new(1, NULL);
	ed = test_engine_new(2, shorten_write);
	ed->state = data[1];
	test_engine_only(obs, SYS_write);
	test_engine_only(ed, SYS_write);
	e1 = test_attach(task, obs, EVENTS);
	e2 = test_attach(task, ed, EVENTS);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(data[0]), "he");
	ck_assert_str_eq(test_read_all(rep[0]), "write 2\n");

	/* The observer, called after the editor at entry, sees the edit. */
	at = test_log_find(log, 0, 2, EV_SYSCALL_ENTRY, SYS_write);
	ck_assert_msg(at >= 0 && log->ev[at].args[2] == 5 &&
	                      log->ev[at].args[0] == (uint64_t)data[1],
	              "%s", test_log_dump(log));
	expect_sc(log, (size_t)at + 1, 1, EV_SYSCALL_ENTRY, SYS_write);
	ck_assert_msg(log->ev[at + 1].args[2] == 2, "%s", test_log_dump(log));
	expect_sc(log, (size_t)at + 2, 1, EV_SYSCALL_EXIT, SYS_write);
	ck_assert_int_eq(log->ev[at + 2].rval, 2);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- the number at entry ---------------------------------------------- */

static uint32_t
getppid_to_getpid(struct test_engine *te, struct utrace_engine *engine,
                  struct utrace_task *task, const struct test_ev *ev,
                  void *payload, uint32_t ret)
{
	struct utrace_syscall *sc = payload;

	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid)
		sc->nr = SYS_getpid;
	return ret;
}

START_TEST(rewrite_number)
{
	struct test_log *log = test_log();
	struct test_engine *obs;
	struct test_engine *ed;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	pid_t pid;
	int rep[2];
	int status;

	u = new_context(_i);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "ppid", "exit:0",
	                  NULL);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	obs = test_engine_new(1, NULL);
	ed = test_engine_new(2, getppid_to_getpid);
	test_engine_only(obs, SYS_getppid, SYS_getpid);
	test_engine_only(ed, SYS_getppid, SYS_getpid);
	e1 = test_attach(task, obs, EVENTS);
	e2 = test_attach(task, ed, EVENTS);
	test_start(task);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("ppid %d\n", (int)pid));

	ck_assert_msg(test_log_n(log) >= 4, "%s", test_log_dump(log));
	expect_sc(log, 0, 2, EV_SYSCALL_ENTRY, SYS_getppid);
	expect_sc(log, 1, 1, EV_SYSCALL_ENTRY, SYS_getpid);
	ck_assert_msg(log->ev[2].kind == EV_SYSCALL_EXIT &&
	                      log->ev[2].engine == 1 &&
	                      log->ev[2].rval == pid &&
	                      log->ev[3].kind == EV_SYSCALL_EXIT &&
	                      log->ev[3].engine == 2 && log->ev[3].rval == pid,
	              "%s", test_log_dump(log));
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- an edit in the repeated entry report ------------------------------ */

/* Holds the write at its first entry report, shortens it in the repeat
 * that follows the release. */
static uint32_t
hold_then_shorten(struct test_engine *te, struct utrace_engine *engine,
                  struct utrace_task *task, const struct test_ev *ev,
                  void *payload, uint32_t ret)
{
	struct utrace_syscall *sc = payload;

	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != SYS_write ||
	    ev->args[0] != (uint64_t)te->state)
		return ret;
	if (!(ev->action & UTRACE_SYSCALL_RESUMED))
		return UTRACE_STOP | utrace_syscall_action(ev->action);
	sc->args[2] = 2;
	return ret;
}

struct release {
	struct utrace_task *task;
	struct utrace_engine *engine;
	int rc;
};

static void *
release_thread(void *arg)
{
	struct release *r = arg;

	r->rc = utrace_control(r->task, r->engine, UTRACE_RESUME);
	return NULL;
}

START_TEST(edit_in_resumed_entry)
{
	struct test_log *log = test_log();
	struct test_engine *obs;
	struct test_engine *ed;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct release rel;
	struct utrace *u;
	int data[2];
	int status;

	u = new_context(_i);
	test_pipe(data, 1);
	task = test_spawn(u, test_fmt("write:%d:hello", data[1]), "exit:0",
	                  NULL);
	test_close(data[1]);
	obs = test_engine_new(1, NULL);
	ed = test_engine_new(2, hold_then_shorten);
	ed->state = data[1];
	test_engine_only(obs, SYS_write);
	test_engine_only(ed, SYS_write);
	e1 = test_attach(task, obs, EVENTS);
	e2 = test_attach(task, ed, EVENTS);
	test_start(task);
	ck_assert_msg(test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_write, 1),
	              "%s", test_log_dump(log));
	rel.task = task;
	rel.engine = e2;
	rel.rc = 1;
	test_on_thread(release_thread, &rel);
	ck_assert_int_eq(rel.rc, 0);
	status = test_wait(task);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(test_read_all(data[0]), "he");

	/* First pass: 5 for both; repeat: the observer sees the edit. */
	ck_assert_msg(test_log_n(log) >= 6, "%s", test_log_dump(log));
	expect_sc(log, 0, 2, EV_SYSCALL_ENTRY, SYS_write);
	expect_sc(log, 1, 1, EV_SYSCALL_ENTRY, SYS_write);
	expect_sc(log, 2, 2, EV_SYSCALL_ENTRY, SYS_write);
	expect_sc(log, 3, 1, EV_SYSCALL_ENTRY, SYS_write);
	ck_assert_msg(log->ev[1].args[2] == 5 &&
	                      log->ev[1].action == UTRACE_STOP &&
	                      log->ev[2].args[2] == 5 &&
	                      (log->ev[2].action & UTRACE_SYSCALL_RESUMED) &&
	                      log->ev[3].args[2] == 2 &&
	                      (log->ev[3].action & UTRACE_SYSCALL_RESUMED),
	              "%s", test_log_dump(log));
	expect_sc(log, 4, 1, EV_SYSCALL_EXIT, SYS_write);
	ck_assert_int_eq(log->ev[4].rval, 2);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static Suite *
syscall_suite(void)
{
	Suite *s = suite_create("syscall");
	TCase *tc;

	/* Loop index 0: default context; 1: UTRACE_OPT_SYSCALL_INFO_REGS. */
	tc = test_tcase(s, "abort");
	tcase_add_loop_test(tc, abort_with_eperm, 0, 2);
	tcase_add_loop_test(tc, abort_default_enosys, 0, 2);
	tc = test_tcase(s, "rewrite");
	tcase_add_loop_test(tc, rewrite_return_value, 0, 2);
	tcase_add_loop_test(tc, rewrite_arguments, 0, 2);
	tcase_add_loop_test(tc, rewrite_number, 0, 2);
	tcase_add_loop_test(tc, edit_in_resumed_entry, 0, 2);
	return s;
}

TEST_MAIN(syscall_suite)
