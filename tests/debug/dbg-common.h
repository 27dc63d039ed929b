/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared pieces of the debugger tests: spawning tests/debug/tracee-dbg
 * with a report pipe, reading its lines, the recording engine of
 * test-common with a report_breakpoint callback added, and raw reads of a
 * process's memory that bypass the library.
 */
#ifndef UTRACE_DBG_COMMON_H
#define UTRACE_DBG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <utrace/utrace.h>

#include "test-common.h"

/* Argument of the marker:N system call (getpgid) of tracee-dbg. */
#define DBG_MARKER(n) (TEST_MARKER + (n))
#define DBG_NR_GETPGID 121
#define DBG_NR_GETPID 39

/*
 * Spawn tracee-dbg with "-r FD" and the operations (NULL-terminated);
 * *@ret_fd is the read end of its report pipe.  The task is held until
 * utrace_task_start(); its reference is put by dbg_put_all().
 */
struct utrace_task *dbg_spawn(struct utrace *u, int *ret_fd, ...);

/* Put every reference dbg_spawn() and dbg_attach() handed out (also
 * those of earlier tests that failed); call at the end of a test. */
void dbg_put_all(void);

/* Read lines from @fd until one starts with @prefix and a space; returns
 * the rest of that line (in a fixture buffer). */
const char *dbg_line(int fd, const char *prefix);

/* The @i-th (from 0) space-separated field of @s, as a number (strtoull
 * base 0) or hex without 0x (dbg_field_hex). */
uint64_t dbg_field(const char *s, int i);
uint64_t dbg_field_hex(const char *s, int i);

/* Where dbg_run() sends the program's standard error. */
enum dbg_run_err {
	DBG_RUN_ERR_KEEP = 0, /* the test's */
	DBG_RUN_ERR_OUT = 1,  /* with the output */
	DBG_RUN_ERR_NULL = 2, /* /dev/null */
};

/*
 * Run @argv (@argv[0] searched in PATH as by execvp()), untraced and
 * without a shell, standard input /dev/null; its output is read to EOF
 * (bounded wait, as by test_read_all()) into *@ret_out (a fixture string).
 * Returns its wait status, or -errno if it could not be started
 * (*@ret_out is "" then).
 */
int dbg_run(char *const argv[], enum dbg_run_err err, const char **ret_out);

/* Bytes of @pid's memory read through /proc/<pid>/mem, not the library;
 * asserts all could be read. */
void dbg_raw_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/*
 * The recording engine of test-common (struct test_engine as data) plus
 * report_breakpoint and report_watchpoint: they count hits in te->hits
 * and answer what te->priv (a dbg_bp_fn) returns, or UTRACE_RESUME when
 * it is NULL.
 */
typedef uint32_t (*dbg_bp_fn)(struct test_engine *te,
                              struct utrace_engine *engine,
                              struct utrace_task *task, uint64_t addr);

/* Attach @te with dbg_ops and @flags (CREATE is added), set @events;
 * asserts both work.  Returns the engine (kept in te->engine; its
 * reference is put by dbg_put_all()). */
struct utrace_engine *dbg_attach(struct utrace_task *task,
                                 struct test_engine *te, int flags,
                                 uint64_t events);

/* Limit @engine's syscall reports to call @nr (native); asserts. */
void dbg_only_syscall(struct utrace_task *task, struct utrace_engine *engine,
                      int64_t nr);

/* te->hits, read atomically. */
int dbg_hits(struct test_engine *te);

/* Decide function: holds (UTRACE_STOP) at the entry of marker:N for N in
 * te->rc[1] (a bit mask of N), but not at the entry report repeated after
 * the release; else the default answer. */
uint32_t dbg_hold_markers(struct test_engine *te, struct utrace_engine *engine,
                          struct utrace_task *task, const struct test_ev *ev,
                          void *payload, uint32_t ret);

/* Wait until the engine of @te holds @task at marker:@n (entry). */
void dbg_wait_marker(struct test_engine *te, int n);

#endif /* UTRACE_DBG_COMMON_H */
