/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the benchmark programs. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <sys/types.h>

/* Parses a positive count, or prints "PROG: bad WHAT 'ARG'" and exits 2. */
unsigned long bench_parse_count(const char *prog, const char *what,
                                const char *arg);

/* Reads at most @size - 1 bytes of a small file (a /proc file) into @buf
 * and ends them with a NUL.  Returns how many, or -1 (also when empty). */
ssize_t bench_read_file(const char *path, char *buf, size_t size);

#endif /* BENCH_COMMON_H */
