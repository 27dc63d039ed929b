/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mstrace end to end: run mt-tracee under strace and under mstrace with
 * the same options, normalise what differs from run to run (addresses,
 * pids, random bytes, times) and compare the traces line by line, the
 * -c tables by their calls and errors, the messages of bad command lines,
 * the exit statuses, and what the program itself saw of injected faults.
 *
 * Paths come from the environment (set by meson.build): MSTRACE,
 * MSTRACE_TRACEE, MSTRACE_FAMILY and, when strace is installed, STRACE.  Without strace
 * only the tests that need no reference run.
 */
#ifdef NDEBUG
#error "the tests rely on assert(); build them without NDEBUG"
#endif

#include <assert.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse.h"

#define TEST_TIMEOUT 60
#define MAX_ARGS 64
#define MAX_PIDS 16

static const char *mstrace_path;
static const char *strace_path;
static const char *tracee_path;
static const char *family_path;

/* A scratch directory per test, and the files a run leaves there. */
static char scratch[64];

struct run {
	int status;
	char *trace;
	char *out;
	char *err;
};

static void
run_free(struct run *r)
{
	free(r->trace);
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Out of memory in a test is a failure of the test, not a case. */
static void *
xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	assert(q);
	return q;
}

static void appendf(char *buf, size_t size, size_t *len, const char *format,
                    ...) __attribute__((format(printf, 4, 5)));

/*
 * Append to the string of *@len bytes in @buf (@size bytes): the caller
 * sized @buf for everything it appends, so running out is a bug.
 */
static void
appendf(char *buf, size_t size, size_t *len, const char *format, ...)
{
	va_list ap;
	int n;

	assert(*len < size);
	va_start(ap, format);
	n = vsnprintf(buf + *len, size - *len, format, ap);
	va_end(ap);
	assert(n >= 0 && (size_t)n < size - *len);
	*len += (size_t)n;
}

static char *
read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	size_t size = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strdup("");
	for (;;) {
		if (size - len < 4096) {
			size = size ? size * 2 : 8192;
			buf = xrealloc(buf, size);
		}
		n = read(fd, buf + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

static void
scratch_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", scratch, name);

	assert(n > 0 && (size_t)n < size);
}

/*
 * Run @tool with @args (NULL-terminated): "@TRACE" stands for the trace
 * file, "@TRACEE" for mt-tracee, "@FAMILY" for mt-family, "@DIR" for an
 * empty directory.  stdin is
 * /dev/null; stdout and stderr are captured.
 */
static void
run_tool(const char *tool, const char *const *args, struct run *r)
{
	char trace[128];
	char out[128];
	char err[128];
	char dir[128];
	char *argv[MAX_ARGS];
	size_t n = 0;
	pid_t pid;
	int fd;

	scratch_path(trace, sizeof(trace), "trace");
	scratch_path(out, sizeof(out), "stdout");
	scratch_path(err, sizeof(err), "stderr");
	scratch_path(dir, sizeof(dir), "dir");
	(void)unlink(trace);
	(void)mkdir(dir, 0700);

	argv[n++] = (char *)tool;
	for (; *args; args++) {
		assert(n < MAX_ARGS - 1);
		if (strcmp(*args, "@TRACE") == 0)
			argv[n++] = trace;
		else if (strcmp(*args, "@TRACEE") == 0)
			argv[n++] = (char *)tracee_path;
		else if (strcmp(*args, "@FAMILY") == 0)
			argv[n++] = (char *)family_path;
		else if (strcmp(*args, "@FILES") == 0)
			argv[n++] = (char *)"files:@DIR";
		else
			argv[n++] = (char *)*args;
	}
	argv[n] = NULL;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char files_op[160];
		size_t i;

		/* "files:@DIR" needs the directory in the operation. */
		(void)snprintf(files_op, sizeof(files_op), "files:%s", dir);
		for (i = 0; argv[i]; i++)
			if (strcmp(argv[i], "files:@DIR") == 0)
				argv[i] = files_op;
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		/* Gone with the test if it fails. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* A killed program makes mstrace kill itself the same way:
		 * no core files from that. */
		(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
		execv(tool, argv);
		_exit(127);
	}
	while (waitpid(pid, &r->status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	r->trace = read_file(trace);
	r->out = read_file(out);
	r->err = read_file(err);
	(void)rmdir(dir);
}

/* ---- normalisation -------------------------------------------------- */

struct pidmap {
	char from[MAX_PIDS][16];
	char to[MAX_PIDS][16];
	size_t n;
};

static void
pidmap_add(struct pidmap *m, const char *pid, size_t len, const char *name)
{
	size_t i;

	if (len == 0 || len >= sizeof(m->from[0]) || m->n == MAX_PIDS)
		return;
	for (i = 0; i < m->n; i++)
		if (strlen(m->from[i]) == len && !strncmp(m->from[i], pid, len))
			return;
	memcpy(m->from[m->n], pid, len);
	m->from[m->n][len] = '\0';
	(void)snprintf(m->to[m->n], sizeof(m->to[0]), "%s%zu", name, m->n);
	m->n++;
}

/* Give the number of group 1 of each match of @re_text a name. */
static void
pidmap_scan(struct pidmap *m, const char *text, const char *re_text,
            const char *name)
{
	regmatch_t match[2];
	regex_t re;
	const char *p = text;

	ck_assert_int_eq(regcomp(&re, re_text, REG_EXTENDED | REG_NEWLINE), 0);
	while (regexec(&re, p, 2, match, 0) == 0) {
		pidmap_add(m, p + match[1].rm_so,
		           (size_t)(match[1].rm_eo - match[1].rm_so), name);
		p += match[0].rm_eo;
	}
	regfree(&re);
}

/* Replace every match of @re_text in @text by @with. */
static char *
replace_all(char *text, const char *re_text, const char *with)
{
	regmatch_t match;
	regex_t re;
	size_t size = strlen(text) * 2 + 64;
	char *out = malloc(size);
	size_t o = 0;
	const char *p = text;
	size_t wlen = strlen(with);
	size_t n;

	assert(out);
	ck_assert_int_eq(regcomp(&re, re_text, REG_EXTENDED | REG_NEWLINE), 0);
	/* A line start only at the start of the text or after a newline. */
	while (*p &&
	       regexec(&re, p, 1, &match,
	               p == text || p[-1] == '\n' ? 0 : REG_NOTBOL) == 0) {
		n = (size_t)match.rm_so;
		if (o + n + wlen + 1 >= size) {
			size = (o + n + wlen + 1) * 2;
			out = xrealloc(out, size);
		}
		memcpy(out + o, p, n);
		o += n;
		/* Not terminated yet: the memcpy() after the loop ends @out. */
		/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
		memcpy(out + o, with, wlen);
		o += wlen;
		if (match.rm_eo == match.rm_so) {
			if (!p[match.rm_eo])
				break;
			out[o++] = p[match.rm_eo];
			p += match.rm_eo + 1;
		} else {
			p += match.rm_eo;
		}
	}
	n = strlen(p);
	if (o + n + 1 >= size) {
		out = xrealloc(out, o + n + 1);
	}
	memcpy(out + o, p, n + 1);
	regfree(&re);
	free(text);
	return out;
}

static bool
is_word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

/* Whether @p, in @text, is where a pid is printed: a result, si_pid=, or
 * an argument of kill, tkill, tgkill or wait4.  Other numbers that happen
 * to be equal (a length, a size) are left alone. */
static bool
is_pid_place(const char *text, const char *p)
{
	static const char *const calls[] = { "kill(", "tkill(", "tgkill(",
		                             "wait4(" };
	const char *line = p;
	size_t i;

	if (p - text >= 2 && !strncmp(p - 2, "= ", 2))
		return true;
	if (p - text >= 7 && !strncmp(p - 7, "si_pid=", 7))
		return true;
	if (p - text >= 12 && !strncmp(p - 12, "parent_tid=[", 12))
		return true;
	if (p == text || (p[-1] != '(' && p[-1] != ' '))
		return false;
	while (line > text && line[-1] != '\n')
		line--;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strncmp(line, calls[i], strlen(calls[i])))
			return true;
	return false;
}

/* Replace the number @from where a pid is printed by @to. */
static char *
replace_number(char *text, const char *from, const char *to)
{
	size_t len = strlen(from);
	size_t size = strlen(text) * 2 + 64;
	char *out = malloc(size);
	size_t o = 0;
	const char *p = text;

	assert(out);
	while (*p) {
		if (strncmp(p, from, len) == 0 &&
		    (p == text || !is_word_char(p[-1])) &&
		    !is_word_char(p[len]) && is_pid_place(text, p)) {
			if (o + strlen(to) + 1 >= size) {
				size *= 2;
				out = xrealloc(out, size);
			}
			memcpy(out + o, to, strlen(to));
			o += strlen(to);
			p += len;
			continue;
		}
		if (o + 2 >= size) {
			size *= 2;
			out = xrealloc(out, size);
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	free(text);
	return out;
}

/* A child's CPU times in a SIGCHLD siginfo (strace adds the seconds in
 * a comment when they are not 0, mstrace does not). */
#define SIGINFO_TIMES                              \
	"si_utime=[0-9]+( /\\* [0-9.]+ s \\*/)?, " \
	"si_stime=[0-9]+( /\\* [0-9.]+ s \\*/)?"

/* clone3()'s parent_tid is read at the call's exit, when a thread that
 * ran untraced may have ended and cleared it already. */
#define PARENT_TID "=> \\{parent_tid=\\[[0-9A-Z]*\\]\\}"

/* What differs between two runs of the same program. */
static char *
normalise(const char *trace)
{
	struct pidmap m = { .n = 0 };
	char *t = strdup(trace);
	size_t i;

	assert(t);
	t = replace_all(t, "^[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{6})? ",
	                "TIME ");
	t = replace_all(t, "^[0-9]+\\.[0-9]{6} ", "TIME ");
	t = replace_all(t, "^TIME ", "");
	t = replace_all(t, " <[0-9]+\\.[0-9]{6}>", " <T>");
	/* The -C table: its rows depend on time (compare_counts()). */
	t = replace_all(t, "^ *[0-9]+\\.[0-9]{2} +[0-9]+\\.[0-9]{6} .*\n", "");
	t = replace_all(t, "^(% time|------).*\n", "");
	/* The program's pid first, then its parent's and children's. */
	pidmap_scan(&m, t, "^set_tid_address\\(.*= ([0-9]+)( <T>)?$", "PID");
	pidmap_scan(&m, t, "^getpid\\(\\) += ([0-9]+)( <T>)?$", "PID");
	pidmap_scan(&m, t, "^getppid\\(\\) += ([0-9]+)( <T>)?$", "PPID");
	pidmap_scan(&m, t, "^clone\\(.*= ([0-9]+)( <T>)?$", "CHILD");
	pidmap_scan(&m, t, "^clone3\\(.*= ([0-9]+)( <T>)?$", "CHILD");
	pidmap_scan(&m, t, "^v?fork\\(\\) += ([0-9]+)( <T>)?$", "CHILD");
	pidmap_scan(&m, t, "^t?g?kill\\(([0-9]+), ", "PID");
	pidmap_scan(&m, t, "si_pid=([0-9]+)", "PID");
	for (i = 0; i < m.n; i++)
		t = replace_number(t, m.from[i], m.to[i]);
	t = replace_all(t, "0x[0-9a-f]{8,}", "0xADDR");
	t = replace_all(t, "getrandom\\(\"[^\"]*\"", "getrandom(\"R\"");
	t = replace_all(t, SIGINFO_TIMES, "si_utime=U, si_stime=S");
	t = replace_all(t, PARENT_TID, "=> {parent_tid=[TID]}");
	return t;
}

/* The next line of *@p (without its newline), or NULL at the end. */
static char *
next_line(char **p)
{
	char *line = *p;
	char *nl;

	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

static void
assert_same_text(const char *what, const char *expected, const char *got)
{
	char *e = strdup(expected);
	char *g = strdup(got);
	char *pe = e;
	char *pg = g;
	char *le;
	char *lg;
	unsigned n = 0;

	assert(e && g);
	for (;;) {
		le = next_line(&pe);
		lg = next_line(&pg);
		n++;
		if (!le && !lg)
			break;
		if (!le || !lg || strcmp(le, lg) != 0) {
			fprintf(stderr, "--- strace (%s) ---\n%s\n", what,
			        expected);
			fprintf(stderr, "--- mstrace ---\n%s\n", got);
		}
		ck_assert_msg(
			le && lg && strcmp(le, lg) == 0,
			"%s: line %u differs:\n  strace:  %s\n  mstrace: %s",
			what, n, le ? le : "(end)", lg ? lg : "(end)");
	}
	free(e);
	free(g);
}

/* Run both tools with @args; compare the traces as @norm makes them,
 * the program's output and the exit statuses. */
static void
compare_with(const char *const *args, char *(*norm)(const char *))
{
	struct run s = { 0 };
	struct run m = { 0 };
	char *ns;
	char *nm;

	run_tool(strace_path, args, &s);
	run_tool(mstrace_path, args, &m);
	ns = norm(s.trace);
	nm = norm(m.trace);
	assert_same_text("trace", ns, nm);
	assert_same_text("program output", s.out, m.out);
	ck_assert_msg(s.status == m.status, "status: strace %#x, mstrace %#x",
	              s.status, m.status);
	free(ns);
	free(nm);
	run_free(&s);
	run_free(&m);
}

static void
compare(const char *const *args)
{
	compare_with(args, normalise);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- fixture -------------------------------------------------------- */

static void
setup(void)
{
	(void)snprintf(scratch, sizeof(scratch), "/tmp/mstrace-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void kill_started(void);

static void
teardown(void)
{
	char path[128];
	static const char *const names[] = { "trace", "stdout", "stderr",
		                             "dir" };
	size_t i;

	kill_started();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		scratch_path(path, sizeof(path), names[i]);
		(void)unlink(path);
		(void)rmdir(path);
	}
	(void)rmdir(scratch);
}

/* ---- traces compared with strace ------------------------------------ */

START_TEST(test_files)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "@FILES"));
}
END_TEST

START_TEST(test_files_strsize)
{
	compare(ARGS("-o", "@TRACE", "-s", "8", "@TRACEE", "@FILES"));
	compare(ARGS("-o", "@TRACE", "-s", "0", "@TRACEE", "@FILES"));
}
END_TEST

START_TEST(test_mem)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "mem"));
}
END_TEST

START_TEST(test_errors)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "errors"));
}
END_TEST

