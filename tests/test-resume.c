/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The merging of the engines' answers (src/resume.c), without a tracee. */
#include "config.h"

#include <check.h>

#include "test-common.h"
#include "utrace-private.h"

/* Feeds @n answers through one pass; returns the effects. */
static void
fold_all(struct merge *m, const uint32_t *ret, size_t n, bool has_disp,
         enum merge_effect *eff)
{
	for (size_t i = 0; i < n; i++)
		eff[i] = resume_merge_fold(m, ret[i], has_disp);
}

START_TEST(test_resume_min_wins)
{
	const uint32_t ret[] = { UTRACE_RESUME, UTRACE_SINGLESTEP,
		                 UTRACE_BLOCKSTEP };
	enum merge_effect eff[3];
	struct merge m;

	resume_merge_init(&m, 0);
	fold_all(&m, ret, 3, false, eff);
	ck_assert_uint_eq(m.action, UTRACE_SINGLESTEP);
	ck_assert_int_eq(m.resume, UTRACE_SINGLESTEP);
	ck_assert_int_eq(resume_final(m.resume), UTRACE_SINGLESTEP);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(eff[i], MERGE_RELEASE);
}
END_TEST

START_TEST(test_resume_stop_holds)
{
	const uint32_t ret[] = { UTRACE_RESUME, UTRACE_STOP, UTRACE_RESUME };
	enum merge_effect eff[3];
	struct merge m;

	resume_merge_init(&m, 0);
	fold_all(&m, ret, 3, false, eff);
	ck_assert_int_eq(eff[0], MERGE_RELEASE);
	ck_assert_int_eq(eff[1], MERGE_HOLD);
	ck_assert_int_eq(eff[2], MERGE_RELEASE);
	/* The third engine saw STOP; the resume wish stays RESUME. */
	ck_assert_uint_eq(m.action, UTRACE_STOP);
	ck_assert_int_eq(m.resume, UTRACE_RESUME);
}
END_TEST

START_TEST(test_resume_input_sees_merge)
{
	struct merge m;

	resume_merge_init(&m, UTRACE_SYSCALL_ABORT);
	ck_assert_uint_eq(resume_merge_input(&m, 0),
	                  UTRACE_RESUME | UTRACE_SYSCALL_ABORT);
	(void)resume_merge_fold(&m, UTRACE_REPORT | UTRACE_SYSCALL_ABORT, true);
	ck_assert_uint_eq(resume_merge_input(&m, UTRACE_SYSCALL_RESUMED),
	                  UTRACE_REPORT | UTRACE_SYSCALL_ABORT |
	                          UTRACE_SYSCALL_RESUMED);
	resume_merge_held(&m);
	ck_assert_uint_eq(resume_merge_input(&m, 0) & UTRACE_RESUME_MASK,
	                  UTRACE_STOP);
}
END_TEST

START_TEST(test_resume_last_writer_wins)
{
	struct merge m;

	resume_merge_init(&m, UTRACE_SIGNAL_DELIVER);
	(void)resume_merge_fold(&m, UTRACE_RESUME | UTRACE_SIGNAL_IGN, true);
	ck_assert_uint_eq(m.disp, UTRACE_SIGNAL_IGN);
	(void)resume_merge_fold(&m, UTRACE_RESUME | UTRACE_SIGNAL_DELIVER,
	                        true);
	ck_assert_uint_eq(m.disp, UTRACE_SIGNAL_DELIVER);
	/* Reports without a disposition leave it alone. */
	(void)resume_merge_fold(&m, UTRACE_RESUME | UTRACE_SIGNAL_IGN, false);
	ck_assert_uint_eq(m.disp, UTRACE_SIGNAL_DELIVER);
}
END_TEST

START_TEST(test_resume_detach)
{
	struct merge m;

	resume_merge_init(&m, 0);
	ck_assert_int_eq(resume_merge_fold(&m, UTRACE_DETACH, false),
	                 MERGE_DETACH);
	/* A detaching engine contributes nothing else. */
	ck_assert_uint_eq(m.action, UTRACE_RESUME);
	ck_assert_int_eq(m.resume, UTRACE_RESUME);
	/* An out-of-range answer counts as RESUME. */
	ck_assert_int_eq(resume_merge_fold(&m, 7, false), MERGE_RELEASE);
	ck_assert_uint_eq(m.action, UTRACE_RESUME);
}
END_TEST

START_TEST(test_resume_report_becomes_run)
{
	ck_assert_int_eq(resume_final(UTRACE_REPORT), UTRACE_RESUME);
	ck_assert_int_eq(resume_final(UTRACE_INTERRUPT), UTRACE_RESUME);
	ck_assert_int_eq(resume_final(UTRACE_BLOCKSTEP), UTRACE_BLOCKSTEP);
	ck_assert_int_eq(resume_final(UTRACE_RESUME), UTRACE_RESUME);
}
END_TEST

static Suite *
resume_suite(void)
{
	Suite *s = suite_create("resume");
	TCase *tc = test_tcase(s, "merge");

	tcase_add_test(tc, test_resume_min_wins);
	tcase_add_test(tc, test_resume_stop_holds);
	tcase_add_test(tc, test_resume_input_sees_merge);
	tcase_add_test(tc, test_resume_last_writer_wins);
	tcase_add_test(tc, test_resume_detach);
	tcase_add_test(tc, test_resume_report_becomes_run);
	return s;
}

TEST_MAIN(resume_suite)
