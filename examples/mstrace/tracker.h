/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracker engine: keeps the list of traced tasks, in the order they
 * were attached, for the "[pid N] " prefixes (how many live), for
 * strace's "Process N attached" and "Process N detached" messages, and to
 * tell the main thread when the last one is gone.  It only looks.
 */
#ifndef MSTRACE_TRACKER_H
#define MSTRACE_TRACKER_H

#include <stdbool.h>
#include <sys/types.h>

#include <utrace/utrace.h>

#include "attach.h"
#include "output.h"

struct tracker;

/* A tracker counting in @o->live; @quiet hides the messages (on
 * stderr).  NULL when out of memory or out of file descriptors. */
struct tracker *tracker_new(struct output *o, bool quiet);

/* Attach the tracker to @task, before the other engines; @seized for a
 * task of utrace_seize() ("detached" is said of those and of their
 * children).  Returns 0 or a negative errno from the library. */
int tracker_attach(struct tracker *t, struct utrace_task *task,
                   const struct attach_opts *opts, bool seized);

/* The exit status of the process spawned (the task attached with
 * @seized false), taken when its last thread died: the spawned task's own
 * status is not the process's when another thread called execve.  False
 * if it was not seen.  Call it once no callback can run any more. */
bool tracker_root_status(const struct tracker *t, int *ret_status);

/* A file descriptor that becomes readable when the last task is gone. */
int tracker_fd(const struct tracker *t);

/* "Process N detached" for each task still traced.  Call it once no
 * callback can run any more. */
void tracker_say_detached(const struct tracker *t);

void tracker_free(struct tracker *t);

#endif /* MSTRACE_TRACKER_H */
