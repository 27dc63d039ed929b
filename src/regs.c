/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registers: a lazy cache per stop, shared by every engine, written back
 * once before the task resumes.  The architecture file knows the layout
 * and maps a struct utrace_syscall onto the registers.
 *
 * At a syscall stop the engines may change both the registers and the
 * struct utrace_syscall.  The syscall changes are applied as differences
 * over the cached registers (arch_regs_apply_syscall), whichever path
 * writes them (PTRACE_SET_SYSCALL_INFO or registers), so neither undoes
 * the other.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <utrace/regs.h>

#include "debug-private.h"
#include "utrace-private.h"

/* Room for the XSAVE area: the largest (AMX) is under 12 KiB. */
#define XSTATE_MAX 16384

void
regs_invalidate(struct debug_task *d)
{
	d->regs_valid = false;
	d->regs_dirty = false;
	d->fp_valid = false;
	d->fp_dirty = false;
	d->xs_valid = false;
	d->xs_dirty = false;
}

/* The stop's registers, fetched if needed. */
int
regs_get(struct utrace_task *t, struct utrace_regs **ret)
{
	struct debug_task *d = debug_get(t);
	int r;

	if (!d)
		return -ENOMEM;
	if (!d->regs_valid) {
		r = arch_regs_fetch(atomic_load(&t->tid), &d->regs);
		if (r < 0)
			return r;
		d->regs_valid = true;
		d->regs_dirty = false;
	}
	*ret = &d->regs;
	return 0;
}

void
regs_changed(struct utrace_task *t)
{
	if (t->debug && t->debug->regs_valid)
		t->debug->regs_dirty = true;
}

int
regs_pc(struct utrace_task *t, uint64_t *ret)
{
	struct utrace_regs *regs;
	int r = regs_get(t, &regs);

	if (r < 0)
		return r;
	*ret = arch_regs_pc(regs);
	return 0;
}

static bool
stop_is_syscall(const struct stop *s)
{
	return s->kind == STOP_SYSCALL_ENTRY || s->kind == STOP_SYSCALL_EXIT;
}

static bool
stop_aborts(const struct stop *s)
{
	return s->kind == STOP_SYSCALL_ENTRY &&
	       utrace_syscall_action(s->disp) == UTRACE_SYSCALL_ABORT;
}

/*
 * Writes what engines changed to the task.  Before a resume (@final) the
 * syscall changes are folded in first: the kernel's copy already holds
 * them when PTRACE_SET_SYSCALL_INFO wrote them, and the cached registers,
 * fetched before, must not undo them.
 */
int
regs_flush(struct utrace_task *t, bool final)
{
	struct debug_task *d = t->debug;
	pid_t tid = atomic_load(&t->tid);
	int ret = 0;
	int r;

	if (!d)
		return 0;
	if (d->regs_dirty) {
		const struct stop *s = &t->stop;

		if (final && stop_is_syscall(s))
			arch_regs_apply_syscall(&d->regs, &s->sc, &s->orig_sc,
			                        s->kind == STOP_SYSCALL_ENTRY,
			                        stop_aborts(s));
		r = arch_regs_store(tid, &d->regs);
		if (r < 0) {
			ulog(t->u, r == -ESRCH ? LOG_DEBUG : LOG_WARNING,
			     "task %d: writing registers: %d", tid, r);
			ret = r;
		}
		d->regs_dirty = false;
	}
	if (d->xs_dirty) {
		/* The FP registers are in it: one write for both. */
		r = arch_xstate_write(tid, d->xs, d->xs_len);
		if (r < 0) {
			ulog(t->u, r == -ESRCH ? LOG_DEBUG : LOG_WARNING,
			     "task %d: writing the XSAVE area: %d", tid, r);
			if (!ret)
				ret = r;
		}
		d->xs_dirty = false;
		d->fp_dirty = false;
	}
	if (d->fp_dirty) {
		r = arch_fpregs_store(tid, &d->fpregs);
		if (r < 0) {
			ulog(t->u, r == -ESRCH ? LOG_DEBUG : LOG_WARNING,
			     "task %d: writing FP registers: %d", tid, r);
			if (!ret)
				ret = r;
		}
		d->fp_dirty = false;
	}
	return ret;
}

/*
 * The register path of syscall_write_back(): the syscall changes go into
 * the cached registers, which are written now.
 */
