/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stack traces: a known call chain a() -> b() -> c(), compared with what
 * gdb prints for the same stopped program; from a callback and from the
 * test thread; through a signal handler; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

#define MAX_FRAMES 64

static struct {
	struct utrace_frame frames[MAX_FRAMES];
	size_t n;
	int rc;
} CB;

static const char *
frames_str(const struct utrace_frame *f, size_t n)
{
	char buf[2048];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(buf) - 64; i++)
		len += (size_t)snprintf(
			buf + len, sizeof(buf) - len,
			"  #%zu %#" PRIx64 " %s+%#" PRIx64 "%s\n", i, f[i].pc,
			f[i].name, f[i].offset,
			f[i].flags & UTRACE_FRAME_SIGNAL ? " [signal]" : "");
	return test_fmt("%s", buf);
}

static uint32_t
unwind_at_marker9(struct test_engine *te, struct utrace_engine *engine,
                  struct utrace_task *task, const struct test_ev *ev,
                  void *payload, uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == DBG_NR_GETPGID &&
	    (int64_t)ev->args[0] == DBG_MARKER(9) &&
	    !(ev->action & UTRACE_SYSCALL_RESUMED))
		CB.rc = utrace_task_unwind(task, CB.frames, MAX_FRAMES, &CB.n);
	return dbg_hold_markers(te, engine, task, ev, payload, ret);
}

/* gdb's "bt" of @pid: function names and pcs, innermost first. */
static size_t
gdb_bt(pid_t pid, char names[][64], uint64_t *pcs, size_t max)
{
	char *argv[] = { (char *)"gdb",
		         (char *)"-nx",
		         (char *)"-batch",
		         (char *)"-p",
		         (char *)test_fmt("%d", (int)pid),
		         (char *)"-ex",
		         (char *)"set debuginfod enabled off",
		         (char *)"-ex",
		         (char *)"bt",
		         NULL };
	const char *out;
	const char *line;
	const char *next;
	size_t n = 0;
	int r;

	r = dbg_run(argv, DBG_RUN_ERR_NULL, &out);
	ck_assert_msg(r >= 0, "gdb: %s", strerror(-r));
	/* "#N  [0xPC in ]NAME (...": gdb may leave the pc out. */
	for (line = out; n < max && *line; line = next) {
		unsigned long long pc = 0;
		const char *p;
		size_t len;
		long level;

		next = line + strcspn(line, "\n");
		next += *next == '\n';
		if (*line != '#' || !test_parse_long(line + 1, &level, &p) ||
		    level != (long)n)
			continue;
		p += strspn(p, " ");
		if (strncmp(p, "0x", 2) == 0) {
			char *end;

			errno = 0;
			pc = strtoull(p, &end, 16);
			if (errno || strncmp(end, " in ", 4) != 0)
				continue;
			p = end + 4;
		}
		len = strcspn(p, " (\n");
		if (len == 0)
			continue;
		if (len > 63)
			len = 63;
		memcpy(names[n], p, len);
		names[n][len] = '\0';
		pcs[n++] = pc;
	}
	return n;
}

static bool
have_gdb(void)
{
	char *argv[] = { (char *)"gdb", (char *)"--version", NULL };
	const char *out;

	return dbg_run(argv, DBG_RUN_ERR_NULL, &out) == 0;
}

START_TEST(unwind_matches_gdb)
{
	struct utrace_frame frames[MAX_FRAMES];
	static const char *const chain[] = { "c", "b", "a", "main" };
	char names[MAX_FRAMES][64];
	uint64_t pcs[MAX_FRAMES];
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	size_t n = 0;
	size_t gn;
	pid_t pid;
	int fd;
	int i;

	memset(&CB, 0, sizeof(CB));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "chain", "exit:0", (char *)NULL);
	pid = utrace_task_tid(task);
	te = test_engine_new(1, unwind_at_marker9);
	te->rc[1] = 1 << 9;
	dbg_attach(task, te, 0, UTRACE_EVENT(SYSCALL_ENTRY));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	dbg_wait_marker(te, 9);

	/* From the test thread, and from the callback: the same. */
	ck_assert_int_eq(utrace_task_unwind(task, frames, MAX_FRAMES, &n), 0);
	ck_assert_int_eq(CB.rc, 0);
	ck_assert_uint_eq(CB.n, n);
	ck_assert_msg(memcmp(CB.frames, frames, n * sizeof(frames[0])) == 0,
	              "callback:\n%s\ntest thread:\n%s",
	              frames_str(CB.frames, CB.n), frames_str(frames, n));
	ck_assert_msg(n >= 4, "%s", frames_str(frames, n));
	for (i = 0; i < 4; i++)
		ck_assert_msg(strcmp(frames[i].name, chain[i]) == 0,
		              "frame %d is %s, want %s\n%s", i, frames[i].name,
		              chain[i], frames_str(frames, n));
	for (i = 0; i < 4; i++)
		ck_assert_msg(frames[i].offset > 0 && frames[i].offset < 0x1000,
		              "frame %d offset %#" PRIx64, i, frames[i].offset);
	ck_assert_uint_eq(frames[0].sp < frames[1].sp, 1);
	n = 0;
	ck_assert_int_eq(utrace_task_unwind(task, frames, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(frames[0].name, "c");
	n = 0;
	ck_assert_int_eq(utrace_task_unwind(task, frames, MAX_FRAMES, &n), 0);

	if (!have_gdb()) {
		fprintf(stderr, "gdb not found: not compared\n");
		ck_assert_int_eq(
			utrace_control(task, te->engine, UTRACE_RESUME), 0);
		ck_assert_int_eq(test_wait(task), 0);
		test_close(fd);
		test_free(u);
		dbg_put_all();
		return;
	}
	/* Let it go, stopping right there (after the system call, in c()),
	 * untraced, and ask gdb. */
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_DETACH), 0);
	ck_assert_int_eq(test_wait_state(pid, "T"), 'T');
	gn = gdb_bt(pid, names, pcs, MAX_FRAMES);
	ck_assert_msg(gn >= 4, "gdb printed %zu frames; ours:\n%s", gn,
	              frames_str(frames, n));
	for (i = 0; i < 4; i++) {
		ck_assert_msg(strcmp(names[i], frames[i].name) == 0,
		              "frame %d: gdb %s, ours %s\n%s", i, names[i],
		              frames[i].name, frames_str(frames, n));
		ck_assert_msg(pcs[i] == frames[i].pc,
		              "frame %d: gdb pc %#" PRIx64 ", ours %#" PRIx64
		              "\n%s",
		              i, pcs[i], frames[i].pc, frames_str(frames, n));
	}
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(test_wait(task), SIGKILL);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- through a signal handler --------------------------------------- */

