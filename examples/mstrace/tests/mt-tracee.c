/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tracee for the mstrace tests: runs the operations given as
 * arguments, in order.  The tests run it under strace and under mstrace
 * and compare the two traces, so every operation does the same system
 * calls on every run (no time, no random data in the arguments).
 *
 *   mt-tracee OP...
 *
 *   files:DIR     file I/O in DIR (empty; left empty)
 *   mem           mappings: mmap, mprotect, munmap, mremap, madvise, brk
 *   errors        calls that fail, one errno after the other
 *   hostile       bad pointers and unterminated strings in arguments
 *   signals       handlers, masks, signals sent to itself, a child's
 *                 SIGCHLD and wait4 statuses
 *   restart       sigsuspend interrupted by a timer: ERESTARTNOHAND
 *   inject        getppid(), getpid() and open(), printing on stdout
 *                 what they returned: "NAME RESULT ERRNO"
 *   handler:SIG   install a handler for SIG (USR1, USR2, TERM or a
 *                 number) that records the signal and its si_code
 *   caught        print "caught SIGNO SI_CODE" of the last signal handled
 *                 ("caught 0 0" if none)
 *   misc          identity calls, prlimit64, getrandom, futex, sockets,
 *                 ioctl, umask, getcwd, readlink
 *   all-syscalls[:K]  every x86_64 call number from 0 to 450, refused
 *                 with ENOSYS by a seccomp filter (so none runs), then
 *                 exit; arguments: K=0 zeros, 1 small numbers, 2 pointers
 *                 to bytes 0xff, 3 pointers to an unmapped page, K>3
 *                 pointers to bytes 0xff K bytes before an unmapped page
 *   execve:OP...  execute this program again with the rest of the
 *                 operations
 *   selfkill      kill(getpid(), SIGKILL)
 *   exit:N        exit_group(N)
 *
 * Exit status 0 after the last operation, 100 on a usage error, 101 when
 * a setup call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "parse.h"

static char *const *rest_of_argv;

static void
fail(const char *what)
{
	fprintf(stderr, "mt-tracee: %s: %s\n", what, strerror(errno));
	exit(101);
}

/* The number @s of an operation; a usage error if it is none. */
static int
parse_int(const char *s)
{
	long v;

	if (!test_parse_long(s, &v, NULL) || v < INT_MIN || v > INT_MAX) {
		fprintf(stderr, "mt-tracee: not a number: %s\n", s);
		exit(100);
	}
	return (int)v;
}

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *format, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);
	/* One write, not through stdio: the tests compare the calls. */
	if (n > 0)
		(void)!write(STDOUT_FILENO, buf, (size_t)n);
}

static void
op_files(const char *dir)
{
	static const char text[] = "hello\tworld\n\001\0027\177\377\"\\ "
				   "abcdefghijklmnopqrstuvwxyz0123456789";
	char path[4096];
	char buf[256];
	struct stat st;
	struct statx stx;
	int fds[2];
	int fd;
	int d;

	if (chdir(dir) < 0)
		fail("chdir");
	fd = openat(AT_FDCWD, "f", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0)
		fail("openat");
	(void)!write(fd, text, sizeof(text) - 1);
	(void)!pwrite(fd, "x", 1, 5);
	(void)!write(fd, "", 0);
	close(fd);

	fd = open("f", O_RDONLY | O_NOCTTY | O_NOFOLLOW);
	(void)!read(fd, buf, 10);
	(void)!read(fd, buf, sizeof(buf));
	(void)!read(fd, buf, sizeof(buf));
	(void)!pread(fd, buf, 4, 2);
	lseek(fd, 3, SEEK_SET);
	lseek(fd, -1, SEEK_END);
	lseek(fd, 0, SEEK_CUR);
	lseek(fd, 0, 7);
	fstat(fd, &st);
	stat("f", &st);
	lstat(".", &st);
	stat("/dev/null", &st);
	fstatat(AT_FDCWD, "f", &st, AT_SYMLINK_NOFOLLOW);
	statx(AT_FDCWD, "f", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, &stx);
	statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &stx);
	(void)access("f", R_OK | W_OK);
	(void)access("f", F_OK);
	syscall(SYS_faccessat2, AT_FDCWD, "f", X_OK, AT_EACCESS);
	dup(fd);
	dup2(fd, 10);
	dup3(fd, 11, O_CLOEXEC);
	close(10);
	close(11);
	(void)!pipe(fds);
	close(fds[0]);
	close(fds[1]);
	(void)!pipe2(fds, O_CLOEXEC | O_NONBLOCK);
	close(fds[0]);
	close(fds[1]);
	mkdir("sub", 0750);
	d = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	syscall(SYS_getdents64, d, buf, sizeof(buf));
	syscall(SYS_getdents64, d, buf, sizeof(buf));
	close(d);
	(void)!getcwd(path, sizeof(path));
	symlink("f", "link");
	(void)!readlink("link", buf, sizeof(buf));
	unlink("link");
	rmdir("sub");
	close(fd);
	unlinkat(AT_FDCWD, "f", 0);
	if (chdir("/") < 0)
		fail("chdir");
}

