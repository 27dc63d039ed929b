/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tracee for the debugger tests: runs the operations given as
 * arguments, in order, and reports lines to the report fd.  Built with
 * -g -O0 so that gdb and libunwind see every function and frame.
 *
 *   tracee-dbg [-r FD] OP...
 *
 *   marker:N      syscall(SYS_getpgid, MARKER + N): fails with ESRCH, a
 *                 call tests recognise and hold at (no report)
 *   addr          "addr TARGET BYTES": the address of target() and its
 *                 first 16 bytes (read by the program itself), hex
 *   regs          r12..r15 loaded with known values around a raw getpid
 *                 system call; "regs R12 R13 R14 R15 RAX" after it, hex
 *   calls:T:N     T threads (T = 0: this one) each call target() N times;
 *                 "calls TOTAL" (the program's own count)
 *   sigcalls:N    a thread calls target() N times while this one sends it
 *                 SIGUSR1 every 50 calls, whose handler calls target()
 *                 too; "calls TOTAL"
 *   first         "first XX": the first byte of target(), hex
 *   bg            start a thread that waits forever: "bg TID"
 *   fork          fork a child that reports "child XX" (the first byte of
 *                 target() it sees) and calls target(); wait: "fork ST"
 *   vfork         vfork a child that calls target() and _exits; wait:
 *                 "vfork ST"
 *   worker:FD     start a thread ("worker TID") that calls target() once
 *                 per byte read from FD ("worked N" after each)
 *   libcalls:N    call getppid() (a libc function) N times; "libcalls N"
 *   chain         a() -> b() -> c(); c() makes the marker:9 call from
 *                 inline assembly; "chain" after
 *   hang:FD       a() -> b() -> c(); c() reports "ready" and blocks in
 *                 read(FD) until a byte comes; "chain" after
 *   step          "step SYSCALL AFTER JMP TARGET": addresses in a fixed
 *                 instruction sequence (a marker:7 syscall, then nops and
 *                 a jump); marker:6; then runs it
 *   handler:SIG   install handler() for SIG (SA_SIGINFO); "handler ADDR"
 *   raise:SIG     raise(SIG)
 *   caught        "caught N": how often handler() ran
 *   mem           "mem PAGE SIZE RODATA GLOBAL": a readable page followed
 *                 by an unmapped one, its first bytes i & 0xff and its
 *                 last five "hello" without a NUL; a read-only string;
 *                 a global (0x1122334455667788)
 *   show          "show RODATA GLOBAL": the string and the global now
 *   store:N       write the global N times (1, 2, ...); "stored N"
 *   spin:FD       loop until a byte can be read from FD
 *   exec          execute this program again with -r and the remaining
 *                 operations
 *   exit:N        exit(N)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/parse.h"

#define TRACEE_MARKER 0x40000000L

static int report_fd = -1;
static int hang_fd = -1;
static volatile long n_calls;
static volatile sig_atomic_t n_caught;
static const char rodata[] = "read-only";
static volatile uint64_t global = 0x1122334455667788ull;

/*
 * The code of target(), as bytes.  POSIX (dlsym()) lets a function pointer
 * be converted to an object pointer, and with no integer in between.
 */
#define TARGET_CODE ((const unsigned char *)(const void *)target)

static void
report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (report_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(report_fd, buf, (size_t)n) != n)
		_exit(102);
}

static void
marker(long n)
{
	syscall(SYS_getpgid, TRACEE_MARKER + n);
}

/* The function breakpoints go on; counts its calls. */
__attribute__((noinline)) void target(void);
__attribute__((noinline)) void
target(void)
{
	__atomic_fetch_add(&n_calls, 1, __ATOMIC_SEQ_CST);
}

static void
handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	n_caught++;
	target();
}

__attribute__((noreturn)) static void
bad_op(const char *op)
{
	fprintf(stderr, "tracee-dbg: bad operation: %s\n", op);
	_exit(100);
}

/* Operation @op if it is @name (with its colon) and a number: into *ret. */
static bool
op_num(const char *op, const char *name, long *ret)
{
	size_t len = strlen(name);

	return strncmp(op, name, len) == 0 &&
	       test_parse_long(op + len, ret, NULL);
}

/* Same for NAME:X:Y. */
static bool
op_num2(const char *op, const char *name, long *ret_x, long *ret_y)
{
	size_t len = strlen(name);
	const char *end;
	long x;

	if (strncmp(op, name, len) != 0 ||
	    !test_parse_long(op + len, &x, &end) || *end != ':' ||
	    !test_parse_long(end + 1, ret_y, NULL))
		return false;
	*ret_x = x;
	return true;
}

