/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stack tracer engine (-k): after the line of each traced call, the
 * stack of the thread that made it, innermost frame first, one line per
 * frame as strace -k prints it:
 *
 *    > /usr/lib/x86_64-linux-gnu/libc.so.6(__write+0x10) [0xf8350]
 *
 * the file mapped at the frame's address, the function and the offset in
 * it, and the address as an offset in the file.  The stack is taken at
 * the call's entry (the program's memory map may change during the call:
 * execve, munmap) and printed after its exit, or after "= ?" for a call
 * that never returns.  It only looks.
 */
#ifndef MSTRACE_STACK_H
#define MSTRACE_STACK_H

#include <utrace/utrace.h>

#include "attach.h"
#include "filter.h"
#include "output.h"

struct stack;

/* A stack tracer for the calls in @calls, printing to @out (both
 * borrowed).  NULL when out of memory. */
struct stack *stack_new(struct output *out, const struct filter *calls);

/* Attach the tracer to @task, after the printer (so that its lines come
 * after the call's).  Returns 0 or a negative errno from the library. */
int stack_attach(struct stack *s, struct utrace_task *task,
                 const struct attach_opts *opts);

/* Free a tracer whose engines no longer run.  Takes NULL. */
void stack_free(struct stack *s);

#endif /* MSTRACE_STACK_H */
