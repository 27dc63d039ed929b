/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The printer engine: one strace line per system call, signal and group
 * stop, and "+++ exited with N +++" at the task's death.  It only looks:
 * it passes on every disposition it is given.
 *
 * It is two engines on each task.  The main one is attached first, so
 * that at a syscall entry (engines run newest first) it is the last to
 * hear the call and sees it as the other engines left it, including a
 * call they aborted (printed "(INJECTED)").  The signal one is attached
 * last, so that it prints a signal as it will be delivered, after the
 * other engines edited it.
 */
#ifndef MSTRACE_PRINTER_H
#define MSTRACE_PRINTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <utrace/utrace.h>

#include "filter.h"

enum printer_time {
	PRINTER_TIME_NONE = 0,
	PRINTER_TIME_SECONDS = 1,      /* -t: 12:34:56 */
	PRINTER_TIME_MICROSECONDS = 2, /* -tt: 12:34:56.123456 */
	PRINTER_TIME_EPOCH = 3,        /* -ttt: 1700000000.123456 */
};

struct printer_opts {
	FILE *out;
	/* Both borrowed: they must outlive the printer. */
	const struct filter *calls;
	const struct sigfilter *signals;
	/* -s */
	unsigned strsize;
	enum printer_time time;
	/* -T */
	bool call_times;
	/* -q count: 2 or more hides the exit lines. */
	unsigned quiet;
	/* Prefix lines with "[pid N] " while more than one task lives
	 * (set when following children). */
	bool pid_prefix;
};

struct printer;
/* The printer's state on one task. */
struct printer_task;

/* NULL when out of memory. */
struct printer *printer_new(const struct printer_opts *opts);

/* Attach the main engine to @task; call it before the other engines.
 * *@ret_pt is the printer's state on @task for printer_attach_signals(),
 * valid while @task is held (spawned and not started, or in a callback).
 * Returns 0 or a negative errno from the library. */
int printer_attach(struct printer *p, struct utrace_task *task,
                   struct printer_task **ret_pt);

/* Attach the signal engine to @task; call it after the other engines. */
int printer_attach_signals(struct printer_task *pt, struct utrace_task *task);

/* The program was spawned by utrace_spawn(), which ran its execve before
 * any engine was attached: print that call as strace prints it, with
 * @path, @argv and the @envc variables of @envp, once its exit is seen
 * (@err 0), or at once if it failed (@err a negative errno). */
void printer_spawned(struct printer *p, const char *path, char *const argv[],
                     const void *envp, unsigned envc, int err);

/* Print "+++ exited with @code +++" for a program that never ran. */
void printer_exit_line(struct printer *p, int code);

/* Free a printer whose engines no longer run (their task was reaped, or
 * the context freed).  Takes NULL. */
void printer_free(struct printer *p);

#endif /* MSTRACE_PRINTER_H */
