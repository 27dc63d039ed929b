/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Breakpoint step-overs at volume: 10 000 calls from 4 threads, and 10 000
 * from a thread interrupted by signals whose handler calls the same
 * function; two owners; every call is a hit for each, exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

static struct test_engine *
engine(struct utrace_task *task, int id, int hold)
{
	struct test_engine *te = test_engine_new(id, dbg_hold_markers);

	te->rc[1] = hold;
	dbg_attach(task, te, UTRACE_ATTACH_FOLLOW,
	           UTRACE_EVENT(BREAKPOINT) | UTRACE_EVENT(SYSCALL_ENTRY));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	return te;
}

/* 0: 4 threads x 2500 calls; 1: signals (10 000 calls plus the
 * handler's). */
START_TEST(bp_stress)
{
	struct test_engine *te1;
	struct test_engine *te2;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t addr;
	long calls;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1",
	                 _i == 0 ? "calls:4:2500" : "sigcalls:10000", "exit:0",
	                 (char *)NULL);
	te1 = engine(task, 1, 1 << 1);
	te2 = engine(task, 2, 0);
	test_start(task);
	addr = dbg_field(dbg_line(fd, "addr"), 0);
	dbg_wait_marker(te1, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, addr), 0);
	ck_assert_int_eq(utrace_bp_insert(task, te2->engine, addr), 0);
	ck_assert_int_eq(utrace_control(task, te1->engine, UTRACE_RESUME), 0);
	calls = (long)dbg_field(dbg_line(fd, "calls"), 0);
	ck_assert_int_eq(test_wait(task), 0);
	if (_i == 0)
		ck_assert_int_eq(calls, 10000);
	else
		ck_assert_int_gt(calls, 10000);
	ck_assert_int_eq(dbg_hits(te1), calls);
	ck_assert_int_eq(dbg_hits(te2), calls);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

static Suite *
bp_stress_suite(void)
{
	Suite *s = suite_create("bp-stress");
	TCase *tc;

	tc = test_tcase(s, "stress");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, bp_stress, 0, 2);
	return s;
}

TEST_MAIN(bp_stress_suite)
