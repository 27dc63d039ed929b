/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registers: read and write at every kind of stop, one copy per stop
 * shared by the engines, written back once, merged with syscall changes;
 * FP state; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/regs.h>
#include <utrace/utrace.h>

#include "dbg-common.h"
#include "test-common.h"

#define C12 0x1212121212121212ull
#define C13 0x1313131313131313ull
#define C14 0x1414141414141414ull
#define C15 0x1515151515151515ull

/* What the callbacks saw (they never assert: the test thread does). */
static struct {
	int rc; /* first error of a call in a callback */
	int entry_calls;
	uint64_t entry_r12[2];
	struct utrace_regs entry;
	struct utrace_syscall entry_sc;
	int exit_calls;
	struct utrace_regs exit2;
	uint64_t exit_rax1;
	bool rewrite_rval; /* second engine at exit also sets sc->rval */
} R;

static void
note_rc(int r)
{
	if (r < 0 && !R.rc)
		R.rc = r;
}

static uint32_t
shared_decide(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, const struct test_ev *ev, void *payload,
              uint32_t ret)
{
	struct utrace_syscall *sc = payload;
	struct utrace_regs regs;

	(void)te;
	(void)engine;
	if (ev->kind != EV_SYSCALL_ENTRY && ev->kind != EV_SYSCALL_EXIT)
		return ret;
	if (sc->nr != DBG_NR_GETPID)
		return ret;
	note_rc(utrace_task_read_regs(task, &regs));
	if (ev->kind == EV_SYSCALL_ENTRY) {
		/* Reverse order: the first one called writes, the second
		 * reads what it wrote. */
		if (R.entry_calls < 2)
			R.entry_r12[R.entry_calls] = regs.r12;
		if (R.entry_calls++ == 0) {
			R.entry = regs;
			R.entry_sc = *sc;
			regs.r12 = 0xabcdef;
			note_rc(utrace_task_write_regs(task, &regs));
		}
		return ret;
	}
	if (R.exit_calls++ == 0) {
		R.exit_rax1 = regs.rax;
		regs.rax = 0x4242;
		regs.r13 = 0x77;
		note_rc(utrace_task_write_regs(task, &regs));
		return ret;
	}
	R.exit2 = regs;
	if (R.rewrite_rval)
		sc->rval = 0x5555;
	return ret;
}

/* Variants: 0 and 1 write the syscall through PTRACE_SET_SYSCALL_INFO
 * where the kernel has it, 2 and 3 through registers; 1 and 3 have the
 * second engine also change the return value in struct utrace_syscall. */