static void
op_mem(void)
{
	char *p;
	char *q;

	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	mprotect(p, 4096, PROT_NONE);
	mprotect(p, 4096, PROT_READ | PROT_EXEC | PROT_GROWSDOWN);
	mprotect(p, 4096, PROT_READ | PROT_WRITE);
	madvise(p, 8192, MADV_DONTNEED);
	q = mremap(p, 8192, 16384, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		munmap(p, 8192);
	else
		munmap(q, 16384);
	(void)mmap(NULL, 4096, PROT_READ,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
	                   (21 << MAP_HUGE_SHIFT),
	           -1, 0);
	(void)mmap((void *)0x10000, 4096, PROT_READ,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
	                   MAP_NORESERVE,
	           -1, 0);
	munmap((void *)0x10000, 4096);
	sbrk(0);
}

static void
op_errors(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;
	struct termios t;
	int status;
	int fds[2];
	int fd;

	open("/nonexistent/mt-tracee", O_RDONLY);
	open("/", O_WRONLY);
	(void)!read(-1, NULL, 0);
	(void)!write(-1, "x", 1);
	close(-1);
	dup(-1);
	if (pipe(fds) < 0)
		fail("pipe");
	lseek(fds[0], 0, SEEK_SET);
	close(fds[0]);
	close(fds[1]);
	(void)access("/nonexistent/mt-tracee", F_OK);
	stat("/nonexistent/mt-tracee", &st);
	ioctl(0, TCGETS, &t);
	mkdir("/", 0755);
	rmdir("/nonexistent/mt-tracee");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(un.sun_path, "/nonexistent/mt-tracee.sock");
	(void)connect(fd, (struct sockaddr *)&un, sizeof(un));
	close(fd);
	socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, 0);
	wait4(-1, &status, WNOHANG, NULL);
	prlimit(0, 99, NULL, NULL);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 16);
	syscall(400000, 1, 2, 3, 4, 5, 6);
}

static void
op_hostile(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	/* Two pages; the second unmapped, the first full of 'a' with no
	 * NUL: a string running into the unmapped page. */
	p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	munmap(p + page, (size_t)page);
	memset(p, 'a', (size_t)page);
	/* Through syscall(): the compiler would refuse these pointers. */
	syscall(SYS_open, p + page - 10, O_RDONLY);
	syscall(SYS_open, NULL, O_RDONLY);
	syscall(SYS_open, 1, O_RDONLY);
	syscall(SYS_open, p + page, O_RDONLY);
	syscall(SYS_write, 1, p + page - 6, 10);
	syscall(SYS_write, 1, 8, 10);
	syscall(SYS_write, 1, NULL, 10);
	syscall(SYS_execve, "/nonexistent/mt-tracee", (char **)1, NULL);
	syscall(SYS_execve, "/nonexistent/mt-tracee", p + page - 8, NULL);
	syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8);
	syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (void *)8, NULL);
	syscall(SYS_clone3, (void *)8, 88);
	syscall(SYS_connect, 0, (void *)8, 16);
	/* A long path, and a path ending just before the unmapped page. */
	memset(p, 'b', (size_t)page);
	p[300] = '\0';
	open(p, O_RDONLY);
	p[page - 1] = '\0';
	open(p + page - 40, O_RDONLY);
	/* PROT_NONE: the memory exists but cannot be read. */
	mprotect(p, (size_t)page, PROT_NONE);
	open(p, O_RDONLY);
	munmap(p, (size_t)page);
}

