/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mstrace: a strace built from independent engines that share each task
 * through libutrace.  The tracker keeps the list of tasks, the printer
 * prints each call, the counter counts them, each fault injection rule is
 * an engine of its own, the stack tracer prints stacks and the signal
 * reporter signals; none knows of the others.  With -f they all follow
 * new threads and children.  Nothing here calls ptrace: everything goes
 * through the library's public API.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/audit.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace-version.h>
#include <utrace/utrace.h>

#include "attach.h"
#include "counter.h"
#include "decode/decode.h"
#include "filter.h"
#include "injector.h"
#include "msg.h"
#include "output.h"
#include "printer.h"
#include "sigrep.h"
#include "stack.h"
#include "sysent.h"
#include "tracker.h"

/* Long options without a short form. */
enum {
	OPT_TRACE = 0x100,
	OPT_SIGNAL,
	OPT_INJECT,
	OPT_FAULT,
	OPT_SECCOMP,
};

/* The largest -s strace accepts. */
#define MAX_STRSIZE ((1u << 30) - 1)

/* The most -p options strace takes is not bounded; this is plenty. */
#define MAX_PIDS 256

struct options {
	bool print_calls;
	bool count;
	bool wall_time;
	bool debug;
	const char *output;
	struct filter calls;
	struct sigfilter signals;
	unsigned strsize;
	enum output_time time;
	bool call_times;
	unsigned quiet;
	struct inject_rule *rules;
	size_t n_rules;
	bool follow;
	bool stack;
	bool seccomp;
	pid_t pids[MAX_PIDS];
	size_t n_pids;
	char **command;
};

static const char help[] =
	"Usage: mstrace [-cCdfhkqTtVw] [-e EXPR]... [-o FILE] [-p PID]...\n"
	"               [-s STRSIZE] [--seccomp-bpf] [--] PROG [ARGS]\n"
	"       mstrace [options] -p PID... [PROG [ARGS]]\n"
	"\n"
	"Trace the system calls and signals of PROG, or of running processes,\n"
	"with several libutrace engines sharing each task.\n"
	"\n"
	"Tracing:\n"
	"  -f, --follow-forks          trace new threads and child processes\n"
	"  -p PID, --attach=PID        trace a running process (repeatable)\n"
	"  -k, --stack-trace           print the stack after each call\n"
	"  --seccomp-bpf               with -f, stop only at the traced calls\n"
	"Output:\n"
	"  -o FILE, --output=FILE      write the trace to FILE, not stderr\n"
	"  -s N, --string-limit=N      print at most N bytes of a string (32)\n"
	"  -t, --absolute-timestamps   prefix lines with the time of day;\n"
	"                              -tt with microseconds, -ttt as seconds\n"
	"                              since the epoch\n"
	"  -T, --syscall-times         show the time spent in each call\n"
	"  -q, --quiet                 no attach/detach messages; -qq: no\n"
	"                              exit status lines either\n"
	"Statistics:\n"
	"  -c, --summary-only          count calls, errors and time; print the\n"
	"                              table only\n"
	"  -C, --summary               print the calls and the table\n"
	"  -w, --summary-wall-clock    count wall time, not system time\n"
	"Filtering and tampering:\n"
	"  -e trace=SET, --trace=SET   trace only these calls: names,\n"
	"                              %file %process %network (%net)\n"
	"                              %signal %memory %desc %ipc %creds\n"
	"                              %clock %pure %stat..., /REGEX, all,\n"
	"                              none; a leading ! inverts the set\n"
	"  -e signal=SET, --signal=SET print only these signals\n"
	"  -e inject=SET:error=ERRNO|retval=N|signal=SIG[:when=EXPR]\n"
	"  --inject=...                make calls fail, return N or get a\n"
	"                              signal; when=FIRST[..LAST][+[STEP]]\n"
	"                              picks the invocations; one engine per\n"
	"                              rule\n"
	"  -e fault=SET[:...]          like inject=, error=ENOSYS by default\n"
	"Other:\n"
	"  -d, --debug                 print the library's log to stderr\n"
	"  -h, --help                  print this help and exit\n"
	"  -V, --version               print the version and exit\n";

