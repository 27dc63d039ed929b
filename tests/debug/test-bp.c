/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software breakpoints: one trap per address shared by engines, hits
 * counted exactly against the program's own count (threads, signals),
 * holding at a hit, removal from a callback, fork (followed or not),
 * exec, detach, masking in memory reads, errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

#define EVENTS_BP (UTRACE_EVENT(BREAKPOINT) | UTRACE_EVENT(SYSCALL_ENTRY))

/* An engine hearing breakpoints and the markers (held at those in
 * @hold, a bit mask). */
static struct test_engine *
bp_engine(struct utrace_task *task, int id, int flags, int hold)
{
	struct test_engine *te = test_engine_new(id, dbg_hold_markers);

	te->rc[1] = hold;
	dbg_attach(task, te, flags, EVENTS_BP);
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	return te;
}

struct target {
	uint64_t addr;
	unsigned char bytes[16];
};

static void
read_target(int fd, struct target *t)
{
	const char *line = dbg_line(fd, "addr");
	const char *hex;
	size_t i;

	t->addr = dbg_field(line, 0);
	hex = strchr(line, ' ');
	ck_assert(hex != NULL);
	hex++;
	ck_assert_msg(strlen(hex) >= 32, "addr %s", line);
	for (i = 0; i < 16; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
		char *end;
		unsigned long b;

		b = strtoul(byte, &end, 16);
		ck_assert_msg(end == byte + 2, "byte %zu of '%s'", i, hex);
		t->bytes[i] = (unsigned char)b;
	}
	ck_assert_uint_ne(t->bytes[0], 0xcc);
}

static unsigned char
raw_byte_pid(pid_t pid, uint64_t addr)
{
	unsigned char b = 0;

	dbg_raw_read(pid, addr, &b, 1);
	return b;
}

static unsigned char
raw_byte(struct utrace_task *task, uint64_t addr)
{
	return raw_byte_pid(utrace_task_tid(task), addr);
}

struct hits_wait {
	struct test_engine *te;
	int n;
};

static bool
hits_reached(void *arg)
{
	const struct hits_wait *w = arg;

	return dbg_hits(w->te) >= w->n;
}

/* Hits are not in the event log; each one kicks its condition. */
static void
wait_hits(struct test_engine *te, int n)
{
	struct hits_wait w = { te, n };

	(void)test_log_wait_pred(te->log, hits_reached, &w);
	ck_assert_msg(dbg_hits(te) >= n, "E%d: %d hits, want %d", te->id,
	              dbg_hits(te), n);
}

static void
resume(struct test_engine *te)
{
	int r = utrace_control(te->task, te->engine, UTRACE_RESUME);

	ck_assert_msg(r == 0, "resume E%d: %d", te->id, r);
}

