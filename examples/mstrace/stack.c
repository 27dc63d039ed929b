/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "taskmap.h"

/* As deep as strace goes. */
#define STACK_MAX_FRAMES 256

struct stack {
	struct output *out;
	const struct filter *calls;
	/* Scratch space for one unwinding (callbacks run one at a time). */
	struct utrace_frame frames[STACK_MAX_FRAMES];
	struct taskmap tasks;
};

/* The stack tracer's state on one task: the frames of the call in
 * progress, formatted at its entry. */
struct stack_task {
	bool pending;
	struct line text;
};

/* One mapping of /proc/PID/maps. */
struct mapping {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	char path[4096];
};

/* Parse "START-END PERMS OFFSET DEV INODE PATH" into @m; false if the
 * line is not one. */
static bool
parse_mapping(const char *line, struct mapping *m)
{
	char *end;
	size_t i;

	m->start = strtoull(line, &end, 16);
	if (*end != '-')
		return false;
	m->end = strtoull(end + 1, &end, 16);
	if (*end != ' ')
		return false;
	end += strcspn(end + 1, " ") + 1; /* the permissions */
	m->offset = strtoull(end, &end, 16);
	if (*end != ' ')
		return false;
	/* The device and the inode, then spaces up to the path. */
	for (i = 0; i < 2; i++) {
		end += strspn(end, " ");
		end += strcspn(end, " ");
	}
	end += strspn(end, " ");
	(void)snprintf(m->path, sizeof(m->path), "%s", end);
	m->path[strcspn(m->path, "\n")] = '\0';
	return true;
}

/* The file mapping that holds @pc in @maps (an open /proc/PID/maps). */
static bool
find_mapping(FILE *maps, uint64_t pc, struct mapping *m)
{
	char line[4096 + 128];

	rewind(maps);
	while (fgets(line, sizeof(line), maps)) {
		if (parse_mapping(line, m) && pc >= m->start && pc < m->end)
			return true;
	}
	return false;
}

static void
format_frames(struct line *l, const struct utrace_frame *f, size_t n,
              FILE *maps)
{
	struct mapping m;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			line_putc(l, '\n');
		if (!maps || !find_mapping(maps, f[i].pc, &m) || !m.path[0]) {
			line_printf(l, " > [unknown]() [0x%" PRIx64 "]",
			            f[i].pc);
			continue;
		}
		line_printf(l, " > %s(", m.path);
		if (f[i].name[0])
			line_printf(l, "%s+0x%" PRIx64, f[i].name, f[i].offset);
		line_printf(l, ") [0x%" PRIx64 "]",
		            f[i].pc - m.start + m.offset);
	}
}

static struct stack_task *
task_state(struct stack *s, const struct utrace_task *task)
{
	return taskmap_get(&s->tasks, task, NULL);
}

static void
task_fini(void *state)
{
	struct stack_task *st = state;

	line_free(&st->text);
}

static uint32_t
stack_syscall_entry(uint32_t action, struct utrace_engine *engine,
                    struct utrace_task *task, struct utrace_syscall *sc,
                    void *data)
{
	struct stack *s = data;
	struct stack_task *st = task_state(s, task);
	char path[64];
	size_t n = 0;
	FILE *maps;

	if (!st)
		return UTRACE_RESUME | utrace_syscall_action(action);
	st->pending = false;
	line_clear(&st->text);
	if (!filter_has(s->calls, sc->arch, sc->nr) ||
	    utrace_task_unwind(task, s->frames, STACK_MAX_FRAMES, &n) < 0 ||
	    n == 0)
		return UTRACE_RESUME | utrace_syscall_action(action);
	(void)snprintf(path, sizeof(path), "/proc/%d/maps",
	               (int)utrace_task_tid(task));
	maps = fopen(path, "re");
	format_frames(&st->text, s->frames, n, maps);
	if (maps)
		(void)fclose(maps);
	st->pending = true;
	return UTRACE_RESUME | utrace_syscall_action(action);
}

static void
print_pending(struct stack *s, struct stack_task *st)
{
	if (!st->pending)
		return;
	st->pending = false;
	output_flush(s->out, &st->text);
}

static uint32_t
stack_syscall_exit(uint32_t action, struct utrace_engine *engine,
                   struct utrace_task *task, struct utrace_syscall *sc,
                   void *data)
{
	struct stack *s = data;
	struct stack_task *st = task_state(s, task);

	if (st)
		print_pending(s, st);
	return UTRACE_RESUME;
}

static void
stack_death(struct utrace_engine *engine, struct utrace_task *task, int status,
            bool group_dead, void *data)
{
	struct stack *s = data;
	struct stack_task *st = task_state(s, task);

	/* The call that never returned, after its "= ?" line. */
	if (st)
		print_pending(s, st);
}

static void
stack_reap(struct utrace_engine *engine, struct utrace_task *task, void *data)
{
	struct stack *s = data;

	taskmap_remove(&s->tasks, task);
}

static const struct utrace_engine_ops stack_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = stack_syscall_entry,
	.report_syscall_exit = stack_syscall_exit,
	.report_death = stack_death,
	.report_reap = stack_reap,
};

struct stack *
stack_new(struct output *out, const struct filter *calls)
{
	struct stack *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->out = out;
	s->calls = calls;
	taskmap_init(&s->tasks, sizeof(struct stack_task), task_fini);
	return s;
}

int
stack_attach(struct stack *s, struct utrace_task *task,
             const struct attach_opts *opts)
{
	return attach_engine(task, opts, &stack_ops, s,
	                     UTRACE_EVENT_SYSCALL | UTRACE_EVENT(DEATH) |
	                             UTRACE_EVENT(REAP));
}

void
stack_free(struct stack *s)
{
	if (!s)
		return;
	taskmap_clear(&s->tasks);
	free(s);
}