START_TEST(test_hostile)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "hostile"));
}
END_TEST

START_TEST(test_signals)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "signals"));
}
END_TEST

START_TEST(test_signal_set)
{
	compare(ARGS("-o", "@TRACE", "-e", "signal=!SIGUSR1,chld", "-e",
	             "trace=%signal", "@TRACEE", "signals"));
	compare(ARGS("-o", "@TRACE", "--signal=none", "@TRACEE", "signals"));
}
END_TEST

START_TEST(test_restart)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "restart"));
}
END_TEST

START_TEST(test_misc)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "misc"));
}
END_TEST

START_TEST(test_execve)
{
	compare(ARGS("-o", "@TRACE", "@TRACEE", "execve", "exit:4"));
	compare(ARGS("-o", "@TRACE", "-s", "3", "@TRACEE", "execve", "mem",
	             "exit:0"));
}
END_TEST

START_TEST(test_trace_sets)
{
	compare(ARGS("-o", "@TRACE", "-e", "trace=%file,%net", "@TRACEE",
	             "@FILES", "errors"));
	compare(ARGS("-o", "@TRACE", "-e", "trace=!%memory", "-e",
	             "trace=/^(open|read)", "@TRACEE", "@FILES"));
	compare(ARGS("-o", "@TRACE", "-e", "!%desc,?nosuch", "@TRACEE",
	             "errors"));
	compare(ARGS("-o", "@TRACE", "--trace=none", "@TRACEE", "errors"));
}
END_TEST

START_TEST(test_quiet_and_exit)
{
	compare(ARGS("-o", "@TRACE", "-qq", "@TRACEE", "exit:3"));
	compare(ARGS("-o", "@TRACE", "-q", "-e", "trace=exit_group", "@TRACEE",
	             "exit:7"));
}
END_TEST

START_TEST(test_killed)
{
	struct run m = { 0 };

	compare(ARGS("-o", "@TRACE", "@TRACEE", "selfkill"));
	/* mstrace leaves as its program did. */
	run_tool(mstrace_path, ARGS("-o", "@TRACE", "@TRACEE", "selfkill"), &m);
	ck_assert(WIFSIGNALED(m.status));
	ck_assert_int_eq(WTERMSIG(m.status), SIGKILL);
	ck_assert_ptr_nonnull(strstr(m.trace, "kill("));
	ck_assert_ptr_nonnull(strstr(m.trace, ", SIGKILL)"));
	ck_assert_ptr_nonnull(strstr(m.trace, "+++ killed by SIGKILL +++\n"));
	run_free(&m);
}
END_TEST

