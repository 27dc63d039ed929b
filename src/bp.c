/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Software breakpoints, shared by the engines of a process.
 *
 * One trap instruction per address of an address space, whatever the
 * number of engines that want it there; each owner counts.  An owner is
 * an (ops, data) pair rather than one engine: engines are per thread, a
 * breakpoint is per process, and the engines UTRACE_ATTACH_FOLLOW makes
 * for new threads carry their origin's ops and data.  A hit is reported
 * in the thread that ran into it, to its engines that own the breakpoint.
 *
 * Hits are recognised in debug.c (debug_classify_trap), which also steps
 * the thread over the original instruction when it resumes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "debug-private.h"
#include "utrace-private.h"

/* A callback of @ops, or NULL if the caller's table is too short for it. */
#define OPS_CB(ops, member)                                          \
	((ops)->size >= offsetof(struct utrace_engine_ops, member) + \
	                         sizeof((ops)->member)               \
	         ? (ops)->member                                     \
	         : NULL)

struct bp *
bp_find(struct debug_mm *mm, uint64_t addr)
{
	struct list_head *pos;

	list_for_each(pos, &mm->bps) {
		struct bp *bp = list_entry(pos, struct bp, node);

		if (bp->addr == addr)
			return bp;
	}
	return NULL;
}

static bool
bp_owner_is(const struct bp_owner *o, const struct utrace_engine *e)
{
	return o->ops == e->ops && o->data == e->data;
}

static struct bp_owner *
owner_find(struct bp_owner *owners, size_t n, const struct bp_owner *o)
{
	for (size_t i = 0; i < n; i++)
		if (owners[i].ops == o->ops && owners[i].data == o->data)
			return &owners[i];
	return NULL;
}

static struct bp_owner *
bp_owner_find(struct bp *bp, const struct utrace_engine *e)
{
	struct bp_owner o = { e->ops, e->data };

	return owner_find(bp->owners, bp->n_owners, &o);
}

bool
bp_is_moribund(const struct debug_mm *mm, uint64_t addr)
{
	for (size_t i = 0; i < mm->n_moribund; i++)
		if (mm->moribund[i] == addr)
			return true;
	return false;
}

static void
bp_moribund_add(struct debug_mm *mm, uint64_t addr)
{
	if (bp_is_moribund(mm, addr))
		return;
	mm->moribund[mm->moribund_next] = addr;
	mm->moribund_next = (mm->moribund_next + 1) % BP_MORIBUND_MAX;
	if (mm->n_moribund < BP_MORIBUND_MAX)
		mm->n_moribund++;
}

static void
bp_free(struct bp *bp)
{
	list_del(&bp->node);
	free(bp->owners);
	free(bp);
}

/* Puts the trap instruction back after a step-over. */
void
bp_reinsert(struct debug_mm *mm, pid_t tid, struct bp *bp)
{
	if (bp->inserted)
		return;
	if (mem_poke(mm, tid, bp->addr, arch_bp_insn) == 0)
		bp->inserted = true;
}

/* Takes a breakpoint out of memory (if @write) and forgets it. */
static void
bp_destroy(struct debug_mm *mm, pid_t tid, struct bp *bp, bool write)
{
	if (write && bp->inserted)
		(void)mem_poke(mm, tid, bp->addr, bp->orig);
	bp_moribund_add(mm, bp->addr);
	bp_free(bp);
}

void
bp_remove_all(struct debug_mm *mm, pid_t tid, bool write)
{
	struct list_head *pos;
	struct list_head *tmp;

	list_for_each_safe(pos, tmp, &mm->bps)
		bp_destroy(mm, tid, list_entry(pos, struct bp, node), write);
	if (!write) {
		mm->n_moribund = 0;
		mm->moribund_next = 0;
	}
}

/* Shows the program's bytes where breakpoints are inserted. */
void
bp_mask(const struct debug_mm *mm, uint64_t addr, uint8_t *buf, size_t len)
{
	const struct list_head *pos;

	list_for_each(pos, &mm->bps) {
		const struct bp *bp = list_entry(pos, struct bp, node);

		if (bp->inserted && bp->addr >= addr && bp->addr - addr < len)
			buf[bp->addr - addr] = bp->orig;
	}
}

/* Whether @a and @b share their address space (a vfork child). */
bool
bp_same_vm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

/*
 * A new process no engine follows: it has a copy of every breakpoint
 * and, untraced, would die of SIGTRAP on one.  A vfork child shares the
 * parent's memory: nothing to take out there (debug.c keeps it traced).
 */
