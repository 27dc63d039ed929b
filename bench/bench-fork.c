/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-fork N: N times, fork a child that exits at once and wait for it.
 * Measures the cost of following new processes (attach, first stop,
 * exit, reap).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-common.h"

int
main(int argc, char **argv)
{
	unsigned long n;
	pid_t pid;
	int status;

	if (argc != 2) {
		fprintf(stderr, "Usage: bench-fork N\n");
		return 2;
	}
	n = bench_parse_count("bench-fork", "count", argv[1]);
	for (unsigned long i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "bench-fork: fork: %s\n",
			        strerror(errno));
			return 1;
		}
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "bench-fork: child %d failed\n", pid);
			return 1;
		}
	}
	return 0;
}
