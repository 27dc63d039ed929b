/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Paying only for what is asked: per-engine syscall sets
 * (utrace_set_syscalls) and seccomp-filtered spawning
 * (UTRACE_SPAWN_SECCOMP).  The tracee counts its own voluntary context
 * switches around a loop of getppid(): a ptrace stop is one, so a loop
 * that does not stop costs almost none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define LOOPS 1000
#define EVENTS (UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))

static const int64_t only_openat[] = { SYS_openat };

/* Runs tracee-loop; *ret_task is the spawned task (not started). */
static struct utrace_task *
spawn_loop(struct utrace *u, int rep_w, bool seccomp, bool fork_child)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL |
		         (seccomp ? UTRACE_SPAWN_SECCOMP : 0),
		.seccomp_nrs = only_openat,
		.n_seccomp_nrs = 1,
	};
	char *argv[6];
	struct utrace_task *task = NULL;
	int r;

	argv[0] = (char *)test_fmt("%s", test_helper("tracee-loop"));
	argv[1] = (char *)test_fmt("%d", rep_w);
	argv[2] = (char *)test_fmt("%d", LOOPS);
	argv[3] = (char *)"/dev/null";
	argv[4] = fork_child ? (char *)"fork" : NULL;
	argv[5] = NULL;
	r = utrace_spawn(u, argv, NULL, &opts, &task);
	/* Under valgrind the child runs emulated until its exec, and
	 * valgrind knows no seccomp(2): the library says -ENOSYS. */
	if (seccomp && r == -ENOSYS && getenv("UTRACE_TEST_NO_SECCOMP"))
		return NULL;
	ck_assert_msg(r == 0, "utrace_spawn: %d (%s)", r, strerror(-r));
	test_track_pid(utrace_task_tid(task));
	return task;
}

/* "loop NVCSW R ERRNO" */
static void
parse_loop(const char *line, long *nvcsw, int *r, int *err)
{
	long v[3];

	ck_assert_msg(test_parse_report(line, "loop", v, 3) == 3,
	              "tracee said '%s'", line);
	*nvcsw = v[0];
	*r = (int)v[1];
	*err = (int)v[2];
}

static uint32_t
deny_openat(struct test_engine *te, struct utrace_engine *engine,
            struct utrace_task *task, const struct test_ev *ev, void *payload,
            uint32_t ret)
{
	struct utrace_syscall *sc = payload;

	/* Only the tracee's own open: the loader's have O_CLOEXEC. */
	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != SYS_openat ||
	    sc->args[2] != O_RDONLY)
		return ret;
	sc->rval = -EACCES;
	return UTRACE_RESUME | UTRACE_SYSCALL_ABORT;
}

/* An engine limited to openat hears only openat; its neighbour all. */
START_TEST(set_syscalls_limits_reports)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	long nvcsw;
	int rep[2];
	int r;
	int err;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = spawn_loop(u, rep[1], false, false);
	test_close(rep[1]);
	t1 = test_engine_new(1, NULL);
	t2 = test_engine_new(2, NULL);
	/* The log holds getppid and openat only: it has room for them. */
	test_engine_only(t2, SYS_getppid, SYS_openat);
	e1 = test_attach(task, t1, EVENTS);
	e2 = test_attach(task, t2, EVENTS);
	ck_assert_int_eq(
		utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, only_openat, 1),
		0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	parse_loop(test_read_all(rep[0]), &nvcsw, &r, &err);
	ck_assert_int_eq(r, 0);

	ck_assert_uint_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, TEST_ANY),
	                  test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat));
	ck_assert_uint_ge(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat),
	                  1);
	ck_assert_uint_ge(test_log_count(log, 2, EV_SYSCALL_ENTRY, SYS_getppid),
	                  LOOPS);
	ck_assert_uint_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_getppid),
	                  0);
	/* Every call still stops: engine 2 wants them all. */
	ck_assert_int_ge(nvcsw, LOOPS);
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(set_syscalls_errors)
{
	const int64_t bad[] = { UTRACE_SYSCALL_MAX };
	const int64_t neg[] = { -1 };
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = spawn_loop(u, rep[1], false, false);
	test_close(rep[1]);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, EVENTS);
	ck_assert_int_eq(
		utrace_set_syscalls(NULL, e1, TEST_AUDIT_ARCH, only_openat, 1),
		-EINVAL);
	ck_assert_int_eq(utrace_set_syscalls(task, NULL, TEST_AUDIT_ARCH,
	                                     only_openat, 1),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_syscalls(task, e1, 0x1234, only_openat, 1),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, bad, 1),
	                 -EINVAL);
	ck_assert_int_eq(utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, neg, 1),
	                 -EINVAL);
	ck_assert_int_eq(
		utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, NULL, 0), 0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(
		utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, only_openat, 1),
		-ESRCH);
	(void)test_read_all(rep[0]);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

