/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <utrace/utrace.h>

#include "decode/decode.h"
#include "line.h"
#include "printer.h"
#include "taskmap.h"

/* strace aligns the "= result" part at this column. */
#define RESULT_COLUMN 40

struct printer {
	struct printer_opts o;
	/* The execve run by utrace_spawn(), up to its arguments: printed
	 * at the first exit of an execve whose entry was not seen. */
	struct line spawn_call;
	bool spawn_pending;
	/* A leader that vanished because another thread called execve:
	 * its last line waits for that thread's exec report. */
	pid_t superseded;
	struct taskmap tasks;
};

/* The printer's state on one task. */
struct printer_task {
	struct output *out;
	/* The call whose entry was seen and whose exit is awaited, and its
	 * line so far; @cut when another line came between. */
	bool in_syscall;
	bool injected;
	bool has_exit;
	bool cut;
	struct dcall call;
	struct line line;
	struct timespec entry_time;
};

static void
task_fini(void *state)
{
	struct printer_task *pt = state;

	if (pt->out)
		output_forget(pt->out, &pt->line);
	line_free(&pt->line);
}

static struct printer_task *
task_state(struct printer *p, const struct utrace_task *task)
{
	struct printer_task *pt = taskmap_get(&p->tasks, task, NULL);

	if (pt)
		pt->out = p->o.out;
	return pt;
}

static void
line_duration(struct line *l, const struct timespec *start)
{
	struct timespec end;
	long long ns;

	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	ns = (long long)(end.tv_sec - start->tv_sec) * 1000000000 +
	     (end.tv_nsec - start->tv_nsec);
	if (ns < 0)
		ns = 0;
	line_printf(l, " <%lld.%06lld>", ns / 1000000000,
	            ns % 1000000000 / 1000);
}

/* "<... NAME resumed>" starts the second half of a cut line. */
static void
line_resumed(struct printer_task *pt, const struct output *out, pid_t tid)
{
	const char *name =
		utrace_syscall_name(pt->call.sc.arch, pt->call.sc.nr);

	line_clear(&pt->line);
	/* The thread's id now: a thread that called execve has the
	 * leader's at its exit. */
	output_prefix(out, &pt->line, tid);
	if (name)
		line_printf(&pt->line, "<... %s resumed>", name);
	else
		line_printf(&pt->line, "<... syscall_%#llx resumed>",
		            (unsigned long long)pt->call.sc.nr);
}

static uint32_t
printer_syscall_entry(uint32_t action, struct utrace_engine *engine,
                      struct utrace_task *task, struct utrace_syscall *sc,
                      void *data)
{
	struct printer *p = data;
	struct printer_task *pt = task_state(p, task);
	uint32_t disp = utrace_syscall_action(action);

	/* Entry engines run newest first: the printer, attached first, sees
	 * the call as the others left it.  A repeated (RESUMED) report is
	 * decoded again, the others may have changed the call. */
	if (!pt)
		return UTRACE_RESUME | disp;
	pt->in_syscall = filter_has(p->o.calls, sc->arch, sc->nr);
	if (!pt->in_syscall)
		return UTRACE_RESUME | disp;
	pt->injected = disp == UTRACE_SYSCALL_ABORT;
	pt->has_exit = decode_has_exit(sc);
	pt->call = (struct dcall){
		.tid = utrace_task_tid(task),
		.sc = *sc,
		.strsize = p->o.strsize,
	};
	line_clear(&pt->line);
	output_prefix(p->o.out, &pt->line, pt->call.tid);
	decode_entry(&pt->call, &pt->line);
	output_open(p->o.out, &pt->line, &pt->cut);
	(void)clock_gettime(CLOCK_MONOTONIC, &pt->entry_time);
	return UTRACE_RESUME | disp;
}

/* The exit of a call whose entry was not seen: the execve that
 * utrace_spawn() ran, or a call in progress when tracing began. */
static void
start_unseen(struct printer *p, struct printer_task *pt,
             struct utrace_task *task, const struct utrace_syscall *sc)
{
	const char *name = utrace_syscall_name(sc->arch, sc->nr);

