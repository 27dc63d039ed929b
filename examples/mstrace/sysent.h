/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What mstrace knows of each system call besides its name and number
 * (which come from the library): the number of arguments, the classes
 * of -e trace=%CLASS, and how its result is printed.  The table is
 * syscalls.def.
 */
#ifndef MSTRACE_SYSENT_H
#define MSTRACE_SYSENT_H

#include <stdbool.h>
#include <stdint.h>

/* Classes. */
#define C_FILE (1u << 0)
#define C_IPC (1u << 1)
#define C_NETWORK (1u << 2)
#define C_PROCESS (1u << 3)
#define C_SIGNAL (1u << 4)
#define C_DESC (1u << 5)
#define C_MEMORY (1u << 6)
#define C_CREDS (1u << 7)
#define C_CLOCK (1u << 8)
#define C_PURE (1u << 9)
#define C_STAT (1u << 10)
#define C_LSTAT (1u << 11)
#define C_FSTAT (1u << 12)
#define C_STAT_LIKE (1u << 13)
#define C_STATFS (1u << 14)
#define C_FSTATFS (1u << 15)
#define C_STATFS_LIKE (1u << 16)
#define C_MASK ((1u << 17) - 1)

/* Result formats (default: signed decimal). */
#define R_HEX (1u << 24)
#define R_OCTAL (1u << 25)

struct sysent {
	const char *name;
	unsigned nargs;
	uint32_t flags;
};

/* Resolve the table's numbers; call once, before the other calls and
 * before other threads use the table. */
void sysent_init(void);

/* The entry of a call, by name; NULL if the table lacks it. */
const struct sysent *sysent_by_name(const char *name);

/* The entry of call @nr of @arch (looked up by its name); NULL for an
 * unknown call. */
const struct sysent *sysent_lookup(uint32_t arch, int64_t nr);

/* The class bit of "%name" without the '%' ("file", "net", "%stat"...);
 * 0 if unknown. */
uint32_t sysent_class(const char *name);

/* For each entry of the table: @fn(entry, @data). */
void sysent_for_each(void (*fn)(const struct sysent *e, void *data),
                     void *data);

#endif /* MSTRACE_SYSENT_H */
