/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stack traces through libunwind-ptrace.  Its accessors read registers and
 * memory with ptrace(), so they run on the tracer thread, on a task in a
 * ptrace stop; the registers engines changed are written first so that
 * the trace starts where the task will resume.
 */
#include "config.h"

#include <errno.h>
#include <libunwind-ptrace.h>
#include <string.h>

#include "debug-private.h"
#include "utrace-private.h"

struct unwind_args {
	struct utrace_task *task;
	struct utrace_frame *frames;
	size_t max;
	size_t n;
};

static void
frame_fill(struct utrace_task *t, unw_cursor_t *c, struct utrace_frame *f)
{
	uint8_t code[16];
	size_t n = 0;
	unw_word_t ip = 0;
	unw_word_t sp = 0;
	unw_word_t off = 0;
	int r;

	memset(f, 0, sizeof(*f));
	(void)unw_get_reg(c, UNW_REG_IP, &ip);
	(void)unw_get_reg(c, UNW_REG_SP, &sp);
	f->pc = ip;
	f->sp = sp;
	/* -UNW_ENOMEM: the name was cut to fit. */
	r = unw_get_proc_name(c, f->name, sizeof(f->name), &off);
	if (r == 0 || (r == -UNW_ENOMEM && f->name[0])) {
		f->name[sizeof(f->name) - 1] = '\0';
		f->offset = off;
	} else {
		f->name[0] = '\0';
	}
	/* libunwind's own signal frame flag varies between versions: the
	 * trampoline is recognised by its code. */
	if (mem_read_raw(t, ip, code, sizeof(code), &n) == 0) {
		if (t->debug && t->debug->mm)
			bp_mask(t->debug->mm, ip, code, n);
		if (arch_is_sigreturn(code, n))
			f->flags |= UTRACE_FRAME_SIGNAL;
	}
}

static int
do_unwind(struct utrace *u, void *arg)
{
	struct unwind_args *a = arg;
	struct utrace_task *t = a->task;
	unw_addr_space_t as;
	unw_cursor_t c;
	void *upt;
	int r;

	(void)u;
	r = debug_check_stopped(t);
	if (r < 0)
		return r;
	r = regs_flush(t, false);
	if (r == -ESRCH)
		return r;

	as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!as)
		return -ENOMEM;
	upt = _UPT_create(atomic_load(&t->tid));
	if (!upt) {
		unw_destroy_addr_space(as);
		return -ENOMEM;
	}
	if (unw_init_remote(&c, as, upt) < 0) {
		r = debug_check_stopped(t) < 0 ? -ESRCH : -EIO;
		goto out;
	}
	a->n = 0;
	for (;;) {
		frame_fill(t, &c, &a->frames[a->n++]);
		if (a->n == a->max || unw_step(&c) <= 0)
			break;
	}
	r = 0;
out:
	_UPT_destroy(upt);
	unw_destroy_addr_space(as);
	return r;
}

UTRACE_EXPORT int
utrace_task_unwind(struct utrace_task *task, struct utrace_frame *frames,
                   size_t max, size_t *ret_n)
{
	struct unwind_args a = { .task = task, .frames = frames, .max = max };
	int r;

	assert_return(task, -EINVAL);
	assert_return(frames, -EINVAL);
	assert_return(max > 0, -EINVAL);
	assert_return(ret_n, -EINVAL);

	r = cmdq_call(task->u, do_unwind, &a);
	if (r < 0)
		return r;
	*ret_n = a.n;
	return 0;
}
