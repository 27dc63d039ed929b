/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define MAX_CTX 8
#define MAX_PIDS 64
#define MAX_FDS 64
#define MAX_STRS 256
#define MAX_ENGINES 16
#define DUMP_LINES 90

/*
 * Everything a test leaves behind, so that the next setup can clean up
 * after a test that failed without running its teardown (CK_FORK=no).
 */
static struct {
	struct utrace *ctx[MAX_CTX];
	pid_t pids[MAX_PIDS];
	size_t n_pids;
	int fds[MAX_FDS];
	char *strs[MAX_STRS];
	size_t n_strs;
	struct test_engine engines[MAX_ENGINES];
	size_t n_engines;
	int fd_baseline;
	char helper[4096];
	char dump[7000];
	char read_buf[65536];
	struct test_log log;
} fx;

/* ---- main ----------------------------------------------------------- */

static bool
ptrace_available(void)
{
	pid_t pid;
	int status;
	bool ok;

	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	ok = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0;
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
	return ok;
}

int
test_main(Suite *(*suite_fn)(void))
{
	struct rlimit no_core = { 0, 0 };
	SRunner *sr;
	int failed;

	(void)setrlimit(RLIMIT_CORE, &no_core);
	if (!ptrace_available()) {
		fprintf(stderr, "ptrace is not available here: skipping\n");
		return 77;
	}
	sr = srunner_create(suite_fn());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

TCase *
test_tcase(Suite *s, const char *name)
{
	TCase *tc;

	tc = tcase_create(name);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

int
test_wait_ms(void)
{
	const char *mult;
	double m = 1;

	mult = getenv("CK_TIMEOUT_MULTIPLIER");
	if (mult) {
		/* A malformed value is ignored, as Check ignores it. */
		char *end;
		double v = strtod(mult, &end);

		if (end != mult && !*end && v > 0)
			m = v;
	}
	return (int)(10000 * m);
}

/* ---- fixture -------------------------------------------------------- */

int
test_count_fds(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	d = opendir("/proc/self/fd");
	ck_assert_msg(d != NULL, "opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static void
log_init(struct test_log *log)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&log->lock, NULL);
	pthread_cond_init(&log->cond, &attr);
	pthread_condattr_destroy(&attr);
	log->n = 0;
	log->overflow = false;
}

/* Children of any thread of this process, from /proc. */
static size_t
list_children(pid_t *out, size_t max)
{
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	d = opendir("/proc/self/task");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300];
		char *line = NULL;
		size_t cap = 0;
		const char *p;
		FILE *f;
		long pid;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children",
		         de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		/* One line: each pid followed by a blank. */
		if (getline(&line, &cap, f) > 0) {
			p = line;
			while (n < max && test_parse_long(p, &pid, &p))
				out[n++] = (pid_t)pid;
		}
		free(line);
		fclose(f);
	}
	closedir(d);
	return n;
}

struct leftovers {
	int contexts;
	int tracees;
	int children;
};

static void
cleanup(struct leftovers *lo)
{
	pid_t kids[64];
	size_t i;
	size_t n;
	int status;

	memset(lo, 0, sizeof(*lo));
	for (i = 0; i < MAX_CTX; i++) {
		if (fx.ctx[i]) {
			utrace_free(fx.ctx[i]);
			fx.ctx[i] = NULL;
			lo->contexts++;
		}
	}
	/* Only our own children are touched: waitpid() on a pid that is
	 * not our child fails with ECHILD, so a recycled pid is safe. */
	for (i = 0; i < fx.n_pids; i++) {
		pid_t r = waitpid(fx.pids[i], &status, WNOHANG | __WALL);

		if (r == 0) {
			(void)kill(fx.pids[i], SIGKILL);
			while (waitpid(fx.pids[i], &status, __WALL) < 0 &&
			       errno == EINTR)
				;
			lo->tracees++;
		} else if (r == fx.pids[i]) {
			lo->tracees++;
		}
	}
	fx.n_pids = 0;
	for (;;) {
		pid_t r = waitpid(-1, &status, WNOHANG | __WALL);

		if (r > 0) {
			lo->children++;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n = list_children(kids, 64);
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			(void)kill(kids[i], SIGKILL);
			while (waitpid(kids[i], &status, __WALL) < 0 &&
			       errno == EINTR)
				;
			lo->children++;
		}
	}
	for (i = 0; i < MAX_FDS; i++) {
		if (fx.fds[i] >= 0) {
			close(fx.fds[i]);
			fx.fds[i] = -1;
		}
	}
	for (i = 0; i < fx.n_strs; i++)
		free(fx.strs[i]);
	fx.n_strs = 0;
	memset(fx.engines, 0, sizeof(fx.engines));
	fx.n_engines = 0;
	pthread_mutex_destroy(&fx.log.lock);
	pthread_cond_destroy(&fx.log.cond);
	log_init(&fx.log);
}

