/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One output line, built piece by piece and written with one write, so
 * that lines of several tasks, or of the program's own output on the same
 * terminal, never mix within a line.
 */
#ifndef MSTRACE_LINE_H
#define MSTRACE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A line never grows past this; the rest is dropped (the tracee decides
 * how long decoded arguments are, -s only bounds each string). */
#define LINE_MAX_SIZE (4u << 20)

struct line {
	char *buf;
	size_t len;
	size_t size;
};

/* An empty line (no allocation until the first write). */
#define LINE_INIT                                \
	{                                        \
		.buf = NULL, .len = 0, .size = 0 \
	}

__attribute__((format(printf, 2, 3))) void line_printf(struct line *l,
                                                       const char *format, ...);
void line_puts(struct line *l, const char *s);
void line_putc(struct line *l, char c);
void line_append(struct line *l, const char *s, size_t len);

/* Pad with spaces up to @column (0-based), after at least one space. */
void line_pad(struct line *l, size_t column);

/* Write the line and a newline with one write, and empty it. */
void line_flush(struct line *l, FILE *out);

/* Empty the line, keeping its buffer. */
void line_clear(struct line *l);

/* Free the buffer; the line is empty and usable again. */
void line_free(struct line *l);

#endif /* MSTRACE_LINE_H */
