/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/audit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <utrace/utrace.h>

#include "counter.h"
#include "taskmap.h"

/* Rows are indexed by call number, sorted as uint16_t. */
#define COUNTER_MAX_NR FILTER_MAX_NR
/* The native arch and one compat arch (int 0x80 on x86_64). */
#define COUNTER_MAX_ARCH 2

struct counter_row {
	uint64_t ns;
	unsigned calls;
	unsigned errors;
};

struct counter_table {
	uint32_t arch; /* 0: unused */
	struct counter_row rows[COUNTER_MAX_NR];
};

struct counter {
	const struct filter *filter;
	bool wall_time;
	struct counter_table tables[COUNTER_MAX_ARCH];
	struct taskmap tasks;
};

/* The counter's state on one task. */
struct counter_task {
	clockid_t clock;
	/* The call whose entry was seen and whose exit is awaited. */
	bool in_syscall;
	uint32_t arch;
	int64_t nr;
	struct timespec start;
};

static const char dashes[] =
	"------ ----------- ----------- --------- --------- ----------------";

static uint64_t
elapsed_ns(const struct timespec *start, const struct timespec *end)
{
	int64_t ns = (int64_t)(end->tv_sec - start->tv_sec) * 1000000000 +
	             (end->tv_nsec - start->tv_nsec);

	return ns > 0 ? (uint64_t)ns : 0;
}

/* The row of a call, or NULL if it cannot be counted (number out of
 * range, or a third arch). */
static struct counter_row *
counter_row(struct counter *c, uint32_t arch, int64_t nr)
{
	size_t i;

	if (nr < 0 || nr >= COUNTER_MAX_NR)
		return NULL;
	for (i = 0; i < COUNTER_MAX_ARCH; i++) {
		if (c->tables[i].arch == 0)
			c->tables[i].arch = arch;
		if (c->tables[i].arch == arch)
			return &c->tables[i].rows[nr];
	}
	return NULL;
}

static void
now(const struct counter_task *ct, struct timespec *ts)
{
	/* A process that is gone has no CPU clock left: no time. */
	if (clock_gettime(ct->clock, ts) < 0)
		*ts = (struct timespec){ 0 };
}

static struct counter_task *
task_state(struct counter *c, const struct utrace_task *task)
{
	struct counter_task *ct;
	bool is_new;

	ct = taskmap_get(&c->tasks, task, &is_new);
	/* The process's CPU clock: between the entry and the exit stop the
	 * program runs only in the kernel, so this is its system time. */
	if (ct && is_new &&
	    (c->wall_time ||
	     clock_getcpuclockid(utrace_task_tgid(task), &ct->clock) != 0))
		ct->clock = CLOCK_MONOTONIC;
	return ct;
}

static uint32_t
counter_syscall_entry(uint32_t action, struct utrace_engine *engine,
                      struct utrace_task *task, struct utrace_syscall *sc,
                      void *data)
{
	struct counter_task *ct = task_state(data, task);

	if (!ct)
		return UTRACE_RESUME | utrace_syscall_action(action);
	/* A repeated (RESUMED) report after a hold restarts the clock: the
	 * time held is not the call's. */
	ct->in_syscall = true;
	ct->arch = sc->arch;
	ct->nr = sc->nr;
	now(ct, &ct->start);
	return UTRACE_RESUME | utrace_syscall_action(action);
}

static uint32_t
counter_syscall_exit(uint32_t action, struct utrace_engine *engine,
                     struct utrace_task *task, struct utrace_syscall *sc,
                     void *data)
{
	struct counter *c = data;
	struct counter_task *ct = task_state(c, task);
	struct counter_row *row;
	struct timespec end;
	bool seen;

	if (!ct)
		return UTRACE_RESUME;
	now(ct, &end);
	seen = ct->in_syscall && ct->arch == sc->arch && ct->nr == sc->nr;
	ct->in_syscall = false;
	if (!filter_has(c->filter, sc->arch, sc->nr))
		return UTRACE_RESUME;
	row = counter_row(c, sc->arch, sc->nr);
	if (!row)
		return UTRACE_RESUME;
	/* An exit without an entry (the execve run by utrace_spawn()) is
	 * a call of unknown, zero, duration. */
	row->calls++;
	if (sc->is_error)
		row->errors++;
	if (seen)
		row->ns += elapsed_ns(&ct->start, &end);
	return UTRACE_RESUME;
}