void
bp_forget_in(struct debug_mm *mm, pid_t tid, pid_t child)
{
	struct debug_mm cmm = { .mem_fd = -1 };
	struct list_head *pos;

	if (list_empty(&mm->bps) || bp_same_vm(tid, child))
		return;
	list_for_each(pos, &mm->bps) {
		struct bp *bp = list_entry(pos, struct bp, node);

		if (bp->inserted)
			(void)mem_poke(&cmm, child, bp->addr, bp->orig);
	}
	mem_close(&cmm);
}

/*
 * A new process that engines follow: its memory is a copy of @parent's,
 * breakpoints included, and they stay its breakpoints, with the same
 * owners.  A vfork child shares @parent's memory: debug.c links it to
 * @parent's address space instead.
 */
int
bp_inherit(struct debug_mm *parent, struct utrace_task *child)
{
	struct debug_mm *mm;
	struct list_head *pos;
	pid_t ctid = atomic_load(&child->tid);

	if (list_empty(&parent->bps) || bp_same_vm(parent->tgid, ctid))
		return 0;
	mm = debug_mm_of(child, true);
	if (!mm)
		return -ENOMEM;
	list_for_each(pos, &parent->bps) {
		struct bp *pbp = list_entry(pos, struct bp, node);
		struct bp *bp;

		if (bp_find(mm, pbp->addr))
			continue;
		bp = calloc(1, sizeof(*bp));
		if (bp)
			bp->owners =
				malloc(pbp->n_owners * sizeof(*bp->owners));
		if (!bp || !bp->owners) {
			/* Untracked, it would kill the child: take it out. */
			if (pbp->inserted)
				(void)mem_poke(mm, ctid, pbp->addr, pbp->orig);
			free(bp);
			continue;
		}
		bp->addr = pbp->addr;
		bp->orig = pbp->orig;
		bp->inserted = pbp->inserted;
		bp->n_owners = pbp->n_owners;
		memcpy(bp->owners, pbp->owners,
		       pbp->n_owners * sizeof(*bp->owners));
		list_add_tail(&bp->node, &mm->bps);
	}
	return 0;
}

/* ---- owners and the report pass -------------------------------------- */

static bool
engine_alive(const struct utrace_engine *e)
{
	return !e->detached;
}

/*
 * Whether traced thread @tid exited, its death not yet collected: its
 * final status waits (left there), or it is gone.
 */
static bool
thread_exited(pid_t tid)
{
	siginfo_t si;
	int r;

	do {
		memset(&si, 0, sizeof(si));
		r = waitid(P_PID, (id_t)tid, &si,
		           WEXITED | WNOHANG | WNOWAIT | __WALL | __WNOTHREAD);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == ECHILD;
	/* A stop waits there too (see ptrace(2)): not an exit. */
	return si.si_pid != 0 &&
	       (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED ||
	        si.si_code == CLD_DUMPED);
}

/*
 * Whether an engine of a traced thread in @mm is owner @o.  A thread that
 * exited runs no more code, though its death may not have been collected
 * yet: its engines own nothing.
 */
static bool
bp_owner_alive(struct utrace *u, const struct debug_mm *mm,
               const struct bp_owner *o)
{
	struct list_head *pos;

	list_for_each(pos, &u->tasks) {
		struct utrace_task *t =
			list_entry(pos, struct utrace_task, node);
		struct list_head *epos;

		if (!debug_in_mm(t, mm) || t->state == TASK_DEAD ||
		    t->state == TASK_DETACHED || t->dying || t->exit_seen)
			continue;
		list_for_each(epos, &t->engines) {
			const struct utrace_engine *e =
				list_entry(epos, struct utrace_engine, node);

			if (engine_alive(e) && o->ops == e->ops &&
			    o->data == e->data &&
			    (t->state != TASK_RUNNING ||
			     !thread_exited(atomic_load(&t->tid))))
				return true;
		}
	}
	return false;
}

/* Whether one of @n owners @o has a live engine on @t. */
static bool
owners_in(const struct bp_owner *o, size_t n, const struct utrace_task *t)
{
	const struct list_head *pos;

	list_for_each(pos, &t->engines) {
		const struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);

		if (!engine_alive(e))
			continue;
		for (size_t i = 0; i < n; i++)
			if (bp_owner_is(&o[i], e))
				return true;
	}
	return false;
}

