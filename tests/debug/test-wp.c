/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hardware watchpoints: writes to a variable and the execution of a
 * function counted exactly, two engines sharing one debug register, the
 * limits (alignment, four slots, a running task), removal and detach.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

#define EVENTS_WP (UTRACE_EVENT(WATCHPOINT) | UTRACE_EVENT(SYSCALL_ENTRY))

/*
 * Some hypervisors accept debug register writes but never raise the
 * traps: then no hit is reported at all, and only the rest is checked.
 */
static bool
traps_work(int hits)
{
	if (hits == 0)
		fprintf(stderr, "no debug register traps on this machine: "
		                "hits not checked\n");
	return hits != 0;
}

static struct {
	uint64_t addr; /* of the last report */
	uint64_t pc;
	int bad;
} W;

static uint32_t
note_hit(struct test_engine *te, struct utrace_engine *engine,
         struct utrace_task *task, uint64_t addr)
{
	(void)te;
	(void)engine;
	W.addr = addr;
	if (utrace_task_read_pc(task, &W.pc) < 0)
		W.bad++;
	return UTRACE_RESUME;
}

static struct test_engine *
wp_engine(struct utrace_task *task, int id, int hold)
{
	struct test_engine *te = test_engine_new(id, dbg_hold_markers);

	te->rc[1] = hold;
	te->priv = (void *)note_hit;
	dbg_attach(task, te, 0, EVENTS_WP);
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	return te;
}

START_TEST(wp_write_shared_and_errors)
{
	struct test_engine *te1;
	struct test_engine *te2;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t global;
	int fd;

	memset(&W, 0, sizeof(W));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "mem", "marker:1", "store:5", "marker:2",
	                 "store:2", "show", "exit:0", (char *)NULL);
	te1 = wp_engine(task, 1, (1 << 1) | (1 << 2));
	te2 = wp_engine(task, 2, 0);
	test_start(task);
	global = dbg_field(dbg_line(fd, "mem"), 3);
	dbg_wait_marker(te1, 1);

	ck_assert_int_eq(utrace_wp_insert(task, te1->engine, global + 1, 8,
	                                  UTRACE_WP_WRITE),
	                 -EINVAL);
	ck_assert_int_eq(
		utrace_wp_insert(task, te1->engine, global, 3, UTRACE_WP_WRITE),
		-EINVAL);
	ck_assert_int_eq(
		utrace_wp_insert(task, te1->engine, global, 8, UTRACE_WP_EXEC),
		-EINVAL);
	ck_assert_int_eq(utrace_wp_insert(task, te1->engine, global, 8,
	                                  (enum utrace_wp_kind)2),
	                 -EINVAL);
	ck_assert_int_eq(
		utrace_wp_insert(NULL, te1->engine, global, 8, UTRACE_WP_WRITE),
		-EINVAL);
	/* Four debug registers. */
	for (uint64_t i = 1; i <= 3; i++)
		ck_assert_int_eq(utrace_wp_insert(task, te1->engine,
		                                  global - 8 * i, 8,
		                                  UTRACE_WP_RW),
		                 0);
	ck_assert_int_eq(
		utrace_wp_insert(task, te1->engine, global, 8, UTRACE_WP_WRITE),
		0);
	ck_assert_int_eq(
		utrace_wp_insert(task, te1->engine, global, 8, UTRACE_WP_WRITE),
		-EEXIST);
	ck_assert_int_eq(
		utrace_wp_insert(task, te1->engine, global, 4, UTRACE_WP_WRITE),
		-ENOSPC);
	/* The same watchpoint for a second engine: the same register. */
	ck_assert_int_eq(
		utrace_wp_insert(task, te2->engine, global, 8, UTRACE_WP_WRITE),
		0);
	for (uint64_t i = 1; i <= 3; i++)
		ck_assert_int_eq(utrace_wp_remove(task, te1->engine,
		                                  global - 8 * i, 8,
		                                  UTRACE_WP_RW),
		                 0);
	ck_assert_int_eq(utrace_wp_remove(task, te1->engine, global - 8, 8,
	                                  UTRACE_WP_RW),
	                 -ENOENT);

	ck_assert_int_eq(utrace_control(task, te1->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "stored"), "5");
	dbg_wait_marker(te1, 2);
	if (traps_work(dbg_hits(te1))) {
		ck_assert_int_eq(dbg_hits(te1), 5);
		ck_assert_int_eq(dbg_hits(te2), 5);
		ck_assert_uint_eq(W.addr, global);
		ck_assert_int_eq(W.bad, 0);
	}
	ck_assert_int_eq(dbg_hits(te2), dbg_hits(te1));
	/* Removed by both: the last stores are nobody's. */
	ck_assert_int_eq(
		utrace_wp_remove(task, te1->engine, global, 8, UTRACE_WP_WRITE),
		0);
	ck_assert_int_eq(
		utrace_wp_remove(task, te2->engine, global, 8, UTRACE_WP_WRITE),
		0);
	ck_assert_int_eq(utrace_control(task, te1->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "show"), "read-only 2");
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te1), dbg_hits(te2));
	ck_assert_int_eq(
		utrace_wp_insert(task, te1->engine, global, 8, UTRACE_WP_WRITE),
		-ESRCH);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* An instruction watchpoint at target(): reported before each call's
 * first instruction runs. */
