/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stepping: exact program counters of single and block steps, the
 * merge of two engines' steps, a step into a signal handler and back out
 * through sigreturn, and a SIGTRAP from kill() during a step, which stays
 * a signal for the program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

#define MAX_PCS 64

/* Written by the test before the stepping starts, read by callbacks. */
static struct {
	uint64_t after;
	uint64_t jmp;
	uint64_t target;
	uint64_t handler;
	uint64_t pcs[MAX_PCS];
	int n_pcs;
	uint64_t sig_pc;   /* where the signal interrupted the program */
	uint64_t first_pc; /* the first step after the signal */
	int steps;
	bool back; /* stepped back to sig_pc */
	int rc;
} S;

static bool
is_marker(const struct test_ev *ev, int n)
{
	return ev->kind == EV_SYSCALL_ENTRY && ev->nr == DBG_NR_GETPGID &&
	       (int64_t)ev->args[0] == DBG_MARKER(n) &&
	       !(ev->action & UTRACE_SYSCALL_RESUMED);
}

/* te->rc[0]: the step this engine asks for; te->id 1 records. */
static uint32_t
step_decide(struct test_engine *te, struct utrace_engine *engine,
            struct utrace_task *task, const struct test_ev *ev, void *payload,
            uint32_t ret)
{
	uint64_t pc = 0;
	int r;

	if (is_marker(ev, 7))
		return (uint32_t)te->rc[0];
	if (ev->kind != EV_QUIESCE || ev->event != 0)
		return dbg_hold_markers(te, engine, task, ev, payload, ret);
	r = utrace_task_read_pc(task, &pc);
	if (r < 0) {
		S.rc = r;
		return UTRACE_RESUME;
	}
	if (te->id == 1 && S.n_pcs < MAX_PCS)
		S.pcs[S.n_pcs++] = pc;
	return pc == S.target ? UTRACE_RESUME : (uint32_t)te->rc[0];
}

static void
expect_pcs(const uint64_t *want, int n)
{
	char buf[1024];
	size_t len = 0;
	int i;

	for (i = 0; i < S.n_pcs && len < sizeof(buf) - 40; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %#llx",
		                        (unsigned long long)S.pcs[i]);
	buf[len] = '\0';
	ck_assert_msg(S.n_pcs == n, "%d steps, want %d:%s", S.n_pcs, n, buf);
	for (i = 0; i < n; i++)
		ck_assert_msg(S.pcs[i] == want[i],
		              "step %d at %#llx, want %#llx:%s", i,
		              (unsigned long long)S.pcs[i],
		              (unsigned long long)want[i], buf);
}

/*
 * 0: single steps; 1: block steps; 2: engine 1 block, engine 2 single;
 * 3: engine 1 single, engine 2 block.  Single wins the merge.
 */
START_TEST(step_exact_pcs)
{
	static const uint32_t modes[4][2] = {
		{ UTRACE_SINGLESTEP, 0 },
		{ UTRACE_BLOCKSTEP, 0 },
		{ UTRACE_BLOCKSTEP, UTRACE_SINGLESTEP },
		{ UTRACE_SINGLESTEP, UTRACE_BLOCKSTEP },
	};
	struct test_engine *te[2];
	struct utrace_task *task;
	struct utrace *u;
	const char *line;
	int fd;
	int i;

	memset(&S, 0, sizeof(S));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "step", "exit:0", (char *)NULL);
	for (i = 0; i < 2 && modes[_i][i]; i++) {
		te[i] = test_engine_new(i + 1, step_decide);
		te[i]->rc[0] = (int)modes[_i][i];
		te[i]->rc[1] = i == 0 ? 1 << 6 : 0;
		dbg_attach(task, te[i], 0,
		           UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(SYSCALL_ENTRY));
		dbg_only_syscall(task, te[i]->engine, DBG_NR_GETPGID);
	}
	test_start(task);
	line = dbg_line(fd, "step");
	S.after = dbg_field(line, 1);
	S.jmp = dbg_field(line, 2);
	S.target = dbg_field(line, 3);
	dbg_wait_marker(te[0], 6);
	ck_assert_int_eq(utrace_control(task, te[0]->engine, UTRACE_RESUME), 0);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(S.rc, 0);
	ck_assert_uint_eq(S.jmp, S.after + 3);
	if (_i == 1 && S.n_pcs == 2) {
		/* From the syscall the step ends after it; then one block,
		 * to the jump's target. */
		const uint64_t want[] = { S.after, S.target };

		expect_pcs(want, 2);
	} else {
		/* Single steps; also block steps where the CPU or the
		 * hypervisor ignores DEBUGCTL.BTF (the kernel then steps
		 * single instructions). */
		const uint64_t want[] = { S.after, S.after + 1, S.after + 2,
			                  S.jmp, S.target };

		expect_pcs(want, 5);
	}
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- into a handler and back ---------------------------------------- */

