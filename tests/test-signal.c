/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals: the disposition passed from engine to engine (last writer
 * wins), a shared and mutable siginfo, and the natural disposition the
 * first engine sees.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define REPORTS \
	(UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))

static void
expect_signal(struct test_log *log, size_t i, int engine, int signo,
              uint32_t action)
{
	ck_assert_msg(
		i < test_log_n(log) &&
			test_ev_match(&log->ev[i], engine, EV_SIGNAL, signo) &&
			log->ev[i].action == action,
		"#%zu: expected E%d signal %d with action %#x\n%s", i, engine,
		signo, action, test_log_dump(log));
}

/* state: what to answer to SIGUSR1 (IGN or DELIVER), and with DELIVER
 * turn it into SIGUSR2 first. */
static uint32_t
usr1_policy(struct test_engine *te, struct utrace_engine *engine,
            struct utrace_task *task, const struct test_ev *ev, void *payload,
            uint32_t ret)
{
	siginfo_t *info = payload;

	if (ev->kind != EV_SIGNAL || ev->signo != SIGUSR1)
		return ret;
	if (te->state == UTRACE_SIGNAL_IGN)
		return UTRACE_RESUME | UTRACE_SIGNAL_IGN;
	info->si_signo = SIGUSR2;
	return UTRACE_RESUME | UTRACE_SIGNAL_DELIVER;
}

static uint32_t
ignore_all(struct test_engine *te, struct utrace_engine *engine,
           struct utrace_task *task, const struct test_ev *ev, void *payload,
           uint32_t ret)
{
	if (ev->kind == EV_SIGNAL)
		return UTRACE_RESUME | UTRACE_SIGNAL_IGN;
	return ret;
}

/* Replaced: E1 ignores SIGUSR1, E2 turns it into SIGUSR2 and delivers;
 * with _i, a neutral E3 passes E2's decision on. */
START_TEST(last_writer_delivers)
{
	struct test_log *log = test_log();
	struct test_engine *te[3];
	struct utrace_engine *e[3] = { NULL, NULL, NULL };
	struct utrace_task *task;
	struct utrace *u;
	int n_engines = _i ? 3 : 2;
	int rep[2];
	int status;
	int k;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "catch:USR1",
	                  "catch:USR2", "raise:USR1", "caught:USR1",
	                  "caught:USR2", "exit:0", NULL);
	test_close(rep[1]);
	for (k = 0; k < n_engines; k++) {
		te[k] = test_engine_new(k + 1, k < 2 ? usr1_policy : NULL);
		e[k] = test_attach(task, te[k], REPORTS);
	}
	te[0]->state = UTRACE_SIGNAL_IGN;
	te[1]->state = UTRACE_SIGNAL_DELIVER;
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == 0, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]), test_fmt("raise 0\n"
	                                                 "caught USR1 0 0\n"
	                                                 "caught USR2 1 %d\n",
	                                                 SIGUSR2));

	ck_assert_msg(test_log_count(log, 0, EV_SIGNAL, TEST_ANY) ==
	                      (size_t)n_engines,
	              "one signal report per engine\n%s", test_log_dump(log));
	/* The handler's disposition first, then E1's IGN, then E2's
	 * DELIVER of the edited siginfo. */
	expect_signal(log, 0, 1, SIGUSR1,
	              UTRACE_RESUME | UTRACE_SIGNAL_DELIVER);
	expect_signal(log, 1, 2, SIGUSR1, UTRACE_RESUME | UTRACE_SIGNAL_IGN);
	if (n_engines == 3) {
		expect_signal(log, 2, 3, SIGUSR2,
		              UTRACE_RESUME | UTRACE_SIGNAL_DELIVER);
		ck_assert_int_eq(log->ev[2].ret,
		                 UTRACE_RESUME | UTRACE_SIGNAL_DELIVER);
	}
	for (k = 0; k < n_engines; k++)
		utrace_engine_put(e[k]);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* Reverse: E1 turns SIGUSR1 into SIGUSR2, E2 ignores it: no handler. */
START_TEST(last_writer_ignores)
{
	struct test_log *log = test_log();
	struct test_engine *te[2];
	struct utrace_engine *e[2];
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];
	int status;
	int k;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "catch:USR1",
	                  "catch:USR2", "raise:USR1", "caught:USR1",
	                  "caught:USR2", "exit:0", NULL);
	test_close(rep[1]);
	for (k = 0; k < 2; k++) {
		te[k] = test_engine_new(k + 1, NULL);
		e[k] = test_attach(task, te[k], REPORTS);
	}
	te[0]->decide = usr1_policy;
	te[0]->state = UTRACE_SIGNAL_DELIVER;
	te[1]->decide = ignore_all;
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == 0, "status %#x\n%s", status,
	              test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]), "raise 0\n"
	                                        "caught USR1 0 0\n"
	                                        "caught USR2 0 0\n");
	ck_assert_msg(test_log_count(log, 0, EV_SIGNAL, TEST_ANY) == 2, "%s",
	              test_log_dump(log));
	expect_signal(log, 0, 1, SIGUSR1,
	              UTRACE_RESUME | UTRACE_SIGNAL_DELIVER);
	/* E2 sees E1's edit of the shared siginfo. */
	expect_signal(log, 1, 2, SIGUSR2,
	              UTRACE_RESUME | UTRACE_SIGNAL_DELIVER);
	for (k = 0; k < 2; k++)
		utrace_engine_put(e[k]);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- natural dispositions --------------------------------------------- */

