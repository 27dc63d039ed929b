/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "output.h"

void
output_init(struct output *o, FILE *out, enum output_time time, bool always_pid)
{
	*o = (struct output){
		.out = out,
		.time = time,
		.always_pid = always_pid,
	};
}

void
output_prefix(const struct output *o, struct line *l, pid_t tid)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	if (o->always_pid)
		line_printf(l, "%-5d ", (int)tid);
	else if (o->live > 1)
		line_printf(l, "[pid %5d] ", (int)tid);
	if (o->time == OUTPUT_TIME_NONE)
		return;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if (o->time == OUTPUT_TIME_EPOCH) {
		line_printf(l, "%lld.%06ld ", (long long)ts.tv_sec,
		            ts.tv_nsec / 1000);
		return;
	}
	(void)localtime_r(&ts.tv_sec, &tm);
	(void)strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	if (o->time == OUTPUT_TIME_MICROSECONDS)
		line_printf(l, "%s.%06ld ", buf, ts.tv_nsec / 1000);
	else
		line_printf(l, "%s ", buf);
}

void
output_close_open(struct output *o, const char *tail)
{
	struct line *l = o->open;

	if (!l)
		return;
	o->open = NULL;
	line_puts(l, tail);
	line_flush(l, o->out);
	*o->open_cut = true;
}

void
output_open(struct output *o, struct line *l, bool *cut)
{
	if (o->open != l)
		output_close_open(o, " <unfinished ...>");
	o->open = l;
	o->open_cut = cut;
	*cut = false;
}

void
output_flush(struct output *o, struct line *l)
{
	if (o->open == l)
		o->open = NULL;
	else
		output_close_open(o, " <unfinished ...>");
	line_flush(l, o->out);
}

void
output_forget(struct output *o, const struct line *l)
{
	if (o->open == l)
		o->open = NULL;
}
