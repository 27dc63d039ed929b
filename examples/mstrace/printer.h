/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The printer engine: one strace line per system call, and "+++ exited
 * with N +++" at each task's death.  It only looks: it passes on every
 * disposition it is given.  Signals are the signal reporter's (sigrep.h).
 *
 * It is attached before the engines that change calls, so that at a
 * syscall entry (engines run newest first) it is the last to hear the
 * call and sees it as the other engines left it, including a call they
 * aborted (printed "(INJECTED)").
 */
#ifndef MSTRACE_PRINTER_H
#define MSTRACE_PRINTER_H

#include <stdbool.h>
#include <stdint.h>

#include <utrace/utrace.h>

#include "attach.h"
#include "filter.h"
#include "output.h"

struct printer_opts {
	/* All borrowed: they must outlive the printer. */
	struct output *out;
	const struct filter *calls;
	/* -s */
	unsigned strsize;
	/* -T */
	bool call_times;
	/* -q count: 2 or more hides the exit lines. */
	unsigned quiet;
};

struct printer;

/* NULL when out of memory. */
struct printer *printer_new(const struct printer_opts *opts);

/* Attach the printer to @task; call it before the engines that change
 * calls.  Returns 0 or a negative errno from the library. */
int printer_attach(struct printer *p, struct utrace_task *task,
                   const struct attach_opts *opts);

/* The program was spawned by utrace_spawn(), which ran its execve before
 * any engine was attached: print that call as strace prints it, with
 * @path, @argv and the @envc variables of @envp, once its exit is seen
 * (@err 0), or at once if it failed (@err a negative errno). */
void printer_spawned(struct printer *p, const char *path, char *const argv[],
                     const void *envp, unsigned envc, int err);

/* The spawned program @tid has run its execve, whose exit will not be
 * reported (a task spawned with a seccomp filter): print it now. */
void printer_spawn_done(struct printer *p, pid_t tid);

/* Print "+++ exited with @code +++" for a program that never ran. */
void printer_exit_line(struct printer *p, int code);

/* Free a printer whose engines no longer run (their tasks were reaped,
 * or the context freed).  Takes NULL. */
void printer_free(struct printer *p);

#endif /* MSTRACE_PRINTER_H */