static void
handler(int sig)
{
}

static void
op_signals(void)
{
	struct sigaction sa = { .sa_handler = handler };
	struct sigaction old;
	sigset_t oldset;
	sigset_t set;
	pid_t pid;
	int status;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
	sigfillset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, &old);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGRTMIN + 6);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfillset(&set);
	sigdelset(&set, SIGRTMIN);
	sigprocmask(SIG_SETMASK, &set, &oldset);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	syscall(SYS_rt_sigprocmask, 7, NULL, NULL, 8);

	raise(SIGUSR1);
	kill(getpid(), SIGUSR2);
	raise(SIGHUP);
	raise(SIGURG);

	/* SIGCHLD blocked until the children are reaped: it then arrives
	 * at a fixed place, not when the child happens to die. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = fork();
	if (pid == 0)
		_exit(3);
	waitpid(pid, &status, 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid = fork();
	if (pid == 0) {
		raise(SIGKILL);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void
op_restart(void)
{
	struct sigaction sa = { .sa_handler = handler };
	struct itimerval it = { .it_value = { .tv_usec = 1000 } };
	sigset_t block;
	sigset_t empty;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	/* SIGALRM is blocked until sigsuspend waits: no race. */
	sigemptyset(&empty);
	sigsuspend(&empty);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
}

static void
op_inject(void)
{
	long r;
	int fd;

	errno = 0;
	r = syscall(SYS_getppid);
	say("getppid %ld %d\n", r > 0 ? 1 : r, errno);
	errno = 0;
	r = syscall(SYS_getpid);
	say("getpid %ld %d\n", r > 0 ? 1 : r, errno);
	/* open, not openat: the dynamic loader uses only openat. */
	errno = 0;
	fd = (int)syscall(SYS_open, "/dev/null", O_RDONLY);
	say("open %d %d\n", fd >= 0 ? 1 : fd, errno);
	if (fd >= 0)
		close(fd);
}

static volatile sig_atomic_t caught_signo;
static volatile sig_atomic_t caught_code;

static void
recording_handler(int sig, siginfo_t *info, void *context)
{
	caught_signo = sig;
	caught_code = info->si_code;
}

static int
parse_signal(const char *s)
{
	if (strcmp(s, "USR1") == 0)
		return SIGUSR1;
	if (strcmp(s, "USR2") == 0)
		return SIGUSR2;
	if (strcmp(s, "TERM") == 0)
		return SIGTERM;
	return parse_int(s);
}

