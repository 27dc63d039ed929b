/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debugger support hooks (see debug.h).  This version handles stepping
 * only: a SIGTRAP after a step request is the step's, nothing is cached.
 */
#include "config.h"

#include "debug.h"
#include "utrace-private.h"

void
debug_stop_begin(struct utrace_task *t)
{
	(void)t;
}

int
debug_classify_trap(struct utrace_task *t, bool stepping)
{
	if (stepping && t->stop.info.si_code > 0)
		return STOP_STEP;
	return STOP_SIGNAL;
}

void
debug_report_breakpoint(struct utrace_task *t)
{
	(void)t;
}

int
debug_resume(struct utrace_task *t, long *req)
{
	(void)t;
	(void)req;
	return 0;
}

void
debug_detach(struct utrace_task *t)
{
	(void)t;
}

void
debug_exec(struct utrace_task *t)
{
	(void)t;
}

void
debug_forget_child(struct utrace_task *parent, struct utrace_task *child)
{
	(void)parent;
	(void)child;
}

void
debug_death(struct utrace_task *t)
{
	(void)t;
}