START_TEST(bp_basic_and_errors)
{
	struct test_engine *te1;
	struct test_engine *te2;
	struct test_engine *other_te;
	struct utrace_task *task;
	struct utrace_task *other;
	unsigned char buf[16];
	struct target tg;
	struct utrace *u;
	size_t n = 0;
	int other_fd;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "calls:0:5", "marker:2",
	                 "exit:0", (char *)NULL);
	te1 = bp_engine(task, 1, 0, (1 << 1) | (1 << 2));
	te2 = bp_engine(task, 2, 0, 0);
	other = dbg_spawn(u, &other_fd, "marker:1", "exit:0", (char *)NULL);
	other_te = bp_engine(other, 3, 0, 1 << 1);
	test_start(task);
	test_start(other);
	read_target(fd, &tg);
	dbg_wait_marker(te1, 1);
	dbg_wait_marker(other_te, 1);

	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, tg.addr), 0);
	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, tg.addr), -EEXIST);
	ck_assert_uint_eq(raw_byte(task, tg.addr), 0xcc);
	/* Reads show the program's bytes. */
	ck_assert_int_eq(utrace_task_read_mem(task, tg.addr, buf, 16, &n), 0);
	ck_assert_uint_eq(n, 16);
	ck_assert_mem_eq(buf, tg.bytes, 16);
	ck_assert_int_eq(utrace_task_read_mem(task, tg.addr - 3, buf, 8, &n),
	                 0);
	ck_assert_mem_eq(buf + 3, tg.bytes, 5);
	/* A second owner shares the trap; its removal leaves it. */
	ck_assert_int_eq(utrace_bp_insert(task, te2->engine, tg.addr), 0);
	ck_assert_int_eq(utrace_bp_remove(task, te2->engine, tg.addr), 0);
	ck_assert_int_eq(utrace_bp_remove(task, te2->engine, tg.addr), -ENOENT);
	ck_assert_uint_eq(raw_byte(task, tg.addr), 0xcc);

	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, 16), -EFAULT);
	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, UINT64_MAX - 1),
	                 -EFAULT);
	ck_assert_int_eq(utrace_bp_remove(task, te1->engine, tg.addr + 1),
	                 -ENOENT);
	ck_assert_int_eq(utrace_bp_insert(other, te1->engine, tg.addr),
	                 -EINVAL);
	ck_assert_int_eq(utrace_bp_insert(NULL, te1->engine, tg.addr), -EINVAL);
	ck_assert_int_eq(utrace_bp_insert(task, NULL, tg.addr), -EINVAL);
	ck_assert_int_eq(utrace_bp_remove(other, te1->engine, tg.addr),
	                 -EINVAL);
	resume(other_te);
	ck_assert_int_eq(test_wait(other), 0);
	ck_assert_int_eq(utrace_bp_insert(other, other_te->engine, tg.addr),
	                 -ESRCH);

	resume(te1);
	ck_assert_str_eq(dbg_line(fd, "calls"), "5");
	dbg_wait_marker(te1, 2);
	ck_assert_int_eq(dbg_hits(te1), 5);
	ck_assert_int_eq(dbg_hits(te2), 0);

	/* Writing over a breakpoint keeps it, with the new bytes behind. */
	ck_assert_int_eq(utrace_task_write_mem(task, tg.addr, tg.bytes, 16, &n),
	                 0);
	ck_assert_uint_eq(n, 16);
	ck_assert_uint_eq(raw_byte(task, tg.addr), 0xcc);
	ck_assert_int_eq(utrace_bp_remove(task, te1->engine, tg.addr), 0);
	ck_assert_uint_eq(raw_byte(task, tg.addr), tg.bytes[0]);
	resume(te1);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, tg.addr), -ESRCH);
	ck_assert_int_eq(utrace_bp_remove(task, te1->engine, tg.addr), -ESRCH);
	test_close(fd);
	test_close(other_fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- held at a hit -------------------------------------------------- */

static struct {
	uint64_t pc;
	uint64_t addr;
	int quiesce;
} H;

static uint32_t
hold_first_hit(struct test_engine *te, struct utrace_engine *engine,
               struct utrace_task *task, uint64_t addr)
{
	(void)engine;
	if (dbg_hits(te) != 1)
		return UTRACE_RESUME;
	H.addr = addr;
	(void)utrace_task_read_pc(task, &H.pc);
	return UTRACE_STOP;
}

static uint32_t
count_quiesce(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, const struct test_ev *ev, void *payload,
              uint32_t ret)
{
	if (ev->kind == EV_QUIESCE && ev->event == UTRACE_EVENT(BREAKPOINT))
		__atomic_add_fetch(&te->state, 1, __ATOMIC_SEQ_CST);
	return dbg_hold_markers(te, engine, task, ev, payload, ret);
}

START_TEST(bp_hold_at_hit)
{
	struct test_engine *te;
	struct test_engine *qe;
	struct utrace_task *task;
	unsigned char buf[16];
	struct target tg;
	struct utrace *u;
	uint64_t pc = 0;
	size_t n;
	int fd;

	memset(&H, 0, sizeof(H));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "calls:0:3", "exit:0",
	                 (char *)NULL);
	te = bp_engine(task, 1, 0, 1 << 1);
	te->priv = (void *)hold_first_hit;
	/* An engine that owns nothing hears the hits as quiesce. */
	qe = test_engine_new(2, count_quiesce);
	qe->quiet_quiesce = true;
	dbg_attach(task, qe, 0, UTRACE_EVENT(QUIESCE));
	test_start(task);
	read_target(fd, &tg);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);
	resume(te);

	wait_hits(te, 1);
	/* Stopped on the breakpoint: the pc is its address again. */
	ck_assert_int_eq(utrace_task_read_pc(task, &pc), 0);
	ck_assert_uint_eq(pc, tg.addr);
	ck_assert_uint_eq(H.pc, tg.addr);
	ck_assert_uint_eq(H.addr, tg.addr);
	ck_assert_int_eq(utrace_task_read_mem(task, pc, buf, 16, &n), 0);
	ck_assert_mem_eq(buf, tg.bytes, 16);
	ck_assert_int_eq(__atomic_load_n(&qe->state, __ATOMIC_SEQ_CST), 1);
	resume(te);
	ck_assert_str_eq(dbg_line(fd, "calls"), "3");
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), 3);
	ck_assert_int_eq(__atomic_load_n(&qe->state, __ATOMIC_SEQ_CST), 3);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- threads, signals ------------------------------------------------ */

