/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracer thread: the only thread that calls ptrace() or waits.
 *
 * It blocks in one waitid() that consumes the next tracee status, made
 * through arch_wait_window(): that call checks for queued commands first,
 * and the wake-up signal's handler moves a thread caught between the
 * check and the system call to an -EINTR exit (arch/).  A signal during
 * the blocked call restarts it (SA_RESTART): the kernel rewinds it to the
 * syscall instruction, inside the window, so the handler sends it to the
 * same exit; a signal after it returned leaves the consumed status alone.
 * cmdq.c explains why no wake-up is lost.  One wait per stop.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "utrace-private.h"

#define WAIT_FLAGS (WEXITED | WSTOPPED | __WALL | __WNOTHREAD)
#define SWEEP_INTERVAL_S 1
/* How long the tracer polls before it blocks (see tracer_poll()). */
#define SPIN_NS UINT64_C(50000)

/* The context whose tracer runs on this thread; NULL on host threads. */
static __thread struct utrace *tls_tracer
	__attribute__((tls_model("initial-exec")));

static void
wake_handler(int sig, siginfo_t *si, void *ucontext)
{
	(void)sig;
	(void)si;
	if (tls_tracer)
		arch_wait_abort(ucontext);
}

/*
 * Installs the wake-up handler for @sig unless it is ours already; refuses
 * a signal the host handles itself.
 */
int
tracer_wake_handler_install(int sig)
{
	struct sigaction old;
	struct sigaction sa;

	if (sigaction(sig, NULL, &old) < 0)
		return -errno;
	if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == wake_handler)
		return 0;
	if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
		return -EBUSY;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = wake_handler;
	/* SA_RESTART: a callback's blocking call is not broken by the
	 * wake-up (the sweep timer sends it too).  A restarted wait is
	 * rewound into the window, where the handler sends it to its EINTR
	 * exit. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0)
		return -errno;
	return 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A wait for any tracee walks the kernel's list of them, newest first: with
 * a thousand tracees, that walk costs more than the rest of a stop.  A wait
 * for one tid is a direct lookup.  The task resumed last is the likeliest
 * to stop next, so the first poll asks it alone, and later polls ask it
 * before all tracees.  After HOT_RUN_MAX stops in a row taken from it, the
 * first poll asks all tracees, so no other tracee's stop waits longer.
 */
#define HOT_RUN_MAX 16u

static bool
tracer_poll_once(struct utrace *u, siginfo_t *si, bool hot, bool any)
{
	if (hot && u->hot_tid > 0) {
		int r = waitid(P_PID, (id_t)u->hot_tid, si,
		               WAIT_FLAGS | WNOHANG);

		if (r == 0 && si->si_pid != 0) {
			u->hot_run++;
			return true;
		}
		if (r < 0 && errno == ECHILD)
			u->hot_tid = 0; /* gone, or detached */
	}
	if (!any && u->hot_tid > 0)
		return false;
	if (waitid(P_ALL, 0, si, WAIT_FLAGS | WNOHANG) == 0 &&
	    si->si_pid != 0) {
		u->hot_run = si->si_pid == u->hot_tid ? u->hot_run + 1 : 0;
		return true;
	}
	return false;
}

/*
 * Before blocking, poll for a short while when stops have been coming
 * quickly: a tracee on another CPU then stops again before a blocking
 * wait would even have gone to sleep, and its wake-up across CPUs is what
 * costs most.  sched_yield() between polls hands the CPU to the tracee
 * when both share one, so polling costs little there.  Returns true with
 * a status in @si.
 */
static bool
tracer_poll(struct utrace *u, siginfo_t *si)
{
	bool fair = u->hot_run >= HOT_RUN_MAX;
	uint64_t start;
	uint64_t now;
	unsigned int n;

	if (u->wait_avg_ns > SPIN_NS)
		return false;
	if (fair)
		u->hot_run = 0;
	start = now_ns();
	for (n = 0;; n++) {
		if (tracer_poll_once(u, si, n > 0 || !fair, n > 0 || fair)) {
			now = now_ns();
			u->wait_avg_ns =
				(u->wait_avg_ns * 7 + (now - start)) / 8;
			return true;
		}
		if (atomic_load(&u->cmd_pending))
			return false;
		(void)sched_yield();
		now = now_ns();
		if (now - start >= SPIN_NS)
			break;
	}
	/* Too slow to catch this way: block, and poll again only once
	 * stops come quickly again. */
	u->wait_avg_ns = SPIN_NS * 4;
	return false;
}

/*
 * Waits for the next tracee status (consumed into @si) or a command;
 * returns 0 or -errno (-EINTR: look at the commands).  With no tracee at
 * all it sleeps until the wake-up signal.
 */