START_TEST(wp_exec)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t addr;
	int fd;

	memset(&W, 0, sizeof(W));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "calls:0:3", "exit:0",
	                 (char *)NULL);
	te = wp_engine(task, 1, 1 << 1);
	test_start(task);
	addr = dbg_field(dbg_line(fd, "addr"), 0);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(
		utrace_wp_insert(task, te->engine, addr, 1, UTRACE_WP_EXEC), 0);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "calls"), "3");
	ck_assert_int_eq(test_wait(task), 0);
	if (traps_work(dbg_hits(te))) {
		ck_assert_int_eq(dbg_hits(te), 3);
		ck_assert_uint_eq(W.addr, addr);
		ck_assert_uint_eq(W.pc, addr);
	}
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* A running task has no registers to set; the engine's detach clears
 * them, and the untraced program stores on unharmed. */
START_TEST(wp_running_and_detach)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t global;
	int spin[2];
	int fd;

	memset(&W, 0, sizeof(W));
	u = test_new(NULL);
	test_pipe(spin, 0);
	task = dbg_spawn(u, &fd, "mem", "marker:1", "store:3",
	                 test_fmt("spin:%d", spin[0]), "marker:2", "store:4",
	                 "show", "exit:0", (char *)NULL);
	te = wp_engine(task, 1, (1 << 1) | (1 << 2));
	test_start(task);
	global = dbg_field(dbg_line(fd, "mem"), 3);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(
		utrace_wp_insert(task, te->engine, global, 8, UTRACE_WP_RW), 0);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "stored"), "3");
	ck_assert_int_eq(utrace_wp_insert(task, te->engine, global - 8, 8,
	                                  UTRACE_WP_WRITE),
	                 -EBUSY);
	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	dbg_wait_marker(te, 2);
	/* Three stores; the program reads it only later. */
	if (traps_work(dbg_hits(te)))
		ck_assert_int_eq(dbg_hits(te), 3);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_DETACH), 0);
	ck_assert_str_eq(dbg_line(fd, "show"), "read-only 4");
	ck_assert_int_eq(test_wait(task), 0);
	test_close(spin[1]);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

static Suite *
wp_suite(void)
{
	Suite *s = suite_create("wp");
	TCase *tc;

	tc = test_tcase(s, "wp");
	tcase_add_test(tc, wp_write_shared_and_errors);
	tcase_add_test(tc, wp_exec);
	tcase_add_test(tc, wp_running_and_detach);
	return s;
}

TEST_MAIN(wp_suite)