static bool
bp_owned_in(const struct bp *bp, const struct utrace_task *t)
{
	return owners_in(bp->owners, bp->n_owners, t);
}

/*
 * A hit in @t, none of whose engines owns @bp: drop the owners whose
 * engines are all gone from the process.  Returns false when that was
 * every owner, and the breakpoint is gone.
 */
static bool
bp_prune(struct debug_mm *mm, struct utrace *u, pid_t tid, struct bp *bp)
{
	size_t n = 0;

	for (size_t i = 0; i < bp->n_owners; i++)
		if (bp_owner_alive(u, mm, &bp->owners[i]))
			bp->owners[n++] = bp->owners[i];
	bp->n_owners = n;
	if (n)
		return true;
	bp_destroy(mm, tid, bp, tid > 0);
	return false;
}

bool
bp_keep_for_hit(struct debug_mm *mm, struct utrace_task *t, struct bp *bp)
{
	if (bp_owned_in(bp, t))
		return true;
	if (bp_prune(mm, t->u, atomic_load(&t->tid), bp))
		return true;
	if (list_empty(&mm->bps))
		debug_bps_gone(mm, t);
	return false;
}

/*
 * Engines left the tasks of @mm (@t one of them): the breakpoints whose
 * owners have no engine in the process any more go, each restored when
 * its last owner went.  Returns whether any went.
 */
bool
bp_prune_owners(struct debug_mm *mm, struct utrace_task *t)
{
	pid_t tid = debug_mm_tid(t->u, mm);
	struct list_head *pos;
	struct list_head *tmp;
	bool gone = false;

	list_for_each_safe(pos, tmp, &mm->bps)
		if (!bp_prune(mm, t->u, tid, list_entry(pos, struct bp, node)))
			gone = true;
	return gone;
}

/* Whether engine @e of @t owns the breakpoint at @addr, now. */
static bool
bp_owned_by(struct utrace_task *t, uint64_t addr, const struct utrace_engine *e)
{
	struct debug_mm *mm = t->debug ? t->debug->mm : NULL;
	struct bp *bp = mm ? bp_find(mm, addr) : NULL;

	return bp && bp_owner_find(bp, e);
}

static void
bp_fold(struct utrace_engine *e, struct merge *m, uint32_t ret)
{
	switch (resume_merge_fold(m, ret, false)) {
	case MERGE_HOLD:
		e->holding = true;
		break;
	case MERGE_RELEASE:
		e->holding = false;
		break;
	case MERGE_DETACH:
		engine_detach(e);
		break;
	}
}

/* Whether engine @e of @t owns what was hit at @addr (looked up anew:
 * a callback may have removed it). */
typedef bool (*owned_fn)(struct utrace_task *t, uint64_t addr,
                         const struct utrace_engine *e);

static uint32_t (*hit_cb(const struct utrace_engine_ops *ops,
                         uint64_t event))(uint32_t, struct utrace_engine *,
                                          struct utrace_task *, uint64_t,
                                          void *)
{
	return event == UTRACE_EVENT(BREAKPOINT)
	               ? OPS_CB(ops, report_breakpoint)
	               : OPS_CB(ops, report_watchpoint);
}

/*
 * The report pass of a hit, like engine_report(): engines in attach
 * order, report_quiesce(@event) to those with QUIESCE, then the hit
 * callback to the owners that subscribed to @event.
 */
static void
hit_report(struct utrace_task *t, uint64_t event, uint64_t addr, owned_fn owned)
{
	struct stop *s = &t->stop;
	uint64_t last_seq = t->u->attach_seq;
	struct list_head *pos;
	struct merge m;

	if (!(t->events & (UTRACE_EVENT(QUIESCE) | event)))
		return;
	resume_merge_init(&m, s->disp);
	t->in_pass++;
	list_for_each(pos, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		const struct utrace_engine_ops *ops = e->ops;
		uint32_t (*quiesce)(uint32_t, struct utrace_engine *,
		                    struct utrace_task *, uint64_t, void *);
		uint32_t (*hit)(uint32_t, struct utrace_engine *,
		                struct utrace_task *, uint64_t, void *);

		if (e->detached || e->seq > last_seq)
			continue;
		if (e->holding)
			resume_merge_held(&m);
		quiesce = (e->events & UTRACE_EVENT(QUIESCE))
		                  ? OPS_CB(ops, report_quiesce)
		                  : NULL;
		hit = (e->events & event) && owned(t, addr, e)
		              ? hit_cb(ops, event)
		              : NULL;
		if (!quiesce && !hit)
			continue;

		utrace_engine_get(e);
		if (quiesce)
			bp_fold(e, &m,
			        quiesce(resume_merge_input(&m, 0), e, t, event,
			                e->data));
		if (hit && !e->detached)
			bp_fold(e, &m,
			        hit(resume_merge_input(&m, 0), e, t, addr,
			            e->data));
		utrace_engine_put(e);
	}
	if (m.resume < s->resume)
		s->resume = m.resume;
	t->in_pass--;
	engine_cleanup(t);
}