int
regs_syscall_write(struct utrace_task *t, bool entry, bool abort)
{
	struct utrace_regs *regs;
	int r = regs_get(t, &regs);

	if (r < 0)
		return r;
	arch_regs_apply_syscall(regs, &t->stop.sc, &t->stop.orig_sc, entry,
	                        abort);
	t->debug->regs_dirty = true;
	return regs_flush(t, false);
}

/* ---- public API ------------------------------------------------------- */

enum regs_op {
	REGS_READ,
	REGS_WRITE,
	FPREGS_READ,
	FPREGS_WRITE,
	XSTATE_READ,
	XSTATE_WRITE,
	PC_READ,
	PC_WRITE,
	SP_READ,
};

struct regs_args {
	struct utrace_task *task;
	enum regs_op op;
	struct utrace_regs *regs;
	struct utrace_fpregs *fpregs;
	void *buf;
	const void *wbuf;
	size_t size;
	size_t len;
	uint64_t value;
};

static int
fpregs_get(struct utrace_task *t, struct utrace_fpregs **ret)
{
	struct debug_task *d = debug_get(t);
	int r;

	if (!d)
		return -ENOMEM;
	if (d->xs_valid && !d->fp_valid) {
		/* It may hold an engine's change not written yet. */
		memcpy(&d->fpregs, d->xs, sizeof(d->fpregs));
		d->fp_valid = true;
		d->fp_dirty = false;
	}
	if (!d->fp_valid) {
		r = arch_fpregs_fetch(atomic_load(&t->tid), &d->fpregs);
		if (r < 0)
			return r;
		d->fp_valid = true;
		d->fp_dirty = false;
	}
	*ret = &d->fpregs;
	return 0;
}

/* The stop's XSAVE area, fetched if needed, with the cached FP
 * registers (which engines may have changed) over its first bytes. */
static int
xstate_get(struct utrace_task *t, struct debug_task **ret)
{
	struct debug_task *d = debug_get(t);
	int r;

	if (!d)
		return -ENOMEM;
	if (!d->xs_valid) {
		if (!d->xs) {
			/* Zeroed: valgrind does not see the kernel fill it. */
			d->xs = calloc(1, XSTATE_MAX);
			if (!d->xs)
				return -ENOMEM;
		}
		r = arch_xstate_read(atomic_load(&t->tid), d->xs, XSTATE_MAX,
		                     &d->xs_len);
		if (r < 0)
			return r;
		if (d->xs_len < sizeof(d->fpregs))
			return -EOPNOTSUPP;
		if (d->fp_valid && d->fp_dirty) {
			memcpy(d->xs, &d->fpregs, sizeof(d->fpregs));
			arch_xstate_fp_changed(d->xs, d->xs_len);
		}
		d->xs_valid = true;
		d->xs_dirty = false;
	}
	*ret = d;
	return 0;
}

static int
do_xstate(struct regs_args *a)
{
	struct utrace_task *t = a->task;
	struct debug_task *d;
	int r = xstate_get(t, &d);

	if (r < 0)
		return r;
	if (a->op == XSTATE_READ) {
		a->len = MIN(a->size, d->xs_len);
		memcpy(a->buf, d->xs, a->len);
		return 0;
	}
	if (a->size != d->xs_len)
		return -EINVAL;
	memcpy(d->xs, a->wbuf, a->size);
	d->xs_dirty = true;
	if (d->fp_valid)
		memcpy(&d->fpregs, d->xs, sizeof(d->fpregs));
	return 0;
}

static int
do_regs(struct utrace *u, void *arg)
{
	struct regs_args *a = arg;
	struct utrace_task *t = a->task;
	struct utrace_regs *regs;
	struct utrace_fpregs *fpregs;
	int r;

	(void)u;
	r = debug_check_stopped(t);
	if (r < 0)
		return r;
	switch (a->op) {
	case FPREGS_READ:
	case FPREGS_WRITE:
		r = fpregs_get(t, &fpregs);
		if (r < 0)
			break;
		if (a->op == FPREGS_READ) {
			*a->fpregs = *fpregs;
			break;
		}
		*fpregs = *a->fpregs;
		t->debug->fp_dirty = true;
		if (t->debug->xs_valid) {
			memcpy(t->debug->xs, fpregs, sizeof(*fpregs));
			arch_xstate_fp_changed(t->debug->xs, t->debug->xs_len);
		}
		break;
	case XSTATE_READ:
	case XSTATE_WRITE:
		r = do_xstate(a);
		break;
	default:
		r = regs_get(t, &regs);
		if (r < 0)
			break;
		switch (a->op) {
		case REGS_READ:
			*a->regs = *regs;
			break;
		case REGS_WRITE:
			*regs = *a->regs;
			t->debug->regs_dirty = true;
			break;
		case PC_READ:
			a->value = arch_regs_pc(regs);
			break;
		case PC_WRITE:
			arch_regs_set_pc(regs, a->value);
			t->debug->regs_dirty = true;
			break;
		default:
			a->value = arch_regs_sp(regs);
			break;
		}
		break;
	}
	return r;
}

