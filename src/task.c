/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tasks: the table of traced threads, decoding of their stops, resuming
 * by the merged decision, detaching and death.  Runs on the tracer thread
 * except the accessors and utrace_task_wait() at the end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "debug.h"
#include "utrace-private.h"

static struct list_head *
task_bucket(struct utrace *u, pid_t tid)
{
	return &u->buckets[(unsigned int)tid % TASK_BUCKETS];
}

struct utrace_task *
task_new(struct utrace *u, pid_t tid, pid_t tgid)
{
	struct utrace_task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	atomic_init(&t->ref, 1); /* the table's */
	t->u = u;
	atomic_init(&t->tid, tid);
	t->tgid = tgid;
	list_init(&t->engines);
	t->state = TASK_NEW;
	t->stop.resume = UTRACE_RESUME;
	t->pending_resume = UTRACE_RESUME;
	list_add_tail(&t->hash, task_bucket(u, tid));
	list_add_tail(&t->node, &u->tasks);
	return t;
}

struct utrace_task *
task_lookup(struct utrace *u, pid_t tid)
{
	struct list_head *head = task_bucket(u, tid);
	struct list_head *pos;

	list_for_each(pos, head) {
		struct utrace_task *t =
			list_entry(pos, struct utrace_task, hash);
		if (atomic_load(&t->tid) == tid)
			return t;
	}
	return NULL;
}

/* Drops the table's reference: the tracer will not hear of @t again. */
void
task_unhash(struct utrace_task *t)
{
	list_del(&t->hash);
	list_del(&t->node);
	utrace_task_put(t);
}

bool
task_is_held(const struct utrace_task *t)
{
	const struct list_head *pos;

	list_for_each(pos, &t->engines) {
		const struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		if (!e->detached && e->holding)
			return true;
	}
	return false;
}

/* Recomputes what the engines want together: events and syscalls. */
void
task_update_events(struct utrace_task *t)
{
	struct list_head *pos;
	uint64_t events = 0;
	bool first = true;

	t->sys_all = false;
	memset(&t->sys, 0, sizeof(t->sys));
	list_for_each(pos, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);

		if (e->detached)
			continue;
		events |= e->events;
		if (!(e->events & UTRACE_EVENT_SYSCALL))
			continue;
		if (!e->sys || (!first && e->sys->arch != t->sys.arch)) {
			t->sys_all = true;
			continue;
		}
		first = false;
		t->sys.arch = e->sys->arch;
		for (size_t i = 0; i < SYSMAP_WORDS; i++)
			t->sys.bits[i] |= e->sys->bits[i];
	}
	t->events = events;
	t->sys_filtered = t->seccomp && !t->sys_all;
	for (size_t i = 0; t->sys_filtered && i < SYSMAP_WORDS; i++)
		if (t->sys.bits[i] & ~t->seccomp_map.bits[i])
			t->sys_filtered = false;
	if (t->sys_filtered && !first && t->sys.arch != t->seccomp_map.arch)
		t->sys_filtered = false;
	/* Resumed with PTRACE_CONT, it would miss calls it must now stop
	 * at; without PTRACE_O_TRACEEXIT, its exit: interrupt it, its next
	 * resume picks the right request and options. */
	if (t->state == TASK_RUNNING &&
	    (((events & UTRACE_EVENT_SYSCALL) && !t->syscall_traced &&
	      !t->sys_filtered) ||
	     ((events & UTRACE_EVENT(EXIT)) &&
	      !(t->opts & PTRACE_O_TRACEEXIT))))
		task_interrupt(t);
}

/* The ptrace options @t needs now: an exit stop only if someone wants it. */
static long
task_ptrace_options(const struct utrace_task *t)
{
	long o = TASK_BASE_OPTIONS;

	if (t->events & UTRACE_EVENT(EXIT))
		o |= PTRACE_O_TRACEEXIT;
	if (t->seccomp)
		o |= PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
	if (t->exitkill)
		o |= PTRACE_O_EXITKILL;
	return o;
}

/* A new task has the options of the task that made it. */
static void
task_inherit(struct utrace_task *child, const struct utrace_task *parent)
{
	child->opts = parent->opts;
	child->exitkill = parent->exitkill;
	if (parent->seccomp) {
		child->seccomp = true;
		child->seccomp_map = parent->seccomp_map;
	}
}

/* Whether any engine of @t wants reports of the call @sc. */
bool
task_wants_syscall(const struct utrace_task *t, const struct utrace_syscall *sc)
{
	return t->sys_all || t->sys.arch != sc->arch ||
	       sysmap_has(&t->sys, sc->nr);
}

void
task_interrupt(struct utrace_task *t)
{
	if (t->interrupt_sent)
		return;
	if (ptrace(PTRACE_INTERRUPT, atomic_load(&t->tid), 0, 0) == 0)
		t->interrupt_sent = true;
}

/* Tells utrace_task_wait() callers that something changed. */
static void
task_notify(struct utrace_task *t)
{
	(void)pthread_mutex_lock(&t->u->lock);
	(void)pthread_cond_broadcast(&t->u->cond);
	(void)pthread_mutex_unlock(&t->u->lock);
}

