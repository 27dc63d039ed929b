/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Many tasks: a tracee making 1000 threads and 1000 forks under one FOLLOW
 * engine, every task announced and dead exactly once; and 200 SIGKILLs at
 * random stops of a process tree that forks, threads and makes system
 * calls, after which nothing is stuck.
 *
 * The engine here records into its own large log (the shared one is too
 * small).  The random kills use a seeded PRNG: the seed is printed on
 * failure, and UTRACE_TEST_SEED replays it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define REC_MAX 65536
#define TASKS_MAX 8192
#define PID_SLOTS (1 << 22) /* PID_MAX_LIMIT */

enum rec_kind {
	R_CLONE = 1,
	R_SYSCALL,
	R_SIGNAL,
	R_EXIT,
	R_EXEC,
	R_DEATH,
	R_REAP,
};

struct rec_ev {
	enum rec_kind kind;
	struct utrace_task *task;
	pid_t tid;
	pid_t child; /* clone */
	struct utrace_task *child_task;
	int code; /* clone kind, syscall number, signal, status */
};

enum kill_mode {
	KILL_NONE,
	KILL_OWN_PROCESS,  /* kill(2) from the callback, its own process */
	KILL_ROOT_PROCESS, /* kill(2) from the callback, the tree's root */
	KILL_HELD,         /* hold the task; the test thread kills */
	KILL_MODES,
	FREE_NOW,  /* tell the test thread to utrace_free() */
	FREE_HELD, /* the same, holding the task */
};

struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct rec_ev *ev;
	size_t n;
	bool overflow;
	struct utrace_task *tasks[TASKS_MAX]; /* references */
	size_t n_tasks;
	size_t clones;
	size_t deaths;
	size_t reaps;
	size_t releases;
	struct utrace_task *root;
	pid_t root_pid;
	bool root_dead;
	/* Random kills. */
	enum kill_mode mode;
	uint64_t events;
	uint64_t kill_at;
	bool killed;
	int kill_rc;
	struct utrace_task *held; /* a reference */
	pid_t held_tgid;
	bool free_now;
};

static struct recorder *
rec_new(void)
{
	struct recorder *r = calloc(1, sizeof(*r));

	ck_assert(r != NULL);
	r->ev = calloc(REC_MAX, sizeof(*r->ev));
	ck_assert(r->ev != NULL);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	return r;
}

static void
rec_free(struct recorder *r)
{
	size_t i;

	for (i = 0; i < r->n_tasks; i++)
		utrace_task_put(r->tasks[i]);
	utrace_task_put(r->held);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->ev);
	free(r);
}

/* Called with r->lock held. */
static void
rec_add(struct recorder *r, enum rec_kind kind, struct utrace_task *task,
        int code)
{
	struct rec_ev *ev;

	if (r->n >= REC_MAX) {
		r->overflow = true;
		return;
	}
	ev = &r->ev[r->n++];
	ev->kind = kind;
	ev->task = task;
	ev->tid = utrace_task_tid(task);
	ev->code = code;
}

/* A reporting event: counts it, and kills at the chosen one.  Returns
 * whether to hold the task.  Called with r->lock held. */
static bool
rec_maybe_kill(struct recorder *r, struct utrace_task *task)
{
	if (r->mode == KILL_NONE || r->killed || ++r->events != r->kill_at)
		return false;
	r->killed = true;
	switch (r->mode) {
	case KILL_OWN_PROCESS:
		r->kill_rc = kill(utrace_task_tgid(task), SIGKILL);
		return false;
	case KILL_ROOT_PROCESS:
		r->kill_rc = kill(r->root_pid, SIGKILL);
		return false;
	case KILL_HELD:
		r->held = utrace_task_get(task);
		r->held_tgid = utrace_task_tgid(task);
		pthread_cond_broadcast(&r->cond);
		return true;
	case FREE_NOW:
	case FREE_HELD:
		r->free_now = true;
		pthread_cond_broadcast(&r->cond);
		return r->mode == FREE_HELD;
	default:
		return false;
	}
}

