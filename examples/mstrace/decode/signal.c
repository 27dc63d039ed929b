/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signals: names, sets, siginfo, and the calls rt_sigaction,
 * rt_sigprocmask, rt_sigreturn, kill, tkill and tgkill.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../mem.h"
#include "decode.h"
#include "table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel's sigset_t on x86_64: 64 signals. */
#define KERNEL_SIGSET_SIZE 8
#define KERNEL_NSIG 64
/* The kernel's SIGRTMIN (glibc's reserves the first two for itself). */
#define KERNEL_SIGRTMIN 32

/* Names of the standard signals without "SIG", by number. */
static const char *const names[] = {
	[SIGHUP] = "HUP",       [SIGINT] = "INT",       [SIGQUIT] = "QUIT",
	[SIGILL] = "ILL",       [SIGTRAP] = "TRAP",     [SIGABRT] = "ABRT",
	[SIGBUS] = "BUS",       [SIGFPE] = "FPE",       [SIGKILL] = "KILL",
	[SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",     [SIGALRM] = "ALRM",     [SIGTERM] = "TERM",
	[SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD",     [SIGCONT] = "CONT",
	[SIGSTOP] = "STOP",     [SIGTSTP] = "TSTP",     [SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU",     [SIGURG] = "URG",       [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ",     [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH",   [SIGIO] = "IO",         [SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};

/* Without "SIG": "HUP", "RTMIN", "RT_3"; NULL outside 1..64. */
static const char *
short_name(int signo, char *buf, size_t size)
{
	if (signo > 0 && (size_t)signo < ARRAY_SIZE(names) && names[signo])
		return names[signo];
	if (signo == KERNEL_SIGRTMIN)
		return "RTMIN";
	if (signo > KERNEL_SIGRTMIN && signo <= KERNEL_NSIG) {
		(void)snprintf(buf, size, "RT_%d", signo - KERNEL_SIGRTMIN);
		return buf;
	}
	return NULL;
}

const char *
signal_name(int signo, char *buf, size_t size)
{
	char tmp[16];
	const char *s = short_name(signo, tmp, sizeof(tmp));

	if (!s)
		return NULL;
	(void)snprintf(buf, size, "SIG%s", s);
	return buf;
}

void
fmt_signo(struct line *l, uint64_t value)
{
	char buf[32];
	const char *name = signal_name((int)value, buf, sizeof(buf));

	if (name)
		line_puts(l, name);
	else
		line_printf(l, "%d", (int)value);
}

int
signal_parse(const char *s)
{
	char buf[32];
	char *end;
	long n;
	int i;

	if (isdigit((unsigned char)*s)) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (*end || errno || n > 255)
			return -1;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 1; i <= KERNEL_NSIG; i++)
		if (strcasecmp(s, short_name(i, buf, sizeof(buf))) == 0)
			return i;
	return -1;
}

void
fmt_sigmask(struct line *l, uint64_t mask)
{
	char buf[32];
	bool first = true;
	bool invert;
	int i;

	/* More than half set: print what is missing. */
	invert = __builtin_popcountll(mask) > KERNEL_NSIG / 2;
	if (invert) {
		mask = ~mask;
		line_putc(l, '~');
	}
	line_putc(l, '[');
	for (i = 1; i <= KERNEL_NSIG; i++) {
		if (!(mask & (1ull << (i - 1))))
			continue;
		line_printf(l, "%s%s", first ? "" : " ",
		            short_name(i, buf, sizeof(buf)));
		first = false;
	}
	line_putc(l, ']');
}

void
fmt_sigset(struct line *l, const struct dcall *c, uint64_t addr, uint64_t size)
{
	uint64_t mask;

	if (size != KERNEL_SIGSET_SIZE) {
		fmt_addr(l, addr);
		return;
	}
	if (fmt_read(l, c, addr, &mask, sizeof(mask)))
		fmt_sigmask(l, mask);
}

/* --- siginfo --- */

#define CODE(name)          \
	{                   \
		name, #name \
	}
static const struct flag si_codes[] = {
	CODE(SI_USER),     CODE(SI_KERNEL),  CODE(SI_QUEUE), CODE(SI_TIMER),
	CODE(SI_MESGQ),    CODE(SI_ASYNCIO), CODE(SI_SIGIO), CODE(SI_TKILL),
	CODE(SI_DETHREAD), CODE(SI_ASYNCNL), FLAG_END,
};
static const struct flag cld_codes[] = {
	CODE(CLD_EXITED),  CODE(CLD_KILLED),  CODE(CLD_DUMPED),
	CODE(CLD_TRAPPED), CODE(CLD_STOPPED), CODE(CLD_CONTINUED),
	FLAG_END,
};
static const struct flag segv_codes[] = {
	CODE(SEGV_MAPERR), CODE(SEGV_ACCERR), CODE(SEGV_BNDERR),
	CODE(SEGV_PKUERR), FLAG_END,
};
static const struct flag bus_codes[] = {
	CODE(BUS_ADRALN),    CODE(BUS_ADRERR),    CODE(BUS_OBJERR),
	CODE(BUS_MCEERR_AR), CODE(BUS_MCEERR_AO), FLAG_END,
};
static const struct flag ill_codes[] = {
	CODE(ILL_ILLOPC), CODE(ILL_ILLOPN), CODE(ILL_ILLADR),
	CODE(ILL_ILLTRP), CODE(ILL_PRVOPC), CODE(ILL_PRVREG),
	CODE(ILL_COPROC), CODE(ILL_BADSTK), FLAG_END,
};
static const struct flag fpe_codes[] = {
	CODE(FPE_INTDIV), CODE(FPE_INTOVF), CODE(FPE_FLTDIV),
	CODE(FPE_FLTOVF), CODE(FPE_FLTUND), CODE(FPE_FLTRES),
	CODE(FPE_FLTINV), CODE(FPE_FLTSUB), FLAG_END,
};
static const struct flag trap_codes[] = {
	CODE(TRAP_BRKPT),  CODE(TRAP_TRACE), CODE(TRAP_BRANCH),
	CODE(TRAP_HWBKPT), FLAG_END,
};
static const struct flag poll_codes[] = {
	CODE(POLL_IN),  CODE(POLL_OUT), CODE(POLL_MSG), CODE(POLL_ERR),
	CODE(POLL_PRI), CODE(POLL_HUP), FLAG_END,
};
#undef CODE

static const char *
si_code_name(int signo, int code)
{
	const struct flag *table = NULL;

	/* Codes the sender chose (zero or negative), and SI_KERNEL. */
	if (code <= 0 || code == SI_KERNEL)
		return flag_name(si_codes, (uint64_t)(int64_t)code);
	switch (signo) {
	case SIGCHLD:
		table = cld_codes;
		break;
	case SIGSEGV:
		table = segv_codes;
		break;
	case SIGBUS:
		table = bus_codes;
		break;
	case SIGILL:
		table = ill_codes;
		break;
	case SIGFPE:
		table = fpe_codes;
		break;
	case SIGTRAP:
		table = trap_codes;
		break;
	case SIGPOLL:
		table = poll_codes;
		break;
	default:
		return NULL;
	}
	return flag_name(table, (uint64_t)code);
}

static bool
is_fault_signal(int signo)
{
	return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL ||
	       signo == SIGFPE || signo == SIGTRAP;
}

void
fmt_siginfo(struct line *l, const siginfo_t *info)
{
	const char *code = si_code_name(info->si_signo, info->si_code);

	line_puts(l, "{si_signo=");
	fmt_signo(l, (uint64_t)info->si_signo);
	if (code)
		line_printf(l, ", si_code=%s", code);
	else
		line_printf(l, ", si_code=%#x", (unsigned)info->si_code);

	switch (info->si_code) {
	case SI_QUEUE:
	case SI_MESGQ:
		line_printf(l, ", si_pid=%d, si_uid=%u, si_int=%d, si_ptr=",
		            (int)info->si_pid, (unsigned)info->si_uid,
		            info->si_int);
		fmt_addr(l, (uint64_t)(uintptr_t)info->si_ptr);
		break;
	case SI_TIMER:
		line_printf(l,
		            ", si_timerid=%#x, si_overrun=%d, si_int=%d, "
		            "si_ptr=",
		            (unsigned)info->si_timerid, info->si_overrun,
		            info->si_int);
		fmt_addr(l, (uint64_t)(uintptr_t)info->si_ptr);
		break;
	case SI_KERNEL:
		if (is_fault_signal(info->si_signo) &&
		    info->si_signo != SIGTRAP) {
			line_puts(l, ", si_addr=");
			fmt_addr(l, (uint64_t)(uintptr_t)info->si_addr);
		}
		break;
	default:
		if (info->si_code <= 0) {
			/* Sent by a process: kill(), tgkill(), or a code of
			 * its own (rt_sigqueueinfo()). */
			line_printf(l, ", si_pid=%d, si_uid=%u",
			            (int)info->si_pid, (unsigned)info->si_uid);
		} else if (info->si_signo == SIGCHLD) {
			line_printf(l, ", si_pid=%d, si_uid=%u, si_status=",
			            (int)info->si_pid, (unsigned)info->si_uid);
			if (info->si_code == CLD_EXITED)
				line_printf(l, "%d", info->si_status);
			else
				fmt_signo(l, (uint64_t)info->si_status);
			line_printf(l, ", si_utime=%ld, si_stime=%ld",
			            (long)info->si_utime, (long)info->si_stime);
		} else if (is_fault_signal(info->si_signo)) {
			line_puts(l, ", si_addr=");
			fmt_addr(l, (uint64_t)(uintptr_t)info->si_addr);
		} else if (info->si_signo == SIGPOLL) {
			line_printf(l, ", si_band=%ld, si_fd=%d", info->si_band,
			            info->si_fd);
		}
		break;
	}
	line_putc(l, '}');
}

/* --- calls --- */

static const struct flag sa_flags[] = {
	{ 0x04000000, "SA_RESTORER" },
	FLAG(SA_ONSTACK),
	FLAG(SA_RESTART),
	{ 0x20000000, "SA_INTERRUPT" },
	FLAG(SA_NODEFER),
	FLAG(SA_RESETHAND),
	FLAG(SA_SIGINFO),
	FLAG(SA_NOCLDSTOP),
	FLAG(SA_NOCLDWAIT),
	FLAG_END,
};

static const struct flag sigprocmask_hows[] = {
	FLAG(SIG_BLOCK),
	FLAG(SIG_UNBLOCK),
	FLAG(SIG_SETMASK),
	FLAG_END,
};

/* The kernel's struct sigaction on x86_64, with room for a sigset of 64
 * bytes: strace reads that much and prints the address when it cannot,
 * so mstrace does the same (only the first 8 bytes are the kernel's
 * mask). */
struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
	uint64_t mask_rest[7];
};

static void
fmt_sigaction(struct line *l, const struct dcall *c, uint64_t addr)
{
	struct kernel_sigaction sa;

	if (!fmt_read(l, c, addr, &sa, sizeof(sa)))
		return;
	line_puts(l, "{sa_handler=");
	if (sa.handler == 0)
		line_puts(l, "SIG_DFL");
	else if (sa.handler == 1)
		line_puts(l, "SIG_IGN");
	else if (sa.handler == UINT64_MAX)
		line_puts(l, "SIG_ERR");
	else
		fmt_hex(l, sa.handler);
	line_puts(l, ", sa_mask=");
	fmt_sigmask(l, sa.mask);
	line_puts(l, ", sa_flags=");
	fmt_flags(l, sa_flags, sa.flags, "SA_???");
	if (sa.flags & 0x04000000) {
		line_puts(l, ", sa_restorer=");
		fmt_addr(l, sa.restorer);
	}
	line_putc(l, '}');
}

static void
rt_sigaction_entry(struct dcall *c, struct line *l)
{
	fmt_signo(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_sigaction(l, c, c->sc.args[1]);
	fmt_sep(l);
}

static void
rt_sigaction_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[2]);
	else
		fmt_sigaction(l, c, c->sc.args[2]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[3]);
}

static void
rt_sigprocmask_entry(struct dcall *c, struct line *l)
{
	fmt_xval(l, sigprocmask_hows, c->sc.args[0] & 0xffffffff, "SIG_???");
	fmt_sep(l);
	fmt_sigset(l, c, c->sc.args[1], c->sc.args[3]);
	fmt_sep(l);
}

static void
rt_sigprocmask_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[2]);
	else
		fmt_sigset(l, c, c->sc.args[2], c->sc.args[3]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[3]);
}