static void
counter_reap(struct utrace_engine *engine, struct utrace_task *task, void *data)
{
	struct counter *c = data;

	taskmap_remove(&c->tasks, task);
}

static const struct utrace_engine_ops counter_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = counter_syscall_entry,
	.report_syscall_exit = counter_syscall_exit,
	.report_reap = counter_reap,
};

struct counter *
counter_new(const struct filter *filter, bool wall_time)
{
	struct counter *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->filter = filter;
	c->wall_time = wall_time;
	taskmap_init(&c->tasks, sizeof(struct counter_task), NULL);
	return c;
}

int
counter_attach(struct counter *c, struct utrace_task *task,
               const struct attach_opts *opts)
{
	return attach_engine(task, opts, &counter_ops, c,
	                     UTRACE_EVENT_SYSCALL | UTRACE_EVENT(REAP));
}

static int
compare_rows(const void *a, const void *b, void *data)
{
	const struct counter_table *t = data;
	unsigned nr_a = *(const uint16_t *)a;
	unsigned nr_b = *(const uint16_t *)b;
	uint64_t ns_a = t->rows[nr_a].ns;
	uint64_t ns_b = t->rows[nr_b].ns;

	if (ns_a != ns_b)
		return ns_a < ns_b ? 1 : -1;
	return nr_a < nr_b ? -1 : nr_a > nr_b;
}

static void
print_row(FILE *out, double percent, uint64_t ns, unsigned calls,
          unsigned errors, const char *name)
{
	fprintf(out, "%6.2f %11.6f %11llu %9u %9.u %s\n", percent,
	        (double)ns / 1e9,
	        (unsigned long long)(calls ? ns / calls / 1000 : 0), calls,
	        errors, name);
}

static void
print_table(const struct counter_table *t, FILE *out)
{
	uint16_t order[COUNTER_MAX_NR];
	const struct counter_row *row;
	const char *name;
	char unknown[32];
	uint64_t total_ns = 0;
	unsigned total_calls = 0;
	unsigned total_errors = 0;
	size_t n = 0;
	size_t i;

	for (i = 0; i < COUNTER_MAX_NR; i++) {
		row = &t->rows[i];
		if (!row->calls)
			continue;
		order[n++] = (uint16_t)i;
		total_ns += row->ns;
		total_calls += row->calls;
		total_errors += row->errors;
	}
	qsort_r(order, n, sizeof(order[0]), compare_rows, (void *)t);

	fprintf(out, "%6.6s %11.11s %11.11s %9.9s %9.9s %s\n", "% time",
	        "seconds", "usecs/call", "calls", "errors", "syscall");
	fprintf(out, "%s\n", dashes);
	for (i = 0; i < n; i++) {
		row = &t->rows[order[i]];
		name = utrace_syscall_name(t->arch, order[i]);
		if (!name) {
			snprintf(unknown, sizeof(unknown), "syscall_%#x",
			         (unsigned)order[i]);
			name = unknown;
		}
		print_row(out,
		          total_ns ? 100.0 * (double)row->ns / (double)total_ns
		                   : 0.0,
		          row->ns, row->calls, row->errors, name);
	}
	fprintf(out, "%s\n", dashes);
	print_row(out, 100.0, total_ns, total_calls, total_errors, "total");
}

void
counter_print(const struct counter *c, FILE *out)
{
	const struct counter_table *t;
	size_t i;

	for (i = 0; i < COUNTER_MAX_ARCH; i++) {
		t = &c->tables[i];
		/* Nothing counted: strace prints nothing either. */
		if (t->arch == 0)
			break;
		if (t->arch == AUDIT_ARCH_I386)
			fprintf(out,
			        "System call usage summary for 32 bit mode:\n");
		else if (t->arch != AUDIT_ARCH_X86_64)
			fprintf(out,
			        "System call usage summary for arch %#x:\n",
			        (unsigned)t->arch);
		print_table(t, out);
	}
}

void
counter_free(struct counter *c)
{
	if (!c)
		return;
	taskmap_clear(&c->tasks);
	free(c);
}
