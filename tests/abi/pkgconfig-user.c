/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A user of libutrace built with nothing but `pkg-config --cflags --libs
 * utrace`.  Prints the name of syscall NR of audit arch ARCH.  Asks for
 * POSIX as the header says (for siginfo_t), so that it builds whatever the
 * compiler's default standard, strict ISO C included.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <utrace/utrace-version.h>
#include <utrace/utrace.h>

#ifndef UTRACE_VERSION
#error "utrace-version.h is not installed beside utrace.h"
#endif

int
main(int argc, char **argv)
{
	const char *name;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ARCH NR\n", argv[0]);
		return 2;
	}
	name = utrace_syscall_name((uint32_t)strtoul(argv[1], NULL, 0),
	                           strtoll(argv[2], NULL, 0));
	if (!name)
		return 1;
	printf("%s\n", name);
	return 0;
}