void
test_setup(void)
{
	static bool first = true;
	struct leftovers lo;
	size_t i;

	if (first) {
		for (i = 0; i < MAX_FDS; i++)
			fx.fds[i] = -1;
		log_init(&fx.log);
		first = false;
	}
	cleanup(&lo);
	fx.fd_baseline = test_count_fds();
}

void
test_teardown(void)
{
	struct leftovers lo;
	int fds;

	cleanup(&lo);
	fds = test_count_fds();
	ck_assert_msg(lo.contexts == 0, "%d context(s) not freed by the test",
	              lo.contexts);
	ck_assert_msg(lo.tracees == 0,
	              "%d tracee(s) outlived utrace_free() (killed and reaped)",
	              lo.tracees);
	ck_assert_msg(lo.children == 0,
	              "%d unknown child process(es) left behind", lo.children);
	ck_assert_msg(fds == fx.fd_baseline,
	              "descriptor leak: %d open before the test, %d after",
	              fx.fd_baseline, fds);
}

/* ---- log ------------------------------------------------------------ */

struct test_log *
test_log(void)
{
	return &fx.log;
}

static void
log_add(struct test_log *log, const struct test_ev *ev)
{
	pthread_mutex_lock(&log->lock);
	if (log->n < TEST_LOG_MAX)
		log->ev[log->n++] = *ev;
	else
		log->overflow = true;
	pthread_cond_broadcast(&log->cond);
	pthread_mutex_unlock(&log->lock);
}

void
test_log_kick(struct test_log *log)
{
	pthread_mutex_lock(&log->lock);
	pthread_cond_broadcast(&log->cond);
	pthread_mutex_unlock(&log->lock);
}

size_t
test_log_n(struct test_log *log)
{
	size_t n;

	pthread_mutex_lock(&log->lock);
	n = log->n;
	pthread_mutex_unlock(&log->lock);
	ck_assert_msg(!log->overflow, "event log overflow (%d entries)",
	              TEST_LOG_MAX);
	return n;
}

bool
test_ev_match(const struct test_ev *ev, int engine, enum test_ev_kind kind,
              int64_t key)
{
	if (engine && ev->engine != engine)
		return false;
	if (ev->kind != kind)
		return false;
	if (key == TEST_ANY)
		return true;
	switch (kind) {
	case EV_SYSCALL_ENTRY:
	case EV_SYSCALL_EXIT:
		return ev->nr == key;
	case EV_SIGNAL:
	case EV_JCTL:
		return kind == EV_SIGNAL ? ev->signo == key : ev->code == key;
	case EV_QUIESCE:
		return (int64_t)ev->event == key;
	default:
		return true;
	}
}

static size_t
count_locked(struct test_log *log, int engine, enum test_ev_kind kind,
             int64_t key)
{
	size_t i;
	size_t c = 0;

	for (i = 0; i < log->n; i++)
		if (test_ev_match(&log->ev[i], engine, kind, key))
			c++;
	return c;
}

