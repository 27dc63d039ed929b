/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Debugger support: the hooks task.c calls at each stop (see debug.h),
 * the per-task and per-process state, and the step over a breakpoint.
 *
 * Stepping over a breakpoint.  A thread that stopped on one of our trap
 * instructions (its pc rewound to the breakpoint) must execute the
 * original instruction when it resumes.  The original byte is put back
 * for that one instruction; while it is there no other thread of the
 * process may run, or it could pass the address unseen.  So the step-over
 * is a small state machine per address space (struct debug_mm):
 *
 * 1. The thread becomes the stepper.  Every other traced thread of the
 *    process that runs is interrupted (PTRACE_INTERRUPT) and counted as
 *    awaited; the stepper stays in its ptrace stop (debug_resume()
 *    returns -EINPROGRESS: task.c leaves the task stopped).
 * 2. Each awaited thread's next stop, whatever it is, uncounts it.  The
 *    stop is handled as usual; when task.c resumes a thread of the
 *    process while a step-over is under way, debug_resume() keeps it in
 *    its stop instead (parked).  A thread that is itself on a breakpoint
 *    queues (waiting).
 * 3. When none is awaited, the stepper is resumed through task.c again,
 *    and debug_resume() turns the request into one step with the
 *    original byte back: PTRACE_SINGLESTEP, or PTRACE_SYSCALL when the
 *    instruction is a system call (so that it cannot block while the
 *    others wait; the step ends at the syscall entry stop).
 * 4. At the stepper's next stop the trap instruction is reinserted; the
 *    next waiting thread steps over, or every parked thread is resumed
 *    through task.c, which applies whatever their engines decided since.
 *
 * Kept threads are in a ptrace stop as far as task.c knows, so their
 * registers can be read, their engines can hold or detach them, and no
 * sweep for lost stops mistakes them for running.  A stepper an engine
 * holds gives up its turn and steps over when it is released.
 *
 * Nothing here blocks: the tracer keeps serving every task meanwhile.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <syslog.h>

#include "debug-private.h"
#include "debug.h"
#include "utrace-private.h"

/* ---- per-task and per-process state ---------------------------------- */

struct debug_task *
debug_get(struct utrace_task *t)
{
	struct debug_task *d = t->debug;

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d) {
		ulog(t->u, LOG_ERR, "task %d: no memory for debug state",
		     atomic_load(&t->tid));
		return NULL;
	}
	d->t = t;
	list_init(&d->so_node);
	t->debug = d;
	return d;
}

static bool
task_traced(const struct utrace_task *t)
{
	return t->state != TASK_DEAD && t->state != TASK_DETACHED && !t->dying;
}

int
debug_check_traced(const struct utrace_task *t)
{
	return task_traced(t) ? 0 : -ESRCH;
}

int
debug_check_stopped(const struct utrace_task *t)
{
	if (!task_traced(t))
		return -ESRCH;
	return t->state == TASK_STOPPED ? 0 : -EBUSY;
}

static pid_t
task_tgid(const struct utrace_task *t)
{
	long v;

	if (t->tgid)
		return t->tgid;
	if (proc_status_field(atomic_load(&t->tid), "Tgid:", &v) == 0)
		return (pid_t)v;
	return 0;
}

static void
mm_link(struct debug_task *d, struct debug_mm *mm)
{
	d->mm = mm;
	d->mm_checked = false;
	mm->refs++;
}

static struct debug_mm *
mm_new(pid_t tgid)
{
	struct debug_mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->tgid = tgid;
	mm->mem_fd = -1;
	list_init(&mm->bps);
	list_init(&mm->waiting);
	list_init(&mm->parked);
	return mm;
}

/*
 * The address space of @t's process.  Once one exists, every traced
 * thread of the process is linked to it, so a thread whose lookup found
 * none (mm_checked) needs no new search until one is made.
 */
