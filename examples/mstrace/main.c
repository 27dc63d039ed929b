/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mstrace: a strace built from independent engines that share one task
 * through libutrace.  The printer prints each call, the counter counts
 * them; neither knows of the other.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <utrace/utrace.h>

#include "counter.h"
#include "filter.h"
#include "printer.h"

/* Long options without a short form. */
enum {
	OPT_TRACE = 0x100,
};

struct options {
	bool print_calls;
	bool count;
	bool debug;
	const char *output;
	struct filter filter;
	char **command;
};

static const char usage[] =
	"Usage: mstrace [-cCdh] [-o FILE] [-e trace=NAMES] [--] PROG [ARGS]\n";

static const char help[] =
	"Trace the system calls and signals of PROG with several libutrace\n"
	"engines sharing one task.\n"
	"\n"
	"  -c, --summary-only  count time, calls and errors; print only the\n"
	"                      summary\n"
	"  -C, --summary       print the calls and the summary\n"
	"  -d, --debug         print the library's log messages to stderr\n"
	"  -e trace=NAMES, --trace=NAMES\n"
	"                      trace only these system calls: names separated\n"
	"                      by commas, or all, or none\n"
	"  -o, --output=FILE   write the output to FILE instead of stderr\n"
	"  -h, --help          print this help and exit\n";

static void
try_help(void)
{
	fprintf(stderr, "Try 'mstrace -h' for more information.\n");
}

__attribute__((format(printf, 1, 2))) static void
usage_error(const char *format, ...)
{
	va_list ap;

	fputs("mstrace: ", stderr);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage, stderr);
	try_help();
}

/* -e [trace=]NAME[,NAME...].  The first list replaces "all". */
static int
parse_trace(struct filter *f, bool *seen, const char *value)
{
	const char *name = value;
	const char *end;
	char buf[64];
	size_t len;

	if (strncmp(value, "trace=", strlen("trace=")) == 0)
		name += strlen("trace=");
	if (!*seen)
		filter_init(f, false);
	*seen = true;

	for (;;) {
		end = strchrnul(name, ',');
		len = (size_t)(end - name);
		if (len < sizeof(buf)) {
			memcpy(buf, name, len);
			buf[len] = '\0';
		}
		if (len >= sizeof(buf) || filter_add(f, buf) < 0) {
			fprintf(stderr, "mstrace: invalid system call '%.*s'\n",
			        (int)len, name);
			return -1;
		}
		if (!*end)
			return 0;
		name = end + 1;
	}
}

/* Returns 0 to trace, 1 to exit successfully (help), -1 on a usage
 * error (reported). */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option long_options[] = {
		{ "summary-only", no_argument, NULL, 'c' },
		{ "summary", no_argument, NULL, 'C' },
		{ "debug", no_argument, NULL, 'd' },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool trace_seen = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->print_calls = true;
	filter_init(&o->filter, true);

	/* '+': options end at PROG, whose own options are its own.
	 * ':': report errors here, with our name rather than argv[0]. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:cCde:o:h", long_options,
	                        NULL)) != -1) {
		switch (c) {
		case 'c':
			o->print_calls = false;
			o->count = true;
			break;
		case 'C':
			o->print_calls = true;
			o->count = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'e':
		case OPT_TRACE:
			if (parse_trace(&o->filter, &trace_seen, optarg) < 0)
				return -1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			printf("%s\n%s", usage, help);
			return 1;
		case ':':
			/* optopt is also set for a long option: tell them
			 * apart by how the option was written. */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				usage_error("option '%s' requires an argument",
				            argv[optind - 1]);
			else
				usage_error(
					"option requires an argument -- '%c'",
					optopt);
			return -1;
		default:
			if (optopt)
				usage_error("invalid option -- '%c'", optopt);
			else
				usage_error("unrecognized option '%s'",
				            argv[optind - 1]);
			return -1;
		}
	}

	if (optind >= argc) {
		fprintf(stderr, "mstrace: must have PROG [ARGS] or -p PID\n");
		try_help();
		return -1;
	}
	o->command = argv + optind;
	return 0;
}

