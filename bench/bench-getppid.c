/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-getppid N: N getppid() calls in a tight loop, the cheapest real
 * system call.  Under a tracer nearly all the time is the two syscall
 * stops of each call, so this measures the cost of a stop.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench-common.h"

int
main(int argc, char **argv)
{
	unsigned long n;

	if (argc != 2) {
		fprintf(stderr, "Usage: bench-getppid N\n");
		return 2;
	}
	n = bench_parse_count("bench-getppid", "count", argv[1]);
	/* The raw call: no libc may answer from a cache. */
	for (unsigned long i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	return 0;
}