struct debug_mm *
debug_mm_of(struct utrace_task *t, bool create)
{
	struct debug_task *d = debug_get(t);
	struct debug_mm *mm = NULL;
	struct list_head *pos;
	pid_t tgid;

	if (!d)
		return NULL;
	if (d->mm)
		return d->mm;
	if (d->mm_checked && !create)
		return NULL;
	tgid = task_tgid(t);
	if (!tgid)
		return NULL;
	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);

		if (o->tgid == tgid && o->debug && o->debug->mm) {
			mm = o->debug->mm;
			break;
		}
	}
	if (!mm && !create) {
		d->mm_checked = t->tgid != 0;
		return NULL;
	}
	if (!mm) {
		mm = mm_new(tgid);
		if (!mm)
			return NULL;
		t->u->n_mm++;
		list_for_each(pos, &t->u->tasks) {
			struct utrace_task *o =
				list_entry(pos, struct utrace_task, node);
			struct debug_task *od;

			if (o == t || o->tgid != tgid || !task_traced(o))
				continue;
			od = debug_get(o);
			if (od && !od->mm)
				mm_link(od, mm);
		}
	}
	mm_link(d, mm);
	return mm;
}

static void
debug_free(struct utrace_task *t, struct debug_task *d)
{
	for (int i = 0; i < WP_SLOTS; i++)
		free(d->wps[i].owners);
	free(d->xs);
	free(d->visits);
	free(d);
	t->debug = NULL;
}

/* @t leaves its address space; the last traced thread frees it. */
static void
mm_unlink(struct utrace_task *t, struct debug_task *d)
{
	struct debug_mm *mm = d->mm;
	struct list_head *pos;

	if (!mm)
		return;
	d->mm = NULL;
	if (d->vfork_parent) {
		d->vfork_parent = 0;
		mm->n_vfork--;
	}
	if (--mm->refs)
		return;
	/* Hand it on to a thread of the process that never needed it. */
	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);
		struct debug_task *od;

		if (o == t || o->tgid != mm->tgid || !task_traced(o))
			continue;
		od = debug_get(o);
		if (od && !od->mm) {
			mm_link(od, mm);
			return;
		}
	}
	bp_remove_all(mm, 0, false);
	mem_close(mm);
	free(mm);
	t->u->n_mm--;
}

/* Whether @t runs in @mm: a thread of its process, or a vfork child. */
bool
debug_in_mm(const struct utrace_task *t, const struct debug_mm *mm)
{
	return t->tgid == mm->tgid || (t->debug && t->debug->mm == mm);
}

/* A traced live thread of @mm, to reach its memory through; or 0. */
pid_t
debug_mm_tid(struct utrace *u, const struct debug_mm *mm)
{
	struct list_head *pos;

	list_for_each(pos, &u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);

		if (debug_in_mm(o, mm) && task_traced(o) &&
		    o->state != TASK_NEW)
			return atomic_load(&o->tid);
	}
	return 0;
}

/* The address space of @t's process if there is one; allocates nothing. */
static struct debug_mm *
mm_find(const struct utrace_task *t)
{
	struct list_head *pos;

	if (t->debug && (t->debug->mm || t->debug->mm_checked))
		return t->debug->mm;
	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);

		if (o->tgid == t->tgid && o->debug && o->debug->mm)
			return o->debug->mm;
	}
	return NULL;
}

/*
 * A thread without engines stays traced while its address space has
 * breakpoints: untraced, it would die of SIGTRAP on one.  Its hits are
 * stepped over and reported to nobody.  Not while the context goes away:
 * everything is removed then.
 */
bool
debug_keeps(struct utrace_task *t)
{
	struct debug_mm *mm;

	/* Asked at every resume: without any address space in use (no
	 * breakpoint, no memory access yet) nothing is looked up or
	 * allocated. */
	if (!t->u->n_mm || t->u->quit || !task_traced(t))
		return false;
	mm = debug_mm_of(t, false);
	return mm && !list_empty(&mm->bps);
}

/*
 * The last breakpoint of @mm went: the threads kept traced only for
 * breakpoints are let go (detached at their next stop, or now).  @mm may
 * be freed on return unless @except is linked to it.
 */
void
debug_bps_gone(struct debug_mm *mm, struct utrace_task *except)
{
	struct utrace *u = except->u;
	struct list_head *pos;

	/* Letting one go can resume or detach others (the step-over it took
	 * part in ends): look again from the start each time.  Each is let
	 * go once: detached, or on its way (detach_pending). */
	for (;;) {
		struct utrace_task *o = NULL;

		list_for_each(pos, &u->tasks) {
			struct utrace_task *c =
				list_entry(pos, struct utrace_task, node);

			if (c != except && debug_in_mm(c, mm) &&
			    list_empty(&c->engines) && !c->seccomp &&
			    !c->start_hold && task_traced(c) && !c->in_pass &&
			    !c->detach_pending &&
			    (c->state != TASK_NEW || c->parent_seen)) {
				o = c;
				break;
			}
		}
		if (!o)
			return;
		utrace_task_get(o);
		if (o->state == TASK_STOPPED)
			task_maybe_resume(o);
		else
			task_detach_ptrace(o);
		if (o->state != TASK_DETACHED && !o->untraced)
			o->detach_pending = true;
		utrace_task_put(o);
	}
}

