/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "decode/decode.h"
#include "injector.h"
#include "msg.h"
#include "taskmap.h"

/* strace's bounds for when=: an invocation count of 65535 means "no
 * upper bound". */
#define WHEN_MAX 65535u

struct injector {
	struct inject_rule rule;
	struct taskmap tasks;
};

/* The injector's state on one task. */
struct injector_task {
	/* Invocations of each call seen so far (saturating). */
	uint16_t counts[FILTER_MAX_NR];
	/* The decision at the last entry, applied again if the entry is
	 * reported once more (RESUMED). */
	int64_t decided_nr;
	uint32_t decided_disp;
	int64_t decided_rval;
	/* Signals this engine sent that the program has not received yet,
	 * by number. */
	unsigned pending[65];
};

/* An unsigned decimal number without sign or spaces, or -1. */
static long
parse_count(const char *s, const char **end)
{
	unsigned long n = 0;
	const char *p = s;

	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > 1000000)
			return -1;
		p++;
	}
	*end = p;
	return p == s ? -1 : (long)n;
}

/* FIRST[..LAST][+[STEP]] */
static int
parse_when(struct inject_rule *rule, const char *s)
{
	const char *end;
	long first;
	long last = -1;
	long step = 0;

	first = parse_count(s, &end);
	if (first < 1 || first > (long)WHEN_MAX)
		return -1;
	s = end;
	if (strncmp(s, "..", 2) == 0) {
		last = parse_count(s + 2, &end);
		if (last < first || last >= (long)WHEN_MAX)
			return -1;
		s = end;
		step = 1;
	}
	if (*s == '+') {
		s++;
		if (*s) {
			step = parse_count(s, &end);
			if (step < 1 || step > (long)WHEN_MAX)
				return -1;
			s = end;
		} else {
			step = 1;
		}
	}
	if (*s)
		return -1;
	rule->first = (unsigned)first;
	rule->last =
		last < 0 ? (step ? WHEN_MAX : (unsigned)first) : (unsigned)last;
	rule->step = (unsigned)step;
	return 0;
}

/* A 64-bit value, signed or not, in C notation. */
static int
parse_retval(const char *s, uint64_t *ret)
{
	unsigned long long u;
	long long v;
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	if (*s == '-') {
		v = strtoll(s, &end, 0);
		u = (unsigned long long)v;
	} else {
		u = strtoull(s, &end, 0);
	}
	if (*end || errno)
		return -1;
	*ret = u;
	return 0;
}

static int
parse_option(struct inject_rule *rule, const char *opt, bool *seen_when)
{
	int n;

	if (strncmp(opt, "error=", 6) == 0) {
		if (rule->error || rule->has_retval)
			return -1;
		n = errno_parse(opt + 6);
		if (n < 0)
			return -1;
		rule->error = n;
	} else if (strncmp(opt, "retval=", 7) == 0) {
		if (rule->error || rule->has_retval)
			return -1;
		if (parse_retval(opt + 7, &rule->retval) < 0)
			return -1;
		rule->has_retval = true;
	} else if (strncmp(opt, "signal=", 7) == 0) {
		if (rule->signo)
			return -1;
		n = signal_parse(opt + 7);
		if (n < 1 || n > 64)
			return -1;
		rule->signo = n;
	} else if (strncmp(opt, "when=", 5) == 0) {
		if (*seen_when || parse_when(rule, opt + 5) < 0)
			return -1;
		*seen_when = true;
	} else if (strncmp(opt, "delay_enter=", 12) == 0 ||
	           strncmp(opt, "delay_exit=", 11) == 0 ||
	           strncmp(opt, "syscall=", 8) == 0 ||
	           strncmp(opt, "poke_enter=", 11) == 0 ||
	           strncmp(opt, "poke_exit=", 10) == 0) {
		return -2;
	} else {
		return -1;
	}
	return 0;
}

int
inject_rule_parse(struct inject_rule *rule, const char *value, bool fault)
{
	const char *what = fault ? "fault" : "inject";
	bool seen_when = false;
	char *copy;
	char *opt;
	char *next;
	int r;

	*rule = (struct inject_rule){ .first = 1, .last = WHEN_MAX, .step = 1 };
	copy = strdup(value);
	if (!copy) {
		msg("%s", strerror(ENOMEM));
		return -1;
	}
	next = strchr(copy, ':');
	if (next)
		*next++ = '\0';
	if (filter_parse(&rule->calls, copy) < 0) {
		free(copy);
		return -1;
	}
	for (opt = next; opt; opt = next) {
		next = strchr(opt, ':');
		if (next)
			*next++ = '\0';
		r = parse_option(rule, opt, &seen_when);
		if (r == -2) {
			msg("%s option '%.*s' is not supported "
			    "yet",
			    what, (int)strcspn(opt, "="), opt);
			free(copy);
			return -1;
		}
		if (r < 0)
			goto invalid;
	}
	free(copy);
	if (fault && !rule->error && !rule->has_retval)
		rule->error = ENOSYS;
	if (!rule->error && !rule->has_retval && !rule->signo)
		goto invalid_nofree;
	if (rule->has_retval && rule->retval >= (uint64_t)-4095)
		msg("Inadvertent injection of error %" PRIu64
		    " is possible for retval=%" PRIu64 "",
		    -rule->retval, rule->retval);
	return 0;

invalid:
	free(copy);
invalid_nofree:
	msg("invalid %s argument '%s'", what, value);
	return -1;
}

