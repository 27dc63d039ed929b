/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registers.  For now only what the syscall fallback needs: the
 * architecture file maps a struct utrace_syscall onto the registers.
 */
#include "config.h"

#include "utrace-private.h"

int
regs_syscall_write(struct utrace_task *t, bool entry, bool abort)
{
	return arch_syscall_abi_regs(atomic_load(&t->tid), &t->stop.sc, entry,
				     abort);
}