static long
tracer_wait(struct utrace *u, siginfo_t *si)
{
	uint64_t start;
	long r;

	memset(si, 0, sizeof(*si));
	if (tracer_poll(u, si))
		return 0;
	start = now_ns();
	atomic_store(&u->in_window, 1);
	r = arch_wait_window(&u->cmd_pending, SYS_waitid, P_ALL, 0, (long)si,
	                     WAIT_FLAGS);
	if (r == -ECHILD)
		r = arch_wait_window(&u->cmd_pending, SYS_pause, 0, 0, 0, 0);
	atomic_store(&u->in_window, 0);
	if (r == 0)
		u->wait_avg_ns = (u->wait_avg_ns * 7 + (now_ns() - start)) / 8;
	return r;
}

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/*
 * While tasks exist, a timer wakes the tracer once a second to look for
 * stops another thread of the host stole with a wait of its own.
 */
static void
tracer_timer_update(struct utrace *u)
{
	bool want = !list_empty(&u->tasks);
	struct itimerspec its = { 0 };

	if (want == u->timer_armed)
		return;
	if (!u->timer_created) {
		struct sigevent sev = { 0 };

		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = u->wake_signal;
		sev.sigev_notify_thread_id = u->tracer_tid;
		if (timer_create(CLOCK_MONOTONIC, &sev, &u->timer) < 0)
			return;
		u->timer_created = true;
	}
	if (want) {
		its.it_value.tv_sec = SWEEP_INTERVAL_S;
		its.it_interval.tv_sec = SWEEP_INTERVAL_S;
	}
	if (timer_settime(u->timer, 0, &its, NULL) == 0)
		u->timer_armed = want;
}

/*
 * The kernel sends the host a SIGCHLD at every ptrace stop.  Blocked here,
 * it would wake some other host thread each time (about 4 us a stop).
 * While its disposition is the default (or ignore) the tracer thread
 * leaves it unblocked, so the kernel discards it; once the host installs
 * a handler, the tracer blocks it again (checked at start, with each
 * batch of commands and at every sweep) so that the handler never runs
 * on the tracer thread.
 */
static void
tracer_update_sigchld(struct utrace *u)
{
	struct sigaction old;
	sigset_t set;
	bool dfl;

	if (sigaction(SIGCHLD, NULL, &old) < 0)
		return;
	dfl = !(old.sa_flags & SA_SIGINFO) &&
	      (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN);
	if (dfl == u->sigchld_open)
		return;
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGCHLD);
	(void)pthread_sigmask(dfl ? SIG_UNBLOCK : SIG_BLOCK, &set, NULL);
	u->sigchld_open = dfl;
}

static void
tracer_maybe_sweep(struct utrace *u)
{
	struct timespec now;

	if (!u->timer_armed)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < u->next_sweep)
		return;
	u->next_sweep = now.tv_sec + SWEEP_INTERVAL_S;
	tracer_update_sigchld(u);
	task_sweep(u);
}

static void *
tracer_main(void *arg)
{
	struct utrace *u = arg;
	sigset_t mask;

	tls_tracer = u;
	(void)sigfillset(&mask);
	(void)sigdelset(&mask, u->wake_signal);
	(void)pthread_sigmask(SIG_SETMASK, &mask, NULL);

	(void)pthread_mutex_lock(&u->lock);
	u->tracer_tid = gettid();
	u->started = true;
	(void)pthread_cond_broadcast(&u->cond);
	(void)pthread_mutex_unlock(&u->lock);

	for (;;) {
		siginfo_t si;
		long r;

		if (atomic_exchange(&u->cmd_pending, 0)) {
			tracer_update_sigchld(u);
			cmdq_run(u);
		}
		if (u->quit && list_empty(&u->tasks))
			break;
		tracer_timer_update(u);
		tracer_maybe_sweep(u);

		r = tracer_wait(u, &si);
		if (r == 0 && si.si_pid != 0)
			task_handle_status(u, &si);
	}
	if (u->timer_created)
		(void)timer_delete(u->timer);
	tls_tracer = NULL;
	return NULL;
}

int
tracer_start(struct utrace *u)
{
	sigset_t all;
	sigset_t old;
	int r;

	/* The thread starts with every signal blocked and unblocks its
	 * own; no signal can reach it before it knows its context. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&u->thread, NULL, tracer_main, u);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;

	(void)pthread_mutex_lock(&u->lock);
	while (!u->started)
		(void)pthread_cond_wait(&u->cond, &u->lock);
	(void)pthread_mutex_unlock(&u->lock);
	return 0;
}
