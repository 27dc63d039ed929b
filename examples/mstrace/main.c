/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mstrace: a strace built from independent engines that share one task
 * through libutrace.  The printer prints each call, the counter counts
 * them, each fault injection rule is an engine of its own; none knows of
 * the others.  Nothing here calls ptrace: everything goes through the
 * library's public API.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace-version.h>
#include <utrace/utrace.h>

#include "counter.h"
#include "decode/decode.h"
#include "filter.h"
#include "injector.h"
#include "msg.h"
#include "printer.h"
#include "sysent.h"

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

/* Options parsed before the library can do what they need: they are
 * refused after parsing, with the name the user gave. */
struct unsupported {
	bool follow;
	bool attach;
	bool stack;
	bool seccomp;
};

struct options {
	bool print_calls;
	bool count;
	bool wall_time;
	bool debug;
	const char *output;
	struct filter calls;
	struct sigfilter signals;
	unsigned strsize;
	enum printer_time time;
	bool call_times;
	unsigned quiet;
	struct inject_rule *rules;
	size_t n_rules;
	struct unsupported unsupported;
	char **command;
};

static const char help[] =
	"Usage: mstrace [-cCdfhkqTtVw] [-e EXPR]... [-o FILE] [-p PID]\n"
	"               [-s STRSIZE] [--seccomp-bpf] [--] PROG [ARGS]\n"
	"\n"
	"Trace the system calls and signals of PROG with several libutrace\n"
	"engines sharing one task.\n"
	"\n"
	"Output:\n"
	"  -o FILE, --output=FILE      write the trace to FILE, not stderr\n"
	"  -s N, --string-limit=N      print at most N bytes of a string (32)\n"
	"  -t, --absolute-timestamps   prefix lines with the time of day;\n"
	"                              -tt with microseconds, -ttt as seconds\n"
	"                              since the epoch\n"
	"  -T, --syscall-times         show the time spent in each call\n"
	"  -q, --quiet                 -qq: no exit status lines\n"
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
	"Not supported yet (the library lacks what they need):\n"
	"  -f, -p PID, -k, --seccomp-bpf\n"
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
parse_pid(const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n <= 0 || n > INT_MAX) {
		msg("Invalid process id: '%s'", arg);
		return -1;
	}
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
			o->unsupported.follow = true;
			break;
		case 'p':
			if (parse_pid(optarg) < 0)
				return -1;
			o->unsupported.attach = true;
			break;
		case 'k':
			o->unsupported.stack = true;
			break;
		case OPT_SECCOMP:
			o->unsupported.seccomp = true;
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
	o->time =
		t_count >= 3 ? PRINTER_TIME_EPOCH : (enum printer_time)t_count;

	if (optind >= argc && !o->unsupported.attach) {
		msg("must have PROG [ARGS] or -p PID");
		msg_try_help();
		return -1;
	}
	o->command = argv + optind;
	return 0;
}

/* Options whose engines wait for library features. */
static int
refuse_unsupported(const struct options *o)
{
	const char *name = o->unsupported.follow    ? "-f"
	                   : o->unsupported.attach  ? "-p"
	                   : o->unsupported.stack   ? "-k"
	                   : o->unsupported.seccomp ? "--seccomp-bpf"
	                                            : NULL;

	if (!name)
		return 0;
	msg("%s is not supported yet", name);
	return -1;
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
	struct printer *printer;
	struct counter *counter;
	struct injector **injectors;
	size_t n_injectors;
};

static int
engines_new(struct engines *e, const struct options *o, FILE *out)
{
	const struct printer_opts popts = {
		.out = out,
		.calls = &o->calls,
		.signals = &o->signals,
		.strsize = o->strsize,
		.time = o->time,
		.call_times = o->call_times,
		.quiet = o->quiet,
		/* Set once following children is supported. */
		.pid_prefix = false,
	};
	size_t i;

	if (o->print_calls) {
		e->printer = printer_new(&popts);
		if (!e->printer)
			return -ENOMEM;
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

/* The printer's main engine first (last to hear a syscall entry, so it
 * sees the others' decisions), then the counter and the injection rules
 * in command-line order, then the printer's signal engine (last to hear a
 * signal, so it prints it as delivered). */
static int
engines_attach(const struct engines *e, struct utrace_task *task)
{
	struct printer_task *pt = NULL;
	const char *what = "printer";
	size_t i;
	int r = 0;

	if (e->printer)
		r = printer_attach(e->printer, task, &pt);
	if (r == 0 && e->counter) {
		what = "counter";
		r = counter_attach(e->counter, task);
	}
	for (i = 0; r == 0 && i < e->n_injectors; i++) {
		what = "injector";
		r = injector_attach(e->injectors[i], task);
	}
	if (r == 0 && pt) {
		what = "printer";
		r = printer_attach_signals(pt, task);
	}
	if (r < 0)
		msg("attach %s: %s", what, strerror(-r));
	return r;
}

static void
engines_free(struct engines *e)
{
	size_t i;

	printer_free(e->printer);
	counter_free(e->counter);
	for (i = 0; i < e->n_injectors; i++)
		injector_free(e->injectors[i]);
	free(e->injectors);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct engines e = { 0 };
	struct utrace *u = NULL;
	struct utrace_task *task = NULL;
	char path[PATH_MAX];
	FILE *out = stderr;
	int status = -1;
	int r;

	sysent_init();
	decode_init();

	r = parse_options(argc, argv, &o);
	if (r != 0) {
		free(o.rules);
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (refuse_unsupported(&o) < 0 ||
	    find_program(o.command[0], path, sizeof(path)) < 0) {
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

	r = utrace_new(NULL, &u);
	if (r < 0) {
		msg("utrace_new: %s", strerror(-r));
		goto finish;
	}
	if (o.debug)
		(void)utrace_set_log_fn(u, log_to_stderr, NULL);

	{
		const struct utrace_spawn_opts opts = {
			.size = sizeof(opts),
			/* If mstrace dies, so does the program. */
			.flags = UTRACE_SPAWN_EXITKILL,
		};

		r = utrace_spawn(u, o.command, NULL, &opts, &task);
		if (e.printer)
			printer_spawned(e.printer, path, o.command, environ,
			                count_strings(environ), r < 0 ? r : 0);
		if (r == -EPERM) {
			msg("Can't trace '%s': %s", o.command[0], strerror(-r));
			goto finish;
		}
		if (r < 0) {
			/* As strace: its child reports the exec failure and
			 * exits with 1. */
			msg("exec: %s", strerror(-r));
			if (e.printer)
				printer_exit_line(e.printer, 1);
			goto finish;
		}
	}

	/* The program is held before its first instruction: attach the
	 * engines, then let it run. */
	if (engines_attach(&e, task) < 0)
		goto finish;
	r = utrace_task_start(task);
	if (r < 0) {
		msg("start: %s", strerror(-r));
		goto finish;
	}
	r = utrace_task_wait(task, &status);
	if (r < 0) {
		msg("wait: %s", strerror(-r));
		status = -1;
		goto finish;
	}

	/* The task is reaped: no callback runs any more. */
	if (e.counter)
		counter_print(e.counter, out);

finish:
	/* Kills the program if it still runs; after this no engine runs. */
	utrace_task_put(task);
	utrace_free(u);
	engines_free(&e);
	free(o.rules);
	if (out != stderr)
		(void)fclose(out);
	return status == -1 ? EXIT_FAILURE : exit_like(status);
}
