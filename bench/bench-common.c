/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-common.h"

unsigned long
bench_parse_count(const char *prog, const char *what, const char *arg)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || n == 0 || arg[0] == '-') {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, arg);
		exit(2);
	}
	return n;
}
