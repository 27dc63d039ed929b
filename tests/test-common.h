/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared test machinery: the Check main, a per-test fixture that cleans up
 * contexts, tracees and descriptors, an engine that records every callback
 * into a log, and helpers to spawn the tracee program tests/helpers/
 * tracee-ops with a list of operations.
 *
 * Callbacks run on the library's tracer thread: they never call ck_assert
 * (a failing assertion there would exit from the wrong thread); they record,
 * and the test thread asserts on the record.
 */
#ifndef UTRACE_TEST_COMMON_H
#define UTRACE_TEST_COMMON_H

#ifdef NDEBUG
#error "the tests rely on assert(); build them without NDEBUG"
#endif

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <utrace/utrace.h>

#include "helpers/parse.h"

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH 0xc000003eu /* AUDIT_ARCH_X86_64 */
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH 0xc00000b7u /* AUDIT_ARCH_AARCH64 */
#endif

/* Per-test Check timeout in seconds (scaled by CK_TIMEOUT_MULTIPLIER). */
#define TEST_TIMEOUT 20

int test_main(Suite *(*suite_fn)(void));

#define TEST_MAIN(suite_fn)                 \
	int main(void)                      \
	{                                   \
		return test_main(suite_fn); \
	}

/* A TCase with the shared fixture and timeout, added to @s. */
TCase *test_tcase(Suite *s, const char *name);

/* Setup and teardown of every test (test_tcase() installs them). */
void test_setup(void);
void test_teardown(void);

/* ---- the event log -------------------------------------------------- */

enum test_ev_kind {
	EV_QUIESCE = 1,
	EV_SYSCALL_ENTRY,
	EV_SYSCALL_EXIT,
	EV_SIGNAL,
	EV_JCTL,
	EV_CLONE,
	EV_EXEC,
	EV_EXIT,
	EV_DEATH,
	EV_REAP,
	EV_RELEASE,
};

/* One callback as the engine saw it (before it changed anything). */
struct test_ev {
	int engine; /* test_engine.id */
	enum test_ev_kind kind;
	pid_t tid;       /* utrace_task_tid() of the task */
	uint32_t action; /* the action passed in */
	uint32_t ret;    /* what the callback returned */
	uint64_t event;  /* quiesce: the event */
	uint32_t arch;   /* syscall */
	int64_t nr;
	uint64_t args[6];
	int64_t rval;
	bool is_error;
	int signo;       /* signal: si_signo; jctl: signo */
	int code;        /* signal: si_code; jctl: type; clone: kind */
	int status;      /* exit, death */
	bool group_dead; /* death */
	pid_t other;     /* clone: child tid; exec: former tid */
	char str[128];   /* exec: the path */
};

#define TEST_LOG_MAX 4096

/* Append-only: entries below n never change once published. */
struct test_log {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t n;
	bool overflow;
	struct test_ev ev[TEST_LOG_MAX];
};

/* The fixture's log (reset before every test). */
struct test_log *test_log(void);

#define TEST_ANY INT64_MIN

/*
 * Whether @ev matches: @engine 0 is any engine; @key TEST_ANY is any,
 * otherwise it is compared with the syscall number (syscall events), the
 * signal (signal), the type (jctl) or the event (quiesce).
 */
bool test_ev_match(const struct test_ev *ev, int engine, enum test_ev_kind kind,
                   int64_t key);

/* Number of published entries (a barrier for reading log->ev[]). */
size_t test_log_n(struct test_log *log);

/* Number of matching entries. */
size_t test_log_count(struct test_log *log, int engine, enum test_ev_kind kind,
                      int64_t key);

/* Index of the first matching entry at or after @from, or -1. */
long test_log_find(struct test_log *log, size_t from, int engine,
                   enum test_ev_kind kind, int64_t key);

/*
 * Wait (bounded by test_wait_ms()) until @count matching entries exist.
 * Returns whether they do.
 */
bool test_log_wait(struct test_log *log, int engine, enum test_ev_kind kind,
                   int64_t key, size_t count);

/* Wake test_log_wait*() callers (for tests that wait on their own state). */
void test_log_kick(struct test_log *log);

/*
 * Wait (bounded) until @pred(@arg) holds; @pred runs with the log locked,
 * and is re-evaluated whenever an entry is added or test_log_kick() runs.
 */
bool test_log_wait_pred(struct test_log *log, bool (*pred)(void *), void *arg);

/* The log as text (the last 90 entries, or entries [@from, @to)), in a
 * fixture buffer that fits a Check message. */
const char *test_log_dump(struct test_log *log);
const char *test_log_dump_range(struct test_log *log, size_t from, size_t to);
/* One entry as text, into @out. */
const char *test_ev_str(const struct test_ev *ev, char *out, size_t size);

/* ---- the recording engine ------------------------------------------- */

struct test_engine;

/*
 * Called by every callback after the event was filled in.  @payload is the
 * struct utrace_syscall (syscall events), the siginfo_t (signal) or the
 * child task (clone).  @ret is the default answer: UTRACE_RESUME plus the
 * incoming disposition (a neutral engine).  Returns the answer.
 */
typedef uint32_t (*test_decide_fn)(struct test_engine *te,
                                   struct utrace_engine *engine,
                                   struct utrace_task *task,
                                   const struct test_ev *ev, void *payload,
                                   uint32_t ret);

#define TEST_MAX_NRS 8

struct test_engine {
	int id;
	struct test_log *log;
	test_decide_fn decide;
	/* If n_nrs > 0, syscall events for other numbers are not logged
	 * (decide is still called). */
	int64_t nrs[TEST_MAX_NRS];
	size_t n_nrs;
	/* Do not log quiesce reports. */
	bool quiet_quiesce;
	/* Log nothing (decide is still called). */
	bool quiet;