static uint32_t
rec_event(struct recorder *r, enum rec_kind kind, struct utrace_task *task,
          int code, uint32_t ret)
{
	bool hold;

	pthread_mutex_lock(&r->lock);
	rec_add(r, kind, task, code);
	hold = rec_maybe_kill(r, task);
	pthread_mutex_unlock(&r->lock);
	return hold ? UTRACE_STOP | (ret & ~UTRACE_RESUME_MASK) : ret;
}

static uint32_t
rec_syscall_entry(uint32_t action, struct utrace_engine *engine,
                  struct utrace_task *task, struct utrace_syscall *sc,
                  void *data)
{
	return rec_event(data, R_SYSCALL, task, (int)sc->nr,
	                 UTRACE_RESUME | utrace_syscall_action(action));
}

static uint32_t
rec_syscall_exit(uint32_t action, struct utrace_engine *engine,
                 struct utrace_task *task, struct utrace_syscall *sc,
                 void *data)
{
	return rec_event(data, R_SYSCALL, task, (int)sc->nr, UTRACE_RESUME);
}

static uint32_t
rec_signal(uint32_t action, struct utrace_engine *engine,
           struct utrace_task *task, siginfo_t *info, void *data)
{
	return rec_event(data, R_SIGNAL, task, info->si_signo,
	                 UTRACE_RESUME | utrace_signal_action(action));
}

static uint32_t
rec_exit(uint32_t action, struct utrace_engine *engine,
         struct utrace_task *task, int status, void *data)
{
	return rec_event(data, R_EXIT, task, status, UTRACE_RESUME);
}

static uint32_t
rec_exec(uint32_t action, struct utrace_engine *engine,
         struct utrace_task *task, const char *path, pid_t former_tid,
         void *data)
{
	return rec_event(data, R_EXEC, task, (int)former_tid, UTRACE_RESUME);
}

static uint32_t
rec_clone(uint32_t action, struct utrace_engine *engine,
          struct utrace_task *task, enum utrace_clone_kind kind,
          struct utrace_task *child, void *data)
{
	struct recorder *r = data;
	bool hold;

	pthread_mutex_lock(&r->lock);
	rec_add(r, R_CLONE, task, (int)kind);
	if (!r->overflow) {
		r->ev[r->n - 1].child = utrace_task_tid(child);
		r->ev[r->n - 1].child_task = child;
	}
	if (r->n_tasks < TASKS_MAX)
		r->tasks[r->n_tasks++] = utrace_task_get(child);
	else
		r->overflow = true;
	r->clones++;
	hold = rec_maybe_kill(r, task);
	pthread_mutex_unlock(&r->lock);
	return hold ? UTRACE_STOP : UTRACE_RESUME;
}

