/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The set of system calls selected with -e trace=, shared read-only by the
 * engines.  Names are those of x86_64; a call of another arch (int 0x80)
 * matches by name.
 */
#ifndef MSTRACE_FILTER_H
#define MSTRACE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#define FILTER_MAX_NR 1024

struct filter {
	bool all;
	uint64_t bits[FILTER_MAX_NR / 64];
};

/* Start with every call (@all) or none. */
void filter_init(struct filter *f, bool all);

/* Add a call by name ("all" and "none" reset the set).  Returns 0 or
 * -ENOENT for an unknown name. */
int filter_add(struct filter *f, const char *name);

bool filter_has(const struct filter *f, uint32_t arch, int64_t nr);

#endif /* MSTRACE_FILTER_H */
