/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-raw-ptrace [-i] [-s] [--] PROG [ARGS]: the least a ptrace tracer can
 * do to stop PROG and all its threads and descendants at every system call
 * entry and exit.  Per stop: one waitpid() and one PTRACE_SYSCALL, nothing
 * read, nothing decoded.  This is the floor the other tracers are compared
 * with.  With -i it also fetches PTRACE_GET_SYSCALL_INFO at every syscall
 * stop: the floor for a tracer that looks at the calls.
 *
 * With -s only openat() stops: PROG gets a seccomp filter that returns
 * SECCOMP_RET_TRACE for openat (and for any call of another architecture)
 * and allows the rest, installed right before the exec.  The tracer
 * resumes with PTRACE_CONT, and from a seccomp stop with PTRACE_SYSCALL so
 * that the call's exit stops too (two stops per call, as without the
 * filter): the floor for filtered tracing.  Exits 77 on a machine it has
 * no filter for.
 *
 * New threads and processes are followed with PTRACE_O_TRACE{CLONE,FORK,
 * VFORK}.  Everything is seized (PTRACE_SEIZE), so a new task's first stop
 * is a PTRACE_EVENT_STOP that needs no bookkeeping to tell it from a
 * signal.  Signals are delivered as they come; group stops are not kept
 * (no PTRACE_LISTEN): the benchmark programs never stop themselves.
 *
 * At the end it prints to stderr
 *   bench-raw-ptrace: stops S syscall-stops C tasks T
 * and exits as PROG did (128 + the signal if PROG was killed).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif

#define OPTIONS                                                             \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

/* In the child, right before the exec: only openat() stops. */
static int
install_filter(void)
{
#ifdef NATIVE_ARCH
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "bench-raw-ptrace: seccomp filter: %s\n",
		        strerror(errno));
		return -1;
	}
	return 0;
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Forks PROG, held in a read() until it is seized.  Returns its pid. */
static pid_t
start(char **argv, int filter)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds) < 0) {
		perror("bench-raw-ptrace: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("bench-raw-ptrace: fork");
		return -1;
	}
	if (pid == 0) {
		(void)close(fds[1]);
		/* EOF once the tracer has seized us (or died). */
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		(void)close(fds[0]);
		if (filter && install_filter() < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "bench-raw-ptrace: %s: %s\n", argv[0],
		        strerror(errno));
		_exit(127);
	}
	(void)close(fds[0]);
	if (ptrace(PTRACE_SEIZE, pid, 0,
	           OPTIONS | (filter ? PTRACE_O_TRACESECCOMP : 0)) < 0) {
		perror("bench-raw-ptrace: PTRACE_SEIZE");
		(void)kill(pid, SIGKILL);
		(void)close(fds[1]);
		(void)waitpid(pid, NULL, 0);
		return -1;
	}
	(void)close(fds[1]);
	return pid;
}

int
main(int argc, char **argv)
{
	unsigned long stops = 0;
	unsigned long syscall_stops = 0;
	unsigned long tasks = 1;
	/* Room for any struct ptrace_syscall_info; nothing reads it. */
	unsigned long long info[16];
	int fetch = 0;
	int filter = 0;
	int exit_status = 0;
	int resume;
	pid_t child;
	pid_t pid;
	int status;
	int event;
	int sig;
	int deliver;

	for (; argc > 1; argc--, argv++) {
		if (strcmp(argv[1], "-i") == 0)
			fetch = 1;
		else if (strcmp(argv[1], "-s") == 0)
			filter = 1;
		else
			break;
	}
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr,
		        "Usage: bench-raw-ptrace [-i] [-s] [--] PROG [ARGS]\n");
		return 2;
	}
#ifndef NATIVE_ARCH
	if (filter) {
		fprintf(stderr, "bench-raw-ptrace: -s: no filter for this "
		                "machine\n");
		return 77;
	}
#endif
	child = start(argv + 1, filter);
	if (child < 0)
		return 1;

	for (;;) {
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			/* ECHILD: every tracee is gone. */
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				exit_status = status;
			continue;
		}
		stops++;
		sig = WSTOPSIG(status);
		event = status >> 16;
		deliver = 0;
		/* Filtered, the task runs to its next seccomp stop. */
		resume = filter ? PTRACE_CONT : PTRACE_SYSCALL;
		if (sig == (SIGTRAP | 0x80) ||
		    (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP)) {
			syscall_stops++;
			if (fetch)
				(void)ptrace(PTRACE_GET_SYSCALL_INFO, pid,
				             sizeof(info), info);
			/* From the seccomp stop to the call's exit stop. */
			if (event == PTRACE_EVENT_SECCOMP)
				resume = PTRACE_SYSCALL;
		} else if (event == PTRACE_EVENT_CLONE ||
		           event == PTRACE_EVENT_FORK ||
		           event == PTRACE_EVENT_VFORK) {
			tasks++;
		} else if (!event) {
			/* A signal-delivery stop: pass the signal on. */
			deliver = sig;
		}
		/* ESRCH: killed meanwhile, its death comes next. */
		(void)ptrace(resume, pid, 0, deliver);
	}

	fprintf(stderr,
	        "bench-raw-ptrace: stops %lu syscall-stops %lu tasks %lu\n",
	        stops, syscall_stops, tasks);
	if (WIFSIGNALED(exit_status))
		return 128 + WTERMSIG(exit_status);
	return WEXITSTATUS(exit_status);
}
