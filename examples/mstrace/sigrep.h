/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signal reporter engine: "--- SIGx {...} ---" for each signal
 * delivered and "--- stopped by SIGx ---" for each group stop.  It only
 * looks.  It is attached last, so that it prints a signal as it will be
 * delivered, after the other engines edited it.
 */
#ifndef MSTRACE_SIGREP_H
#define MSTRACE_SIGREP_H

#include <utrace/utrace.h>

#include "attach.h"
#include "filter.h"
#include "output.h"

struct sigrep;

/* A reporter of the signals in @signals to @out (both borrowed).  NULL
 * when out of memory. */
struct sigrep *sigrep_new(struct output *out, const struct sigfilter *signals);

/* Attach the reporter to @task, after the other engines.  Returns 0 or a
 * negative errno from the library. */
int sigrep_attach(struct sigrep *s, struct utrace_task *task,
                  const struct attach_opts *opts);

/* Free a reporter whose engines no longer run.  Takes NULL. */
void sigrep_free(struct sigrep *s);

#endif /* MSTRACE_SIGREP_H */
