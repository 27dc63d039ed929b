/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <utrace/utrace.h>

#include "printer.h"

/* strace aligns the " = result" part at this column. */
#define RESULT_COLUMN 40

/* Longest line; a longer one is cut (the tracee controls its length once
 * arguments are decoded). */
#define LINE_SIZE 1024

struct printer {
	FILE *out;
	const struct filter *filter;
	/* The call whose entry was seen and whose exit is awaited. */
	bool in_syscall;
	struct utrace_syscall entry;
};

struct line {
	char buf[LINE_SIZE];
	size_t len;
};

/* Kernel-internal restart codes a traced call can show at its exit. */
static const struct {
	int err;
	const char *name;
	const char *text;
} restart_errors[] = {
	{ 512, "ERESTARTSYS", "To be restarted if SA_RESTART is set" },
	{ 513, "ERESTARTNOINTR", "To be restarted" },
	{ 514, "ERESTARTNOHAND", "To be restarted if no handler" },
	{ 516, "ERESTART_RESTARTBLOCK", "Interrupted by signal" },
};

/* Calls whose result is an address, printed in hex as strace does. */
static const char *const address_calls[] = {
	"brk",
	"mmap",
	"mremap",
	"shmat",
};

#define CODE(name) [name] = #name
static const char *const si_codes[] = {
	/* SI_* are zero or negative: indexed by -code. */
	[-SI_USER] = "SI_USER",       [-SI_QUEUE] = "SI_QUEUE",
	[-SI_TIMER] = "SI_TIMER",     [-SI_MESGQ] = "SI_MESGQ",
	[-SI_ASYNCIO] = "SI_ASYNCIO", [-SI_SIGIO] = "SI_SIGIO",
	[-SI_TKILL] = "SI_TKILL",     [-SI_DETHREAD] = "SI_DETHREAD",
};
static const char *const cld_codes[] = {
	CODE(CLD_EXITED),  CODE(CLD_KILLED),  CODE(CLD_DUMPED),
	CODE(CLD_TRAPPED), CODE(CLD_STOPPED), CODE(CLD_CONTINUED),
};
static const char *const segv_codes[] = {
	CODE(SEGV_MAPERR),
	CODE(SEGV_ACCERR),
	CODE(SEGV_BNDERR),
	CODE(SEGV_PKUERR),
};
static const char *const bus_codes[] = {
	CODE(BUS_ADRALN),    CODE(BUS_ADRERR),    CODE(BUS_OBJERR),
	CODE(BUS_MCEERR_AR), CODE(BUS_MCEERR_AO),
};
static const char *const ill_codes[] = {
	CODE(ILL_ILLOPC), CODE(ILL_ILLOPN), CODE(ILL_ILLADR), CODE(ILL_ILLTRP),
	CODE(ILL_PRVOPC), CODE(ILL_PRVREG), CODE(ILL_COPROC), CODE(ILL_BADSTK),
};
static const char *const fpe_codes[] = {
	CODE(FPE_INTDIV), CODE(FPE_INTOVF), CODE(FPE_FLTDIV), CODE(FPE_FLTOVF),
	CODE(FPE_FLTUND), CODE(FPE_FLTRES), CODE(FPE_FLTINV), CODE(FPE_FLTSUB),
};
static const char *const trap_codes[] = {
	CODE(TRAP_BRKPT),
	CODE(TRAP_TRACE),
	CODE(TRAP_BRANCH),
	CODE(TRAP_HWBKPT),
};
static const char *const poll_codes[] = {
	CODE(POLL_IN),  CODE(POLL_OUT), CODE(POLL_MSG),
	CODE(POLL_ERR), CODE(POLL_PRI), CODE(POLL_HUP),
};
#undef CODE

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The positive si_code names of each signal that has some. */
static const struct {
	int signo;
	const char *const *names;
	size_t n_names;
} signal_codes[] = {
	{ SIGCHLD, cld_codes, ARRAY_SIZE(cld_codes) },
	{ SIGSEGV, segv_codes, ARRAY_SIZE(segv_codes) },
	{ SIGBUS, bus_codes, ARRAY_SIZE(bus_codes) },
	{ SIGILL, ill_codes, ARRAY_SIZE(ill_codes) },
	{ SIGFPE, fpe_codes, ARRAY_SIZE(fpe_codes) },
	{ SIGTRAP, trap_codes, ARRAY_SIZE(trap_codes) },
	{ SIGPOLL, poll_codes, ARRAY_SIZE(poll_codes) },
};

