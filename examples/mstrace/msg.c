/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

void
msg(const char *format, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_name);
	va_start(ap, format);
	vfprintf(stderr, format, ap); /* NOLINT: started just above */
	va_end(ap);
	fputc('\n', stderr);
}

void
msg_try_help(void)
{
	fprintf(stderr, "Try '%s -h' for more information.\n",
	        program_invocation_name);
}
