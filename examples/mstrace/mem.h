/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the traced program's memory.  The decoders read only through
 * these two calls, so that they can move to the library's own memory API
 * once it has one.  The program controls its memory: every read is
 * bounded by the caller's buffer, and an address it cannot read is an
 * error, never a crash.
 */
#ifndef MSTRACE_MEM_H
#define MSTRACE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read exactly @len bytes at @addr of thread @tid into @buf.  Returns 0,
 * or -EFAULT if any of them cannot be read (@buf is then undefined). */
int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Read a NUL-terminated string at @addr, at most @size bytes including
 * the NUL.  Returns its length (the NUL is in @buf), -ENAMETOOLONG if no
 * NUL is within @size bytes (@buf holds the @size bytes read), or -EFAULT
 * if a byte before the NUL or the limit cannot be read. */
ssize_t mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t size);

#endif /* MSTRACE_MEM_H */