static void
rec_death(struct utrace_engine *engine, struct utrace_task *task, int status,
          bool group_dead, void *data)
{
	struct recorder *r = data;

	pthread_mutex_lock(&r->lock);
	rec_add(r, R_DEATH, task, status);
	r->deaths++;
	if (task == r->root)
		r->root_dead = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void
rec_reap(struct utrace_engine *engine, struct utrace_task *task, void *data)
{
	struct recorder *r = data;

	pthread_mutex_lock(&r->lock);
	rec_add(r, R_REAP, task, 0);
	r->reaps++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void
rec_release(void *data)
{
	struct recorder *r = data;

	pthread_mutex_lock(&r->lock);
	r->releases++;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static const struct utrace_engine_ops rec_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = rec_syscall_entry,
	.report_syscall_exit = rec_syscall_exit,
	.report_signal = rec_signal,
	.report_clone = rec_clone,
	.report_exit = rec_exit,
	.report_exec = rec_exec,
	.report_death = rec_death,
	.report_reap = rec_reap,
	.release = rec_release,
};

static const char *
kind_name(enum rec_kind kind)
{
	static const char *const names[] = {
		"?",    "CLONE", "SYSCALL", "SIGNAL",
		"EXIT", "EXEC",  "DEATH",   "REAP",
	};

	return kind <= R_REAP ? names[kind] : "?";
}

/* The events of @tid (the last 40), for a failure message. */
static const char *
rec_dump_tid(const struct recorder *r, pid_t tid, const char *what)
{
	static char buf[6000];
	size_t len = 0;
	size_t shown = 0;
	size_t i;
	size_t total = 0;

	for (i = 0; i < r->n; i++)
		if (r->ev[i].tid == tid || r->ev[i].child == tid)
			total++;
	len += (size_t)snprintf(buf, sizeof(buf), "%s\nevents of %d:\n", what,
	                        (int)tid);
	for (i = 0; i < r->n && len < sizeof(buf) - 200; i++) {
		const struct rec_ev *ev = &r->ev[i];

		if (ev->tid != tid && ev->child != tid)
			continue;
		if (total - shown++ > 40)
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		                        "  #%zu task %p tid %d %s code %d "
		                        "child %d\n",
		                        i, (void *)ev->task, (int)ev->tid,
		                        kind_name(ev->kind), ev->code,
		                        (int)ev->child);
	}
	return buf;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a;
	uintptr_t y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

/* Index of @task in the sorted handles, or -1. */
static long
handle_index(struct utrace_task *const *sorted, size_t n,
             struct utrace_task *task)
{
	struct utrace_task *const *p = bsearch(
		&task, sorted, n, sizeof(struct utrace_task *), cmp_ptr);

	return p ? (long)(p - sorted) : -1;
}

enum { H_NEW, H_ALIVE, H_DEAD, H_REAPED };

/*
 * The invariants over the whole record: each child announced once by a
 * live parent before any event of its own; no event of a handle or a tid
 * after its death until a new report_clone announces the tid again; death
 * then reap at most once per handle, and with @complete exactly once,
 * deaths == clones + 1.  @ctx goes into failure messages.
 */
static void
rec_check(struct recorder *r, const char *ctx, bool complete)
{
	struct utrace_task **sorted;
	unsigned char *hstate;
	unsigned char *tstate;
	size_t n_handles = r->n_tasks + 1;
	size_t i;

	ck_assert_msg(!r->overflow, "%s: record overflow", ctx);
	sorted = calloc(n_handles, sizeof(struct utrace_task *));
	hstate = calloc(n_handles, 1);
	tstate = calloc(PID_SLOTS, 1);
	ck_assert(sorted && hstate && tstate);
	memcpy(sorted, r->tasks, r->n_tasks * sizeof(struct utrace_task *));
	sorted[r->n_tasks] = r->root;
	qsort(sorted, n_handles, sizeof(struct utrace_task *), cmp_ptr);
	for (i = 1; i < n_handles; i++)
		ck_assert_msg(sorted[i] != sorted[i - 1],
		              "%s: a handle announced twice", ctx);
	hstate[handle_index(sorted, n_handles, r->root)] = H_ALIVE;
	tstate[r->root_pid] = H_ALIVE;

	for (i = 0; i < r->n; i++) {
		const struct rec_ev *ev = &r->ev[i];
		long h = handle_index(sorted, n_handles, ev->task);
		long c;

		ck_assert_msg(h >= 0, "%s: #%zu: event of an unknown handle",
		              ctx, i);
		ck_assert_msg(ev->tid > 0 && ev->tid < PID_SLOTS, "%s: #%zu",
		              ctx, i);
		switch (ev->kind) {
		case R_DEATH:
			ck_assert_msg(hstate[h] == H_ALIVE &&
			                      tstate[ev->tid] == H_ALIVE,
			              "%s",
			              rec_dump_tid(r, ev->tid,
			                           test_fmt("%s: #%zu: death "
			                                    "of a task not "
			                                    "alive",
			                                    ctx, i)));
			hstate[h] = H_DEAD;
			tstate[ev->tid] = H_DEAD;
			break;
		case R_REAP:
			ck_assert_msg(hstate[h] == H_DEAD, "%s",
			              rec_dump_tid(r, ev->tid,
			                           test_fmt("%s: #%zu: reap "
			                                    "without death",
			                                    ctx, i)));
			hstate[h] = H_REAPED;
			break;
		default:
			ck_assert_msg(hstate[h] == H_ALIVE &&
			                      tstate[ev->tid] == H_ALIVE,
			              "%s",
			              rec_dump_tid(r, ev->tid,
			                           test_fmt("%s: #%zu: %s of a "
			                                    "task not alive "
			                                    "(state %d/%d)",
			                                    ctx, i,
			                                    kind_name(ev->kind),
			                                    hstate[h],
			                                    tstate[ev->tid])));
			break;
		}
		if (ev->kind != R_CLONE)
			continue;
		c = handle_index(sorted, n_handles, ev->child_task);
		ck_assert_msg(c >= 0 && hstate[c] == H_NEW && ev->child > 0 &&
		                      ev->child < PID_SLOTS &&
		                      tstate[ev->child] != H_ALIVE,
		              "%s",
		              rec_dump_tid(r, ev->child,
		                           test_fmt("%s: #%zu: child announced "
		                                    "twice or while alive",
		                                    ctx, i)));
		hstate[c] = H_ALIVE;
		tstate[ev->child] = H_ALIVE;
	}
	for (i = 0; i < n_handles; i++)
		ck_assert_msg(
			hstate[i] == H_REAPED ||
				(!complete && hstate[i] != H_DEAD),
			"%s",
			rec_dump_tid(r, utrace_task_tid(sorted[i]),
		                     test_fmt("%s: task %d not reaped "
		                              "(state %d)",
		                              ctx,
		                              (int)utrace_task_tid(sorted[i]),
		                              hstate[i])));
	ck_assert_msg(!complete || r->deaths == r->clones + 1,
	              "%s: %zu deaths for %zu clones", ctx, r->deaths,
	              r->clones);
	free(sorted);
	free(hstate);
	free(tstate);
}

/* Every announced task died and was reaped.  Called with r->lock. */
static bool
rec_all_dead(const struct recorder *r)
{
	return r->root_dead && r->deaths == r->clones + 1 &&
	       r->reaps == r->deaths;
}

/* Wait (bounded) until every announced task died and was reaped. */
static bool
rec_wait_all_dead(struct recorder *r)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += test_wait_ms() / 1000;
	pthread_mutex_lock(&r->lock);
	while (!rec_all_dead(r))
		if (pthread_cond_timedwait(&r->cond, &r->lock, &deadline) ==
		    ETIMEDOUT)
			break;
	ok = rec_all_dead(r);
	pthread_mutex_unlock(&r->lock);
	return ok;
}

/* The tasks that did not die (or were not reaped), for a failure message. */
static const char *
rec_undead(struct recorder *r)
{
	const char *text = "";
	size_t shown = 0;
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i <= r->n_tasks && shown < 4; i++) {
		struct utrace_task *t = i < r->n_tasks ? r->tasks[i] : r->root;
		pid_t tid = utrace_task_tid(t);
		size_t k;
		int reaps = 0;

		for (k = 0; k < r->n; k++)
			if (r->ev[k].task == t && r->ev[k].kind == R_REAP)
				reaps++;
		if (utrace_task_is_dead(t) && reaps == 1)
			continue;
		shown++;
		text = test_fmt("%s\ntask %d (state %c, dead %d, %d reaps)%s",
		                text, (int)tid, test_proc_state(tid),
		                utrace_task_is_dead(t), reaps,
		                rec_dump_tid(r, tid, ""));
	}
	pthread_mutex_unlock(&r->lock);
	return text;
}

