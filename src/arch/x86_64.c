/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86_64: the syscall ABI in registers, for both the 64-bit and the
 * int 0x80 (i386) entry. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>
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

/*
 * The tracer's wait window (see tracer.c).  arch_wait_window(pending, nr,
 * a1, a2, a3, a4) makes system call @nr unless *@pending is set, in which
 * case it returns -EINTR without entering the kernel.  The wake-up
 * signal's handler calls arch_wait_abort(): while the thread is between
 * the check and the syscall instruction (or the kernel rewound it there to
 * restart the call), it is sent to the -EINTR exit, so a command queued
 * after the check cannot be missed; once the call returned, its result
 * (a consumed wait status) stands.
 */
__asm__(".text\n"
	".globl arch_wait_window\n"
	".hidden arch_wait_window\n"
	".type arch_wait_window, @function\n"
	"arch_wait_window:\n"
	".globl arch_wait_begin\n"
	".hidden arch_wait_begin\n"
	"arch_wait_begin:\n"
	"	movl (%rdi), %eax\n"
	"	testl %eax, %eax\n"
	"	jnz arch_wait_skip\n"
	"	movq %rsi, %rax\n"
	"	movq %rdx, %rdi\n"
	"	movq %rcx, %rsi\n"
	"	movq %r8, %rdx\n"
	"	movq %r9, %r10\n"
	"	xorl %r8d, %r8d\n"
	"	syscall\n"
	".globl arch_wait_end\n"
	".hidden arch_wait_end\n"
	"arch_wait_end:\n"
	"	ret\n"
	".globl arch_wait_skip\n"
	".hidden arch_wait_skip\n"
	"arch_wait_skip:\n"
	"	movq $-4, %rax\n"
	"	ret\n"
	".size arch_wait_window, .-arch_wait_window\n");

extern const char arch_wait_begin[];
extern const char arch_wait_end[];
extern const char arch_wait_skip[];

void
arch_wait_abort(void *ucontext)
{
	ucontext_t *uc = ucontext;
	greg_t ip = uc->uc_mcontext.gregs[REG_RIP];

	if (ip >= (greg_t)(uintptr_t)arch_wait_begin &&
	    ip < (greg_t)(uintptr_t)arch_wait_end)
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)arch_wait_skip;
}