	pt->call = (struct dcall){
		.tid = utrace_task_tid(task),
		.sc = *sc,
		.strsize = p->o.strsize,
	};
	memset(pt->call.sc.args, 0, sizeof(pt->call.sc.args));
	pt->injected = false;
	line_clear(&pt->line);
	output_prefix(p->o.out, &pt->line, pt->call.tid);
	if (p->spawn_pending && name && strcmp(name, "execve") == 0) {
		p->spawn_pending = false;
		line_append(&pt->line, p->spawn_call.buf, p->spawn_call.len);
	} else {
		decode_name(sc->arch, sc->nr, &pt->line);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &pt->entry_time);
}

static uint32_t
printer_syscall_exit(uint32_t action, struct utrace_engine *engine,
                     struct utrace_task *task, struct utrace_syscall *sc,
                     void *data)
{
	struct printer *p = data;
	struct printer_task *pt = task_state(p, task);
	bool seen;

	if (!pt)
		return UTRACE_RESUME;
	seen = pt->in_syscall && pt->call.sc.arch == sc->arch &&
	       pt->call.sc.nr == sc->nr;
	pt->in_syscall = false;
	if (!filter_has(p->o.calls, sc->arch, sc->nr))
		return UTRACE_RESUME;
	if (!seen) {
		start_unseen(p, pt, task, sc);
		line_putc(&pt->line, ')');
	} else {
		if (pt->cut)
			line_resumed(pt, p->o.out, utrace_task_tid(task));
		pt->call.rval = sc->rval;
		pt->call.is_error = sc->is_error;
		decode_exit(&pt->call, &pt->line);
	}
	pt->call.rval = sc->rval;
	pt->call.is_error = sc->is_error;
	line_pad(&pt->line, RESULT_COLUMN);
	line_puts(&pt->line, "= ");
	decode_result(&pt->call, &pt->line);
	if (pt->injected)
		line_puts(&pt->line, " (INJECTED)");
	if (p->o.call_times)
		line_duration(&pt->line, &pt->entry_time);
	output_flush(p->o.out, &pt->line);
	return UTRACE_RESUME;
}

/* A call that never returned (exit_group, or killed inside). */
static void
print_no_return(struct printer *p, struct printer_task *pt,
                const struct utrace_task *task)
{
	struct line *l = &pt->line;

	if (!pt->in_syscall)
		return;
	if (pt->cut)
		line_resumed(pt, p->o.out, utrace_task_tid(task));
	line_puts(l, pt->has_exit ? " <unfinished ...>)" : ")");
	line_pad(l, RESULT_COLUMN);
	line_puts(l, "= ?");
	output_flush(p->o.out, l);
	pt->in_syscall = false;
}

/* The thread is on its way out: strace ends its last call here, before
 * the other threads go on. */
static uint32_t
printer_exit(uint32_t action, struct utrace_engine *engine,
             struct utrace_task *task, int status, void *data)
{
	struct printer *p = data;
	struct printer_task *pt = task_state(p, task);

	if (pt)
		print_no_return(p, pt, task);
	return UTRACE_RESUME;
}

static void
printer_death(struct utrace_engine *engine, struct utrace_task *task,
              int status, bool group_dead, void *data)
{
	struct printer *p = data;
	struct printer_task *pt = task_state(p, task);
	struct line *l;
	char buf[32];
	const char *name;

	if (!pt)
		return;
	l = &pt->line;
	/* Killed without an exit report. */
	print_no_return(p, pt, task);

	/* A leader does not die before its threads, unless one of them
	 * calls execve and takes its place. */
	if (!group_dead && WIFEXITED(status) &&
	    utrace_task_tid(task) == utrace_task_tgid(task)) {
		p->superseded = utrace_task_tid(task);
		return;
	}
	if (p->o.quiet < 2 && (WIFEXITED(status) || WIFSIGNALED(status))) {
		line_clear(l);
		output_prefix(p->o.out, l, utrace_task_tid(task));
		if (WIFEXITED(status)) {
			line_printf(l, "+++ exited with %d +++",
			            WEXITSTATUS(status));
		} else {
			name = signal_name(WTERMSIG(status), buf, sizeof(buf));
			line_puts(l, "+++ killed by ");
			if (name)
				line_puts(l, name);
			else
				line_printf(l, "%d", WTERMSIG(status));
			line_printf(l, "%s +++",
			            WCOREDUMP(status) ? " (core dumped)" : "");
		}
		output_flush(p->o.out, l);
	}
}