/*
 * Two engines, each with a breakpoint at target(), and an engine without
 * one: threads call it; every call is a hit for both owners, and a
 * quiesce report for the third.  0: 4 threads; 1: a thread interrupted
 * by signals whose handler calls target() too.
 */
START_TEST(bp_threads_two_engines)
{
	struct test_engine *te1;
	struct test_engine *te2;
	struct test_engine *qe;
	struct utrace_task *task;
	struct target tg;
	struct utrace *u;
	long calls;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1",
	                 _i == 0 ? "calls:4:250" : "sigcalls:1000", "exit:0",
	                 (char *)NULL);
	te1 = bp_engine(task, 1, UTRACE_ATTACH_FOLLOW, 1 << 1);
	te2 = bp_engine(task, 2, UTRACE_ATTACH_FOLLOW, 0);
	qe = test_engine_new(3, count_quiesce);
	qe->quiet_quiesce = true;
	dbg_attach(task, qe, UTRACE_ATTACH_FOLLOW, UTRACE_EVENT(QUIESCE));
	test_start(task);
	read_target(fd, &tg);
	dbg_wait_marker(te1, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te1->engine, tg.addr), 0);
	ck_assert_int_eq(utrace_bp_insert(task, te2->engine, tg.addr), 0);
	resume(te1);
	calls = (long)dbg_field(dbg_line(fd, "calls"), 0);
	ck_assert_int_eq(test_wait(task), 0);
	if (_i == 0)
		ck_assert_int_eq(calls, 1000);
	else
		ck_assert_int_gt(calls, 1000);
	ck_assert_int_eq(dbg_hits(te1), calls);
	ck_assert_int_eq(dbg_hits(te2), calls);
	ck_assert_int_eq(__atomic_load_n(&qe->state, __ATOMIC_SEQ_CST), calls);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- removal from the callback -------------------------------------- */

static uint32_t
remove_at_hit(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, uint64_t addr)
{
	(void)te;
	if (utrace_bp_remove(task, engine, addr) < 0)
		__atomic_add_fetch(&te->state, 1, __ATOMIC_SEQ_CST);
	return UTRACE_RESUME;
}

/* 0: one thread; 1: 4 threads, hits on their way swallowed. */
START_TEST(bp_remove_in_callback)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct target tg;
	struct utrace *u;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1",
	                 _i == 0 ? "calls:0:5" : "calls:4:200", "first",
	                 "exit:0", (char *)NULL);
	te = bp_engine(task, 1, UTRACE_ATTACH_FOLLOW, 1 << 1);
	te->priv = (void *)remove_at_hit;
	test_start(task);
	read_target(fd, &tg);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);
	resume(te);
	ck_assert_str_eq(dbg_line(fd, "calls"), _i == 0 ? "5" : "800");
	ck_assert_str_eq(dbg_line(fd, "first"), test_fmt("%02x", tg.bytes[0]));
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), 1);
	ck_assert_int_eq(te->state, 0);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- fork and exec -------------------------------------------------- */

/*
 * 0: nobody follows a fork child: its copy loses the trap; 1: the engine
 * follows it: it keeps it, and its hit is reported.  A vfork child runs
 * in its parent's memory, breakpoints included; 2: nobody follows it: it
 * stays traced until it exits, its hit is stepped over and reported to
 * nobody; 3: the engine follows it: its hit is reported.  Every child
 * exits normally.
 */
START_TEST(bp_fork)
{
	bool follow = _i & 1;
	bool vfork = _i >= 2;
	struct test_engine *te;
	struct utrace_task *task;
	struct target tg;
	struct utrace *u;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", vfork ? "vfork" : "fork",
	                 "calls:0:3", "exit:0", (char *)NULL);
	te = bp_engine(task, 1, follow ? UTRACE_ATTACH_FOLLOW : 0, 1 << 1);
	test_start(task);
	read_target(fd, &tg);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);
	resume(te);
	if (!vfork)
		ck_assert_str_eq(dbg_line(fd, "child"),
		                 follow ? "cc" : test_fmt("%02x", tg.bytes[0]));
	ck_assert_str_eq(dbg_line(fd, vfork ? "vfork" : "fork"), "0");
	ck_assert_str_eq(dbg_line(fd, "calls"), vfork ? "4" : "3");
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), follow ? 4 : 3);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

