/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Descriptors: read, write, pread64, pwrite64, close, lseek, dup, dup2,
 * dup3, pipe, pipe2, getdents64.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "../mem.h"
#include "decode.h"
#include "table.h"

static const struct flag whences[] = {
	FLAG(SEEK_SET),  FLAG(SEEK_CUR),  FLAG(SEEK_END),
	FLAG(SEEK_DATA), FLAG(SEEK_HOLE), FLAG_END,
};

static void
fd_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
}

static void
fd_sep_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
}

/* read, pread64: the buffer holds what was read, at exit. */
static void
read_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[1]);
	else
		fmt_buf(l, c, c->sc.args[1], (uint64_t)c->rval);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[2]);
}

static void
pread_exit(struct dcall *c, struct line *l)
{
	read_exit(c, l);
	line_printf(l, ", %lld", (long long)c->sc.args[3]);
}

static void
write_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_buf(l, c, c->sc.args[1], c->sc.args[2]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[2]);
}

static void
pwrite_entry(struct dcall *c, struct line *l)
{
	write_entry(c, l);
	line_printf(l, ", %lld", (long long)c->sc.args[3]);
}

static void
lseek_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	line_printf(l, ", %lld, ", (long long)c->sc.args[1]);
	fmt_xval(l, whences, c->sc.args[2] & 0xffffffff, "SEEK_???");
}

static void
dup2_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_int(l, c->sc.args[1]);
}

static void
dup3_entry(struct dcall *c, struct line *l)
{
	dup2_entry(c, l);
	fmt_sep(l);
	fmt_flags(l, open_flags, c->sc.args[2] & 0xffffffff, "O_???");
}

static void
nothing(struct dcall *c, struct line *l)
{
}

static void
fmt_fd_pair(struct dcall *c, struct line *l, uint64_t addr)
{
	int fds[2];

	if (c->is_error)
		fmt_addr(l, addr);
	else if (fmt_read(l, c, addr, fds, sizeof(fds)))
		fmt_int_array(l, c, fds, 2);
}

/* An array of struct iovec: at most -s elements, each buffer at most -s
 * bytes and, when @data is not UINT64_MAX, no more than the @data bytes
 * the call transferred in all. */
static void
fmt_iov(struct line *l, const struct dcall *c, uint64_t addr, uint64_t count,
        uint64_t data, bool contents)
{
	uint64_t iov[2];
	uint64_t at;
	uint64_t i;
	uint64_t len;

	if (!addr) {
		line_puts(l, "NULL");
		return;
	}
	if (count == 0) {
		line_puts(l, "[]");
		return;
	}
	if (!fmt_read(l, c, addr, iov, sizeof(iov)))
		return;
	line_putc(l, '[');
	for (i = 0; i < count; i++) {
		if (i)
			fmt_sep(l);
		/* The element after the last shown is read too: strace
		 * shows where the array stops being readable. */
		at = addr + i * sizeof(iov);
		if (mem_read(c->tid, at, iov, sizeof(iov)) < 0) {
			line_printf(l, "... /* %#llx */",
			            (unsigned long long)at);
			break;
		}
		if (i == c->strsize) {
			line_puts(l, "...");
			break;
		}
		line_puts(l, "{iov_base=");
		if (contents) {
			len = iov[1] < data ? iov[1] : data;
			fmt_buf(l, c, iov[0], len);
			if (data != UINT64_MAX)
				data -= len;
		} else {
			fmt_addr(l, iov[0]);
		}
		line_printf(l, ", iov_len=%llu}", (unsigned long long)iov[1]);
	}
	line_putc(l, ']');
}

static void
writev_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_iov(l, c, c->sc.args[1], c->sc.args[2], UINT64_MAX, true);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[2]);
}

static void
readv_exit(struct dcall *c, struct line *l)
{
	fmt_iov(l, c, c->sc.args[1], c->sc.args[2], (uint64_t)c->rval,
	        !c->is_error);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[2]);
}

