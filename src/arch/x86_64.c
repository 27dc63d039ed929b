/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86_64: the syscall ABI in registers, for both the 64-bit and the
 * int 0x80 (i386) entry. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "utrace-private.h"

int
arch_syscall_abi_regs(pid_t tid, const struct utrace_syscall *sc, bool entry,
		      bool abort)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return -errno;
	if (entry) {
		regs.orig_rax = abort ? (unsigned long long)-1
				      : (unsigned long long)sc->nr;
		if (sc->arch == AUDIT_ARCH_I386) {
			regs.rbx = sc->args[0];
			regs.rcx = sc->args[1];
			regs.rdx = sc->args[2];
			regs.rsi = sc->args[3];
			regs.rdi = sc->args[4];
			regs.rbp = sc->args[5];
		} else {
			regs.rdi = sc->args[0];
			regs.rsi = sc->args[1];
			regs.rdx = sc->args[2];
			regs.r10 = sc->args[3];
			regs.r8 = sc->args[4];
			regs.r9 = sc->args[5];
		}
		/* A skipped call returns what rax holds. */
		if (abort)
			regs.rax = (unsigned long long)sc->rval;
	} else {
		regs.rax = (unsigned long long)sc->rval;
	}
	if (ptrace(PTRACE_SETREGS, tid, 0, &regs) < 0)
		return -errno;
	return 0;
}

/* The number of the syscall the task stopped in (orig_rax). */
int
arch_syscall_nr(pid_t tid, uint32_t *ret_arch, int64_t *ret_nr)
{
	long v;

	errno = 0;
	v = ptrace(PTRACE_PEEKUSER, tid,
		   offsetof(struct user_regs_struct, orig_rax), 0);
	if (v == -1 && errno)
		return -errno;
	*ret_arch = AUDIT_ARCH_X86_64;
	*ret_nr = v;
	return 0;
}