static int
add_rule(struct options *o, const char *value, bool fault)
{
	struct inject_rule *rules;

	rules = realloc(o->rules, (o->n_rules + 1) * sizeof(*rules));
	if (!rules) {
		msg("%s", strerror(ENOMEM));
		return -1;
	}
	o->rules = rules;
	if (inject_rule_parse(&rules[o->n_rules], value, fault) < 0)
		return -1;
	o->n_rules++;
	return 0;
}

/* strace's qualifiers that mstrace does not implement. */
static const char *const unsupported_qualifiers[] = {
	"abbrev",    "a",        "verbose", "v",          "raw",
	"x",         "read",     "reads",   "r",          "write",
	"writes",    "w",        "quiet",   "silent",     "silence",
	"q",         "status",   "kvm",     "decode-fds", "decode-pids",
	"trace-fds", "trace-fd", "fd",      "fds",        "kern-version",
};

/* -e [QUALIFIER=]VALUE */
static int
parse_expr(struct options *o, const char *expr)
{
	const char *eq = strchr(expr, '=');
	size_t len = eq ? (size_t)(eq - expr) : 0;
	const char *value = eq ? eq + 1 : expr;
	size_t i;

#define IS(name) (len == strlen(name) && strncmp(expr, name, len) == 0)
	if (!eq || IS("trace") || IS("t"))
		return filter_parse(&o->calls, value);
	if (IS("signal") || IS("signals") || IS("s"))
		return sigfilter_parse(&o->signals, value);
	if (IS("inject"))
		return add_rule(o, value, false);
	if (IS("fault"))
		return add_rule(o, value, true);
	for (i = 0; i < sizeof(unsupported_qualifiers) /
	                        sizeof(unsupported_qualifiers[0]);
	     i++) {
		if (IS(unsupported_qualifiers[i])) {
			msg("-e %.*s= is not supported yet", (int)len, expr);
			return -1;
		}
	}
#undef IS
	/* Not a qualifier: strace reads it all as call names. */
	return filter_parse(&o->calls, expr);
}

static int
parse_strsize(const char *arg, unsigned *ret)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n < 0 || n > (long)MAX_STRSIZE) {
		msg("invalid -s argument: '%s'", arg);
		msg_try_help();
		return -1;
	}
	*ret = (unsigned)n;
	return 0;
}

static int
parse_pid(struct options *o, const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n <= 0 || n > INT_MAX) {
		msg("Invalid process id: '%s'", arg);
		return -1;
	}
	if (o->n_pids == MAX_PIDS) {
		msg("too many -p options");
		return -1;
	}
	o->pids[o->n_pids++] = (pid_t)n;
	return 0;
}

