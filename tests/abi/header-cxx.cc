/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public headers from C++11 (-pedantic -Werror): they parse, and the
 * functions link with C linkage.
 */
#include <utrace/utrace-version.h>
#include <utrace/utrace.h>
#if UTRACE_TEST_HAVE_REGS_H
#include <utrace/regs.h>
#endif

int
main()
{
	/* In C++ the resume and the signal action belong to two distinct
	 * enumerations, and | between two is deprecated (C++20):
	 * utrace_action() combines them. */
	uint32_t action = utrace_action(UTRACE_INTERRUPT, UTRACE_SIGNAL_TSTP);
	const char *(*volatile name)(uint32_t, int64_t) = utrace_syscall_name;
	int (*volatile create)(const struct utrace_opts *, struct utrace **) =
		utrace_new;
	void (*volatile destroy)(struct utrace *) = utrace_free;

	if (utrace_resume_action(action) != UTRACE_INTERRUPT)
		return 1;
	if (utrace_signal_action(action) != UTRACE_SIGNAL_TSTP)
		return 1;
	return name == nullptr || create == nullptr || destroy == nullptr;
}
