/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public headers in a strict C99 program (-std=c99 -pedantic -Werror
 * -Wall -Wextra).  In strict ISO mode <signal.h> declares siginfo_t only
 * for POSIX programs, so this one asks for POSIX, as every user of a
 * ptrace library is.
 */
#define _POSIX_C_SOURCE 200809L

#include <utrace/utrace-version.h>
#include <utrace/utrace.h>
#if UTRACE_TEST_HAVE_REGS_H
#include <utrace/regs.h>
#endif

#if !UTRACE_CHECK_VERSION(0, 1, 0)
#error "utrace-version.h does not match the project version"
#endif

static uint32_t
report_quiesce(uint32_t action, struct utrace_engine *engine,
               struct utrace_task *task, uint64_t event, void *data)
{
	(void)engine;
	(void)task;
	(void)event;
	(void)data;
	return UTRACE_RESUME | utrace_signal_action(action);
}

static const struct utrace_engine_ops ops = {
	.size = sizeof(ops),
	.report_quiesce = report_quiesce,
};

int
main(void)
{
	uint32_t action =
		UTRACE_STOP | UTRACE_SIGNAL_IGN | UTRACE_SYSCALL_RESUMED;
	/* Called through a volatile pointer: linked, but never run. */
	const char *(*volatile name)(uint32_t, int64_t) = utrace_syscall_name;

	if (utrace_resume_action(action) != UTRACE_STOP)
		return 1;
	if (utrace_signal_action(action) != UTRACE_SIGNAL_IGN)
		return 1;
	if (utrace_syscall_action(action) != UTRACE_SYSCALL_ABORT)
		return 1;
	if (!(UTRACE_EVENT_ALL & UTRACE_EVENT_SYSCALL))
		return 1;
	if (ops.report_quiesce(UTRACE_REPORT, NULL, NULL, 0, NULL) !=
	    UTRACE_RESUME)
		return 1;
	return name == NULL;
}
