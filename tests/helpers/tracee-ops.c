/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tracee for the tests: runs the operations given as arguments, in order,
 * and reports one line per operation ("<op> <result>...") to the report fd.
 *
 *   tracee-ops [-r FD] OP...
 *
 *   ppid            syscall(SYS_getppid)            "ppid R"
 *   pid             syscall(SYS_getpid)             "pid R"
 *   unlink:PATH     unlink(PATH)                    "unlink R ERRNO"
 *   write:FD:TEXT   write(FD, TEXT, strlen(TEXT))   "write R"
 *   read:FD         read(FD, &c, 1)                 "read R C" (C: '-' if none)
 *   spin:FD         getppid() until a byte can be read from FD (made
 *                   non-blocking)                   "spin"
 *   catch:SIG       SA_SIGINFO handler counting SIG (no report)
 *   ign:SIG         SIG_IGN (no report)
 *   block:SIG       block SIG (no report)
 *   unblock:SIG     unblock SIG (no report)
 *   raise:SIG       raise(SIG)                      "raise R"
 *   caught:SIG      what the handler of SIG saw     "caught SIG N SI_SIGNO"
 *   sigmask:SIG     whether SIG is blocked          "sigmask SIG 0|1"
 *   fork:N          fork a child that exits N; wait "fork STATUS"
 *   fds             the open descriptors            "fds 0 1 2 ..."
 *   threads:N       start N threads that wait forever "threads N"
 *   say:TEXT        nothing but the report          "say TEXT"
 *   exec            execute this program again (/proc/self/exe) with -r
 *                   and the operations after this one (report only if
 *                   it fails: "exec -1 ERRNO")
 *   execp:PATH      execute PATH with the operations after this one as
 *                   its arguments (report only if it fails)
 *   exit:N          exit(N)
 *   sysexit:N       syscall(SYS_exit, N): this thread alone ends
 *   abort           abort()
 *   marker:N        syscall(SYS_getpgid, 0x40000000 + N), which fails
 *                   with ESRCH (no report): a call tests can recognise
 *   ppids:N         N getppid() calls                "ppids N"
 *   tracer          this thread's TracerPid          "tracer PID"
 *   setpgid         setpgid(0, 0): a process group of its own, not
 *                   orphaned, so that SIGTSTP stops it (no report)
 *   echo:FD         read FD byte by byte to its end: "echo C" per byte,
 *                   then "echo EOF"
 *   vfork:N         vfork(); the child writes "vchild" and _exit(N);
 *                   wait                             "vfork PID STATUS"
 *   untraced:N      clone(CLONE_UNTRACED | SIGCHLD); the child reports
 *                   "untraced-child TRACERPID" and exits N; wait
 *                                                    "untraced PID STATUS"
 *   stress:T:F      T threads in batches of 50, each reporting "t TID"
 *                   and ending, and F forks whose children _exit(0), the
 *                   parent reporting "f PID"; all waited for
 *                                                    "stress T F"
 *   churn:N         N times: getppid(), a fork whose child calls getppid()
 *                   and then _exit(0) or, every other time, executes
 *                   this program again with "ppid", and a thread that
 *                   calls getppid(); each waited for "churn N"
 *   forkrace:N      a thread at SCHED_IDLE makes N tasks, by turns a
 *                   fork child that _exit(0)s and a thread that calls
 *                   getppid() (each waited for), while the leader makes
 *                   T threads that end at once      "forkrace N T"
 *
 * Blocks: "{KIND" OP... "}" runs the operations up to the matching "}" in
 * a new task, then ends it (status 0); they may nest.  An exec inside a
 * block takes the rest of the block as its operations.
 *
 *   {fork           syscall(SYS_fork): the child runs no libc code before
 *                   the block; waited for            "fork PID STATUS"
 *   {clone:SIG      a new process by clone(2) with exit signal SIG (0 for
 *                   none); waited for with __WALL    "clone PID STATUS"
 *   {pthread        a pthread (clone3 in glibc); joined "pthread TID"
 *   {thread         a thread by raw clone(2), no TLS of its own and no
 *                   libc code before the block (use marker, ppid, say,
 *                   sysexit); waited for              "thread TID"
 *   {bg             a pthread that is never joined; reported once it
 *                   started, before the block runs   "bg TID"
 *
 * SIG is a name without "SIG" (USR1, TERM, ...) or a number.  Without -r
 * nothing is reported.  Exit status 0 after the last operation, 100 on a
 * usage error, 101-115 when a setup call fails.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse.h"

/* Above any pid (PID_MAX_LIMIT is 1 << 22): getpgid() fails with ESRCH. */
#define TRACEE_MARKER 0x40000000L
#define STACK_SIZE ((size_t)256 * 1024)
#define STRESS_BATCH 50

static int report_fd = -1;
static volatile sig_atomic_t hits[NSIG];
static volatile sig_atomic_t seen_signo[NSIG];

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },   { "QUIT", SIGQUIT },
	{ "TRAP", SIGTRAP },   { "ABRT", SIGABRT }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },   { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM },   { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT },   { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN },   { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "WINCH", SIGWINCH },
};

static void __attribute__((noreturn)) usage(const char *op)
{
	static const char msg[] = "tracee-ops: bad operation: ";

	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, op, strlen(op));
	(void)!write(2, "\n", 1);
	_exit(100);
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
report(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	if (report_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(report_fd, buf, (size_t)n);
}

static int
parse_sig(const char *s, const char *op)
{
	long v;
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcmp(s, signames[i].name) == 0)
			return signames[i].sig;
	if (!test_parse_long(s, &v, NULL) || v <= 0 || v >= NSIG)
		usage(op);
	return (int)v;
}

static long
parse_num(const char *s, const char *op)
{
	const char *end;
	long v;

	if (!test_parse_long(s, &v, &end) || (*end && *end != ':'))
		usage(op);
	return v;
}

static void
on_signal(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	hits[sig]++;
	seen_signo[sig] = info->si_signo;
}

static void
do_spin(int fd)
{
	char c;
	int flags;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		_exit(101);
	for (;;) {
		(void)syscall(SYS_getppid);
		if (read(fd, &c, 1) == 1)
			break;
	}
	report("spin");
}

static void *
idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void
do_threads(int n)
{
	pthread_t t;
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			_exit(109);
	report("threads %d", n);
}

static void
do_fds(void)
{
	char line[4096];
	size_t len;
	DIR *d;
	struct dirent *de;
	int dfd;

	d = opendir("/proc/self/fd");
	if (!d)
		_exit(102);
	dfd = dirfd(d);
	len = (size_t)snprintf(line, sizeof(line), "fds");
	while ((de = readdir(d))) {
		long fd;

		/* Also skips "." and "..". */
		if (!test_parse_long(de->d_name, &fd, NULL) || fd == dfd)
			continue;
		if (len < sizeof(line) - 16)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			                        " %ld", fd);
	}
	closedir(d);
	report("%s", line);
}

static void
do_exec(const char *path, char **rest, int n)
{
	char fd[16];
	char *argv[256];
	int k = 0;
	int i;

	if (path) {
		argv[k++] = (char *)path;
	} else {
		argv[k++] = (char *)"tracee-ops";
		if (report_fd >= 0) {
			snprintf(fd, sizeof(fd), "%d", report_fd);
			argv[k++] = (char *)"-r";
			argv[k++] = fd;
		}
	}
	for (i = 0; i < n && k < 255; i++)
		argv[k++] = rest[i];
	argv[k] = NULL;
	execv(path ? path : "/proc/self/exe", argv);
	report("exec -1 %d", errno);
	_exit(108);
}

/* This thread's TracerPid, or -1. */
static long
tracer_pid(void)
{
	char line[256];
	long tracer = -1;
	FILE *f;

	f = fopen("/proc/thread-self/status", "re");
	if (!f)
		_exit(110);
	while (fgets(line, sizeof(line), f))
		if (test_parse_field(line, "TracerPid:", &tracer))
			break;
	fclose(f);
	return tracer;
}

static void
do_echo(int fd)
{
	char c;
	ssize_t r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			_exit(111);
		if (r == 0)
			break;
		report("echo %c", c);
	}
	report("echo EOF");
}

