/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tracee for the syscall-filter tests.  Usage: tracee-loop FD N PATH
 * [fork]: calls getppid() N times, then openat(PATH) once, and writes to
 * FD "loop NVCSW OPEN_RESULT OPEN_ERRNO": NVCSW is the number of voluntary
 * context switches the loop cost (a ptrace stop is one), the rest what
 * the open returned.  With "fork", a child does the same open first and
 * exits with 0 if it succeeded, 1 if not; the parent waits for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse.h"

static long
nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

int
main(int argc, char **argv)
{
	long fd;
	long n;
	long before;
	long after;
	int r;
	int e;
	char line[128];
	int len;

	if (argc < 4 || !test_parse_long(argv[1], &fd, NULL) ||
	    !test_parse_long(argv[2], &n, NULL))
		return 2;
	if (argc > 4) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			r = openat(AT_FDCWD, argv[3], O_RDONLY);
			_exit(r >= 0 ? 0 : 1);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return 3;
	}
	before = nvcsw();
	for (long i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	after = nvcsw();
	r = openat(AT_FDCWD, argv[3], O_RDONLY);
	e = r < 0 ? errno : 0;
	len = snprintf(line, sizeof(line), "loop %ld %d %d\n", after - before,
	               r < 0 ? -1 : 0, e);
	if (write((int)fd, line, (size_t)len) != len)
		return 4;
	return 0;
}