static void
op_handler(const char *name)
{
	struct sigaction sa = { .sa_sigaction = recording_handler,
		                .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	if (sigaction(parse_signal(name), &sa, NULL) < 0)
		fail("sigaction");
}

static void
op_misc(void)
{
	struct rlimit rl;
	char buf[64];
	int futex_word = 0;
	int fds[2];

	getpid();
	getppid();
	getuid();
	geteuid();
	getgid();
	getegid();
	prlimit(0, RLIMIT_NOFILE, NULL, &rl);
	prlimit(0, RLIMIT_CORE, NULL, &rl);
	(void)!getrandom(buf, 0, GRND_NONBLOCK);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	syscall(SYS_futex, &futex_word, FUTEX_WAIT, 1, NULL, NULL, 0);
	socket(AF_INET, SOCK_DGRAM, 0);
	socket(AF_NETLINK, SOCK_RAW, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
		close(fds[0]);
		close(fds[1]);
	}
	ioctl(0, FIONBIO, &(int){ 1 });
	ioctl(0, 0x1234, 0);
	umask(022);
	(void)!readlink("/nonexistent/mt-tracee", buf, sizeof(buf));
	syscall(SYS_arch_prctl, 0x1003, &rl);
}

/* Every call refused by seccomp before it runs: ENOSYS, nothing done.
 * The arguments: @kind 0 all zero, 1 small numbers, 2 pointers to a page
 * of 0xff bytes, 3 pointers into an unmapped page, more: pointers to the
 * last @kind bytes 0xff before the unmapped page. */
static void
op_all_syscalls(int kind)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = { .len = 4, .filter = filter };
	long page = sysconf(_SC_PAGESIZE);
	unsigned long a[6] = { 0 };
	char *p;
	long nr;
	int i;

	/* At a fixed address: the traces of two runs must be the same. */
	p = mmap((void *)0x7e0000000000, (size_t)page * 2,
	         PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	memset(p, 0xff, (size_t)page);
	munmap(p + page, (size_t)page);
	for (i = 0; i < 6; i++) {
		if (kind == 1)
			a[i] = (unsigned long)i + 1;
		else if (kind == 2)
			a[i] = (unsigned long)(p + page - 64);
		else if (kind == 3)
			a[i] = (unsigned long)(p + page);
		else if (kind >= 4)
			/* Pointers @kind bytes before the unmapped page. */
			a[i] = (unsigned long)(p + page - kind);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		fail("seccomp");
	for (nr = 0; nr <= 450; nr++) {
		/* exit_group would run; 335 has no name but a meaning on
		 * newer kernels (uretprobe) that does not return. */
		if (nr == SYS_exit_group || nr == 335)
			continue;
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	syscall(SYS_exit_group, 0);
}

static void
op_execve(void)
{
	char *argv[64];
	size_t n = 0;

	argv[n++] = (char *)"mt-tracee";
	while (rest_of_argv[n - 1] && n < 63) {
		argv[n] = rest_of_argv[n - 1];
		n++;
	}
	argv[n] = NULL;
	execv("/proc/self/exe", argv);
	fail("execv");
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *op = argv[i];

		if (strncmp(op, "files:", 6) == 0) {
			op_files(op + 6);
		} else if (strcmp(op, "mem") == 0) {
			op_mem();
		} else if (strcmp(op, "errors") == 0) {
			op_errors();
		} else if (strcmp(op, "hostile") == 0) {
			op_hostile();
		} else if (strcmp(op, "signals") == 0) {
			op_signals();
		} else if (strcmp(op, "restart") == 0) {
			op_restart();
		} else if (strcmp(op, "inject") == 0) {
			op_inject();
		} else if (strncmp(op, "handler:", 8) == 0) {
			op_handler(op + 8);
		} else if (strcmp(op, "caught") == 0) {
			say("caught %d %d\n", (int)caught_signo,
			    (int)caught_code);
		} else if (strcmp(op, "misc") == 0) {
			op_misc();
		} else if (strcmp(op, "all-syscalls") == 0) {
			op_all_syscalls(0);
		} else if (strncmp(op, "all-syscalls:", 13) == 0) {
			op_all_syscalls(parse_int(op + 13));
		} else if (strcmp(op, "execve") == 0) {
			rest_of_argv = argv + i + 1;
			op_execve();
		} else if (strcmp(op, "selfkill") == 0) {
			kill(getpid(), SIGKILL);
		} else if (strncmp(op, "exit:", 5) == 0) {
			syscall(SYS_exit_group, parse_int(op + 5));
		} else {
			fprintf(stderr, "mt-tracee: unknown operation %s\n",
			        op);
			return 100;
		}
	}
	return 0;
}