static uint32_t
printer_exec(uint32_t action, struct utrace_engine *engine,
             struct utrace_task *task, const char *path, pid_t former_tid,
             void *data)
{
	struct printer *p = data;
	struct line l = LINE_INIT;
	pid_t tid = utrace_task_tid(task);

	if (!p->superseded || p->superseded != tid || former_tid == tid)
		return UTRACE_RESUME;
	p->superseded = 0;
	if (p->o.quiet >= 2)
		return UTRACE_RESUME;
	output_prefix(p->o.out, &l, tid);
	line_printf(&l, "+++ superseded by execve in pid %d +++",
	            (int)former_tid);
	output_flush(p->o.out, &l);
	line_free(&l);
	return UTRACE_RESUME;
}

static void
printer_reap(struct utrace_engine *engine, struct utrace_task *task, void *data)
{
	struct printer *p = data;

	taskmap_remove(&p->tasks, task);
}

static const struct utrace_engine_ops printer_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = printer_syscall_entry,
	.report_syscall_exit = printer_syscall_exit,
	.report_exec = printer_exec,
	.report_exit = printer_exit,
	.report_death = printer_death,
	.report_reap = printer_reap,
};

struct printer *
printer_new(const struct printer_opts *opts)
{
	struct printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->o = *opts;
	taskmap_init(&p->tasks, sizeof(struct printer_task), task_fini);
	return p;
}

int
printer_attach(struct printer *p, struct utrace_task *task,
               const struct attach_opts *opts)
{
	return attach_engine(task, opts, &printer_ops, p,
	                     UTRACE_EVENT_SYSCALL | UTRACE_EVENT(EXEC) |
	                             UTRACE_EVENT(EXIT) | UTRACE_EVENT(DEATH) |
	                             UTRACE_EVENT(REAP));
}

void
printer_spawned(struct printer *p, const char *path, char *const argv[],
                const void *envp, unsigned envc, int err)
{
	struct line *l = &p->spawn_call;
	struct line out = LINE_INIT;
	struct dcall c = { .strsize = p->o.strsize };
	int64_t nr;

	line_clear(l);
	line_puts(l, "execve(");
	fmt_quote(l, (const unsigned char *)path, strlen(path), false);
	fmt_sep(l);
	fmt_argv_local(l, argv, p->o.strsize);
	fmt_sep(l);
	fmt_addr(l, (uint64_t)(uintptr_t)envp);
	line_printf(l, " /* %u var%s */", envc, envc == 1 ? "" : "s");
	if (!err) {
		p->spawn_pending = true;
		return;
	}
	if (utrace_syscall_lookup(AUDIT_ARCH_X86_64, "execve", &nr) < 0 ||
	    !filter_has(p->o.calls, AUDIT_ARCH_X86_64, nr))
		return;
	output_prefix(p->o.out, &out, 0);
	line_append(&out, l->buf, l->len);
	line_putc(&out, ')');
	line_pad(&out, RESULT_COLUMN);
	line_puts(&out, "= ");
	c.rval = err;
	c.is_error = true;
	c.sc.arch = AUDIT_ARCH_X86_64;
	c.sc.nr = -1;
	decode_result(&c, &out);
	output_flush(p->o.out, &out);
	line_free(&out);
}

void
printer_spawn_done(struct printer *p, pid_t tid)
{
	struct line l = LINE_INIT;
	int64_t nr;

	if (!p->spawn_pending)
		return;
	p->spawn_pending = false;
	if (utrace_syscall_lookup(AUDIT_ARCH_X86_64, "execve", &nr) < 0 ||
	    !filter_has(p->o.calls, AUDIT_ARCH_X86_64, nr))
		return;
	output_prefix(p->o.out, &l, tid);
	line_append(&l, p->spawn_call.buf, p->spawn_call.len);
	line_putc(&l, ')');
	line_pad(&l, RESULT_COLUMN);
	line_puts(&l, "= 0");
	output_flush(p->o.out, &l);
	line_free(&l);
}

void
printer_exit_line(struct printer *p, int code)
{
	struct line l = LINE_INIT;

	if (p->o.quiet >= 2)
		return;
	output_prefix(p->o.out, &l, 0);
	line_printf(&l, "+++ exited with %d +++", code);
	output_flush(p->o.out, &l);
	line_free(&l);
}

void
printer_free(struct printer *p)
{
	if (!p)
		return;
	taskmap_clear(&p->tasks);
	line_free(&p->spawn_call);
	free(p);
}