static const struct {
	int signo;
	const char *name;
	const char *setup;
	unsigned bit;
	uint32_t disposition;
} natural[] = {
	{ SIGUSR1, "USR1", "catch:USR1", UTRACE_EVENT_BIT_SIGNAL,
	  UTRACE_SIGNAL_DELIVER },
	{ SIGCHLD, "CHLD", NULL, UTRACE_EVENT_BIT_SIGNAL_IGN,
	  UTRACE_SIGNAL_IGN },
	{ SIGUSR2, "USR2", "ign:USR2", UTRACE_EVENT_BIT_SIGNAL_IGN,
	  UTRACE_SIGNAL_IGN },
	{ SIGTERM, "TERM", NULL, UTRACE_EVENT_BIT_SIGNAL_TERM,
	  UTRACE_SIGNAL_TERM },
	{ SIGQUIT, "QUIT", NULL, UTRACE_EVENT_BIT_SIGNAL_CORE,
	  UTRACE_SIGNAL_CORE },
	{ SIGSTOP, "STOP", NULL, UTRACE_EVENT_BIT_SIGNAL_STOP,
	  UTRACE_SIGNAL_STOP },
	{ SIGTSTP, "TSTP", NULL, UTRACE_EVENT_BIT_SIGNAL_STOP,
	  UTRACE_SIGNAL_TSTP },
};

/*
 * E1 hears only the event the signal should be classified as, E2 every
 * other signal event; both ignore what they get, so the tracee survives.
 */
START_TEST(natural_disposition)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct test_engine *t2;
	struct utrace_engine *e1;
	struct utrace_engine *e2;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t bit = 1ull << natural[_i].bit;
	const char *expect;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	if (natural[_i].setup)
		task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
		                  natural[_i].setup,
		                  test_fmt("raise:%s", natural[_i].name),
		                  "caught:USR1", "say:alive", "exit:0", NULL);
	else
		task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
		                  test_fmt("raise:%s", natural[_i].name),
		                  "caught:USR1", "say:alive", "exit:0", NULL);
	test_close(rep[1]);
	t1 = test_engine_new(1, ignore_all);
	t2 = test_engine_new(2, ignore_all);
	e1 = test_attach(task, t1,
	                 bit | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP));
	e2 = test_attach(task, t2, UTRACE_EVENT_SIGNAL_ALL & ~bit);
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(status == 0, "%s: status %#x\n%s", natural[_i].name,
	              status, test_log_dump(log));
	expect = "raise 0\ncaught USR1 0 0\nsay alive\n";
	ck_assert_str_eq(test_read_all(rep[0]), expect);

	ck_assert_msg(test_log_count(log, 2, EV_SIGNAL, TEST_ANY) == 0,
	              "SIG%s reported as another event\n%s", natural[_i].name,
	              test_log_dump(log));
	ck_assert_msg(test_log_n(log) == 3, "SIG%s\n%s", natural[_i].name,
	              test_log_dump(log));
	expect_signal(log, 0, 1, natural[_i].signo,
	              UTRACE_RESUME | natural[_i].disposition);
	ck_assert(test_ev_match(&log->ev[1], 1, EV_DEATH, TEST_ANY));
	ck_assert(test_ev_match(&log->ev[2], 1, EV_REAP, TEST_ANY));
	utrace_engine_put(e1);
	utrace_engine_put(e2);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* A neutral engine passes TERM on: the signal kills the tracee. */
START_TEST(term_passed_on)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "raise:TERM",
	                  "say:alive", "exit:0", NULL);
	test_close(rep[1]);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, REPORTS);
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	              "status %#x\n%s", status, test_log_dump(log));
	ck_assert_str_eq(test_read_all(rep[0]), "");
	ck_assert_msg(test_log_n(log) == 3, "%s", test_log_dump(log));
	expect_signal(log, 0, 1, SIGTERM, UTRACE_RESUME | UTRACE_SIGNAL_TERM);
	ck_assert_msg(test_ev_match(&log->ev[1], 1, EV_DEATH, TEST_ANY) &&
	                      log->ev[1].status == SIGTERM,
	              "%s", test_log_dump(log));
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static Suite *
signal_suite(void)
{
	Suite *s = suite_create("signal");
	TCase *tc;

	tc = test_tcase(s, "merge");
	tcase_add_loop_test(tc, last_writer_delivers, 0, 2);
	tcase_add_test(tc, last_writer_ignores);
	tc = test_tcase(s, "natural");
	tcase_add_loop_test(tc, natural_disposition, 0,
	                    (int)(sizeof(natural) / sizeof(natural[0])));
	tcase_add_test(tc, term_passed_on);
	return s;
}

TEST_MAIN(signal_suite)