size_t
test_log_count(struct test_log *log, int engine, enum test_ev_kind kind,
               int64_t key)
{
	size_t c;

	pthread_mutex_lock(&log->lock);
	c = count_locked(log, engine, kind, key);
	pthread_mutex_unlock(&log->lock);
	return c;
}

long
test_log_find(struct test_log *log, size_t from, int engine,
              enum test_ev_kind kind, int64_t key)
{
	size_t n = test_log_n(log);
	size_t i;

	for (i = from; i < n; i++)
		if (test_ev_match(&log->ev[i], engine, kind, key))
			return (long)i;
	return -1;
}

bool
test_log_wait_pred(struct test_log *log, bool (*pred)(void *), void *arg)
{
	struct timespec deadline;
	int ms = test_wait_ms();
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&log->lock);
	for (;;) {
		ok = pred(arg);
		if (ok || log->overflow)
			break;
		if (pthread_cond_timedwait(&log->cond, &log->lock, &deadline) ==
		    ETIMEDOUT) {
			ok = pred(arg);
			break;
		}
	}
	pthread_mutex_unlock(&log->lock);
	return ok;
}

struct count_wait {
	struct test_log *log;
	int engine;
	enum test_ev_kind kind;
	int64_t key;
	size_t count;
};

static bool
count_reached(void *arg)
{
	struct count_wait *w = arg;

	return count_locked(w->log, w->engine, w->kind, w->key) >= w->count;
}

bool
test_log_wait(struct test_log *log, int engine, enum test_ev_kind kind,
              int64_t key, size_t count)
{
	struct count_wait w = { log, engine, kind, key, count };

	return test_log_wait_pred(log, count_reached, &w);
}

static const char *
kind_name(enum test_ev_kind kind)
{
	switch (kind) {
	case EV_QUIESCE:
		return "QUIESCE";
	case EV_SYSCALL_ENTRY:
		return "ENTRY";
	case EV_SYSCALL_EXIT:
		return "EXIT_SC";
	case EV_SIGNAL:
		return "SIGNAL";
	case EV_JCTL:
		return "JCTL";
	case EV_CLONE:
		return "CLONE";
	case EV_EXEC:
		return "EXEC";
	case EV_EXIT:
		return "EXIT";
	case EV_DEATH:
		return "DEATH";
	case EV_REAP:
		return "REAP";
	case EV_RELEASE:
		return "RELEASE";
	}
	return "?";
}

const char *
test_ev_str(const struct test_ev *ev, char *out, size_t size)
{
	const char *name;
	char *buf = out;
	int n;

	n = snprintf(buf, size, "E%d %s", ev->engine, kind_name(ev->kind));
	if (n < 0 || (size_t)n >= size)
		return out;
	size -= (size_t)n;
	buf += n;
	switch (ev->kind) {
	case EV_QUIESCE:
		snprintf(buf, size, " event=%#" PRIx64 " act=%#x ret=%#x",
		         ev->event, ev->action, ev->ret);
		break;
	case EV_SYSCALL_ENTRY:
		name = utrace_syscall_name(ev->arch, ev->nr);
		snprintf(buf, size,
		         " %s(%" PRId64 ") a0=%#" PRIx64 " a2=%#" PRIx64
		         " act=%#x ret=%#x",
		         name ? name : "?", ev->nr, ev->args[0], ev->args[2],
		         ev->action, ev->ret);
		break;
	case EV_SYSCALL_EXIT:
		name = utrace_syscall_name(ev->arch, ev->nr);
		snprintf(buf, size,
		         " %s(%" PRId64 ") rval=%" PRId64
		         " err=%d act=%#x ret=%#x",
		         name ? name : "?", ev->nr, ev->rval, ev->is_error,
		         ev->action, ev->ret);
		break;
	case EV_SIGNAL:
		snprintf(buf, size, " signo=%d code=%d act=%#x ret=%#x",
		         ev->signo, ev->code, ev->action, ev->ret);
		break;
	case EV_JCTL:
		snprintf(buf, size, " type=%d signo=%d act=%#x ret=%#x",
		         ev->code, ev->signo, ev->action, ev->ret);
		break;
	case EV_CLONE:
		snprintf(buf, size, " kind=%d child=%d act=%#x ret=%#x",
		         ev->code, (int)ev->other, ev->action, ev->ret);
		break;
	case EV_EXEC:
		snprintf(buf, size, " %s former=%d act=%#x ret=%#x", ev->str,
		         (int)ev->other, ev->action, ev->ret);
		break;
	case EV_EXIT:
		snprintf(buf, size, " status=%#x act=%#x ret=%#x", ev->status,
		         ev->action, ev->ret);
		break;
	case EV_DEATH:
		snprintf(buf, size, " status=%#x group_dead=%d", ev->status,
		         ev->group_dead);
		break;
	case EV_REAP:
	case EV_RELEASE:
		break;
	}
	return out;
}

