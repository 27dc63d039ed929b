/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Processes: execve, execveat, clone, clone3, wait4, exit, exit_group,
 * set_tid_address, set_robust_list, arch_prctl, prlimit64, getrandom.
 */
#include <linux/sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../mem.h"
#include "decode.h"
#include "table.h"

#define K_CLONE_PIDFD 0x00001000
#define K_CLONE_INTO_CGROUP 0x200000000ull
#define K_CSIGNAL 0xff

static const struct flag clone_flags[] = {
	FLAG(CLONE_VM),
	FLAG(CLONE_FS),
	FLAG(CLONE_FILES),
	FLAG(CLONE_SIGHAND),
	{ K_CLONE_PIDFD, "CLONE_PIDFD" },
	FLAG(CLONE_PTRACE),
	FLAG(CLONE_VFORK),
	FLAG(CLONE_PARENT),
	FLAG(CLONE_THREAD),
	FLAG(CLONE_NEWNS),
	FLAG(CLONE_SYSVSEM),
	FLAG(CLONE_SETTLS),
	FLAG(CLONE_PARENT_SETTID),
	FLAG(CLONE_CHILD_CLEARTID),
	FLAG(CLONE_UNTRACED),
	FLAG(CLONE_CHILD_SETTID),
	FLAG(CLONE_NEWCGROUP),
	FLAG(CLONE_NEWUTS),
	FLAG(CLONE_NEWIPC),
	FLAG(CLONE_NEWUSER),
	FLAG(CLONE_NEWPID),
	FLAG(CLONE_NEWNET),
	FLAG(CLONE_IO),
	/* In clone3 only: for clone this bit belongs to the signal. */
	{ 0x80, "CLONE_NEWTIME" },
	{ 0x100000000ull, "CLONE_CLEAR_SIGHAND" },
	{ K_CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP" },
	FLAG_END,
};

static const struct flag wait_options[] = {
	FLAG(WNOHANG),    FLAG(WEXITED),     FLAG(WSTOPPED),
	FLAG(WCONTINUED), FLAG(WNOWAIT),     FLAG(__WCLONE),
	FLAG(__WALL),     FLAG(__WNOTHREAD), FLAG_END,
};

static const struct flag resources[] = {
	{ 0, "RLIMIT_CPU" },
	{ 1, "RLIMIT_FSIZE" },
	{ 2, "RLIMIT_DATA" },
	{ 3, "RLIMIT_STACK" },
	{ 4, "RLIMIT_CORE" },
	{ 5, "RLIMIT_RSS" },
	{ 6, "RLIMIT_NPROC" },
	{ 7, "RLIMIT_NOFILE" },
	{ 8, "RLIMIT_MEMLOCK" },
	{ 9, "RLIMIT_AS" },
	{ 10, "RLIMIT_LOCKS" },
	{ 11, "RLIMIT_SIGPENDING" },
	{ 12, "RLIMIT_MSGQUEUE" },
	{ 13, "RLIMIT_NICE" },
	{ 14, "RLIMIT_RTPRIO" },
	{ 15, "RLIMIT_RTTIME" },
	FLAG_END,
};

static const struct flag getrandom_flags[] = {
	{ 1, "GRND_NONBLOCK" },
	{ 2, "GRND_RANDOM" },
	{ 4, "GRND_INSECURE" },
	FLAG_END,
};

/* arch_prctl codes, and how their second argument prints. */
enum arg_kind { ARG_HEX, ARG_NONE, ARG_OUT, ARG_XFEATURE };
static const struct {
	uint64_t code;
	const char *name;
	enum arg_kind arg;
} arch_prctls[] = {
	{ 0x1001, "ARCH_SET_GS", ARG_HEX },
	{ 0x1002, "ARCH_SET_FS", ARG_HEX },
	{ 0x1003, "ARCH_GET_FS", ARG_OUT },
	{ 0x1004, "ARCH_GET_GS", ARG_OUT },
	{ 0x1011, "ARCH_GET_CPUID", ARG_NONE },
	{ 0x1012, "ARCH_SET_CPUID", ARG_HEX },
	{ 0x1021, "ARCH_GET_XCOMP_SUPP", ARG_OUT },
	{ 0x1022, "ARCH_GET_XCOMP_PERM", ARG_OUT },
	{ 0x1023, "ARCH_REQ_XCOMP_PERM", ARG_XFEATURE },
	{ 0x1024, "ARCH_GET_XCOMP_GUEST_PERM", ARG_OUT },
	{ 0x1025, "ARCH_REQ_XCOMP_GUEST_PERM", ARG_XFEATURE },
	{ 0x2001, "ARCH_MAP_VDSO_X32", ARG_HEX },
	{ 0x2002, "ARCH_MAP_VDSO_32", ARG_HEX },
	{ 0x2003, "ARCH_MAP_VDSO_64", ARG_HEX },
};

static const char *const xfeatures[] = {
	"XFEATURE_FP",
	"XFEATURE_SSE",
	"XFEATURE_YMM",
	"XFEATURE_BNDREGS",
	"XFEATURE_BNDCSR",
	"XFEATURE_OPMASK",
	"XFEATURE_ZMM_Hi256",
	"XFEATURE_Hi16_ZMM",
	"XFEATURE_PT",
	"XFEATURE_PKRU",
	"XFEATURE_PASID",
	"XFEATURE_RSRVD_COMP_11",
	"XFEATURE_RSRVD_COMP_12",
	"XFEATURE_RSRVD_COMP_13",
	"XFEATURE_RSRVD_COMP_14",
	"XFEATURE_LBR",
	"XFEATURE_RSRVD_COMP_16",
	"XFEATURE_XTILE_CFG",
	"XFEATURE_XTILE_DATA",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Pointers of an argv or envp array are read this many at a time. */
#define PTR_CHUNK 64
/* Environments longer than this are counted as this long. */
#define MAX_VARS (1u << 20)

/* argv: the strings, at most -s of them, then "...". */
static void
fmt_argv(struct line *l, const struct dcall *c, uint64_t addr)
{
	unsigned shown = 0;
	uint64_t p;

	if (!addr) {
		line_puts(l, "NULL");
		return;
	}
	if (mem_read(c->tid, addr, &p, sizeof(p)) < 0) {
		fmt_addr(l, addr);
		return;
	}
	line_putc(l, '[');
	for (;; addr += sizeof(p)) {
		if (mem_read(c->tid, addr, &p, sizeof(p)) < 0) {
			/* Where the array stops being readable. */
			line_printf(l, "%s... /* %#llx */", shown ? ", " : "",
			            (unsigned long long)addr);
			break;
		}
		if (p && shown == c->strsize) {
			line_puts(l, shown ? ", ..." : "...");
			break;
		}
		if (!p)
			break;
		if (shown)
			fmt_sep(l);
		fmt_str(l, c, p);
		shown++;
	}
	line_putc(l, ']');
}

void
fmt_argv_local(struct line *l, char *const argv[], unsigned strsize)
{
	unsigned shown;
	size_t len;

	line_putc(l, '[');
	for (shown = 0; argv[shown]; shown++) {
		if (shown == strsize) {
			line_puts(l, shown ? ", ..." : "...");
			break;
		}
		if (shown)
			fmt_sep(l);
		len = strlen(argv[shown]);
		fmt_quote(l, (const unsigned char *)argv[shown],
		          len < strsize ? len : strsize, false);
		if (len > strsize)
			line_puts(l, "...");
	}
	line_putc(l, ']');
}

/* envp: its address and the number of variables. */
static void
fmt_envp(struct line *l, const struct dcall *c, uint64_t addr)
{
	uint64_t ptrs[PTR_CHUNK];
	unsigned count = 0;
	size_t n;
	size_t i;

	fmt_addr(l, addr);
	if (!addr)
		return;
	for (;;) {
		/* A whole chunk, or one pointer near the end of a mapping. */
		n = PTR_CHUNK;
		if (mem_read(c->tid, addr, ptrs, sizeof(ptrs)) < 0) {
			n = 1;
			if (mem_read(c->tid, addr, ptrs, sizeof(ptrs[0])) < 0) {
				/* Readable, but no NULL before it stops. */
				if (count)
					line_printf(
						l,
						" /* %u var%s, unterminated "
						"*/",
						count, count == 1 ? "" : "s");
				return;
			}
		}
		for (i = 0; i < n; i++)
			if (!ptrs[i] || ++count == MAX_VARS)
				goto done;
		addr += n * sizeof(ptrs[0]);
	}
done:
	line_printf(l, " /* %u var%s */", count, count == 1 ? "" : "s");
}

static void
execve_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
	fmt_argv(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_envp(l, c, c->sc.args[2]);
}

static void
execveat_entry(struct dcall *c, struct line *l)
{
	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_argv(l, c, c->sc.args[2]);
	fmt_sep(l);
	fmt_envp(l, c, c->sc.args[3]);
	fmt_sep(l);
	fmt_flags(l, at_flags, c->sc.args[4] & 0xffffffff, "AT_???");
}

static void
fmt_clone_flags(struct line *l, uint64_t flags)
{
	uint64_t sig = flags & K_CSIGNAL;
	uint64_t rest = flags & ~(uint64_t)K_CSIGNAL;

	/* The low byte is the signal sent at the child's death. */
	if (rest)
		fmt_flags(l, clone_flags, rest, "CLONE_???");
	if (rest && sig)
		line_putc(l, '|');
	if (sig)
		fmt_signo(l, sig);
	else if (!rest)
		line_putc(l, '0');
}

/* x86_64 clone(flags, stack, parent_tid, child_tid, tls). */
static void
clone_entry(struct dcall *c, struct line *l)
{
	line_puts(l, "child_stack=");
	fmt_addr(l, c->sc.args[1]);
	line_puts(l, ", flags=");
	fmt_clone_flags(l, c->sc.args[0]);
}

static void
clone_exit(struct dcall *c, struct line *l)
{
	uint64_t flags = c->sc.args[0];

	if (flags & (CLONE_PARENT_SETTID | K_CLONE_PIDFD)) {
		line_puts(l, ", parent_tid=");
		if (!c->is_error)
			fmt_int_ptr(l, c, c->sc.args[2]);
		else
			fmt_addr(l, c->sc.args[2]);
	}
	if (flags & CLONE_SETTLS) {
		line_puts(l, ", tls=");
		fmt_addr(l, c->sc.args[4]);
	}
	if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		line_puts(l, ", child_tidptr=");
		fmt_addr(l, c->sc.args[3]);
	}
}

/* struct clone_args, as far as this version of it goes. */
struct k_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

#define CLONE_ARGS_SIZE_VER0 64

static bool
read_clone_args(const struct dcall *c, struct k_clone_args *a)
{
	uint64_t size = c->sc.args[1];

	if (size < CLONE_ARGS_SIZE_VER0)
		return false;
	if (size > sizeof(*a))
		size = sizeof(*a);
	*a = (struct k_clone_args){ 0 };
	return mem_read(c->tid, c->sc.args[0], a, (size_t)size) == 0;
}

/* A struct longer than this version's: its tail, if not all zero (and
 * "???" if it cannot be read). */
static void
fmt_clone_args_tail(struct line *l, const struct dcall *c)
{
	const uint64_t known = sizeof(struct k_clone_args);
	uint64_t size = c->sc.args[1];
	unsigned char tail[256];
	size_t n;
	size_t i;

	if (size <= known)
		return;
	if (size - known > sizeof(tail) ||
	    mem_read(c->tid, c->sc.args[0] + known, tail,
	             (size_t)(size - known)) < 0) {
		line_puts(l, ", ???");
		return;
	}
	n = (size_t)(size - known);
	for (i = 0; i < n && !tail[i]; i++)
		;
	if (i == n)
		return;
	line_printf(l, ", /* bytes %llu..%llu */ ", (unsigned long long)known,
	            (unsigned long long)size - 1);
	fmt_quote(l, tail, n, true);
}

static void
clone3_entry(struct dcall *c, struct line *l)
{
	struct k_clone_args a;

	if (!c->sc.args[0]) {
		line_puts(l, "NULL");
		return;
	}
	if (!read_clone_args(c, &a)) {
		fmt_addr(l, c->sc.args[0]);
		return;
	}
	line_puts(l, "{flags=");
	fmt_flags(l, clone_flags, a.flags, "CLONE_???");
	if (a.flags & K_CLONE_PIDFD) {
		line_puts(l, ", pidfd=");
		fmt_addr(l, a.pidfd);
	}
	if (a.flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
		line_puts(l, ", child_tid=");
		fmt_addr(l, a.child_tid);
	}
	if (a.flags & CLONE_PARENT_SETTID) {
		line_puts(l, ", parent_tid=");
		fmt_addr(l, a.parent_tid);
	}
	line_puts(l, ", exit_signal=");
	if (a.exit_signal <= 64)
		fmt_signo(l, a.exit_signal);
	else
		fmt_ulong(l, a.exit_signal);
	line_puts(l, ", stack=");
	fmt_addr(l, a.stack);
	line_puts(l, ", stack_size=");
	fmt_hex(l, a.stack_size);
	if (a.flags & CLONE_SETTLS) {
		line_puts(l, ", tls=");
		fmt_addr(l, a.tls);
	}
	if (a.set_tid || a.set_tid_size) {
		line_puts(l, ", set_tid=");
		fmt_addr(l, a.set_tid);
		line_printf(l, ", set_tid_size=%llu",
		            (unsigned long long)a.set_tid_size);
	}
	if (a.flags & K_CLONE_INTO_CGROUP)
		line_printf(l, ", cgroup=%llu", (unsigned long long)a.cgroup);
	fmt_clone_args_tail(l, c);
	line_putc(l, '}');
}

static void
clone3_exit(struct dcall *c, struct line *l)
{
	struct k_clone_args a;
	bool pidfd;
	bool ptid;

	if (!c->is_error && c->sc.args[0] && read_clone_args(c, &a)) {
		pidfd = a.flags & K_CLONE_PIDFD;
		ptid = a.flags & CLONE_PARENT_SETTID;
		if (pidfd || ptid) {
			line_puts(l, " => {");
			if (pidfd) {
				line_puts(l, "pidfd=");
				fmt_int_ptr(l, c, a.pidfd);
			}
			if (ptid) {
				line_puts(l, pidfd ? ", parent_tid="
				                   : "parent_tid=");
				fmt_int_ptr(l, c, a.parent_tid);
			}
			line_putc(l, '}');
		}
	}
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[1]);
}