/* The last byte of a line is kept for its newline. */
__attribute__((format(printf, 2, 3))) static void
line_printf(struct line *l, const char *format, ...)
{
	size_t room = sizeof(l->buf) - 1 - l->len;
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(l->buf + l->len, room, format, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void
line_flush(struct line *l, FILE *out)
{
	/* One write per line, so that lines from several tasks or from
	 * the tracee's own stderr never mix within a line. */
	l->buf[l->len++] = '\n';
	(void)fwrite(l->buf, 1, l->len, out);
	l->len = 0;
}

static void
line_signal_name(struct line *l, int signo)
{
	const char *name = sigabbrev_np(signo);

	/* Real-time signals count from the kernel's SIGRTMIN (32), not
	 * from glibc's, which reserves the first two. */
	if (name)
		line_printf(l, "SIG%s", name);
	else if (signo == 32)
		line_printf(l, "SIGRTMIN");
	else if (signo > 32 && signo <= 64)
		line_printf(l, "SIGRT_%d", signo - 32);
	else
		line_printf(l, "%d", signo);
}

static const char *
si_code_name(int signo, int code)
{
	size_t i;

	if (code == SI_KERNEL)
		return "SI_KERNEL";
	if (code <= 0)
		/* The tracee chooses the code: even INT_MIN. */
		return code > -(int)ARRAY_SIZE(si_codes) ? si_codes[-code]
		                                         : NULL;
	for (i = 0; i < ARRAY_SIZE(signal_codes); i++)
		if (signal_codes[i].signo == signo)
			return (size_t)code < signal_codes[i].n_names
			               ? signal_codes[i].names[code]
			               : NULL;
	return NULL;
}

static bool
is_fault_signal(int signo)
{
	return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL ||
	       signo == SIGFPE || signo == SIGTRAP;
}

static void
line_address(struct line *l, const void *addr)
{
	if (addr)
		line_printf(l, "%p", addr);
	else
		line_printf(l, "NULL");
}

/* The fields strace shows for each kind of siginfo. */
static void
line_siginfo(struct line *l, const siginfo_t *info)
{
	const char *code = si_code_name(info->si_signo, info->si_code);

	line_printf(l, "{si_signo=");
	line_signal_name(l, info->si_signo);
	if (code)
		line_printf(l, ", si_code=%s", code);
	else
		line_printf(l, ", si_code=%#x", (unsigned)info->si_code);

	switch (info->si_code) {
	case SI_QUEUE:
	case SI_MESGQ:
		line_printf(l, ", si_pid=%d, si_uid=%u, si_int=%d, si_ptr=%p",
		            (int)info->si_pid, (unsigned)info->si_uid,
		            info->si_int, info->si_ptr);
		break;
	case SI_TIMER:
		line_printf(l, ", si_timerid=%#x, si_overrun=%d, si_int=%d",
		            (unsigned)info->si_timerid, info->si_overrun,
		            info->si_int);
		break;
	case SI_KERNEL:
		if (is_fault_signal(info->si_signo) &&
		    info->si_signo != SIGTRAP) {
			line_printf(l, ", si_addr=");
			line_address(l, info->si_addr);
		}
		break;
	default:
		if (info->si_code <= 0) {
			/* Sent by a process: kill(), tgkill() or a code
			 * of its own (rt_sigqueueinfo()). */
			line_printf(l, ", si_pid=%d, si_uid=%u",
			            (int)info->si_pid, (unsigned)info->si_uid);
		} else if (info->si_signo == SIGCHLD) {
			line_printf(l, ", si_pid=%d, si_uid=%u, si_status=",
			            (int)info->si_pid, (unsigned)info->si_uid);
			if (info->si_code == CLD_EXITED)
				line_printf(l, "%d", info->si_status);
			else
				line_signal_name(l, info->si_status);
			line_printf(l, ", si_utime=%ld, si_stime=%ld",
			            (long)info->si_utime, (long)info->si_stime);
		} else if (is_fault_signal(info->si_signo)) {
			line_printf(l, ", si_addr=");
			line_address(l, info->si_addr);
		} else if (info->si_signo == SIGPOLL) {
			line_printf(l, ", si_band=%ld, si_fd=%d", info->si_band,
			            info->si_fd);
		}
		break;
	}
	line_printf(l, "}");
}

/* "name(args)", or "name(...)" when the entry was not seen (the execve
 * that utrace_spawn() ran before any engine was attached). */
static void
line_call(struct line *l, const struct utrace_syscall *sc, const uint64_t *args)
{
	const char *name = utrace_syscall_name(sc->arch, sc->nr);
	size_t i;

	if (name)
		line_printf(l, "%s(", name);
	else
		line_printf(l, "syscall_%#llx(", (unsigned long long)sc->nr);
	if (!args) {
		line_printf(l, "...)");
		return;
	}
	/* No argument decoder yet: all six registers, raw. */
	for (i = 0; i < 6; i++)
		line_printf(l, "%s%#llx", i ? ", " : "",
		            (unsigned long long)args[i]);
	line_printf(l, ")");
}

static void
line_result_column(struct line *l)
{
	line_printf(l, " ");
	if (l->len < RESULT_COLUMN)
		line_printf(l, "%*s", (int)(RESULT_COLUMN - l->len), "");
	line_printf(l, "= ");
}

static bool
returns_address(const struct utrace_syscall *sc)
{
	const char *name = utrace_syscall_name(sc->arch, sc->nr);
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(address_calls); i++)
		if (strcmp(name, address_calls[i]) == 0)
			return true;
	return false;
}

static void
line_result(struct line *l, const struct utrace_syscall *sc)
{
	const char *name;
	int err;
	size_t i;

	line_result_column(l);
	if (!sc->is_error) {
		if (returns_address(sc))
			line_printf(l, "%#llx", (unsigned long long)sc->rval);
		else
			line_printf(l, "%lld", (long long)sc->rval);
		return;
	}

	err = (int)-sc->rval;
	for (i = 0; i < ARRAY_SIZE(restart_errors); i++) {
		if (restart_errors[i].err == err) {
			line_printf(l, "? %s (%s)", restart_errors[i].name,
			            restart_errors[i].text);
			return;
		}
	}
	name = strerrorname_np(err);
	if (name)
		line_printf(l, "-1 %s (%s)", name, strerror(err));
	else
		line_printf(l, "-1 (errno %d)", err);
}

static uint32_t
printer_syscall_entry(uint32_t action, struct utrace_engine *engine,
                      struct utrace_task *task, struct utrace_syscall *sc,
                      void *data)
{
	struct printer *p = data;

	/* Entry engines run newest first, so the printer (attached first)
	 * sees the call as the others left it; a repeated (RESUMED) report
	 * simply records it again. */
	p->in_syscall = filter_has(p->filter, sc->arch, sc->nr);
	if (p->in_syscall)
		p->entry = *sc;
	return UTRACE_RESUME | utrace_syscall_action(action);
}

static uint32_t
printer_syscall_exit(uint32_t action, struct utrace_engine *engine,
                     struct utrace_task *task, struct utrace_syscall *sc,
                     void *data)
{
	struct printer *p = data;
	struct line l = { .len = 0 };
	bool seen;

	seen = p->in_syscall && p->entry.arch == sc->arch &&
	       p->entry.nr == sc->nr;
	p->in_syscall = false;
	if (!filter_has(p->filter, sc->arch, sc->nr))
		return UTRACE_RESUME | utrace_syscall_action(action);

	line_call(&l, sc, seen ? p->entry.args : NULL);
	line_result(&l, sc);
	line_flush(&l, p->out);
	return UTRACE_RESUME | utrace_syscall_action(action);
}

static uint32_t
printer_signal(uint32_t action, struct utrace_engine *engine,
               struct utrace_task *task, siginfo_t *info, void *data)
{
	struct printer *p = data;
	struct line l = { .len = 0 };

	line_printf(&l, "--- ");
	line_signal_name(&l, info->si_signo);
	line_printf(&l, " ");
	line_siginfo(&l, info);
	line_printf(&l, " ---");
	line_flush(&l, p->out);
	/* Pass the disposition on untouched: printing changes nothing. */
	return UTRACE_RESUME | utrace_signal_action(action);
}

static uint32_t
printer_jctl(uint32_t action, struct utrace_engine *engine,
             struct utrace_task *task, int type, int signo, void *data)
{
	struct printer *p = data;
	struct line l = { .len = 0 };

	/* The end of the stop shows as the SIGCONT signal report. */
	if (type != CLD_STOPPED)
		return UTRACE_RESUME;
	line_printf(&l, "--- stopped by ");
	line_signal_name(&l, signo);
	line_printf(&l, " ---");
	line_flush(&l, p->out);
	return UTRACE_RESUME;
}

static void
printer_death(struct utrace_engine *engine, struct utrace_task *task,
              int status, bool group_dead, void *data)
{
	struct printer *p = data;
	struct line l = { .len = 0 };

	/* A call that never returned (exit_group, or killed inside). */
	if (p->in_syscall) {
		line_call(&l, &p->entry, p->entry.args);
		line_result_column(&l);
		line_printf(&l, "?");
		line_flush(&l, p->out);
		p->in_syscall = false;
	}

	if (WIFEXITED(status)) {
		line_printf(&l, "+++ exited with %d +++", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		line_printf(&l, "+++ killed by ");
		line_signal_name(&l, WTERMSIG(status));
		line_printf(&l, "%s +++",
		            WCOREDUMP(status) ? " (core dumped)" : "");
	} else {
		return;
	}
	line_flush(&l, p->out);
}

static const struct utrace_engine_ops printer_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = printer_syscall_entry,
	.report_syscall_exit = printer_syscall_exit,
	.report_signal = printer_signal,
	.report_jctl = printer_jctl,
	.report_death = printer_death,
};

struct printer *
printer_new(FILE *out, const struct filter *filter)
{
	struct printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	p->filter = filter;
	return p;
}

int
printer_attach(struct printer *p, struct utrace_task *task)
{
	struct utrace_engine *engine;
	int r;

	r = utrace_attach_task(task, UTRACE_ATTACH_CREATE, &printer_ops, p,
	                       &engine);
	if (r < 0)
		return r;
	r = utrace_set_events(task, engine,
	                      UTRACE_EVENT_SYSCALL | UTRACE_EVENT_SIGNAL_ALL |
	                              UTRACE_EVENT(JCTL) | UTRACE_EVENT(DEATH));
	if (r < 0)
		(void)utrace_control(task, engine, UTRACE_DETACH);
	/* The attachment keeps the engine; @p outlives it (see
	 * printer_free()), so no reference is needed here. */
	utrace_engine_put(engine);
	return r;
}

void
printer_free(struct printer *p)
{
	free(p);
}