static bool
when_matches(const struct inject_rule *rule, unsigned count)
{
	if (count < rule->first || count > rule->last)
		return false;
	if (rule->step == 0)
		return count == rule->first;
	return (count - rule->first) % rule->step == 0;
}

static struct injector_task *
task_state(struct injector *inj, const struct utrace_task *task)
{
	struct injector_task *it;
	bool is_new;

	it = taskmap_get(&inj->tasks, task, &is_new);
	if (it && is_new)
		it->decided_nr = -1;
	return it;
}

static uint32_t
injector_syscall_entry(uint32_t action, struct utrace_engine *engine,
                       struct utrace_task *task, struct utrace_syscall *sc,
                       void *data)
{
	struct injector *inj = data;
	struct injector_task *it = task_state(inj, task);
	const struct inject_rule *rule = &inj->rule;
	uint32_t disp = utrace_syscall_action(action);
	unsigned count;

	if (!it)
		return UTRACE_RESUME | disp;
	if (action & UTRACE_SYSCALL_RESUMED) {
		/* The same call again: the same decision, not a new
		 * invocation. */
		if (it->decided_nr != sc->nr ||
		    it->decided_disp != UTRACE_SYSCALL_ABORT ||
		    disp == UTRACE_SYSCALL_ABORT)
			return UTRACE_RESUME | disp;
		sc->rval = it->decided_rval;
		return UTRACE_RESUME | UTRACE_SYSCALL_ABORT;
	}
	it->decided_nr = -1;
	if (sc->nr < 0 || sc->nr >= FILTER_MAX_NR ||
	    !filter_has(&rule->calls, sc->arch, sc->nr))
		return UTRACE_RESUME | disp;
	if (it->counts[sc->nr] < UINT16_MAX)
		it->counts[sc->nr]++;
	count = it->counts[sc->nr];
	if (!when_matches(rule, count))
		return UTRACE_RESUME | disp;

	if (rule->signo) {
		/* Pending when the call runs, as a signal the kernel sent;
		 * report_signal() makes it look like one. */
		if (syscall(SYS_tgkill, utrace_task_tgid(task),
		            utrace_task_tid(task), rule->signo) == 0)
			it->pending[rule->signo]++;
	}
	/* Another engine (a rule given later) aborted the call already. */
	if ((!rule->error && !rule->has_retval) || disp == UTRACE_SYSCALL_ABORT)
		return UTRACE_RESUME | disp;
	sc->rval = rule->error ? -(int64_t)rule->error : (int64_t)rule->retval;
	it->decided_nr = sc->nr;
	it->decided_disp = UTRACE_SYSCALL_ABORT;
	it->decided_rval = sc->rval;
	return UTRACE_RESUME | UTRACE_SYSCALL_ABORT;
}

static uint32_t
injector_signal(uint32_t action, struct utrace_engine *engine,
                struct utrace_task *task, siginfo_t *info, void *data)
{
	struct injector_task *it = task_state(data, task);
	int signo = info->si_signo;

	if (!it)
		return UTRACE_RESUME | utrace_signal_action(action);
	/* One of ours: tgkill() gave it our pid and SI_TKILL.  strace has
	 * the kernel send it (SI_KERNEL, no sender): show the same. */
	if (signo > 0 && signo <= 64 && it->pending[signo] &&
	    info->si_code == SI_TKILL && info->si_pid == getpid()) {
		it->pending[signo]--;
		memset(info, 0, sizeof(*info));
		info->si_signo = signo;
		info->si_code = SI_KERNEL;
	}
	return UTRACE_RESUME | utrace_signal_action(action);
}

static void
injector_reap(struct utrace_engine *engine, struct utrace_task *task,
              void *data)
{
	struct injector *inj = data;

	taskmap_remove(&inj->tasks, task);
}

static const struct utrace_engine_ops injector_ops = {
	.size = sizeof(struct utrace_engine_ops),
	.report_syscall_entry = injector_syscall_entry,
	.report_signal = injector_signal,
	.report_reap = injector_reap,
};

struct injector *
injector_new(const struct inject_rule *rule)
{
	struct injector *inj = calloc(1, sizeof(*inj));

	if (!inj)
		return NULL;
	inj->rule = *rule;
	taskmap_init(&inj->tasks, sizeof(struct injector_task), NULL);
	return inj;
}

int
injector_attach(struct injector *inj, struct utrace_task *task,
                const struct attach_opts *opts)
{
	/* With --seccomp-bpf the rule needs only its own calls. */
	const struct attach_opts own = {
		.follow = opts->follow,
		.syscalls = opts->syscalls ? &inj->rule.calls : NULL,
	};
	uint64_t events = UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(REAP);

	if (inj->rule.signo)
		events |= UTRACE_EVENT_SIGNAL_ALL;
	return attach_engine(task, &own, &injector_ops, inj, events);
}

void
injector_free(struct injector *inj)
{
	if (!inj)
		return;
	taskmap_clear(&inj->tasks);
	free(inj);
}
