/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debugger support, shared by debug.c (the hooks and the step-over over
 * breakpoints), regs.c, mem.c, bp.c, unwind.c and the architecture file.
 * Everything here runs on the tracer thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <utrace/regs.h>
#include <utrace/utrace.h>

#include "list.h"

struct utrace_task;

/* Who owns a breakpoint: the engines with these ops and data. */
struct bp_owner {
	const struct utrace_engine_ops *ops;
	void *data;
};

struct bp {
	struct list_head node; /* in debug_mm.bps */
	uint64_t addr;
	uint8_t orig;  /* the program's byte at @addr */
	bool inserted; /* the trap instruction is in memory */
	size_t n_owners;
	struct bp_owner *owners;
};

/* Breakpoints removed lately: a hit already on its way is swallowed. */
#define BP_MORIBUND_MAX 64

/*
 * One address space: a process, shared by its threads.  Linked from the
 * debug_task of every task of the process that needed it.
 */
struct debug_mm {
	unsigned int refs; /* linked tasks */
	pid_t tgid;
	int mem_fd; /* /proc/<tid>/mem, -1 until needed */
	struct list_head bps;
	uint64_t moribund[BP_MORIBUND_MAX];
	size_t n_moribund;
	size_t moribund_next;
	/* Linked vfork children: until they exec or exit they run in this
	 * address space while their parent waits in the kernel. */
	unsigned int n_vfork;

	/*
	 * Step-over: one thread at a time executes the original instruction
	 * under a breakpoint, with the trap instruction taken out, while
	 * every other thread of the process is kept in a ptrace stop.
	 */
	struct utrace_task
		*stepper;         /* its step-over is being prepared or runs */
	bool launched;            /* the stepper is executing the instruction */
	unsigned int awaited;     /* threads that still have to stop first */
	struct list_head waiting; /* threads on a breakpoint, in line */
	struct list_head parked;  /* threads kept stopped meanwhile */
};

/* Hardware watchpoints of a thread: one per debug address register. */
#define WP_SLOTS 4

struct wp {
	uint64_t addr;
	unsigned int len;
	int kind; /* enum utrace_wp_kind */
	size_t n_owners;
	struct bp_owner *owners; /* NULL: the slot is free */
};

/* A breakpoint hit interrupted by a signal before its instruction ran. */
#define DEBUG_VISITS_MAX 4

struct debug_task {
	/* Pointers and 8-byte fields first, then smaller ones, then flags:
	 * no padding. */
	struct utrace_task *t;
	struct debug_mm *mm; /* NULL: not looked up yet, or none */
	struct utrace_regs regs;
	struct utrace_fpregs fpregs;
	/* The extended state (XSAVE area), whose first bytes are the FP
	 * registers: both copies kept the same while both are valid. */
	uint8_t *xs; /* XSTATE_MAX bytes, allocated on use */
	size_t xs_len;
	/* Stopped on the breakpoint at @at_bp (pc rewound), its instruction
	 * not yet executed: resuming steps over it. */
	uint64_t at_bp;
	uint64_t hit_addr; /* of the STOP_BREAKPOINT being reported */
	struct wp wps[WP_SLOTS];
	struct utrace_regs *visits; /* DEBUG_VISITS_MAX, allocated on use */
	size_t n_visits;
	/* Step-over bookkeeping (see debug_mm). */
	struct list_head so_node; /* in mm->waiting or mm->parked */
	long so_req;              /* the request the step-over replaces */
	pid_t vfork_parent;       /* a vfork child in its parent's memory */
	unsigned int hit_wps;     /* or the watchpoint slots it reports */
	bool mm_checked;          /* no address space existed when looked up */
	bool regs_valid;
	bool regs_dirty;
	bool fp_valid;
	bool fp_dirty;
	bool xs_valid;
	bool xs_dirty;
	bool at_bp_set;
	bool wp_dirty; /* the debug registers must be written at the stop */
	bool wp_ever;  /* some were set since the last exec: traps are ours */
	bool parked;   /* in mm->parked */
	bool waiting;  /* in mm->waiting */
	bool awaited;  /* counted in mm->awaited */
	bool so_internal; /* the step was ours, not an engine's */
	bool so_syscall;  /* the instruction is a system call */
	bool so_done;     /* the step-over ended at this stop */
};

