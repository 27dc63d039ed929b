/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Syscall stops: reading them with PTRACE_GET_SYSCALL_INFO, writing the
 * engines' changes back with PTRACE_SET_SYSCALL_INFO (Linux 6.16) or
 * through registers, and the syscall name tables generated from the
 * system's kernel headers.
 */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <string.h>
#include <sys/ptrace.h>

#include "syscall-table.h"
#include "utrace-private.h"

#ifndef PTRACE_SET_SYSCALL_INFO
#define PTRACE_SET_SYSCALL_INFO 0x4212
#endif

static bool
rval_is_error(int64_t rval)
{
	return rval < 0 && rval >= -4095;
}

/* Returns the PTRACE_SYSCALL_INFO_* op of the stop, or -errno. */
int
syscall_fetch(struct utrace_task *t)
{
	struct stop *s = &t->stop;
	struct sysinfo_raw *raw = &s->raw;
	struct utrace_syscall *sc = &s->sc;

	memset(raw, 0, sizeof(*raw));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, atomic_load(&t->tid), sizeof(*raw),
	           raw) < 0)
		return -errno;

	sc->arch = raw->arch;
	sc->ip = raw->instruction_pointer;
	sc->sp = raw->stack_pointer;
	switch (raw->op) {
	case PTRACE_SYSCALL_INFO_ENTRY:
		sc->nr = (int64_t)raw->entry.nr;
		memcpy(sc->args, raw->entry.args, sizeof(sc->args));
		sc->rval = -ENOSYS;
		sc->is_error = true;
		break;
	case PTRACE_SYSCALL_INFO_SECCOMP:
		sc->nr = (int64_t)raw->seccomp.nr;
		memcpy(sc->args, raw->seccomp.args, sizeof(sc->args));
		sc->rval = -ENOSYS;
		sc->is_error = true;
		break;
	case PTRACE_SYSCALL_INFO_EXIT:
		/* nr and args stay those of the entry stop */
		sc->rval = raw->exit.rval;
		sc->is_error = raw->exit.is_error;
		break;
	default:
		break;
	}
	s->orig_sc = *sc;
	return raw->op;
}

static int
sysinfo_set(struct utrace_task *t)
{
	if (ptrace(PTRACE_SET_SYSCALL_INFO, atomic_load(&t->tid),
	           sizeof(t->stop.raw), &t->stop.raw) == 0)
		return 0;
	return -errno;
}

/* Writes what the engines changed in the syscall of the current stop. */
int
syscall_write_back(struct utrace_task *t)
{
	struct stop *s = &t->stop;
	struct utrace_syscall *sc = &s->sc;
	bool entry = s->kind == STOP_SYSCALL_ENTRY;
	bool abort =
		entry && utrace_syscall_action(s->disp) == UTRACE_SYSCALL_ABORT;
	bool regs = (t->u->flags & UTRACE_OPT_SYSCALL_INFO_REGS) ||
	            t->u->no_set_sysinfo;
	int r;

	if (entry) {
		if (!abort && sc->nr == s->orig_sc.nr &&
		    !memcmp(sc->args, s->orig_sc.args, sizeof(sc->args)))
			return 0;
		if (abort) {
			t->abort_pending = true;
			t->abort_rval = sc->rval;
		}
	} else {
		if (sc->rval == s->orig_sc.rval)
			return 0;
		sc->is_error = rval_is_error(sc->rval);
	}
	/* Detaching now means no exit stop will set an aborted return. */
	if (abort && t->detach_pending)
		regs = true;

	if (!regs) {
		if (entry && s->raw.op == PTRACE_SYSCALL_INFO_SECCOMP) {
			s->raw.seccomp.nr =
				abort ? (uint64_t)-1 : (uint64_t)sc->nr;
			memcpy(s->raw.seccomp.args, sc->args,
			       sizeof(s->raw.seccomp.args));
		} else if (entry) {
			s->raw.entry.nr =
				abort ? (uint64_t)-1 : (uint64_t)sc->nr;
			memcpy(s->raw.entry.args, sc->args,
			       sizeof(s->raw.entry.args));
		} else {
			s->raw.exit.rval = sc->rval;
			s->raw.exit.is_error = sc->is_error;
		}
		r = sysinfo_set(t);
		if (r != -EIO)
			return r;
		/* A kernel without the request: registers from now on. */
		t->u->no_set_sysinfo = true;
	}
	return regs_syscall_write(t, entry, abort);
}

struct table {
	uint32_t arch;
	const char *const *names;
	size_t len;
};

static const struct table tables[] = {
	{ AUDIT_ARCH_X86_64, syscall_names_x86_64,
	  ARRAY_SIZE(syscall_names_x86_64) },
	{ AUDIT_ARCH_I386, syscall_names_i386, ARRAY_SIZE(syscall_names_i386) },
};

static const struct table *
table_of(uint32_t arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		if (tables[i].arch == arch)
			return &tables[i];
	return NULL;
}

UTRACE_EXPORT const char *
utrace_syscall_name(uint32_t arch, int64_t nr)
{
	const struct table *tb = table_of(arch);

	if (!tb || nr < 0 || (uint64_t)nr >= tb->len)
		return NULL;
	return tb->names[nr];
}

UTRACE_EXPORT int
utrace_syscall_lookup(uint32_t arch, const char *name, int64_t *ret_nr)
{
	const struct table *tb = table_of(arch);

	assert_return(name, -EINVAL);
	assert_return(ret_nr, -EINVAL);
	if (!tb)
		return -ENOENT;
	for (size_t i = 0; i < tb->len; i++) {
		if (tb->names[i] && strcmp(tb->names[i], name) == 0) {
			*ret_nr = (int64_t)i;
			return 0;
		}
	}
	return -ENOENT;
}