void
fmt_wait_status(struct line *l, int status)
{
	char buf[32];
	const char *name;

	line_putc(l, '{');
	if (WIFEXITED(status)) {
		line_printf(l, "WIFEXITED(s) && WEXITSTATUS(s) == %d",
		            WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		name = signal_name(WTERMSIG(status), buf, sizeof(buf));
		line_puts(l, "WIFSIGNALED(s) && WTERMSIG(s) == ");
		if (name)
			line_puts(l, name);
		else
			line_printf(l, "%d", WTERMSIG(status));
		if (WCOREDUMP(status))
			line_puts(l, " && WCOREDUMP(s)");
	} else if (WIFSTOPPED(status)) {
		name = signal_name(WSTOPSIG(status), buf, sizeof(buf));
		line_puts(l, "WIFSTOPPED(s) && WSTOPSIG(s) == ");
		if (name)
			line_puts(l, name);
		else
			line_printf(l, "%d", WSTOPSIG(status));
	} else if (WIFCONTINUED(status)) {
		line_puts(l, "WIFCONTINUED(s)");
	} else {
		line_printf(l, "%#x", (unsigned)status);
	}
	line_putc(l, '}');
}

static void
fmt_timeval(struct line *l, const int64_t tv[2])
{
	line_printf(l, "{tv_sec=%lld, tv_usec=%lld}", (long long)tv[0],
	            (long long)tv[1]);
}

static void
wait4_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
}