/*
 * Host threads that keep the CPUs busy (three per CPU) while the tracee
 * runs: the tracer thread then lags, and stops come in every order (a new
 * child's first stop before its parent's report, a sibling's death in
 * between).
 */
#define BURNERS_MAX 48

struct burners {
	pthread_t thread[BURNERS_MAX];
	int n;
	int stop;
};

static void *
burn(void *arg)
{
	struct burners *b = arg;
	volatile unsigned long spin = 0;

	while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED))
		spin++;
	return NULL;
}

static void
burners_start(struct burners *b)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	b->stop = 0;
	b->n = cpus > 0 && cpus < BURNERS_MAX / 3 ? 3 * (int)cpus : BURNERS_MAX;
	for (i = 0; i < b->n; i++)
		ck_assert_int_eq(pthread_create(&b->thread[i], NULL, burn, b),
		                 0);
}

static void
burners_stop(struct burners *b)
{
	int i;

	__atomic_store_n(&b->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < b->n; i++)
		ck_assert_int_eq(pthread_join(b->thread[i], NULL), 0);
}

/* ---- 1000 threads and 1000 forks --------------------------------------- */

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a;
	pid_t y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

#define N_THREADS 1000
#define N_FORKS 1000

START_TEST(thousands)
{
	static pid_t said_t[N_THREADS];
	static pid_t said_f[N_FORKS];
	static pid_t seen_t[N_THREADS];
	static pid_t seen_f[N_FORKS];
	struct recorder *r = rec_new();
	struct utrace_engine *e = NULL;
	struct burners burners;
	struct utrace_task *task;
	struct utrace *u;
	const char *report;
	const char *p;
	size_t nt = 0;
	size_t nf = 0;
	size_t st = 0;
	size_t sf = 0;
	size_t i;
	int rep[2];
	int status;

	u = test_new(NULL);
	test_pipe(rep, 1);
	task = test_spawn(u, "-r", test_fmt("%d", rep[1]),
	                  test_fmt("stress:%d:%d", N_THREADS, N_FORKS),
	                  "exit:0", NULL);
	test_close(rep[1]);
	r->root = task;
	r->root_pid = utrace_task_tid(task);
	ck_assert_int_eq(
		utrace_attach_task(task,
	                           UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                           &rec_ops, r, &e),
		0);
	ck_assert_int_eq(utrace_set_events(task, e,
	                                   UTRACE_EVENT(CLONE) |
	                                           UTRACE_EVENT(EXIT) |
	                                           UTRACE_EVENT(DEATH) |
	                                           UTRACE_EVENT(REAP)),
	                 0);
	burners_start(&burners);
	test_start(task);
	status = test_wait(task);
	burners_stop(&burners);
	ck_assert_msg(status == 0, "status %#x", status);
	ck_assert_msg(rec_wait_all_dead(r),
	              "%zu deaths, %zu reaps for %zu clones%s", r->deaths,
	              r->reaps, r->clones, rec_undead(r));

	/* What the tracee made, by its own account. */
	report = test_read_all(rep[0]);
	for (p = report; *p; p = strchr(p, '\n') + 1) {
		long id;

		if (test_parse_report(p, "t", &id, 1) == 1) {
			ck_assert(nt < N_THREADS);
			said_t[nt++] = (pid_t)id;
		} else if (test_parse_report(p, "f", &id, 1) == 1) {
			ck_assert(nf < N_FORKS);
			said_f[nf++] = (pid_t)id;
		} else {
			ck_assert_msg(strncmp(p, "stress ", 7) == 0, "%.40s",
			              p);
		}
		ck_assert(strchr(p, '\n') != NULL);
	}
	ck_assert_int_eq(nt, N_THREADS);
	ck_assert_int_eq(nf, N_FORKS);

	/* Every one announced once, by the leader, with its kind. */
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->n; i++) {
		const struct rec_ev *ev = &r->ev[i];

		if (ev->kind != R_CLONE)
			continue;
		ck_assert_msg(ev->tid == r->root_pid,
		              "#%zu: clone of %d reported by %d", i,
		              (int)ev->child, (int)ev->tid);
		if (ev->code == UTRACE_CLONE_THREAD) {
			ck_assert(st < N_THREADS);
			seen_t[st++] = ev->child;
		} else {
			ck_assert_msg(ev->code == UTRACE_CLONE_FORK,
			              "#%zu: kind %d", i, ev->code);
			ck_assert(sf < N_FORKS);
			seen_f[sf++] = ev->child;
		}
	}
	ck_assert_int_eq(st, N_THREADS);
	ck_assert_int_eq(sf, N_FORKS);
	qsort(said_t, nt, sizeof(pid_t), cmp_pid);
	qsort(seen_t, st, sizeof(pid_t), cmp_pid);
	qsort(said_f, nf, sizeof(pid_t), cmp_pid);
	qsort(seen_f, sf, sizeof(pid_t), cmp_pid);
	for (i = 0; i < N_THREADS; i++)
		ck_assert_msg(said_t[i] == seen_t[i],
		              "threads made and reported differ at %d/%d",
		              (int)said_t[i], (int)seen_t[i]);
	for (i = 0; i < N_FORKS; i++)
		ck_assert_msg(said_f[i] == seen_f[i],
		              "forks made and reported differ at %d/%d",
		              (int)said_f[i], (int)seen_f[i]);
	rec_check(r, "1000 threads and forks", true);
	ck_assert_int_eq(r->deaths, N_THREADS + N_FORKS + 1);
	ck_assert_int_eq(r->releases, N_THREADS + N_FORKS);
	pthread_mutex_unlock(&r->lock);
	utrace_engine_put(e);
	ck_assert_int_eq(r->releases, N_THREADS + N_FORKS + 1);
	utrace_task_put(task);
	test_free(u);
	rec_free(r);
}
END_TEST

