/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Files by name: open, openat, creat, access, faccessat, faccessat2, the
 * stat family, statx, and a few path calls (mkdir, unlink, chdir,
 * getcwd, readlink...).
 *
 * <linux/fcntl.h> rather than <fcntl.h>: the kernel's values, which is
 * what the program passes (glibc defines O_LARGEFILE as 0 on 64-bit).
 */
#include <linux/fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "table.h"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (__O_TMPFILE | O_DIRECTORY)
#endif
#ifndef STATX_DIOALIGN
#define STATX_DIOALIGN 0x00002000U
#endif

/* Everything but the access mode, in the order strace prints them. */
const struct flag open_flags[] = {
	FLAG(O_CREAT),   FLAG(O_EXCL),      FLAG(O_NOCTTY),
	FLAG(O_TRUNC),   FLAG(O_APPEND),    FLAG(O_NONBLOCK),
	FLAG(O_SYNC),    FLAG(O_DSYNC),     FLAG(__O_SYNC),
	FLAG(O_DIRECT),  FLAG(O_LARGEFILE), FLAG(O_NOFOLLOW),
	FLAG(O_NOATIME), FLAG(O_CLOEXEC),   FLAG(O_PATH),
	FLAG(O_TMPFILE), FLAG(O_DIRECTORY), FLAG(FASYNC),
	FLAG_END,
};

static const char *const access_modes[] = {
	"O_RDONLY",
	"O_WRONLY",
	"O_RDWR",
	"O_ACCMODE",
};

const struct flag at_flags[] = {
	FLAG(AT_SYMLINK_NOFOLLOW),
	FLAG(AT_REMOVEDIR),
	FLAG(AT_SYMLINK_FOLLOW),
	FLAG(AT_NO_AUTOMOUNT),
	FLAG(AT_EMPTY_PATH),
	FLAG(AT_RECURSIVE),
	FLAG_END,
};

static const struct flag faccessat_flags[] = {
	FLAG(AT_SYMLINK_NOFOLLOW),
	FLAG(AT_EACCESS),
	FLAG(AT_EMPTY_PATH),
	FLAG_END,
};

static const struct flag statx_flags[] = {
	FLAG(AT_STATX_FORCE_SYNC),
	FLAG(AT_STATX_DONT_SYNC),
	FLAG(AT_SYMLINK_NOFOLLOW),
	FLAG(AT_REMOVEDIR),
	FLAG(AT_SYMLINK_FOLLOW),
	FLAG(AT_NO_AUTOMOUNT),
	FLAG(AT_EMPTY_PATH),
	FLAG(AT_RECURSIVE),
	FLAG_END,
};

static const struct flag statx_masks[] = {
	FLAG(STATX_ALL),    FLAG(STATX_BASIC_STATS),
	FLAG(STATX_TYPE),   FLAG(STATX_MODE),
	FLAG(STATX_NLINK),  FLAG(STATX_UID),
	FLAG(STATX_GID),    FLAG(STATX_ATIME),
	FLAG(STATX_MTIME),  FLAG(STATX_CTIME),
	FLAG(STATX_INO),    FLAG(STATX_SIZE),
	FLAG(STATX_BLOCKS), FLAG(STATX_BTIME),
	FLAG(STATX_MNT_ID), FLAG(STATX_DIOALIGN),
	FLAG_END,
};

static const struct flag statx_attrs[] = {
	{ 0x00000004, "STATX_ATTR_COMPRESSED" },
	{ 0x00000010, "STATX_ATTR_IMMUTABLE" },
	{ 0x00000020, "STATX_ATTR_APPEND" },
	{ 0x00000040, "STATX_ATTR_NODUMP" },
	{ 0x00000800, "STATX_ATTR_ENCRYPTED" },
	{ 0x00001000, "STATX_ATTR_AUTOMOUNT" },
	{ 0x00002000, "STATX_ATTR_MOUNT_ROOT" },
	{ 0x00100000, "STATX_ATTR_VERITY" },
	{ 0x00200000, "STATX_ATTR_DAX" },
	FLAG_END,
};

static const struct flag file_types[] = {
	FLAG(S_IFREG), FLAG(S_IFSOCK), FLAG(S_IFIFO), FLAG(S_IFLNK),
	FLAG(S_IFDIR), FLAG(S_IFBLK),  FLAG(S_IFCHR), FLAG_END,
};

/* The x86_64 struct stat of the kernel (and of glibc). */
struct kernel_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	uint64_t times[6];
	int64_t unused[3];
};

void
fmt_open_flags(struct line *l, uint64_t flags)
{
	flags &= 0xffffffff;
	line_puts(l, access_modes[flags & O_ACCMODE]);
	if (flags & ~(uint64_t)O_ACCMODE) {
		line_putc(l, '|');
		(void)fmt_flags_bare(l, open_flags,
		                     flags & ~(uint64_t)O_ACCMODE);
	}
}