const char *
test_log_dump_range(struct test_log *log, size_t from, size_t to)
{
	size_t n;
	size_t len = 0;
	size_t i;
	char line[256];

	pthread_mutex_lock(&log->lock);
	n = log->n;
	pthread_mutex_unlock(&log->lock);
	if (to > n)
		to = n;
	fx.dump[0] = '\0';
	len += (size_t)snprintf(fx.dump, sizeof(fx.dump),
	                        "event log: %zu entries%s, showing %zu..%zu\n",
	                        n, log->overflow ? " (overflow)" : "", from,
	                        to);
	for (i = from; i < to && len < sizeof(fx.dump) - 1; i++) {
		len += (size_t)snprintf(
			fx.dump + len, sizeof(fx.dump) - len,
			"  #%zu tid=%d %s\n", i, (int)log->ev[i].tid,
			test_ev_str(&log->ev[i], line, sizeof(line)));
	}
	return fx.dump;
}

const char *
test_log_dump(struct test_log *log)
{
	size_t n;

	pthread_mutex_lock(&log->lock);
	n = log->n;
	pthread_mutex_unlock(&log->lock);
	return test_log_dump_range(log, n > DUMP_LINES ? n - DUMP_LINES : 0, n);
}

/* ---- the recording engine ------------------------------------------- */

static bool
wants_log(const struct test_engine *te, const struct test_ev *ev)
{
	size_t i;

	if (te->quiet)
		return false;
	if (ev->kind == EV_QUIESCE)
		return !te->quiet_quiesce;
	if (ev->kind != EV_SYSCALL_ENTRY && ev->kind != EV_SYSCALL_EXIT)
		return true;
	if (te->n_nrs == 0)
		return true;
	for (i = 0; i < te->n_nrs; i++)
		if (te->nrs[i] == ev->nr)
			return true;
	return false;
}

static uint32_t
record(struct test_engine *te, struct utrace_engine *engine,
       struct utrace_task *task, struct test_ev *ev, void *payload,
       uint32_t ret)
{
	ev->engine = te->id;
	ev->tid = task ? utrace_task_tid(task) : 0;
	if (te->decide)
		ret = te->decide(te, engine, task, ev, payload, ret);
	ev->ret = ret;
	if (wants_log(te, ev))
		log_add(te->log, ev);
	return ret;
}

static uint32_t
cb_quiesce(uint32_t action, struct utrace_engine *engine,
           struct utrace_task *task, uint64_t event, void *data)
{
	struct test_ev ev = { .kind = EV_QUIESCE,
		              .action = action,
		              .event = event };

	return record(data, engine, task, &ev, NULL, UTRACE_RESUME);
}

static void
fill_syscall(struct test_ev *ev, const struct utrace_syscall *sc)
{
	ev->arch = sc->arch;
	ev->nr = sc->nr;
	memcpy(ev->args, sc->args, sizeof(ev->args));
	ev->rval = sc->rval;
	ev->is_error = sc->is_error;
}