START_TEST(test_timestamps)
{
	struct run m = { 0 };
	regex_t re;

	compare(ARGS("-o", "@TRACE", "-tt", "-T", "@TRACEE", "misc"));
	compare(ARGS("-o", "@TRACE", "-t", "@TRACEE", "exit:0"));
	compare(ARGS("-o", "@TRACE", "-ttt", "-e", "trace=getpid", "@TRACEE",
	             "misc"));
	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-tt", "-T", "-e", "trace=getppid",
	              "@TRACEE", "misc"),
	         &m);
	ck_assert_int_eq(regcomp(&re,
	                         "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} "
	                         "getppid\\(\\) += [0-9]+ <0\\.[0-9]{6}>$",
	                         REG_EXTENDED | REG_NEWLINE | REG_NOSUB),
	                 0);
	ck_assert_msg(regexec(&re, m.trace, 0, NULL, 0) == 0, "%s", m.trace);
	regfree(&re);
	run_free(&m);
}
END_TEST

/* Whether @s is a number, all of it, as strtod() reads it. */
static bool
is_number(const char *s)
{
	char *end;

	(void)strtod(s, &end);
	return end != s && !*end;
}

/*
 * The name, calls and errors of @line if it is a row of a -c table
 * ("% time, seconds, usecs/call, calls, [errors,] name"); @line is cut
 * into its fields.
 */
static bool
table_row(char *line, const char **name, long *calls, long *errors)
{
	char *field[6];
	char *save;
	char *f;
	size_t n = 0;
	long usecs;

	for (f = strtok_r(line, " \t", &save); f && n < 6;
	     f = strtok_r(NULL, " \t", &save))
		field[n++] = f;
	if (n < 5 || !is_number(field[0]) || !is_number(field[1]) ||
	    !test_parse_long(field[2], &usecs, NULL) ||
	    !test_parse_long(field[3], calls, NULL))
		return false;
	/* No errors column when the call never failed. */
	if (n == 6 && test_parse_long(field[4], errors, NULL)) {
		*name = field[5];
	} else {
		*errors = 0;
		*name = field[4];
	}
	return true;
}

/* The rows of a -c table, "name calls errors" sorted by name. */
static char *
table_counts(const char *text)
{
	char *copy = strdup(text);
	char *p = copy;
	char *line;
	char *rows[512];
	size_t n = 0;
	size_t size = 1;
	size_t len = 0;
	size_t i;
	char *out;
	const char *name;
	long calls;
	long errors;

	assert(copy);
	while ((line = next_line(&p))) {
		char row[128];

		if (!table_row(line, &name, &calls, &errors))
			continue;
		(void)snprintf(row, sizeof(row), "%.63s %ld %ld", name, calls,
		               errors);
		assert(n < 512);
		rows[n] = strdup(row);
		size += strlen(row) + 1;
		n++;
	}
	/* Sorted by name: the order of the rows depends on time. */
	for (i = 1; i < n; i++) {
		size_t j = i;

		while (j > 0 && strcmp(rows[j - 1], rows[j]) > 0) {
			char *tmp = rows[j];

			rows[j] = rows[j - 1];
			rows[j - 1] = tmp;
			j--;
		}
	}
	out = malloc(size);
	assert(out);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		appendf(out, size, &len, "%s\n", rows[i]);
		free(rows[i]);
	}
	free(copy);
	return out;
}

/* The lines of @text that are not table rows. */
static char *
table_frame(const char *text)
{
	char *copy = strdup(text);
	char *p = copy;
	char *line;
	/* A newline more if the last line had none. */
	size_t size = strlen(text) + 2;
	size_t len = 0;
	char *out = malloc(size);

	assert(copy && out);
	out[0] = '\0';
	while ((line = next_line(&p))) {
		if (line[0] == '%' || line[0] == '-')
			appendf(out, size, &len, "%s\n", line);
	}
	free(copy);
	return out;
}

static void
compare_counts(const char *const *args)
{
	struct run s = { 0 };
	struct run m = { 0 };
	char *cs;
	char *cm;

	run_tool(strace_path, args, &s);
	run_tool(mstrace_path, args, &m);
	cs = table_counts(s.trace);
	cm = table_counts(m.trace);
	assert_same_text("-c rows", cs, cm);
	free(cs);
	free(cm);
	cs = table_frame(s.trace);
	cm = table_frame(m.trace);
	assert_same_text("-c frame", cs, cm);
	free(cs);
	free(cm);
	ck_assert_int_eq(s.status, m.status);
	run_free(&s);
	run_free(&m);
}

START_TEST(test_counts)
{
	compare_counts(ARGS("-o", "@TRACE", "-c", "@TRACEE", "@FILES", "errors",
	                    "mem"));
	compare_counts(ARGS("-o", "@TRACE", "-c", "-w", "@TRACEE", "signals"));
	compare_counts(ARGS("-o", "@TRACE", "-c", "-e", "trace=%file",
	                    "@TRACEE", "errors"));
}
END_TEST

START_TEST(test_counts_empty)
{
	compare(ARGS("-o", "@TRACE", "-c", "-e", "trace=none", "@TRACEE",
	             "exit:0"));
}
END_TEST

START_TEST(test_inject)
{
	compare(ARGS("-o", "@TRACE", "-e", "inject=getppid:error=EPERM", "-e",
	             "inject=getpid:retval=42", "-e",
	             "inject=open:error=ENOENT:when=2+", "@TRACEE", "inject",
	             "inject", "inject"));
	compare(ARGS("-o", "@TRACE", "-e", "inject=getppid:error=ENOENT:when=2",
	             "--inject=getpid:error=1:when=1..2", "@TRACEE", "inject",
	             "inject", "inject"));
	compare(ARGS("-o", "@TRACE", "-e", "fault=getppid", "@TRACEE",
	             "inject"));
}
END_TEST

START_TEST(test_inject_seen_by_program)
{
	struct run m = { 0 };

	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-e", "inject=getppid:error=EPERM", "-e",
	              "inject=getpid:retval=42", "-e",
	              "inject=open:error=EACCES:when=1", "@TRACEE", "inject"),
	         &m);
	ck_assert_int_eq(m.status, 0);
	/* getpid returns 42 ("1": a positive value). */
	ck_assert_str_eq(m.out, "getppid -1 1\ngetpid 1 0\nopen -1 13\n");
	ck_assert_ptr_nonnull(strstr(
		m.trace, "getppid()                               = -1 EPERM "
			 "(Operation not permitted) (INJECTED)\n"));
	ck_assert_ptr_nonnull(
		strstr(m.trace, "getpid()                                = 42 "
	                        "(INJECTED)\n"));
	run_free(&m);
}
END_TEST

/* Rules on the same call are separate engines: each counts on its own,
 * and where both fire the one given last wins. */
START_TEST(test_inject_stacked)
{
	struct run m = { 0 };

	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-e", "inject=getppid:error=ENOENT", "-e",
	              "inject=getppid:error=EPERM:when=2", "@TRACEE", "inject",
	              "inject", "inject"),
	         &m);
	ck_assert_int_eq(m.status, 0);
	ck_assert_str_eq(m.out, "getppid -1 2\ngetpid 1 0\nopen 1 0\n"
	                        "getppid -1 1\ngetpid 1 0\nopen 1 0\n"
	                        "getppid -1 2\ngetpid 1 0\nopen 1 0\n");
	run_free(&m);
}
END_TEST

START_TEST(test_inject_signal)
{
	struct run m = { 0 };

	compare(ARGS("-o", "@TRACE", "-e", "inject=getppid:signal=USR1",
	             "@TRACEE", "handler:USR1", "inject", "caught"));
	compare(ARGS("-o", "@TRACE", "-e",
	             "inject=getppid:error=EIO:signal=SIGUSR1", "@TRACEE",
	             "handler:USR1", "inject", "caught"));
	compare(ARGS("-o", "@TRACE", "-e", "inject=getppid:signal=KILL",
	             "@TRACEE", "inject"));
	/* The handler saw the signal as the kernel would send it. */
	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-e", "inject=getppid:signal=USR1",
	              "@TRACEE", "handler:USR1", "inject", "caught"),
	         &m);
	ck_assert_ptr_nonnull(strstr(m.out, "caught 10 128\n"));
	run_free(&m);
}
END_TEST