/* The signal a detach or resume passes on from the current stop. */
static int
stop_signal(const struct stop *s)
{
	if (s->kind != STOP_SIGNAL)
		return 0;
	if (utrace_signal_action(s->disp) == UTRACE_SIGNAL_IGN)
		return 0;
	return s->info.si_signo;
}

static void
stop_write_signal(struct utrace_task *t)
{
	struct stop *s = &t->stop;

	if (s->kind != STOP_SIGNAL || !stop_signal(s))
		return;
	/* Both copies are whole kernel siginfos, padding included; engines
	 * change fields only. */
	// NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c)
	if (memcmp(&s->info, &s->orig_info, sizeof(s->info)) != 0)
		(void)ptrace(PTRACE_SETSIGINFO, atomic_load(&t->tid), 0,
		             &s->info);
}

/* Calls task_maybe_resume() for a task it keeps, which then does not
 * call back: the recursion is one level deep. */
void
// NOLINTNEXTLINE(misc-no-recursion)
task_detach_ptrace(struct utrace_task *t)
{
	struct stop *s = &t->stop;

	/* Its filter would fail the filtered calls with ENOSYS: kept.  So
	 * is a thread in a process with breakpoints, until they go. */
	if (t->seccomp || debug_keeps(t)) {
		t->detach_pending = false;
		task_maybe_resume(t);
		return;
	}

	if (t->state == TASK_RUNNING || t->state == TASK_LISTENING ||
	    (t->state == TASK_NEW && !t->first_stop_seen)) {
		t->detach_pending = true;
		if (t->state != TASK_NEW)
			task_interrupt(t);
		return;
	}
	if (t->state != TASK_STOPPED)
		return;

	if (s->kind == STOP_SYSCALL_ENTRY || s->kind == STOP_SYSCALL_EXIT)
		(void)syscall_write_back(t);
	stop_write_signal(t);
	debug_detach(t);
	if (ptrace(PTRACE_DETACH, atomic_load(&t->tid), 0, stop_signal(s)) <
	    0) {
		/* Killed meanwhile: it is still ours until its next stop
		 * (an exit stop it cannot leave alone) or its death. */
		ulog(t->u, LOG_DEBUG, "detach %d: %m", atomic_load(&t->tid));
		t->detach_pending = true;
		t->state = TASK_RUNNING;
		s->kind = STOP_NONE;
		return;
	}
	t->detach_pending = false;
	t->state = TASK_DETACHED;
	s->kind = STOP_NONE;
	/* A spawned task is still our child: its exit status comes to us,
	 * unless the context is going away (the host inherits it). */
	if (!t->spawned || t->u->quit) {
		atomic_store(&t->untraced, true);
		task_notify(t);
		task_unhash(t);
	}
}

/* Engines were added or removed: keep ptrace in line with them. */
void
task_engines_changed(struct utrace_task *t)
{
	task_update_events(t);
	debug_engines_changed(t);
	if (!list_empty(&t->engines) || t->in_pass || t->start_hold || t->dying)
		return;
	if (t->state == TASK_NEW && !t->parent_seen)
		return;
	if (t->state == TASK_STOPPED)
		task_maybe_resume(t);
	else
		task_detach_ptrace(t);
}

/* Reads /proc/<tid>/status into @buf (NUL-terminated). */
static int
proc_status_read(pid_t tid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	(void)close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/* A field of /proc/<tid>/status: @base 10 ("Tgid:") or 16 ("SigIgn:"). */
static int
proc_status_num(const char *buf, const char *field, int base, uint64_t *ret)
{
	const char *p = strstr(buf, field);
	char *end;

	if (!p)
		return -ENOENT;
	p += strlen(field);
	errno = 0;
	*ret = strtoull(p, &end, base);
	if (errno || end == p)
		return -EIO;
	return 0;
}

int
proc_status_field(pid_t tid, const char *field, long *ret)
{
	char buf[4096];
	uint64_t v;
	int r;

	r = proc_status_read(tid, buf, sizeof(buf));
	if (r < 0)
		return r;
	r = proc_status_num(buf, field, 10, &v);
	if (r < 0)
		return r;
	*ret = (long)v;
	return 0;
}

static int
proc_status_masks(pid_t tid, uint64_t *ign, uint64_t *cgt)
{
	char buf[4096];
	int r;

	r = proc_status_read(tid, buf, sizeof(buf));
	if (r < 0)
		return r;
	r = proc_status_num(buf, "SigIgn:", 16, ign);
	if (r < 0)
		return r;
	return proc_status_num(buf, "SigCgt:", 16, cgt);
}

/*
 * What the tracee would do with @sig: the first engine's view of the
 * disposition, and the event that reports it.
 */
static uint64_t
signal_classify(pid_t tid, int sig, uint32_t *disp)
{
	uint64_t ign = 0;
	uint64_t cgt = 0;
	uint64_t bit = sig > 0 && sig <= 64 ? 1ull << (sig - 1) : 0;

	if (proc_status_masks(tid, &ign, &cgt) == 0) {
		if (cgt & bit) {
			*disp = UTRACE_SIGNAL_DELIVER;
			return UTRACE_EVENT(SIGNAL);
		}
		if (ign & bit) {
			*disp = UTRACE_SIGNAL_IGN;
			return UTRACE_EVENT(SIGNAL_IGN);
		}
	}
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
		*disp = UTRACE_SIGNAL_IGN;
		return UTRACE_EVENT(SIGNAL_IGN);
	case SIGSTOP:
		*disp = UTRACE_SIGNAL_STOP;
		return UTRACE_EVENT(SIGNAL_STOP);
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		*disp = UTRACE_SIGNAL_TSTP;
		return UTRACE_EVENT(SIGNAL_STOP);
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		*disp = UTRACE_SIGNAL_CORE;
		return UTRACE_EVENT(SIGNAL_CORE);
	default:
		*disp = UTRACE_SIGNAL_TERM;
		return UTRACE_EVENT(SIGNAL_TERM);
	}
}

