/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-exec N: N times, fork a child that executes /bin/true and wait for
 * it.  Adds the exec event and the dynamic loader's system calls to
 * bench-fork.
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
		fprintf(stderr, "Usage: bench-exec N\n");
		return 2;
	}
	n = bench_parse_count("bench-exec", "count", argv[1]);
	for (unsigned long i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "bench-exec: fork: %s\n",
			        strerror(errno));
			return 1;
		}
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "bench-exec: child %d failed\n", pid);
			return 1;
		}
	}
	return 0;
}
