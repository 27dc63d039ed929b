/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

ssize_t
bench_read_file(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	(void)close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return len;
}
