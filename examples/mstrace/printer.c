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

/* strace aligns the "= result" part at this column. */
#define RESULT_COLUMN 40

struct printer {
	struct printer_opts o;
	/* Tasks with an engine that have not died: "[pid N] " prefixes
	 * appear while there is more than one. */
	unsigned live;
	/* The execve run by utrace_spawn(), up to its arguments: printed
	 * at the first exit of an execve whose entry was not seen. */
	struct line spawn_call;
	bool spawn_pending;
};

/* The printer's state on one task, shared by its two engines. */
struct printer_task {
	struct printer *p;
	unsigned refs;
	/* The call whose entry was seen and whose exit is awaited, and its
	 * line so far. */
	bool in_syscall;
	bool injected;
	bool has_exit;
	struct dcall call;
	struct line line;
	struct timespec entry_time;
};

static void
task_put(struct printer_task *pt)
{
	if (--pt->refs)
		return;
	line_free(&pt->line);
	free(pt);
}

/* "[pid N] " and the time stamp, as strace starts a line. */
static void
line_prefix(const struct printer *p, struct line *l, pid_t tid)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	if (p->o.pid_prefix && p->live > 1)
		line_printf(l, "[pid %5d] ", (int)tid);
	if (p->o.time == PRINTER_TIME_NONE)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if (p->o.time == PRINTER_TIME_EPOCH) {
		line_printf(l, "%lld.%06ld ", (long long)ts.tv_sec,
		            ts.tv_nsec / 1000);
		return;
	}
	(void)localtime_r(&ts.tv_sec, &tm);
	(void)strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	if (p->o.time == PRINTER_TIME_MICROSECONDS)
		line_printf(l, "%s.%06ld ", buf, ts.tv_nsec / 1000);
	else
		line_printf(l, "%s ", buf);
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

static uint32_t
printer_syscall_entry(uint32_t action, struct utrace_engine *engine,
                      struct utrace_task *task, struct utrace_syscall *sc,
                      void *data)
{
	struct printer_task *pt = data;
	struct printer *p = pt->p;
	uint32_t disp = utrace_syscall_action(action);

	/* Entry engines run newest first: the printer, attached first, sees
	 * the call as the others left it.  A repeated (RESUMED) report is
	 * decoded again, the others may have changed the call. */
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
	line_prefix(p, &pt->line, pt->call.tid);
	decode_entry(&pt->call, &pt->line);
	(void)clock_gettime(CLOCK_MONOTONIC, &pt->entry_time);
	return UTRACE_RESUME | disp;
}

/* The exit of a call whose entry was not seen: the execve that
 * utrace_spawn() ran, or a call in progress when tracing began. */
