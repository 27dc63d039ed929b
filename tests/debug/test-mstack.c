/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The examples mstack and bpcount, end to end, on tracee-dbg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbg-common.h"
#include "test-common.h"

static const char *
example(const char *name)
{
	const char *dir = getenv("UTRACE_TEST_EXAMPLES");

	ck_assert_msg(dir && *dir, "UTRACE_TEST_EXAMPLES is not set");
	return test_fmt("%s/%s", dir, name);
}

/* fork + exec @argv, untraced, stdout to @out (or -1: unchanged). */
static pid_t
start(char *const argv[], int out)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (out >= 0 && dup2(out, 1) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	test_track_pid(pid);
	return pid;
}

static int
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return status;
}

/* Output of @argv (and its standard error if @err), and its status. */
static const char *
run(char *const argv[], bool err, int *ret_status)
{
	const char *out;

	*ret_status =
		dbg_run(argv, err ? DBG_RUN_ERR_OUT : DBG_RUN_ERR_KEEP, &out);
	ck_assert_msg(*ret_status >= 0, "%s: %s", argv[0],
	              strerror(-*ret_status));
	return out;
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what))) {
		n++;
		s++;
	}
	return n;
}

/* In the first thread's frames, c, b, a and main on consecutive lines. */
static void
expect_chain(const char *out)
{
	static const char *const chain[] = { " c+0x", " b+0x", " a+0x",
		                             " main+0x" };
	const char *line = strstr(out, " c+0x");
	const char *end = strstr(strstr(out, "TID ") + 1, "TID ");

	ck_assert_msg(line != NULL && (!end || line < end), "%s", out);
	for (int i = 1; i < 4; i++) {
		const char *next = strchr(line, '\n');
		const char *eol;

		ck_assert_msg(next != NULL, "%s", out);
		line = next + 1;
		eol = strchr(line, '\n');
		ck_assert_msg(eol && strstr(line, chain[i]) &&
		                      strstr(line, chain[i]) < eol,
		              "frame after%s is not%s\n%s", chain[i - 1],
		              chain[i], out);
	}
}

START_TEST(mstack_prints_every_thread)
{
	const char *out;
	char *argv[8];
	char *run_argv[4];
	int rep[2];
	int hang[2];
	int status;
	pid_t pid;

	test_pipe(rep, 1);
	test_pipe(hang, 0);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-dbg"));
	argv[1] = (char *)"-r";
	argv[2] = (char *)test_fmt("%d", rep[1]);
	argv[3] = (char *)"bg";
	argv[4] = (char *)test_fmt("hang:%d", hang[0]);
	argv[5] = (char *)"exit:0";
	argv[6] = NULL;
	pid = start(argv, -1);
	test_close(rep[1]);
	test_close(hang[0]);
	dbg_line(rep[0], "bg");
	dbg_line(rep[0], "ready");

	run_argv[0] = (char *)example("mstack");
	run_argv[1] = (char *)"-p";
	run_argv[2] = (char *)test_fmt("%d", (int)pid);
	run_argv[3] = NULL;
	out = run(run_argv, false, &status);
	ck_assert_msg(status == 0, "mstack: status %#x\n%s", status, out);
	ck_assert_msg(strncmp(out,
	                      test_fmt("PID %d\nTID %d:\n", (int)pid, (int)pid),
	                      strlen(test_fmt("PID %d\nTID %d:\n", (int)pid,
	                                      (int)pid))) == 0,
	              "%s", out);
	/* The leader: blocked in read() under c <- b <- a <- main. */
	expect_chain(out);
	/* The other thread. */
	ck_assert_msg(strstr(out, " waiter+0x") != NULL, "%s", out);
	ck_assert_int_eq(count(out, "TID "), 2);

	/* Untouched: untraced, and it goes on. */
	ck_assert_int_eq(test_tracer_pid(pid), 0);
	ck_assert_int_eq(write(hang[1], "x", 1), 1);
	dbg_line(rep[0], "chain");
	ck_assert_int_eq(reap(pid), 0);
	test_close(rep[0]);
	test_close(hang[1]);
}
END_TEST