/* Engines left @t: breakpoints nobody in the process owns any more go. */
void
debug_engines_changed(struct utrace_task *t)
{
	struct debug_mm *mm = mm_find(t);

	wp_prune(t);
	if (!mm || list_empty(&mm->bps) || !bp_prune_owners(mm, t) ||
	    !list_empty(&mm->bps))
		return;
	debug_bps_gone(mm, t);
}

/* The signal the current stop passes on when resumed (as task.c). */
static int
stop_sig(const struct utrace_task *t)
{
	const struct stop *s = &t->stop;

	if (s->kind != STOP_SIGNAL ||
	    utrace_signal_action(s->disp) == UTRACE_SIGNAL_IGN)
		return 0;
	return s->info.si_signo;
}

/* ---- breakpoint visits interrupted by signals ------------------------ */

static void
visit_push(struct debug_task *d, const struct utrace_regs *regs)
{
	if (!d->visits) {
		d->visits = calloc(DEBUG_VISITS_MAX, sizeof(*d->visits));
		if (!d->visits) {
			/* The hit may be reported twice, no worse. */
			ulog(d->t->u, LOG_ERR, "task %d: no memory",
			     atomic_load(&d->t->tid));
			return;
		}
	}
	if (d->n_visits == DEBUG_VISITS_MAX) {
		memmove(&d->visits[0], &d->visits[1],
		        (DEBUG_VISITS_MAX - 1) * sizeof(d->visits[0]));
		d->n_visits--;
	}
	d->visits[d->n_visits++] = *regs;
}

/*
 * Whether @regs (at a hit) are a context a signal interrupted on the
 * breakpoint: the same hit, not to be reported again.  Visits pushed
 * after it belong to handlers that never returned: dropped.
 */
static bool
visit_match(struct debug_task *d, const struct utrace_regs *regs)
{
	for (size_t i = d->n_visits; i-- > 0;) {
		if (arch_regs_same_context(&d->visits[i], regs)) {
			d->n_visits = i;
			return true;
		}
	}
	return false;
}

/* ---- the step-over ---------------------------------------------------- */

static void
so_unlist(struct debug_task *d)
{
	if (!d->parked && !d->waiting)
		return;
	list_del(&d->so_node);
	list_init(&d->so_node);
	d->parked = false;
	d->waiting = false;
}

/* Lets the threads we kept stopped go (as far as their engines let). */
static void
so_release_parked(struct debug_mm *mm)
{
	while (!mm->stepper && !list_empty(&mm->parked)) {
		struct debug_task *p =
			list_entry(mm->parked.next, struct debug_task, so_node);
		struct utrace_task *t = utrace_task_get(p->t);

		so_unlist(p);
		task_maybe_resume(t);
		utrace_task_put(t);
	}
}

/*
 * Whether @o waits in the kernel for a vfork child that runs in @mm: it
 * runs no code until the child execs or exits, and an interrupt would not
 * stop it before then.
 */
static bool
is_vfork_parent(const struct debug_mm *mm, const struct utrace_task *o)
{
	const struct list_head *pos;
	pid_t tid = atomic_load(&o->tid);

	if (!mm->n_vfork)
		return false;
	list_for_each(pos, &o->u->tasks) {
		const struct utrace_task *c =
			list_entry(pos, struct utrace_task, node);

		if (c->debug && c->debug->mm == mm &&
		    c->debug->vfork_parent == tid)
			return true;
	}
	return false;
}

/*
 * Makes @t the stepper and interrupts the other running threads of the
 * address space (@except: a thread in the middle of its stop, stopped
 * already).  Threads in a stop (held, parked, waiting, or being handled)
 * stay there until released through debug_resume().  Not interrupted,
 * because they run no code until the tracer lets them: a new thread
 * before its first stop, a thread in a group stop (PTRACE_LISTEN: SIGCONT
 * brings it to a ptrace stop first), a vfork parent while its child
 * shares the memory.
 */