static uint32_t
cb_syscall_entry(uint32_t action, struct utrace_engine *engine,
                 struct utrace_task *task, struct utrace_syscall *sc,
                 void *data)
{
	struct test_ev ev = { .kind = EV_SYSCALL_ENTRY, .action = action };

	fill_syscall(&ev, sc);
	return record(data, engine, task, &ev, sc,
	              UTRACE_RESUME | utrace_syscall_action(action));
}

static uint32_t
cb_syscall_exit(uint32_t action, struct utrace_engine *engine,
                struct utrace_task *task, struct utrace_syscall *sc, void *data)
{
	struct test_ev ev = { .kind = EV_SYSCALL_EXIT, .action = action };

	fill_syscall(&ev, sc);
	return record(data, engine, task, &ev, sc, UTRACE_RESUME);
}

static uint32_t
cb_signal(uint32_t action, struct utrace_engine *engine,
          struct utrace_task *task, siginfo_t *info, void *data)
{
	struct test_ev ev = { .kind = EV_SIGNAL, .action = action };

	if (info) {
		ev.signo = info->si_signo;
		ev.code = info->si_code;
	} else {
		ev.signo = -1;
	}
	return record(data, engine, task, &ev, info,
	              UTRACE_RESUME | utrace_signal_action(action));
}

static uint32_t
cb_jctl(uint32_t action, struct utrace_engine *engine, struct utrace_task *task,
        int type, int signo, void *data)
{
	struct test_ev ev = {
		.kind = EV_JCTL, .action = action, .code = type, .signo = signo
	};

	return record(data, engine, task, &ev, NULL, UTRACE_RESUME);
}

static uint32_t
cb_clone(uint32_t action, struct utrace_engine *engine,
         struct utrace_task *task, enum utrace_clone_kind kind,
         struct utrace_task *child, void *data)
{
	struct test_ev ev = { .kind = EV_CLONE,
		              .action = action,
		              .code = (int)kind };

	ev.other = child ? utrace_task_tid(child) : -1;
	return record(data, engine, task, &ev, child, UTRACE_RESUME);
}

static uint32_t
cb_exec(uint32_t action, struct utrace_engine *engine, struct utrace_task *task,
        const char *path, pid_t former_tid, void *data)
{
	struct test_ev ev = { .kind = EV_EXEC,
		              .action = action,
		              .other = former_tid };

	if (path)
		snprintf(ev.str, sizeof(ev.str), "%s", path);
	else
		snprintf(ev.str, sizeof(ev.str), "(null)");

	return record(data, engine, task, &ev, (void *)path, UTRACE_RESUME);
}

static uint32_t
cb_exit(uint32_t action, struct utrace_engine *engine, struct utrace_task *task,
        int status, void *data)
{
	struct test_ev ev = { .kind = EV_EXIT,
		              .action = action,
		              .status = status };

	return record(data, engine, task, &ev, NULL, UTRACE_RESUME);
}

static void
cb_death(struct utrace_engine *engine, struct utrace_task *task, int status,
         bool group_dead, void *data)
{
	struct test_ev ev = { .kind = EV_DEATH,
		              .status = status,
		              .group_dead = group_dead };

	(void)record(data, engine, task, &ev, NULL, 0);
}

static void
cb_reap(struct utrace_engine *engine, struct utrace_task *task, void *data)
{
	struct test_ev ev = { .kind = EV_REAP };

	(void)record(data, engine, task, &ev, NULL, 0);
}

static void
cb_release(void *data)
{
	struct test_engine *te = data;
	struct test_ev ev = { .kind = EV_RELEASE, .engine = te->id };

	__atomic_add_fetch(&te->releases, 1, __ATOMIC_SEQ_CST);
	log_add(te->log, &ev);
}