START_TEST(regs_shared_in_one_stop)
{
	struct utrace_opts opts = {
		.size = sizeof(opts),
		.flags = _i >= 2 ? UTRACE_OPT_SYSCALL_INFO_REGS : 0,
	};
	struct test_engine *te1;
	struct test_engine *te2;
	struct utrace_task *task;
	struct utrace *u;
	const char *line;
	int fd;

	memset(&R, 0, sizeof(R));
	R.rewrite_rval = _i & 1;
	u = test_new(&opts);
	task = dbg_spawn(u, &fd, "regs", "exit:0", (char *)NULL);
	te1 = test_engine_new(1, shared_decide);
	te2 = test_engine_new(2, shared_decide);
	dbg_attach(task, te1, 0, UTRACE_EVENT_SYSCALL);
	dbg_attach(task, te2, 0, UTRACE_EVENT_SYSCALL);
	dbg_only_syscall(task, te1->engine, DBG_NR_GETPID);
	dbg_only_syscall(task, te2->engine, DBG_NR_GETPID);
	test_start(task);
	line = dbg_line(fd, "regs");
	ck_assert_int_eq(test_wait(task), 0);

	ck_assert_int_eq(R.rc, 0);
	ck_assert_int_eq(R.entry_calls, 2);
	ck_assert_int_eq(R.exit_calls, 2);
	/* Entry: what the program loaded, and the syscall view agrees. */
	ck_assert_uint_eq(R.entry_r12[0], C12);
	ck_assert_uint_eq(R.entry_r12[1], 0xabcdef);
	ck_assert_uint_eq(R.entry.r13, C13);
	ck_assert_uint_eq(R.entry.r14, C14);
	ck_assert_uint_eq(R.entry.r15, C15);
	ck_assert_uint_eq(R.entry.orig_rax, DBG_NR_GETPID);
	ck_assert_uint_eq(R.entry.rax, (uint64_t)-ENOSYS);
	ck_assert_uint_eq(R.entry.rip, R.entry_sc.ip);
	ck_assert_uint_eq(R.entry.rsp, R.entry_sc.sp);
	/* Exit: the real result, then the first engine's writes. */
	ck_assert_uint_eq(R.exit_rax1, (uint64_t)utrace_task_tid(task));
	ck_assert_uint_eq(R.exit2.rax, 0x4242);
	ck_assert_uint_eq(R.exit2.r13, 0x77);
	ck_assert_uint_eq(R.exit2.r12, 0xabcdef);
	ck_assert_uint_eq(R.exit2.rip, R.entry.rip);
	/* What the program saw: every write, the syscall's last. */
	ck_assert_str_eq(line, R.rewrite_rval ? "abcdef 77 1414141414141414 "
	                                        "1515151515151515 5555"
	                                      : "abcdef 77 1414141414141414 "
	                                        "1515151515151515 4242");
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- round trip at every stop kind -------------------------------- */

enum { K_SIGNAL, K_CLONE, K_EXEC, K_EXIT, K_SYSCALL, K_MAX };

static struct {
	int n[K_MAX];
	int bad[K_MAX];
	struct utrace_regs regs[K_MAX];
	uint64_t exec_argc;
	int rc;
} T;

/* Read, write back, read again: the same; the accessors agree. */
static void
round_trip(struct utrace_task *task, int kind)
{
	struct utrace_regs a;
	struct utrace_regs b;
	struct utrace_fpregs fa;
	struct utrace_fpregs fb;
	uint64_t pc = 0;
	uint64_t sp = 0;
	int r;

	T.n[kind]++;
	r = utrace_task_read_regs(task, &a);
	if (!r)
		r = utrace_task_write_regs(task, &a);
	if (!r)
		r = utrace_task_read_regs(task, &b);
	if (!r)
		r = utrace_task_read_pc(task, &pc);
	if (!r)
		r = utrace_task_read_sp(task, &sp);
	if (!r)
		r = utrace_task_write_pc(task, pc);
	if (!r)
		r = utrace_task_read_fpregs(task, &fa);
	if (!r)
		r = utrace_task_write_fpregs(task, &fa);
	if (!r)
		r = utrace_task_read_fpregs(task, &fb);
	if (r < 0) {
		if (!T.rc)
			T.rc = r;
		T.bad[kind]++;
		return;
	}
	if (memcmp(&a, &b, sizeof(a)) != 0 || pc != a.rip || sp != a.rsp ||
	    memcmp(&fa, &fb, sizeof(fa)) != 0)
		T.bad[kind]++;
	T.regs[kind] = a;
	if (kind == K_EXEC) {
		size_t n = 0;

		if (utrace_task_read_mem(task, a.rsp, &T.exec_argc,
		                         sizeof(T.exec_argc), &n) < 0 ||
		    n != sizeof(T.exec_argc))
			T.bad[kind]++;
	}
}

static uint32_t
trip_decide(struct test_engine *te, struct utrace_engine *engine,
            struct utrace_task *task, const struct test_ev *ev, void *payload,
            uint32_t ret)
{
	(void)te;
	(void)engine;
	(void)payload;
	switch (ev->kind) {
	case EV_SIGNAL:
		round_trip(task, K_SIGNAL);
		break;
	case EV_CLONE:
		round_trip(task, K_CLONE);
		break;
	case EV_EXEC:
		round_trip(task, K_EXEC);
		break;
	case EV_EXIT:
		round_trip(task, K_EXIT);
		break;
	case EV_SYSCALL_ENTRY:
	case EV_SYSCALL_EXIT:
		round_trip(task, K_SYSCALL);
		break;
	default:
		break;
	}
	return ret;
}

START_TEST(regs_round_trip_every_stop)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	int fd;
	int i;

	memset(&T, 0, sizeof(T));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "handler:USR1", "raise:USR1", "calls:1:1",
	                 "fork", "marker:1", "exec", "marker:2", "exit:3",
	                 (char *)NULL);
	te = test_engine_new(1, trip_decide);
	te->quiet = true;
	dbg_attach(task, te, 0,
	           UTRACE_EVENT(SIGNAL) | UTRACE_EVENT(CLONE) |
	                   UTRACE_EVENT(EXEC) | UTRACE_EVENT(EXIT) |
	                   UTRACE_EVENT_SYSCALL);
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	/* The handler calls target() too. */
	ck_assert_str_eq(dbg_line(fd, "calls"), "2");
	ck_assert_str_eq(dbg_line(fd, "fork"), "0");
	ck_assert_int_eq(test_wait(task), 3 << 8);
	test_close(fd);

	ck_assert_int_eq(T.rc, 0);
	for (i = 0; i < K_MAX; i++) {
		ck_assert_msg(T.n[i] > 0, "no stop of kind %d", i);
		ck_assert_msg(T.bad[i] == 0, "kind %d: %d bad of %d", i,
		              T.bad[i], T.n[i]);
	}
	/* raise() is a tgkill() that returned 0. */
	ck_assert_uint_eq(T.regs[K_SIGNAL].orig_rax, 234);
	ck_assert_uint_eq(T.regs[K_SIGNAL].rax, 0);
	/* clone (fork) or clone3 (pthread_create) */
	ck_assert_msg(T.regs[K_CLONE].orig_rax == 56 ||
	                      T.regs[K_CLONE].orig_rax == 435,
	              "clone stop in syscall %llu",
	              (unsigned long long)T.regs[K_CLONE].orig_rax);
	/* execve; argc on top of the new stack: exe -r FD marker:2 exit:3 */
	ck_assert_uint_eq(T.regs[K_EXEC].orig_rax, 59);
	ck_assert_uint_eq(T.exec_argc, 5);
	/* exit_group(3) */
	ck_assert_uint_eq(T.regs[K_EXIT].orig_rax, 231);
	ck_assert_uint_eq(T.regs[K_EXIT].rdi, 3);
	test_free(u);
	dbg_put_all();
}
END_TEST