void
fmt_mode(struct line *l, uint64_t mode)
{
	line_printf(l, "%#03o", (unsigned)mode);
}

/* st_mode: "S_IFREG|S_ISUID|0755". */
static void
fmt_file_mode(struct line *l, unsigned mode)
{
	const char *type = flag_name(file_types, mode & S_IFMT);

	if (type) {
		line_printf(l, "%s|", type);
		mode &= ~(unsigned)S_IFMT;
	}
	if (mode & S_ISUID)
		line_puts(l, "S_ISUID|");
	if (mode & S_ISGID)
		line_puts(l, "S_ISGID|");
	if (mode & S_ISVTX)
		line_puts(l, "S_ISVTX|");
	line_printf(l, "%#03o",
	            mode & ~(unsigned)(S_ISUID | S_ISGID | S_ISVTX));
}

static bool
is_device(unsigned mode)
{
	return S_ISCHR(mode) || S_ISBLK(mode);
}

static void
fmt_makedev(struct line *l, unsigned major, unsigned minor)
{
	line_printf(l, "makedev(%#x, %#x)", major, minor);
}

static void
fmt_stat(struct line *l, const struct dcall *c, uint64_t addr)
{
	struct kernel_stat st;
	uint64_t dev;

	if (c->is_error) {
		fmt_addr(l, addr);
		return;
	}
	if (!fmt_read(l, c, addr, &st, sizeof(st)))
		return;
	line_puts(l, "{st_mode=");
	fmt_file_mode(l, st.st_mode);
	if (is_device(st.st_mode)) {
		/* The kernel's new_encode_dev() layout. */
		dev = st.st_rdev;
		line_puts(l, ", st_rdev=");
		fmt_makedev(
			l,
			(unsigned)(((dev >> 32) & 0xfffff000) |
		                   ((dev >> 8) & 0xfff)),
			(unsigned)(((dev >> 12) & 0xffffff00) | (dev & 0xff)));
	} else {
		line_printf(l, ", st_size=%lld", (long long)st.st_size);
	}
	line_puts(l, ", ...}");
}

static void
fmt_statx(struct line *l, const struct dcall *c, uint64_t addr)
{
	struct statx stx;

	if (c->is_error) {
		fmt_addr(l, addr);
		return;
	}
	if (!fmt_read(l, c, addr, &stx, sizeof(stx)))
		return;
	line_puts(l, "{stx_mask=");
	fmt_flags(l, statx_masks, stx.stx_mask, "STATX_???");
	line_puts(l, ", stx_attributes=");
	fmt_flags(l, statx_attrs, stx.stx_attributes, "STATX_ATTR_???");
	line_puts(l, ", stx_mode=");
	fmt_file_mode(l, stx.stx_mode);
	line_printf(l, ", stx_size=%llu, ...}",
	            (unsigned long long)stx.stx_size);
}

static void
open_entry(struct dcall *c, struct line *l)
{
	uint64_t flags = c->sc.args[1];

	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
	fmt_open_flags(l, flags);
	if (flags & (O_CREAT | __O_TMPFILE)) {
		fmt_sep(l);
		fmt_mode(l, c->sc.args[2]);
	}
}

static void
openat_entry(struct dcall *c, struct line *l)
{
	uint64_t flags = c->sc.args[2];

	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_open_flags(l, flags);
	if (flags & (O_CREAT | __O_TMPFILE)) {
		fmt_sep(l);
		fmt_mode(l, c->sc.args[3]);
	}
}

/* path, mode (creat, mkdir, chmod). */
static void
path_mode_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
	fmt_mode(l, c->sc.args[1]);
}

static void
path_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
}

/* path, path (symlink, link, rename). */
static void
path_path_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
}

static void
fmt_access_mode(struct line *l, uint64_t mode)
{
	static const struct flag modes[] = {
		FLAG(R_OK),
		FLAG(W_OK),
		FLAG(X_OK),
		FLAG_END,
	};

	if (mode == 0)
		line_puts(l, "F_OK");
	else
		fmt_flags(l, modes, mode & 0xffffffff, "?_OK");
}

static void
access_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
	fmt_access_mode(l, c->sc.args[1]);
}

static void
faccessat_entry(struct dcall *c, struct line *l)
{
	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_access_mode(l, c->sc.args[2]);
}

static void
faccessat2_entry(struct dcall *c, struct line *l)
{
	faccessat_entry(c, l);
	fmt_sep(l);
	fmt_flags(l, faccessat_flags, c->sc.args[3] & 0xffffffff, "AT_???");
}

