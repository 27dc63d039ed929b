/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86_64: the syscall ABI in registers, for both the 64-bit and the
 * int 0x80 (i386) entry; registers, breakpoints and traps for the
 * debugger support. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <ucontext.h>

#include "debug-private.h"
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
		uc->uc_mcontext.gregs[REG_RIP] =
			(greg_t)(uintptr_t)arch_wait_skip;
}

/* ---- debugger support ------------------------------------------------- */

_Static_assert(sizeof(struct utrace_regs) == sizeof(struct user_regs_struct),
               "struct utrace_regs must match struct user_regs_struct");
_Static_assert(offsetof(struct utrace_regs, rip) ==
                       offsetof(struct user_regs_struct, rip),
               "struct utrace_regs must match struct user_regs_struct");
_Static_assert(offsetof(struct utrace_regs, gs) ==
                       offsetof(struct user_regs_struct, gs),
               "struct utrace_regs must match struct user_regs_struct");
_Static_assert(sizeof(struct utrace_fpregs) ==
                       sizeof(struct user_fpregs_struct),
               "struct utrace_fpregs must match struct user_fpregs_struct");
_Static_assert(offsetof(struct utrace_fpregs, xmm_space) ==
                       offsetof(struct user_fpregs_struct, xmm_space),
               "struct utrace_fpregs must match struct user_fpregs_struct");

int
arch_regs_fetch(pid_t tid, struct utrace_regs *ret)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return -errno;
	memcpy(ret, &regs, sizeof(regs));
	return 0;
}

int
arch_regs_store(pid_t tid, const struct utrace_regs *regs)
{
	struct user_regs_struct r;

	memcpy(&r, regs, sizeof(r));
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0)
		return -errno;
	return 0;
}

int
arch_fpregs_fetch(pid_t tid, struct utrace_fpregs *ret)
{
	struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };

	if (ptrace(PTRACE_GETREGSET, tid, NT_PRFPREG, &iov) < 0)
		return -errno;
	if (iov.iov_len != sizeof(*ret))
		return -EOPNOTSUPP;
	return 0;
}

int
arch_fpregs_store(pid_t tid, const struct utrace_fpregs *fpregs)
{
	struct iovec iov = { .iov_base = (void *)fpregs,
		             .iov_len = sizeof(*fpregs) };

	if (ptrace(PTRACE_SETREGSET, tid, NT_PRFPREG, &iov) < 0)
		return -errno;
	return 0;
}

int
arch_xstate_read(pid_t tid, void *buf, size_t size, size_t *ret_len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };

	if (ptrace(PTRACE_GETREGSET, tid, NT_X86_XSTATE, &iov) < 0)
		return errno == EINVAL || errno == ENODEV ? -EOPNOTSUPP
		                                          : -errno;
	*ret_len = iov.iov_len;
	return 0;
}

int
arch_xstate_write(pid_t tid, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	if (ptrace(PTRACE_SETREGSET, tid, NT_X86_XSTATE, &iov) < 0)
		return errno == ENODEV ? -EOPNOTSUPP : -errno;
	return 0;
}

/*
 * The FXSAVE part of an XSAVE area @xs was changed: mark the x87 and SSE
 * components present in the header's XSTATE_BV (at byte 512), or the
 * kernel would load their initial values instead.
 */
void
arch_xstate_fp_changed(uint8_t *xs, size_t len)
{
	uint64_t bv;

	if (len < 520)
		return;
	memcpy(&bv, xs + 512, sizeof(bv));
	bv |= 3;
	memcpy(xs + 512, &bv, sizeof(bv));
}

uint64_t
arch_regs_pc(const struct utrace_regs *regs)
{
	return regs->rip;
}

void
arch_regs_set_pc(struct utrace_regs *regs, uint64_t pc)
{
	regs->rip = pc;
}

uint64_t
arch_regs_sp(const struct utrace_regs *regs)
{
	return regs->rsp;
}

/*
 * Whether @a and @b are the same moment of the same thread: rt_sigreturn
 * restores every general register, so a context a signal interrupted
 * comes back identical.  Flags and orig_rax may differ.
 */
bool
arch_regs_same_context(const struct utrace_regs *a, const struct utrace_regs *b)
{
	return a->rip == b->rip && a->rsp == b->rsp && a->rax == b->rax &&
	       a->rbx == b->rbx && a->rcx == b->rcx && a->rdx == b->rdx &&
	       a->rsi == b->rsi && a->rdi == b->rdi && a->rbp == b->rbp &&
	       a->r8 == b->r8 && a->r9 == b->r9 && a->r10 == b->r10 &&
	       a->r11 == b->r11 && a->r12 == b->r12 && a->r13 == b->r13 &&
	       a->r14 == b->r14 && a->r15 == b->r15;
}

/*
 * The changes engines made to the syscall of the stop (@sc against @orig,
 * what the stop showed), applied to @regs; unchanged fields leave the
 * registers as they are, so that register writes of other engines stay.
 */
