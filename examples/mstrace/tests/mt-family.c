/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tracee for the mstrace tests of -f, -p and -k: threads, child
 * processes, a process that waits to be attached, and a known call
 * chain.  Runs the operations given as arguments, in order.
 *
 *   mt-family OP...
 *
 *   threads:N     N threads, one after the other, each writes a byte
 *                 into a pipe the main thread is blocked reading; the
 *                 main thread waits for each to end without a system
 *                 call, so every run makes the same calls
 *   fork:N        a child that calls getppid() and exits with N; the
 *                 parent waits for it with wait4()
 *   killchild     a child blocked reading a pipe, killed by SIGKILL once
 *                 it sleeps there (the parent polls its state with
 *                 pread64() and sched_yield(), a varying number of times)
 *   exec          a child that executes this program with "exit:5"
 *   thread-exec   a thread executes this program with "exit:6" once the
 *                 main thread sleeps in read() (polled as for killchild)
 *   fail          calls that fail (a missing file, a bad descriptor)
 *   signal        SIGUSR1 to itself with a handler
 *   wait          write "ready\n" on stdout, then block reading one byte
 *                 from stdin (the tests attach meanwhile)
 *   park:N        N threads blocked in read() on a pipe until the
 *                 process ends
 *   stack         chain_outer() -> chain_middle() -> chain_inner() ->
 *                 getppid()
 *   switches:N    N getppid() calls; writes "switches K\n" on stdout, K
 *                 the voluntary context switches they took (a ptrace
 *                 stop is one)
 *   exit:N        exit_group(N)
 *
 * Exit status 0 after the last operation, 100 on a usage error, 101 when
 * a setup call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

/* The number in an operation's argument; 0 if there is none. */
static int
number(const char *s)
{
	long n = strtol(s, NULL, 10);

	return (int)n;
}

static void
fail(const char *what)
{
	fprintf(stderr, "mt-family: %s: %s\n", what, strerror(errno));
	exit(101);
}

static void *
writer(void *arg)
{
	int fd = *(int *)arg;

	if (write(fd, "x", 1) != 1)
		fail("write");
	return NULL;
}

static void
spin(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

static void
op_threads(int n)
{
	pthread_t t;
	char c;
	int p[2];
	int i;

	if (pipe2(p, O_CLOEXEC) < 0)
		fail("pipe2");
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, NULL, writer, &p[1]) != 0)
			fail("pthread_create");
		if (read(p[0], &c, 1) != 1)
			fail("read");
		/* Not pthread_join(): whether it waits in futex() depends
		 * on timing.  This spins, without a system call, until the
		 * thread is gone. */
		while (pthread_tryjoin_np(t, NULL) == EBUSY)
			spin();
	}
	close(p[0]);
	close(p[1]);
}

/* Run @child(@arg) in a child process and wait for it. */
static void
in_child(void (*child)(int arg), int arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		child(arg);
		_exit(127);
	}
	if (wait4(pid, &status, 0, NULL) != pid)
		fail("wait4");
}

static void
getppid_and_exit(int code)
{
	(void)syscall(SYS_getppid);
	syscall(SYS_exit_group, code);
}

/* Until @pid sleeps (in its read(): it does nothing else that blocks),
 * reading its state with pread64() (the tests leave that call out). */
static void
wait_asleep(pid_t pid)
{
	char path[64];
	char buf[256];
	const char *state;
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open");
	for (;;) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			fail("pread");
		buf[n] = '\0';
		/* "PID (COMM) S ...": the state follows the last ')'. */
		state = strrchr(buf, ')');
		if (state && state[1] == ' ' && state[2] == 'S')
			break;
		sched_yield();
	}
	close(fd);
}

static void
op_killchild(void)
{
	int status;
	pid_t pid;
	char c;
	int p[2];
	int ready[2];

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		fail("pipe2");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		/* Tell the parent, then block until killed. */
		(void)!write(ready[1], "r", 1);
		(void)!read(p[0], &c, 1);
		syscall(SYS_exit_group, 1);
	}
	if (read(ready[0], &c, 1) != 1)
		fail("read");
	wait_asleep(pid);
	kill(pid, SIGKILL);
	if (wait4(pid, &status, 0, NULL) != pid)
		fail("wait4");
	close(p[0]);
	close(p[1]);
	close(ready[0]);
	close(ready[1]);
}