/*
 * The debugger's own stops: a breakpoint hit, the step the engine asks
 * for from there, a group stop and the stop after SIGCONT.
 */
enum { D_BP, D_STEP, D_JCTL_STOP, D_JCTL_CONT, D_MAX };

static struct {
	int n[D_MAX];
	int bad[D_MAX];
	uint64_t pc[D_MAX];
	int rc;
} D;

static void
round_trip_d(struct utrace_task *task, int kind)
{
	memset(&T, 0, sizeof(T));
	round_trip(task, K_SIGNAL);
	D.n[kind]++;
	D.bad[kind] += T.bad[K_SIGNAL];
	D.pc[kind] = T.regs[K_SIGNAL].rip;
	if (T.rc && !D.rc)
		D.rc = T.rc;
}

static uint32_t
trip_bp(struct test_engine *te, struct utrace_engine *engine,
        struct utrace_task *task, uint64_t addr)
{
	(void)te;
	(void)engine;
	(void)addr;
	round_trip_d(task, D_BP);
	return UTRACE_SINGLESTEP;
}

static uint32_t
trip_debug_decide(struct test_engine *te, struct utrace_engine *engine,
                  struct utrace_task *task, const struct test_ev *ev,
                  void *payload, uint32_t ret)
{
	if (ev->kind == EV_QUIESCE && ev->event == 0 && D.n[D_BP] &&
	    !D.n[D_STEP])
		round_trip_d(task, D_STEP);
	else if (ev->kind == EV_JCTL)
		round_trip_d(task, ev->code == CLD_STOPPED ? D_JCTL_STOP
		                                           : D_JCTL_CONT);
	return dbg_hold_markers(te, engine, task, ev, payload, ret);
}

