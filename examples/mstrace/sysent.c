/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/audit.h>
#include <stddef.h>
#include <string.h>

#include <utrace/utrace.h>

#include "sysent.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct sysent table[] = {
#define SYSCALL(name, nargs, flags) { #name, nargs, flags },
#include "syscalls.def"
#undef SYSCALL
};

/* The class names of -e trace=%NAME.  "%stat" stands for strace's
 * "%%stat" (the leading '%' is stripped by the caller). */
static const struct {
	const char *name;
	uint32_t bit;
} classes[] = {
	{ "file", C_FILE },       { "ipc", C_IPC },
	{ "network", C_NETWORK }, { "net", C_NETWORK },
	{ "process", C_PROCESS }, { "signal", C_SIGNAL },
	{ "desc", C_DESC },       { "memory", C_MEMORY },
	{ "creds", C_CREDS },     { "clock", C_CLOCK },
	{ "pure", C_PURE },       { "stat", C_STAT },
	{ "lstat", C_LSTAT },     { "fstat", C_FSTAT },
	{ "%stat", C_STAT_LIKE }, { "statfs", C_STATFS },
	{ "fstatfs", C_FSTATFS }, { "%statfs", C_STATFS_LIKE },
};

const struct sysent *
sysent_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* The x86_64 numbers, resolved once by sysent_init() before any other
 * thread runs, read-only after that: the printer asks at every call. */
#define CACHE_SIZE 512
static const struct sysent *cache[CACHE_SIZE];

void
sysent_init(void)
{
	int64_t nr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (utrace_syscall_lookup(AUDIT_ARCH_X86_64, table[i].name,
		                          &nr) == 0 &&
		    nr >= 0 && nr < CACHE_SIZE)
			cache[nr] = &table[i];
}

const struct sysent *
sysent_lookup(uint32_t arch, int64_t nr)
{
	const char *name;

	if (arch == AUDIT_ARCH_X86_64)
		return nr >= 0 && nr < CACHE_SIZE ? cache[nr] : NULL;
	name = utrace_syscall_name(arch, nr);
	return name ? sysent_by_name(name) : NULL;
}

uint32_t
sysent_class(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (strcmp(classes[i].name, name) == 0)
			return classes[i].bit;
	return 0;
}

void
sysent_for_each(void (*fn)(const struct sysent *e, void *data), void *data)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		fn(&table[i], data);
}