const struct utrace_engine_ops test_engine_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_quiesce = cb_quiesce,
	.report_syscall_entry = cb_syscall_entry,
	.report_syscall_exit = cb_syscall_exit,
	.report_signal = cb_signal,
	.report_jctl = cb_jctl,
	.report_clone = cb_clone,
	.report_exec = cb_exec,
	.report_exit = cb_exit,
	.report_death = cb_death,
	.report_reap = cb_reap,
	.release = cb_release,
};

struct test_engine *
test_engine_new(int id, test_decide_fn decide)
{
	struct test_engine *te;

	ck_assert_msg(fx.n_engines < MAX_ENGINES, "engine pool exhausted");
	te = &fx.engines[fx.n_engines++];
	memset(te, 0, sizeof(*te));
	te->id = id;
	te->log = &fx.log;
	te->decide = decide;
	return te;
}

void
test_engine_only_nrs(struct test_engine *te, const int64_t *nrs)
{
	te->n_nrs = 0;
	for (; *nrs != -1; nrs++) {
		ck_assert(te->n_nrs < TEST_MAX_NRS);
		te->nrs[te->n_nrs++] = *nrs;
	}
}

struct utrace_engine *
test_attach(struct utrace_task *task, struct test_engine *te, uint64_t events)
{
	struct utrace_engine *engine = NULL;
	int r;

	r = utrace_attach_task(task, UTRACE_ATTACH_CREATE, &test_engine_ops, te,
	                       &engine);
	ck_assert_msg(r == 0, "utrace_attach_task(E%d): %d (%s)", te->id, r,
	              strerror(-r));
	ck_assert(engine != NULL);
	te->engine = engine;
	te->task = task;
	r = utrace_set_events(task, engine, events);
	ck_assert_msg(r == 0, "utrace_set_events(E%d, %#" PRIx64 "): %d (%s)",
	              te->id, events, r, strerror(-r));
	return engine;
}

int
test_releases(struct test_engine *te)
{
	return __atomic_load_n(&te->releases, __ATOMIC_SEQ_CST);
}

/* ---- contexts, tracees, descriptors ---------------------------------- */

struct utrace *
test_new(const struct utrace_opts *opts)
{
	struct utrace *u = NULL;
	size_t i;
	int r;

	r = utrace_new(opts, &u);
	ck_assert_msg(r == 0, "utrace_new: %d (%s)", r, strerror(-r));
	ck_assert(u != NULL);
	for (i = 0; i < MAX_CTX; i++) {
		if (!fx.ctx[i]) {
			fx.ctx[i] = u;
			return u;
		}
	}
	utrace_free(u);
	ck_abort_msg("too many contexts");
	return NULL;
}

void
test_free(struct utrace *u)
{
	size_t i;

	for (i = 0; i < MAX_CTX; i++)
		if (fx.ctx[i] == u)
			fx.ctx[i] = NULL;
	utrace_free(u);
}

const char *
test_helper(const char *name)
{
	const char *dir = getenv("UTRACE_TEST_HELPERS");

	ck_assert_msg(
		dir != NULL && *dir,
		"UTRACE_TEST_HELPERS is not set (run through meson test)");
	snprintf(fx.helper, sizeof(fx.helper), "%s/%s", dir, name);
	return fx.helper;
}

void
test_track_pid(pid_t pid)
{
	ck_assert(fx.n_pids < MAX_PIDS);
	fx.pids[fx.n_pids++] = pid;
}

int
test_spawn_argv(struct utrace *u, char *const argv[],
                struct utrace_task **ret_task)
{
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		.flags = UTRACE_SPAWN_EXITKILL,
	};
	int r;

	r = utrace_spawn(u, argv, NULL, &opts, ret_task);
	if (r == 0)
		test_track_pid(utrace_task_tid(*ret_task));
	return r;
}