static int
wait_child(pid_t pid, int flags)
{
	int status = -1;

	while (waitpid(pid, &status, flags) < 0)
		if (errno != EINTR)
			_exit(112);
	return status;
}

static void
do_vfork(int code)
{
	static const char msg[] = "vchild\n";
	pid_t pid;

	/* The operation under test is vfork(2) itself. */
	/* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.vfork) */
	pid = vfork();
	if (pid < 0)
		_exit(107);
	if (pid == 0) {
		/* Only async-signal-safe calls in a vfork child. */
		if (report_fd >= 0)
			(void)!write(report_fd, msg, sizeof(msg) - 1);
		_exit(code);
	}
	report("vfork %d %d", (int)pid, wait_child(pid, 0));
}

static void *
new_stack(void)
{
	void *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (stack == MAP_FAILED)
		_exit(113);
	return (char *)stack + STACK_SIZE;
}

static void
free_stack(void *top)
{
	(void)munmap((char *)top - STACK_SIZE, STACK_SIZE);
}

/* @arg points to the exit code: without CLONE_VM the child reads it in
 * its copy of the parent's memory. */
static int
untraced_child(void *arg)
{
	report("untraced-child %ld", tracer_pid());
	return *(const int *)arg;
}

static void
do_untraced(int code)
{
	void *stack = new_stack();
	pid_t pid;
	int status;

	pid = clone(untraced_child, stack, CLONE_UNTRACED | SIGCHLD, &code);
	if (pid < 0)
		_exit(107);
	status = wait_child(pid, 0);
	free_stack(stack);
	report("untraced %d %d", (int)pid, status);
}

