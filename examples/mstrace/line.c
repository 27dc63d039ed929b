/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "line.h"

/* Makes room for @n more bytes plus the newline; false if the line is at
 * its limit or memory ran out (the text is then dropped). */
static bool
line_reserve(struct line *l, size_t n)
{
	size_t need = l->len + n + 2;
	size_t size;
	char *buf;

	if (need <= l->size)
		return true;
	if (need > LINE_MAX_SIZE)
		return false;
	size = l->size ? l->size : 256;
	while (size < need)
		size *= 2;
	if (size > LINE_MAX_SIZE)
		size = LINE_MAX_SIZE;
	buf = realloc(l->buf, size);
	if (!buf)
		return false;
	l->buf = buf;
	l->size = size;
	return true;
}

void
line_append(struct line *l, const char *s, size_t len)
{
	if (!line_reserve(l, len))
		return;
	memcpy(l->buf + l->len, s, len);
	l->len += len;
}

void
line_puts(struct line *l, const char *s)
{
	line_append(l, s, strlen(s));
}

void
line_putc(struct line *l, char c)
{
	line_append(l, &c, 1);
}

void
line_printf(struct line *l, const char *format, ...)
{
	char small[128];
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(small, sizeof(small), format, ap); /* NOLINT: started */
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		line_append(l, small, (size_t)n);
		return;
	}
	if (!line_reserve(l, (size_t)n))
		return;
	va_start(ap, format);
	(void)vsnprintf(l->buf + l->len, (size_t)n + 1, format, ap);
	va_end(ap);
	l->len += (size_t)n;
}

void
line_pad(struct line *l, size_t column)
{
	static const char spaces[] = "                                        ";

	size_t before;

	line_putc(l, ' ');
	while (l->len < column) {
		size_t n = column - l->len;

		if (n > sizeof(spaces) - 1)
			n = sizeof(spaces) - 1;
		before = l->len;
		line_append(l, spaces, n);
		if (l->len == before)
			return;
	}
}

void
line_flush(struct line *l, FILE *out)
{
	/* Every append kept room for the newline; only an empty line that
	 * never got a buffer may fail here. */
	if (!line_reserve(l, 0) && !l->buf) {
		(void)fputc('\n', out);
		return;
	}
	l->buf[l->len++] = '\n';
	(void)fwrite(l->buf, 1, l->len, out);
	l->len = 0;
}

void
line_clear(struct line *l)
{
	l->len = 0;
}

void
line_free(struct line *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = 0;
	l->size = 0;
}