static void
start_unseen(struct printer_task *pt, struct utrace_task *task,
             const struct utrace_syscall *sc)
{
	struct printer *p = pt->p;
	const char *name = utrace_syscall_name(sc->arch, sc->nr);

	pt->call = (struct dcall){
		.tid = utrace_task_tid(task),
		.sc = *sc,
		.strsize = p->o.strsize,
	};
	memset(pt->call.sc.args, 0, sizeof(pt->call.sc.args));
	pt->injected = false;
	line_clear(&pt->line);
	line_prefix(p, &pt->line, pt->call.tid);
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
	struct printer_task *pt = data;
	struct printer *p = pt->p;
	bool seen;

	seen = pt->in_syscall && pt->call.sc.arch == sc->arch &&
	       pt->call.sc.nr == sc->nr;
	pt->in_syscall = false;
	if (!filter_has(p->o.calls, sc->arch, sc->nr))
		return UTRACE_RESUME;
	if (!seen) {
		start_unseen(pt, task, sc);
		line_putc(&pt->line, ')');
	} else {
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
	line_flush(&pt->line, p->o.out);
	return UTRACE_RESUME;
}

static void
printer_death(struct utrace_engine *engine, struct utrace_task *task,
              int status, bool group_dead, void *data)
{
	struct printer_task *pt = data;
	struct printer *p = pt->p;
	struct line *l = &pt->line;
	char buf[32];
	const char *name;

	/* A call that never returned (exit_group, or killed inside). */
	if (pt->in_syscall) {
		line_puts(l, pt->has_exit ? " <unfinished ...>)" : ")");
		line_pad(l, RESULT_COLUMN);
		line_puts(l, "= ?");
		line_flush(l, p->o.out);
		pt->in_syscall = false;
	}

	if (p->o.quiet < 2 && (WIFEXITED(status) || WIFSIGNALED(status))) {
		line_clear(l);
		line_prefix(p, l, utrace_task_tid(task));
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
		line_flush(l, p->o.out);
	}
	if (p->live)
		p->live--;
}

static void
printer_release(void *data)
{
	task_put(data);
}

static uint32_t
printer_signal(uint32_t action, struct utrace_engine *engine,
               struct utrace_task *task, siginfo_t *info, void *data)
{
	struct printer_task *pt = data;
	struct printer *p = pt->p;
	struct line l = LINE_INIT;

	if (sigfilter_has(p->o.signals, info->si_signo)) {
		line_prefix(p, &l, utrace_task_tid(task));
		line_puts(&l, "--- ");
		fmt_signo(&l, (uint64_t)info->si_signo);
		line_putc(&l, ' ');
		fmt_siginfo(&l, info);
		line_puts(&l, " ---");
		line_flush(&l, p->o.out);
		line_free(&l);
	}
	/* Pass the disposition on untouched: printing changes nothing. */
	return UTRACE_RESUME | utrace_signal_action(action);
}

static uint32_t
printer_jctl(uint32_t action, struct utrace_engine *engine,
             struct utrace_task *task, int type, int signo, void *data)
{
	struct printer_task *pt = data;
	struct printer *p = pt->p;
	struct line l = LINE_INIT;

	/* The end of the stop shows as the SIGCONT signal report. */
	if (type != CLD_STOPPED)
		return UTRACE_RESUME;
	line_prefix(p, &l, utrace_task_tid(task));
	line_puts(&l, "--- stopped by ");
	fmt_signo(&l, (uint64_t)signo);
	line_puts(&l, " ---");
	line_flush(&l, p->o.out);
	line_free(&l);
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops printer_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = printer_syscall_entry,
	.report_syscall_exit = printer_syscall_exit,
	.report_death = printer_death,
	.release = printer_release,
};

static const struct utrace_engine_ops printer_signal_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_signal = printer_signal,
	.report_jctl = printer_jctl,
	.release = printer_release,
};

struct printer *
printer_new(const struct printer_opts *opts)
{
	struct printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->o = *opts;
	return p;
}

static int
attach(struct utrace_task *task, const struct utrace_engine_ops *ops,
       struct printer_task *pt, uint64_t events)
{
	struct utrace_engine *engine;
	int r;

	r = utrace_attach_task(task, UTRACE_ATTACH_CREATE, ops, pt, &engine);
	if (r < 0)
		return r;
	/* From here the engine owns a reference: release() drops it. */
	pt->refs++;
	r = utrace_set_events(task, engine, events);
	if (r < 0)
		(void)utrace_control(task, engine, UTRACE_DETACH);
	utrace_engine_put(engine);
	return r;
}

int
printer_attach(struct printer *p, struct utrace_task *task,
               struct printer_task **ret_pt)
{
	struct printer_task *pt = calloc(1, sizeof(*pt));
	int r;

	if (!pt)
		return -ENOMEM;
	pt->p = p;
	/* Our own reference, dropped below: the engine keeps its own. */
	pt->refs = 1;
	r = attach(task, &printer_ops, pt,
	           UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH));
	if (r == 0) {
		p->live++;
		*ret_pt = pt;
	}
	task_put(pt);
	return r;
}

int
printer_attach_signals(struct printer_task *pt, struct utrace_task *task)
{
	return attach(task, &printer_signal_ops, pt,
	              UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(JCTL));
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
	line_prefix(p, &out, 0);
	line_append(&out, l->buf, l->len);
	line_putc(&out, ')');
	line_pad(&out, RESULT_COLUMN);
	line_puts(&out, "= ");
	c.rval = err;
	c.is_error = true;
	c.sc.arch = AUDIT_ARCH_X86_64;
	c.sc.nr = -1;
	decode_result(&c, &out);
	line_flush(&out, p->o.out);
	line_free(&out);
}

void
printer_exit_line(struct printer *p, int code)
{
	struct line l = LINE_INIT;

	if (p->o.quiet >= 2)
		return;
	line_prefix(p, &l, 0);
	line_printf(&l, "+++ exited with %d +++", code);
	line_flush(&l, p->o.out);
	line_free(&l);
}

void
printer_free(struct printer *p)
{
	if (!p)
		return;
	line_free(&p->spawn_call);
	free(p);
}
