/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>

#include "taskmap.h"

struct taskmap_entry {
	struct taskmap_entry *next;
	const struct utrace_task *task;
	/* The state follows, aligned for any type. */
	max_align_t state[];
};

static size_t
bucket(const struct utrace_task *task)
{
	uintptr_t v = (uintptr_t)task;

	/* Allocations are aligned: the low bits say nothing. */
	v ^= v >> 12;
	return (v >> 4) % TASKMAP_BUCKETS;
}

void
taskmap_init(struct taskmap *m, size_t state_size, void (*fini)(void *state))
{
	size_t i;

	m->state_size = state_size;
	m->fini = fini;
	for (i = 0; i < TASKMAP_BUCKETS; i++)
		m->buckets[i] = NULL;
}

void *
taskmap_find(const struct taskmap *m, const struct utrace_task *task)
{
	struct taskmap_entry *e;

	for (e = m->buckets[bucket(task)]; e; e = e->next)
		if (e->task == task)
			return e->state;
	return NULL;
}

void *
taskmap_get(struct taskmap *m, const struct utrace_task *task, bool *ret_new)
{
	struct taskmap_entry *e;
	void *state = taskmap_find(m, task);
	size_t b;

	if (ret_new)
		*ret_new = !state;
	if (state)
		return state;
	e = calloc(1, sizeof(*e) + m->state_size);
	if (!e)
		return NULL;
	b = bucket(task);
	e->task = task;
	e->next = m->buckets[b];
	m->buckets[b] = e;
	return e->state;
}

static void
entry_free(const struct taskmap *m, struct taskmap_entry *e)
{
	if (m->fini)
		m->fini(e->state);
	free(e);
}

void
taskmap_remove(struct taskmap *m, const struct utrace_task *task)
{
	struct taskmap_entry **p = &m->buckets[bucket(task)];
	struct taskmap_entry *e;

	for (; (e = *p); p = &e->next) {
		if (e->task == task) {
			*p = e->next;
			entry_free(m, e);
			return;
		}
	}
}

void
taskmap_for_each(const struct taskmap *m, void (*fn)(void *state, void *data),
                 void *data)
{
	struct taskmap_entry *e;
	size_t i;

	for (i = 0; i < TASKMAP_BUCKETS; i++)
		for (e = m->buckets[i]; e; e = e->next)
			fn(e->state, data);
}

void
taskmap_clear(struct taskmap *m)
{
	struct taskmap_entry *e;
	size_t i;

	for (i = 0; i < TASKMAP_BUCKETS; i++) {
		while ((e = m->buckets[i])) {
			m->buckets[i] = e->next;
			entry_free(m, e);
		}
	}
}