/* Whether any engine of @t might want a report of @event. */
static bool
task_wants(const struct utrace_task *t, uint64_t event)
{
	return t->events & (event | UTRACE_EVENT(QUIESCE));
}

static void
task_report(struct utrace_task *t, uint64_t event, uint32_t flags)
{
	struct report r = { .event = event, .flags = flags };

	r.reverse = event == UTRACE_EVENT(SYSCALL_ENTRY);
	engine_report(t, &r);
}

/*
 * Resumes @t from its stop if nobody holds it, running first the reports
 * that a hold or a REPORT answer owes the engines.
 */
void
// NOLINTNEXTLINE(misc-no-recursion): see task_detach_ptrace()
task_maybe_resume(struct utrace_task *t)
{
	struct stop *s = &t->stop;
	enum utrace_resume_action a;
	pid_t tid = atomic_load(&t->tid);
	long req;
	int sig;
	int r;

	if (t->state != TASK_STOPPED || t->in_pass)
		return;
	if (!s->unholdable) {
		if (t->start_hold || task_is_held(t))
			return;
		if (s->kind == STOP_ATTACH && !t->parent_seen)
			return;
		if (s->kind == STOP_SYSCALL_ENTRY && s->held_entry) {
			/* released from a held entry: engines re-read it */
			s->held_entry = false;
			task_report(t, UTRACE_EVENT(SYSCALL_ENTRY),
			            UTRACE_SYSCALL_RESUMED);
			if (task_is_held(t) || t->state != TASK_STOPPED)
				return;
		}
		if ((s->resume == UTRACE_REPORT ||
		     s->resume == UTRACE_INTERRUPT) &&
		    !s->report_done) {
			s->report_done = true;
			if (s->kind == STOP_SYSCALL_ENTRY)
				task_report(t, UTRACE_EVENT(SYSCALL_ENTRY),
				            UTRACE_SYSCALL_RESUMED);
			else
				task_report(t, 0, 0);
			if (task_is_held(t) || t->state != TASK_STOPPED)
				return;
		}
	}
	if (!t->killing && !t->seccomp &&
	    (t->detach_pending ||
	     (list_empty(&t->engines) && !t->start_hold)) &&
	    !debug_keeps(t)) {
		task_detach_ptrace(t);
		return;
	}

	if (s->kind == STOP_SYSCALL_ENTRY || s->kind == STOP_SYSCALL_EXIT)
		(void)syscall_write_back(t);
	if (t->opts != task_ptrace_options(t) &&
	    ptrace(PTRACE_SETOPTIONS, tid, 0, task_ptrace_options(t)) == 0)
		t->opts = task_ptrace_options(t);
	stop_write_signal(t);
	sig = stop_signal(s);
	a = resume_final(s->resume);
	t->stepping = false;
	if (s->kind == STOP_GROUP || s->group) {
		req = PTRACE_LISTEN;
	} else if (a == UTRACE_SINGLESTEP) {
		req = PTRACE_SINGLESTEP;
		t->stepping = true;
	} else if (a == UTRACE_BLOCKSTEP) {
		req = PTRACE_SINGLEBLOCK;
		t->stepping = true;
	} else if (t->abort_pending) { // NOLINT(bugprone-branch-clone): ordered
		req = PTRACE_SYSCALL;
	} else if (t->sys_filtered) {
		/* Only filtered calls stop; an exit stop is asked for at
		 * their entry (the seccomp stop), and again at event stops
		 * inside the call (clone, exec), until it comes. */
		req = (s->kind == STOP_SYSCALL_ENTRY &&
		       (t->events & UTRACE_EVENT(SYSCALL_EXIT)) &&
		       task_wants_syscall(t, &s->sc)) ||
		                      (t->filtered_call &&
		                       s->kind != STOP_SYSCALL_EXIT &&
		                       s->kind != STOP_SYSCALL_ENTRY)
		              ? PTRACE_SYSCALL
		              : PTRACE_CONT;
		t->filtered_call = req == PTRACE_SYSCALL;
	} else if (t->events & UTRACE_EVENT_SYSCALL) {
		req = PTRACE_SYSCALL;
	} else {
		req = PTRACE_CONT;
	}
	r = debug_resume(t, &req);
	if (r == -EINPROGRESS)
		return; /* kept in its stop until a breakpoint step-over ends */
	if (r < 0) {
		/* Gone: its exit or death comes next. */
		s->kind = STOP_NONE;
		t->state = TASK_RUNNING;
		return;
	}
	s->kind = STOP_NONE;
	t->state = req == PTRACE_LISTEN ? TASK_LISTENING : TASK_RUNNING;
	t->syscall_traced = req == PTRACE_SYSCALL;
	/* ESRCH: killed meanwhile; its exit or death comes next. */
	if (ptrace(req, tid, 0, sig) < 0 && errno != ESRCH)
		ulog(t->u, LOG_ERR, "resume %d: %m", tid);
	else if (req != PTRACE_LISTEN)
		t->u->hot_tid = tid;
}

