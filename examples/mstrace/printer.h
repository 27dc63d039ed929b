/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The printer engine: one strace-like line per system call, signal and
 * group stop, and the "+++ exited with N +++" line at the task's death.
 * It only looks: it passes on every disposition it is given.
 */
#ifndef MSTRACE_PRINTER_H
#define MSTRACE_PRINTER_H

#include <stdio.h>

#include <utrace/utrace.h>

#include "filter.h"

struct printer;

/* A printer writing to @out the calls in @filter (both borrowed: they
 * must outlive the printer).  NULL when out of memory. */
struct printer *printer_new(FILE *out, const struct filter *filter);

/* Attach the printer to @task as a new engine.  Returns 0 or a negative
 * errno from the library. */
int printer_attach(struct printer *p, struct utrace_task *task);

/* Free a printer whose engines no longer run (their task was reaped, or
 * the context freed).  Takes NULL. */
void printer_free(struct printer *p);

#endif /* MSTRACE_PRINTER_H */
