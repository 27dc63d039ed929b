/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library lives inside a host process: it must not reap the host's
 * children, change its SIGCHLD disposition or signal mask, or leak its own
 * descriptors into tracees; utrace_free() kills or detaches what it
 * spawned.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

static uint32_t
count_getppid(struct test_engine *te, struct utrace_engine *engine,
              struct utrace_task *task, const struct test_ev *ev, void *payload,
              uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid) {
		__atomic_add_fetch(&te->hits, 1, __ATOMIC_SEQ_CST);
		test_log_kick(te->log);
	}
	return ret;
}

struct hits_at_least {
	struct test_engine *te;
	int n;
};

static bool
hits_reached(void *arg)
{
	struct hits_at_least *h = arg;

	return __atomic_load_n(&h->te->hits, __ATOMIC_SEQ_CST) >= h->n;
}

static void
wait_hits(struct test_engine *te, int more)
{
	struct hits_at_least h = {
		te, __atomic_load_n(&te->hits, __ATOMIC_SEQ_CST) + more
	};

	ck_assert_msg(test_log_wait_pred(te->log, hits_reached, &h),
	              "the tracee made %d of %d getppid calls", te->hits, h.n);
}

static pid_t
fork_exit(int code)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(code);
	return pid;
}

static int
reap(pid_t pid)
{
	int status = -1;
	pid_t r;

	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	ck_assert_msg(r == pid, "waitpid(%d): %d (%s): the library took it",
	              (int)pid, (int)r, r < 0 ? strerror(errno) : "");
	return status;
}

/*
 * The host's own children exit while the tracer thread is busy with a
 * tracee stopping at every syscall; the host reaps each one itself.
 */
START_TEST(host_children_are_the_hosts)
{
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	pid_t kids[8];
	int ctl[2];
	int status;
	int i;

	u = test_new(NULL);
	test_pipe(ctl, 0);
	task = test_spawn(u, test_fmt("spin:%d", ctl[0]), "exit:0", NULL);
	test_close(ctl[0]);
	t1 = test_engine_new(1, count_getppid);
	t1->quiet = true;
	e1 = test_attach(task, t1, UTRACE_EVENT(SYSCALL_ENTRY));
	test_start(task);
	wait_hits(t1, 3);

	/* Reaped at once ... */
	status = reap(fork_exit(5));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 5,
	              "status %#x", status);
	/* ... and zombies that sit through many tracer wake-ups. */
	for (i = 0; i < 8; i++)
		kids[i] = fork_exit(10 + i);
	wait_hits(t1, 50);
	for (i = 0; i < 8; i++) {
		status = reap(kids[i]);
		ck_assert_msg(WIFEXITED(status) &&
		                      WEXITSTATUS(status) == 10 + i,
		              "child %d: status %#x", i, status);
	}

	ck_assert_int_eq(write(ctl[1], "x", 1), 1);
	test_close(ctl[1]);
	ck_assert_int_eq(test_wait(task), 0);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- SIGCHLD disposition and signal mask --------------------------------- */

static volatile sig_atomic_t sigchld_count;

static void
on_sigchld(int sig)
{
	(void)sig;
	sigchld_count++;
}

static void
assert_same_action(const struct sigaction *a, const struct sigaction *b)
{
	int s;

	ck_assert_msg(a->sa_handler == b->sa_handler,
	              "SIGCHLD handler changed");
	ck_assert_msg(a->sa_flags == b->sa_flags,
	              "SIGCHLD flags changed: %#x -> %#x", a->sa_flags,
	              b->sa_flags);
	for (s = 1; s < NSIG; s++)
		ck_assert_msg(sigismember(&a->sa_mask, s) ==
		                      sigismember(&b->sa_mask, s),
		              "SIGCHLD sa_mask changed for signal %d", s);
}

static void
assert_same_mask(const sigset_t *a, const sigset_t *b)
{
	int s;

	for (s = 1; s < NSIG; s++)
		ck_assert_msg(sigismember(a, s) == sigismember(b, s),
		              "signal mask changed for signal %d", s);
}