/* debug.c */
struct debug_task *debug_get(struct utrace_task *t);
struct debug_mm *debug_mm_of(struct utrace_task *t, bool create);
bool debug_in_mm(const struct utrace_task *t, const struct debug_mm *mm);
pid_t debug_mm_tid(struct utrace *u, const struct debug_mm *mm);
void debug_bps_gone(struct debug_mm *mm, struct utrace_task *except);
int debug_check_stopped(const struct utrace_task *t);
int debug_check_traced(const struct utrace_task *t);

/* regs.c */
int regs_get(struct utrace_task *t, struct utrace_regs **ret);
void regs_changed(struct utrace_task *t);
int regs_flush(struct utrace_task *t, bool final);
void regs_invalidate(struct debug_task *d);
int regs_pc(struct utrace_task *t, uint64_t *ret);

/* mem.c */
int mem_fd(struct debug_mm *mm, pid_t tid);
void mem_close(struct debug_mm *mm);
int mem_read_raw(struct utrace_task *t, uint64_t addr, void *buf, size_t len,
                 size_t *ret_len);
int mem_poke(struct debug_mm *mm, pid_t tid, uint64_t addr, uint8_t byte);
int mem_peek(struct debug_mm *mm, pid_t tid, uint64_t addr, uint8_t *ret);

/* bp.c */
struct bp *bp_find(struct debug_mm *mm, uint64_t addr);
bool bp_is_moribund(const struct debug_mm *mm, uint64_t addr);
void bp_reinsert(struct debug_mm *mm, pid_t tid, struct bp *bp);
void bp_remove_all(struct debug_mm *mm, pid_t tid, bool write);
bool bp_prune_owners(struct debug_mm *mm, struct utrace_task *t);
bool bp_same_vm(pid_t a, pid_t b);
void bp_report(struct utrace_task *t, uint64_t addr);
bool bp_keep_for_hit(struct debug_mm *mm, struct utrace_task *t, struct bp *bp);
void bp_forget_in(struct debug_mm *mm, pid_t tid, pid_t child);
int bp_inherit(struct debug_mm *parent, struct utrace_task *child);
void bp_mask(const struct debug_mm *mm, uint64_t addr, uint8_t *buf,
             size_t len);

void wp_report(struct utrace_task *t, unsigned int slots);
int wp_flush(struct utrace_task *t);
void wp_prune(struct utrace_task *t);
void wp_clear(struct utrace_task *t, bool write);
int wp_classify(struct utrace_task *t);

/* arch/ */
int arch_wp_check(uint64_t addr, unsigned int len, int kind);
int arch_wp_store(pid_t tid, const struct wp *wps);
int arch_wp_hits(pid_t tid, unsigned int *ret_slots);
bool arch_trap_is_wp(int si_code);
int arch_regs_fetch(pid_t tid, struct utrace_regs *ret);
int arch_regs_store(pid_t tid, const struct utrace_regs *regs);
int arch_fpregs_fetch(pid_t tid, struct utrace_fpregs *ret);
int arch_fpregs_store(pid_t tid, const struct utrace_fpregs *fpregs);
int arch_xstate_read(pid_t tid, void *buf, size_t size, size_t *ret_len);
int arch_xstate_write(pid_t tid, const void *buf, size_t len);
void arch_xstate_fp_changed(uint8_t *xs, size_t len);
uint64_t arch_regs_pc(const struct utrace_regs *regs);
void arch_regs_set_pc(struct utrace_regs *regs, uint64_t pc);
uint64_t arch_regs_sp(const struct utrace_regs *regs);
bool arch_regs_same_context(const struct utrace_regs *a,
                            const struct utrace_regs *b);
void arch_regs_apply_syscall(struct utrace_regs *regs,
                             const struct utrace_syscall *sc,
                             const struct utrace_syscall *orig, bool entry,
                             bool abort);
extern const uint8_t arch_bp_insn;
/* How far past the trap instruction the program counter is at the trap. */
extern const uint64_t arch_bp_pc_after;
bool arch_insn_is_syscall(const uint8_t *insn, size_t len);
bool arch_is_sigreturn(const uint8_t *code, size_t len);
bool arch_trap_is_bp(int si_code);
bool arch_trap_is_step(int si_code);