static void
wait4_exit(struct dcall *c, struct line *l)
{
	/* struct rusage: only the times are shown, all of it is read. */
	int64_t ru[18];
	int status;

	/* The status is written only when a child was reaped. */
	if (c->is_error || c->rval == 0)
		fmt_addr(l, c->sc.args[1]);
	else if (fmt_read(l, c, c->sc.args[1], &status, sizeof(status))) {
		line_putc(l, '[');
		fmt_wait_status(l, status);
		line_putc(l, ']');
	}
	fmt_sep(l);
	fmt_flags(l, wait_options, c->sc.args[2] & 0xffffffff, "W???");
	fmt_sep(l);
	if (c->is_error || c->rval == 0) {
		fmt_addr(l, c->sc.args[3]);
	} else if (fmt_read(l, c, c->sc.args[3], ru, sizeof(ru))) {
		line_puts(l, "{ru_utime=");
		fmt_timeval(l, ru);
		line_puts(l, ", ru_stime=");
		fmt_timeval(l, ru + 2);
		line_puts(l, ", ...}");
	}
}

static void
int_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
}

static void
hex_entry(struct dcall *c, struct line *l)
{
	fmt_hex(l, c->sc.args[0]);
}

static void
set_robust_list_entry(struct dcall *c, struct line *l)
{
	fmt_addr(l, c->sc.args[0]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[1]);
}