START_TEST(regs_round_trip_debug_stops)
{
	struct test_log *log = test_log();
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	uint64_t addr;
	int fd;
	int i;

	memset(&D, 0, sizeof(D));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "addr", "marker:1", "calls:0:1", "raise:STOP",
	                 "marker:2", "exit:0", (char *)NULL);
	te = test_engine_new(1, trip_debug_decide);
	te->quiet_quiesce = true;
	te->rc[1] = 1 << 1;
	te->priv = (void *)trip_bp;
	dbg_attach(task, te, 0,
	           UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(SYSCALL_ENTRY) |
	                   UTRACE_EVENT(BREAKPOINT) | UTRACE_EVENT(JCTL));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	addr = dbg_field(dbg_line(fd, "addr"), 0);
	dbg_wait_marker(te, 1);
	ck_assert_int_eq(utrace_bp_insert(task, te->engine, addr), 0);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_msg(test_log_wait(log, 1, EV_JCTL, CLD_STOPPED, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(kill(utrace_task_tid(task), SIGCONT), 0);
	ck_assert_int_eq(test_wait(task), 0);
	test_close(fd);

	ck_assert_int_eq(D.rc, 0);
	for (i = 0; i < D_MAX; i++) {
		ck_assert_msg(D.n[i] == 1, "stop kind %d seen %d times", i,
		              D.n[i]);
		ck_assert_msg(D.bad[i] == 0, "kind %d: %d bad", i, D.bad[i]);
	}
	/* On the breakpoint, then one instruction further. */
	ck_assert_uint_eq(D.pc[D_BP], addr);
	ck_assert_uint_gt(D.pc[D_STEP], addr);
	ck_assert_uint_lt(D.pc[D_STEP], addr + 16);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- a held task, from the test thread ------------------------------ */

static uint32_t
hold_quiesce(struct test_engine *te, struct utrace_engine *engine,
             struct utrace_task *task, const struct test_ev *ev, void *payload,
             uint32_t ret)
{
	(void)te;
	(void)engine;
	(void)task;
	(void)payload;
	return ev->kind == EV_QUIESCE ? UTRACE_STOP : ret;
}

START_TEST(regs_held_and_errors)
{
	struct test_log *log = test_log();
	struct utrace_task *task;
	struct test_engine *te;
	struct utrace_regs regs;
	struct utrace_regs again;
	struct utrace_fpregs fp;
	unsigned char xs[16384];
	size_t len = 0;
	uint64_t pc;
	struct utrace *u;
	int spin[2];
	int fd;

	u = test_new(NULL);
	test_pipe(spin, 0);
	task = dbg_spawn(u, &fd, "addr", test_fmt("spin:%d", spin[0]), "exit:0",
	                 (char *)NULL);
	te = test_engine_new(1, hold_quiesce);
	dbg_attach(task, te, 0, UTRACE_EVENT(QUIESCE));
	test_start(task);
	dbg_line(fd, "addr");

	/* Running: no registers. */
	ck_assert_int_eq(utrace_task_read_regs(task, &regs), -EBUSY);
	ck_assert_int_eq(utrace_task_write_regs(task, &regs), -EBUSY);
	ck_assert_int_eq(utrace_task_read_pc(task, &pc), -EBUSY);
	ck_assert_int_eq(utrace_task_read_fpregs(task, &fp), -EBUSY);
	ck_assert_int_eq(utrace_task_read_xstate(task, xs, sizeof(xs), &len),
	                 -EBUSY);

	/* Held: a quiesce stop (PTRACE_INTERRUPT). */
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_STOP),
	                 -EINPROGRESS);
	ck_assert_msg(test_log_wait(log, 1, EV_QUIESCE, 0, 1), "%s",
	              test_log_dump(log));
	ck_assert_int_eq(utrace_task_read_regs(task, &regs), 0);
	ck_assert_int_eq(utrace_task_read_pc(task, &pc), 0);
	ck_assert_uint_eq(pc, regs.rip);
	regs.r12 ^= 1;
	ck_assert_int_eq(utrace_task_write_regs(task, &regs), 0);
	ck_assert_int_eq(utrace_task_read_regs(task, &again), 0);
	ck_assert_mem_eq(&regs, &again, sizeof(regs));
	regs.r12 ^= 1;
	ck_assert_int_eq(utrace_task_write_regs(task, &regs), 0);
	ck_assert_int_eq(utrace_task_read_fpregs(task, &fp), 0);
	ck_assert_int_eq(utrace_task_read_xstate(task, xs, sizeof(xs), &len),
	                 0);
	ck_assert_uint_ge(len, 512);
	/* The FXSAVE part of XSAVE: control words and the XMM registers. */
	ck_assert_mem_eq(xs + 24, &fp.mxcsr, 4);
	ck_assert_mem_eq(xs + 160, fp.xmm_space, sizeof(fp.xmm_space));

	ck_assert_int_eq(utrace_task_read_regs(NULL, &regs), -EINVAL);
	ck_assert_int_eq(utrace_task_read_regs(task, NULL), -EINVAL);
	ck_assert_int_eq(utrace_task_write_regs(task, NULL), -EINVAL);
	ck_assert_int_eq(utrace_task_read_xstate(task, xs, 0, &len), -EINVAL);

	ck_assert_int_eq(write(spin[1], "x", 1), 1);
	ck_assert_int_eq(utrace_control(task, te->engine, UTRACE_RESUME), 0);
	ck_assert_int_eq(test_wait(task), 0);

	ck_assert_int_eq(utrace_task_read_regs(task, &regs), -ESRCH);
	ck_assert_int_eq(utrace_task_write_regs(task, &regs), -ESRCH);
	ck_assert_int_eq(utrace_task_read_pc(task, &pc), -ESRCH);
	ck_assert_int_eq(utrace_task_write_pc(task, pc), -ESRCH);
	ck_assert_int_eq(utrace_task_read_fpregs(task, &fp), -ESRCH);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/* ---- FP state written back ----------------------------------------- */

static uint32_t
fp_decide(struct test_engine *te, struct utrace_engine *engine,
          struct utrace_task *task, const struct test_ev *ev, void *payload,
          uint32_t ret)
{
	struct utrace_fpregs fp;
	int r;

	(void)engine;
	(void)payload;
	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != DBG_NR_GETPGID)
		return ret;
	r = utrace_task_read_fpregs(task, &fp);
	if (r < 0) {
		te->rc[0] = r;
		return ret;
	}
	if ((int64_t)ev->args[0] == DBG_MARKER(1)) {
		/* Flush-to-zero: plain code never changes it. */
		fp.mxcsr |= 0x8000;
		te->rc[0] = utrace_task_write_fpregs(task, &fp);
	} else if ((int64_t)ev->args[0] == DBG_MARKER(2)) {
		te->rc[2] = (int)fp.mxcsr;
	}
	return ret;
}