void
bp_report(struct utrace_task *t, uint64_t addr)
{
	hit_report(t, UTRACE_EVENT(BREAKPOINT), addr, bp_owned_by);
}

/* ---- hardware watchpoints ------------------------------------------- */

/*
 * Per thread, like the CPU's debug registers: a slot per distinct
 * (address, length, kind), owners counted like those of breakpoints but
 * among the engines of the thread.  The registers are written only at a
 * ptrace stop; a change made while the thread runs waits for its next
 * stop (wp_dirty), and a trigger meanwhile is consumed.
 */

static struct wp *
wp_find(struct debug_task *d, uint64_t addr, unsigned int len, int kind)
{
	for (int i = 0; i < WP_SLOTS; i++) {
		struct wp *w = &d->wps[i];

		if (w->owners && w->addr == addr && w->len == len &&
		    w->kind == kind)
			return w;
	}
	return NULL;
}

static void
wp_free(struct wp *w)
{
	free(w->owners);
	memset(w, 0, sizeof(*w));
}

int
wp_flush(struct utrace_task *t)
{
	struct debug_task *d = t->debug;
	int r;

	if (!d || !d->wp_dirty)
		return 0;
	r = arch_wp_store(atomic_load(&t->tid), d->wps);
	d->wp_dirty = false;
	if (r < 0 && r != -ESRCH)
		ulog(t->u, LOG_WARNING, "task %d: debug registers: %d",
		     atomic_load(&t->tid), r);
	return r;
}

/* The registers changed: now if @t is stopped, else at its next stop. */
static int
wp_changed(struct utrace_task *t)
{
	t->debug->wp_dirty = true;
	if (debug_check_stopped(t) < 0)
		return 0;
	return wp_flush(t);
}

/* Owners without an engine on @t any more go, and slots without owners. */
void
wp_prune(struct utrace_task *t)
{
	struct debug_task *d = t->debug;
	bool changed = false;

	if (!d || !d->wp_ever)
		return;
	for (int i = 0; i < WP_SLOTS; i++) {
		struct wp *w = &d->wps[i];
		size_t n = 0;

		if (!w->owners)
			continue;
		for (size_t k = 0; k < w->n_owners; k++)
			if (owners_in(&w->owners[k], 1, t))
				w->owners[n++] = w->owners[k];
		w->n_owners = n;
		if (!n) {
			wp_free(w);
			changed = true;
		}
	}
	if (changed)
		(void)wp_changed(t);
}

/* Forgets every watchpoint of @t; clears the registers if @write. */
void
wp_clear(struct utrace_task *t, bool write)
{
	struct debug_task *d = t->debug;

	if (!d || !d->wp_ever)
		return;
	for (int i = 0; i < WP_SLOTS; i++)
		if (d->wps[i].owners)
			wp_free(&d->wps[i]);
	d->wp_dirty = write;
	if (write)
		(void)wp_flush(t);
	d->wp_ever = write;
}

/* A TRAP_HWBKPT stop: STOP_BREAKPOINT with d->hit_wps, or consumed. */
int
wp_classify(struct utrace_task *t)
{
	struct debug_task *d = t->debug;
	unsigned int slots = 0;

	if (!d || !d->wp_ever)
		return -1;
	if (arch_wp_hits(atomic_load(&t->tid), &slots) < 0)
		return STOP_OTHER;
	for (int i = 0; i < WP_SLOTS; i++)
		if (!d->wps[i].owners)
			slots &= ~(1u << i);
	d->hit_wps = slots;
	return slots ? STOP_BREAKPOINT : STOP_OTHER;
}

static bool
wp_owned_by(struct utrace_task *t, uint64_t addr, const struct utrace_engine *e)
{
	struct debug_task *d = t->debug;

	for (int i = 0; d && i < WP_SLOTS; i++) {
		struct wp *w = &d->wps[i];
		struct bp_owner o = { e->ops, e->data };

		if (w->owners && w->addr == addr &&
		    owner_find(w->owners, w->n_owners, &o))
			return true;
	}
	return false;
}