static void
task_handle_clone(struct utrace_task *t, int event)
{
	struct utrace *u = t->u;
	pid_t ctid = (pid_t)t->stop.msg;
	struct utrace_task *child = task_lookup(u, ctid);
	struct report r = { .event = UTRACE_EVENT(CLONE) };
	pid_t tgid = ctid;
	long v;

	if (event == PTRACE_EVENT_VFORK) {
		r.kind = UTRACE_CLONE_VFORK;
	} else if (event == PTRACE_EVENT_FORK) {
		r.kind = UTRACE_CLONE_FORK;
	} else {
		/* A clone event is a thread unless it made a new process. */
		if (proc_status_field(ctid, "Tgid:", &v) == 0)
			tgid = (pid_t)v;
		else
			tgid = t->tgid;
		r.kind = tgid == t->tgid ? UTRACE_CLONE_THREAD
		                         : UTRACE_CLONE_FORK;
	}
	if (!child) {
		child = task_new(u, ctid, tgid);
		if (!child) {
			ulog(u, LOG_ERR, "no memory for task %d", ctid);
			return;
		}
	}
	child->tgid = tgid;
	child->parent_seen = true;
	task_inherit(child, t);
	if (r.kind == UTRACE_CLONE_VFORK)
		debug_vfork(t, child);
	engine_follow(t, child);
	r.child = utrace_task_get(child);
	engine_report(t, &r);
	if (child->early_dead) {
		task_death(child, child->status);
	} else if (list_empty(&child->engines)) {
		if (r.kind != UTRACE_CLONE_THREAD)
			debug_forget_child(t, child);
		task_detach_ptrace(child);
	} else {
		task_maybe_resume(child);
	}
	utrace_task_put(r.child);
}

/*
 * A thread other than the leader called exec: the kernel gave it the
 * leader's tid and reports the exec there.  The leader's old task dies;
 * the execing thread's task, engines and handles, takes over the tid.
 */
static struct utrace_task *
task_exec_takeover(struct utrace_task *leader, pid_t former)
{
	struct utrace *u = leader->u;
	struct utrace_task *t = task_lookup(u, former);
	pid_t tid = atomic_load(&leader->tid);

	if (!t || t == leader)
		return leader;
	utrace_task_get(t);
	/* The process goes on under @t: what was the leader's as the
	 * process's (ours to reap or kill, or seized) is @t's now, and
	 * waiters for the leader follow to @t. */
	t->spawned = leader->spawned;
	t->kill_on_free = leader->kill_on_free;
	t->seized = leader->seized;
	leader->spawned = false;
	leader->successor = utrace_task_get(t);
	/* The old leader is gone without an exit status of its own. */
	task_death(leader, leader->exit_seen ? leader->exit_status : 0);
	list_del(&t->hash);
	atomic_store(&t->tid, tid);
	list_add_tail(&t->hash, &u->buckets[(unsigned int)tid % TASK_BUCKETS]);
	t->state = TASK_STOPPED;
	t->stop = leader->stop;
	t->interrupt_sent = false;
	utrace_task_put(t);
	return t;
}

/*
 * The exit stop of an exec has no entry stop before it when the task was
 * not stopping at syscalls (or was another thread): name the call now.
 */
void
task_exec_syscall(struct utrace_task *t)
{
	struct utrace_syscall *sc = &t->stop.sc;
	uint32_t arch;
	int64_t nr;

	if (arch_syscall_nr(atomic_load(&t->tid), &arch, &nr) < 0)
		nr = -1;
	/* Keep the arguments an entry stop of this very call gave. */
	if (nr != sc->nr || arch != sc->arch) {
		memset(sc, 0, sizeof(*sc));
		sc->arch = arch;
		sc->nr = nr;
	}
	t->stop.orig_sc = *sc;
}

static void
task_handle_exec(struct utrace_task *t)
{
	debug_exec(t);
	char link[64];
	char path[PATH_MAX];
	ssize_t n;
	struct report r = { .event = UTRACE_EVENT(EXEC) };

	r.former_tid = (pid_t)t->stop.msg;
	path[0] = '\0';
	if (task_wants(t, UTRACE_EVENT(EXEC))) {
		(void)snprintf(link, sizeof(link), "/proc/%d/exe",
		               atomic_load(&t->tid));
		n = readlink(link, path, sizeof(path) - 1);
		path[n > 0 ? n : 0] = '\0';
	}
	r.path = path;
	task_exec_syscall(t);
	engine_report(t, &r);
}