static void
so_begin(struct debug_mm *mm, struct utrace_task *t,
         const struct utrace_task *except)
{
	struct list_head *pos;

	mm->stepper = t;
	mm->launched = false;
	mm->awaited = 0;
	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);
		struct debug_task *od;

		if (o == t || o == except || !debug_in_mm(o, mm) ||
		    o->state != TASK_RUNNING || o->dying ||
		    is_vfork_parent(mm, o))
			continue;
		od = debug_get(o);
		if (!od)
			continue;
		task_interrupt(o);
		od->awaited = true;
		mm->awaited++;
	}
}

/*
 * The stepper executes the instruction under its breakpoint: the trap
 * comes out and task.c resumes it with *@req changed into one step.
 */
static void
so_launch(struct debug_mm *mm, struct utrace_task *t, long *req)
{
	struct debug_task *d = t->debug;
	pid_t tid = atomic_load(&t->tid);
	struct bp *bp = bp_find(mm, d->at_bp);
	uint8_t insn[2];
	size_t n = 0;

	if (mem_read_raw(t, bp->addr, insn, sizeof(insn), &n) < 0)
		n = 0;
	bp_mask(mm, bp->addr, insn, n);
	d->so_req = *req;
	d->so_internal =
		*req != PTRACE_SINGLESTEP && *req != PTRACE_SINGLEBLOCK;
	/* A system call must not block while the others wait: the step ends
	 * at its entry stop.  An engine's own step executes it, as a step. */
	d->so_syscall = d->so_internal && arch_insn_is_syscall(insn, n);
	if (bp->inserted && mem_poke(mm, tid, bp->addr, bp->orig) == 0)
		bp->inserted = false;
	mm->launched = true;
	*req = d->so_syscall ? PTRACE_SYSCALL : PTRACE_SINGLESTEP;
	t->stepping = *req == PTRACE_SINGLESTEP;
}

/*
 * The stepper may go now: task.c resumes it, which launches the step in
 * debug_resume().  Returns false when it did not (an engine holds it, or
 * it left): that step-over is off, the thread steps over when it resumes.
 */
static bool
so_kick(struct debug_mm *mm)
{
	struct utrace_task *t = utrace_task_get(mm->stepper);
	bool ok;

	task_maybe_resume(t);
	ok = mm->stepper == t && mm->launched;
	if (mm->stepper == t && !mm->launched)
		mm->stepper = NULL;
	utrace_task_put(t);
	return ok;
}

/* The next queued step-over, or everyone resumes. */
static void
so_next(struct debug_mm *mm, const struct utrace_task *except)
{
	while (!mm->stepper && !list_empty(&mm->waiting)) {
		struct debug_task *w = list_entry(mm->waiting.next,
		                                  struct debug_task, so_node);

		so_unlist(w);
		so_begin(mm, w->t, except);
		if (mm->awaited || so_kick(mm))
			return;
	}
	so_release_parked(mm);
}

/* An awaited thread stopped (or left): go when it was the last. */
static void
so_unawait(struct debug_mm *mm, struct debug_task *d,
           const struct utrace_task *except)
{
	if (!d->awaited)
		return;
	d->awaited = false;
	if (--mm->awaited == 0 && mm->stepper && !mm->launched && !so_kick(mm))
		so_next(mm, except);
}

/* The stepper's step-over ends: it stopped, or died. */
static void
so_finish(struct debug_mm *mm, struct utrace_task *t)
{
	struct debug_task *d = t->debug;
	struct bp *bp = bp_find(mm, d->at_bp);

	if (bp && bp->n_owners)
		bp_reinsert(mm, atomic_load(&t->tid), bp);
	d->so_done = true;
	mm->stepper = NULL;
	mm->launched = false;
	so_next(mm, t);
}

/* The stepper leaves before it was launched. */
static void
so_cancel(struct debug_mm *mm, struct utrace_task *t)
{
	struct list_head *pos;

	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);

		if (o->debug && debug_in_mm(o, mm))
			o->debug->awaited = false;
	}
	mm->awaited = 0;
	mm->stepper = NULL;
	so_next(mm, t);
}