/* The printer, the counter and two injectors on the same task. */
START_TEST(test_all_engines)
{
	const char *const *cases[] = {
		ARGS("-o", "@TRACE", "-C", "-e", "inject=getppid:error=EPERM",
		     "-e", "inject=open:error=ENOENT:when=2..3", "@TRACEE",
		     "inject", "inject"),
	};
	struct run s = { 0 };
	struct run m = { 0 };
	char *a;
	char *b;

	compare(cases[0]);
	compare_counts(cases[0]);
	run_tool(strace_path, cases[0], &s);
	run_tool(mstrace_path, cases[0], &m);
	ck_assert_str_eq(s.out, m.out);
	ck_assert_str_eq(m.out, "getppid -1 1\ngetpid 1 0\nopen 1 0\n"
	                        "getppid -1 1\ngetpid 1 0\nopen -1 2\n");
	a = table_counts(m.trace);
	b = strstr(a, "getppid 2 2\n");
	ck_assert_msg(b != NULL, "%s", a);
	free(a);
	run_free(&s);
	run_free(&m);
}
END_TEST

/* Every call mstrace decodes, with zeros, small numbers, pointers to
 * bytes 0xff and pointers to an unmapped page for arguments (refused by
 * seccomp: none runs). */
START_TEST(test_garbage_arguments)
{
	static const char decoded[] =
		"trace=open,openat,creat,access,faccessat,faccessat2,stat,"
		"lstat,fstat,newfstatat,statx,mkdir,mkdirat,chmod,unlink,"
		"unlinkat,rmdir,chdir,chroot,symlink,link,rename,getcwd,"
		"readlink,readlinkat,umask,read,write,pread64,pwrite64,readv,"
		"writev,close,lseek,dup,dup2,dup3,pipe,pipe2,getdents64,fcntl,"
		"fadvise64,copy_file_range,ioctl,mmap,mprotect,munmap,brk,"
		"mremap,madvise,socket,socketpair,connect,bind,execve,"
		"execveat,clone,clone3,wait4,exit,exit_group,set_tid_address,"
		"set_robust_list,arch_prctl,prlimit64,getrandom,uname,"
		"getgroups,rt_sigaction,rt_sigprocmask,rt_sigreturn,"
		"rt_sigsuspend,kill,tkill,tgkill,setitimer,getitimer,alarm,"
		"futex";
	/* Past 3: pointers to the last N bytes before an unmapped page,
	 * where a struct read too long or too short shows. */
	static const char *const kinds[] = {
		"all-syscalls:0",  "all-syscalls:1",   "all-syscalls:2",
		"all-syscalls:3",  "all-syscalls:12",  "all-syscalls:33",
		"all-syscalls:88", "all-syscalls:100", "all-syscalls:522",
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		compare(ARGS("-o", "@TRACE", "-e", decoded, "@TRACEE",
		             kinds[i]));
	compare(ARGS("-o", "@TRACE", "-e", decoded, "-s", "4", "@TRACEE",
	             "all-syscalls:3"));
}
END_TEST

/* The classes of -e trace=%CLASS contain the same calls as strace's. */
START_TEST(test_classes)
{
	static const char *const classes[] = {
		"%file",   "%process", "%network", "%net",   "%signal",
		"%ipc",    "%desc",    "%memory",  "%creds", "%clock",
		"%pure",   "%stat",    "%lstat",   "%fstat", "%%stat",
		"%statfs", "%fstatfs", "%%statfs",
	};
	char set[64];
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		struct run s = { 0 };
		struct run m = { 0 };
		const char *const *args;
		char *ns;
		char *nm;

		(void)snprintf(set, sizeof(set), "trace=%s", classes[i]);
		args = ARGS("-o", "@TRACE", "-e", set, "@TRACEE",
		            "all-syscalls");
		run_tool(strace_path, args, &s);
		run_tool(mstrace_path, args, &m);
		/* The names only: most of these calls are not decoded. */
		ns = replace_all(strdup(s.trace), "\\(.*", "");
		nm = replace_all(strdup(m.trace), "\\(.*", "");
		assert_same_text(classes[i], ns, nm);
		free(ns);
		free(nm);
		run_free(&s);
		run_free(&m);
	}
}
END_TEST

/* ---- command lines -------------------------------------------------- */

/* strace's message with its name replaced by ours: both name themselves
 * as they were invoked. */
static char *
as_mstrace(const char *text)
{
	char *t = strdup(text);
	char re[256];
	const char *s;
	size_t o = 0;

	assert(t);
	/* strace_path as a regex: escape what is special. */
	for (s = strace_path; *s && o < sizeof(re) - 3; s++) {
		if (strchr(".[]()*+?{}|^$\\", *s))
			re[o++] = '\\';
		re[o++] = *s;
	}
	re[o] = '\0';
	return replace_all(t, re, mstrace_path);
}

static void
compare_errors(const char *const *args)
{
	struct run s = { 0 };
	struct run m = { 0 };
	char *expected;

	run_tool(strace_path, args, &s);
	run_tool(mstrace_path, args, &m);
	expected = as_mstrace(s.err);
	assert_same_text("stderr", expected, m.err);
	ck_assert_int_eq(s.status, m.status);
	free(expected);
	run_free(&s);
	run_free(&m);
}

