/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * process_vm_readv(2) only: a page the program mapped without read
 * permission reads as a fault, and the decoders print its address, as
 * strace does.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/uio.h>

#include "mem.h"

#define PAGE 4096u

/* Addresses above this are never user memory on any 64-bit arch Linux
 * runs on; checking also keeps @addr + @len from wrapping. */
#define USER_LIMIT (1ull << 57)

static bool
range_ok(uint64_t addr, size_t len)
{
	return addr < USER_LIMIT && len <= USER_LIMIT - addr;
}

static ssize_t
read_vm(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	/* An address in the program, never dereferenced here. */
	struct iovec remote = {
		.iov_base = (void *)(uintptr_t)addr, /* NOLINT */
		.iov_len = len,
	};

	return process_vm_readv(tid, &local, 1, &remote, 1, 0);
}

/* Reads a range that does not cross a page: all of it or nothing. */
static int
read_chunk(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	return read_vm(tid, addr, buf, len) == (ssize_t)len ? 0 : -EFAULT;
}

int
mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	char *p = buf;
	size_t n;

	if (len == 0)
		return 0;
	if (addr == 0 || !range_ok(addr, len))
		return -EFAULT;
	/* The common case, in one call. */
	if (read_vm(tid, addr, buf, len) == (ssize_t)len)
		return 0;
	while (len) {
		n = PAGE - (addr % PAGE);
		if (n > len)
			n = len;
		if (read_chunk(tid, addr, p, n) < 0)
			return -EFAULT;
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t
mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t done = 0;
	size_t n;
	char *nul;

	if (size == 0)
		return -ENAMETOOLONG;
	if (addr == 0 || !range_ok(addr, size))
		return -EFAULT;
	/* Page by page: the string may end just before an unmapped page. */
	while (done < size) {
		n = PAGE - ((addr + done) % PAGE);
		if (n > size - done)
			n = size - done;
		if (read_chunk(tid, addr + done, buf + done, n) < 0)
			return -EFAULT;
		nul = memchr(buf + done, '\0', n);
		if (nul)
			return nul - buf;
		done += n;
	}
	return -ENAMETOOLONG;
}