/* _i: 0 default, 1 a handler with SA_NOCLDSTOP | SA_RESTART, 2 a handler
 * without SA_RESTART. */
START_TEST(sigchld_and_mask_unchanged)
{
	struct sigaction set;
	struct sigaction saved;
	struct sigaction before;
	struct sigaction after;
	sigset_t mask_before;
	sigset_t mask_after;
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int status;

	memset(&set, 0, sizeof(set));
	sigemptyset(&set.sa_mask);
	set.sa_handler = SIG_DFL;
	if (_i) {
		set.sa_handler = on_sigchld;
		set.sa_flags = _i == 1 ? SA_NOCLDSTOP | SA_RESTART : 0;
		sigaddset(&set.sa_mask, SIGUSR1);
	}
	ck_assert_int_eq(sigaction(SIGCHLD, &set, &saved), 0);
	ck_assert_int_eq(sigaction(SIGCHLD, NULL, &before), 0);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &mask_before), 0);

	u = test_new(NULL);
	task = test_spawn(u, "ppid", "ppid", "exit:3", NULL);
	t1 = test_engine_new(1, NULL);
	t1->quiet = true;
	e1 = test_attach(task, t1,
	                 UTRACE_EVENT_SYSCALL | UTRACE_EVENT_SIGNAL_ALL |
	                         UTRACE_EVENT(DEATH));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 3,
	              "status %#x", status);
	utrace_engine_put(e1);
	utrace_task_put(task);
	ck_assert_int_eq(sigaction(SIGCHLD, NULL, &after), 0);
	assert_same_action(&before, &after);
	test_free(u);

	ck_assert_int_eq(sigaction(SIGCHLD, NULL, &after), 0);
	assert_same_action(&before, &after);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &mask_after), 0);
	assert_same_mask(&mask_before, &mask_after);
	ck_assert_int_eq(sigaction(SIGCHLD, &saved, NULL), 0);
}
END_TEST

/* ---- a SIGCHLD handler installed while tracing ---------------------- */

static pid_t tracer_tid;
static volatile sig_atomic_t chld_total;
static volatile sig_atomic_t chld_on_tracer;

static void
on_sigchld_where(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	chld_total++;
	if (gettid() == __atomic_load_n(&tracer_tid, __ATOMIC_SEQ_CST))
		chld_on_tracer++;
}

static uint32_t
note_tracer_tid(struct test_engine *te, struct utrace_engine *engine,
                struct utrace_task *task, const struct test_ev *ev,
                void *payload, uint32_t ret)
{
	__atomic_store_n(&tracer_tid, gettid(), __ATOMIC_SEQ_CST);
	return count_getppid(te, engine, task, ev, payload, ret);
}

/*
 * The tracer thread leaves SIGCHLD unblocked only while its disposition is
 * the default; a handler the host installs after utrace_new() (and before
 * its next call into the library) never runs on the tracer thread, where
 * a wait in it could take a tracee's stop.  The kernel sends SIGCHLD at
 * every ptrace stop, so the handler runs many times, on the host's thread.
 */
START_TEST(sigchld_handler_never_on_tracer)
{
	struct sigaction sa;
	struct sigaction saved;
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct utrace *u;
	int status;

	chld_total = 0;
	chld_on_tracer = 0;
	u = test_new(NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigchld_where;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGCHLD, &sa, &saved), 0);

	task = test_spawn(u, "ppids:200", "exit:4", NULL);
	t1 = test_engine_new(1, note_tracer_tid);
	t1->quiet = true;
	e1 = test_attach(task, t1, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH));
	test_start(task);
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 4,
	              "status %#x", status);
	ck_assert_int_eq(t1->hits, 200);
	ck_assert_int_ne(__atomic_load_n(&tracer_tid, __ATOMIC_SEQ_CST), 0);
	ck_assert_int_ne(__atomic_load_n(&tracer_tid, __ATOMIC_SEQ_CST),
	                 gettid());
	ck_assert_msg(chld_total > 0, "the handler never ran");
	ck_assert_msg(chld_on_tracer == 0,
	              "the handler ran %d of %d times on the tracer thread",
	              (int)chld_on_tracer, (int)chld_total);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
	ck_assert_int_eq(sigaction(SIGCHLD, &saved, NULL), 0);
}
END_TEST