static void
rt_sigreturn_entry(struct dcall *c, struct line *l)
{
	/* The handler's return popped the frame's return address: the
	 * stack pointer is at the ucontext, whose uc_sigmask follows
	 * uc_flags, uc_link, uc_stack and uc_mcontext. */
	const uint64_t mask_offset = 8 + 8 + 24 + 256;
	uint64_t mask;

	line_puts(l, "{mask=");
	if (mem_read(c->tid, c->sc.sp + mask_offset, &mask, sizeof(mask)) == 0)
		fmt_sigmask(l, mask);
	else
		fmt_addr(l, c->sc.sp + mask_offset);
	line_putc(l, '}');
}

static void
rt_sigsuspend_entry(struct dcall *c, struct line *l)
{
	fmt_sigset(l, c, c->sc.args[0], c->sc.args[1]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[1]);
}

static const struct flag itimers[] = {
	{ 0, "ITIMER_REAL" },
	{ 1, "ITIMER_VIRTUAL" },
	{ 2, "ITIMER_PROF" },
	FLAG_END,
};

static void
fmt_itimerval(struct line *l, const struct dcall *c, uint64_t addr)
{
	int64_t v[4];

	if (!fmt_read(l, c, addr, v, sizeof(v)))
		return;
	line_printf(l,
	            "{it_interval={tv_sec=%lld, tv_usec=%llu}, "
	            "it_value={tv_sec=%lld, tv_usec=%llu}}",
	            (long long)v[0], (unsigned long long)v[1], (long long)v[2],
	            (unsigned long long)v[3]);
}