void
wp_report(struct utrace_task *t, unsigned int slots)
{
	for (int i = 0; i < WP_SLOTS; i++) {
		struct debug_task *d = t->debug;

		if (!(slots & (1u << i)) || !d || !d->wps[i].owners)
			continue;
		hit_report(t, UTRACE_EVENT(WATCHPOINT), d->wps[i].addr,
		           wp_owned_by);
	}
}

/* ---- public API ------------------------------------------------------- */

/* Whether @tid is traced by this context or on its way to be (a new
 * thread whose first stop has not been seen yet). */
static bool
thread_traced(struct utrace *u, pid_t tid)
{
	struct utrace_task *t = task_lookup(u, tid);
	char path[64];
	char line[256];
	bool traced = false;
	FILE *f;

	if (t)
		return t->state != TASK_DETACHED && t->state != TASK_DEAD;
	(void)snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return true; /* gone */
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "State:", 6) == 0) {
			const char *p = line + 6 + strspn(line + 6, " \t");

			if (*p == 'Z' || *p == 'X') {
				traced = true;
				break;
			}
		} else if (strncmp(line, "TracerPid:", 10) == 0) {
			traced = strtol(line + 10, NULL, 10) == u->tracer_tid;
			break;
		}
	}
	(void)fclose(f);
	return traced;
}

/* Whether every live thread of process @tgid is traced by @u. */
static bool
process_all_traced(struct utrace *u, pid_t tgid)
{
	char path[64];
	struct dirent *de;
	bool all = true;
	DIR *dir;

	(void)snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return true; /* the write will tell */
	while (all && (de = readdir(dir))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end || tid <= 0)
			continue;
		all = thread_traced(u, (pid_t)tid);
	}
	(void)closedir(dir);
	return all;
}

struct bp_args {
	struct utrace_task *task;
	struct utrace_engine *engine;
	uint64_t addr;
};

static int
engine_check(struct utrace_task *t, const struct utrace_engine *e)
{
	if (e->task != t)
		return -EINVAL;
	if (e->detached)
		return -ESRCH;
	return debug_check_traced(t);
}

static int
bp_check(const struct bp_args *a)
{
	return engine_check(a->task, a->engine);
}

static int
do_bp_insert(struct utrace *u, void *arg)
{
	struct bp_args *a = arg;
	struct utrace_task *t = a->task;
	pid_t tid = atomic_load(&t->tid);
	struct bp_owner *owners;
	struct debug_mm *mm;
	struct bp *bp;
	uint8_t orig;
	int r = bp_check(a);

	if (r < 0)
		return r;
	mm = debug_mm_of(t, true);
	if (!mm)
		return -ENOMEM;
	bp = bp_find(mm, a->addr);
	if (bp) {
		if (bp_owner_find(bp, a->engine))
			return -EEXIST;
		owners = realloc(bp->owners,
		                 (bp->n_owners + 1) * sizeof(*owners));
		if (!owners)
			return -ENOMEM;
		bp->owners = owners;
		owners[bp->n_owners].ops = a->engine->ops;
		owners[bp->n_owners].data = a->engine->data;
		bp->n_owners++;
		return 0;
	}

	r = mem_peek(mm, tid, a->addr, &orig);
	if (r < 0)
		return r == -ESRCH ? r : -EFAULT;
	if (orig == arch_bp_insn)
		return -EINVAL;
	if (!process_all_traced(u, mm->tgid))
		return -EBUSY;
	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	bp->owners = malloc(sizeof(*bp->owners));
	if (!bp->owners) {
		free(bp);
		return -ENOMEM;
	}
	bp->addr = a->addr;
	bp->orig = orig;
	bp->owners[0].ops = a->engine->ops;
	bp->owners[0].data = a->engine->data;
	bp->n_owners = 1;
	r = mem_poke(mm, tid, a->addr, arch_bp_insn);
	if (r < 0) {
		free(bp->owners);
		free(bp);
		return r == -ESRCH ? r : -EFAULT;
	}
	bp->inserted = true;
	list_add_tail(&bp->node, &mm->bps);
	return 0;
}

UTRACE_EXPORT int
utrace_bp_insert(struct utrace_task *task, struct utrace_engine *engine,
                 uint64_t addr)
{
	struct bp_args a = { .task = task, .engine = engine, .addr = addr };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);

	return cmdq_call(task->u, do_bp_insert, &a);
}

