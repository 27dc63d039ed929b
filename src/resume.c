/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Merging the engines' answers into one decision.  Pure: no syscalls, no
 * task state; engine.c drives it, tests/test-resume.c checks it.
 *
 * The rule is the kernel utrace one: the resume part merges to the minimum
 * (STOP < INTERRUPT < REPORT < SINGLESTEP < BLOCKSTEP < RESUME); STOP is a
 * hold owned by the engine that answered it, any other answer releases
 * that engine's hold; DETACH concerns only the engine that answered it;
 * the disposition bits (signal or syscall) are replaced by each answer, so
 * the last writer wins.
 */
#include "config.h"

#include "utrace-private.h"

void
resume_merge_init(struct merge *m, uint32_t disp)
{
	m->action = UTRACE_RESUME;
	m->resume = UTRACE_RESUME;
	m->disp = disp;
}

/* An engine holding the task from earlier stops the pass, called or not. */
void
resume_merge_held(struct merge *m)
{
	m->action = UTRACE_STOP;
}

/* What an engine is handed: the merge so far and the disposition. */
uint32_t
resume_merge_input(const struct merge *m, uint32_t flags)
{
	return m->action | m->disp | flags;
}

enum merge_effect
resume_merge_fold(struct merge *m, uint32_t ret, bool has_disp)
{
	uint32_t a = ret & UTRACE_RESUME_MASK;

	if (has_disp)
		m->disp = ret & UTRACE_SIGNAL_MASK;
	if (a >= UTRACE_RESUME_MAX)
		a = UTRACE_RESUME;
	if (a == UTRACE_DETACH)
		return MERGE_DETACH;
	if (a < m->action)
		m->action = a;
	if (a == UTRACE_STOP)
		return MERGE_HOLD;
	if (a < m->resume)
		m->resume = (enum utrace_resume_action)a;
	return MERGE_RELEASE;
}

/*
 * The ptrace-level action once nobody holds: REPORT and INTERRUPT ask for
 * one more report first (the caller runs it), after which they mean RUN.
 */
enum utrace_resume_action
resume_final(enum utrace_resume_action a)
{
	switch (a) {
	case UTRACE_SINGLESTEP:
	case UTRACE_BLOCKSTEP:
		return a;
	default:
		return UTRACE_RESUME;
	}
}