/* The tracee gets the spawning thread's mask, not the tracer thread's. */
START_TEST(spawn_gets_callers_mask)
{
	sigset_t block;
	sigset_t old;
	sigset_t mask_before;
	sigset_t mask_after;
	struct utrace_task *task;
	struct utrace *u;
	int rep[2];

	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &mask_before), 0);

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "sigmask:USR2",
	                  "sigmask:USR1", "sigmask:TERM",
	                  test_fmt("sigmask:%d", SIGRTMAX - 1), "exit:0", NULL);
	test_close(rep[1]);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	ck_assert_str_eq(test_read_all(rep[0]),
	                 test_fmt("sigmask USR2 1\nsigmask USR1 0\n"
	                          "sigmask TERM 0\nsigmask %d 0\n",
	                          SIGRTMAX - 1));
	utrace_task_put(task);
	test_free(u);

	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &mask_after), 0);
	assert_same_mask(&mask_before, &mask_after);
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}
END_TEST

/* ---- descriptors ----------------------------------------------------- */

static size_t
list_fds(int *out, size_t max)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	d = opendir("/proc/self/fd");
	ck_assert(d != NULL);
	while ((de = readdir(d))) {
		long fd;

		/* Also skips "." and "..". */
		if (!test_parse_long(de->d_name, &fd, NULL) || fd == dirfd(d))
			continue;
		ck_assert(n < max);
		out[n++] = (int)fd;
	}
	closedir(d);
	return n;
}

static bool
has_fd(const int *fds, size_t n, int fd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] == fd)
			return true;
	return false;
}

START_TEST(library_fds_not_inherited)
{
	int before[256];
	int now[256];
	int lib[256];
	int seen[256];
	size_t n_before;
	size_t n_now;
	size_t n_lib = 0;
	size_t n_seen = 0;
	struct utrace_task *task;
	struct utrace *u;
	const char *report;
	char *p;
	char *end;
	size_t i;
	int rep[2];

	test_pipe(rep, 1);
	n_before = list_fds(before, 256);
	u = test_new(NULL);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "fds", "exit:0",
	                  NULL);
	/* Whatever the library holds open now (context, task). */
	n_now = list_fds(now, 256);
	for (i = 0; i < n_now; i++)
		if (!has_fd(before, n_before, now[i]))
			lib[n_lib++] = now[i];
	test_close(rep[1]);
	test_start(task);
	ck_assert_int_eq(test_wait(task), 0);
	report = test_read_all(rep[0]);
	ck_assert_msg(strncmp(report, "fds ", 4) == 0, "%s", report);
	for (p = (char *)report + 4; *p && *p != '\n'; p = end) {
		long fd = strtol(p, &end, 10);

		ck_assert(end != p);
		seen[n_seen++] = (int)fd;
		ck_assert(n_seen < 256);
	}
	ck_assert_msg(has_fd(seen, n_seen, rep[1]),
	              "the report descriptor %d is missing: %s", rep[1],
	              report);
	ck_assert_msg(!has_fd(seen, n_seen, rep[0]),
	              "a close-on-exec descriptor was inherited: %s", report);
	for (i = 0; i < n_lib; i++)
		ck_assert_msg(!has_fd(seen, n_seen, lib[i]),
		              "library descriptor %d leaked into the tracee: "
		              "%s",
		              lib[i], report);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

/* ---- utrace_free() and spawned tasks --------------------------------- */

static uint32_t
hold_at_getppid(struct test_engine *te, struct utrace_engine *engine,
                struct utrace_task *task, const struct test_ev *ev,
                void *payload, uint32_t ret)
{
	if (ev->kind == EV_SYSCALL_ENTRY && ev->nr == SYS_getppid)
		return UTRACE_STOP;
	return ret;
}

