/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System call names and numbers: utrace_syscall_name() and
 * utrace_syscall_lookup().  No tracee.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include <utrace/utrace.h>

#include "test-common.h"

#define AUDIT_ARCH_I386_ 0x40000003u
#define UNKNOWN_ARCH 0x12345678u

/* Names the libc headers agree on, for the native arch. */
static const struct {
	const char *name;
	int64_t nr;
} native[] = {
	{ "read", SYS_read },
	{ "write", SYS_write },
	{ "openat", SYS_openat },
	{ "close", SYS_close },
	{ "execve", SYS_execve },
	{ "exit_group", SYS_exit_group },
	{ "getppid", SYS_getppid },
	{ "getpid", SYS_getpid },
	{ "unlinkat", SYS_unlinkat },
	{ "kill", SYS_kill },
	{ "rt_sigreturn", SYS_rt_sigreturn },
	{ "clone", SYS_clone },
	{ "ptrace", SYS_ptrace },
};

START_TEST(native_names)
{
	size_t i;

	for (i = 0; i < sizeof(native) / sizeof(native[0]); i++) {
		const char *name;
		int64_t nr = -1;

		name = utrace_syscall_name(TEST_AUDIT_ARCH, native[i].nr);
		ck_assert_msg(name && strcmp(name, native[i].name) == 0,
		              "name of %lld: %s, expected %s",
		              (long long)native[i].nr, name ? name : "NULL",
		              native[i].name);
		ck_assert_int_eq(utrace_syscall_lookup(TEST_AUDIT_ARCH,
		                                       native[i].name, &nr),
		                 0);
		ck_assert_int_eq(nr, native[i].nr);
	}
}
END_TEST

#ifdef __x86_64__
START_TEST(x86_64_and_i386)
{
	int64_t nr = -1;

	ck_assert_str_eq(utrace_syscall_name(0xc000003e, 0), "read");
	ck_assert_str_eq(utrace_syscall_name(0xc000003e, 257), "openat");
	ck_assert_int_eq(utrace_syscall_lookup(0xc000003e, "openat", &nr), 0);
	ck_assert_int_eq(nr, 257);
	ck_assert_int_eq(utrace_syscall_lookup(0xc000003e, "read", &nr), 0);
	ck_assert_int_eq(nr, 0);

	/* int 0x80 from a 64-bit task uses the i386 table. */
	ck_assert_str_eq(utrace_syscall_name(AUDIT_ARCH_I386_, 1), "exit");
	ck_assert_str_eq(utrace_syscall_name(AUDIT_ARCH_I386_, 3), "read");
	ck_assert_str_eq(utrace_syscall_name(AUDIT_ARCH_I386_, 295), "openat");
	ck_assert_int_eq(utrace_syscall_lookup(AUDIT_ARCH_I386_, "exit", &nr),
	                 0);
	ck_assert_int_eq(nr, 1);
	ck_assert_int_eq(utrace_syscall_lookup(AUDIT_ARCH_I386_, "openat", &nr),
	                 0);
	ck_assert_int_eq(nr, 295);
}
END_TEST
#endif

START_TEST(round_trip)
{
	int64_t nr;
	int named = 0;

	/* Every number with a name maps back to itself. */
	for (nr = 0; nr < 1024; nr++) {
		const char *name = utrace_syscall_name(TEST_AUDIT_ARCH, nr);
		int64_t back = -1;

		if (!name)
			continue;
		named++;
		ck_assert_msg(*name != '\0', "empty name for %lld",
		              (long long)nr);
		ck_assert_msg(utrace_syscall_lookup(TEST_AUDIT_ARCH, name,
		                                    &back) == 0 &&
		                      back == nr,
		              "%s: %lld -> %lld", name, (long long)nr,
		              (long long)back);
	}
	ck_assert_int_gt(named, 250);
}
END_TEST

START_TEST(unknown)
{
	int64_t nr = 12345;

	ck_assert_ptr_null(utrace_syscall_name(UNKNOWN_ARCH, 0));
	ck_assert_ptr_null(utrace_syscall_name(TEST_AUDIT_ARCH, -1));
	ck_assert_ptr_null(utrace_syscall_name(TEST_AUDIT_ARCH, 100000));
	ck_assert_ptr_null(utrace_syscall_name(TEST_AUDIT_ARCH, INT64_MAX));
	ck_assert_int_eq(
		utrace_syscall_lookup(TEST_AUDIT_ARCH, "no_such_syscall", &nr),
		-ENOENT);
	ck_assert_int_eq(utrace_syscall_lookup(TEST_AUDIT_ARCH, "", &nr),
	                 -ENOENT);
	/* A prefix of a real name is not a name. */
	ck_assert_int_eq(utrace_syscall_lookup(TEST_AUDIT_ARCH, "getpp", &nr),
	                 -ENOENT);
	ck_assert_int_eq(nr, 12345);
}
END_TEST

START_TEST(bad_arguments)
{
	int64_t nr = 12345;

	ck_assert_int_eq(utrace_syscall_lookup(TEST_AUDIT_ARCH, NULL, &nr),
	                 -EINVAL);
	ck_assert_int_eq(utrace_syscall_lookup(TEST_AUDIT_ARCH, "read", NULL),
	                 -EINVAL);
	ck_assert_int_eq(nr, 12345);
}
END_TEST

static Suite *
syscall_names_suite(void)
{
	Suite *s = suite_create("syscall-names");
	TCase *tc;

	tc = test_tcase(s, "names");
	tcase_add_test(tc, native_names);
#ifdef __x86_64__
	tcase_add_test(tc, x86_64_and_i386);
#endif
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, unknown);
	tcase_add_test(tc, bad_arguments);
	return s;
}

TEST_MAIN(syscall_names_suite)