void
arch_regs_apply_syscall(struct utrace_regs *regs,
                        const struct utrace_syscall *sc,
                        const struct utrace_syscall *orig, bool entry,
                        bool abort)
{
	static const size_t abi64[6] = {
		offsetof(struct utrace_regs, rdi),
		offsetof(struct utrace_regs, rsi),
		offsetof(struct utrace_regs, rdx),
		offsetof(struct utrace_regs, r10),
		offsetof(struct utrace_regs, r8),
		offsetof(struct utrace_regs, r9),
	};
	static const size_t abi32[6] = {
		offsetof(struct utrace_regs, rbx),
		offsetof(struct utrace_regs, rcx),
		offsetof(struct utrace_regs, rdx),
		offsetof(struct utrace_regs, rsi),
		offsetof(struct utrace_regs, rdi),
		offsetof(struct utrace_regs, rbp),
	};
	const size_t *abi = sc->arch == AUDIT_ARCH_I386 ? abi32 : abi64;

	if (!entry) {
		if (sc->rval != orig->rval)
			regs->rax = (uint64_t)sc->rval;
		return;
	}
	if (abort) {
		/* A skipped call returns what rax holds. */
		regs->orig_rax = (uint64_t)-1;
		regs->rax = (uint64_t)sc->rval;
	} else if (sc->nr != orig->nr) {
		regs->orig_rax = (uint64_t)sc->nr;
	}
	for (size_t i = 0; i < 6; i++)
		if (sc->args[i] != orig->args[i])
			memcpy((char *)regs + abi[i], &sc->args[i],
			       sizeof(uint64_t));
}

/* int3: the trap leaves the program counter one byte past it. */
const uint8_t arch_bp_insn = 0xcc;
const uint64_t arch_bp_pc_after = 1;

/* syscall, int 0x80, sysenter */
bool
arch_insn_is_syscall(const uint8_t *insn, size_t len)
{
	if (len < 2)
		return false;
	return (insn[0] == 0x0f && insn[1] == 0x05) ||
	       (insn[0] == 0xcd && insn[1] == 0x80) ||
	       (insn[0] == 0x0f && insn[1] == 0x34);
}

/* The signal return trampoline of the C libraries: mov $15, %rax;
 * syscall (rt_sigreturn). */
bool
arch_is_sigreturn(const uint8_t *code, size_t len)
{
	static const uint8_t seq[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00,
		                       0x00, 0x00, 0x0f, 0x05 };

	return len >= sizeof(seq) && memcmp(code, seq, sizeof(seq)) == 0;
}

/* int3 raises SIGTRAP with SI_KERNEL; TRAP_BRKPT is the generic code. */
bool
arch_trap_is_bp(int si_code)
{
	return si_code == SI_KERNEL || si_code == TRAP_BRKPT;
}

/*
 * The trap of a completed step: TRAP_TRACE after an instruction,
 * TRAP_BRKPT after a system call instruction, TRAP_UNK (the ptrace_notify
 * of signal delivery) at the first instruction of a handler.  Not
 * SI_KERNEL (an int3 of the program) nor TRAP_HWBKPT (a watchpoint).
 */
bool
arch_trap_is_step(int si_code)
{
	return si_code == TRAP_TRACE || si_code == TRAP_BRKPT ||
	       si_code == TRAP_BRANCH || si_code == TRAP_UNK;
}

/* ---- hardware watchpoints: DR0-DR3 addresses, DR6 status, DR7 control */

#define DR_OFFSET(i) (offsetof(struct user, u_debugreg) + (i) * sizeof(long))

int
arch_wp_check(uint64_t addr, unsigned int len, int kind)
{
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	if (addr % len)
		return -EINVAL;
	if (kind != UTRACE_WP_EXEC && kind != UTRACE_WP_WRITE &&
	    kind != UTRACE_WP_RW)
		return -EINVAL;
	if (kind == UTRACE_WP_EXEC && len != 1)
		return -EINVAL;
	return 0;
}

static int
dr_write(pid_t tid, int i, unsigned long v)
{
	if (ptrace(PTRACE_POKEUSER, tid, DR_OFFSET(i), v) < 0)
		return errno == EIO ? -EINVAL : -errno;
	return 0;
}

/* DR7: local enable 2i; R/W at 16 + 4i (00 exec, 01 write, 11 both);
 * LEN at 18 + 4i (00 one byte, 01 two, 11 four, 10 eight). */
int
arch_wp_store(pid_t tid, const struct wp *wps)
{
	static const unsigned long len_bits[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
	unsigned long dr7 = 0;
	int r;

	/* Off first, so that no half-written watchpoint ever triggers. */
	r = dr_write(tid, 7, 0);
	for (int i = 0; r == 0 && i < WP_SLOTS; i++) {
		if (!wps[i].owners)
			continue;
		r = dr_write(tid, i, wps[i].addr);
		dr7 |= 1ul << (2 * i);
		dr7 |= ((unsigned long)wps[i].kind & 3) << (16 + 4 * i);
		dr7 |= len_bits[wps[i].len] << (18 + 4 * i);
	}
	if (r == 0 && dr7)
		r = dr_write(tid, 7, dr7);
	return r;
}

/* The slots DR6 says triggered; DR6 is cleared (the CPU never does). */
int
arch_wp_hits(pid_t tid, unsigned int *ret_slots)
{
	long v;

	errno = 0;
	v = ptrace(PTRACE_PEEKUSER, tid, DR_OFFSET(6), 0);
	if (v == -1 && errno)
		return -errno;
	*ret_slots = (unsigned int)v & 0xf;
	return dr_write(tid, 6, 0);
}

bool
arch_trap_is_wp(int si_code)
{
	return si_code == TRAP_HWBKPT;
}
