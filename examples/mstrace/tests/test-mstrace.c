/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mstrace end to end: run mt-tracee under strace and under mstrace with
 * the same options, normalise what differs from run to run (addresses,
 * pids, random bytes, times) and compare the traces line by line, the
 * -c tables by their calls and errors, the messages of bad command lines,
 * the exit statuses, and what the program itself saw of injected faults.
 *
 * Paths come from the environment (set by meson.build): MSTRACE,
 * MSTRACE_TRACEE and, when strace is installed, STRACE.  Without strace
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_TIMEOUT 60
#define MAX_ARGS 64
#define MAX_PIDS 16

static const char *mstrace_path;
static const char *strace_path;
static const char *tracee_path;

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
 * file, "@TRACEE" for mt-tracee, "@DIR" for an empty directory.  stdin is
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
	size_t n;

	assert(out);
	ck_assert_int_eq(regcomp(&re, re_text, REG_EXTENDED | REG_NEWLINE), 0);
	/* A line start only at the start of the text or after a newline. */
	while (*p &&
	       regexec(&re, p, 1, &match,
	               p == text || p[-1] == '\n' ? 0 : REG_NOTBOL) == 0) {
		n = (size_t)match.rm_so;
		if (o + n + strlen(with) + 1 >= size) {
			size = (o + n + strlen(with) + 1) * 2;
			out = xrealloc(out, size);
		}
		memcpy(out + o, p, n);
		o += n;
		memcpy(out + o, with, strlen(with));
		o += strlen(with);
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
	t = replace_all(t, "si_utime=[0-9]+, si_stime=[0-9]+",
	                "si_utime=U, si_stime=S");
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

/* Run both tools with @args; compare the normalised traces, the
 * program's output and the exit statuses. */
static void
compare(const char *const *args)
{
	struct run s = { 0 };
	struct run m = { 0 };
	char *ns;
	char *nm;

	run_tool(strace_path, args, &s);
	run_tool(mstrace_path, args, &m);
	ns = normalise(s.trace);
	nm = normalise(m.trace);
	assert_same_text("trace", ns, nm);
	assert_same_text("program output", s.out, m.out);
	ck_assert_msg(s.status == m.status, "status: strace %#x, mstrace %#x",
	              s.status, m.status);
	free(ns);
	free(nm);
	run_free(&s);
	run_free(&m);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- fixture -------------------------------------------------------- */

static void
setup(void)
{
	(void)snprintf(scratch, sizeof(scratch), "/tmp/mstrace-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void
teardown(void)
{
	char path[128];
	static const char *const names[] = { "trace", "stdout", "stderr",
		                             "dir" };
	size_t i;

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

/* The rows of a -c table, "name calls errors" sorted by name. */
static char *
table_counts(const char *text)
{
	char name[64];
	char *copy = strdup(text);
	char *p = copy;
	char *line;
	char *rows[512];
	size_t n = 0;
	size_t size = 1;
	size_t i;
	char *out;
	double pct;
	double secs;
	unsigned long usecs;
	unsigned calls;
	unsigned errors;

	assert(copy);
	while ((line = next_line(&p))) {
		char row[128];

		if (sscanf(line, "%lf %lf %lu %u %u %63s", &pct, &secs, &usecs,
		           &calls, &errors, name) == 6) {
		} else if (sscanf(line, "%lf %lf %lu %u %63s", &pct, &secs,
		                  &usecs, &calls, name) == 5) {
			errors = 0;
		} else {
			continue;
		}
		(void)snprintf(row, sizeof(row), "%s %u %u", name, calls,
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
		strcat(out, rows[i]);
		strcat(out, "\n");
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
	char *out = malloc(strlen(text) + 1);

	assert(copy && out);
	out[0] = '\0';
	while ((line = next_line(&p))) {
		if (line[0] == '%' || line[0] == '-') {
			strcat(out, line);
			strcat(out, "\n");
		}
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

START_TEST(test_unsupported)
{
	const char *const *cases[] = {
		ARGS("-f", "@TRACEE", "exit:0"),
		ARGS("-p", "1"),
		ARGS("-k", "@TRACEE", "exit:0"),
		ARGS("--seccomp-bpf", "-f", "@TRACEE", "exit:0"),
		ARGS("--seccomp-bpf", "@TRACEE", "exit:0"),
	};
	static const char *const options[] = {
		"-f", "-p", "-k", "-f", "--seccomp-bpf",
	};
	char expected[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run m = { 0 };

		(void)snprintf(expected, sizeof(expected),
		               "%s: %s is not supported yet\n", mstrace_path,
		               options[i]);
		run_tool(mstrace_path, cases[i], &m);
		ck_assert_str_eq(m.err, expected);
		ck_assert(WIFEXITED(m.status));
		ck_assert_int_eq(WEXITSTATUS(m.status), 1);
		run_free(&m);
	}
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
	tcase_add_test(tc, test_unsupported);
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
	strace_path = getenv("STRACE");
	if (strace_path && !*strace_path)
		strace_path = NULL;
	if (!mstrace_path || !tracee_path) {
		fprintf(stderr, "MSTRACE and MSTRACE_TRACEE must be set\n");
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