START_TEST(bp_exec)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct target tg;
	struct target tg2;
	struct utrace *u;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "calls:0:2", "exec",
	                 "addr", "marker:2", "calls:0:3", "exit:0",
	                 (char *)NULL);
	te = bp_engine(task, 1, 0, (1 << 1) | (1 << 2));
	test_start(task);
	read_target(fd, &tg);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);
	resume(te);
	ck_assert_str_eq(dbg_line(fd, "calls"), "2");
	/* A new program: no trap in it, the old one forgotten. */
	read_target(fd, &tg2);
	dbg_wait_marker(te, 2);
	ck_assert_int_eq(dbg_hits(te), 2);
	ck_assert_uint_eq(raw_byte(task, tg2.addr), tg2.bytes[0]);
	ck_assert_int_eq(utrace_bp_remove(task, te->engine, tg.addr), -ENOENT);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg2.addr), 0);
	resume(te);
	ck_assert_str_eq(dbg_line(fd, "calls"), "3");
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), 5);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- detaching restores the program --------------------------------- */

START_TEST(bp_detach_restores)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct target tg;
	struct utrace *u;
	int spin[2];
	int fd;

	u = test_new(NULL);
	test_pipe(spin, 0);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "calls:4:100", "marker:2",
	                 test_fmt("spin:%d", spin[0]), "calls:4:100", "first",
	                 "exit:0", (char *)NULL);
	te = bp_engine(task, 1, UTRACE_ATTACH_FOLLOW, (1 << 1) | (1 << 2));
	test_start(task);
	read_target(fd, &tg);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);
	resume(te);
	ck_assert_str_eq(dbg_line(fd, "calls"), "400");
	dbg_wait_marker(te, 2);
	ck_assert_int_eq(dbg_hits(te), 400);
	ck_assert_uint_eq(raw_byte(task, tg.addr), 0xcc);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_DETACH), 0);
	/* Untraced now: the program's byte is back, and it runs on. */
	ck_assert_int_eq(test_tracer_pid(utrace_task_tid(task)), 0);
	ck_assert_uint_eq(raw_byte(task, tg.addr), tg.bytes[0]);
	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	ck_assert_str_eq(dbg_line(fd, "calls"), "800");
	ck_assert_str_eq(dbg_line(fd, "first"), test_fmt("%02x", tg.bytes[0]));
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), 400);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* utrace_free() while threads run into the breakpoint: every thread is
 * detached, the bytes restored, the program ends normally. */
START_TEST(bp_free_while_hitting)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_DETACH_ON_FREE,
	};
	struct test_engine *te;
	struct utrace_task *task = NULL;
	struct target tg;
	struct utrace *u;
	char *argv[10];
	pid_t pid;
	int status;
	int spin[2];
	int p[2];

	u = test_new(NULL);
	test_pipe(p, 1);
	test_pipe(spin, 0);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-dbg"));
	argv[1] = (char *)"-r";
	argv[2] = (char *)test_fmt("%d", p[1]);
	argv[3] = (char *)"addr";
	argv[4] = (char *)"marker:1";
	argv[5] = (char *)"calls:4:20000";
	argv[6] = (char *)test_fmt("spin:%d", spin[0]);
	argv[7] = (char *)"first";
	argv[8] = (char *)"exit:0";
	argv[9] = NULL;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), 0);
	pid = utrace_task_tid(task);
	test_track_pid(pid);
	test_close(p[1]);
	test_close(spin[0]);
	te = bp_engine(task, 1, UTRACE_ATTACH_FOLLOW, 1 << 1);
	test_start(task);
	read_target(p[0], &tg);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);
	resume(te);
	wait_hits(te, 2000);
	utrace_task_put(task);
	test_free(u);
	dbg_put_all();
	ck_assert_str_eq(dbg_line(p[0], "calls"), "80000");
	ck_assert_uint_eq(raw_byte_pid(pid, tg.addr), tg.bytes[0]);
	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	ck_assert_str_eq(dbg_line(p[0], "first"),
	                 test_fmt("%02x", tg.bytes[0]));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	test_close(p[0]);
}
END_TEST

/* ---- an owner on another thread -------------------------------------- */

/*
 * The owner detaches from one thread: that thread keeps running traced
 * (it would die of SIGTRAP untraced), its hits are stepped over and
 * reported to nobody, the owner still counts its hits on the other
 * thread.  When the owner leaves the last thread, the program's byte is
 * back and both threads are untraced.
 */
