/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libutrace: the registers of a stopped task, in the layout of the CPU the
 * library was built for.  The architecture-neutral accessors (program
 * counter, stack pointer) are in <utrace/utrace.h>.
 *
 * Registers are read once per ptrace stop and shared by every engine: a
 * write by one engine is seen by the engines called after it in the same
 * report, and reaches the task once, when it resumes.  At a syscall stop
 * the changes engines make to struct utrace_syscall are applied on top of
 * the registers written here.
 */
#ifndef UTRACE_REGS_H
#define UTRACE_REGS_H

#include <stddef.h>
#include <stdint.h>

#include <utrace/utrace.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__x86_64__)
/*
 * struct utrace_regs - general registers of an x86_64 task, in the order
 * of the kernel's struct user_regs_struct.  A 32-bit (compat) task shows
 * its registers zero-extended in the same layout.  @orig_rax is the
 * number of the system call the task is in, or -1.
 */
struct utrace_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint64_t orig_rax;
	uint64_t rip;
	uint64_t cs;
	uint64_t eflags;
	uint64_t rsp;
	uint64_t ss;
	uint64_t fs_base;
	uint64_t gs_base;
	uint64_t ds;
	uint64_t es;
	uint64_t fs;
	uint64_t gs;
};

/*
 * struct utrace_fpregs - x87, MMX and SSE state of an x86_64 task: the
 * 512-byte FXSAVE area (the kernel's struct user_fpregs_struct).  The AVX
 * and later parts are in the XSAVE area, see utrace_task_read_xstate() and
 * utrace_task_write_xstate().
 */
struct utrace_fpregs {
	uint16_t cwd;
	uint16_t swd;
	uint16_t ftw;
	uint16_t fop;
	uint64_t rip;
	uint64_t rdp;
	uint32_t mxcsr;
	uint32_t mxcr_mask;
	uint32_t st_space[32];  /* 8 registers, 16 bytes each */
	uint32_t xmm_space[64]; /* 16 registers, 16 bytes each */
	uint32_t padding[24];
};
#elif defined(__aarch64__)
/* struct utrace_regs - general registers of an aarch64 task (the kernel's
 * struct user_pt_regs). */
struct utrace_regs {
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
};

/* struct utrace_fpregs - FP/SIMD state of an aarch64 task (the kernel's
 * struct user_fpsimd_state); each vector register is two 64-bit halves,
 * the low one first. */
struct utrace_fpregs {
	uint64_t vregs[64];
	uint32_t fpsr;
	uint32_t fpcr;
	uint32_t reserved[2];
};
#else
#error "<utrace/regs.h> does not know the registers of this architecture"
#endif

/**
 * utrace_task_read_regs() - read the general registers of a stopped task
 * @task: the task
 * @ret_regs: the registers
 *
 * The registers are fetched from the kernel at most once per stop; later
 * reads in the same stop, by any engine, return the same copy, including
 * what utrace_task_write_regs() changed in it.
 *
 * Context: any thread, also from a callback.  The task must be in a
 * ptrace stop: inside a callback of its own, or held by an engine.
 * Return: 0; -EINVAL bad argument; -ESRCH task dead or no longer traced;
 * -EBUSY the task is not in a ptrace stop (running, or in a group stop
 * kept with PTRACE_LISTEN); -EOPNOTSUPP architecture not supported.
 */
int utrace_task_read_regs(struct utrace_task *task,
                          struct utrace_regs *ret_regs);

/**
 * utrace_task_write_regs() - change the general registers of a stopped task
 * @task: the task
 * @regs: the new registers
 *
 * Replaces the stop's copy of the registers; engines called later in the
 * same stop read the new values.  The copy is written to the task once,
 * right before it resumes (or is detached); at a syscall stop, changes to
 * struct utrace_syscall are applied over it.  The kernel may refuse some
 * values (segment selectors) then: the write is logged and dropped.
 *
 * Context: as utrace_task_read_regs().
 * Return: 0; -EINVAL bad argument; -ESRCH task dead or no longer traced;
 * -EBUSY the task is not in a ptrace stop; -EOPNOTSUPP architecture not
 * supported.
 */
int utrace_task_write_regs(struct utrace_task *task,
                           const struct utrace_regs *regs);

/**
 * utrace_task_read_fpregs() - read the floating point registers
 * @task: the task
 * @ret_fpregs: the registers (PTRACE_GETREGSET, NT_PRFPREG)
 *
 * Cached for the stop like the general registers.
 *
 * Context: as utrace_task_read_regs().
 * Return: as utrace_task_read_regs().
 */
int utrace_task_read_fpregs(struct utrace_task *task,
                            struct utrace_fpregs *ret_fpregs);

/**
 * utrace_task_write_fpregs() - change the floating point registers
 * @task: the task
 * @fpregs: the new registers, written back (PTRACE_SETREGSET, NT_PRFPREG)
 *          right before the task resumes
 *
 * Context: as utrace_task_read_regs().
 * Return: as utrace_task_write_regs().
 */
int utrace_task_write_fpregs(struct utrace_task *task,
                             const struct utrace_fpregs *fpregs);

/**
 * utrace_task_read_xstate() - read the extended processor state
 * @task: the task
 * @buf: where to store it
 * @size: room in @buf
 * @ret_len: how many bytes were stored
 *
 * On x86_64 the XSAVE area (PTRACE_GETREGSET, NT_X86_XSTATE) in the
 * layout of the XSAVE instruction: the FXSAVE area (struct
 * utrace_fpregs), the XSAVE header at byte 512, then the AVX and later
 * components; its size depends on the CPU (a few kilobytes at most; a
 * @size that is too small gets the first @size bytes).  Cached for the
 * stop like the general registers, and kept the same as the FP registers:
 * it shows what utrace_task_write_fpregs() and utrace_task_write_xstate()
 * changed in this stop.
 *
 * Context: as utrace_task_read_regs().
 * Return: 0; -EINVAL bad argument; -ESRCH task dead or no longer traced;
 * -EBUSY the task is not in a ptrace stop; -EOPNOTSUPP not available on
 * this CPU, kernel or architecture; -ENOMEM.
 */
int utrace_task_read_xstate(struct utrace_task *task, void *buf, size_t size,
                            size_t *ret_len);

/**
 * utrace_task_write_xstate() - change the extended processor state
 * @task: the task
 * @buf: the whole XSAVE area, as utrace_task_read_xstate() gave it, changed
 * @len: its size, which utrace_task_read_xstate() returned
 *
 * Replaces the stop's copy; engines called later read the new state, the
 * FP registers included, and it is written to the task (PTRACE_SETREGSET,
 * NT_X86_XSTATE) once, right before it resumes.  The kernel loads a
 * component only if its bit is set in XSTATE_BV (the first 8 bytes of
 * the header): set it for a component changed from its initial state.
 * A later utrace_task_write_fpregs() in the same stop changes the FXSAVE
 * part of this copy, and the other way round.
 *
 * Context: as utrace_task_read_regs().
 * Return: 0; -EINVAL bad argument or @len not the size of the area;
 * -ESRCH task dead or no longer traced; -EBUSY the task is not in a
 * ptrace stop; -EOPNOTSUPP not available; -ENOMEM.
 */
int utrace_task_write_xstate(struct utrace_task *task, const void *buf,
                             size_t len);

#ifdef __cplusplus
}
#endif

#endif /* UTRACE_REGS_H */