struct utrace_task *
test_spawn(struct utrace *u, ...)
{
	char *argv[64];
	struct utrace_task *task = NULL;
	size_t n = 0;
	va_list ap;
	const char *arg;
	int r;

	argv[n++] = (char *)test_helper("tracee-ops");
	va_start(ap, u);
	while ((arg = va_arg(ap, const char *))) {
		ck_assert(n < 63);
		argv[n++] = (char *)arg;
	}
	va_end(ap);
	argv[n] = NULL;
	r = test_spawn_argv(u, argv, &task);
	ck_assert_msg(r == 0, "utrace_spawn(%s): %d (%s)", argv[0], r,
	              strerror(-r));
	ck_assert(task != NULL);
	ck_assert_int_gt(utrace_task_tid(task), 0);
	return task;
}

void
test_start(struct utrace_task *task)
{
	int r = utrace_task_start(task);

	ck_assert_msg(r == 0, "utrace_task_start: %d (%s)", r, strerror(-r));
}

int
test_wait(struct utrace_task *task)
{
	int status = -1;
	int r = utrace_task_wait(task, &status);

	ck_assert_msg(r == 0, "utrace_task_wait: %d (%s)\n%s", r, strerror(-r),
	              test_log_dump(&fx.log));
	return status;
}

const char *
test_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	ck_assert(fx.n_strs < MAX_STRS);
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert(r >= 0);
	fx.strs[fx.n_strs++] = s;
	return s;
}

static void
track_fd(int fd)
{
	size_t i;

	for (i = 0; i < MAX_FDS; i++) {
		if (fx.fds[i] < 0) {
			fx.fds[i] = fd;
			return;
		}
	}
	ck_abort_msg("too many descriptors");
}

void
test_pipe(int p[2], int inherit)
{
	ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));
	track_fd(p[0]);
	track_fd(p[1]);
	if (inherit == 0 || inherit == 1)
		ck_assert(fcntl(p[inherit], F_SETFD, 0) == 0);
}

void
test_close(int fd)
{
	size_t i;

	for (i = 0; i < MAX_FDS; i++)
		if (fx.fds[i] == fd)
			fx.fds[i] = -1;
	ck_assert_msg(close(fd) == 0, "close(%d): %s", fd, strerror(errno));
}

const char *
test_read_all(int fd)
{
	struct timespec start;
	struct timespec now;
	size_t len = 0;
	int ms = test_wait_ms();

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
		             (now.tv_nsec - start.tv_nsec) / 1000000);
		ck_assert_msg(left > 0,
		              "no EOF on the report pipe; read so far: '%.*s'",
		              (int)len, fx.read_buf);
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r >= 0, "poll: %s", strerror(errno));
		if (r == 0)
			continue;
		r = read(fd, fx.read_buf + len, sizeof(fx.read_buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r >= 0, "read: %s", strerror(errno));
		if (r == 0)
			break;
		len += (size_t)r;
		ck_assert(len < sizeof(fx.read_buf) - 1);
	}
	fx.read_buf[len] = '\0';
	test_close(fd);
	return fx.read_buf;
}

const char *
test_read_line(int fd)
{
	static char line[4096];
	size_t len = 0;
	int ms = test_wait_ms();

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		char c;

		r = poll(&pfd, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r > 0, "no line on fd %d; read so far: '%.*s'",
		              fd, (int)len, line);
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r == 1,
		              "EOF or error on fd %d; read so far: '%.*s'", fd,
		              (int)len, line);
		if (c == '\n')
			break;
		ck_assert(len < sizeof(line) - 1);
		line[len++] = c;
	}
	line[len] = '\0';
	return line;
}

int
test_parse_report(const char *line, const char *word, long *nums, int max)
{
	size_t len = strlen(word);
	const char *p;
	int n = 0;

	if (strncmp(line, word, len) != 0)
		return -1;
	p = line + len;
	if (*p && *p != ' ' && *p != '\n')
		return -1;
	while (n < max && *p == ' ' && test_parse_long(p, &nums[n], &p))
		n++;
	return n;
}

char
test_proc_state(pid_t tid)
{
	char path[64];
	char buf[1024];
	char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return '?';
	return p[2];
}

