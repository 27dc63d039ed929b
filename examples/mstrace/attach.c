/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/audit.h>

#include "attach.h"

size_t
attach_syscall_list(const struct filter *f, int64_t nrs[FILTER_MAX_NR])
{
	size_t n = 0;
	int64_t nr;

	/* Only calls with a name: filter_has() counts every unnamed number
	 * in, and hundreds of them would make a seccomp filter trace every
	 * call. */
	for (nr = 0; nr < FILTER_MAX_NR; nr++)
		if (utrace_syscall_name(AUDIT_ARCH_X86_64, nr) &&
		    filter_has(f, AUDIT_ARCH_X86_64, nr))
			nrs[n++] = nr;
	return n;
}

static int
set_syscalls(struct utrace_task *task, struct utrace_engine *engine,
             const struct filter *f)
{
	int64_t nrs[FILTER_MAX_NR];
	size_t n = attach_syscall_list(f, nrs);

	return utrace_set_syscalls(task, engine, AUDIT_ARCH_X86_64, nrs, n);
}

int
attach_engine(struct utrace_task *task, const struct attach_opts *opts,
              const struct utrace_engine_ops *ops, void *data, uint64_t events)
{
	struct utrace_engine *engine;
	int flags = UTRACE_ATTACH_CREATE;
	int r;

	if (opts->follow)
		flags |= UTRACE_ATTACH_FOLLOW;
	r = utrace_attach_task(task, flags, ops, data, &engine);
	if (r < 0)
		return r;
	r = 0;
	if (opts->syscalls && (events & UTRACE_EVENT_SYSCALL))
		r = set_syscalls(task, engine, opts->syscalls);
	if (r == 0)
		r = utrace_set_events(task, engine, events);
	if (r < 0)
		(void)utrace_control(task, engine, UTRACE_DETACH);
	utrace_engine_put(engine);
	return r;
}
