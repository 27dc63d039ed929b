/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/audit.h>
#include <string.h>

#include <utrace/utrace.h>

#include "filter.h"

void
filter_init(struct filter *f, bool all)
{
	memset(f, 0, sizeof(*f));
	f->all = all;
}

int
filter_add(struct filter *f, const char *name)
{
	int64_t nr;

	if (strcmp(name, "all") == 0 || strcmp(name, "none") == 0) {
		filter_init(f, strcmp(name, "all") == 0);
		return 0;
	}
	if (utrace_syscall_lookup(AUDIT_ARCH_X86_64, name, &nr) < 0 || nr < 0 ||
	    nr >= FILTER_MAX_NR)
		return -ENOENT;
	f->bits[nr / 64] |= 1ull << (nr % 64);
	return 0;
}

bool
filter_has(const struct filter *f, uint32_t arch, int64_t nr)
{
	const char *name;

	if (f->all)
		return true;
	if (arch != AUDIT_ARCH_X86_64) {
		/* Other arches number their calls differently: the user
		 * named the call, so compare names. */
		name = utrace_syscall_name(arch, nr);
		if (!name ||
		    utrace_syscall_lookup(AUDIT_ARCH_X86_64, name, &nr) < 0)
			return false;
	}
	if (nr < 0 || nr >= FILTER_MAX_NR)
		return false;
	return f->bits[nr / 64] & (1ull << (nr % 64));
}