/* A child whose parent's clone report will never run: nobody claims it. */
static void
task_orphan_child(struct utrace_task *parent, pid_t ctid)
{
	struct utrace_task *child = task_lookup(parent->u, ctid);

	if (!child)
		child = task_new(parent->u, ctid, ctid);
	if (!child)
		return;
	child->parent_seen = true;
	task_inherit(child, parent);
	if (list_empty(&child->engines))
		task_detach_ptrace(child);
}

/*
 * @t died: children it created whose clone event it never reported (it
 * was killed in between) wait for nothing any more.
 */
static void
task_orphans_of(struct utrace_task *t)
{
	struct list_head *pos;
	struct list_head *tmp;

	list_for_each_safe(pos, tmp, &t->u->tasks) {
		struct utrace_task *c =
			list_entry(pos, struct utrace_task, node);
		pid_t ctid = atomic_load(&c->tid);
		long v;

		if (c->parent_seen || c == t)
			continue;
		if ((proc_status_field(ctid, "Tgid:", &v) == 0 &&
		     v == t->tgid) ||
		    (proc_status_field(ctid, "PPid:", &v) == 0 &&
		     (v == t->tgid || v == atomic_load(&t->tid))))
			task_orphan_child(t, ctid);
	}
}

/* Decodes a ptrace stop of a known task (status as waitid's si_status). */
int
task_decode(struct utrace_task *t, int st)
{
	struct stop *s = &t->stop;
	pid_t tid = atomic_load(&t->tid);
	int sig = st & 0xff;
	int event = (st >> 8) & 0xff;
	bool was_new = t->state == TASK_NEW;
	bool was_listening = t->state == TASK_LISTENING;
	bool interrupted = t->interrupt_sent;
	bool stepping = t->stepping;

	debug_stop_begin(t);
	s->kind = STOP_OTHER;
	s->sig = sig;
	s->event = 0;
	s->disp = 0;
	s->resume = UTRACE_RESUME;
	s->report_done = false;
	s->group = false;
	s->held_entry = false;
	s->unholdable = false;
	t->state = TASK_STOPPED;
	t->interrupt_sent = false;
	t->stepping = false;

	switch (event) {
	case 0:
		if (sig == (SIGTRAP | 0x80)) {
			int op = syscall_fetch(t);

			if (op < 0)
				goto gone;
			if (op == PTRACE_SYSCALL_INFO_ENTRY)
				s->kind = STOP_SYSCALL_ENTRY;
			else if (op == PTRACE_SYSCALL_INFO_EXIT)
				s->kind = STOP_SYSCALL_EXIT;
			break;
		}
		if (ptrace(PTRACE_GETSIGINFO, tid, 0, &s->info) < 0)
			goto gone;
		s->orig_info = s->info;
		s->kind = sig == SIGTRAP ? (enum stop_kind)debug_classify_trap(
						   t, stepping)
		                         : STOP_SIGNAL;
		break;
	case PTRACE_EVENT_STOP:
		if (was_new && sig == SIGTRAP)
			s->kind = STOP_ATTACH;
		else if (was_new ||
		         (sig != SIGTRAP && !(was_listening && interrupted)))
			s->kind = STOP_GROUP;
		else if (sig == SIGTRAP && was_listening && !interrupted)
			s->kind = STOP_CONTINUED;
		else
			s->kind = STOP_INTERRUPT;
		/* An interrupt of a listening task keeps the group stop. */
		if (sig != SIGTRAP && s->kind == STOP_INTERRUPT)
			s->group = true;
		break;
	case PTRACE_EVENT_SECCOMP:
		/* A filtered call's entry, unless its entry stop was seen
		 * already (the task stops at every call). */
		if (t->syscall_traced)
			break;
		if (syscall_fetch(t) < 0)
			goto gone;
		s->kind = STOP_SYSCALL_ENTRY;
		break;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_EXEC:
	case PTRACE_EVENT_EXIT:
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &s->msg) < 0)
			goto gone;
		s->kind = event == PTRACE_EVENT_EXEC   ? STOP_EXEC
		          : event == PTRACE_EVENT_EXIT ? STOP_EXIT
		                                       : STOP_CLONE;
		break;
	default:
		break;
	}
	s->event = event;
	/* A step asked for while running applies from this stop on. */
	if (t->pending_resume < s->resume)
		s->resume = t->pending_resume;
	t->pending_resume = UTRACE_RESUME;
	return 0;

gone:
	/* Killed under our feet: its exit or death status comes next. */
	s->kind = STOP_NONE;
	t->state = TASK_RUNNING;
	return -ESRCH;
}

