/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checked reading of decimal numbers, for the tests and the tracee
 * programs alike: atoi() and sscanf() cannot tell a bad or out-of-range
 * number from a good one.
 */
#ifndef UTRACE_TEST_PARSE_H
#define UTRACE_TEST_PARSE_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * The decimal number at the start of @s (blanks first are skipped, as by
 * strtol()) into *ret: true, and where the number ends into *ret_end; with
 * @ret_end NULL, only if the number ends @s.  False, and nothing written,
 * if there is no number or it does not fit a long.
 */
static inline bool
test_parse_long(const char *s, long *ret, const char **ret_end)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || (!ret_end && *end))
		return false;
	*ret = v;
	if (ret_end)
		*ret_end = end;
	return true;
}

/*
 * The number of /proc/<pid>/status line @line if it is field @name (with
 * its colon: "TracerPid:"), as test_parse_long() reads it.
 */
static inline bool
test_parse_field(const char *line, const char *name, long *ret)
{
	size_t len = strlen(name);
	const char *end;

	return strncmp(line, name, len) == 0 &&
	       test_parse_long(line + len, ret, &end);
}

#endif /* UTRACE_TEST_PARSE_H */