/* Returns 0 to trace, 1 to exit successfully (help, version), -1 on a
 * usage error (reported). */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_options[] = {
		{ "summary-only", no_argument, NULL, 'c' },
		{ "summary", no_argument, NULL, 'C' },
		{ "summary-wall-clock", no_argument, NULL, 'w' },
		{ "debug", no_argument, NULL, 'd' },
		{ "follow-forks", no_argument, NULL, 'f' },
		{ "attach", required_argument, NULL, 'p' },
		{ "stack-trace", no_argument, NULL, 'k' },
		{ "stack-traces", no_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "string-limit", required_argument, NULL, 's' },
		{ "absolute-timestamps", no_argument, NULL, 't' },
		{ "syscall-times", no_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "signal", required_argument, NULL, OPT_SIGNAL },
		{ "inject", required_argument, NULL, OPT_INJECT },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "seccomp-bpf", no_argument, NULL, OPT_SECCOMP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned t_count = 0;
	int c;

	o->print_calls = true;
	o->strsize = 32;
	filter_init(&o->calls, true);
	sigfilter_init(&o->signals, true);

	/* '+': options end at PROG, whose own options are its own.
	 * ':': report errors here, with our name rather than argv[0]. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:cCwdfp:ko:s:tTqe:hV",
	                        long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->print_calls = false;
			o->count = true;
			break;
		case 'C':
			o->print_calls = true;
			o->count = true;
			break;
		case 'w':
			o->wall_time = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'p':
			if (parse_pid(o, optarg) < 0)
				return -1;
			break;
		case 'k':
			o->stack = true;
			break;
		case OPT_SECCOMP:
			o->seccomp = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 's':
			if (parse_strsize(optarg, &o->strsize) < 0)
				return -1;
			break;
		case 't':
			t_count++;
			break;
		case 'T':
			o->call_times = true;
			break;
		case 'q':
			o->quiet++;
			break;
		case 'e':
			if (parse_expr(o, optarg) < 0)
				return -1;
			break;
		case OPT_TRACE:
			if (filter_parse(&o->calls, optarg) < 0)
				return -1;
			break;
		case OPT_SIGNAL:
			if (sigfilter_parse(&o->signals, optarg) < 0)
				return -1;
			break;
		case OPT_INJECT:
		case OPT_FAULT:
			if (add_rule(o, optarg, c == OPT_FAULT) < 0)
				return -1;
			break;
		case 'h':
			fputs(help, stdout);
			return 1;
		case 'V':
			printf("mstrace -- version %s (libutrace)\n",
			       UTRACE_VERSION);
			return 1;
		case ':':
			/* optopt is also set for a long option: tell them
			 * apart by how the option was written. */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				msg("option '%s' requires an argument",
				    argv[optind - 1]);
			else
				msg("option requires an argument -- '%c'",
				    optopt);
			msg_try_help();
			return -1;
		default:
			if (optopt)
				msg("invalid option -- '%c'", optopt);
			else
				msg("unrecognized option '%s'",
				    argv[optind - 1]);
			msg_try_help();
			return -1;
		}
	}
	o->time = t_count >= 3 ? OUTPUT_TIME_EPOCH : (enum output_time)t_count;

	if (optind >= argc && !o->n_pids) {
		msg("must have PROG [ARGS] or -p PID");
		msg_try_help();
		return -1;
	}
	o->command = optind < argc ? argv + optind : NULL;
	return 0;
}

static bool
filter_is_all(const struct filter *f)
{
	int64_t nr;

	for (nr = 0; nr < FILTER_MAX_NR; nr++)
		if (!filter_has(f, AUDIT_ARCH_X86_64, nr))
			return false;
	return true;
}

/* --seccomp-bpf is given up where it cannot work, with strace's
 * warnings: a seized process has no filter, and without -f children
 * would inherit a filter nobody follows. */
static void
check_seccomp(struct options *o)
{
	if (!o->seccomp)
		return;
	if (!o->command)
		msg("--seccomp-bpf is not enabled for processes attached with "
		    "-p");
	if (!o->follow) {
		msg("--seccomp-bpf cannot be used without -f/--follow-forks, "
		    "disabling");
		o->seccomp = false;
		return;
	}
	if (!filter_is_all(&o->calls))
		return;
	msg("Seccomp filter is requested but there are no syscalls to filter."
	    "  See -e trace to filter syscalls.");
	o->seccomp = false;
}

__attribute__((format(printf, 2, 0))) static void
log_to_stderr(int priority, const char *format, va_list ap, void *data)
{
	char text[1024];

	(void)vsnprintf(text, sizeof(text), format, ap);
	msg("libutrace: <%d> %s", priority, text);
}

static bool
is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 0111);
}

/* The file strace would run: @name as given if it has a slash, else the
 * first executable file of that name in PATH.  Returns 0 with the path in
 * @buf, or -1 after strace's message. */
static int
find_program(const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	struct stat st;
	size_t len;
	int n;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			goto fail;
		n = snprintf(buf, size, "%s", name);
		return n < 0 || (size_t)n >= size ? (errno = ENAMETOOLONG, -1)
		                                  : 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*name) {
		len = strcspn(path, ":");
		n = snprintf(buf, size, "%.*s%s%s", (int)len, len ? path : ".",
		             "/", name);
		if (n >= 0 && (size_t)n < size && is_executable_file(buf))
			return 0;
		if (!path[len])
			break;
		path += len + 1;
	}
	errno = ENOENT;
fail:
	msg("Can't stat '%s': %s", name, strerror(errno));
	return -1;
}