START_TEST(regs_fp_written_back)
{
	struct test_engine *te;
	struct utrace_task *task;
	struct utrace *u;
	int fd;

	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "marker:1", "marker:2", "exit:0",
	                 (char *)NULL);
	te = test_engine_new(1, fp_decide);
	dbg_attach(task, te, 0, UTRACE_EVENT(SYSCALL_ENTRY));
	dbg_only_syscall(task, te->engine, DBG_NR_GETPGID);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(te->rc[0], 0);
	ck_assert_int_eq(te->rc[2] & 0x8000, 0x8000);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

/*
 * The XSAVE area and the FP registers are one state: at marker:1 the
 * engine called first sets flush-to-zero through the XSAVE area, the
 * second sees it in the FP registers and adds denormals-are-zero there,
 * and the XSAVE area shows both; at marker:2 the task has both.
 */
static struct {
	int calls;
	uint32_t seen_fp; /* second engine, FP registers */
	uint32_t seen_xs; /* second engine, XSAVE area after its write */
	uint32_t at_marker2;
	size_t len;
	int rc;
} X;

static uint32_t
xs_decide(struct test_engine *te, struct utrace_engine *engine,
          struct utrace_task *task, const struct test_ev *ev, void *payload,
          uint32_t ret)
{
	static unsigned char xs[16384];
	struct utrace_fpregs fp;
	uint32_t mxcsr;
	uint64_t bv;
	int r = 0;

	(void)te;
	(void)engine;
	(void)payload;
	if (ev->kind != EV_SYSCALL_ENTRY || ev->nr != DBG_NR_GETPGID ||
	    (ev->action & UTRACE_SYSCALL_RESUMED))
		return ret;
	if ((int64_t)ev->args[0] == DBG_MARKER(2)) {
		if (X.calls++ == 2) {
			r = utrace_task_read_fpregs(task, &fp);
			X.at_marker2 = r ? 0 : fp.mxcsr;
		}
	} else if (X.calls++ == 0) {
		r = utrace_task_read_xstate(task, xs, sizeof(xs), &X.len);
		memcpy(&mxcsr, xs + 24, 4);
		mxcsr |= 0x8000;
		memcpy(xs + 24, &mxcsr, 4);
		memcpy(&bv, xs + 512, 8);
		bv |= 2; /* SSE, which holds MXCSR */
		memcpy(xs + 512, &bv, 8);
		if (!r)
			r = utrace_task_write_xstate(task, xs, X.len);
	} else {
		r = utrace_task_read_fpregs(task, &fp);
		X.seen_fp = fp.mxcsr;
		fp.mxcsr |= 0x40;
		if (!r)
			r = utrace_task_write_fpregs(task, &fp);
		if (!r)
			r = utrace_task_read_xstate(task, xs, sizeof(xs),
			                            &X.len);
		memcpy(&X.seen_xs, xs + 24, 4);
	}
	if (r < 0 && !X.rc)
		X.rc = r;
	return ret;
}

