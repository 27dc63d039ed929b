/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hooks of the debugger support (registers, memory, stepping, software
 * breakpoints) into the stop handling of task.c.  All run on the tracer
 * thread.  The implementations live in debug.c and the files it uses.
 */
#pragma once

#include <stdbool.h>

struct utrace_task;

/* A new stop of @t was seen: forget what was cached for the last one. */
void debug_stop_begin(struct utrace_task *t);

/*
 * A SIGTRAP signal-delivery stop of @t (siginfo in t->stop.info): the
 * kind it really is.  STOP_STEP: an engine's step is done, consumed
 * (task.c reports it as report_quiesce() with event 0).  STOP_BREAKPOINT:
 * one of our int3s, pc rewound, consumed.  STOP_OTHER: a trap consumed
 * without a report (the end of the library's own step over a breakpoint,
 * a hit on a breakpoint removed meanwhile or owned by nobody any more, a
 * hit already reported before a signal handler ran).  STOP_SIGNAL: a real
 * SIGTRAP for the program.  @stepping: the task was resumed with a step.
 */
int debug_classify_trap(struct utrace_task *t, bool stepping);

/* Report a STOP_BREAKPOINT stop: report_quiesce(UTRACE_EVENT(BREAKPOINT))
 * to the engines with QUIESCE, report_breakpoint() to those that own it,
 * in attach order, merged into t->stop like any report. */
void debug_report_breakpoint(struct utrace_task *t);

/*
 * About to resume @t with ptrace request *@req: write back dirty
 * registers, and turn the request into a step over a breakpoint when the
 * task sits on one.  Returns 0 (resume with *@req), -EINPROGRESS (leave
 * the task in its ptrace stop: it waits for the other threads of its
 * address space to stop before its step over a breakpoint, or another
 * thread's step-over runs; debug.c resumes it later through
 * task_maybe_resume()), or -ESRCH (the task is gone).
 */
int debug_resume(struct utrace_task *t, long *req);

/* About to detach from @t: write back registers; remove breakpoints from
 * its address space if no other traced thread of it keeps them. */
void debug_detach(struct utrace_task *t);

/* @t's process executed a new program: its breakpoints are gone. */
void debug_exec(struct utrace_task *t);

/* @child, a new process made by @parent, will not be traced: remove the
 * int3s it inherited. */
void debug_forget_child(struct utrace_task *parent, struct utrace_task *child);

/* @child is a vfork child of @parent (before its report_clone): while it
 * shares the parent's memory, it shares its breakpoints. */
void debug_vfork(struct utrace_task *parent, struct utrace_task *child);

/* Whether @t, without engines, must stay traced (breakpoints in its
 * memory would kill it). */
bool debug_keeps(struct utrace_task *t);

/* Engines of @t were detached: drop the breakpoints they alone owned. */
void debug_engines_changed(struct utrace_task *t);

/* @t died: free what the debugger support kept for it. */
void debug_death(struct utrace_task *t);