START_TEST(test_bad_command_lines)
{
	compare_errors(ARGS("-j", "@TRACEE"));
	compare_errors(ARGS("--nosuch", "@TRACEE"));
	compare_errors(ARGS("-o"));
	compare_errors(ARGS("--output"));
	compare_errors(ARGS("-s", "abc", "@TRACEE"));
	compare_errors(ARGS("-s", "-1", "@TRACEE"));
	compare_errors(ARGS("-e", "trace=nosuch", "@TRACEE"));
	compare_errors(ARGS("-e", "trace=%nosuch", "@TRACEE"));
	compare_errors(ARGS("-e", "trace=", "@TRACEE"));
	compare_errors(ARGS("-e", "trace=open,!close", "@TRACEE"));
	compare_errors(ARGS("-e", "trace=/^nosuch", "@TRACEE"));
	compare_errors(ARGS("-e", "trace=/[", "@TRACEE"));
	compare_errors(ARGS("-e", "nosuch=1", "@TRACEE"));
	compare_errors(ARGS("-e", "signal=NOSUCH", "@TRACEE"));
	compare_errors(ARGS("-e", "signal=", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=open", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=open:error=NOSUCH", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=open:error=0", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=open:retval=1:error=EIO", "@TRACEE"));
	compare_errors(
		ARGS("-e", "inject=open:error=EIO:when=5..3", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=open:error=EIO:when=3+0", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=open:signal=65", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=nosuch:error=EIO", "@TRACEE"));
	compare_errors(ARGS("-e", "inject=:error=EIO", "@TRACEE"));
	compare_errors(ARGS("-p", "abc"));
	compare_errors(ARGS("-c"));
}
END_TEST

START_TEST(test_no_program)
{
	compare_errors(ARGS("/nonexistent/mt-tracee"));
	compare_errors(ARGS("mt-tracee-nosuch"));
}
END_TEST

START_TEST(test_exec_fails)
{
	struct run s = { 0 };
	struct run m = { 0 };
	char *ns;
	char *nm;
	char *expected;

	run_tool(strace_path, ARGS("-o", "@TRACE", "/"), &s);
	run_tool(mstrace_path, ARGS("-o", "@TRACE", "/"), &m);
	ns = normalise(s.trace);
	nm = normalise(m.trace);
	assert_same_text("trace", ns, nm);
	expected = as_mstrace(s.err);
	assert_same_text("stderr", expected, m.err);
	ck_assert_int_eq(s.status, m.status);
	free(ns);
	free(nm);
	free(expected);
	run_free(&s);
	run_free(&m);
}
END_TEST

START_TEST(test_help)
{
	struct run m = { 0 };

	run_tool(mstrace_path, ARGS("-h"), &m);
	ck_assert_int_eq(m.status, 0);
	ck_assert_ptr_nonnull(strstr(m.out, "Usage: mstrace"));
	ck_assert_str_eq(m.err, "");
	run_free(&m);
}
END_TEST

START_TEST(test_exit_status)
{
	struct run m = { 0 };

	run_tool(mstrace_path, ARGS("-o", "@TRACE", "@TRACEE", "exit:42"), &m);
	ck_assert(WIFEXITED(m.status));
	ck_assert_int_eq(WEXITSTATUS(m.status), 42);
	ck_assert_ptr_nonnull(strstr(m.trace, "exit_group(42)"));
	ck_assert_ptr_nonnull(strstr(m.trace, "+++ exited with 42 +++\n"));
	run_free(&m);
}
END_TEST

/* ---- several tasks (-f, -p) ------------------------------------------ */

struct task_lines {
	char name[16];
	char **lines;
	size_t n;
};

/* Whether @text has the pid @word at @p: a whole word where a pid is
 * printed (a line's start, a result, si_pid=, clone3's parent_tid, a
 * first argument, "Process N", "[pid  N]"). */
static bool
pid_at(const char *text, const char *p, const char *word)
{
	static const char *const before[] = {
		"= ", "si_pid=", "parent_tid=[", "Process ",
		"(",  "pid ",    "/proc/"
	};
	size_t len = strlen(word);
	const char *q = p;
	size_t i;

	if (strncmp(p, word, len) != 0 || is_word_char(p[len]))
		return false;
	if (p == text || p[-1] == '\n')
		return true;
	if (is_word_char(p[-1]))
		return false;
	while (q > text && q[-1] == ' ' && q - 1 > text && q[-2] == ' ')
		q--;
	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		size_t n = strlen(before[i]);

		if (q - text >= (ptrdiff_t)n && !strncmp(q - n, before[i], n))
			return true;
	}
	return false;
}

static const char *
find_pid(const char *text, const char *word)
{
	const char *p;

	for (p = strstr(text, word); p; p = strstr(p + 1, word))
		if (pid_at(text, p, word))
			return p;
	return NULL;
}

/* Every pid @from of @text replaced by @to. */
static char *
replace_pid(char *text, const char *from, const char *to)
{
	size_t size = strlen(text) * 2 + 64;
	char *out = malloc(size);
	size_t o = 0;
	const char *p = text;

	assert(out);
	while (*p) {
		if (o + strlen(to) + 2 >= size) {
			size *= 2;
			out = xrealloc(out, size);
		}
		if (pid_at(text, p, from)) {
			memcpy(out + o, to, strlen(to));
			o += strlen(to);
			p += strlen(from);
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	free(text);
	return out;
}

/*
 * Name the pids of a trace where every line starts with its pid (-o FILE
 * with -f, or the messages on stderr): P0, P1... in the order of their
 * first appearance anywhere in the text (creation order: a task shows
 * up in its parent's clone before anywhere else), also where they are
 * arguments or results.  @extra is a pid to name first, or 0.
 */
static char *
name_pids(char *t, pid_t extra)
{
	char pids[MAX_PIDS][16];
	const char *first[MAX_PIDS];
	size_t n = 0;
	const char *line;
	char name[16];
	size_t i;
	size_t j;

	if (extra)
		(void)snprintf(pids[n++], sizeof(pids[0]), "%d", (int)extra);
	for (line = t; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1
	                                                : line + strlen(line)) {
		size_t len = strspn(line, "0123456789");
		const char *p = strstr(line, "Process ");

		/* Messages: "NAME: Process N attached". */
		if (!len && p && p < strchr(line, '\n')) {
			p += strlen("Process ");
			line = p;
			len = strspn(line, "0123456789");
		}
		if (!len || len >= sizeof(pids[0]) || n == MAX_PIDS)
			continue;
		memcpy(name, line, len);
		name[len] = '\0';
		for (i = 0; i < n && strcmp(pids[i], name) != 0; i++)
			;
		if (i == n)
			memcpy(pids[n++], name, len + 1);
	}
	for (i = 0; i < n; i++)
		first[i] = find_pid(t, pids[i]);
	/* Order of first appearance (@extra stays first). */
	for (i = extra ? 2 : 1; i < n; i++) {
		for (j = i; j > (extra ? 1 : 0) && first[j - 1] > first[j];
		     j--) {
			const char *f = first[j];

			memcpy(name, pids[j], sizeof(name));
			memcpy(pids[j], pids[j - 1], sizeof(name));
			memcpy(pids[j - 1], name, sizeof(name));
			first[j] = first[j - 1];
			first[j - 1] = f;
		}
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "P%zu", i);
		t = replace_pid(t, pids[i], name);
	}
	return t;
}

/* P0, P1... by number; anything else first. */
static long
task_rank(const struct task_lines *tl)
{
	long rank;

	if (tl->name[0] != 'P' || !test_parse_long(tl->name + 1, &rank, NULL))
		return -1;
	return rank;
}

static void
task_add(struct task_lines *tl, const char *line, size_t len)
{
	char *copy = malloc(len + 1);
	static const char cut[] = " <unfinished ...>";
	const char *resumed;
	size_t size;
	size_t n;
	char *prev;

	assert(copy);
	memcpy(copy, line, len);
	copy[len] = '\0';
	/* "<... NAME resumed>REST" ends the last cut line of the task. */
	resumed = strstr(copy, " resumed>");
	if (tl->n && !strncmp(copy, "<... ", 5) && resumed) {
		prev = tl->lines[tl->n - 1];
		n = strlen(prev);
		if (n >= strlen(cut) && !strcmp(prev + n - strlen(cut), cut)) {
			n -= strlen(cut);
			resumed += strlen(" resumed>");
			size = n + strlen(resumed) + 1;
			prev = xrealloc(prev, size);
			appendf(prev, size, &n, "%s", resumed);
			tl->lines[tl->n - 1] = prev;
			free(copy);
			return;
		}
	}
	tl->lines = xrealloc(tl->lines, (tl->n + 1) * sizeof(char *));
	tl->lines[tl->n++] = copy;
}

/*
 * A trace of several tasks, every line starting with its pid, made
 * comparable: pids named, each task's lines gathered in its own
 * sequence (the interleaving depends on scheduling), a call cut by
 * another task's line joined again, and the padding before "= "
 * (which depends on the cut) reduced to one space.
 */
static char *
normalise_tasks(const char *trace, pid_t extra)
{
	struct task_lines tasks[MAX_PIDS] = { 0 };
	size_t n_tasks = 0;
	size_t last = 0;
	char *t = strdup(trace);
	char *p;
	char *line;
	char *out;
	size_t size = 1;
	size_t out_len = 0;
	size_t i;
	size_t j;

	assert(t);
	/* The -C table: its rows depend on time (compare_counts()). */
	t = replace_all(t, "^ *[0-9]+\\.[0-9]{2} +[0-9]+\\.[0-9]{6} .*\n", "");
	t = replace_all(t, "^(% time|------).*\n", "");
	t = name_pids(t, extra);
	t = replace_all(t, " <[0-9]+\\.[0-9]{6}>", " <T>");
	t = replace_all(t, "0x[0-9a-f]{8,}", "0xADDR");
	t = replace_all(t, "getppid\\(\\) += [0-9]+", "getppid() = PPID");
	t = replace_all(t, "getrandom\\(\"[^\"]*\"", "getrandom(\"R\"");
	t = replace_all(t, SIGINFO_TIMES, "si_utime=U, si_stime=S");
	t = replace_all(t, PARENT_TID, "=> {parent_tid=[TID]}");
	t = replace_all(t, " += ", " = ");
	t = replace_all(t, " +=$", " =");
	p = t;
	while ((line = next_line(&p))) {
		const char *body = line + strcspn(line, " ");
		size_t len = (size_t)(body - line);

		/* -k's frames follow their call's line, without a pid. */
		if (line[0] == ' ' && n_tasks) {
			task_add(&tasks[last], line, strlen(line));
			continue;
		}
		body += strspn(body, " ");
		for (i = 0; i < n_tasks; i++)
			if (strlen(tasks[i].name) == len &&
			    !strncmp(tasks[i].name, line, len))
				break;
		if (i == n_tasks) {
			assert(n_tasks < MAX_PIDS &&
			       len < sizeof(tasks[0].name));
			/* Zeroed where declared: the name is terminated. */
			memcpy(tasks[i].name, line, len);
			n_tasks++;
		}
		task_add(&tasks[i], body, strlen(body));
		last = i;
	}
	/* P0, P1... in order (a task's first line may come after a younger
	 * one's). */
	for (i = 1; i < n_tasks; i++) {
		for (j = i;
		     j > 0 && task_rank(&tasks[j - 1]) > task_rank(&tasks[j]);
		     j--) {
			struct task_lines tmp = tasks[j];

			tasks[j] = tasks[j - 1];
			tasks[j - 1] = tmp;
		}
	}
	for (i = 0; i < n_tasks; i++)
		for (j = 0; j < tasks[i].n; j++)
			size += strlen(tasks[i].name) +
			        strlen(tasks[i].lines[j]) + 8;
	size += 16 * n_tasks;
	out = malloc(size);
	assert(out);
	out[0] = '\0';
	for (i = 0; i < n_tasks; i++) {
		for (j = 0; j < tasks[i].n; j++) {
			appendf(out, size, &out_len, "%s %s\n", tasks[i].name,
			        tasks[i].lines[j]);
			free(tasks[i].lines[j]);
		}
		free(tasks[i].lines);
	}
	free(t);
	return out;
}

static char *
normalise_spawned_tasks(const char *trace)
{
	return normalise_tasks(trace, 0);
}

/* compare() for traces of several tasks (-o @TRACE -f). */
static void
compare_tasks(const char *const *args)
{
	compare_with(args, normalise_spawned_tasks);
}

START_TEST(test_follow_threads)
{
	compare_tasks(ARGS("-o", "@TRACE", "-f", "@FAMILY", "threads:3"));
}
END_TEST

START_TEST(test_follow_forks)
{
	compare_tasks(ARGS("-o", "@TRACE", "-f", "@FAMILY", "fork:3", "fork:0",
	                   "exit:4"));
	compare_tasks(ARGS("-o", "@TRACE", "-f", "@FAMILY", "exec", "signal",
	                   "fail"));
	compare_tasks(ARGS("-o", "@TRACE", "-f", "-qq", "@FAMILY", "fork:2",
	                   "threads:1"));
}
END_TEST

/* A child killed inside read(): "= ?" and "killed by SIGKILL". */
START_TEST(test_follow_killed)
{
	struct run m = { 0 };

	compare_tasks(ARGS("-o", "@TRACE", "-f", "-e",
	                   "trace=!pread64,sched_yield", "@FAMILY",
	                   "killchild"));
	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-f", "-e", "trace=read,exit_group",
	              "@FAMILY", "killchild"),
	         &m);
	ck_assert_int_eq(m.status, 0);
	ck_assert_msg(strstr(m.trace, " <unfinished ...>) ") &&
	                      strstr(m.trace, "  = ?\n"),
	              "%s", m.trace);
	ck_assert_ptr_nonnull(strstr(m.trace, " +++ killed by SIGKILL +++\n"));
	run_free(&m);
}
END_TEST