/* @t stops, dies or leaves: its part in a step-over ends. */
static void
so_forget(struct utrace_task *t, struct debug_task *d)
{
	struct debug_mm *mm = d->mm;

	so_unlist(d);
	if (!mm)
		return;
	if (mm->stepper == t) {
		if (mm->launched)
			so_finish(mm, t);
		else
			so_cancel(mm, t);
	}
	so_unawait(mm, d, t);
}

/*
 * Whether @t, about to resume with @req, sits on a breakpoint whose
 * instruction it has to execute now.
 */
static bool
so_needed(struct utrace_task *t, struct debug_task *d, struct debug_mm *mm,
          long req, int sig)
{
	struct utrace_regs *regs;

	if (!d->at_bp_set || req == PTRACE_LISTEN)
		return false;
	if (regs_get(t, &regs) < 0)
		return false;
	if (arch_regs_pc(regs) != d->at_bp || !bp_find(mm, d->at_bp)) {
		/* Moved elsewhere by an engine, or the breakpoint went. */
		d->at_bp_set = false;
		return false;
	}
	if (sig) {
		/* The signal first; the thread comes back to the trap. */
		visit_push(d, regs);
		d->at_bp_set = false;
		return false;
	}
	return true;
}

/* A followed new process: it keeps the breakpoints it was born with. */
static void
so_inherit(struct utrace_task *t)
{
	struct list_head *pos;
	long ppid;

	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);

		if (o->debug && o->debug->mm && !list_empty(&o->debug->mm->bps))
			break;
	}
	if (pos == &t->u->tasks)
		return; /* no breakpoint anywhere */
	if (proc_status_field(atomic_load(&t->tid), "PPid:", &ppid) < 0)
		return;
	list_for_each(pos, &t->u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);

		if (o->tgid == (pid_t)ppid && o->debug && o->debug->mm) {
			if (bp_inherit(o->debug->mm, t) < 0)
				ulog(t->u, LOG_ERR,
				     "task %d: no memory for breakpoints",
				     atomic_load(&t->tid));
			return;
		}
	}
}

/* ---- hooks ------------------------------------------------------------ */

void
debug_stop_begin(struct utrace_task *t)
{
	struct debug_task *d = t->debug;

	if (!d)
		return;
	regs_invalidate(d);
	so_forget(t, d);
}

/* The step-over that ended at this stop: did the instruction run? */
static void
so_settle(struct utrace_task *t, struct debug_task *d)
{
	d->so_done = false;
	if (t->stop.kind == STOP_SYSCALL_ENTRY ||
	    t->stop.kind == STOP_SYSCALL_EXIT)
		d->at_bp_set = false;
}

/* A trap at one of our breakpoints: the kind of stop, or -1 if not ours. */
static int
classify_bp(struct utrace_task *t)
{
	struct debug_mm *mm = debug_mm_of(t, false);
	struct debug_task *d = t->debug;
	struct utrace_regs *regs;
	uint64_t addr;
	uint8_t byte;
	struct bp *bp;

	if (!mm || regs_get(t, &regs) < 0)
		return -1;
	addr = arch_regs_pc(regs) - arch_bp_pc_after;
	bp = bp_find(mm, addr);
	if (!bp) {
		/* A hit on its way when the breakpoint was removed: the
		 * program has no trap instruction there. */
		if (!bp_is_moribund(mm, addr) ||
		    mem_peek(mm, atomic_load(&t->tid), addr, &byte) < 0 ||
		    byte == arch_bp_insn)
			return -1;
		arch_regs_set_pc(regs, addr);
		d->regs_dirty = true;
		return STOP_OTHER;
	}
	arch_regs_set_pc(regs, addr);
	d->regs_dirty = true;
	d->at_bp_set = true;
	d->at_bp = addr;
	if (visit_match(d, regs))
		return STOP_OTHER; /* back from a signal handler */
	if (!bp_keep_for_hit(mm, t, bp)) {
		d->at_bp_set = false;
		return STOP_OTHER; /* nobody owned it any more */
	}
	d->hit_addr = addr;
	return STOP_BREAKPOINT;
}