static uint32_t
unwind_at_hit(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, uint64_t addr)
{
	(void)te;
	(void)engine;
	(void)addr;
	CB.rc = utrace_task_unwind(task, CB.frames, MAX_FRAMES, &CB.n);
	return UTRACE_RESUME;
}

START_TEST(unwind_signal_frame)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t addr;
	size_t i;
	size_t sig = 0;
	size_t main_at = 0;
	int fd;

	memset(&CB, 0, sizeof(CB));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "handler:USR1", "marker:1",
	                 "raise:USR1", "exit:0", (char *)NULL);
	te = test_engine_new(1, dbg_hold_markers);
	te->rc[1] = 1 << 1;
	te->priv = (void *)unwind_at_hit;
	dbg_attach(task, te, 0,
	           UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(BREAKPOINT));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	addr = dbg_field(dbg_line(fd, "addr"), 0);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, addr), 0);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), 1);
	ck_assert_int_eq(CB.rc, 0);
	ck_assert_msg(CB.n >= 4, "%s", frames_str(CB.frames, CB.n));
	/* target, in the handler, over the signal frame, down to main */
	ck_assert_str_eq(CB.frames[0].name, "target");
	ck_assert_uint_eq(CB.frames[0].pc, addr);
	ck_assert_uint_eq(CB.frames[0].offset, 0);
	ck_assert_str_eq(CB.frames[1].name, "handler");
	for (i = 2; i < CB.n; i++) {
		if (!sig && (CB.frames[i].flags & UTRACE_FRAME_SIGNAL))
			sig = i;
		if (!main_at && strcmp(CB.frames[i].name, "main") == 0)
			main_at = i;
	}
	ck_assert_msg(sig == 2 && main_at > sig, "%s",
	              frames_str(CB.frames, CB.n));
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

START_TEST(unwind_errors)
{
	struct utrace_frame frames[4];
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	size_t n = 0;
	int spin[2];
	int fd;

	u = test_new(NULL);
	test_pipe(spin, 0);
	task = dbg_spawn(u, &fd, "addr", test_fmt("spin:%d", spin[0]), "exit:0",
	                 (char *)NULL);
	te = test_engine_new(1, NULL);
	dbg_attach(task, te, 0, UTRACE_EVENT(DEATH));
	test_start(task);
	dbg_line(fd, "addr");
	ck_assert_int_eq(utrace_task_unwind(task, frames, 4, &n), -EBUSY);
	ck_assert_int_eq(utrace_task_unwind(task, frames, 0, &n), -EINVAL);
	ck_assert_int_eq(utrace_task_unwind(task, NULL, 4, &n), -EINVAL);
	ck_assert_int_eq(utrace_task_unwind(task, frames, 4, NULL), -EINVAL);
	ck_assert_int_eq(utrace_task_unwind(NULL, frames, 4, &n), -EINVAL);
	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(utrace_task_unwind(task, frames, 4, &n), -ESRCH);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/*
 * libunwind opens a pipe on first use and keeps it for the process: do
 * that first use before the tests count descriptors.
 */
static void
warm_up(void)
{
	char *argv[] = { (char *)"true", NULL };
	struct utrace_frame frame;
	struct utrace_task *task = NULL;
	struct utrace *u = NULL;
	size_t n;

	if (utrace_new(NULL, &u) < 0)
		return;
	if (utrace_spawn(u, argv, NULL, NULL, &task) == 0) {
		(void)utrace_task_unwind(task, &frame, 1, &n);
		utrace_task_put(task);
	}
	utrace_free(u);
}

static Suite *
unwind_suite(void)
{
	Suite *s = suite_create("unwind");
	TCase *tc;

	tc = test_tcase(s, "unwind");
	tcase_add_unchecked_fixture(tc, warm_up, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, unwind_matches_gdb);
	tcase_add_test(tc, unwind_signal_frame);
	tcase_add_test(tc, unwind_errors);
	return s;
}

TEST_MAIN(unwind_suite)