START_TEST(bpcount_spawned)
{
	char *argv[] = { (char *)example("bpcount"),
		         (char *)"target",
		         (char *)"--",
		         (char *)test_fmt("%s", test_helper("tracee-dbg")),
		         (char *)"-r",
		         (char *)"1",
		         (char *)"calls:3:100",
		         NULL };
	char *lib_argv[] = { argv[0],
		             (char *)"-q",
		             (char *)"getppid",
		             (char *)"--",
		             argv[3],
		             (char *)"-r",
		             (char *)"1",
		             (char *)"libcalls:70",
		             (char *)"calls:2:10",
		             NULL };
	char *bad_argv[] = { argv[0], (char *)"nosuchfunction", (char *)"--",
		             argv[3], NULL };
	const char *out;
	int status;

	out = run(argv, true, &status);
	ck_assert_msg(status == 0, "bpcount: status %#x\n%s", status, out);
	/* The program's own count, the syscall printer's lines (its report
	 * is a 10-byte write), and the breakpoint's count. */
	ck_assert_msg(strstr(out, "calls 300\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "] write() = 10\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "] execve() = 0\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "target: 300 calls\n") != NULL, "%s", out);
	/* A function of a shared library, found once it is loaded. */
	out = run(lib_argv, true, &status);
	ck_assert_msg(status == 0, "bpcount: status %#x\n%s", status, out);
	ck_assert_msg(strstr(out, "libcalls 70\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "getppid: 70 calls\n") != NULL, "%s", out);
	out = run(bad_argv, true, &status);
	ck_assert_msg(WEXITSTATUS(status) == 1, "%s", out);
}
END_TEST

/* 0: a function of the program; 1: of a shared library (libc). */
START_TEST(bpcount_attached)
{
	char *argv[10];
	int rep[2];
	int go[2];
	int out[2];
	pid_t tracee;
	pid_t counter;

	test_pipe(rep, 1);
	test_pipe(go, 0);
	test_pipe(out, 1);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-dbg"));
	argv[1] = (char *)"-r";
	argv[2] = (char *)test_fmt("%d", rep[1]);
	argv[3] = (char *)"addr";
	argv[4] = (char *)test_fmt("spin:%d", go[0]);
	argv[5] = (char *)(_i ? "libcalls:100" : "calls:2:50");
	argv[6] = (char *)test_fmt("spin:%d", go[0]);
	argv[7] = (char *)"exit:0";
	argv[8] = NULL;
	tracee = start(argv, -1);
	test_close(rep[1]);
	test_close(go[0]);
	/* Its report says it runs the helper program (not still the fork of
	 * the test) before bpcount looks up the symbol in it. */
	(void)dbg_line(rep[0], "addr");

	argv[0] = (char *)example("bpcount");
	argv[1] = (char *)"-q";
	argv[2] = (char *)"-p";
	argv[3] = (char *)test_fmt("%d", (int)tracee);
	argv[4] = (char *)(_i ? "getppid" : "target");
	argv[5] = NULL;
	counter = start(argv, out[1]);
	test_close(out[1]);
	/* bpcount says when its breakpoint is in. */
	ck_assert_str_eq(dbg_line(out[0], "attached"),
	                 test_fmt("%d", (int)tracee));
	ck_assert_int_gt(test_tracer_pid(tracee), 0);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_str_eq(dbg_line(rep[0], _i ? "libcalls" : "calls"), "100");
	ck_assert_int_eq(kill(counter, SIGINT), 0);
	ck_assert_str_eq(dbg_line(out[0], _i ? "getppid:" : "target:"),
	                 "100 calls");
	ck_assert_int_eq(reap(counter), 0);
	/* Detached, without its breakpoint: it runs on to its end. */
	ck_assert_int_eq(test_tracer_pid(tracee), 0);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(reap(tracee), 0);
	test_close(rep[0]);
	test_close(go[1]);
	test_close(out[0]);
}
END_TEST

static Suite *
mstack_suite(void)
{
	Suite *s = suite_create("mstack");
	TCase *tc;

	tc = test_tcase(s, "examples");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mstack_prints_every_thread);
	tcase_add_test(tc, bpcount_spawned);
	tcase_add_loop_test(tc, bpcount_attached, 0, 2);
	return s;
}

TEST_MAIN(mstack_suite)