static unsigned
count_strings(char *const *v)
{
	unsigned n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Leave as the traced program left: with its exit code, or killed by its
 * signal (without a core file of our own), as strace does. */
static int
exit_like(int status)
{
	const struct rlimit no_core = { 0, 0 };
	sigset_t set;
	int signo;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (!WIFSIGNALED(status))
		return EXIT_FAILURE;

	signo = WTERMSIG(status);
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)signal(signo, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(signo);
	return 128 + signo;
}

/* The engines of one run, in attach order. */
struct engines {
	struct output out;
	struct attach_opts attach;
	struct tracker *tracker;
	struct printer *printer;
	struct counter *counter;
	struct injector **injectors;
	size_t n_injectors;
	struct stack *stack;
	struct sigrep *sigrep;
};

static int
engines_new(struct engines *e, const struct options *o, FILE *out)
{
	const struct printer_opts popts = {
		.out = &e->out,
		.calls = &o->calls,
		.strsize = o->strsize,
		.call_times = o->call_times,
		.quiet = o->quiet,
	};
	/* strace numbers every line when the trace has a file of its own
	 * and may show several processes. */
	size_t roots = o->n_pids + (o->command ? 1 : 0);
	bool always_pid = o->output && (o->follow || roots > 1);
	/* strace says nothing of attaching when the trace has a file of
	 * its own and it runs a program. */
	bool quiet = o->quiet || (o->output && o->command);
	size_t i;

	output_init(&e->out, out, o->time, always_pid);
	e->attach.follow = o->follow;
	e->attach.syscalls = o->seccomp ? &o->calls : NULL;
	e->tracker = tracker_new(&e->out, quiet);
	if (!e->tracker)
		return -ENOMEM;
	if (o->print_calls) {
		e->printer = printer_new(&popts);
		e->sigrep = sigrep_new(&e->out, &o->signals);
		if (!e->printer || !e->sigrep)
			return -ENOMEM;
		if (o->stack) {
			e->stack = stack_new(&e->out, &o->calls);
			if (!e->stack)
				return -ENOMEM;
		}
	}
	if (o->count) {
		e->counter = counter_new(&o->calls, o->wall_time);
		if (!e->counter)
			return -ENOMEM;
	}
	if (o->n_rules) {
		e->injectors = calloc(o->n_rules, sizeof(struct injector *));
		if (!e->injectors)
			return -ENOMEM;
	}
	for (i = 0; i < o->n_rules; i++) {
		e->injectors[i] = injector_new(&o->rules[i]);
		if (!e->injectors[i])
			return -ENOMEM;
		e->n_injectors++;
	}
	return 0;
}

/* The tracker first; the printer next (last to hear a syscall entry, so
 * it sees the others' decisions); then the counter and the injection
 * rules in command-line order; the stack tracer after the printer (its
 * lines follow the call's); the signal reporter last (last to hear a
 * signal, so it prints it as delivered). */
static int
engines_attach(struct engines *e, struct utrace_task *task, bool seized)
{
	const char *what = "tracker";
	size_t i;
	int r;

	r = tracker_attach(e->tracker, task, &e->attach, seized);
	if (r == 0 && e->printer) {
		what = "printer";
		r = printer_attach(e->printer, task, &e->attach);
	}
	if (r == 0 && e->counter) {
		what = "counter";
		r = counter_attach(e->counter, task, &e->attach);
	}
	for (i = 0; r == 0 && i < e->n_injectors; i++) {
		what = "injector";
		r = injector_attach(e->injectors[i], task, &e->attach);
	}
	if (r == 0 && e->stack) {
		what = "stack tracer";
		r = stack_attach(e->stack, task, &e->attach);
	}
	if (r == 0 && e->sigrep) {
		what = "signal reporter";
		r = sigrep_attach(e->sigrep, task, &e->attach);
	}
	if (r < 0)
		msg("attach %s: %s", what, strerror(-r));
	return r;
}

static void
engines_free(struct engines *e)
{
	size_t i;

	tracker_free(e->tracker);
	printer_free(e->printer);
	counter_free(e->counter);
	for (i = 0; i < e->n_injectors; i++)
		injector_free(e->injectors[i]);
	free(e->injectors);
	stack_free(e->stack);
	sigrep_free(e->sigrep);
}

/* The tasks of one run: what was spawned and seized, held until every
 * engine is attached. */
struct run {
	struct utrace *u;
	struct utrace_task *child;
	struct utrace_task **held;
	size_t n_held;
	/* The processes seized and how many of their threads, for the
	 * "attached" messages. */
	pid_t seized[MAX_PIDS];
	size_t n_threads[MAX_PIDS];
	size_t n_seized;
};

static int
hold(struct run *run, struct utrace_task *task)
{
	struct utrace_task **v;

	v = realloc(run->held,
	            (run->n_held + 1) * sizeof(struct utrace_task *));
	if (!v) {
		utrace_task_put(task);
		return -ENOMEM;
	}
	run->held = v;
	run->held[run->n_held++] = task;
	return 0;
}

static int
spawn(struct run *run, struct engines *e, const struct options *o,
      const char *path)
{
	int64_t nrs[FILTER_MAX_NR];
	struct filter wanted = o->calls;
	struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		/* If mstrace dies, so does the program. */
		.flags = UTRACE_SPAWN_EXITKILL,
	};
	size_t i;
	size_t j;
	int r;

	if (o->seccomp) {
		/* The calls someone wants: traced or tampered with. */
		for (i = 0; i < o->n_rules; i++)
			for (j = 0; j < FILTER_MAX_NR / 64; j++)
				wanted.bits[j] |= o->rules[i].calls.bits[j];
		opts.flags |= UTRACE_SPAWN_SECCOMP;
		opts.seccomp_nrs = nrs;
		opts.n_seccomp_nrs = attach_syscall_list(&wanted, nrs);
	}
	r = utrace_spawn(run->u, o->command, NULL, &opts, &run->child);
	if (e->printer)
		printer_spawned(e->printer, path, o->command, environ,
		                count_strings(environ), r < 0 ? r : 0);
	if (r == -EPERM) {
		msg("Can't trace '%s': %s", o->command[0], strerror(-r));
		return r;
	}
	if (r < 0) {
		/* As strace: its child reports the exec failure and exits
		 * with 1. */
		msg("exec: %s", strerror(-r));
		if (e->printer)
			printer_exit_line(e->printer, 1);
		return r;
	}
	r = engines_attach(e, run->child, false);
	if (r < 0)
		return r;
	/* Under the filter the execve's exit stop is not made: it is
	 * printed now. */
	if (o->seccomp && e->printer)
		printer_spawn_done(e->printer, utrace_task_tid(run->child));
	return hold(run, utrace_task_get(run->child));
}