void
test_in_child(void (*fn)(void *arg, int *rc), void *arg, int *rc)
{
	const ssize_t size = TEST_CHILD_RCS * sizeof(*rc);
	int p[2];
	pid_t pid;
	int status;
	int i;

	for (i = 0; i < TEST_CHILD_RCS; i++)
		rc[i] = 12345;
	test_pipe(p, -1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Bounded even if a call hangs; ends by SIGKILL so that no
		 * exit handler runs (a leak checker would judge the heap it
		 * inherited). */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(20);
		fn(arg, rc);
		if (write(p[1], rc, (size_t)size) != size)
			_exit(2);
		(void)kill(getpid(), SIGKILL);
		_exit(3);
	}
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "the forked child ended with status %#x", status);
	ck_assert_msg(read(p[0], rc, (size_t)size) == size,
	              "the forked child reported nothing");
	test_close(p[0]);
	test_close(p[1]);
}

int
test_drop_privileges(void)
{
	if (getuid() == 0 &&
	    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
		return -1000;
	return 0;
}

void *
test_on_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *ret = NULL;
	int r;

	r = pthread_create(&t, NULL, fn, arg);
	ck_assert_msg(r == 0, "pthread_create: %s", strerror(r));
	r = pthread_join(t, &ret);
	ck_assert_msg(r == 0, "pthread_join: %s", strerror(r));
	return ret;
}

/* ---- process trees ---------------------------------------------------- */

struct control_call {
	struct utrace_task *task;
	struct utrace_engine *engine;
	enum utrace_resume_action action;
	int rc;
};

static void *
control_thread(void *arg)
{
	struct control_call *c = arg;

	c->rc = utrace_control(c->task, c->engine, c->action);
	return NULL;
}

int
test_control_from_thread(struct utrace_task *task, struct utrace_engine *engine,
                         enum utrace_resume_action action)
{
	struct control_call c = { task, engine, action, 12345 };

	test_on_thread(control_thread, &c);
	return c.rc;
}

long
test_tracer_pid(pid_t tid)
{
	char path[64];
	char line[256];
	long tracer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (test_parse_field(line, "TracerPid:", &tracer))
			break;
	fclose(f);
	return tracer;
}

char
test_wait_state(pid_t tid, const char *states)
{
	struct timespec start;
	struct timespec now;
	int ms = test_wait_ms();
	char state;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		state = test_proc_state(tid);
		if (strchr(states, state))
			return state;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
		            (now.tv_nsec - start.tv_nsec) / 1000000 >
		    ms)
			return 0;
		/* No delay: hand the CPU to the task that is to get there. */
		(void)sched_yield();
	}
}

pid_t
test_fork_helper(const char *name, ...)
{
	char *argv[64];
	const char *arg;
	va_list ap;
	pid_t pid;
	size_t n = 0;

	argv[n++] = (char *)test_fmt("%s", test_helper(name));
	va_start(ap, name);
	while ((arg = va_arg(ap, const char *))) {
		ck_assert(n < 63);
		argv[n++] = (char *)arg;
	}
	va_end(ap);
	argv[n] = NULL;
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], argv);
		_exit(127);
	}
	test_track_pid(pid);
	return pid;
}

int
test_reap(pid_t pid)
{
	int status = -1;
	pid_t r;

	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	ck_assert_msg(r == pid, "waitpid(%d): %d (%s)", (int)pid, (int)r,
	              r < 0 ? strerror(errno) : "");
	return status;
}

size_t
test_thread_states(pid_t pid, char *out, size_t size)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)) && n + 1 < size) {
			long tid;

			/* Also skips "." and "..". */
			if (!test_parse_long(de->d_name, &tid, NULL))
				continue;
			out[n++] = test_proc_state((pid_t)tid);
		}
		closedir(d);
	}
	out[n] = '\0';
	return n;
}

void
test_expect_quiet(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec start;
	struct timespec now;
	long left;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
		             (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r == 0, "fd %d became readable (the tracee ran)",
		              fd);
		return;
	}
}