START_TEST(seccomp_bad_opts)
{
	const int64_t bad[] = { UTRACE_SYSCALL_MAX };
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_SECCOMP | UTRACE_SPAWN_DETACH_ON_FREE,
		.seccomp_nrs = only_openat,
		.n_seccomp_nrs = 1,
	};
	char *argv[] = { (char *)"/bin/true", NULL };
	struct utrace_task *task = NULL;
	struct utrace *u;

	u = test_new(NULL);
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), -EINVAL);
	opts.flags = UTRACE_SPAWN_SECCOMP;
	opts.seccomp_nrs = bad;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), -EINVAL);
	opts.seccomp_nrs = NULL;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), -EINVAL);
	ck_assert_ptr_null(task);
	test_free(u);
}
END_TEST

/*
 * Filtered: only openat stops.  _i: 0 observe, 1 abort openat with
 * -EACCES at the seccomp stop.
 */
START_TEST(seccomp_only_listed_calls_stop)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	long nvcsw;
	int rep[2];
	int r;
	int err;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = spawn_loop(u, rep[1], true, false);
	test_close(rep[1]);
	if (!task) {
		test_free(u);
		return;
	}
	t1 = test_engine_new(1, _i ? deny_openat : NULL);
	e1 = test_attach(task, t1, EVENTS);
	ck_assert_int_eq(
		utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, only_openat, 1),
		0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	parse_loop(test_read_all(rep[0]), &nvcsw, &r, &err);
	/* Far below one switch per call: the loop did not stop. */
	ck_assert_msg(nvcsw < LOOPS / 4, "the loop stopped %ld times", nvcsw);
	if (_i) {
		ck_assert_int_eq(r, -1);
		ck_assert_int_eq(err, EACCES);
	} else {
		ck_assert_int_eq(r, 0);
	}
	/* Entry and exit of every openat, nothing else. */
	ck_assert_uint_ge(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat),
	                  1);
	ck_assert_uint_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat),
	                  test_log_count(log, 1, EV_SYSCALL_EXIT, SYS_openat));
	ck_assert_uint_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, TEST_ANY),
	                  test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat));
	if (_i) {
		size_t n = test_log_n(log);
		long last = -1;

		for (size_t k = 0; k < n; k++)
			if (test_ev_match(&log->ev[k], 1, EV_SYSCALL_EXIT,
			                  SYS_openat))
				last = (long)k;
		ck_assert_int_ge(last, 0);
		ck_assert_int_eq(log->ev[last].rval, -EACCES);
	}
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* An engine that wants every call brings every stop back (mixed mode). */
START_TEST(seccomp_mixed_mode)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	long nvcsw;
	int rep[2];
	int r;
	int err;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = spawn_loop(u, rep[1], true, false);
	test_close(rep[1]);
	if (!task) {
		test_free(u);
		return;
	}
	t1 = test_engine_new(1, NULL);
	t2 = test_engine_new(2, NULL);
	/* The log holds getppid and openat only: it has room for them. */
	test_engine_only(t2, SYS_getppid, SYS_openat);
	e1 = test_attach(task, t1, EVENTS);
	e2 = test_attach(task, t2, EVENTS);
	ck_assert_int_eq(
		utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, only_openat, 1),
		0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	parse_loop(test_read_all(rep[0]), &nvcsw, &r, &err);
	ck_assert_int_eq(r, 0);
	ck_assert_int_ge(nvcsw, LOOPS);
	ck_assert_uint_ge(test_log_count(log, 2, EV_SYSCALL_ENTRY, SYS_getppid),
	                  LOOPS);
	/* Each openat is reported once per engine, not once more for its
	 * seccomp stop. */
	ck_assert_uint_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat),
	                  test_log_count(log, 2, EV_SYSCALL_ENTRY, SYS_openat));
	ck_assert_uint_eq(test_log_count(log, 1, EV_SYSCALL_ENTRY, SYS_openat),
	                  test_log_count(log, 1, EV_SYSCALL_EXIT, SYS_openat));
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * The library never lets go of a filtered task: with no engine left (and
 * for a forked child nobody claims) the filtered calls still work instead
 * of failing with ENOSYS.
 */