/* Seize process @pid: every thread with -f, else only the one named, as
 * strace.  Returns 0, 1 if it could not be seized (said), or a negative
 * errno. */
static int
seize(struct run *run, struct engines *e, const struct options *o, pid_t pid)
{
	struct utrace_task **tasks = NULL;
	size_t n = 0;
	size_t i;
	int r;

	r = utrace_seize(run->u, pid, NULL, &tasks);
	if (r < 0) {
		/* The kernel's answer to strace's PTRACE_SEIZE (which
		 * refuses a tracer's own process and a traced one). */
		msg("attach: ptrace(PTRACE_SEIZE, %d): %s", (int)pid,
		    strerror(r == -EBUSY || r == -EINVAL ? EPERM : -r));
		return 1;
	}
	for (i = 0; tasks[i]; i++) {
		if (r == 0 && (o->follow || utrace_task_tid(tasks[i]) == pid)) {
			r = engines_attach(e, tasks[i], true);
			if (r == 0) {
				n++;
				r = hold(run, tasks[i]);
				continue;
			}
		}
		/* Not traced: detached when started without engines. */
		(void)utrace_task_start(tasks[i]);
		utrace_task_put(tasks[i]);
	}
	free(tasks);
	if (r < 0)
		return r;
	run->seized[run->n_seized] = pid;
	run->n_threads[run->n_seized++] = n;
	return 0;
}

static void
say_attached(const struct run *run, const struct options *o)
{
	size_t i;

	for (i = 0; i < run->n_seized && !o->quiet; i++) {
		if (run->n_threads[i] > 1)
			msg("Process %d attached with %zu threads",
			    (int)run->seized[i], run->n_threads[i]);
		else
			msg("Process %d attached", (int)run->seized[i]);
	}
}

/* Signals that end mstrace, which then detaches cleanly. */
static void
fatal_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGPIPE);
	sigaddset(set, SIGTERM);
}

/* Wait until every traced task is gone (returns 0) or a fatal signal
 * comes (returns it). */