/* ---- random SIGKILLs ------------------------------------------------------ */

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

#define KILLS 200
/* Every event with a stop of its own, so that any can be the one. */
#define KILL_EVENTS                                                      \
	(UTRACE_EVENT_SYSCALL | UTRACE_EVENT_SIGNAL_ALL |                \
	 UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXEC) | UTRACE_EVENT(EXIT) | \
	 UTRACE_EVENT(JCTL) | UTRACE_EVENT(DEATH) | UTRACE_EVENT(REAP))
#define MAX_ROUNDS 600

static const char *
tree_left_stopped(const struct recorder *r)
{
	size_t i;

	for (i = 0; i < r->n_tasks; i++) {
		pid_t tid = utrace_task_tid(r->tasks[i]);

		if (test_proc_state(tid) == 't')
			return test_fmt("task %d of the tree left in 't'",
			                (int)tid);
	}
	if (test_proc_state(r->root_pid) == 't')
		return test_fmt("the root %d left in 't'", (int)r->root_pid);
	return NULL;
}

START_TEST(random_kills)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL,
	};
	const char *env = getenv("UTRACE_TEST_SEED");
	char *argv[] = { (char *)test_fmt("%s", test_helper("tracee-ops")),
		         (char *)"churn:4", (char *)"exit:0", NULL };
	uint64_t seed;
	uint64_t s;
	int kills = 0;
	int round;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec;
	}
	s = seed | 1;
	printf("random_kills: seed %" PRIu64 " (UTRACE_TEST_SEED)\n", seed);
	fflush(stdout);

	for (round = 0; round < MAX_ROUNDS && kills < KILLS; round++) {
		struct recorder *r = rec_new();
		struct utrace_engine *e = NULL;
		struct utrace_task *task;
		struct utrace *u;
		const char *ctx;
		const char *left;
		int status;

		r->mode = (enum kill_mode)(1 + xorshift(&s) % (KILL_MODES - 1));
		r->kill_at = 1 + xorshift(&s) % 150;
		ctx = test_fmt("seed %" PRIu64 " round %d (mode %d, kill at "
		               "event %" PRIu64 ")",
		               seed, round, r->mode, r->kill_at);
		u = test_new(NULL);
		/* Not tracked by the fixture (hundreds of rounds): each
		 * round checks itself that nothing is left. */
		ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), 0);
		r->root = task;
		r->root_pid = utrace_task_tid(task);
		ck_assert_int_eq(
			utrace_attach_task(task,
		                           UTRACE_ATTACH_CREATE |
		                                   UTRACE_ATTACH_FOLLOW,
		                           &rec_ops, r, &e),
			0);
		ck_assert_int_eq(utrace_set_events(task, e, KILL_EVENTS), 0);
		test_start(task);

		if (r->mode == KILL_HELD) {
			/* Told through the recorder: kill what is held. */
			struct timespec deadline;

			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_sec += test_wait_ms() / 1000;
			pthread_mutex_lock(&r->lock);
			while (!r->held && !r->root_dead)
				if (pthread_cond_timedwait(&r->cond, &r->lock,
				                           &deadline) ==
				    ETIMEDOUT)
					break;
			if (r->held)
				r->kill_rc = kill(r->held_tgid, SIGKILL);
			pthread_mutex_unlock(&r->lock);
		}
		ck_assert_msg(utrace_task_wait(task, &status) == 0, "%s", ctx);
		ck_assert_msg(rec_wait_all_dead(r),
		              "%s: %zu deaths, %zu reaps for %zu clones; %s%s",
		              ctx, r->deaths, r->reaps, r->clones,
		              (left = tree_left_stopped(r)) ? left : "",
		              rec_undead(r));
		pthread_mutex_lock(&r->lock);
		if (r->killed) {
			ck_assert_msg(r->kill_rc == 0, "%s: kill: %d", ctx,
			              r->kill_rc);
			kills++;
		}
		rec_check(r, ctx, true);
		pthread_mutex_unlock(&r->lock);
		utrace_engine_put(e);
		utrace_task_put(task);
		test_free(u);
		left = tree_left_stopped(r);
		ck_assert_msg(!left, "%s: %s", ctx, left);
		ck_assert_msg(test_proc_state(r->root_pid) == '?',
		              "%s: the root %d outlived utrace_free()", ctx,
		              (int)r->root_pid);
		ck_assert_msg(r->releases == r->clones + 1,
		              "%s: %zu releases for %zu engines", ctx,
		              r->releases, r->clones + 1);
		rec_free(r);
	}
	ck_assert_msg(kills == KILLS,
	              "seed %" PRIu64 ": only %d kills in %d "
	              "rounds",
	              seed, kills, round);
}
END_TEST

