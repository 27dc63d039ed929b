/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fault injector (-e inject=, -e fault=): one engine per rule.  At the
 * entry of a call in its set, on the invocations its "when" selects, it
 * aborts the call with an error or a return value, and/or sends the
 * program a signal.
 *
 * Rules are attached in command-line order.  At a syscall entry engines
 * run newest first, and a rule never overrides a call that an engine
 * called before it aborted: when several rules fire on the same call, the
 * one given last wins, as with strace.  Each rule counts the invocations
 * of each call on its own.
 */
#ifndef MSTRACE_INJECTOR_H
#define MSTRACE_INJECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include <utrace/utrace.h>

#include "attach.h"
#include "filter.h"

struct inject_rule {
	struct filter calls;
	/* 0, or the errno to fail with. */
	int error;
	bool has_retval;
	uint64_t retval;
	/* 0, or the signal to send. */
	int signo;
	/* when=FIRST..LAST+STEP; STEP 0 fires on FIRST only. */
	unsigned first;
	unsigned last;
	unsigned step;
};

/* Parse the value of -e inject= (@fault false) or -e fault= (@fault true:
 * error=ENOSYS unless another action is given).  Returns 0, or -1 after
 * printing strace's message to stderr. */
int inject_rule_parse(struct inject_rule *rule, const char *value, bool fault);

struct injector;

/* An injector applying @rule (copied).  NULL when out of memory. */
struct injector *injector_new(const struct inject_rule *rule);

/* Attach the injector to @task as a new engine.  Returns 0 or a negative
 * errno from the library. */
int injector_attach(struct injector *inj, struct utrace_task *task,
                    const struct attach_opts *opts);

/* Free an injector whose engines no longer run.  Takes NULL. */
void injector_free(struct injector *inj);

#endif /* MSTRACE_INJECTOR_H */
