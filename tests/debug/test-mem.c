/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tracee memory: exact reads, short reads at an unmapped page, strings
 * and their limits, writes to writable and read-only pages, a running
 * task, errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

static void
hold_at_marker1(struct test_engine *te, struct utrace_task *task)
{

	te->rc[1] = 1 << 1;
	dbg_attach(task, te, 0, UTRACE_EVENT(SYSCALL_ENTRY));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	dbg_wait_marker(te, 1);
}

START_TEST(mem_read_write)
{
	struct utrace_task *task;
	struct test_engine *te;
	struct utrace *u;
	unsigned char *buf;
	uint64_t page;
	uint64_t size;
	uint64_t rodata;
	uint64_t global;
	uint64_t value;
	char str[64];
	size_t n = 12345;
	const char *line;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "mem", "marker:1", "show", "exit:0",
	                 (char *)NULL);
	te = test_engine_new(1, dbg_hold_markers);
	hold_at_marker1(te, task);
	line = dbg_line(fd, "mem");
	page = dbg_field(line, 0);
	size = dbg_field(line, 1);
	rodata = dbg_field(line, 2);
	global = dbg_field(line, 3);
	buf = malloc(size + 100);
	ck_assert(buf != NULL);

	/* A whole page, exactly. */
	ck_assert_int_eq(utrace_task_read_mem(task, page, buf, size - 5, &n),
	                 0);
	ck_assert_uint_eq(n, size - 5);
	for (uint64_t i = 0; i < size - 5; i++)
		ck_assert_msg(buf[i] == (unsigned char)i, "byte %llu: %#x",
		              (unsigned long long)i, buf[i]);
	/* Into the unmapped page: what was there, and no more. */
	ck_assert_int_eq(
		utrace_task_read_mem(task, page + size - 10, buf, 100, &n), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert_mem_eq(buf + 5, "hello", 5);
	n = 12345;
	ck_assert_int_eq(utrace_task_read_mem(task, page + size, buf, 1, &n),
	                 -EFAULT);
	ck_assert_uint_eq(n, 12345);
	ck_assert_int_eq(utrace_task_read_mem(task, 0, buf, 8, &n), -EFAULT);
	ck_assert_int_eq(utrace_task_read_mem(task, UINT64_MAX - 3, buf, 8, &n),
	                 -EFAULT);

	/* Strings: whole, cut, and running into the unmapped page. */
	ck_assert_int_eq(
		utrace_task_read_string(task, rodata, str, sizeof(str), &n), 0);
	ck_assert_str_eq(str, "read-only");
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(utrace_task_read_string(task, rodata, str, 5, &n), 1);
	ck_assert_str_eq(str, "read");
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(utrace_task_read_string(task, rodata, str, 10, &n), 0);
	ck_assert_str_eq(str, "read-only");
	ck_assert_int_eq(utrace_task_read_string(task, page + size - 5, str,
	                                         sizeof(str), &n),
	                 -EFAULT);
	ck_assert_int_eq(utrace_task_read_string(task, page + size, str,
	                                         sizeof(str), &n),
	                 -EFAULT);
	ck_assert_int_eq(
		utrace_task_read_string(task, page + size - 5, str, 4, &n), 1);
	ck_assert_str_eq(str, "hel");

	/* Writes: a writable global, a read-only string (through
	 * /proc/<pid>/mem), and one running into the unmapped page. */
	value = 0xfeedfacecafebeefull;
	ck_assert_int_eq(
		utrace_task_write_mem(task, global, &value, sizeof(value), &n),
		0);
	ck_assert_uint_eq(n, sizeof(value));
	ck_assert_int_eq(utrace_task_write_mem(task, rodata, "READ", 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(
		utrace_task_write_mem(task, page + size - 2, "xyzw", 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(utrace_task_write_mem(task, page + size, "x", 1, &n),
	                 -EFAULT);
	ck_assert_int_eq(
		utrace_task_read_mem(task, page + size - 3, buf, 3, &n), 0);
	ck_assert_mem_eq(buf, "lxy", 3);

	ck_assert_int_eq(utrace_task_read_mem(task, page, NULL, 1, &n),
	                 -EINVAL);
	ck_assert_int_eq(utrace_task_read_mem(task, page, buf, 0, &n), -EINVAL);
	ck_assert_int_eq(utrace_task_read_string(task, page, str, 0, &n),
	                 -EINVAL);

	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "show"), "READ-only feedfacecafebeef");
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(utrace_task_read_mem(task, page, buf, 1, &n), -ESRCH);
	ck_assert_int_eq(utrace_task_write_mem(task, page, buf, 1, &n), -ESRCH);
	ck_assert_int_eq(utrace_task_read_string(task, rodata, str, 8, &n),
	                 -ESRCH);
	free(buf);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* Program text is read-only: written through /proc/<pid>/mem, read back
 * through the library and by the program itself. */
START_TEST(mem_write_text)
{
	static const unsigned char nops[4] = { 0x90, 0x90, 0x66, 0x90 };
	unsigned char back[4];
	unsigned char raw[4];
	struct utrace_task *task;
	struct test_engine *te;
	struct utrace *u;
	uint64_t addr;
	size_t n = 0;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "first", "exit:0",
	                 (char *)NULL);
	te = test_engine_new(1, dbg_hold_markers);
	hold_at_marker1(te, task);
	addr = dbg_field(dbg_line(fd, "addr"), 0);
	ck_assert_int_eq(utrace_task_write_mem(task, addr, nops, 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(utrace_task_read_mem(task, addr, back, 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(back, nops, 4);
	dbg_raw_read(utrace_task_tid(task), addr, raw, 4);
	ck_assert_mem_eq(raw, nops, 4);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "first"), "90");
	ck_assert_int_eq(test_wait(task), 0);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* Memory needs no stop: a running task is read and written. */
START_TEST(mem_running_task)
{
	struct utrace_task *task;
	struct test_engine *te;
	struct utrace *u;
	uint64_t global;
	uint64_t value = 0;
	size_t n = 0;
	const char *line;
	int spin[2];
	int fd;

	u = test_new(NULL);
	test_pipe(spin, 0);
	task = dbg_spawn(u, &fd, "mem", test_fmt("spin:%d", spin[0]), "show",
	                 "exit:0", (char *)NULL);
	te = test_engine_new(1, NULL);
	dbg_attach(task, te, 0, UTRACE_EVENT(DEATH));
	test_start(task);
	line = dbg_line(fd, "mem");
	global = dbg_field(line, 3);
	ck_assert_int_eq(
		utrace_task_read_mem(task, global, &value, sizeof(value), &n),
		0);
	ck_assert_uint_eq(value, 0x1122334455667788ull);
	value = 42;
	ck_assert_int_eq(
		utrace_task_write_mem(task, global, &value, sizeof(value), &n),
		0);
	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	ck_assert_str_eq(dbg_line(fd, "show"), "read-only 2a");
	ck_assert_int_eq(test_wait(task), 0);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* From a callback; and after exec, through a new /proc/<pid>/mem. */
static uint32_t
read_in_callback(struct test_engine *te, struct utrace_engine *engine,
                 struct utrace_task *task, const struct test_ev *ev,
                 void *payload, uint32_t ret)
{
	struct utrace_syscall *sc = payload;
	uint64_t word = 0;
	size_t n = 0;

	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != DBG_NR_GETPGID)
		return ret;
	if (utrace_task_read_mem(task, sc->sp, &word, sizeof(word), &n) == 0 &&
	    n == sizeof(word))
		te->state++;
	return dbg_hold_markers(te, engine, task, ev, payload, ret);
}

START_TEST(mem_callback_and_exec)
{
	struct utrace_task *task;
	struct test_engine *te;
	struct utrace *u;
	uint64_t rodata;
	size_t n = 0;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "mem", "marker:1", "show", "exec", "mem",
	                 "marker:2", "show", "exit:0", (char *)NULL);
	te = test_engine_new(1, read_in_callback);
	te->rc[1] = (1 << 1) | (1 << 2);
	dbg_attach(task, te, 0, UTRACE_EVENT(SYSCALL_ENTRY));
	test_start(task);

	rodata = dbg_field(dbg_line(fd, "mem"), 2);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_task_write_mem(task, rodata, "AAAA", 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "show"), "AAAA-only 1122334455667788");

	/* The new program: the descriptor opened before exec reads EOF. */
	rodata = dbg_field(dbg_line(fd, "mem"), 2);
	dbg_wait_marker(te, 2);
	ck_assert_int_eq(utrace_task_write_mem(task, rodata, "BBBB", 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_str_eq(dbg_line(fd, "show"), "BBBB-only 1122334455667788");
	ck_assert_int_eq(test_wait(task), 0);
	/* Two markers, each reported again after its release. */
	ck_assert_int_eq(te->state, 4);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc;

	tc = test_tcase(s, "mem");
	tcase_add_test(tc, mem_read_write);
	tcase_add_test(tc, mem_running_task);
	tcase_add_test(tc, mem_write_text);
	tcase_add_test(tc, mem_callback_and_exec);
	return s;
}

TEST_MAIN(mem_suite)