/* ---- utrace_free() at random moments ---------------------------------- */

#define FREES 100

/*
 * utrace_free() at a random event of a random task of the same kind of
 * tree (half of the time with that task held): the spawned root is
 * killed, its children are let go, every engine is released, and no task
 * is left in a ptrace stop.
 */
START_TEST(random_frees)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL,
	};
	const char *env = getenv("UTRACE_TEST_SEED");
	char *argv[] = { (char *)test_fmt("%s", test_helper("tracee-ops")),
		         (char *)"churn:4", (char *)"exit:0", NULL };
	uint64_t seed;
	uint64_t s;
	int round;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec * 1000000007u ^ (uint64_t)ts.tv_sec;
	}
	s = seed | 1;
	printf("random_frees: seed %" PRIu64 " (UTRACE_TEST_SEED)\n", seed);
	fflush(stdout);

	for (round = 0; round < FREES; round++) {
		struct recorder *r = rec_new();
		struct utrace_engine *e = NULL;
		struct utrace_task *task;
		struct timespec deadline;
		struct utrace *u;
		const char *ctx;
		size_t i;

		r->mode = xorshift(&s) % 2 ? FREE_HELD : FREE_NOW;
		r->kill_at = 1 + xorshift(&s) % 150;
		ctx = test_fmt("seed %" PRIu64 " round %d (mode %d, free at "
		               "event %" PRIu64 ")",
		               seed, round, r->mode, r->kill_at);
		u = test_new(NULL);
		ck_assert_int_eq(utrace_spawn(u, argv, NULL, &opts, &task), 0);
		r->root = task;
		r->root_pid = utrace_task_tid(task);
		ck_assert_int_eq(
			utrace_attach_task(task,
		                           UTRACE_ATTACH_CREATE |
		                                   UTRACE_ATTACH_FOLLOW,
		                           &rec_ops, r, &e),
			0);
		ck_assert_int_eq(utrace_set_events(task, e, KILL_EVENTS), 0);
		utrace_engine_put(e);
		test_start(task);

		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += test_wait_ms() / 1000;
		pthread_mutex_lock(&r->lock);
		while (!r->free_now && !r->root_dead)
			if (pthread_cond_timedwait(&r->cond, &r->lock,
			                           &deadline) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&r->lock);
		test_free(u);

		/* No callback runs any more: the record is final. */
		rec_check(r, ctx, false);
		ck_assert_msg(r->releases == r->clones + 1,
		              "%s: %zu releases for %zu engines", ctx,
		              r->releases, r->clones + 1);
		ck_assert_msg(test_proc_state(r->root_pid) == '?',
		              "%s: the root %d outlived utrace_free()", ctx,
		              (int)r->root_pid);
		for (i = 0; i < r->n_tasks; i++) {
			pid_t tid = utrace_task_tid(r->tasks[i]);

			ck_assert_msg(test_proc_state(tid) != 't',
			              "%s: task %d left in a ptrace stop", ctx,
			              (int)tid);
			ck_assert_msg(utrace_task_is_dead(r->tasks[i]) ||
			                      test_tracer_pid(tid) <= 0,
			              "%s: task %d still traced", ctx,
			              (int)tid);
		}
		utrace_task_put(task);
		rec_free(r);
	}
}
END_TEST

static Suite *
stress_suite(void)
{
	Suite *s = suite_create("stress");
	TCase *tc;

	tc = test_tcase(s, "stress");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, thousands);
	tcase_add_test(tc, random_kills);
	tcase_add_test(tc, random_frees);
	return s;
}

TEST_MAIN(stress_suite)