static int
wait_for_tasks(const struct engines *e, int sigfd)
{
	struct pollfd fds[2] = {
		{ .fd = tracker_fd(e->tracker), .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (fds[0].revents)
			return 0;
		if (fds[1].revents &&
		    read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			return (int)si.ssi_signo;
	}
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct engines e = { 0 };
	struct run run = { 0 };
	char path[PATH_MAX];
	FILE *out = stderr;
	sigset_t fatal;
	int sigfd = -1;
	int status = -1;
	int signo = 0;
	size_t i;
	int r;

	sysent_init();
	decode_init();

	r = parse_options(argc, argv, &o);
	if (r != 0) {
		free(o.rules);
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	check_seccomp(&o);
	if (o.stack && !o.print_calls) {
		msg("-k/--stack-traces has no effect with -c/--summary-only");
		o.stack = false;
	}
	if (o.command && find_program(o.command[0], path, sizeof(path)) < 0) {
		free(o.rules);
		return EXIT_FAILURE;
	}

	if (o.output) {
		/* Close-on-exec: the program must not inherit it. */
		out = fopen(o.output, "we");
		if (!out) {
			msg("Can't fopen '%s': %s", o.output, strerror(errno));
			free(o.rules);
			return EXIT_FAILURE;
		}
		setvbuf(out, NULL, _IOLBF, 0);
	}

	if (engines_new(&e, &o, out) < 0) {
		msg("%s", strerror(ENOMEM));
		goto finish;
	}

	r = utrace_new(NULL, &run.u);
	if (r < 0) {
		msg("utrace_new: %s", strerror(-r));
		goto finish;
	}
	if (o.debug)
		(void)utrace_set_log_fn(run.u, log_to_stderr, NULL);

	/* Everything is held before its next instruction until every
	 * engine is attached everywhere; then it all runs. */
	for (i = 0; i < o.n_pids; i++) {
		r = seize(&run, &e, &o, o.pids[i]);
		if (r < 0)
			goto finish;
	}
	if (o.command && spawn(&run, &e, &o, path) < 0)
		goto finish;
	if (!run.n_held)
		goto finish;

	/* From here a fatal signal detaches rather than kills mstrace.  The
	 * program was spawned with the signals unblocked. */
	fatal_signals(&fatal);
	(void)sigprocmask(SIG_BLOCK, &fatal, NULL);
	sigfd = signalfd(-1, &fatal, SFD_CLOEXEC);
	if (sigfd < 0) {
		msg("signalfd: %s", strerror(errno));
		goto finish;
	}
	say_attached(&run, &o);
	for (i = 0; i < run.n_held; i++) {
		r = utrace_task_start(run.held[i]);
		if (r < 0 && r != -ESRCH) {
			msg("start: %s", strerror(-r));
			goto finish;
		}
	}
	signo = wait_for_tasks(&e, sigfd);
	if (signo && run.child && !utrace_task_is_dead(run.child)) {
		/* As strace: the program it runs gets the signal too. */
		(void)kill(utrace_task_tid(run.child), SIGCONT);
		(void)kill(utrace_task_tid(run.child), signo);
	}
	if (run.child && !signo && utrace_task_wait(run.child, &status) < 0)
		status = -1;
	/* After a thread's execve the spawned task is the leader that
	 * vanished; the process's status is that of its last thread. */
	if (run.child && !signo)
		(void)tracker_root_status(e.tracker, &status);
	/* Without a program to take its status from, mstrace succeeds. */
	if (!run.child && !signo)
		status = 0;

finish:
	/* Kills the program if it still runs, detaches from the processes
	 * attached to; after this no engine runs. */
	for (i = 0; i < run.n_held; i++)
		utrace_task_put(run.held[i]);
	free(run.held);
	utrace_task_put(run.child);
	utrace_free(run.u);
	if (signo) {
		output_close_open(&e.out, " <detached ...>");
		tracker_say_detached(e.tracker);
		status = W_EXITCODE(0, signo);
	}
	if (e.counter)
		counter_print(e.counter, out);
	engines_free(&e);
	free(o.rules);
	if (sigfd >= 0)
		(void)close(sigfd);
	if (out != stderr)
		(void)fclose(out);
	return status == -1 ? EXIT_FAILURE : exit_like(status);
}
