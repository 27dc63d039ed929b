/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>

#include "decode/decode.h"
#include "sigrep.h"

struct sigrep {
	struct output *out;
	const struct sigfilter *signals;
};

static uint32_t
sigrep_signal(uint32_t action, struct utrace_engine *engine,
              struct utrace_task *task, siginfo_t *info, void *data)
{
	struct sigrep *s = data;
	struct line l = LINE_INIT;

	if (sigfilter_has(s->signals, info->si_signo)) {
		output_prefix(s->out, &l, utrace_task_tid(task));
		line_puts(&l, "--- ");
		fmt_signo(&l, (uint64_t)info->si_signo);
		line_putc(&l, ' ');
		fmt_siginfo(&l, info);
		line_puts(&l, " ---");
		output_flush(s->out, &l);
		line_free(&l);
	}
	/* Pass the disposition on untouched: printing changes nothing. */
	return UTRACE_RESUME | utrace_signal_action(action);
}

static uint32_t
sigrep_jctl(uint32_t action, struct utrace_engine *engine,
            struct utrace_task *task, int type, int signo, void *data)
{
	struct sigrep *s = data;
	struct line l = LINE_INIT;

	/* The end of the stop shows as the SIGCONT signal report. */
	if (type != CLD_STOPPED)
		return UTRACE_RESUME;
	output_prefix(s->out, &l, utrace_task_tid(task));
	line_puts(&l, "--- stopped by ");
	fmt_signo(&l, (uint64_t)signo);
	line_puts(&l, " ---");
	output_flush(s->out, &l);
	line_free(&l);
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops sigrep_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_signal = sigrep_signal,
	.report_jctl = sigrep_jctl,
};

struct sigrep *
sigrep_new(struct output *out, const struct sigfilter *signals)
{
	struct sigrep *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->out = out;
	s->signals = signals;
	return s;
}

int
sigrep_attach(struct sigrep *s, struct utrace_task *task,
              const struct attach_opts *opts)
{
	return attach_engine(task, opts, &sigrep_ops, s,
	                     UTRACE_EVENT_SIGNAL_ALL | UTRACE_EVENT(JCTL));
}

void
sigrep_free(struct sigrep *s)
{
	free(s);
}
