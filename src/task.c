/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tasks: the table of traced threads, decoding of their stops, resuming
 * by the merged decision, detaching and death.  Runs on the tracer thread
 * except the accessors and utrace_task_wait() at the end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

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

	list_for_each (pos, head) {
		struct utrace_task *t = list_entry(pos, struct utrace_task,
						   hash);
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

	list_for_each (pos, &t->engines) {
		const struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		if (!e->detached && e->holding)
			return true;
	}
	return false;
}

void
task_update_events(struct utrace_task *t)
{
	struct list_head *pos;
	uint64_t events = 0;

	list_for_each (pos, &t->engines) {
		struct utrace_engine *e =
			list_entry(pos, struct utrace_engine, node);
		if (!e->detached)
			events |= e->events;
	}
	t->events = events;
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
	if (memcmp(&s->info, &s->orig_info, sizeof(s->info)) != 0)
		(void)ptrace(PTRACE_SETSIGINFO, atomic_load(&t->tid), 0,
			     &s->info);
}

void
task_detach_ptrace(struct utrace_task *t)
{
	struct stop *s = &t->stop;

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
	if (ptrace(PTRACE_DETACH, atomic_load(&t->tid), 0, stop_signal(s)) < 0) {
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
	if (!list_empty(&t->engines) || t->in_pass || t->spawn_hold ||
	    t->dying)
		return;
	if (t->state == TASK_NEW && !t->parent_seen)
		return;
	if (t->state == TASK_STOPPED)
		task_maybe_resume(t);
	else
		task_detach_ptrace(t);
}

static int
proc_status_masks(pid_t tid, uint64_t *ign, uint64_t *cgt)
{
	char path[64];
	char buf[4096];
	ssize_t n;
	int fd;
	char *p;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "SigIgn:");
	if (!p || sscanf(p, "SigIgn: %" SCNx64, ign) != 1)
		return -EIO;
	p = strstr(buf, "SigCgt:");
	if (!p || sscanf(p, "SigCgt: %" SCNx64, cgt) != 1)
		return -EIO;
	return 0;
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
task_maybe_resume(struct utrace_task *t)
{
	struct stop *s = &t->stop;
	enum utrace_resume_action a;
	pid_t tid = atomic_load(&t->tid);
	long req;
	int sig;

	if (t->state != TASK_STOPPED || t->in_pass)
		return;
	if (!s->unholdable) {
		if (t->spawn_hold || task_is_held(t))
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
	if (!t->killing && (t->detach_pending ||
			    (list_empty(&t->engines) && !t->spawn_hold))) {
		task_detach_ptrace(t);
		return;
	}

	if (s->kind == STOP_SYSCALL_ENTRY || s->kind == STOP_SYSCALL_EXIT)
		(void)syscall_write_back(t);
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
	} else if ((t->events & UTRACE_EVENT_SYSCALL) || t->abort_pending) {
		req = PTRACE_SYSCALL;
	} else {
		req = PTRACE_CONT;
	}
	s->kind = STOP_NONE;
	t->state = req == PTRACE_LISTEN ? TASK_LISTENING : TASK_RUNNING;
	t->syscall_traced = req == PTRACE_SYSCALL;
	/* ESRCH: killed meanwhile; its exit or death comes next. */
	if (ptrace(req, tid, 0, sig) < 0 && errno != ESRCH)
		ulog(t->u, LOG_ERR, "resume %d: %m", tid);
}

static void
task_handle_clone(struct utrace_task *t, enum utrace_clone_kind kind)
{
	struct utrace *u = t->u;
	pid_t ctid = (pid_t)t->stop.msg;
	struct utrace_task *child = task_lookup(u, ctid);
	struct report r = { .event = UTRACE_EVENT(CLONE), .kind = kind };
	pid_t tgid = kind == UTRACE_CLONE_THREAD ? t->tgid : ctid;

	if (!child) {
		child = task_new(u, ctid, tgid);
		if (!child) {
			ulog(u, LOG_ERR, "no memory for task %d", ctid);
			return;
		}
	}
	child->tgid = tgid;
	child->parent_seen = true;
	r.child = utrace_task_get(child);
	engine_report(t, &r);
	if (list_empty(&child->engines))
		task_detach_ptrace(child);
	else
		task_maybe_resume(child);
	utrace_task_put(r.child);
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

/* Decodes a ptrace stop of a known task and reports it. */
static void
task_stop(struct utrace_task *t, int st)
{
	struct stop *s = &t->stop;
	pid_t tid = atomic_load(&t->tid);
	int sig = st & 0xff;
	int event = (st >> 8) & 0xff;
	bool was_new = t->state == TASK_NEW;
	bool was_listening = t->state == TASK_LISTENING;
	bool interrupted = t->interrupt_sent;
	bool stepping = t->stepping;
	struct report r = { 0 };

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
		if (stepping && sig == SIGTRAP && s->info.si_code > 0)
			s->kind = STOP_STEP;
		else
			s->kind = STOP_SIGNAL;
		break;
	case PTRACE_EVENT_STOP:
		if (was_new)
			s->kind = STOP_ATTACH;
		else if (sig != SIGTRAP && !(was_listening && interrupted))
			s->kind = STOP_GROUP;
		else if (sig == SIGTRAP && was_listening && !interrupted)
			s->kind = STOP_CONTINUED;
		else
			s->kind = STOP_INTERRUPT;
		/* An interrupt of a listening task keeps the group stop. */
		if (sig != SIGTRAP && s->kind == STOP_INTERRUPT)
			s->group = true;
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
	/* A step asked for while running applies from this stop on. */
	if (t->pending_resume < s->resume)
		s->resume = t->pending_resume;
	t->pending_resume = UTRACE_RESUME;

	if (t->killing) {
		/* utrace_free() killed it: let it die, report nothing. */
		s->unholdable = true;
		task_maybe_resume(t);
		return;
	}
	if (t->detach_pending) {
		if (s->kind == STOP_ATTACH)
			t->first_stop_seen = true;
		task_detach_ptrace(t);
		return;
	}

	switch (s->kind) {
	case STOP_SYSCALL_ENTRY:
		s->disp = UTRACE_SYSCALL_RUN;
		task_report(t, UTRACE_EVENT(SYSCALL_ENTRY), 0);
		/* Held at entry: repeat the entry report on release. */
		s->held_entry = task_is_held(t);
		break;
	case STOP_SYSCALL_EXIT:
		if (t->abort_pending) {
			t->abort_pending = false;
			s->sc.rval = t->abort_rval;
			s->sc.is_error = t->abort_rval < 0 &&
					 t->abort_rval >= -4095;
		}
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
		task_handle_clone(t, event == PTRACE_EVENT_FORK
					     ? UTRACE_CLONE_FORK
				     : event == PTRACE_EVENT_VFORK
					     ? UTRACE_CLONE_VFORK
					     : UTRACE_CLONE_THREAD);
		break;
	case STOP_EXEC:
		task_handle_exec(t);
		break;
	case STOP_EXIT:
		r.event = UTRACE_EVENT(EXIT);
		r.status = (int)s->msg;
		/* Since Linux 6.1 SIGKILL cannot end an exit stop: never
		 * hold one that SIGKILL caused. */
		s->unholdable = WIFSIGNALED(r.status) &&
				WTERMSIG(r.status) == SIGKILL;
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
	return;

gone:
	/* Killed under our feet: its exit or death status comes next. */
	s->kind = STOP_NONE;
	t->state = TASK_RUNNING;
}

void
task_death(struct utrace_task *t, int status)
{
	struct utrace *u = t->u;
	struct list_head *pos;
	bool group_dead = true;

	if (t->state == TASK_DEAD)
		return;
	list_for_each (pos, &u->tasks) {
		struct utrace_task *o = list_entry(pos, struct utrace_task,
						   node);
		if (o != t && o->tgid == t->tgid && o->state != TASK_DEAD)
			group_dead = false;
	}
	utrace_task_get(t);
	t->dying = true;
	t->status = status;
	t->stop.kind = STOP_NONE;
	engine_report_death(t, status, group_dead);
	t->state = TASK_DEAD;

	(void)pthread_mutex_lock(&u->lock);
	atomic_store(&t->dead, true);
	(void)pthread_cond_broadcast(&u->cond);
	(void)pthread_mutex_unlock(&u->lock);
	task_unhash(t);
	utrace_task_put(t);
}

void
task_handle_status(struct utrace *u, const siginfo_t *si)
{
	struct utrace_task *t = task_lookup(u, si->si_pid);
	int st = si->si_status;

	switch (si->si_code) {
	case CLD_EXITED:
		if (t)
			task_death(t, (st & 0xff) << 8);
		return;
	case CLD_KILLED:
		if (t)
			task_death(t, st & 0x7f);
		return;
	case CLD_DUMPED:
		if (t)
			task_death(t, (st & 0x7f) | WCOREFLAG);
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

/* utrace_free(): kill or detach everything; the loop collects deaths. */
int
task_shutdown(struct utrace *u)
{
	struct list_head *pos;
	struct list_head *tmp;

	list_for_each_safe (pos, tmp, &u->tasks) {
		struct utrace_task *t = list_entry(pos, struct utrace_task,
						   node);
		bool kill_it = t->spawned && t->kill_on_free &&
			       t->state != TASK_DEAD;
		struct list_head *epos;
		struct list_head *etmp;

		utrace_task_get(t);
		if (kill_it) {
			/* Kept traced until it dies, resumed from any stop,
			 * reported to nobody. */
			t->killing = true;
			t->stop.unholdable = true;
			(void)kill(atomic_load(&t->tid), SIGKILL);
		}
		t->spawn_hold = false;
		list_for_each_safe (epos, etmp, &t->engines)
			engine_detach(list_entry(epos, struct utrace_engine,
						 node));
		if (kill_it)
			task_maybe_resume(t);
		else if (t->state == TASK_DETACHED)
			task_unhash(t); /* a spawned child: the host's now */
		else
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
	if (!t->spawn_hold)
		return -EALREADY;
	if (t->state == TASK_DEAD)
		return -ESRCH;
	t->spawn_hold = false;
	t->started = true;
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
	while (!atomic_load(&task->dead) && !atomic_load(&task->untraced))
		(void)pthread_cond_wait(&u->cond, &u->lock);
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
	if (task && atomic_fetch_sub(&task->ref, 1) == 1)
		free(task);
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