static void
setitimer_entry(struct dcall *c, struct line *l)
{
	fmt_xval(l, itimers, c->sc.args[0] & 0xffffffff, "ITIMER_???");
	fmt_sep(l);
	fmt_itimerval(l, c, c->sc.args[1]);
	fmt_sep(l);
}

static void
setitimer_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[2]);
	else
		fmt_itimerval(l, c, c->sc.args[2]);
}

static void
getitimer_entry(struct dcall *c, struct line *l)
{
	fmt_xval(l, itimers, c->sc.args[0] & 0xffffffff, "ITIMER_???");
	fmt_sep(l);
}

static void
getitimer_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[1]);
	else
		fmt_itimerval(l, c, c->sc.args[1]);
}

static void
alarm_entry(struct dcall *c, struct line *l)
{
	fmt_uint(l, c->sc.args[0]);
}

static void
kill_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_signo(l, (uint64_t)(int)c->sc.args[1]);
}

static void
tgkill_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_int(l, c->sc.args[1]);
	fmt_sep(l);
	fmt_signo(l, (uint64_t)(int)c->sc.args[2]);
}

const struct decoder signal_decoders[] = {
	{ "rt_sigaction", rt_sigaction_entry, rt_sigaction_exit },
	{ "rt_sigprocmask", rt_sigprocmask_entry, rt_sigprocmask_exit },
	{ "rt_sigreturn", rt_sigreturn_entry, NULL },
	{ "rt_sigsuspend", rt_sigsuspend_entry, NULL },
	{ "setitimer", setitimer_entry, setitimer_exit },
	{ "getitimer", getitimer_entry, getitimer_exit },
	{ "alarm", alarm_entry, NULL },
	{ "kill", kill_entry, NULL },
	{ "tkill", kill_entry, NULL },
	{ "tgkill", tgkill_entry, NULL },
	{ NULL, NULL, NULL },
};
