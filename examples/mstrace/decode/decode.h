/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Argument decoders, one file per family of system calls, printing what
 * strace prints.  A call is printed in two steps: at its entry the
 * arguments known then (and the memory they point to, which may change
 * during the call), at its exit the arguments the call filled in.  The
 * printer joins both halves into one line.
 *
 * Decoders read the program's memory only through mem.h and never trust
 * it: an address that cannot be read is printed as an address.
 */
#ifndef MSTRACE_DECODE_H
#define MSTRACE_DECODE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <utrace/utrace.h>

#include "../line.h"

/* One call being decoded. */
struct dcall {
	pid_t tid;
	/* The call as it entered: arch, nr, args. */
	struct utrace_syscall sc;
	/* At exit: the result. */
	int64_t rval;
	bool is_error;
	/* The -s limit for strings. */
	unsigned strsize;
	/* What an entry decoder keeps for the exit half. */
	uint64_t saved[2];
};

/* The two halves of a call.  print_entry runs at the entry stop, print_exit
 * (if any) at the exit stop; neither prints the parentheses. */
struct decoder {
	const char *name;
	void (*print_entry)(struct dcall *c, struct line *l);
	void (*print_exit)(struct dcall *c, struct line *l);
	/* A successful result printed otherwise than as a number: returns
	 * false to leave it to the default. */
	bool (*print_result)(const struct dcall *c, struct line *l);
};

/* Resolve the decoders' call numbers; call once, before tracing. */
void decode_init(void);

/* "name(" and the arguments known at entry. */
void decode_entry(struct dcall *c, struct line *l);

/* The arguments known at exit and ")". */
void decode_exit(struct dcall *c, struct line *l);

/* The result, without "= ": "3", "0x7f...", "-1 ENOENT (No such file or
 * directory)", "? ERESTARTSYS (...)". */
void decode_result(const struct dcall *c, struct line *l);

/* Whether the call prints arguments at its exit too (a call killed
 * before it returns then shows as "<unfinished ...>"). */
bool decode_has_exit(const struct utrace_syscall *sc);

/* A call whose entry was not seen: "name(" with nothing known. */
void decode_name(uint32_t arch, int64_t nr, struct line *l);

/* --- Formatting helpers shared by the decoders (fmt.c). --- */

struct flag {
	uint64_t value;
	const char *name;
};
#define FLAG(x)                   \
	{                         \
		(uint64_t)(x), #x \
	}
#define FLAG_END        \
	{               \
		0, NULL \
	}

/* Flags in table order (each entry prints when all its bits are set, and
 * clears them), then the remaining bits in hex.  0 prints as "0"; a value
 * with no known bit prints in hex followed by a comment naming @unknown
 * ("O_???" or the like). */
void fmt_flags(struct line *l, const struct flag *table, uint64_t value,
               const char *unknown);

/* Like fmt_flags() but nothing for 0, and no comment for unknown bits;
 * returns whether something was printed. */
bool fmt_flags_bare(struct line *l, const struct flag *table, uint64_t value);

/* The name of @value, or its hex value and a comment naming @unknown. */
void fmt_xval(struct line *l, const struct flag *table, uint64_t value,
              const char *unknown);

/* The name of @value in @table, or NULL. */
const char *flag_name(const struct flag *table, uint64_t value);

void fmt_addr(struct line *l, uint64_t value); /* NULL or 0x... */
void fmt_hex(struct line *l, uint64_t value);  /* 0 or 0x... */
void fmt_int(struct line *l, uint64_t value);  /* as a C int */
void fmt_uint(struct line *l, uint64_t value); /* as an unsigned int */
void fmt_long(struct line *l, uint64_t value); /* as a long */
void fmt_ulong(struct line *l, uint64_t value);
void fmt_dirfd(struct line *l, uint64_t value); /* AT_FDCWD or an int */
void fmt_sep(struct line *l);                   /* ", " */

/* Quote @n bytes as strace does; @hex forces \x.. for every byte. */
void fmt_quote(struct line *l, const unsigned char *s, size_t n, bool hex);

/* A buffer of @len bytes: at most -s of them, then "..." if longer;
 * the address if unreadable. */
void fmt_buf(struct line *l, const struct dcall *c, uint64_t addr,
             uint64_t len);
void fmt_buf_hex(struct line *l, const struct dcall *c, uint64_t addr,
                 uint64_t len);

/* A NUL-terminated string limited by -s ("..." when cut); NULL, or the
 * address if unreadable. */
void fmt_str(struct line *l, const struct dcall *c, uint64_t addr);

/* A path: NUL-terminated, up to PATH_MAX bytes whatever -s says. */
void fmt_path(struct line *l, const struct dcall *c, uint64_t addr);

/* Read a struct for printing: true if all of it could be read.  NULL
 * prints "NULL", an unreadable one its address; both return false. */
bool fmt_read(struct line *l, const struct dcall *c, uint64_t addr, void *buf,
              size_t size);

/* An array of ints: "[3, 4]", cut after -s elements as strace does. */
void fmt_int_array(struct line *l, const struct dcall *c, const int *v,
                   size_t n);

/* An int pointed to: "[N]" or the address. */
void fmt_int_ptr(struct line *l, const struct dcall *c, uint64_t addr);

/* --- Files (file.c). --- */

/* The flags of open() after the access mode, for pipe2() and dup3(). */
extern const struct flag open_flags[];
/* "O_RDONLY|O_CLOEXEC". */
void fmt_open_flags(struct line *l, uint64_t flags);
/* The AT_* flags of the *at calls. */
extern const struct flag at_flags[];
/* A mode in octal: "0644", "000". */
void fmt_mode(struct line *l, uint64_t mode);

/* --- Signals (signal.c). --- */

/* "SIGHUP", "SIGRTMIN", "SIGRT_3", or NULL outside 1..64. */
const char *signal_name(int signo, char *buf, size_t size);
/* A signal number as strace prints an argument: name or decimal. */
void fmt_signo(struct line *l, uint64_t value);
/* A signal number from "HUP", "SIGHUP", "rtmin", "SIGRT_3" (1..64), or a
 * number from 0 to 255; -1 if invalid. */
int signal_parse(const char *s);
/* The set at @addr of @size bytes: "[INT TERM]", "~[RTMIN]", or the
 * address when unreadable or @size is not the kernel's. */
void fmt_sigset(struct line *l, const struct dcall *c, uint64_t addr,
                uint64_t size);
/* A mask held in memory already. */
void fmt_sigmask(struct line *l, uint64_t mask);
/* The body of "--- SIGx {...} ---". */
void fmt_siginfo(struct line *l, const siginfo_t *info);

/* --- Errors (errno.c). --- */

/* "ENOENT", or NULL; also the kernel's own codes (ERESTARTSYS...). */
const char *errno_name(int err);
/* An errno from "ENOENT" or a number; -1 if invalid (1..4095). */
int errno_parse(const char *s);

/* --- Processes (process.c). --- */

/* An argv of the host (not of the program): as fmt_argv() prints the
 * program's. */
void fmt_argv_local(struct line *l, char *const argv[], unsigned strsize);

/* "{WIFEXITED(s) && WEXITSTATUS(s) == 0}" and the like. */
void fmt_wait_status(struct line *l, int status);

#endif /* MSTRACE_DECODE_H */
