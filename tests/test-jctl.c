/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Job control under tracing behaves as without it: a stop signal stops
 * every thread and keeps them stopped, SIGCONT continues them and runs
 * the program's handler once, and many stop/continue cycles leave the
 * program intact.
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

#define JCTL_EVENTS                                                           \
	(UTRACE_EVENT(JCTL) | UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(CLONE) | \
	 UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))

struct jctl_tracee {
	struct utrace *u;
	struct utrace_task *task;
	struct utrace_engine *engine;
	struct test_engine *te;
	pid_t pid;
	pid_t thread;
	int rep;  /* its reports */
	int data; /* what it echoes */
};

/*
 * A process of its own group (SIGTSTP is discarded in an orphaned one)
 * with a SIGCONT handler and two threads: the leader echoes a pipe, the
 * other one waits in pause() with SIGCONT blocked, so that the handler
 * runs in the leader before it goes on.  One FOLLOW engine on both.
 */
static void
jctl_start(struct jctl_tracee *j)
{
	const char *line;
	int rep[2];
	int data[2];
	long clone;

	memset(j, 0, sizeof(*j));
	j->u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	j->task = test_spawn(
		j->u, "-r", test_fmt("%d", rep[1]), "setpgid", "catch:CONT",
		"block:CONT", "threads:1", "unblock:CONT", "say:ready",
		test_fmt("echo:%d", data[0]), "caught:CONT", "exit:0", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	j->rep = rep[0];
	j->data = data[1];
	j->pid = utrace_task_tid(j->task);
	j->te = test_engine_new(1, NULL);
	ck_assert_int_eq(
		utrace_attach_task(j->task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &test_engine_ops, j->te, &j->engine),
		0);
	ck_assert_int_eq(utrace_set_events(j->task, j->engine, JCTL_EVENTS), 0);
	test_start(j->task);
	line = test_read_line(j->rep);
	ck_assert_str_eq(line, "threads 1");
	ck_assert_str_eq(test_read_line(j->rep), "say ready");
	clone = test_log_find(test_log(), 0, 1, EV_CLONE, TEST_ANY);
	ck_assert(clone >= 0);
	j->thread = test_log()->ev[clone].other;
}

/* Ends the echo; the program reports its SIGCONT count and exits 0. */
static void
jctl_finish(struct jctl_tracee *j, int conts)
{
	const char *line;
	int status;

	test_close(j->data);
	ck_assert_str_eq(test_read_line(j->rep), "echo EOF");
	line = test_read_line(j->rep);
	ck_assert_msg(strcmp(line, test_fmt("caught CONT %d %d", conts,
	                                    SIGCONT)) == 0,
	              "the SIGCONT handler ran: \"%s\", expected %d times\n%s",
	              line, conts, test_log_dump(test_log()));
	status = test_wait(j->task);
	ck_assert_msg(status == 0, "status %#x\n%s", status,
	              test_log_dump(test_log()));
	ck_assert_str_eq(test_read_all(j->rep), "");
	ck_assert_int_eq(test_log_count(test_log(), 1, EV_DEATH, TEST_ANY), 2);
	utrace_engine_put(j->engine);
	utrace_task_put(j->task);
	test_free(j->u);
}

/* Every thread of the process stopped ('T', or 't' in the tracer's
 * listening stop). */
static void
expect_all_stopped(const struct jctl_tracee *j)
{
	char states[16];
	size_t n;
	size_t i;

	n = test_thread_states(j->pid, states, sizeof(states));
	ck_assert_msg(n == 2, "%zu threads", n);
	for (i = 0; i < n; i++)
		ck_assert_msg(states[i] == 'T' || states[i] == 't',
		              "thread states \"%s\": not all stopped\n%s",
		              states, test_log_dump(test_log()));
}

/* Both threads reported @count group stops (or continues, by @type). */
static void
wait_jctl(const struct jctl_tracee *j, int type, size_t count)
{
	struct test_log *log = test_log();

	ck_assert_msg(test_log_wait(log, 1, EV_JCTL, type, 2 * count),
	              "expected %zu jctl(%d) reports\n%s", 2 * count, type,
	              test_log_dump(log));
}

/* _i: the stop signal, SIGSTOP or SIGTSTP (default disposition). */
START_TEST(stop_and_continue)
{
	static const int sigs[] = { SIGSTOP, SIGTSTP };
	struct test_log *log = test_log();
	struct jctl_tracee j;
	int sig = sigs[_i];
	uint32_t disp =
		sig == SIGSTOP ? UTRACE_SIGNAL_STOP : UTRACE_SIGNAL_TSTP;
	bool seen_leader = false;
	bool seen_thread = false;
	long cont_signal;
	size_t n;
	size_t i;

	jctl_start(&j);
	ck_assert_int_eq(kill(j.pid, sig), 0);
	wait_jctl(&j, CLD_STOPPED, 1);

	/* One signal report (the thread that took it), then one group
	 * stop report per thread, with the stop signal. */
	ck_assert_msg(test_log_count(log, 1, EV_SIGNAL, sig) == 1, "%s",
	              test_log_dump(log));
	i = (size_t)test_log_find(log, 0, 1, EV_SIGNAL, sig);
	ck_assert_msg(log->ev[i].action == (UTRACE_RESUME | disp) &&
	                      test_log_find(log, 0, 1, EV_JCTL, CLD_STOPPED) >
	                              (long)i,
	              "#%zu: signal %d with disposition %#x first\n%s", i, sig,
	              disp, test_log_dump(log));
	n = test_log_n(log);
	for (i = 0; i < n; i++) {
		const struct test_ev *ev = &log->ev[i];

		if (ev->kind != EV_JCTL)
			continue;
		ck_assert_msg(ev->code == CLD_STOPPED && ev->signo == sig, "%s",
		              test_log_dump(log));
		if (ev->tid == j.pid)
			seen_leader = true;
		else if (ev->tid == j.thread)
			seen_thread = true;
	}
	ck_assert_msg(seen_leader && seen_thread, "%s", test_log_dump(log));

	/* It stays stopped: a byte to echo waits, twice over. */
	expect_all_stopped(&j);
	ck_assert_int_eq(write(j.data, "x", 1), 1);
	test_expect_quiet(j.rep, 250);
	expect_all_stopped(&j);
	test_expect_quiet(j.rep, 250);
	expect_all_stopped(&j);
	ck_assert_msg(test_log_count(log, 1, EV_JCTL, TEST_ANY) == 2 &&
	                      test_log_n(log) == n,
	              "reports while stopped\n%s", test_log_dump(log));

	/* SIGCONT: each thread hears the continue, then one of them the
	 * SIGCONT itself, whose handler runs once. */
	ck_assert_int_eq(kill(j.pid, SIGCONT), 0);
	ck_assert_str_eq(test_read_line(j.rep), "echo x");
	wait_jctl(&j, CLD_CONTINUED, 1);
	ck_assert_msg(test_log_wait(log, 1, EV_SIGNAL, SIGCONT, 1), "%s",
	              test_log_dump(log));
	cont_signal = test_log_find(log, 0, 1, EV_SIGNAL, SIGCONT);
	ck_assert_msg(log->ev[cont_signal].action ==
	                              (UTRACE_RESUME | UTRACE_SIGNAL_DELIVER) &&
	                      log->ev[cont_signal].tid == j.pid,
	              "%s", test_log_dump(log));
	for (i = n; i < test_log_n(log); i++) {
		const struct test_ev *ev = &log->ev[i];

		if (ev->kind != EV_JCTL)
			continue;
		ck_assert_msg(ev->code == CLD_CONTINUED && ev->signo == SIGCONT,
		              "#%zu: expected a continue report\n%s", i,
		              test_log_dump(log));
		if (ev->tid == log->ev[cont_signal].tid)
			ck_assert_msg((long)i < cont_signal,
			              "#%zu: continue after the SIGCONT "
			              "report\n%s",
			              i, test_log_dump(log));
	}
	jctl_finish(&j, 1);
	ck_assert_int_eq(test_log_count(log, 1, EV_SIGNAL, SIGCONT), 1);
	ck_assert_int_eq(test_log_count(log, 1, EV_JCTL, CLD_STOPPED), 2);
	ck_assert_int_eq(test_log_count(log, 1, EV_JCTL, CLD_CONTINUED), 2);
}
END_TEST

#define CYCLES 20

START_TEST(stop_continue_cycles)
{
	struct test_log *log = test_log();
	struct jctl_tracee j;
	size_t k;

	jctl_start(&j);
	for (k = 1; k <= CYCLES; k++) {
		ck_assert_int_eq(kill(j.pid, SIGSTOP), 0);
		wait_jctl(&j, CLD_STOPPED, k);
		expect_all_stopped(&j);
		ck_assert_int_eq(kill(j.pid, SIGCONT), 0);
		wait_jctl(&j, CLD_CONTINUED, k);
		/* Wait for the SIGCONT's delivery: a SIGSTOP generated
		 * before it would discard it, as without tracing. */
		ck_assert_msg(test_log_wait(log, 1, EV_SIGNAL, SIGCONT, k),
		              "cycle %zu: no SIGCONT report\n%s", k,
		              test_log_dump(log));
	}
	ck_assert_int_eq(write(j.data, "y", 1), 1);
	ck_assert_str_eq(test_read_line(j.rep), "echo y");
	jctl_finish(&j, CYCLES);
	ck_assert_int_eq(test_log_count(log, 1, EV_SIGNAL, SIGSTOP), CYCLES);
	ck_assert_int_eq(test_log_count(log, 1, EV_SIGNAL, SIGCONT), CYCLES);
	ck_assert_int_eq(test_log_count(log, 1, EV_JCTL, CLD_STOPPED),
	                 2 * (intmax_t)CYCLES);
	ck_assert_int_eq(test_log_count(log, 1, EV_JCTL, CLD_CONTINUED),
	                 2 * (intmax_t)CYCLES);
}
END_TEST

static Suite *
jctl_suite(void)
{
	Suite *s = suite_create("jctl");
	TCase *tc;

	tc = test_tcase(s, "jctl");
	tcase_add_loop_test(tc, stop_and_continue, 0, 2);
	tcase_add_test(tc, stop_continue_cycles);
	return s;
}

TEST_MAIN(jctl_suite)
