/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-task state of an engine attached with UTRACE_ATTACH_FOLLOW.  Such
 * an engine is copied to every new thread and child with the same data,
 * so its data is shared: what it keeps per task lives in a table keyed by
 * the task handle.  An entry is made, zeroed, at the first lookup and
 * dropped at the task's reap report (the last one), before the library
 * can reuse the handle's memory.  Callbacks run on the tracer thread one
 * at a time: the table needs no lock.
 */
#ifndef MSTRACE_TASKMAP_H
#define MSTRACE_TASKMAP_H

#include <stdbool.h>
#include <stddef.h>

#include <utrace/utrace.h>

#define TASKMAP_BUCKETS 256

struct taskmap_entry;

struct taskmap {
	size_t state_size;
	/* Called on a state before it is freed; may be NULL. */
	void (*fini)(void *state);
	struct taskmap_entry *buckets[TASKMAP_BUCKETS];
};

void taskmap_init(struct taskmap *m, size_t state_size,
                  void (*fini)(void *state));

/* The state of @task, made zeroed if there is none; *@ret_new says so
 * (may be NULL).  NULL when out of memory. */
void *taskmap_get(struct taskmap *m, const struct utrace_task *task,
                  bool *ret_new);

/* The state of @task, or NULL. */
void *taskmap_find(const struct taskmap *m, const struct utrace_task *task);

/* Drop the state of @task, if any. */
void taskmap_remove(struct taskmap *m, const struct utrace_task *task);

/* For each state: @fn(state, @data). */
void taskmap_for_each(const struct taskmap *m,
                      void (*fn)(void *state, void *data), void *data);

/* Drop every state. */
void taskmap_clear(struct taskmap *m);

#endif /* MSTRACE_TASKMAP_H */