/* stat, lstat: the path at entry, the struct at exit. */
static void
stat_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
}

static void
stat_exit(struct dcall *c, struct line *l)
{
	fmt_stat(l, c, c->sc.args[1]);
}

static void
fstat_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
}

static void
newfstatat_entry(struct dcall *c, struct line *l)
{
	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
}

static void
newfstatat_exit(struct dcall *c, struct line *l)
{
	fmt_stat(l, c, c->sc.args[2]);
	fmt_sep(l);
	fmt_flags(l, at_flags, c->sc.args[3] & 0xffffffff, "AT_???");
}

static void
statx_entry(struct dcall *c, struct line *l)
{
	uint64_t flags = c->sc.args[2] & 0xffffffff;

	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
	/* The sync type is a field; 0 has a name of its own. */
	if ((flags & AT_STATX_SYNC_TYPE) == 0) {
		line_puts(l, "AT_STATX_SYNC_AS_STAT");
		if (flags) {
			line_putc(l, '|');
			(void)fmt_flags_bare(l, statx_flags, flags);
		}
	} else {
		fmt_flags(l, statx_flags, flags, "AT_???");
	}
	fmt_sep(l);
	fmt_flags(l, statx_masks, c->sc.args[3] & 0xffffffff, "STATX_???");
	fmt_sep(l);
}

static void
statx_exit(struct dcall *c, struct line *l)
{
	fmt_statx(l, c, c->sc.args[4]);
}

static void
unlinkat_entry(struct dcall *c, struct line *l)
{
	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_flags(l, at_flags, c->sc.args[2] & 0xffffffff, "AT_???");
}

static void
mkdirat_entry(struct dcall *c, struct line *l)
{
	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
	fmt_mode(l, c->sc.args[2]);
}

/* The result is the length of what the call wrote, NUL included. */
static void
getcwd_exit(struct dcall *c, struct line *l)
{
	if (c->is_error)
		fmt_addr(l, c->sc.args[0]);
	else
		fmt_path(l, c, c->sc.args[0]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[1]);
}

static void
readlink_entry(struct dcall *c, struct line *l)
{
	fmt_path(l, c, c->sc.args[0]);
	fmt_sep(l);
}

static void
fmt_readlink_buf(struct dcall *c, struct line *l, uint64_t buf, uint64_t size)
{
	if (c->is_error)
		fmt_addr(l, buf);
	else
		fmt_buf(l, c, buf, (uint64_t)c->rval);
	line_printf(l, ", %llu", (unsigned long long)size);
}

static void
readlink_exit(struct dcall *c, struct line *l)
{
	fmt_readlink_buf(c, l, c->sc.args[1], c->sc.args[2]);
}

static void
readlinkat_entry(struct dcall *c, struct line *l)
{
	fmt_dirfd(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_path(l, c, c->sc.args[1]);
	fmt_sep(l);
}

static void
readlinkat_exit(struct dcall *c, struct line *l)
{
	fmt_readlink_buf(c, l, c->sc.args[2], c->sc.args[3]);
}

static void
umask_entry(struct dcall *c, struct line *l)
{
	fmt_mode(l, c->sc.args[0] & 0xffffffff);
}

static void
nothing(struct dcall *c, struct line *l)
{
}

const struct decoder file_decoders[] = {
	{ "open", open_entry, NULL },
	{ "openat", openat_entry, NULL },
	{ "creat", path_mode_entry, NULL },
	{ "access", access_entry, NULL },
	{ "faccessat", faccessat_entry, NULL },
	{ "faccessat2", faccessat2_entry, NULL },
	{ "stat", stat_entry, stat_exit },
	{ "lstat", stat_entry, stat_exit },
	{ "fstat", fstat_entry, stat_exit },
	{ "newfstatat", newfstatat_entry, newfstatat_exit },
	{ "statx", statx_entry, statx_exit },
	{ "mkdir", path_mode_entry, NULL },
	{ "mkdirat", mkdirat_entry, NULL },
	{ "chmod", path_mode_entry, NULL },
	{ "symlink", path_path_entry, NULL },
	{ "link", path_path_entry, NULL },
	{ "rename", path_path_entry, NULL },
	{ "unlink", path_entry, NULL },
	{ "unlinkat", unlinkat_entry, NULL },
	{ "rmdir", path_entry, NULL },
	{ "chdir", path_entry, NULL },
	{ "chroot", path_entry, NULL },
	{ "getcwd", nothing, getcwd_exit },
	{ "readlink", readlink_entry, readlink_exit },
	{ "readlinkat", readlinkat_entry, readlinkat_exit },
	{ "umask", umask_entry, NULL },
	{ NULL, NULL, NULL },
};