static void
arch_prctl_entry(struct dcall *c, struct line *l)
{
	uint64_t code = c->sc.args[0] & 0xffffffff;
	uint64_t arg = c->sc.args[1];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arch_prctls); i++)
		if (arch_prctls[i].code == code)
			break;
	if (i == ARRAY_SIZE(arch_prctls)) {
		line_printf(l, "%#llx /* ARCH_??? */, ",
		            (unsigned long long)code);
		fmt_hex(l, arg);
		return;
	}
	line_puts(l, arch_prctls[i].name);
	switch (arch_prctls[i].arg) {
	case ARG_NONE:
	case ARG_OUT:
		break;
	case ARG_HEX:
		fmt_sep(l);
		fmt_hex(l, arg);
		break;
	case ARG_XFEATURE:
		line_printf(l, ", %llu", (unsigned long long)arg);
		if (arg < ARRAY_SIZE(xfeatures))
			line_printf(l, " /* %s */", xfeatures[arg]);
		break;
	}
	c->saved[0] = arch_prctls[i].arg == ARG_OUT;
}

static void
arch_prctl_exit(struct dcall *c, struct line *l)
{
	uint64_t v;

	if (!c->saved[0])
		return;
	fmt_sep(l);
	if (c->is_error)
		fmt_addr(l, c->sc.args[1]);
	else if (fmt_read(l, c, c->sc.args[1], &v, sizeof(v)))
		line_printf(l, "[%#llx]", (unsigned long long)v);
}