/* Reports the decoded stop of @t to its engines, then resumes it. */
void
task_dispatch(struct utrace_task *t)
{
	struct stop *s = &t->stop;
	pid_t tid = atomic_load(&t->tid);
	int sig = s->sig;
	int event = (int)s->event;
	struct report r = { 0 };

	s->event = 0;
	if (t->killing) {
		/* utrace_free() killed it: let it die, report nothing. */
		s->unholdable = true;
		task_maybe_resume(t);
		return;
	}
	if (t->detach_pending) {
		if (s->kind == STOP_ATTACH)
			t->first_stop_seen = true;
		if (s->kind == STOP_CLONE)
			task_orphan_child(t, (pid_t)s->msg);
		task_detach_ptrace(t);
		return;
	}

	switch (s->kind) {
	case STOP_SYSCALL_ENTRY:
		s->disp = UTRACE_SYSCALL_RUN;
		if (!task_wants_syscall(t, &s->sc))
			break;
		task_report(t, UTRACE_EVENT(SYSCALL_ENTRY), 0);
		/* Held at entry: repeat the entry report on release. */
		s->held_entry = task_is_held(t);
		break;
	case STOP_SYSCALL_EXIT:
		if (t->abort_pending) {
			t->abort_pending = false;
			s->sc.rval = t->abort_rval;
			s->sc.is_error =
				t->abort_rval < 0 && t->abort_rval >= -4095;
		}
		if (task_wants_syscall(t, &s->sc))
			task_report(t, UTRACE_EVENT(SYSCALL_EXIT), 0);
		break;
	case STOP_SIGNAL:
		if (task_wants(t, UTRACE_EVENT_SIGNAL_ALL)) {
			uint64_t ev = signal_classify(tid, sig, &s->disp);

			task_report(t, ev, 0);
		}
		break;
	case STOP_STEP:
		task_report(t, 0, 0);
		break;
	case STOP_BREAKPOINT:
		debug_report_breakpoint(t);
		break;
	case STOP_GROUP:
		r.event = UTRACE_EVENT(JCTL);
		r.jctl_type = CLD_STOPPED;
		engine_report(t, &r);
		break;
	case STOP_CONTINUED:
		r.event = UTRACE_EVENT(JCTL);
		r.jctl_type = CLD_CONTINUED;
		s->sig = SIGCONT;
		engine_report(t, &r);
		break;
	case STOP_INTERRUPT:
		if (t->report_wanted || task_is_held(t)) {
			t->report_wanted = false;
			task_report(t, 0, 0);
		}
		break;
	case STOP_ATTACH:
		t->first_stop_seen = true;
		break;
	case STOP_CLONE:
		task_handle_clone(t, event);
		break;
	case STOP_EXEC:
		if ((pid_t)s->msg != tid) {
			t = task_exec_takeover(t, (pid_t)s->msg);
			s = &t->stop;
		}
		task_handle_exec(t);
		break;
	case STOP_EXIT:
		r.event = UTRACE_EVENT(EXIT);
		r.status = (int)s->msg;
		t->exit_seen = true;
		t->exit_status = r.status;
		/* Since Linux 6.1 SIGKILL cannot end an exit stop: a held
		 * one could never die.  Exit stops are not held. */
		s->unholdable = true;
		engine_report(t, &r);
		break;
	default:
		break;
	}
	/* A report asked for while running, owed by a stop that had none. */
	if (t->report_wanted) {
		t->report_wanted = false;
		if (s->resume > UTRACE_REPORT)
			s->resume = UTRACE_REPORT;
	}
	task_maybe_resume(t);
}

static void
task_stop(struct utrace_task *t, int st)
{
	t->sweep_suspect = false;
	if (task_decode(t, st) == 0)
		task_dispatch(t);
}

void
task_death(struct utrace_task *t, int status)
{
	struct utrace *u = t->u;
	struct list_head *pos;
	bool group_dead = true;

	if (t->state == TASK_DEAD)
		return;
	list_for_each(pos, &u->tasks) {
		struct utrace_task *o =
			list_entry(pos, struct utrace_task, node);
		if (o != t && o->tgid == t->tgid && o->state != TASK_DEAD)
			group_dead = false;
	}
	utrace_task_get(t);
	t->dying = true;
	t->status = status;
	t->stop.kind = STOP_NONE;
	engine_report_death(t, status, group_dead);
	t->state = TASK_DEAD;
	debug_death(t);
	/* Only a whole process dies mid-clone (by a fatal signal); one
	 * thread's exit orphans nobody. */
	if (group_dead)
		task_orphans_of(t);

	(void)pthread_mutex_lock(&u->lock);
	atomic_store(&t->dead, true);
	(void)pthread_cond_broadcast(&u->cond);
	(void)pthread_mutex_unlock(&u->lock);
	task_unhash(t);
	utrace_task_put(t);
}

/*
 * A final status.  A new thread can die before its parent's clone event
 * was handled: it is kept, dead, until that event reports it.
 */
static void
task_exited(struct utrace *u, struct utrace_task *t, pid_t tid, int status)
{
	if (t && (t->parent_seen || t->state != TASK_NEW)) {
		task_death(t, status);
		return;
	}
	if (!t)
		t = task_new(u, tid, 0);
	if (!t)
		return;
	t->early_dead = true;
	t->status = status;
}