int
debug_classify_trap(struct utrace_task *t, bool stepping)
{
	int code = t->stop.info.si_code;
	struct debug_task *d = t->debug;
	int kind;

	if (d && d->so_done) {
		d->so_done = false;
		if (arch_trap_is_step(code)) {
			d->at_bp_set = false;
			return d->so_internal ? STOP_OTHER : STOP_STEP;
		}
	}
	if (arch_trap_is_wp(code)) {
		kind = wp_classify(t);
		if (kind >= 0)
			return kind;
	}
	if (arch_trap_is_bp(code)) {
		kind = classify_bp(t);
		if (kind >= 0)
			return kind;
	}
	/* si_code <= 0: sent by kill() or the like, for the program. */
	if (stepping && arch_trap_is_step(code))
		return STOP_STEP;
	return STOP_SIGNAL;
}

void
debug_report_breakpoint(struct utrace_task *t)
{
	struct debug_task *d = t->debug;
	unsigned int wps;

	if (!d)
		return;
	wps = d->hit_wps;
	d->hit_wps = 0;
	if (wps)
		wp_report(t, wps);
	else
		bp_report(t, d->hit_addr);
}

/*
 * Returns 0 to let task.c resume with *@req (possibly changed into the
 * step of a step-over), -EINPROGRESS to keep the task in its stop for now
 * (task.c resumes it again later, from here), -ESRCH when it is gone.
 */
int
debug_resume(struct utrace_task *t, long *req)
{
	struct debug_task *d = t->debug;
	struct debug_mm *mm;
	bool need;
	int r;

	/* A task no debugger call touched, in a context without address
	 * spaces: nothing to write back or to step over, and nothing to
	 * allocate on this path. */
	if (!d && !t->u->n_mm)
		return 0;
	if (!d)
		d = debug_get(t);
	if (!d)
		return 0;
	if (d->so_done)
		so_settle(t, d);
	r = regs_flush(t, true);
	if (r == -ESRCH)
		return r;
	(void)wp_flush(t);
	if (t->stop.kind == STOP_ATTACH && !d->mm &&
	    t->tgid == atomic_load(&t->tid))
		so_inherit(t);
	mm = debug_mm_of(t, false);
	if (!mm)
		return 0;
	if (d->parked || d->waiting)
		return -EINPROGRESS;
	need = so_needed(t, d, mm, *req, stop_sig(t));
	if (mm->stepper == t) {
		/* Kicked: every other thread is stopped now. */
		if (mm->awaited)
			return -EINPROGRESS;
		if (need) {
			so_launch(mm, t, req);
			return 0;
		}
		mm->stepper = NULL;
		so_next(mm, t);
		return 0;
	}
	if (mm->stepper) {
		d->waiting = need;
		d->parked = !need;
		list_add_tail(&d->so_node, need ? &mm->waiting : &mm->parked);
		return -EINPROGRESS;
	}
	if (!need)
		return 0;
	so_begin(mm, t, t);
	if (mm->awaited)
		return -EINPROGRESS;
	so_launch(mm, t, req);
	return 0;
}

/* Whether SIGTRAP is pending for thread @tid alone (int3 sends it so). */
static bool
sigtrap_pending(pid_t tid)
{
	char path[64];
	char line[256];
	bool pending = false;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "SigPnd:", 7) == 0) {
			pending = (strtoull(line + 7, NULL, 16) >>
			           (SIGTRAP - 1)) &
			          1;
			break;
		}
	}
	(void)fclose(f);
	return pending;
}

/*
 * A thread interrupted right as it ran into a breakpoint stops for the
 * interrupt first, the trap's SIGTRAP still pending.  Detached like that
 * it would die of it: the trap is taken here, synchronously (it comes at
 * once: nothing runs before pending signals are handled), and the pc
 * rewound.  Any other status that comes first is left to the tracer loop.
 */
static void
drain_trap(struct utrace_task *t, struct debug_mm *mm)
{
	pid_t tid = atomic_load(&t->tid);
	struct utrace_regs regs;
	uint64_t addr;
	siginfo_t si;
	int r;

	if (t->stop.kind != STOP_INTERRUPT || arch_regs_fetch(tid, &regs) < 0)
		return;
	addr = arch_regs_pc(&regs) - arch_bp_pc_after;
	if ((!bp_find(mm, addr) && !bp_is_moribund(mm, addr)) ||
	    !sigtrap_pending(tid))
		return;
	if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return;
	do {
		memset(&si, 0, sizeof(si));
		r = waitid(P_PID, (id_t)tid, &si,
		           WSTOPPED | WEXITED | __WALL | __WNOTHREAD | WNOWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0 || si.si_code != CLD_TRAPPED || si.si_status != SIGTRAP)
		return;
	do {
		r = waitid(P_PID, (id_t)tid, &si,
		           WSTOPPED | __WALL | __WNOTHREAD);
	} while (r < 0 && errno == EINTR);
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) == 0 &&
	    arch_trap_is_bp(si.si_code) && arch_regs_fetch(tid, &regs) == 0 &&
	    arch_regs_pc(&regs) == addr + arch_bp_pc_after) {
		arch_regs_set_pc(&regs, addr);
		(void)arch_regs_store(tid, &regs);
	}
	if (t->debug)
		regs_invalidate(t->debug);
}

