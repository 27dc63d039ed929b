/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Argument parsing shared by the benchmark programs. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

/* Parses a positive count, or prints "PROG: bad WHAT 'ARG'" and exits 2. */
unsigned long bench_parse_count(const char *prog, const char *what,
                                const char *arg);

#endif /* BENCH_COMMON_H */