void
task_handle_status(struct utrace *u, const siginfo_t *si)
{
	struct utrace_task *t = task_lookup(u, si->si_pid);
	int st = si->si_status;

	switch (si->si_code) {
	case CLD_EXITED:
		task_exited(u, t, si->si_pid, (st & 0xff) << 8);
		return;
	case CLD_KILLED:
		task_exited(u, t, si->si_pid, st & 0x7f);
		return;
	case CLD_DUMPED:
		task_exited(u, t, si->si_pid, (st & 0x7f) | WCOREFLAG);
		return;
	case CLD_TRAPPED:
		break;
	default:
		/* A group stop of a spawned task we detached from. */
		return;
	}
	if (!t) {
		/* A new task whose parent's event is still to come: keep it
		 * stopped until the parent's report decides. */
		t = task_new(u, si->si_pid, 0);
		if (!t) {
			ulog(u, LOG_ERR, "no memory for task %d", si->si_pid);
			return;
		}
	}
	if (t->state == TASK_DETACHED) {
		/* Cannot happen once detached; never leave it stopped. */
		(void)ptrace(PTRACE_DETACH, si->si_pid, 0, 0);
		return;
	}
	/* Reports may drop every other reference. */
	utrace_task_get(t);
	task_stop(t, st);
	utrace_task_put(t);
}

/*
 * The state letter of a thread's stat file, or 0.  Read through its
 * process (/proc/<tgid>/task/<tid>/stat): /proc/<tid>/stat sums the whole
 * thread group's counters, which with a thousand threads made each sweep
 * cost a million thread visits.
 */
static char
proc_stat_state(pid_t tgid, pid_t tid)
{
	char path[64];
	char buf[512];
	const char *p;
	ssize_t n;
	int fd;

	if (tgid > 0)
		(void)snprintf(path, sizeof(path), "/proc/%d/task/%d/stat",
		               tgid, tid);
	else
		(void)snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/* Whether @tid has a status a wait would return now (not consumed). */
static bool
task_waitable(pid_t tid, int *err)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	*err = 0;
	if (waitid(P_PID, (id_t)tid, &si,
	           WEXITED | WSTOPPED | __WALL | __WNOTHREAD | WNOHANG |
	                   WNOWAIT) < 0) {
		*err = errno;
		return false;
	}
	return si.si_pid != 0;
}

/*
 * A host thread that waits without __WNOTHREAD can consume a tracee's stop
 * or final status (see utrace(7)); the tracee then sits in a ptrace stop
 * nobody resumes, or its death is never seen.  Found here: believed
 * running yet in a tracing stop, or gone, with nothing to wait for.
 *
 * /proc shows a stop before the stopping task has finished publishing it,
 * and a thread that calls execve() loses its tid before the exec event
 * arrives under the leader's; so a task is only suspected at one sweep and
 * recovered if the same holds at the next one with no stop handled in
 * between.  A stop is then rebuilt from its siginfo, after checking once
 * more, with the task known to be fully stopped, that no wait could still
 * return it.
 */
static void
task_recover(struct utrace_task *t)
{
	pid_t tid = atomic_load(&t->tid);
	char state = proc_stat_state(atomic_load(&t->tgid), tid);
	siginfo_t si;
	bool suspect = t->sweep_suspect;
	int err;
	int st;

	t->sweep_suspect = false;
	if (state == 0) {
		/* Gone, and its final status was taken too? */
		if (task_waitable(tid, &err) || err != ECHILD)
			return;
		if (!suspect) {
			t->sweep_suspect = true;
			return;
		}
		ulog(t->u, LOG_WARNING,
		     "task %d: its exit was taken by another wait", tid);
		task_death(t, 0);
		return;
	}
	if (t->state != TASK_RUNNING || state != 't' ||
	    task_waitable(tid, &err))
		return;
	if (!suspect) {
		t->sweep_suspect = true;
		return;
	}
	memset(&si, 0, sizeof(si));
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0 ||
	    task_waitable(tid, &err))
		return;
	/* A syscall (0x85) or event stop, or a group stop, has its wait
	 * status in si_code. */
	if ((si.si_signo == SIGTRAP && si.si_code > SIGTRAP &&
	     (si.si_code & 0x7f) == SIGTRAP) ||
	    (si.si_code >> 8) == PTRACE_EVENT_STOP)
		st = si.si_code;
	else
		st = si.si_signo;
	ulog(t->u, LOG_WARNING,
	     "task %d: a stop was taken by another wait; recovering", tid);
	utrace_task_get(t);
	task_stop(t, st);
	utrace_task_put(t);
}

/* Every live task is looked at: a stolen exit can leave a task we
 * believe stopped or new with no status to come. */
void
task_sweep(struct utrace *u)
{
	struct list_head *pos;
	struct list_head *tmp;

	list_for_each_safe(pos, tmp, &u->tasks) {
		struct utrace_task *t =
			list_entry(pos, struct utrace_task, node);

		if (t->state != TASK_DEAD && t->state != TASK_DETACHED &&
		    !t->early_dead && !t->in_pass)
			task_recover(t);
	}
}