/* A thread's execve: the leader is superseded, the thread goes on as
 * the leader. */
START_TEST(test_follow_thread_exec)
{
	compare_tasks(ARGS("-o", "@TRACE", "-f", "-e",
	                   "trace=!pread64,sched_yield", "@FAMILY",
	                   "thread-exec"));
}
END_TEST

/* Without -f only the first task: its children run untraced. */
START_TEST(test_no_follow)
{
	compare(ARGS("-o", "@TRACE", "@FAMILY", "threads:2", "fork:3",
	             "exit:2"));
}
END_TEST

/* Lines of several tasks on stderr: "[pid N] " while more than one
 * lives, and strace's attach messages. */
START_TEST(test_follow_stderr)
{
	struct run s = { 0 };
	struct run m = { 0 };
	char *ns;
	char *nm;

	run_tool(strace_path,
	         ARGS("-f", "-e", "trace=getppid,exit_group,wait4", "@FAMILY",
	              "fork:3"),
	         &s);
	run_tool(mstrace_path,
	         ARGS("-f", "-e", "trace=getppid,exit_group,wait4", "@FAMILY",
	              "fork:3"),
	         &m);
	ns = as_mstrace(s.err);
	ns = replace_all(ns, "\\[pid +([0-9]+)\\]", "[pid N]");
	ns = replace_all(ns, "[0-9]{2,}", "N");
	ns = replace_all(ns, "= N\n", "=\n");
	nm = replace_all(strdup(m.err), "\\[pid +([0-9]+)\\]", "[pid N]");
	nm = replace_all(nm, "[0-9]{2,}", "N");
	nm = replace_all(nm, "= N\n", "=\n");
	/* The child's lines and its parent's wait4 interleave freely. */
	ck_assert_msg(strstr(nm, "Process N attached\n"), "%s", nm);
	ck_assert_msg(strstr(nm, "[pid N] getppid()                   =\n"),
	              "%s", nm);
	ck_assert_msg(strstr(nm, "[pid N] +++ exited with 3 +++\n"), "%s", nm);
	ck_assert_msg(strstr(ns, "[pid N] +++ exited with 3 +++\n"), "%s", ns);
	ck_assert_ptr_nonnull(strstr(nm, "\n+++ exited with 0 +++\n"));
	ck_assert_int_eq(s.status, m.status);
	free(ns);
	free(nm);
	run_free(&s);
	run_free(&m);
}
END_TEST

START_TEST(test_follow_counts)
{
	compare_counts(ARGS("-o", "@TRACE", "-f", "-c", "@FAMILY", "threads:2",
	                    "fork:1", "exec", "fail"));
	compare_counts(ARGS("-o", "@TRACE", "-f", "-c", "-e", "trace=%process",
	                    "@FAMILY", "threads:2", "fork:1"));
}
END_TEST

/* ---- -p ------------------------------------------------------------- */

/* Processes a test started, killed and reaped by teardown() if the test
 * gets there (PR_SET_PDEATHSIG otherwise). */
static pid_t started[8];

static void
started_add(pid_t pid)
{
	size_t i;

	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++) {
		if (!started[i]) {
			started[i] = pid;
			return;
		}
	}
	ck_abort_msg("too many processes");
}

static int
reap(pid_t pid)
{
	size_t i;
	int status;

	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i] == pid)
			started[i] = 0;
	return status;
}

static void
kill_started(void)
{
	size_t i;

	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++) {
		if (started[i]) {
			(void)kill(started[i], SIGKILL);
			(void)waitpid(started[i], NULL, 0);
			started[i] = 0;
		}
	}
}

/* Start @argv with stdin, stdout and stderr from @fds (-1: /dev/null,
 * or a path for stdout); returns its pid. */
static pid_t
start(char *const argv[], const int fds[3], const char *out_path)
{
	pid_t pid = fork();
	int fd;
	int i;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < 3; i++) {
			fd = fds[i];
			if (fd < 0 && i == 1 && out_path)
				fd = open(out_path,
				          O_WRONLY | O_CREAT | O_TRUNC, 0600);
			else if (fd < 0)
				fd = open("/dev/null", O_RDWR);
			if (fd < 0 || dup2(fd, i) < 0)
				_exit(126);
		}
		(void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
		execv(argv[0], argv);
		_exit(127);
	}
	started_add(pid);
	return pid;
}

/* Read from @fd until @what is in @buf (or end of file); returns the
 * length read. */
static size_t
read_until(int fd, char *buf, size_t size, const char *what)
{
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	while (!strstr(buf, what) && len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return len;
}

static char *
read_rest(int fd, char *buf, size_t len, size_t size)
{
	ssize_t n;

	for (;;) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return strdup(buf);
}

struct attached {
	pid_t pid;
	struct run tool;
	int tracee_status;
	char *tracee_out;
};

/*
 * mt-family OPS... "wait", attached to by @tool with @opts and "-p PID",
 * and running @command (NULL: none; else the trace goes to stderr).
 * The tool's "attached" message (once every thread is seized) says when
 * to go on: then the tool gets @signo (0: none, it ends with the
 * program), the program is let go, and both are reaped.
 */
static void
run_attached(const char *tool, const char *const *opts, const char *const *ops,
             const char *const *command, int signo, struct attached *a)
{
	char *argv[MAX_ARGS];
	char buf[8192];
	char trace[128];
	char pid_text[16];
	int in[2];
	int out[2];
	int err[2];
	size_t n = 0;
	size_t len;
	pid_t tool_pid;

	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);

	argv[n++] = (char *)family_path;
	for (; *ops; ops++)
		argv[n++] = (char *)*ops;
	argv[n++] = (char *)"wait";
	argv[n] = NULL;
	a->pid = start(argv, (int[]){ in[0], out[1], -1 }, NULL);
	close(in[0]);
	close(out[1]);
	len = read_until(out[0], buf, sizeof(buf), "ready\n");
	ck_assert_msg(strstr(buf, "ready\n"), "program: %.*s", (int)len, buf);

	scratch_path(trace, sizeof(trace), "trace");
	(void)snprintf(pid_text, sizeof(pid_text), "%d", (int)a->pid);
	n = 0;
	argv[n++] = (char *)tool;
	/* With a trace file and a program, "attached" is not said. */
	if (!command) {
		argv[n++] = (char *)"-o";
		argv[n++] = trace;
	}
	for (; *opts; opts++)
		argv[n++] = (char *)*opts;
	argv[n++] = (char *)"-p";
	argv[n++] = pid_text;
	for (; command && *command; command++)
		argv[n++] = strcmp(*command, "@FAMILY") == 0
		                    ? (char *)family_path
		                    : (char *)*command;
	argv[n] = NULL;
	tool_pid = start(argv, (int[]){ -1, -1, err[1] }, NULL);
	close(err[1]);
	len = read_until(err[0], buf, sizeof(buf), "attached");
	ck_assert_msg(strstr(buf, "attached"), "%s: %s", tool, buf);
	/* The message comes once every thread is seized. */
	if (signo) {
		ck_assert_int_eq(kill(tool_pid, signo), 0);
		a->tool.status = reap(tool_pid);
		a->tool.err = read_rest(err[0], buf, len, sizeof(buf));
	}
	/* Let the program go on and end. */
	ck_assert_int_eq(write(in[1], "x", 1), 1);
	close(in[1]);
	if (!signo) {
		a->tool.err = read_rest(err[0], buf, len, sizeof(buf));
		a->tool.status = reap(tool_pid);
	}
	a->tracee_status = reap(a->pid);
	a->tracee_out = read_rest(out[0], buf, 0, sizeof(buf));
	close(out[0]);
	close(err[0]);
	a->tool.trace = read_file(trace);
}