static void
fmt_rlim(struct line *l, uint64_t v)
{
	if (v == UINT64_MAX)
		line_puts(l, "RLIM64_INFINITY");
	else if (v > 1024 && v % 1024 == 0)
		line_printf(l, "%llu*1024", (unsigned long long)(v / 1024));
	else
		line_printf(l, "%llu", (unsigned long long)v);
}

static void
fmt_rlimit(struct line *l, const struct dcall *c, uint64_t addr)
{
	uint64_t r[2];

	if (!fmt_read(l, c, addr, r, sizeof(r)))
		return;
	line_puts(l, "{rlim_cur=");
	fmt_rlim(l, r[0]);
	line_puts(l, ", rlim_max=");
	fmt_rlim(l, r[1]);
	line_putc(l, '}');
}

static void
prlimit64_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_xval(l, resources, c->sc.args[1] & 0xffffffff, "RLIMIT_???");
	fmt_sep(l);
	fmt_rlimit(l, c, c->sc.args[2]);
	fmt_sep(l);
}

static void
prlimit64_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[3]);
	else
		fmt_rlimit(l, c, c->sc.args[3]);
}

static void
nothing(struct dcall *c, struct line *l)
{
}

static void
getrandom_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[0]);
	else
		fmt_buf_hex(l, c, c->sc.args[0], (uint64_t)c->rval);
	line_printf(l, ", %llu, ", (unsigned long long)c->sc.args[1]);
	fmt_flags(l, getrandom_flags, c->sc.args[2] & 0xffffffff, "GRND_???");
}