static void
pipe_exit(struct dcall *c, struct line *l)
{
	fmt_fd_pair(c, l, c->sc.args[0]);
}

static void
pipe2_exit(struct dcall *c, struct line *l)
{
	fmt_fd_pair(c, l, c->sc.args[0]);
	fmt_sep(l);
	fmt_flags(l, open_flags, c->sc.args[1] & 0xffffffff, "O_???");
}

/* The number of struct linux_dirent64 in @len bytes at @addr; -1 if
 * unreadable.  The program chooses @len: at most 4 MiB are looked at. */
static long
count_dirents(const struct dcall *c, uint64_t addr, uint64_t len)
{
	const uint64_t max = 4u << 20;
	unsigned char *buf;
	uint64_t off = 0;
	uint16_t reclen;
	long count = 0;

	if (len > max)
		len = max;
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || mem_read(c->tid, addr, buf, (size_t)len) < 0) {
		free(buf);
		return -1;
	}
	/* d_reclen follows d_ino and d_off (8 bytes each). */
	while (off + 18 <= len) {
		reclen = (uint16_t)(buf[off + 16] | buf[off + 17] << 8);
		if (reclen == 0)
			break;
		count++;
		off += reclen;
	}
	free(buf);
	return count;
}

static void
getdents64_exit(struct dcall *c, struct line *l)
{
	long n;

	fmt_addr(l, c->sc.args[1]);
	if (!c->is_error) {
		n = count_dirents(c, c->sc.args[1], (uint64_t)c->rval);
		if (n >= 0)
			line_printf(l, " /* %ld entries */", n);
	}
	line_printf(l, ", %u", (unsigned)c->sc.args[2]);
}

/* --- fcntl --- */

enum fcntl_arg {
	F_ARG_NONE,
	F_ARG_INT,
	F_ARG_FD_FLAGS,
	F_ARG_FL_FLAGS,
	F_ARG_FLOCK_IN,
	F_ARG_FLOCK_OUT,
	F_ARG_SEALS,
	F_ARG_HEX,
	F_ARG_OWNER_IN,
	F_ARG_OWNER_OUT,
};

static const struct {
	uint64_t cmd;
	const char *name;
	enum fcntl_arg arg;
} fcntl_cmds[] = {
	{ 0, "F_DUPFD", F_ARG_INT },
	{ 1, "F_GETFD", F_ARG_NONE },
	{ 2, "F_SETFD", F_ARG_FD_FLAGS },
	{ 3, "F_GETFL", F_ARG_NONE },
	{ 4, "F_SETFL", F_ARG_FL_FLAGS },
	{ 5, "F_GETLK", F_ARG_FLOCK_OUT },
	{ 6, "F_SETLK", F_ARG_FLOCK_IN },
	{ 7, "F_SETLKW", F_ARG_FLOCK_IN },
	{ 8, "F_SETOWN", F_ARG_INT },
	{ 9, "F_GETOWN", F_ARG_NONE },
	{ 10, "F_SETSIG", F_ARG_INT },
	{ 11, "F_GETSIG", F_ARG_NONE },
	{ 15, "F_SETOWN_EX", F_ARG_OWNER_IN },
	{ 16, "F_GETOWN_EX", F_ARG_OWNER_OUT },
	{ 36, "F_OFD_GETLK", F_ARG_FLOCK_OUT },
	{ 37, "F_OFD_SETLK", F_ARG_FLOCK_IN },
	{ 38, "F_OFD_SETLKW", F_ARG_FLOCK_IN },
	{ 1024, "F_SETLEASE", F_ARG_HEX },
	{ 1025, "F_GETLEASE", F_ARG_NONE },
	{ 1030, "F_DUPFD_CLOEXEC", F_ARG_INT },
	{ 1031, "F_SETPIPE_SZ", F_ARG_INT },
	{ 1032, "F_GETPIPE_SZ", F_ARG_NONE },
	{ 1033, "F_ADD_SEALS", F_ARG_SEALS },
	{ 1034, "F_GET_SEALS", F_ARG_NONE },
};

