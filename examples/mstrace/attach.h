/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Attaching an engine as every mstrace engine is attached. */
#ifndef MSTRACE_ATTACH_H
#define MSTRACE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <utrace/utrace.h>

#include "filter.h"

struct attach_opts {
	/* -f: the engine follows every new thread and child. */
	bool follow;
	/* --seccomp-bpf: the calls the engine wants reported, or NULL for
	 * all of them. */
	const struct filter *syscalls;
};

/* Attach a new engine with @ops and @data to @task and give it @events
 * (and the call set of @opts).  The attachment keeps the engine.
 * Returns 0 or a negative errno from the library (the engine is then
 * detached again). */
int attach_engine(struct utrace_task *task, const struct attach_opts *opts,
                  const struct utrace_engine_ops *ops, void *data,
                  uint64_t events);

/* The native call numbers in @f, in @nrs; returns how many. */
size_t attach_syscall_list(const struct filter *f, int64_t nrs[FILTER_MAX_NR]);

#endif /* MSTRACE_ATTACH_H */