/* utrace_free(): kill or detach everything; the loop collects deaths. */
int
task_shutdown(struct utrace *u)
{
	struct list_head *pos;
	struct list_head *tmp;

	list_for_each_safe(pos, tmp, &u->tasks) {
		struct utrace_task *t =
			list_entry(pos, struct utrace_task, node);
		bool kill_it =
			((t->spawned && t->kill_on_free) || t->seccomp) &&
			t->state != TASK_DEAD;
		/* Detaching the engines below may detach and unhash it. */
		bool was_detached = t->state == TASK_DETACHED;
		struct list_head *epos;
		struct list_head *etmp;

		utrace_task_get(t);
		if (t->early_dead) {
			/* Its parent's clone event never came. */
			task_unhash(t);
			utrace_task_put(t);
			continue;
		}
		if (kill_it) {
			/* Kept traced until it dies, resumed from any stop,
			 * reported to nobody. */
			t->killing = true;
			t->stop.unholdable = true;
			(void)kill(atomic_load(&t->tid), SIGKILL);
		}
		t->start_hold = false;
		list_for_each_safe(epos, etmp, &t->engines)
			engine_detach(
				list_entry(epos, struct utrace_engine, node));
		if (kill_it)
			task_maybe_resume(t);
		else if (was_detached)
			task_unhash(t); /* a spawned child: the host's now */
		else if (t->state != TASK_DETACHED)
			task_detach_ptrace(t);
		utrace_task_put(t);
	}
	return 0;
}

struct lookup_args {
	pid_t tid;
	struct utrace_task *task;
};

static int
do_task_lookup(struct utrace *u, void *arg)
{
	struct lookup_args *a = arg;
	struct utrace_task *t = task_lookup(u, a->tid);

	if (!t || t->state == TASK_DETACHED || t->state == TASK_DEAD)
		return -ESRCH;
	a->task = utrace_task_get(t);
	return 0;
}

UTRACE_EXPORT int
utrace_task_lookup(struct utrace *u, pid_t tid, struct utrace_task **ret_task)
{
	struct lookup_args a = { .tid = tid };
	int r;

	assert_return(u, -EINVAL);
	assert_return(tid > 0, -EINVAL);
	assert_return(ret_task, -EINVAL);

	r = cmdq_call(u, do_task_lookup, &a);
	if (r < 0)
		return r;
	*ret_task = a.task;
	return 0;
}

static int
do_task_start(struct utrace *u, void *arg)
{
	struct utrace_task *t = arg;

	(void)u;
	if (!t->start_hold)
		return -EALREADY;
	if (t->state == TASK_DEAD)
		return -ESRCH;
	t->start_hold = false;
	t->started = true;
	/* A seized task's first stop is reported now that engines are
	 * attached. */
	if (t->seized && t->state == TASK_STOPPED)
		task_dispatch(t);
	else
		task_maybe_resume(t);
	return 0;
}

UTRACE_EXPORT int
utrace_task_start(struct utrace_task *task)
{
	assert_return(task, -EINVAL);

	return cmdq_call(task->u, do_task_start, task);
}

UTRACE_EXPORT int
utrace_task_wait(struct utrace_task *task, int *ret_status)
{
	struct utrace *u;
	int r = 0;

	assert_return(task, -EINVAL);
	assert_return(ret_status, -EINVAL);
	u = task->u;
	if (cmdq_on_tracer(u))
		return -EDEADLK;
	if (getpid() != u->pid)
		return -ECHILD;

	(void)pthread_mutex_lock(&u->lock);
	for (;;) {
		while (!atomic_load(&task->dead) &&
		       !atomic_load(&task->untraced))
			(void)pthread_cond_wait(&u->cond, &u->lock);
		/* Superseded by a non-leader exec: the process goes on. */
		if (!atomic_load(&task->dead) || !task->successor)
			break;
		task = task->successor;
	}
	if (atomic_load(&task->dead))
		*ret_status = task->status;
	else
		r = -ESRCH;
	(void)pthread_mutex_unlock(&u->lock);
	return r;
}

UTRACE_EXPORT struct utrace_task *
utrace_task_get(struct utrace_task *task)
{
	if (task)
		atomic_fetch_add(&task->ref, 1);
	return task;
}

UTRACE_EXPORT void
utrace_task_put(struct utrace_task *task)
{
#ifdef __clang_analyzer__
	/* The analyzer cannot know that the caller's reference is not the
	 * last one and would flag every use after a put; ASan and valgrind
	 * check the real lifetimes (meson test --setup=valgrind). */
	(void)task;
	return;
#endif
	/* A loop, not a recursion: a chain of successors (one per
	 * non-leader exec) is released link by link. */
	while (task && atomic_fetch_sub(&task->ref, 1) == 1) {
		struct utrace_task *next = task->successor;

		free(task);
		task = next;
	}
}

UTRACE_EXPORT pid_t
utrace_task_tid(const struct utrace_task *task)
{
	return task ? atomic_load(&task->tid) : -1;
}

UTRACE_EXPORT pid_t
utrace_task_tgid(const struct utrace_task *task)
{
	return task ? task->tgid : -1;
}

UTRACE_EXPORT bool
utrace_task_is_dead(const struct utrace_task *task)
{
	return task && atomic_load(&task->dead);
}