	/* For the test's own use. */
	struct utrace_engine *engine;
	struct utrace_task *task;
	void *priv;
	int state;
	int rc[8];
	int hits;

	/* Counted atomically by release(). */
	int releases;
};

extern const struct utrace_engine_ops test_engine_ops;

/* A recording engine from the fixture's pool, logging to test_log(). */
struct test_engine *test_engine_new(int id, test_decide_fn decide);

/* Log only these syscalls: test_engine_only(te, SYS_getppid, ...). */
#define test_engine_only(te, ...) \
	test_engine_only_nrs(te, (const int64_t[]){ __VA_ARGS__, -1 })
void test_engine_only_nrs(struct test_engine *te, const int64_t *nrs);

/*
 * Attach @te to @task (UTRACE_ATTACH_CREATE) and set @events; asserts both
 * succeed.  Returns the engine (a new reference, also kept in te->engine).
 */
struct utrace_engine *test_attach(struct utrace_task *task,
                                  struct test_engine *te, uint64_t events);

int test_releases(struct test_engine *te);

/* ---- contexts, tracees, descriptors ---------------------------------- */

/* utrace_new(); asserts success; freed by the fixture if the test fails. */
struct utrace *test_new(const struct utrace_opts *opts);
/* utrace_free() a context from test_new(). */
void test_free(struct utrace *u);

/* Path of a helper program, in a buffer owned by the fixture. */
const char *test_helper(const char *name);

/*
 * Spawn tracee-ops with the given operations (NULL-terminated list) with
 * UTRACE_SPAWN_EXITKILL; asserts success.  The task is a new reference.
 */
struct utrace_task *test_spawn(struct utrace *u, ...);
/* Same for a ready argv; returns utrace_spawn()'s result. */
int test_spawn_argv(struct utrace *u, char *const argv[],
                    struct utrace_task **ret_task);

/* Remember a tracee pid so that the fixture can find a leftover. */
void test_track_pid(pid_t pid);

/* utrace_task_start(); asserts success. */
void test_start(struct utrace_task *task);
/* utrace_task_wait(); asserts success; returns the wait status. */
int test_wait(struct utrace_task *task);

/* printf into a string owned by the fixture. */
const char *test_fmt(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * A pipe, both ends O_CLOEXEC except end @inherit (0 read, 1 write, -1
 * none), for a tracee to use.  Closed by the fixture unless test_close()d.
 */
void test_pipe(int p[2], int inherit);
void test_close(int fd);

/* Read @fd up to EOF (bounded wait) into a fixture buffer; closes @fd. */
const char *test_read_all(int fd);
/* Read one line (bounded wait), without the newline, into a fixture buffer. */
const char *test_read_line(int fd);
/*
 * The numbers of the tracee report "@word N..." that starts @line (more
 * lines may follow it), at most @max of them, into @nums.  Returns how
 * many, or -1 if @line does not start with a @word report.
 */
int test_parse_report(const char *line, const char *word, long *nums, int max);

/* The state letter of /proc/<tid>/stat, or '?' */
char test_proc_state(pid_t tid);

/* Number of open descriptors of this process. */
int test_count_fds(void);

/* Bound for every wait in the tests, in milliseconds. */
int test_wait_ms(void);

#define TEST_CHILD_RCS 12

/*
 * Run @fn(@arg, @rc) in a forked child of the test (which may change its
 * uid and limits; it must not trace anything) and pass back the
 * TEST_CHILD_RCS ints it stores in @rc (preset to 12345).
 */
void test_in_child(void (*fn)(void *arg, int *rc), void *arg, int *rc);

/* In a forked child: leave root (uid and gid 65534, no groups), so that
 * limits and ptrace permission checks apply.  0 or -1000. */
int test_drop_privileges(void);

/* Run @fn(@arg) on a new thread and join it. */
void *test_on_thread(void *(*fn)(void *), void *arg);

/* ---- process trees ---------------------------------------------------- */

/* Base of the argument of tracee-ops' marker:N call (getpgid). */
#define TEST_MARKER 0x40000000L

/* utrace_control() made from a new host thread; returns its result. */
int test_control_from_thread(struct utrace_task *task,
                             struct utrace_engine *engine,
                             enum utrace_resume_action action);

/* TracerPid of /proc/<tid>/status, or -1 if the thread is gone. */
long test_tracer_pid(pid_t tid);

/*
 * Wait (bounded) until the state letter of @tid is one of @states ('?'
 * matches a thread that is gone).  Only for kernel states that nothing
 * announces (a vfork parent in 'D', a thread asleep in read() 'S', a
 * zombie leader 'Z', a group stop kept after detach 'T'): it re-reads
 * /proc, yielding the CPU in between, never sleeping for a set time.
 * Returns the state seen if it matched, else 0.
 */
char test_wait_state(pid_t tid, const char *states);

/*
 * Fork and execute helper @name with the arguments (NULL-terminated),
 * untraced, as a child of the test (PR_SET_PDEATHSIG SIGKILL, tracked for
 * the fixture); returns its pid.
 */
pid_t test_fork_helper(const char *name, ...);

/* waitpid() for a child of the test; returns the status. */
int test_reap(pid_t pid);

/* The state letters of every thread of @pid (NUL-terminated, at most
 * @size - 1 of them), from /proc/<pid>/task; returns how many. */
size_t test_thread_states(pid_t pid, char *out, size_t size);

/* Assert that nothing can be read from @fd for @ms milliseconds. */
void test_expect_quiet(int fd, int ms);

#endif /* UTRACE_TEST_COMMON_H */