static void
attached_free(struct attached *a)
{
	run_free(&a->tool);
	free(a->tracee_out);
}

static char *
normalise_messages(const struct attached *a, const char *err)
{
	char *t = strdup(err);

	assert(t);
	if (!strncmp(t, strace_path, strlen(strace_path))) {
		char *u = as_mstrace(t);

		free(t);
		t = u;
	}
	/* strace's own complaint when a stop it gets right after the
	 * attach is not the one it expected: timing, not output. */
	t = replace_all(t, "^.*ptrace_syscall_info\\.op == .*\n", "");
	return name_pids(t, a->pid);
}

/* @text from the line where @what first appears ("" if nowhere). */
static const char *
from_line(const char *text, const char *what)
{
	const char *p = strstr(text, what);

	if (!p)
		return "";
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

/* How much of the traces compare_attached() compares. */
enum trace_kind {
	TRACE_NONE,  /* timing dependent */
	TRACE_LINES, /* one task */
	TRACE_TASKS, /* -f: every line starts with its pid */
};

static void
compare_attached(const char *const *opts, const char *const *ops,
                 const char *const *command, int signo, enum trace_kind kind)
{
	struct attached s;
	struct attached m;
	char *es;
	char *em;

	run_attached(strace_path, opts, ops, command, signo, &s);
	run_attached(mstrace_path, opts, ops, command, signo, &m);
	es = normalise_messages(&s, s.tool.err);
	em = normalise_messages(&m, m.tool.err);
	assert_same_text("messages", es, em);
	free(es);
	free(em);
	if (kind != TRACE_NONE) {
		es = kind == TRACE_TASKS ? normalise_tasks(s.tool.trace, s.pid)
		                         : normalise(s.tool.trace);
		em = kind == TRACE_TASKS ? normalise_tasks(m.tool.trace, m.pid)
		                         : normalise(m.tool.trace);
		/* What runs before the program is let go is timing:
		 * strace's attach returns before the threads stop, and
		 * threads may be starting.  From getppid() on it is not. */
		assert_same_text("trace", from_line(es, "getppid("),
		                 from_line(em, "getppid("));
		free(es);
		free(em);
	}
	ck_assert_msg(s.tool.status == m.tool.status,
	              "status: strace %#x, mstrace %#x", s.tool.status,
	              m.tool.status);
	/* The program went on as if never traced. */
	ck_assert_int_eq(m.tracee_status, 0);
	ck_assert_str_eq(m.tracee_out, "");
	ck_assert_int_eq(s.tracee_status, m.tracee_status);
	attached_free(&s);
	attached_free(&m);
}

static unsigned
count_lines(const char *text, const char *what)
{
	unsigned n = 0;
	const char *p;

	for (p = strstr(text, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

START_TEST(test_attach)
{
	/* One line a task: the trace is "PID  call" throughout. */
	struct attached m;

	compare_attached(ARGS("-f"), ARGS("fail"), NULL, 0, TRACE_TASKS);
	compare_attached(ARGS("-f"), ARGS("park:2"), NULL, 0, TRACE_NONE);
	/* Every thread is traced. */
	run_attached(mstrace_path, ARGS("-f"), ARGS("park:2"), NULL, 0, &m);
	ck_assert_msg(m.tool.trace[0] != '\0', "no trace");
	ck_assert_msg(count_lines(m.tool.trace, "+++ exited with 0 +++") == 3,
	              "%s", m.tool.trace);
	attached_free(&m);
	compare_attached(ARGS("-e", "trace=!pread64"), ARGS("fail"), NULL, 0,
	                 TRACE_LINES);
}
END_TEST

START_TEST(test_attach_no_follow)
{
	struct attached s;
	struct attached m;

	/* Only the thread named, as strace. */
	compare_attached(ARGS("-e", "trace=read,getppid,openat"),
	                 ARGS("park:2"), NULL, 0, TRACE_LINES);
	run_attached(mstrace_path, ARGS("-e", "trace=read,getppid,openat"),
	             ARGS("park:2"), NULL, 0, &m);
	ck_assert_msg(!strncmp(m.tool.trace,
	                       "read(0, \"x\", 1)                         = 1\n"
	                       "getppid()                               = ",
	                       strlen("read(0, \"x\", 1)                     "
	                              "    = 1\ngetppid()                    "
	                              "           = ")),
	              "%s", m.tool.trace);
	/* Nothing of the other threads. */
	ck_assert_ptr_null(strstr(m.tool.trace, "read(4"));
	ck_assert_ptr_nonnull(strstr(m.tool.trace, "+++ exited with 0 +++\n"));
	attached_free(&m);
	/* A process and a program: mstrace waits for both and leaves
	 * with the program's status. */
	run_attached(strace_path, ARGS("-e", "trace=getppid,exit_group"),
	             ARGS("fail"), ARGS("@FAMILY", "fork:1", "exit:3"), 0, &s);
	run_attached(mstrace_path, ARGS("-e", "trace=getppid,exit_group"),
	             ARGS("fail"), ARGS("@FAMILY", "fork:1", "exit:3"), 0, &m);
	ck_assert_int_eq(s.tool.status, m.tool.status);
	ck_assert(WIFEXITED(m.tool.status));
	ck_assert_int_eq(WEXITSTATUS(m.tool.status), 3);
	ck_assert_int_eq(m.tracee_status, 0);
	/* Both traced (with "[pid N] " while both live). */
	ck_assert_msg(strstr(m.tool.err, "exit_group(3)") &&
	                      strstr(m.tool.err, "getppid()") &&
	                      strstr(m.tool.err, "+++ exited with 3 +++"),
	              "%s", m.tool.err);
	ck_assert_int_eq(count_lines(s.tool.err, "exited with"),
	                 count_lines(m.tool.err, "exited with"));
	attached_free(&s);
	attached_free(&m);
}
END_TEST

/* SIGINT or SIGTERM: detach, leave the program running. */
START_TEST(test_attach_detach)
{
	struct attached m;

	/* Whether the read() restarted after the attach was reported yet
	 * when the signal came is a matter of timing: no traces. */
	compare_attached(ARGS("-e", "trace=read"), ARGS("fail"), NULL, SIGINT,
	                 TRACE_NONE);
	compare_attached(ARGS("-f"), ARGS("park:2"), NULL, SIGTERM, TRACE_NONE);
	run_attached(mstrace_path, ARGS("-f"), ARGS("park:1"), NULL, SIGINT,
	             &m);
	/* Whether a call was open (" <detached ...>") is timing. */
	ck_assert_ptr_nonnull(strstr(m.tool.err, " detached\n"));
	ck_assert(WIFSIGNALED(m.tool.status));
	ck_assert_int_eq(WTERMSIG(m.tool.status), SIGINT);
	attached_free(&m);
}
END_TEST

/* A pid that no process has. */
static pid_t
free_pid(void)
{
	pid_t pid;

	for (pid = 4194000; pid > 300000; pid--)
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return pid;
	ck_abort_msg("no free pid");
	return 0;
}

START_TEST(test_attach_errors)
{
	char pid_text[16];

	(void)snprintf(pid_text, sizeof(pid_text), "%d", (int)free_pid());
	compare_errors(ARGS("-p", pid_text));
	compare_errors(ARGS("-p", pid_text, "-p", pid_text));
	compare_errors(ARGS("-p", "0"));
	compare_errors(ARGS("--seccomp-bpf", "-p", pid_text));
	compare_errors(ARGS("--seccomp-bpf", "-f", "-p", pid_text));
	compare_errors(ARGS("--seccomp-bpf", "-f", "-e", "trace=openat", "-p",
	                    pid_text));
}
END_TEST

/* ---- -k ------------------------------------------------------------- */

START_TEST(test_stack)
{
	struct run m = { 0 };
	const char *p;
	static const char *const chain[] = { " > ", "(chain_inner+0x",
		                             "(chain_middle+0x",
		                             "(chain_outer+0x", "(main+0x" };
	size_t i;

	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-k", "-e", "trace=getppid", "@FAMILY",
	              "stack"),
	         &m);
	ck_assert_int_eq(m.status, 0);
	p = strstr(m.trace, "getppid()");
	ck_assert_msg(p != NULL, "%s", m.trace);
	for (i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		p = strstr(p, chain[i]);
		ck_assert_msg(p != NULL, "no %s in order:\n%s", chain[i],
		              m.trace);
	}
	ck_assert_ptr_nonnull(strstr(m.trace, family_path));
	run_free(&m);
	/* The same frames as strace's, after the call or after "= ?". */
	compare(ARGS("-o", "@TRACE", "-k", "-e", "trace=getppid,exit_group",
	             "@FAMILY", "stack"));
	compare(ARGS("-o", "@TRACE", "--stack-traces", "-e", "trace=getppid",
	             "@FAMILY", "stack", "stack"));
	/* Nothing to print frames after. */
	compare_errors(ARGS("-o", "@TRACE", "-c", "-k", "@FAMILY", "exit:0"));
}
END_TEST

/* ---- --seccomp-bpf -------------------------------------------------- */

START_TEST(test_seccomp)
{
	struct run a = { 0 };
	struct run b = { 0 };
	char *na;
	char *nb;

	compare_tasks(ARGS("-o", "@TRACE", "-f", "--seccomp-bpf", "-e",
	                   "trace=openat", "@FAMILY", "fail", "fork:1",
	                   "exec"));
	compare_tasks(ARGS("-o", "@TRACE", "-f", "--seccomp-bpf", "-e",
	                   "trace=execve,getppid,read,write,exit_group",
	                   "@FAMILY", "threads:2", "fork:1", "signal"));
	/* The same trace as without the filter. */
	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-f", "--seccomp-bpf", "-e",
	              "trace=openat", "@FAMILY", "fail", "fork:1", "exec"),
	         &a);
	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-f", "-e", "trace=openat", "@FAMILY",
	              "fail", "fork:1", "exec"),
	         &b);
	na = normalise_tasks(a.trace, 0);
	nb = normalise_tasks(b.trace, 0);
	assert_same_text("with and without --seccomp-bpf", nb, na);
	ck_assert_int_eq(a.status, b.status);
	free(na);
	free(nb);
	run_free(&a);
	run_free(&b);
	/* Given up, with strace's warnings. */
	compare_errors(
		ARGS("-o", "@TRACE", "--seccomp-bpf", "@FAMILY", "exit:0"));
	compare_errors(ARGS("-o", "@TRACE", "--seccomp-bpf", "-f", "@FAMILY",
	                    "exit:0"));
	compare_counts(ARGS("-o", "@TRACE", "-f", "-c", "--seccomp-bpf", "-e",
	                    "trace=openat,getppid", "@FAMILY", "fail",
	                    "threads:1", "fork:2"));
}
END_TEST

