/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The counter engine (-c, -C): calls, errors and time per system call,
 * printed as strace's summary table.  The time of a call is the CPU time
 * the program spent from the entry report to the exit report (strace's
 * "system time"), or the wall time with -w.  It only looks: it passes on
 * every disposition it is given.
 */
#ifndef MSTRACE_COUNTER_H
#define MSTRACE_COUNTER_H

#include <stdbool.h>
#include <stdio.h>

#include <utrace/utrace.h>

#include "attach.h"
#include "filter.h"

struct counter;

/* A counter of the calls in @filter (borrowed: it must outlive the
 * counter); @wall_time for -w.  NULL when out of memory. */
struct counter *counter_new(const struct filter *filter, bool wall_time);

/* Attach the counter to @task as a new engine.  Returns 0 or a negative
 * errno from the library. */
int counter_attach(struct counter *c, struct utrace_task *task,
                   const struct attach_opts *opts);

/* Print the summary table (nothing if no call was counted).  Call it once
 * the tasks are reaped, when no callback of the counter can run. */
void counter_print(const struct counter *c, FILE *out);

/* Free a counter whose engines no longer run.  Takes NULL. */
void counter_free(struct counter *c);

#endif /* MSTRACE_COUNTER_H */
