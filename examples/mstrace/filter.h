/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sets given on the command line, shared read-only by the engines: the
 * system calls of -e trace= and -e inject=, and the signals of
 * -e signal=.  Call numbers are those of x86_64; a call of another arch
 * (int 0x80) matches by name.
 */
#ifndef MSTRACE_FILTER_H
#define MSTRACE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define FILTER_MAX_NR 1024

struct filter {
	uint64_t bits[FILTER_MAX_NR / 64];
};

/* Every call (@all) or none. */
void filter_init(struct filter *f, bool all);

/* Replace @f by the set @value: [!]...[?]NAME|%CLASS|/REGEX|NUMBER|all,
 * separated by commas, or all, or none.  Returns 0, or -1 after printing
 * strace's message for a bad set to stderr. */
int filter_parse(struct filter *f, const char *value);

/* Whether call @nr of @arch is in the set.  Numbers the library cannot
 * name are always in it, as strace traces unknown calls whatever the
 * set. */
bool filter_has(const struct filter *f, uint32_t arch, int64_t nr);

/* Whether the set is empty. */
bool filter_is_empty(const struct filter *f);

/* Signals 0 to 255. */
struct sigfilter {
	uint64_t bits[4];
};

void sigfilter_init(struct sigfilter *f, bool all);

/* Replace @f by [!]SIG[,SIG...] (names with or without SIG, numbers), all
 * or none.  Returns 0, or -1 after printing the message. */
int sigfilter_parse(struct sigfilter *f, const char *value);

bool sigfilter_has(const struct sigfilter *f, int signo);

#endif /* MSTRACE_FILTER_H */