static const struct flag fd_flags[] = {
	{ 1, "FD_CLOEXEC" },
	FLAG_END,
};

static const struct flag seals[] = {
	{ 1, "F_SEAL_SEAL" },          { 2, "F_SEAL_SHRINK" },
	{ 4, "F_SEAL_GROW" },          { 8, "F_SEAL_WRITE" },
	{ 16, "F_SEAL_FUTURE_WRITE" }, FLAG_END,
};

static const struct flag lock_types[] = {
	{ 0, "F_RDLCK" },
	{ 1, "F_WRLCK" },
	{ 2, "F_UNLCK" },
	FLAG_END,
};

static const struct flag owner_types[] = {
	{ 0, "F_OWNER_TID" },
	{ 1, "F_OWNER_PID" },
	{ 2, "F_OWNER_PGRP" },
	FLAG_END,
};

static void
fmt_owner(struct line *l, const struct dcall *c, uint64_t addr)
{
	int32_t o[2];

	if (!fmt_read(l, c, addr, o, sizeof(o)))
		return;
	line_puts(l, "{type=");
	fmt_xval(l, owner_types, (uint64_t)(uint32_t)o[0], "F_OWNER_???");
	line_printf(l, ", pid=%d}", o[1]);
}

static int
fcntl_index(uint64_t cmd)
{
	size_t i;

	for (i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		if (fcntl_cmds[i].cmd == cmd)
			return (int)i;
	return -1;
}

static void
fmt_flock(struct line *l, const struct dcall *c, uint64_t addr)
{
	struct {
		int16_t l_type;
		int16_t l_whence;
		int64_t l_start;
		int64_t l_len;
		int32_t l_pid;
	} fl;

	if (!fmt_read(l, c, addr, &fl, sizeof(fl)))
		return;
	line_puts(l, "{l_type=");
	fmt_xval(l, lock_types, (uint64_t)(uint16_t)fl.l_type, "F_???");
	line_puts(l, ", l_whence=");
	fmt_xval(l, whences, (uint64_t)(uint16_t)fl.l_whence, "SEEK_???");
	line_printf(l, ", l_start=%lld, l_len=%lld, l_pid=%d}",
	            (long long)fl.l_start, (long long)fl.l_len, fl.l_pid);
}

static void
fcntl_entry(struct dcall *c, struct line *l)
{
	uint64_t cmd = c->sc.args[1] & 0xffffffff;
	uint64_t arg = c->sc.args[2];
	int i = fcntl_index(cmd);

	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	if (i < 0) {
		line_printf(l, "%#llx /* F_??? */, ", (unsigned long long)cmd);
		fmt_hex(l, arg);
		return;
	}
	line_puts(l, fcntl_cmds[i].name);
	switch (fcntl_cmds[i].arg) {
	case F_ARG_NONE:
	case F_ARG_FLOCK_OUT:
	case F_ARG_OWNER_OUT:
		break;
	case F_ARG_OWNER_IN:
		fmt_sep(l);
		fmt_owner(l, c, arg);
		break;
	case F_ARG_INT:
		fmt_sep(l);
		fmt_int(l, arg);
		break;
	case F_ARG_HEX:
		fmt_sep(l);
		fmt_hex(l, arg);
		break;
	case F_ARG_FD_FLAGS:
		fmt_sep(l);
		fmt_flags(l, fd_flags, arg & 0xffffffff, "FD_???");
		break;
	case F_ARG_FL_FLAGS:
		fmt_sep(l);
		fmt_open_flags(l, arg & 0xffffffff);
		break;
	case F_ARG_SEALS:
		fmt_sep(l);
		fmt_flags(l, seals, arg & 0xffffffff, "F_SEAL_???");
		break;
	case F_ARG_FLOCK_IN:
		fmt_sep(l);
		fmt_flock(l, c, arg);
		break;
	}
}

static void
fcntl_exit(struct dcall *c, struct line *l)
{
	int i = fcntl_index(c->sc.args[1] & 0xffffffff);

	if (i < 0 || (fcntl_cmds[i].arg != F_ARG_FLOCK_OUT &&
	              fcntl_cmds[i].arg != F_ARG_OWNER_OUT))
		return;
	fmt_sep(l);
	if (c->is_error)
		fmt_addr(l, c->sc.args[2]);
	else if (fcntl_cmds[i].arg == F_ARG_FLOCK_OUT)
		fmt_flock(l, c, c->sc.args[2]);
	else
		fmt_owner(l, c, c->sc.args[2]);
}

/* F_GETFD, F_GETFL and F_GET_SEALS return flags: "0x1 (flags ...)". */
static bool
fcntl_result(const struct dcall *c, struct line *l)
{
	uint64_t cmd = c->sc.args[1] & 0xffffffff;
	uint64_t v = (uint64_t)c->rval;

	if (v == 0 || (cmd != 1 && cmd != 3 && cmd != 1034))
		return false;
	line_printf(l, "%#llx (%s ", (unsigned long long)v,
	            cmd == 1034 ? "seals" : "flags");
	if (cmd == 1)
		fmt_flags(l, fd_flags, v, "FD_???");
	else if (cmd == 3)
		fmt_open_flags(l, v);
	else
		fmt_flags(l, seals, v, "F_SEAL_???");
	line_putc(l, ')');
	return true;
}

static const struct flag fadvices[] = {
	{ 0, "POSIX_FADV_NORMAL" },
	{ 1, "POSIX_FADV_RANDOM" },
	{ 2, "POSIX_FADV_SEQUENTIAL" },
	{ 3, "POSIX_FADV_WILLNEED" },
	{ 4, "POSIX_FADV_DONTNEED" },
	{ 5, "POSIX_FADV_NOREUSE" },
	FLAG_END,
};

static void
fadvise64_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	line_printf(l, ", %lld, %lld, ", (long long)c->sc.args[1],
	            (long long)c->sc.args[2]);
	fmt_xval(l, fadvices, c->sc.args[3] & 0xffffffff, "POSIX_FADV_???");
}