static void
uname_exit(struct dcall *c, struct line *l)
{
	/* struct utsname: six fields of 65 bytes; strace shows two. */
	char u[6][65];

	if (c->is_error) {
		fmt_addr(l, c->sc.args[0]);
		return;
	}
	if (!fmt_read(l, c, c->sc.args[0], u, sizeof(u)))
		return;
	u[0][64] = '\0';
	u[1][64] = '\0';
	line_puts(l, "{sysname=");
	fmt_quote(l, (unsigned char *)u[0], strlen(u[0]), false);
	line_puts(l, ", nodename=");
	fmt_quote(l, (unsigned char *)u[1], strlen(u[1]), false);
	line_puts(l, ", ...}");
}

static void
getgroups_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
}

static void
getgroups_exit(struct dcall *c, struct line *l)
{
	uint64_t addr = c->sc.args[1];
	int64_t n = c->rval;
	int64_t i;
	uint64_t at;
	uint32_t gid;

	if (!addr) {
		line_puts(l, "NULL");
		return;
	}
	if (c->is_error) {
		fmt_addr(l, addr);
		return;
	}
	/* With a size of 0 the call only counts: nothing was written. */
	if ((int)c->sc.args[0] == 0)
		n = 0;
	line_putc(l, '[');
	for (i = 0; i < n; i++) {
		if (i)
			fmt_sep(l);
		at = addr + (uint64_t)i * sizeof(gid);
		if (mem_read(c->tid, at, &gid, sizeof(gid)) < 0) {
			line_printf(l, "... /* %#llx */",
			            (unsigned long long)at);
			break;
		}
		if (i == (int64_t)c->strsize) {
			line_puts(l, "...");
			break;
		}
		line_printf(l, "%u", gid);
	}
	line_putc(l, ']');
}

const struct decoder process_decoders[] = {
	{ "execve", execve_entry, NULL },
	{ "execveat", execveat_entry, NULL },
	{ "clone", clone_entry, clone_exit },
	{ "clone3", clone3_entry, clone3_exit },
	{ "wait4", wait4_entry, wait4_exit },
	{ "exit", int_entry, NULL },
	{ "exit_group", int_entry, NULL },
	{ "set_tid_address", hex_entry, NULL },
	{ "set_robust_list", set_robust_list_entry, NULL },
	{ "arch_prctl", arch_prctl_entry, arch_prctl_exit },
	{ "prlimit64", prlimit64_entry, prlimit64_exit },
	{ "getrandom", nothing, getrandom_exit },
	{ "uname", nothing, uname_exit },
	{ "getgroups", getgroups_entry, getgroups_exit },
	{ NULL, NULL, NULL },
};
