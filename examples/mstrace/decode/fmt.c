/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The formatting rules every decoder shares: flags, symbolic values,
 * addresses, and strings quoted the way strace quotes them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mem.h"
#include "decode.h"

/* The most bytes of one string read from the program, whatever -s says:
 * a line has a bounded length anyway (line.h). */
#define MAX_STRING (1u << 20)

bool
fmt_flags_bare(struct line *l, const struct flag *table, uint64_t value)
{
	bool printed = false;
	const struct flag *f;

	for (f = table; f->name; f++) {
		if (!f->value || (value & f->value) != f->value)
			continue;
		line_printf(l, "%s%s", printed ? "|" : "", f->name);
		value &= ~f->value;
		printed = true;
	}
	if (value) {
		line_printf(l, "%s%#llx", printed ? "|" : "",
		            (unsigned long long)value);
		printed = true;
	}
	return printed;
}

void
fmt_flags(struct line *l, const struct flag *table, uint64_t value,
          const char *unknown)
{
	const struct flag *f;

	if (value == 0) {
		line_putc(l, '0');
		return;
	}
	for (f = table; f->name; f++)
		if (f->value && (value & f->value) == f->value)
			break;
	if (!f->name) {
		line_printf(l, "%#llx /* %s */", (unsigned long long)value,
		            unknown);
		return;
	}
	(void)fmt_flags_bare(l, table, value);
}

const char *
flag_name(const struct flag *table, uint64_t value)
{
	const struct flag *f;

	for (f = table; f->name; f++)
		if (f->value == value)
			return f->name;
	return NULL;
}

void
fmt_xval(struct line *l, const struct flag *table, uint64_t value,
         const char *unknown)
{
	const char *name = flag_name(table, value);

	if (name)
		line_puts(l, name);
	else
		line_printf(l, "%#llx /* %s */", (unsigned long long)value,
		            unknown);
}

void
fmt_addr(struct line *l, uint64_t value)
{
	if (value)
		line_printf(l, "%#llx", (unsigned long long)value);
	else
		line_puts(l, "NULL");
}

void
fmt_hex(struct line *l, uint64_t value)
{
	line_printf(l, "%#llx", (unsigned long long)value);
}

void
fmt_int(struct line *l, uint64_t value)
{
	line_printf(l, "%d", (int)value);
}

void
fmt_uint(struct line *l, uint64_t value)
{
	line_printf(l, "%u", (unsigned)value);
}

void
fmt_long(struct line *l, uint64_t value)
{
	line_printf(l, "%lld", (long long)value);
}

void
fmt_ulong(struct line *l, uint64_t value)
{
	line_printf(l, "%llu", (unsigned long long)value);
}

void
fmt_dirfd(struct line *l, uint64_t value)
{
	/* AT_FDCWD is -100. */
	if ((int)value == -100)
		line_puts(l, "AT_FDCWD");
	else
		fmt_int(l, value);
}

void
fmt_sep(struct line *l)
{
	line_puts(l, ", ");
}

static bool
is_octal_digit(unsigned char c)
{
	return c >= '0' && c <= '7';
}

void
fmt_quote(struct line *l, const unsigned char *s, size_t n, bool hex)
{
	/* At most 4 bytes per input byte, in blocks to keep appends few. */
	char out[4 * 64 + 1];
	size_t o = 0;
	size_t i;
	unsigned char c;

	line_putc(l, '"');
	for (i = 0; i < n; i++) {
		c = s[i];
		if (hex) {
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			                      "\\x%02x", c);
		} else if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= ' ' && c <= '~') {
			out[o++] = (char)c;
		} else if (c == '\f' || c == '\n' || c == '\r' || c == '\t' ||
		           c == '\v') {
			out[o++] = '\\';
			out[o++] = (char)(c == '\f'   ? 'f'
			                  : c == '\n' ? 'n'
			                  : c == '\r' ? 'r'
			                  : c == '\t' ? 't'
			                              : 'v');
		} else if (i + 1 < n && is_octal_digit(s[i + 1])) {
			/* A shorter escape would swallow the digit. */
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			                      "\\%03o", c);
		} else {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\%o",
			                      c);
		}
		if (o > sizeof(out) - 5) {
			line_append(l, out, o);
			o = 0;
		}
	}
	line_append(l, out, o);
	line_putc(l, '"');
}

static void
fmt_buf_common(struct line *l, const struct dcall *c, uint64_t addr,
               uint64_t len, bool hex)
{
	size_t n = len < c->strsize ? (size_t)len : c->strsize;
	/* One byte more than shown when the buffer is longer: strace reads
	 * it, and prints the address when it cannot. */
	size_t want = len > n ? n + 1 : n;
	unsigned char *buf;

	if (n > MAX_STRING) {
		n = MAX_STRING;
		want = n;
	}
	if (!addr) {
		line_puts(l, "NULL");
		return;
	}
	buf = malloc(want ? want : 1);
	if (!buf || mem_read(c->tid, addr, buf, want) < 0) {
		fmt_addr(l, addr);
		free(buf);
		return;
	}
	fmt_quote(l, buf, n, hex);
	if (len > n)
		line_puts(l, "...");
	free(buf);
}

void
fmt_buf(struct line *l, const struct dcall *c, uint64_t addr, uint64_t len)
{
	fmt_buf_common(l, c, addr, len, false);
}

void
fmt_buf_hex(struct line *l, const struct dcall *c, uint64_t addr, uint64_t len)
{
	fmt_buf_common(l, c, addr, len, true);
}

/* A NUL-terminated string of at most @limit bytes before the NUL. */
static void
fmt_str_limit(struct line *l, const struct dcall *c, uint64_t addr,
              size_t limit)
{
	char *buf;
	ssize_t n;

	if (!addr) {
		line_puts(l, "NULL");
		return;
	}
	if (limit > MAX_STRING)
		limit = MAX_STRING;
	buf = malloc(limit + 1);
	if (!buf) {
		fmt_addr(l, addr);
		return;
	}
	n = mem_read_str(c->tid, addr, buf, limit + 1);
	if (n >= 0) {
		fmt_quote(l, (unsigned char *)buf, (size_t)n, false);
	} else if (n == -ENAMETOOLONG) {
		fmt_quote(l, (unsigned char *)buf, limit, false);
		line_puts(l, "...");
	} else {
		fmt_addr(l, addr);
	}
	free(buf);
}

void
fmt_str(struct line *l, const struct dcall *c, uint64_t addr)
{
	fmt_str_limit(l, c, addr, c->strsize);
}

void
fmt_path(struct line *l, const struct dcall *c, uint64_t addr)
{
	fmt_str_limit(l, c, addr, PATH_MAX - 1);
}

bool
fmt_read(struct line *l, const struct dcall *c, uint64_t addr, void *buf,
         size_t size)
{
	if (!addr) {
		line_puts(l, "NULL");
		return false;
	}
	if (mem_read(c->tid, addr, buf, size) < 0) {
		fmt_addr(l, addr);
		return false;
	}
	return true;
}

void
fmt_int_ptr(struct line *l, const struct dcall *c, uint64_t addr)
{
	int v;

	if (fmt_read(l, c, addr, &v, sizeof(v)))
		line_printf(l, "[%d]", v);
}

void
fmt_int_array(struct line *l, const struct dcall *c, const int *v, size_t n)
{
	size_t i;

	line_putc(l, '[');
	for (i = 0; i < n; i++) {
		if (i)
			fmt_sep(l);
		if (i == c->strsize) {
			line_puts(l, "...");
			break;
		}
		line_printf(l, "%d", v[i]);
	}
	line_putc(l, ']');
}