START_TEST(seccomp_never_detached)
{
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	long nvcsw;
	int rep[2];
	int r;
	int err;
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = spawn_loop(u, rep[1], true, true);
	test_close(rep[1]);
	if (!task) {
		test_free(u);
		return;
	}
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, EVENTS);
	ck_assert_int_eq(utrace_control(task, e1, UTRACE_DETACH), 0);
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "status %#x (3: the child's openat failed)", status);
	parse_loop(test_read_all(rep[0]), &nvcsw, &r, &err);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(err, 0);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/*
 * A filtered call whose exit comes after an event stop inside the call:
 * fork (the clone event) and execve (the exec event).  Its exit is still
 * reported, with the call's return value.  _i 0: clone; 1: execve.
 */
START_TEST(seccomp_exit_after_event_stop)
{
	const int64_t nr = _i == 0 ? SYS_clone : SYS_execve;
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL | UTRACE_SPAWN_SECCOMP,
		.seccomp_nrs = &nr,
		.n_seccomp_nrs = 1,
	};
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task = NULL;
	struct utrace *u;
	char *argv[7];
	long at;
	int rep[2];
	int r;

	u = test_new(NULL);
	test_pipe(rep, 1);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	argv[1] = (char *)"-r";
	argv[2] = (char *)test_fmt("%d", rep[1]);
	argv[3] = (char *)(_i == 0 ? "fork:3" : "exec");
	argv[4] = (char *)"say:done";
	argv[5] = (char *)"exit:0";
	argv[6] = NULL;
	r = utrace_spawn(u, argv, NULL, &opts, &task);
	test_close(rep[1]);
	if (r == -ENOSYS && getenv("UTRACE_TEST_NO_SECCOMP")) {
		test_free(u);
		return;
	}
	ck_assert_msg(r == 0, "utrace_spawn: %d (%s)", r, strerror(-r));
	test_track_pid(utrace_task_tid(task));
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, EVENTS);
	ck_assert_int_eq(utrace_set_syscalls(task, e1, TEST_AUDIT_ARCH, &nr, 1),
	                 0);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 _i == 0 ? "fork 768\nsay done\n" : "say done\n");

	ck_assert_msg(test_log_count(log, 1, EV_SYSCALL_ENTRY, nr) == 1 &&
	                      test_log_count(log, 1, EV_SYSCALL_EXIT, nr) == 1,
	              "%s", test_log_dump(log));
	at = test_log_find(log, 0, 1, EV_SYSCALL_EXIT, nr);
	if (_i == 0)
		ck_assert_msg(log->ev[at].rval > 0, "%s", test_log_dump(log));
	else
		ck_assert_msg(log->ev[at].rval == 0, "%s", test_log_dump(log));
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static Suite *
filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = test_tcase(s, "syscalls");

	tcase_add_test(tc, set_syscalls_limits_reports);
	tcase_add_test(tc, set_syscalls_errors);
	tc = test_tcase(s, "seccomp");
	tcase_add_test(tc, seccomp_bad_opts);
	tcase_add_loop_test(tc, seccomp_only_listed_calls_stop, 0, 2);
	tcase_add_test(tc, seccomp_mixed_mode);
	tcase_add_test(tc, seccomp_never_detached);
	tcase_add_loop_test(tc, seccomp_exit_after_event_stop, 0, 2);
	return s;
}

TEST_MAIN(filter_suite)
