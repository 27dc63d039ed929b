/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tracee memory.  process_vm_readv/writev first: one system call, and it
 * works on a running task.  What they refuse (process_vm_writev cannot
 * write read-only pages such as program text; neither reads pages without
 * read permission) goes through /proc/<tid>/mem, which the kernel lets a
 * tracer read and write like ptrace does.  That descriptor is opened once
 * per address space and reopened after exec: the old one reads EOF.
 *
 * Breakpoints are masked: a read shows the program's bytes, a write over
 * a breakpoint changes the byte it will restore and keeps the trap.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "debug-private.h"
#include "utrace-private.h"

/* /proc offsets are signed: the top half of the address space is out. */
static bool
range_ok(uint64_t addr, size_t len)
{
	return addr <= INT64_MAX && len <= (uint64_t)INT64_MAX - addr;
}

int
mem_fd(struct debug_mm *mm, pid_t tid)
{
	char path[64];
	int fd;

	if (mm->mem_fd >= 0)
		return mm->mem_fd;
	(void)snprintf(path, sizeof(path), "/proc/%d/mem", tid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	mm->mem_fd = fd;
	return fd;
}

void
mem_close(struct debug_mm *mm)
{
	if (mm->mem_fd >= 0)
		(void)close(mm->mem_fd);
	mm->mem_fd = -1;
}

/* Reads through /proc/<tid>/mem until done or refused; adds to *@done. */
static int
proc_read(struct debug_mm *mm, pid_t tid, uint64_t addr, uint8_t *buf,
          size_t len, size_t *done)
{
	int fd = mem_fd(mm, tid);

	if (fd < 0)
		return fd;
	while (*done < len) {
		ssize_t n = pread(fd, buf + *done, len - *done,
		                  (off_t)(addr + *done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*done += (size_t)n;
	}
	return 0;
}

static int
proc_write(struct debug_mm *mm, pid_t tid, uint64_t addr, const uint8_t *buf,
           size_t len, size_t *done)
{
	int fd = mem_fd(mm, tid);

	if (fd < 0)
		return fd;
	while (*done < len) {
		ssize_t n = pwrite(fd, buf + *done, len - *done,
		                   (off_t)(addr + *done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*done += (size_t)n;
	}
	return 0;
}

/* Reads without masking breakpoints.  0 with *@ret_len possibly short. */
int
mem_read_raw(struct utrace_task *t, uint64_t addr, void *buf, size_t len,
             size_t *ret_len)
{
	pid_t tid = atomic_load(&t->tid);
	struct debug_mm *mm;
	size_t done = 0;
	int r;

	*ret_len = 0;
	if (!range_ok(addr, len))
		return 0;
#if HAVE_PROCESS_VM_READV
	{
		struct iovec local = { .iov_base = buf, .iov_len = len };
		/* A tracee address, never dereferenced here. */
		struct iovec remote = {
			.iov_base = (void *)(uintptr_t)addr, /* NOLINT */
			.iov_len = len
		};
		ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

		if (n > 0)
			done = (size_t)n;
		else if (n < 0 && errno == ESRCH)
			return -ESRCH;
	}
#endif
	if (done < len) {
		mm = debug_mm_of(t, true);
		if (!mm)
			return -ENOMEM;
		r = proc_read(mm, tid, addr, buf, len, &done);
		if (r < 0 && !done)
			return r == -ESRCH ? -ESRCH : 0;
	}
	*ret_len = done;
	return 0;
}

static int
mem_write_raw(struct utrace_task *t, uint64_t addr, const void *buf, size_t len,
              size_t *ret_len)
{
	pid_t tid = atomic_load(&t->tid);
	struct debug_mm *mm;
	size_t done = 0;
	int r;

	*ret_len = 0;
	if (!range_ok(addr, len))
		return 0;
#if HAVE_PROCESS_VM_READV
	{
		struct iovec local = { .iov_base = (void *)buf,
			               .iov_len = len };
		struct iovec remote = {
			.iov_base = (void *)(uintptr_t)addr, /* NOLINT */
			.iov_len = len
		};
		ssize_t n = process_vm_writev(tid, &local, 1, &remote, 1, 0);

		if (n > 0)
			done = (size_t)n;
		else if (n < 0 && errno == ESRCH)
			return -ESRCH;
	}
#endif
	if (done < len) {
		mm = debug_mm_of(t, true);
		if (!mm)
			return -ENOMEM;
		r = proc_write(mm, tid, addr, buf, len, &done);
		if (r < 0 && !done)
			return r == -ESRCH ? -ESRCH : 0;
	}
	*ret_len = done;
	return 0;
}

/* One byte of text, through /proc/<tid>/mem (text is read-only). */
int
mem_poke(struct debug_mm *mm, pid_t tid, uint64_t addr, uint8_t byte)
{
	size_t done = 0;
	int r;

	if (!range_ok(addr, 1))
		return -EFAULT;
	r = proc_write(mm, tid, addr, &byte, 1, &done);
	if (r < 0)
		return r;
	return done == 1 ? 0 : -EFAULT;
}

int
mem_peek(struct debug_mm *mm, pid_t tid, uint64_t addr, uint8_t *ret)
{
	size_t done = 0;
	int r;

	if (!range_ok(addr, 1))
		return -EFAULT;
	r = proc_read(mm, tid, addr, ret, 1, &done);
	if (r < 0)
		return r;
	return done == 1 ? 0 : -EFAULT;
}

/* ---- public API ------------------------------------------------------- */

struct mem_args {
	struct utrace_task *task;
	uint64_t addr;
	void *buf;
	const void *wbuf;
	size_t len;
	size_t done;
};

static int
do_read_mem(struct utrace *u, void *arg)
{
	struct mem_args *a = arg;
	struct utrace_task *t = a->task;
	int r;

	(void)u;
	r = debug_check_traced(t);
	if (r < 0)
		return r;
	r = mem_read_raw(t, a->addr, a->buf, a->len, &a->done);
	if (r < 0)
		return r;
	if (!a->done)
		return -EFAULT;
	if (t->debug && t->debug->mm)
		bp_mask(t->debug->mm, a->addr, a->buf, a->done);
	return 0;
}

/* Runs @fn on the tracer thread; the byte count goes to @ret_len.
 * Returns @fn's result (1: a truncated string). */
static int
mem_call(int (*fn)(struct utrace *, void *), struct mem_args *a,
         size_t *ret_len)
{
	int r = cmdq_call(a->task->u, fn, a);

	if (r < 0)
		return r;
	*ret_len = a->done;
	return r;
}

UTRACE_EXPORT int
utrace_task_read_mem(struct utrace_task *task, uint64_t addr, void *buf,
                     size_t len, size_t *ret_len)
{
	struct mem_args a = {
		.task = task, .addr = addr, .buf = buf, .len = len
	};

	assert_return(task && buf && len > 0 && ret_len, -EINVAL);
	return mem_call(do_read_mem, &a, ret_len);
}

/*
 * The bytes to write with the trap instruction kept wherever a breakpoint
 * is inserted, so that no thread runs the original instruction meanwhile;
 * the breakpoints' original bytes become the new ones.
 */
static int
write_with_bps(struct utrace_task *t, struct debug_mm *mm, uint64_t addr,
               const uint8_t *buf, size_t len, size_t *ret_len)
{
	struct list_head *pos;
	uint8_t *copy;
	bool any = false;
	int r;

	list_for_each(pos, &mm->bps) {
		struct bp *bp = list_entry(pos, struct bp, node);

		if (bp->addr >= addr && bp->addr - addr < len)
			any = true;
	}
	if (!any)
		return mem_write_raw(t, addr, buf, len, ret_len);

	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	list_for_each(pos, &mm->bps) {
		struct bp *bp = list_entry(pos, struct bp, node);

		if (bp->addr >= addr && bp->addr - addr < len && bp->inserted)
			copy[bp->addr - addr] = arch_bp_insn;
	}
	r = mem_write_raw(t, addr, copy, len, ret_len);
	free(copy);
	if (r < 0)
		return r;
	list_for_each(pos, &mm->bps) {
		struct bp *bp = list_entry(pos, struct bp, node);

		if (bp->addr >= addr && bp->addr - addr < *ret_len)
			bp->orig = buf[bp->addr - addr];
	}
	return 0;
}

static int
do_write_mem(struct utrace *u, void *arg)
{
	struct mem_args *a = arg;
	struct utrace_task *t = a->task;
	struct debug_mm *mm;
	int r;

	(void)u;
	r = debug_check_traced(t);
	if (r < 0)
		return r;
	mm = debug_mm_of(t, false);
	if (mm)
		r = write_with_bps(t, mm, a->addr, a->wbuf, a->len, &a->done);
	else
		r = mem_write_raw(t, a->addr, a->wbuf, a->len, &a->done);
	if (r < 0)
		return r;
	return a->done ? 0 : -EFAULT;
}

UTRACE_EXPORT int
utrace_task_write_mem(struct utrace_task *task, uint64_t addr, const void *buf,
                      size_t len, size_t *ret_len)
{
	struct mem_args a = {
		.task = task, .addr = addr, .wbuf = buf, .len = len
	};

	assert_return(task && buf && len > 0 && ret_len, -EINVAL);
	return mem_call(do_write_mem, &a, ret_len);
}

static int
do_read_string(struct utrace *u, void *arg)
{
	struct mem_args *a = arg;
	struct utrace_task *t = a->task;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char *buf = a->buf;
	size_t len = 0;
	int r;

	(void)u;
	r = debug_check_traced(t);
	if (r < 0)
		return r;
	/* Page by page: a string may end right before an unmapped page.
	 * Up to @size bytes: the last one may be the NUL. */
	while (len < a->len) {
		uint64_t at = a->addr + len;
		size_t chunk = MIN(a->len - len, (size_t)(page - at % page));
		size_t got = 0;
		char *nul;

		if (at < a->addr)
			return -EFAULT; /* wrapped around */
		r = mem_read_raw(t, at, buf + len, chunk, &got);
		if (r < 0)
			return r;
		if (got == 0)
			break;
		if (t->debug && t->debug->mm)
			bp_mask(t->debug->mm, at, (uint8_t *)buf + len, got);
		nul = memchr(buf + len, '\0', got);
		if (nul) {
			a->done = (size_t)(nul - buf);
			return 0;
		}
		len += got;
		if (got < chunk)
			break;
	}
	if (len < a->len)
		return -EFAULT; /* ran into unreadable memory */
	buf[a->len - 1] = '\0';
	a->done = a->len - 1;
	return 1;
}

UTRACE_EXPORT int
utrace_task_read_string(struct utrace_task *task, uint64_t addr, char *buf,
                        size_t size, size_t *ret_len)
{
	struct mem_args a = {
		.task = task, .addr = addr, .buf = buf, .len = size
	};

	assert_return(task && buf && size > 0 && ret_len, -EINVAL);
	return mem_call(do_read_string, &a, ret_len);
}