UTRACE_EXPORT int
utrace_task_read_regs(struct utrace_task *task, struct utrace_regs *ret_regs)
{
	struct regs_args a = { .task = task, .op = REGS_READ };
	struct utrace_regs regs;
	int r;

	assert_return(task, -EINVAL);
	assert_return(ret_regs, -EINVAL);

	a.regs = &regs;
	r = cmdq_call(task->u, do_regs, &a);
	if (r < 0)
		return r;
	*ret_regs = regs;
	return 0;
}

UTRACE_EXPORT int
utrace_task_write_regs(struct utrace_task *task, const struct utrace_regs *regs)
{
	struct utrace_regs copy;
	struct regs_args a = { .task = task, .op = REGS_WRITE };

	assert_return(task, -EINVAL);
	assert_return(regs, -EINVAL);

	copy = *regs;
	a.regs = &copy;
	return cmdq_call(task->u, do_regs, &a);
}

UTRACE_EXPORT int
utrace_task_read_fpregs(struct utrace_task *task,
                        struct utrace_fpregs *ret_fpregs)
{
	struct regs_args a = { .task = task, .op = FPREGS_READ };
	struct utrace_fpregs fpregs;
	int r;

	assert_return(task, -EINVAL);
	assert_return(ret_fpregs, -EINVAL);

	a.fpregs = &fpregs;
	r = cmdq_call(task->u, do_regs, &a);
	if (r < 0)
		return r;
	*ret_fpregs = fpregs;
	return 0;
}

UTRACE_EXPORT int
utrace_task_write_fpregs(struct utrace_task *task,
                         const struct utrace_fpregs *fpregs)
{
	struct utrace_fpregs copy;
	struct regs_args a = { .task = task, .op = FPREGS_WRITE };

	assert_return(task, -EINVAL);
	assert_return(fpregs, -EINVAL);

	copy = *fpregs;
	a.fpregs = &copy;
	return cmdq_call(task->u, do_regs, &a);
}

UTRACE_EXPORT int
utrace_task_read_xstate(struct utrace_task *task, void *buf, size_t size,
                        size_t *ret_len)
{
	struct regs_args a = {
		.task = task, .op = XSTATE_READ, .buf = buf, .size = size
	};
	int r;

	assert_return(task, -EINVAL);
	assert_return(buf, -EINVAL);
	assert_return(size > 0, -EINVAL);
	assert_return(ret_len, -EINVAL);

	r = cmdq_call(task->u, do_regs, &a);
	if (r < 0)
		return r;
	*ret_len = a.len;
	return 0;
}

UTRACE_EXPORT int
utrace_task_write_xstate(struct utrace_task *task, const void *buf, size_t len)
{
	struct regs_args a = {
		.task = task, .op = XSTATE_WRITE, .wbuf = buf, .size = len
	};

	assert_return(task, -EINVAL);
	assert_return(buf, -EINVAL);
	assert_return(len > 0, -EINVAL);

	return cmdq_call(task->u, do_regs, &a);
}

UTRACE_EXPORT int
utrace_task_read_pc(struct utrace_task *task, uint64_t *ret_pc)
{
	struct regs_args a = { .task = task, .op = PC_READ };
	int r;

	assert_return(task, -EINVAL);
	assert_return(ret_pc, -EINVAL);

	r = cmdq_call(task->u, do_regs, &a);
	if (r < 0)
		return r;
	*ret_pc = a.value;
	return 0;
}

UTRACE_EXPORT int
utrace_task_write_pc(struct utrace_task *task, uint64_t pc)
{
	struct regs_args a = { .task = task, .op = PC_WRITE, .value = pc };

	assert_return(task, -EINVAL);

	return cmdq_call(task->u, do_regs, &a);
}

UTRACE_EXPORT int
utrace_task_read_sp(struct utrace_task *task, uint64_t *ret_sp)
{
	struct regs_args a = { .task = task, .op = SP_READ };
	int r;

	assert_return(task, -EINVAL);
	assert_return(ret_sp, -EINVAL);

	r = cmdq_call(task->u, do_regs, &a);
	if (r < 0)
		return r;
	*ret_sp = a.value;
	return 0;
}
