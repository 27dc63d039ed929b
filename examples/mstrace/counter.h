/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The counter engine (-c, -C): calls, errors and time per system call,
 * printed as strace's summary table.  Time is wall time from the entry
 * report to the exit report.  It only looks: it passes on every
 * disposition it is given.
 */
#ifndef MSTRACE_COUNTER_H
#define MSTRACE_COUNTER_H

#include <stdio.h>

#include <utrace/utrace.h>

#include "filter.h"

struct counter;

/* A counter of the calls in @filter (borrowed: it must outlive the
 * counter).  NULL when out of memory. */
struct counter *counter_new(const struct filter *filter);

/* Attach the counter to @task as a new engine.  Returns 0 or a negative
 * errno from the library. */
int counter_attach(struct counter *c, struct utrace_task *task);

/* Print the summary table.  Call it once the task is reaped, when no
 * callback of the counter can run. */
void counter_print(const struct counter *c, FILE *out);

/* Free a counter whose engines no longer run.  Takes NULL. */
void counter_free(struct counter *c);

#endif /* MSTRACE_COUNTER_H */