/* Signal @s of operation @op: a name or a number. */
static int
parse_sig(const char *s, const char *op)
{
	long sig;

	if (strcmp(s, "USR1") == 0)
		return SIGUSR1;
	if (strcmp(s, "USR2") == 0)
		return SIGUSR2;
	if (strcmp(s, "TRAP") == 0)
		return SIGTRAP;
	if (strcmp(s, "STOP") == 0)
		return SIGSTOP;
	if (!test_parse_long(s, &sig, NULL) || sig <= 0 || sig >= NSIG)
		bad_op(op);
	return (int)sig;
}

static void
op_addr(void)
{
	const unsigned char *p = TARGET_CODE;
	char hex[40];

	for (size_t i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	report("addr %#" PRIxPTR " %s", (uintptr_t)target, hex);
}

static void
op_regs(void)
{
	register uint64_t r12 __asm__("r12") = 0x1212121212121212ull;
	register uint64_t r13 __asm__("r13") = 0x1313131313131313ull;
	register uint64_t r14 __asm__("r14") = 0x1414141414141414ull;
	register uint64_t r15 __asm__("r15") = 0x1515151515151515ull;
	uint64_t rax = SYS_getpid;

	__asm__ volatile("syscall"
	                 : "+a"(rax), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
	                 :
	                 : "rcx", "r11", "memory");
	report("regs %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64,
	       r12, r13, r14, r15, rax);
}

struct calls {
	long n;
	pthread_t thread;
};

static void *
caller(void *arg)
{
	struct calls *c = arg;

	for (long i = 0; i < c->n; i++)
		target();
	return NULL;
}

static void
op_calls(long threads, long n)
{
	struct calls c[64];

	if (threads == 0) {
		c[0].n = n;
		caller(&c[0]);
	}
	for (long i = 0; i < threads && i < 64; i++) {
		c[i].n = n;
		if (pthread_create(&c[i].thread, NULL, caller, &c[i]))
			_exit(103);
	}
	for (long i = 0; i < threads && i < 64; i++)
		pthread_join(c[i].thread, NULL);
	report("calls %ld", n_calls);
}

static volatile int sig_done;

static void *
sig_caller(void *arg)
{
	long n = *(long *)arg;

	for (long i = 0; i < n; i++)
		target();
	__atomic_store_n(&sig_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
op_sigcalls(long n)
{
	struct sigaction sa = { 0 };
	pthread_t t;
	long sent = 0;

	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&t, NULL, sig_caller, &n))
		_exit(103);
	while (!__atomic_load_n(&sig_done, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&n_calls, __ATOMIC_SEQ_CST) / 50 > sent) {
			pthread_kill(t, SIGUSR1);
			sent++;
		}
		sched_yield();
	}
	pthread_join(t, NULL);
	report("calls %ld", n_calls);
}