static void
exec_self(int code)
{
	char arg[16];

	(void)snprintf(arg, sizeof(arg), "exit:%d", code);
	execl(self, "mt-family", arg, (char *)NULL);
}

static void
op_fail(void)
{
	(void)!open("/nonexistent/mt-family", O_RDONLY);
	(void)!close(-1);
	(void)!read(-1, NULL, 0);
	(void)!openat(AT_FDCWD, "/nonexistent/mt-family", O_RDONLY);
}

static void
on_usr1(int sig)
{
	(void)sig;
}

static void
op_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		fail("sigaction");
	kill(getpid(), SIGUSR1);
}

static void
op_wait(void)
{
	char c;

	if (write(STDOUT_FILENO, "ready\n", 6) != 6)
		fail("write");
	if (read(STDIN_FILENO, &c, 1) < 0)
		fail("read");
	(void)syscall(SYS_getppid);
	(void)!openat(AT_FDCWD, "/nonexistent/mt-family", O_RDONLY);
}

static int park_pipe[2];

static void *
parked(void *arg)
{
	char c;

	(void)arg;
	(void)!read(park_pipe[0], &c, 1);
	return NULL;
}

static void
op_switches(int n)
{
	struct rusage before;
	struct rusage after;
	int i;

	if (getrusage(RUSAGE_THREAD, &before) < 0)
		exit(101);
	for (i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	if (getrusage(RUSAGE_THREAD, &after) < 0)
		exit(101);
	printf("switches %ld\n", after.ru_nvcsw - before.ru_nvcsw);
	(void)fflush(stdout);
}

static void
op_park(int n)
{
	pthread_t t;
	int i;

	if (pipe2(park_pipe, O_CLOEXEC) < 0)
		fail("pipe2");
	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, parked, NULL) != 0)
			fail("pthread_create");
}

static void *
exec_from_thread(void *arg)
{
	(void)arg;
	/* Once the main thread sleeps in its read(). */
	wait_asleep(getpid());
	exec_self(6);
	fail("execl");
	return NULL;
}

/* A thread calls execve while the main thread is blocked reading: the
 * thread takes over the process (and the leader's id). */
static void
op_thread_exec(void)
{
	pthread_t t;
	char c;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		fail("pipe2");
	if (pthread_create(&t, NULL, exec_from_thread, NULL) != 0)
		fail("pthread_create");
	(void)!read(p[0], &c, 1);
	fail("read");
}

/* Not inlined and not static: their names are in the symbol table. */
__attribute__((noinline)) void chain_inner(void);
__attribute__((noinline)) void chain_middle(void);
__attribute__((noinline)) void chain_outer(void);

__attribute__((noinline)) void
chain_inner(void)
{
	(void)syscall(SYS_getppid);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void
chain_middle(void)
{
	chain_inner();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void
chain_outer(void)
{
	chain_middle();
	__asm__ volatile("" ::: "memory");
}

int
main(int argc, char **argv)
{
	sigset_t chld;
	int i;

	/* SIGCHLD would arrive before or after wait4() returns, as the
	 * scheduler likes: keep it pending (and never shown). */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &chld, NULL);
	self = argv[0];
	if (strchr(self, '/') == NULL)
		self = "/proc/self/exe";
	for (i = 1; i < argc; i++) {
		const char *op = argv[i];

		if (strncmp(op, "threads:", 8) == 0) {
			op_threads(number(op + 8));
		} else if (strncmp(op, "fork:", 5) == 0) {
			in_child(getppid_and_exit, number(op + 5));
		} else if (strcmp(op, "killchild") == 0) {
			op_killchild();
		} else if (strcmp(op, "exec") == 0) {
			in_child(exec_self, 5);
		} else if (strcmp(op, "thread-exec") == 0) {
			op_thread_exec();
		} else if (strcmp(op, "fail") == 0) {
			op_fail();
		} else if (strcmp(op, "signal") == 0) {
			op_signal();
		} else if (strcmp(op, "wait") == 0) {
			op_wait();
		} else if (strncmp(op, "park:", 5) == 0) {
			op_park(number(op + 5));
		} else if (strcmp(op, "stack") == 0) {
			chain_outer();
		} else if (strncmp(op, "switches:", 9) == 0) {
			op_switches(number(op + 9));
		} else if (strncmp(op, "exit:", 5) == 0) {
			syscall(SYS_exit_group, number(op + 5));
		} else {
			fprintf(stderr, "mt-family: unknown operation %s\n",
			        op);
			return 100;
		}
	}
	return 0;
}