static void run_ops(char **ops, int n);

struct block {
	char **ops;
	int n;
	pid_t tid;
	sem_t started;
};

static int
block_child(void *arg)
{
	struct block *b = arg;

	run_ops(b->ops, b->n);
	return 0;
}

static void *
block_thread(void *arg)
{
	struct block *b = arg;

	b->tid = gettid();
	if (sem_post(&b->started) < 0)
		_exit(114);
	run_ops(b->ops, b->n);
	return NULL;
}

/*
 * Runs ops[0..n) in a new task of @kind, as the block syntax says.  Blocks
 * nest, so this and run_ops() recurse, as deep as the command line nests.
 */
static void
/* NOLINTNEXTLINE(misc-no-recursion) */
run_block(const char *kind, char **ops, int n)
{
	struct block *b;
	pthread_t t;
	void *stack;
	pid_t pid;

	b = calloc(1, sizeof(*b));
	if (!b || sem_init(&b->started, 0, 0) < 0)
		_exit(114);
	b->ops = ops;
	b->n = n;
	if (strcmp(kind, "{fork") == 0) {
		pid = (pid_t)syscall(SYS_fork);
		if (pid < 0)
			_exit(107);
		if (pid == 0) {
			run_ops(ops, n);
			_exit(0);
		}
		report("fork %d %d", (int)pid, wait_child(pid, 0));
	} else if (strncmp(kind, "{clone:", 7) == 0) {
		int sig = strcmp(kind + 7, "0") == 0
		                  ? 0
		                  : parse_sig(kind + 7, kind);

		stack = new_stack();
		pid = clone(block_child, stack, sig, b);
		if (pid < 0)
			_exit(107);
		report("clone %d %d", (int)pid, wait_child(pid, __WALL));
		free_stack(stack);
	} else if (strcmp(kind, "{thread") == 0) {
		/* Cleared by the kernel when the thread ends. */
		static volatile pid_t ctid;
		pid_t v;

		stack = new_stack();
		ctid = 1;
		pid = clone(block_child, stack,
		            CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		                    CLONE_THREAD | CLONE_SYSVSEM |
		                    CLONE_CHILD_CLEARTID,
		            b, NULL, NULL, &ctid);
		if (pid < 0)
			_exit(107);
		while ((v = ctid) != 0)
			(void)syscall(SYS_futex, &ctid, FUTEX_WAIT, v, NULL,
			              NULL, 0);
		free_stack(stack);
		report("thread %d", (int)pid);
	} else if (strcmp(kind, "{pthread") == 0) {
		if (pthread_create(&t, NULL, block_thread, b) != 0)
			_exit(109);
		if (pthread_join(t, NULL) != 0)
			_exit(109);
		report("pthread %d", (int)b->tid);
	} else if (strcmp(kind, "{bg") == 0) {
		if (pthread_create(&t, NULL, block_thread, b) != 0)
			_exit(109);
		while (sem_wait(&b->started) < 0)
			if (errno != EINTR)
				_exit(114);
		report("bg %d", (int)b->tid);
		/* b stays: the thread uses it. */
		return;
	} else {
		usage(kind);
	}
	free(b);
}

static void *
stress_thread(void *arg)
{
	(void)arg;
	report("t %d", (int)gettid());
	return NULL;
}

static void
do_stress(int threads, int forks)
{
	pthread_t t[STRESS_BATCH];
	pid_t p[STRESS_BATCH];
	int nt = 0;
	int nf = 0;
	int i;

	while (nt < threads || nf < forks) {
		int bt = threads - nt < STRESS_BATCH ? threads - nt
		                                     : STRESS_BATCH;
		int bf = forks - nf < STRESS_BATCH ? forks - nf : STRESS_BATCH;

		for (i = 0; i < bt; i++)
			if (pthread_create(&t[i], NULL, stress_thread, NULL))
				_exit(109);
		for (i = 0; i < bf; i++) {
			p[i] = fork();
			if (p[i] < 0)
				_exit(107);
			if (p[i] == 0)
				_exit(0);
			report("f %d", (int)p[i]);
		}
		for (i = 0; i < bt; i++)
			if (pthread_join(t[i], NULL))
				_exit(109);
		for (i = 0; i < bf; i++)
			if (wait_child(p[i], 0) != 0)
				_exit(115);
		nt += bt;
		nf += bf;
	}
	report("stress %d %d", threads, forks);
}