static void *
waiter(void *arg)
{
	report("bg %ld", (long)syscall(SYS_gettid));
	__atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static void
op_fork(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		_exit(104);
	if (pid == 0) {
		report("child %02x", *TARGET_CODE);
		target();
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(105);
	report("fork %d", st);
}

__attribute__((noinline)) static void
c(void)
{
	long r = SYS_getpgid;
	char ch;

	if (hang_fd >= 0) {
		report("ready");
		while (read(hang_fd, &ch, 1) < 0 && errno == EINTR)
			;
		return;
	}
	__asm__ volatile("syscall"
	                 : "+a"(r)
	                 : "D"(TRACEE_MARKER + 9)
	                 : "rcx", "r11", "memory");
}

__attribute__((noinline)) static void
b(void)
{
	c();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void
a(void)
{
	b();
	__asm__ volatile("" ::: "memory");
}

extern const char step_syscall[];
extern const char step_after[];
extern const char step_jmp[];
extern const char step_target[];

__attribute__((noinline)) static void
op_step(void)
{
	report("step %#" PRIxPTR " %#" PRIxPTR " %#" PRIxPTR " %#" PRIxPTR,
	       (uintptr_t)step_syscall, (uintptr_t)step_after,
	       (uintptr_t)step_jmp, (uintptr_t)step_target);
	marker(6);
	__asm__ volatile(".globl step_syscall\n"
	                 ".globl step_after\n"
	                 ".globl step_jmp\n"
	                 ".globl step_target\n"
	                 "	movq $121, %%rax\n" /* SYS_getpgid */
	                 "	movq %0, %%rdi\n"
	                 "step_syscall:\n"
	                 "	syscall\n"
	                 "step_after:\n"
	                 "	nop\n"
	                 "	nop\n"
	                 "	nop\n"
	                 "step_jmp:\n"
	                 "	jmp step_target\n"
	                 "	nop\n"
	                 "	nop\n"
	                 "step_target:\n"
	                 "	nop\n"
	                 :
	                 : "i"(TRACEE_MARKER + 7)
	                 : "rax", "rdi", "rcx", "r11", "memory");
}

static void
op_vfork(void)
{
	/* The tests trace a vfork() child: vfork() itself is under test. */
	/* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.vfork) */
	pid_t pid = vfork();
	int st;

	if (pid < 0)
		_exit(104);
	if (pid == 0) {
		/* Deliberate: the tests count this call in the vfork child. */
		target(); /* NOLINT(clang-analyzer-unix.Vfork) */
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(105);
	report("vfork %d", st);
}

static void *
worker(void *arg)
{
	int fd = *(int *)arg;
	long n = 0;
	char ch;

	report("worker %ld", (long)syscall(SYS_gettid));
	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		target();
		report("worked %ld", ++n);
	}
}

static void
op_worker(int fd)
{
	static int worker_fd;
	pthread_t t;

	worker_fd = fd;
	if (pthread_create(&t, NULL, worker, &worker_fd))
		_exit(103);
}

static void
op_mem(void)
{
	/* The page ends with these, and no NUL. */
	static const char hello[5] = "hello";
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
	                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p + page, (size_t)page))
		_exit(106);
	for (long i = 0; i < page; i++)
		p[i] = (unsigned char)i;
	memcpy(p + page - sizeof(hello), hello, sizeof(hello));
	report("mem %#" PRIxPTR " %ld %#" PRIxPTR " %#" PRIxPTR, (uintptr_t)p,
	       page, (uintptr_t)rodata, (uintptr_t)&global);
}

static void
op_spin(int fd)
{
	char ch;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (read(fd, &ch, 1) != 1)
		;
}

int
main(int argc, char **argv)
{
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		long fd;

		if (!test_parse_long(argv[2], &fd, NULL) || fd < 0 ||
		    fd > INT_MAX)
			bad_op(argv[2]);
		report_fd = (int)fd;
		i = 3;
	}
	for (; i < argc; i++) {
		const char *op = argv[i];
		long x;
		long y;

		if (op_num(op, "marker:", &x)) {
			marker(x);
		} else if (strcmp(op, "addr") == 0) {
			op_addr();
		} else if (strcmp(op, "regs") == 0) {
			op_regs();
		} else if (op_num2(op, "calls:", &x, &y)) {
			op_calls(x, y);
		} else if (op_num(op, "sigcalls:", &x)) {
			op_sigcalls(x);
		} else if (strcmp(op, "first") == 0) {
			report("first %02x", *TARGET_CODE);
		} else if (strcmp(op, "bg") == 0) {
			static int started;
			pthread_t t;

			if (pthread_create(&t, NULL, waiter, &started))
				_exit(103);
			while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
				sched_yield();
		} else if (strcmp(op, "fork") == 0) {
			op_fork();
		} else if (strcmp(op, "vfork") == 0) {
			op_vfork();
		} else if (op_num(op, "worker:", &x)) {
			op_worker((int)x);
		} else if (op_num(op, "libcalls:", &x)) {
			for (long k = 0; k < x; k++)
				(void)getppid();
			report("libcalls %ld", x);
		} else if (strcmp(op, "chain") == 0) {
			a();
			report("chain");
		} else if (op_num(op, "hang:", &x)) {
			hang_fd = (int)x;
			a();
			hang_fd = -1;
			report("chain");
		} else if (strcmp(op, "step") == 0) {
			op_step();
		} else if (strncmp(op, "handler:", 8) == 0) {
			struct sigaction sa = { 0 };

			sa.sa_sigaction = handler;
			sa.sa_flags = SA_SIGINFO;
			sigaction(parse_sig(op + 8, op), &sa, NULL);
			report("handler %#" PRIxPTR, (uintptr_t)handler);
		} else if (strncmp(op, "raise:", 6) == 0) {
			raise(parse_sig(op + 6, op));
		} else if (strcmp(op, "caught") == 0) {
			report("caught %d", (int)n_caught);
		} else if (strcmp(op, "mem") == 0) {
			op_mem();
		} else if (op_num(op, "store:", &x)) {
			for (long k = 1; k <= x; k++)
				global = (uint64_t)k;
			report("stored %ld", x);
		} else if (strcmp(op, "show") == 0) {
			report("show %s %" PRIx64, rodata, global);
		} else if (op_num(op, "spin:", &x)) {
			op_spin((int)x);
		} else if (strcmp(op, "exec") == 0) {
			char fd[16];
			char **nargv =
				calloc((size_t)(argc - i) + 3, sizeof(*nargv));
			int n = 0;

			if (!nargv)
				_exit(107);
			snprintf(fd, sizeof(fd), "%d", report_fd);
			nargv[n++] = argv[0];
			nargv[n++] = (char *)"-r";
			nargv[n++] = fd;
			for (int j = i + 1; j < argc; j++)
				nargv[n++] = argv[j];
			execv("/proc/self/exe", nargv);
			_exit(107);
		} else if (op_num(op, "exit:", &x)) {
			exit((int)x);
		} else {
			bad_op(op);
		}
	}
	return 0;
}