START_TEST(bp_owner_on_other_thread)
{
	struct utrace_engine *we = NULL;
	struct utrace_task *wt = NULL;
	struct test_engine *te;
	struct utrace_task *task;
	struct target tg;
	struct utrace *u;
	pid_t wtid;
	int work[2];
	int spin[2];
	int st;
	int r;
	int fd;

	u = test_new(NULL);
	test_pipe(work, 0);
	test_pipe(spin, 0);
	task = dbg_spawn(u, &fd, "addr", test_fmt("worker:%d", work[0]),
	                 "marker:1", "calls:0:3", "marker:2", "calls:0:2",
	                 "first", test_fmt("spin:%d", spin[0]), "exit:0",
	                 (char *)NULL);
	te = bp_engine(task, 1, UTRACE_ATTACH_FOLLOW, (1 << 1) | (1 << 2));
	test_start(task);
	read_target(fd, &tg);
	wtid = (pid_t)dbg_field(dbg_line(fd, "worker"), 0);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), 0);

	ck_assert_int_eq(utrace_task_lookup(u, wtid, &wt), 0);
	ck_assert_int_eq(
		utrace_attach_task(wt, UTRACE_ATTACH_MATCH_DATA, NULL, te, &we),
		0);
	r = utrace_control(wt, we, UTRACE_DETACH);
	ck_assert_msg(r == 0 || r == -EINPROGRESS, "detach: %d", r);
	utrace_engine_put(we);
	ck_assert_int_gt(test_tracer_pid(wtid), 0);
	ck_assert_uint_eq(raw_byte(task, tg.addr), 0xcc);
	/* Its hits: nobody's. */
	ck_assert_int_eq(write(work[1], "xx", 2), 2);
	ck_assert_str_eq(dbg_line(fd, "worked"), "1");
	ck_assert_str_eq(dbg_line(fd, "worked"), "2");
	ck_assert_int_eq(dbg_hits(te), 0);

	resume(te);
	ck_assert_str_eq(dbg_line(fd, "calls"), "5");
	dbg_wait_marker(te, 2);
	ck_assert_int_eq(dbg_hits(te), 3);
	ck_assert_int_gt(test_tracer_pid(wtid), 0);
	ck_assert_uint_eq(raw_byte(task, tg.addr), 0xcc);

	/* The owner leaves its last thread: all restored, all untraced. */
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_DETACH), 0);
	ck_assert_uint_eq(raw_byte(task, tg.addr), tg.bytes[0]);
	ck_assert_int_eq(test_tracer_pid(utrace_task_tid(task)), 0);
	/* The worker, blocked in read(), is let go at its next stop. */
	ck_assert_int_eq(utrace_task_wait(wt, &st), -ESRCH);
	ck_assert_int_eq(test_tracer_pid(wtid), 0);
	ck_assert_str_eq(dbg_line(fd, "calls"), "7");
	ck_assert_str_eq(dbg_line(fd, "first"), test_fmt("%02x", tg.bytes[0]));
	ck_assert_int_eq(write(work[1], "x", 1), 1);
	ck_assert_str_eq(dbg_line(fd, "worked"), "3");
	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(dbg_hits(te), 3);
	utrace_task_put(wt);
	test_close(work[1]);
	test_close(spin[1]);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- a thread nobody traces ----------------------------------------- */

START_TEST(bp_untraced_thread)
{
	struct test_engine *te;
	pid_t bg;
	struct utrace_task *task;
	struct target tg;
	struct utrace *u;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "bg", "marker:1", "exit:0",
	                 (char *)NULL);
	te = bp_engine(task, 1, 0, 1 << 1);
	test_start(task);
	read_target(fd, &tg);
	bg = (pid_t)dbg_field(dbg_line(fd, "bg"), 0);
	dbg_wait_marker(te, 1);
	/* No engine took the new thread: the library let it go at its
	 * first stop, before it ran the code that reported "bg". */
	ck_assert_int_eq(test_tracer_pid(bg), 0);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, tg.addr), -EBUSY);
	ck_assert_uint_eq(raw_byte(task, tg.addr), tg.bytes[0]);
	resume(te);
	ck_assert_int_eq(test_wait(task), 0);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

static Suite *
bp_suite(void)
{
	Suite *s = suite_create("bp");
	TCase *tc;

	tc = test_tcase(s, "basic");
	tcase_add_test(tc, bp_basic_and_errors);
	tcase_add_test(tc, bp_hold_at_hit);
	tcase_add_loop_test(tc, bp_remove_in_callback, 0, 2);
	tcase_add_test(tc, bp_untraced_thread);
	tcase_add_test(tc, bp_owner_on_other_thread);
	tc = test_tcase(s, "threads");
	tcase_add_loop_test(tc, bp_threads_two_engines, 0, 2);
	tc = test_tcase(s, "process");
	tcase_add_loop_test(tc, bp_fork, 0, 4);
	tcase_add_test(tc, bp_exec);
	tcase_add_test(tc, bp_detach_restores);
	tcase_add_test(tc, bp_free_while_hitting);
	return s;
}

TEST_MAIN(bp_suite)