static int
do_bp_remove(struct utrace *u, void *arg)
{
	struct bp_args *a = arg;
	struct utrace_task *t = a->task;
	struct debug_mm *mm;
	struct bp_owner *o;
	struct bp *bp;
	int r = bp_check(a);

	(void)u;
	if (r < 0)
		return r;
	mm = debug_mm_of(t, false);
	bp = mm ? bp_find(mm, a->addr) : NULL;
	o = bp ? bp_owner_find(bp, a->engine) : NULL;
	if (!o)
		return -ENOENT;
	*o = bp->owners[--bp->n_owners];
	if (!bp->n_owners) {
		bp_destroy(mm, atomic_load(&t->tid), bp, true);
		if (list_empty(&mm->bps))
			debug_bps_gone(mm, t);
	}
	return 0;
}

UTRACE_EXPORT int
utrace_bp_remove(struct utrace_task *task, struct utrace_engine *engine,
                 uint64_t addr)
{
	struct bp_args a = { .task = task, .engine = engine, .addr = addr };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);

	return cmdq_call(task->u, do_bp_remove, &a);
}

/* ---- watchpoints: public API ----------------------------------------- */

struct wp_args {
	struct utrace_task *task;
	struct utrace_engine *engine;
	uint64_t addr;
	unsigned int len;
	int kind;
};

static int
do_wp_insert(struct utrace *u, void *arg)
{
	struct wp_args *a = arg;
	struct utrace_task *t = a->task;
	struct bp_owner o = { a->engine->ops, a->engine->data };
	struct debug_task *d;
	struct bp_owner *owners;
	struct wp *w;
	int r;

	(void)u;
	r = engine_check(t, a->engine);
	if (r == 0)
		r = debug_check_stopped(t);
	if (r < 0)
		return r;
	r = arch_wp_check(a->addr, a->len, a->kind);
	if (r < 0)
		return r;
	d = debug_get(t);
	if (!d)
		return -ENOMEM;
	w = wp_find(d, a->addr, a->len, a->kind);
	if (w) {
		if (owner_find(w->owners, w->n_owners, &o))
			return -EEXIST;
		owners = realloc(w->owners, (w->n_owners + 1) * sizeof(o));
		if (!owners)
			return -ENOMEM;
		w->owners = owners;
		w->owners[w->n_owners++] = o;
		return 0;
	}
	for (int i = 0; i < WP_SLOTS && !w; i++)
		if (!d->wps[i].owners)
			w = &d->wps[i];
	if (!w)
		return -ENOSPC;
	w->owners = malloc(sizeof(o));
	if (!w->owners)
		return -ENOMEM;
	w->owners[0] = o;
	w->n_owners = 1;
	w->addr = a->addr;
	w->len = a->len;
	w->kind = a->kind;
	d->wp_ever = true;
	r = wp_changed(t);
	if (r < 0) {
		wp_free(w);
		(void)wp_changed(t);
	}
	return r;
}

UTRACE_EXPORT int
utrace_wp_insert(struct utrace_task *task, struct utrace_engine *engine,
                 uint64_t addr, unsigned int len, enum utrace_wp_kind kind)
{
	struct wp_args a = { task, engine, addr, len, (int)kind };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);

	return cmdq_call(task->u, do_wp_insert, &a);
}

static int
do_wp_remove(struct utrace *u, void *arg)
{
	struct wp_args *a = arg;
	struct utrace_task *t = a->task;
	struct bp_owner o = { a->engine->ops, a->engine->data };
	struct bp_owner *found;
	struct wp *w;
	int r;

	(void)u;
	r = engine_check(t, a->engine);
	if (r < 0)
		return r;
	w = t->debug ? wp_find(t->debug, a->addr, a->len, a->kind) : NULL;
	found = w ? owner_find(w->owners, w->n_owners, &o) : NULL;
	if (!found)
		return -ENOENT;
	*found = w->owners[--w->n_owners];
	if (!w->n_owners) {
		wp_free(w);
		(void)wp_changed(t);
	}
	return 0;
}

UTRACE_EXPORT int
utrace_wp_remove(struct utrace_task *task, struct utrace_engine *engine,
                 uint64_t addr, unsigned int len, enum utrace_wp_kind kind)
{
	struct wp_args a = { task, engine, addr, len, (int)kind };

	assert_return(task, -EINVAL);
	assert_return(engine, -EINVAL);

	return cmdq_call(task->u, do_wp_remove, &a);
}
