/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>

#include "utrace-private.h"

/*
 * A failed argument check of a public call.  Checks run before the
 * context is known, so there is nowhere to log them: this function is the
 * place to set a breakpoint on.
 */
void
log_bug(const char *func, const char *expr)
{
	(void)func;
	(void)expr;
}

void
ulog(struct utrace *u, int priority, const char *fmt, ...)
{
	utrace_log_fn fn;
	void *data;
	va_list ap;

	(void)pthread_mutex_lock(&u->lock);
	fn = u->log_fn;
	data = u->log_data;
	(void)pthread_mutex_unlock(&u->lock);
	if (!fn)
		return;
	va_start(ap, fmt);
	fn(priority, fmt, ap, data);
	va_end(ap);
}