enum { FREE_RUNNING, FREE_HELD, FREE_NEVER_STARTED };

/* A spawned task does not outlive utrace_free(), in any state. */
START_TEST(free_kills_spawned)
{
	struct test_log *log = test_log();
	struct test_engine *t1;
	struct utrace_task *task;
	struct utrace *u;
	pid_t pid;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]), "say:ready", "ppid",
	                  test_fmt("read:%d", data[0]), "exit:0", NULL);
	test_close(rep[1]);
	test_close(data[0]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, _i == FREE_HELD ? hold_at_getppid : NULL);
	test_engine_only(t1, SYS_getppid);
	/* The test keeps no reference: free detaches and releases it. */
	utrace_engine_put(test_attach(
		task, t1, UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(DEATH)));
	if (_i != FREE_NEVER_STARTED) {
		test_start(task);
		ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	}
	if (_i == FREE_HELD) {
		ck_assert_msg(
			test_log_wait(log, 1, EV_SYSCALL_ENTRY, SYS_getppid, 1),
			"%s", test_log_dump(log));
		ck_assert_int_eq(test_proc_state(pid), 't');
	}
	utrace_task_put(task);
	test_free(u);

	ck_assert_int_eq(test_releases(t1), 1);
	ck_assert_msg(waitpid(pid, &status, WNOHANG | __WALL) < 0 &&
	                      errno == ECHILD,
	              "the tracee %d outlived utrace_free()", (int)pid);
}
END_TEST

/* UTRACE_SPAWN_DETACH_ON_FREE: the task goes on untraced. */
START_TEST(free_detaches_on_request)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL | UTRACE_SPAWN_DETACH_ON_FREE,
	};
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task = NULL;
	struct utrace *u;
	char *argv[6];
	pid_t pid;
	int rep[2];
	int data[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	test_pipe(data, 0);
	argv[0] = (char *)test_fmt("%s", test_helper("tracee-ops"));
	argv[1] = (char *)"-r";
	argv[2] = (char *)test_fmt("%d", rep[1]);
	argv[3] = (char *)"say:ready";
	argv[4] = (char *)test_fmt("read:%d", data[0]);
	argv[5] = NULL;
	ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), 0);
	pid = utrace_task_tid(task);
	test_track_pid(pid);
	test_close(rep[1]);
	test_close(data[0]);
	t1 = test_engine_new(1, NULL);
	e1 = test_attach(task, t1, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH));
	test_start(task);
	ck_assert_str_eq(test_read_line(rep[0]), "say ready");
	utrace_task_put(task);
	test_free(u);
	utrace_engine_put(e1);
	ck_assert_int_eq(test_releases(t1), 1);

	/* Untraced, and still there (-1 if it were gone). */
	ck_assert_int_eq(test_tracer_pid(pid), 0);

	/* It is still running, and now our child: finish and reap it. */
	ck_assert_int_eq(write(data[1], "x", 1), 1);
	test_close(data[1]);
	ck_assert_str_eq(test_read_all(rep[0]), "read 1 x\n");
	status = reap(pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "status %#x", status);
}
END_TEST

/* ---- a host thread that steals a stop ------------------------------- */

struct log_capture {
	pthread_mutex_t lock;
	char text[8192];
	size_t len;
	int warnings;
};