void
debug_detach(struct utrace_task *t)
{
	struct debug_task *d = debug_get(t);
	struct debug_mm *mm;
	pid_t tid = atomic_load(&t->tid);

	if (!d)
		return;
	(void)regs_flush(t, true);
	/* Untraced, a watchpoint's trap would kill it too. */
	wp_clear(t, true);
	mm = debug_mm_of(t, false);
	so_forget(t, d);
	/* Untraced, the thread would die of SIGTRAP on a breakpoint. */
	if (mm && !list_empty(&mm->bps) && t->stop.kind != STOP_EXIT) {
		ulog(t->u, LOG_INFO,
		     "task %d leaves: removing the breakpoints of process %d",
		     tid, mm->tgid);
		bp_remove_all(mm, tid, true);
	}
	if (mm && mm->n_moribund)
		drain_trap(t, mm);
	mm_unlink(t, d);
	debug_free(t, d);
}

/*
 * A vfork child leaves its parent's memory (it called exec, or died): the
 * parent runs again.  Should a step-over wait for its other threads, it
 * waits for the parent too.
 */
static void
vfork_end(struct utrace_task *t, struct debug_task *d)
{
	struct debug_mm *mm = d->mm;
	struct utrace_task *p = task_lookup(t->u, d->vfork_parent);
	bool shared = mm->refs > 1;
	struct debug_task *pd;

	mm_unlink(t, d);
	if (!shared || !p || !mm->stepper || mm->launched || p == mm->stepper ||
	    p->state != TASK_RUNNING || p->dying || is_vfork_parent(mm, p))
		return;
	pd = debug_get(p);
	if (!pd || pd->awaited)
		return;
	task_interrupt(p);
	pd->awaited = true;
	mm->awaited++;
}

void
debug_exec(struct utrace_task *t)
{
	struct debug_task *d = debug_get(t);
	struct debug_mm *mm;

	if (!d)
		return;
	regs_invalidate(d);
	d->at_bp_set = false;
	d->n_visits = 0;
	d->so_done = false;
	/* The kernel cleared the debug registers. */
	wp_clear(t, false);
	so_forget(t, d);
	if (d->vfork_parent) {
		/* Its parent's address space stays as it is. */
		vfork_end(t, d);
		return;
	}
	mm = debug_mm_of(t, false);
	if (!mm)
		return;
	/* A new address space: the old breakpoints went with the old one,
	 * and so did what /proc/<tid>/mem was opened on. */
	bp_remove_all(mm, 0, false);
	mem_close(mm);
}

void
debug_forget_child(struct utrace_task *parent, struct utrace_task *child)
{
	struct debug_mm *mm;

	if (child->debug && child->debug->vfork_parent)
		return; /* kept traced while it shares breakpoints */
	mm = debug_mm_of(parent, false);
	if (mm)
		bp_forget_in(mm, atomic_load(&parent->tid),
		             atomic_load(&child->tid));
}

void
debug_vfork(struct utrace_task *parent, struct utrace_task *child)
{
	struct debug_mm *mm = mm_find(parent);
	struct debug_task *d;

	if (!mm || list_empty(&mm->bps) ||
	    !bp_same_vm(atomic_load(&parent->tid), atomic_load(&child->tid)))
		return;
	d = debug_get(child);
	if (!d || d->mm)
		return;
	mm_link(d, mm);
	d->vfork_parent = atomic_load(&parent->tid);
	mm->n_vfork++;
}

void
debug_death(struct utrace_task *t)
{
	struct debug_task *d = t->debug;

	if (!d)
		return;
	so_forget(t, d);
	if (d->vfork_parent)
		vfork_end(t, d);
	mm_unlink(t, d);
	debug_free(t, d);
}
