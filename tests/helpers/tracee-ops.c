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
 *   exit:N          exit(N)
 *
 * SIG is a name without "SIG" (USR1, TERM, ...) or a number.  Without -r
 * nothing is reported.  Exit status 0 after the last operation, 100 on a
 * usage error, 101-109 when a setup call fails.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

static void
usage(const char *op)
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
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcmp(s, signames[i].name) == 0)
			return signames[i].sig;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v >= NSIG)
		usage(op);
	return (int)v;
}

static long
parse_num(const char *s, const char *op)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || (*end && *end != ':'))
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
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dfd)
			continue;
		if (len < sizeof(line) - 16)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			                        " %d", fd);
	}
	closedir(d);
	report("%s", line);
}

static void
do_exec(char **rest, int n)
{
	char fd[16];
	char *argv[256];
	int k = 0;
	int i;

	argv[k++] = (char *)"tracee-ops";
	if (report_fd >= 0) {
		snprintf(fd, sizeof(fd), "%d", report_fd);
		argv[k++] = (char *)"-r";
		argv[k++] = fd;
	}
	for (i = 0; i < n && k < 255; i++)
		argv[k++] = rest[i];
	argv[k] = NULL;
	execv("/proc/self/exe", argv);
	report("exec -1 %d", errno);
	_exit(108);
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
		int status = -1;

		pid = fork();
		if (pid < 0)
			_exit(107);
		if (pid == 0)
			_exit((int)code);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		report("fork %d", status);
	} else if (strncmp(op, "threads:", 8) == 0) {
		do_threads((int)parse_num(arg, op));
	} else if (strcmp(op, "fds") == 0) {
		do_fds();
	} else if (strncmp(op, "say:", 4) == 0) {
		report("say %s", arg);
	} else if (strncmp(op, "exit:", 5) == 0) {
		exit((int)parse_num(arg, op));
	} else {
		usage(op);
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
	for (; i < argc; i++) {
		if (strcmp(argv[i], "exec") == 0)
			do_exec(argv + i + 1, argc - i - 1);
		run(argv[i]);
	}
	return 0;
}