__attribute__((format(printf, 2, 0))) static void
log_to_stderr(int priority, const char *format, va_list ap, void *data)
{
	fprintf(stderr, "mstrace: libutrace: <%d> ", priority);
	vfprintf(stderr, format, ap);
	fputc('\n', stderr);
}

static int
spawn(struct utrace *u, char **command, struct utrace_task **ret_task)
{
	const struct utrace_spawn_opts opts = {
		.size = sizeof(opts),
		/* If mstrace dies, so does the program. */
		.flags = UTRACE_SPAWN_EXITKILL,
	};
	int r;

	r = utrace_spawn(u, command, NULL, &opts, ret_task);
	if (r == -ENOENT || r == -ENOTDIR)
		fprintf(stderr, "mstrace: Can't stat '%s': %s\n", command[0],
		        strerror(-r));
	else if (r == -EPERM)
		fprintf(stderr, "mstrace: Can't trace '%s': %s\n", command[0],
		        strerror(-r));
	else if (r < 0)
		fprintf(stderr, "mstrace: exec: %s\n", strerror(-r));
	return r;
}

/* Leave as the traced program left: with its exit code, or killed by
 * its signal (without a core file of our own), as strace does. */
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

int
main(int argc, char **argv)
{
	struct options o;
	struct utrace *u = NULL;
	struct utrace_task *task = NULL;
	struct printer *printer = NULL;
	struct counter *counter = NULL;
	FILE *out = stderr;
	int status = -1;
	int r;

	r = parse_options(argc, argv, &o);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;

	if (o.output) {
		/* Close-on-exec: the program must not inherit it. */
		out = fopen(o.output, "we");
		if (!out) {
			fprintf(stderr, "mstrace: Can't fopen '%s': %s\n",
			        o.output, strerror(errno));
			return EXIT_FAILURE;
		}
		setvbuf(out, NULL, _IOLBF, 0);
	}

	if (o.print_calls)
		printer = printer_new(out, &o.filter);
	if (o.count)
		counter = counter_new(&o.filter);
	if ((o.print_calls && !printer) || (o.count && !counter)) {
		fprintf(stderr, "mstrace: %s\n", strerror(ENOMEM));
		goto finish;
	}

	r = utrace_new(NULL, &u);
	if (r < 0) {
		fprintf(stderr, "mstrace: utrace_new: %s\n", strerror(-r));
		goto finish;
	}
	if (o.debug)
		(void)utrace_set_log_fn(u, log_to_stderr, NULL);

	r = spawn(u, o.command, &task);
	if (r < 0)
		goto finish;

	/* The program is held before its first instruction: attach the
	 * engines, in this order, then let it run. */
	if (printer) {
		r = printer_attach(printer, task);
		if (r < 0) {
			fprintf(stderr, "mstrace: attach printer: %s\n",
			        strerror(-r));
			goto finish;
		}
	}
	if (counter) {
		r = counter_attach(counter, task);
		if (r < 0) {
			fprintf(stderr, "mstrace: attach counter: %s\n",
			        strerror(-r));
			goto finish;
		}
	}

	r = utrace_task_start(task);
	if (r < 0) {
		fprintf(stderr, "mstrace: start: %s\n", strerror(-r));
		goto finish;
	}
	r = utrace_task_wait(task, &status);
	if (r < 0) {
		fprintf(stderr, "mstrace: wait: %s\n", strerror(-r));
		status = -1;
		goto finish;
	}

	/* The task is reaped: no callback runs any more. */
	if (counter)
		counter_print(counter, out);

finish:
	/* Kills the program if it still runs; after this no engine runs. */
	utrace_task_put(task);
	utrace_free(u);
	printer_free(printer);
	counter_free(counter);
	if (out != stderr)
		(void)fclose(out);
	return status == -1 ? EXIT_FAILURE : exit_like(status);
}