static void
capture_log(int priority, const char *format, va_list ap, void *data)
{
	struct log_capture *c = data;
	char line[512];
	int n;

	n = vsnprintf(line, sizeof(line), format, ap);
	if (n < 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (priority <= LOG_WARNING)
		c->warnings++;
	c->len += (size_t)snprintf(c->text + c->len, sizeof(c->text) - c->len,
	                           "<%d> %s\n", priority, line);
	if (c->len >= sizeof(c->text))
		c->len = sizeof(c->text) - 1;
	pthread_mutex_unlock(&c->lock);
}

struct thief {
	pid_t tid;
	long attempts;
	siginfo_t si;
	bool stole;
};

/*
 * What utrace(7) forbids: a wait of another thread for a tracee, tried
 * until it takes a stop (bounded by half the test's wait).
 */
static void *
steal_stop(void *arg)
{
	struct thief *t = arg;

	struct timespec start;
	struct timespec now;
	long ms = test_wait_ms() / 2;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (t->attempts = 0;; t->attempts++) {
		memset(&t->si, 0, sizeof(t->si));
		if (waitid(P_PID, (id_t)t->tid, &t->si,
		           WSTOPPED | __WALL | WNOHANG) == 0 &&
		    t->si.si_pid == t->tid) {
			t->stole = true;
			break;
		}
		if (t->attempts % 1024)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		            (now.tv_nsec - start.tv_nsec) / 1000000 >
		    ms)
			break;
	}
	return NULL;
}

/*
 * A host thread consumes one of the tracee's stops with its own waitid().
 * The library finds the task in a ptrace stop it believes running (its
 * once-a-second sweep), handles the stop, and warns in its log; the
 * tracee completes with its output and status intact.
 */
START_TEST(stolen_stop_recovered)
{
	struct log_capture cap = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct test_engine *t1;
	struct utrace_engine *e1;
	struct utrace_task *task;
	struct thief thief = { 0 };
	struct utrace *u;
	pid_t pid;
	int ctl[2];
	int rep[2];
	int status;

	u = test_new(NULL);
	ck_assert_int_eq(utrace_set_log_fn(u, capture_log, &cap), 0);
	test_pipe(ctl, 0);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
	                  test_fmt("spin:%d", ctl[0]), "ppids:100", "exit:7",
	                  NULL);
	test_close(ctl[0]);
	test_close(rep[1]);
	pid = utrace_task_tid(task);
	t1 = test_engine_new(1, count_getppid);
	t1->quiet = true;
	e1 = test_attach(task, t1, UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH));
	test_start(task);
	wait_hits(t1, 3);

	thief.tid = pid;
	test_on_thread(steal_stop, &thief);
	ck_assert_msg(thief.stole, "no stop stolen in %ld attempts",
	              thief.attempts);
	ck_assert_msg(thief.si.si_code == CLD_TRAPPED,
	              "stole si_code %d status %#x", thief.si.si_code,
	              thief.si.si_status);

	/* The tracee makes progress again (the sweep found it) ... */
	wait_hits(t1, 20);
	ck_assert_int_eq(write(ctl[1], "x", 1), 1);
	test_close(ctl[1]);
	/* ... and completes intact. */
	status = test_wait(task);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 7,
	              "status %#x", status);
	ck_assert_str_eq(test_read_all(rep[0]), "spin\nppids 100\n");
	pthread_mutex_lock(&cap.lock);
	ck_assert_msg(
		cap.warnings >= 1 && strstr(cap.text, test_fmt("%d", (int)pid)),
		"no warning about task %d in the log:\n%s", (int)pid, cap.text);
	pthread_mutex_unlock(&cap.lock);
	utrace_engine_put(e1);
	utrace_task_put(task);
	test_free(u);
}
END_TEST

static Suite *
host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc;

	tc = test_tcase(s, "children");
	tcase_add_test(tc, host_children_are_the_hosts);
	tc = test_tcase(s, "signals");
	tcase_add_loop_test(tc, sigchld_and_mask_unchanged, 0, 3);
	tcase_add_test(tc, spawn_gets_callers_mask);
	tcase_add_test(tc, sigchld_handler_never_on_tracer);
	tc = test_tcase(s, "fds");
	tcase_add_test(tc, library_fds_not_inherited);
	tc = test_tcase(s, "free");
	tcase_add_loop_test(tc, free_kills_spawned, FREE_RUNNING,
	                    FREE_NEVER_STARTED + 1);
	tcase_add_test(tc, free_detaches_on_request);
	tc = test_tcase(s, "steal");
	tcase_add_test(tc, stolen_stop_recovered);
	return s;
}

TEST_MAIN(host_suite)