static uint32_t
handler_decide(struct test_engine *te, struct utrace_engine *engine,
               struct utrace_task *task, const struct test_ev *ev,
               void *payload, uint32_t ret)
{
	uint64_t pc = 0;

	if (ev->kind == EV_SIGNAL && ev->signo == SIGUSR1) {
		S.rc = utrace_task_read_pc(task, &S.sig_pc);
		return UTRACE_SINGLESTEP | UTRACE_SIGNAL_DELIVER;
	}
	if (ev->kind != EV_QUIESCE || ev->event != 0 || !S.sig_pc || S.back)
		return dbg_hold_markers(te, engine, task, ev, payload, ret);
	if (utrace_task_read_pc(task, &pc) < 0)
		return UTRACE_RESUME;
	if (S.steps++ == 0)
		S.first_pc = pc;
	if (pc == S.sig_pc) {
		S.back = true;
		return UTRACE_RESUME;
	}
	return S.steps < 100000 ? UTRACE_SINGLESTEP : UTRACE_RESUME;
}

START_TEST(step_into_handler_and_out)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	int fd;

	memset(&S, 0, sizeof(S));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "handler:USR1", "marker:1", "raise:USR1",
	                 "caught", "exit:0", (char *)NULL);
	te = test_engine_new(1, handler_decide);
	te->quiet_quiesce = true;
	te->rc[1] = 1 << 1;
	dbg_attach(task, te, 0,
	           UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                   UTRACE_EVENT(SIGNAL));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	S.handler = dbg_field(dbg_line(fd, "handler"), 0);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "caught"), "1");
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(S.rc, 0);
	ck_assert_uint_ne(S.sig_pc, 0);
	/* The step with the signal stops at the handler's first
	 * instruction; the handler returns through rt_sigreturn to where
	 * the signal came. */
	ck_assert_uint_eq(S.first_pc, S.handler);
	ck_assert_msg(S.back, "never back at %#llx after %d steps",
	              (unsigned long long)S.sig_pc, S.steps);
	ck_assert_int_gt(S.steps, 3);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- kill(SIGTRAP) during a step ------------------------------------ */

static void
wait_trap_log(struct test_log *log)
{
	ck_assert_msg(test_log_wait(log, 1, EV_SIGNAL, SIGTRAP, 1),
	              "no SIGTRAP report\n%s", test_log_dump(log));
}

/*
 * 0: kill(), a signal for the process, pending beside the step's own
 * trap: the step is reported, then the signal; 1: tgkill() to the thread
 * itself, which the kernel merges with the step's trap (one standard
 * signal pending at a time): only the signal is reported.  Either way
 * the program gets its SIGTRAP.
 */
START_TEST(step_with_user_sigtrap)
{
	struct test_log *log = test_log();
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	pid_t pid;
	long sig;
	long step;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "handler:TRAP", "marker:1", "caught", "exit:0",
	                 (char *)NULL);
	pid = utrace_task_tid(task);
	te = test_engine_new(1, dbg_hold_markers);
	te->rc[1] = 1 << 1;
	dbg_attach(task, te, 0,
	           UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                   UTRACE_EVENT_SIGNAL_ALL);
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	dbg_line(fd, "handler");
	dbg_wait_marker(te, 1);
	if (_i == 0)
		ck_assert_int_eq(kill(pid, SIGTRAP), 0);
	else
		ck_assert_int_eq(syscall(SYS_tgkill, pid, pid, SIGTRAP), 0);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_SINGLESTEP),
	                 0);
	wait_trap_log(log);
	ck_assert_str_eq(dbg_line(fd, "caught"), "1");
	ck_assert_int_eq(test_wait(task), 0);

	sig = test_log_find(log, 0, 1, EV_SIGNAL, SIGTRAP);
	ck_assert_int_ge(sig, 0);
	ck_assert_int_eq(log->ev[sig].code, _i == 0 ? SI_USER : SI_TKILL);
	step = test_log_find(log, 0, 1, EV_QUIESCE, 0);
	if (_i == 0)
		ck_assert_msg(step >= 0 && step < sig, "%s",
		              test_log_dump(log));
	else
		ck_assert_msg(step < 0 || step > sig, "%s", test_log_dump(log));
	ck_assert_uint_eq(test_log_count(log, 1, EV_SIGNAL, SIGTRAP), 1);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

static Suite *
step_suite(void)
{
	Suite *s = suite_create("step");
	TCase *tc;

	tc = test_tcase(s, "step");
	tcase_add_loop_test(tc, step_exact_pcs, 0, 4);
	tcase_add_test(tc, step_into_handler_and_out);
	tcase_add_loop_test(tc, step_with_user_sigtrap, 0, 2);
	return s;
}

TEST_MAIN(step_suite)