/*
 * The filter really keeps untraced calls from stopping: 1000 getppid()
 * calls take far fewer voluntary context switches (a stop is one) under
 * --seccomp-bpf -e trace=openat than under -e trace=openat alone.
 */
START_TEST(test_seccomp_filters)
{
	struct run a = { 0 };
	struct run b = { 0 };
	long filtered = -1;
	long unfiltered = -1;

	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-f", "--seccomp-bpf", "-e",
	              "trace=openat", "@FAMILY", "switches:1000"),
	         &a);
	run_tool(mstrace_path,
	         ARGS("-o", "@TRACE", "-f", "-e", "trace=openat", "@FAMILY",
	              "switches:1000"),
	         &b);
	ck_assert_int_eq(a.status, 0);
	ck_assert_int_eq(b.status, 0);
	ck_assert_msg(test_parse_field(a.out, "switches", &filtered) &&
	                      test_parse_field(b.out, "switches", &unfiltered),
	              "outputs '%s' '%s'", a.out, b.out);
	ck_assert_msg(unfiltered >= 1000, "unfiltered: %ld", unfiltered);
	ck_assert_msg(filtered < 250, "filtered: %ld switches", filtered);
	run_free(&a);
	run_free(&b);
}
END_TEST

/* Every engine at once on one threaded program: printer, counter, two
 * injectors, stack tracer, signal reporter, following its threads and
 * children. */
START_TEST(test_all_engines_tasks)
{
	const char *const *args =
		ARGS("-o", "@TRACE", "-f", "-C", "-k", "-e",
	             "inject=getppid:error=EPERM", "-e",
	             "inject=openat:error=EACCES:when=2", "-e",
	             "trace=getppid,openat,write,read,exit_group", "@FAMILY",
	             "threads:2", "fork:0", "stack", "fail");
	struct run m = { 0 };
	const char *p;

	compare_tasks(args);
	compare_counts(args);
	run_tool(mstrace_path, args, &m);
	ck_assert_int_eq(m.status, 0);
	p = strstr(m.trace, "= -1 EPERM (Operation not permitted) "
	                    "(INJECTED)\n");
	ck_assert_msg(p != NULL, "%s", m.trace);
	ck_assert_ptr_nonnull(strstr(m.trace, "(chain_inner+0x"));
	ck_assert_ptr_nonnull(strstr(m.trace, "% time"));
	ck_assert_ptr_nonnull(strstr(m.trace, "= -1 EACCES (Permission "
	                                      "denied) (INJECTED)\n"));
	run_free(&m);
}
END_TEST

/* ---- main ----------------------------------------------------------- */

static TCase *
tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
mstrace_suite(void)
{
	Suite *s = suite_create("mstrace");
	TCase *tc;

	tc = tcase(s, "own");
	tcase_add_test(tc, test_inject_seen_by_program);
	tcase_add_test(tc, test_inject_stacked);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_exit_status);

	if (!strace_path) {
		fprintf(stderr, "strace not found: no comparisons\n");
		return s;
	}
	tc = tcase(s, "compare");
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_files_strsize);
	tcase_add_test(tc, test_mem);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_signals);
	tcase_add_test(tc, test_signal_set);
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_misc);
	tcase_add_test(tc, test_execve);
	tcase_add_test(tc, test_trace_sets);
	tcase_add_test(tc, test_quiet_and_exit);
	tcase_add_test(tc, test_killed);
	tcase_add_test(tc, test_timestamps);
	tcase_add_test(tc, test_classes);
	tcase_add_test(tc, test_garbage_arguments);
	tc = tcase(s, "counts");
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_counts_empty);
	tc = tcase(s, "inject");
	tcase_add_test(tc, test_inject);
	tcase_add_test(tc, test_inject_signal);
	tcase_add_test(tc, test_all_engines);
	tc = tcase(s, "tasks");
	tcase_add_test(tc, test_follow_threads);
	tcase_add_test(tc, test_follow_forks);
	tcase_add_test(tc, test_follow_killed);
	tcase_add_test(tc, test_follow_thread_exec);
	tcase_add_test(tc, test_no_follow);
	tcase_add_test(tc, test_follow_stderr);
	tcase_add_test(tc, test_follow_counts);
	tc = tcase(s, "attach");
	tcase_add_test(tc, test_attach);
	tcase_add_test(tc, test_attach_no_follow);
	tcase_add_test(tc, test_attach_detach);
	tcase_add_test(tc, test_attach_errors);
	tc = tcase(s, "stack");
	tcase_add_test(tc, test_stack);
	tc = tcase(s, "seccomp");
	tcase_add_test(tc, test_seccomp);
	tcase_add_test(tc, test_seccomp_filters);
	tcase_add_test(tc, test_all_engines_tasks);
	tc = tcase(s, "command-line");
	tcase_add_test(tc, test_bad_command_lines);
	tcase_add_test(tc, test_no_program);
	tcase_add_test(tc, test_exec_fails);
	return s;
}

/* Whether this process may trace a child at all (not in every
 * container). */
static bool
ptrace_works(void)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
main(void)
{
	const struct rlimit no_core = { 0, 0 };
	SRunner *sr;
	int failed;

	mstrace_path = getenv("MSTRACE");
	tracee_path = getenv("MSTRACE_TRACEE");
	family_path = getenv("MSTRACE_FAMILY");
	strace_path = getenv("STRACE");
	if (strace_path && !*strace_path)
		strace_path = NULL;
	if (!mstrace_path || !tracee_path || !family_path) {
		fprintf(stderr, "MSTRACE, MSTRACE_TRACEE and MSTRACE_FAMILY "
		                "must be set\n");
		return EXIT_FAILURE;
	}
	(void)setrlimit(RLIMIT_CORE, &no_core);
	if (!ptrace_works()) {
		fprintf(stderr, "ptrace is not available: skipped\n");
		return 77;
	}
	sr = srunner_create(mstrace_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