static void *
churn_thread(void *arg)
{
	(void)arg;
	(void)syscall(SYS_getppid);
	return NULL;
}

static void
do_churn(int n)
{
	pthread_t t;
	pid_t pid;
	int i;

	for (i = 0; i < n; i++) {
		(void)syscall(SYS_getppid);
		pid = fork();
		if (pid < 0)
			_exit(107);
		if (pid == 0) {
			(void)syscall(SYS_getppid);
			/* Every other child runs this program again. */
			if (i % 2)
				execl("/proc/self/exe", "tracee-ops", "ppid",
				      (char *)NULL);
			_exit(0);
		}
		if (pthread_create(&t, NULL, churn_thread, NULL) != 0)
			_exit(109);
		if (pthread_join(t, NULL) != 0)
			_exit(109);
		(void)wait_child(pid, 0);
	}
	report("churn %d", n);
}

struct forkrace {
	int n;
	int done;
};

/* Forks and makes threads, by turns, at the lowest priority (the new
 * tasks at the normal one). */
static void *
forkrace_forker(void *arg)
{
	struct forkrace *f = arg;
	struct sched_param sp = { 0 };
	pid_t pid;
	int i;

	if (sched_setscheduler(0, SCHED_IDLE | SCHED_RESET_ON_FORK, &sp) < 0)
		_exit(110);
	for (i = 0; i < f->n; i++) {
		pthread_t t;

		if (i % 2) {
			if (pthread_create(&t, NULL, churn_thread, NULL) != 0 ||
			    pthread_join(t, NULL) != 0)
				_exit(109);
			continue;
		}
		pid = fork();
		if (pid < 0)
			_exit(107);
		if (pid == 0)
			_exit(0);
		if (wait_child(pid, 0) != 0)
			_exit(115);
	}
	__atomic_store_n(&f->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * N forks and threads by a thread at SCHED_IDLE while the leader keeps
 * making threads that end at once: a new task's first stop tends to come
 * before its parent's report, with deaths of sibling threads in between.
 */
static void
do_forkrace(int n)
{
	struct forkrace f = { n, 0 };
	pthread_t forker;
	pthread_t t;
	int threads = 0;

	if (pthread_create(&forker, NULL, forkrace_forker, &f) != 0)
		_exit(109);
	while (!__atomic_load_n(&f.done, __ATOMIC_SEQ_CST)) {
		if (pthread_create(&t, NULL, churn_thread, NULL) != 0 ||
		    pthread_join(t, NULL) != 0)
			_exit(109);
		threads++;
	}
	if (pthread_join(forker, NULL) != 0)
		_exit(109);
	report("forkrace %d %d", n, threads);
}

static void
run(const char *op)
{
	const char *arg;
	long r;

	arg = strchr(op, ':');
	arg = arg ? arg + 1 : "";

	if (strcmp(op, "ppid") == 0) {
		r = syscall(SYS_getppid);
		report("ppid %ld", r);
	} else if (strcmp(op, "pid") == 0) {
		r = syscall(SYS_getpid);
		report("pid %ld", r);
	} else if (strncmp(op, "unlink:", 7) == 0) {
		errno = 0;
		r = unlink(arg);
		report("unlink %ld %d", r, r < 0 ? errno : 0);
	} else if (strncmp(op, "write:", 6) == 0) {
		int fd = (int)parse_num(arg, op);
		const char *text = strchr(arg, ':');

		if (!text)
			usage(op);
		text++;
		r = write(fd, text, strlen(text));
		report("write %ld", r);
	} else if (strncmp(op, "read:", 5) == 0) {
		char c = '-';

		r = read((int)parse_num(arg, op), &c, 1);
		report("read %ld %c", r, r == 1 ? c : '-');
	} else if (strncmp(op, "spin:", 5) == 0) {
		do_spin((int)parse_num(arg, op));
	} else if (strncmp(op, "catch:", 6) == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(parse_sig(arg, op), &sa, NULL) < 0)
			_exit(103);
	} else if (strncmp(op, "ign:", 4) == 0) {
		if (signal(parse_sig(arg, op), SIG_IGN) == SIG_ERR)
			_exit(104);
	} else if (strncmp(op, "block:", 6) == 0) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, parse_sig(arg, op));
		if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
			_exit(105);
	} else if (strncmp(op, "unblock:", 8) == 0) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, parse_sig(arg, op));
		if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
			_exit(105);
	} else if (strncmp(op, "raise:", 6) == 0) {
		r = raise(parse_sig(arg, op));
		report("raise %ld", r);
	} else if (strncmp(op, "caught:", 7) == 0) {
		int sig = parse_sig(arg, op);

		report("caught %s %d %d", arg, (int)hits[sig],
		       (int)seen_signo[sig]);
	} else if (strncmp(op, "sigmask:", 8) == 0) {
		sigset_t set;

		if (sigprocmask(SIG_BLOCK, NULL, &set) < 0)
			_exit(106);
		report("sigmask %s %d", arg,
		       sigismember(&set, parse_sig(arg, op)));
	} else if (strncmp(op, "fork:", 5) == 0) {
		long code = parse_num(arg, op);
		pid_t pid;

		pid = fork();
		if (pid < 0)
			_exit(107);
		if (pid == 0)
			_exit((int)code);
		report("fork %d", wait_child(pid, 0));
	} else if (strncmp(op, "threads:", 8) == 0) {
		do_threads((int)parse_num(arg, op));
	} else if (strcmp(op, "fds") == 0) {
		do_fds();
	} else if (strncmp(op, "say:", 4) == 0) {
		report("say %s", arg);
	} else if (strncmp(op, "exit:", 5) == 0) {
		exit((int)parse_num(arg, op));
	} else if (strncmp(op, "sysexit:", 8) == 0) {
		(void)syscall(SYS_exit, (int)parse_num(arg, op));
	} else if (strcmp(op, "abort") == 0) {
		abort();
	} else if (strncmp(op, "marker:", 7) == 0) {
		(void)syscall(SYS_getpgid, TRACEE_MARKER + parse_num(arg, op));
	} else if (strncmp(op, "ppids:", 6) == 0) {
		long i;
		long n = parse_num(arg, op);

		for (i = 0; i < n; i++)
			(void)syscall(SYS_getppid);
		report("ppids %ld", n);
	} else if (strcmp(op, "tracer") == 0) {
		report("tracer %ld", tracer_pid());
	} else if (strcmp(op, "setpgid") == 0) {
		if (setpgid(0, 0) < 0)
			_exit(110);
	} else if (strncmp(op, "echo:", 5) == 0) {
		do_echo((int)parse_num(arg, op));
	} else if (strncmp(op, "vfork:", 6) == 0) {
		do_vfork((int)parse_num(arg, op));
	} else if (strncmp(op, "untraced:", 9) == 0) {
		do_untraced((int)parse_num(arg, op));
	} else if (strncmp(op, "stress:", 7) == 0) {
		const char *f = strchr(arg, ':');

		if (!f)
			usage(op);
		do_stress((int)parse_num(arg, op), (int)parse_num(f + 1, op));
	} else if (strncmp(op, "churn:", 6) == 0) {
		do_churn((int)parse_num(arg, op));
	} else if (strncmp(op, "forkrace:", 9) == 0) {
		do_forkrace((int)parse_num(arg, op));
	} else {
		usage(op);
	}
}

/* Index of the "}" closing the block opened at ops[0], or -1. */
static int
block_end(char **ops, int n)
{
	int depth = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (ops[i][0] == '{')
			depth++;
		else if (strcmp(ops[i], "}") == 0 && --depth == 0)
			return i;
	}
	return -1;
}

static void
/* NOLINTNEXTLINE(misc-no-recursion): see run_block() */
run_ops(char **ops, int n)
{
	int i;
	int end;

	for (i = 0; i < n; i++) {
		if (strcmp(ops[i], "exec") == 0)
			do_exec(NULL, ops + i + 1, n - i - 1);
		if (strncmp(ops[i], "execp:", 6) == 0)
			do_exec(ops[i] + 6, ops + i + 1, n - i - 1);
		if (ops[i][0] == '{') {
			end = block_end(ops + i, n - i);
			if (end < 0)
				usage(ops[i]);
			run_block(ops[i], ops + i + 1, end - 1);
			i += end;
			continue;
		}
		run(ops[i]);
	}
}

int
main(int argc, char **argv)
{
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		report_fd = (int)parse_num(argv[2], argv[2]);
		i = 3;
	}
	run_ops(argv + i, argc - i);
	return 0;
}