START_TEST(regs_xstate_shared)
{
	struct test_engine *te1;
	struct test_engine *te2;
	unsigned char xs[16];
	struct utrace_task *task;
	struct utrace *u;
	int fd;

	memset(&X, 0, sizeof(X));
	u = test_new(NULL);
	task = dbg_spawn(u, &fd, "marker:1", "marker:2", "exit:0",
	                 (char *)NULL);
	te1 = test_engine_new(1, xs_decide);
	te2 = test_engine_new(2, xs_decide);
	dbg_attach(task, te1, 0, UTRACE_EVENT(SYSCALL_ENTRY));
	dbg_attach(task, te2, 0, UTRACE_EVENT(SYSCALL_ENTRY));
	dbg_only_syscall(task, te1->engine, DBG_NR_GETPGID);
	dbg_only_syscall(task, te2->engine, DBG_NR_GETPGID);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_int_eq(X.rc, 0);
	ck_assert_uint_ge(X.len, 576);
	ck_assert_uint_eq(X.seen_fp & 0x8040, 0x8000);
	ck_assert_uint_eq(X.seen_xs & 0x8040, 0x8040);
	ck_assert_uint_eq(X.at_marker2 & 0x8040, 0x8040);
	ck_assert_int_eq(utrace_task_write_xstate(task, xs, sizeof(xs)),
	                 -ESRCH);
	ck_assert_int_eq(utrace_task_write_xstate(task, NULL, 16), -EINVAL);
	test_close(fd);
	test_free(u);
	dbg_put_all();
}
END_TEST

static Suite *
regs_suite(void)
{
	Suite *s = suite_create("regs");
	TCase *tc;

	tc = test_tcase(s, "shared");
	tcase_add_loop_test(tc, regs_shared_in_one_stop, 0, 4);
	tc = test_tcase(s, "round-trip");
	tcase_add_test(tc, regs_round_trip_every_stop);
	tcase_add_test(tc, regs_round_trip_debug_stops);
	tc = test_tcase(s, "held");
	tcase_add_test(tc, regs_held_and_errors);
	tcase_add_test(tc, regs_fp_written_back);
	tcase_add_test(tc, regs_xstate_shared);
	return s;
}

TEST_MAIN(regs_suite)