static void
fmt_offset_ptr(struct line *l, const struct dcall *c, uint64_t addr)
{
	int64_t off;

	if (fmt_read(l, c, addr, &off, sizeof(off)))
		line_printf(l, "[%lld]", (long long)off);
}

static void
copy_file_range_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_offset_ptr(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_int(l, c->sc.args[2]);
	fmt_sep(l);
	fmt_offset_ptr(l, c, c->sc.args[3]);
	line_printf(l, ", %llu, %u", (unsigned long long)c->sc.args[4],
	            (unsigned)c->sc.args[5]);
}

const struct decoder io_decoders[] = {
	{ "read", fd_sep_entry, read_exit },
	{ "write", write_entry, NULL },
	{ "pread64", fd_sep_entry, pread_exit },
	{ "pwrite64", pwrite_entry, NULL },
	{ "readv", fd_sep_entry, readv_exit },
	{ "writev", writev_entry, NULL },
	{ "close", fd_entry, NULL },
	{ "lseek", lseek_entry, NULL },
	{ "dup", fd_entry, NULL },
	{ "dup2", dup2_entry, NULL },
	{ "dup3", dup3_entry, NULL },
	{ "pipe", nothing, pipe_exit },
	{ "pipe2", nothing, pipe2_exit },
	{ "getdents64", fd_sep_entry, getdents64_exit },
	{ "fcntl", fcntl_entry, fcntl_exit, fcntl_result },
	{ "fadvise64", fadvise64_entry, NULL },
	{ "copy_file_range", copy_file_range_entry, NULL },
	{ NULL, NULL, NULL },
};
