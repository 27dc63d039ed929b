/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which decoder prints which call, the raw form of the others, and the
 * result.
 */
#include <linux/audit.h>
#include <string.h>

#include <utrace/utrace.h>

#include "../sysent.h"
#include "decode.h"
#include "table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct decoder *const families[] = {
	file_decoders, io_decoders,      ioctl_decoders,  mman_decoders,
	net_decoders,  process_decoders, signal_decoders, futex_decoders,
};

/* The x86_64 decoders by number, set once by decode_init() before any
 * other thread runs, read-only after that. */
#define MAX_NR 512
static const struct decoder *by_nr[MAX_NR];

void
decode_init(void)
{
	const struct decoder *d;
	int64_t nr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		for (d = families[i]; d->name; d++)
			if (utrace_syscall_lookup(AUDIT_ARCH_X86_64, d->name,
			                          &nr) == 0 &&
			    nr >= 0 && nr < MAX_NR)
				by_nr[nr] = d;
}

/* Decoders know the x86_64 layout only; calls of another arch (int 0x80)
 * print raw. */
static const struct decoder *
decoder_of(const struct utrace_syscall *sc)
{
	if (sc->arch != AUDIT_ARCH_X86_64 || sc->nr < 0 || sc->nr >= MAX_NR)
		return NULL;
	return by_nr[sc->nr];
}

bool
decode_has_exit(const struct utrace_syscall *sc)
{
	const struct decoder *d = decoder_of(sc);

	return d && d->print_exit;
}

void
decode_name(uint32_t arch, int64_t nr, struct line *l)
{
	const char *name = utrace_syscall_name(arch, nr);

	if (name)
		line_printf(l, "%s(", name);
	else
		line_printf(l, "syscall_%#llx(", (unsigned long long)nr);
}

void
decode_entry(struct dcall *c, struct line *l)
{
	const struct decoder *d = decoder_of(&c->sc);
	const struct sysent *e;
	unsigned n;
	unsigned i;

	decode_name(c->sc.arch, c->sc.nr, l);
	if (d) {
		d->print_entry(c, l);
		return;
	}
	/* Undecoded: the arguments the call takes, in hex. */
	e = sysent_lookup(c->sc.arch, c->sc.nr);
	n = e ? e->nargs : 6;
	for (i = 0; i < n; i++) {
		if (i)
			fmt_sep(l);
		fmt_hex(l, c->sc.args[i]);
	}
}

void
decode_exit(struct dcall *c, struct line *l)
{
	const struct decoder *d = decoder_of(&c->sc);

	if (d && d->print_exit)
		d->print_exit(c, l);
	line_putc(l, ')');
}

/* Kernel-internal codes of an interrupted call that will be restarted
 * (or not): strace prints them with '?' rather than -1. */
static const struct {
	int err;
	const char *text;
} restart_errors[] = {
	{ 512, "To be restarted if SA_RESTART is set" },
	{ 513, "To be restarted" },
	{ 514, "To be restarted if no handler" },
	{ 516, "Interrupted by signal" },
};

void
decode_result(const struct dcall *c, struct line *l)
{
	const struct sysent *e = sysent_lookup(c->sc.arch, c->sc.nr);
	const struct decoder *d = decoder_of(&c->sc);
	const char *name;
	int err;
	size_t i;

	if (!c->is_error && d && d->print_result && d->print_result(c, l))
		return;
	if (!c->is_error) {
		if (e && (e->flags & R_HEX))
			line_printf(l, "%#llx", (unsigned long long)c->rval);
		else if (e && (e->flags & R_OCTAL))
			line_printf(l, "%#llo", (unsigned long long)c->rval);
		else
			line_printf(l, "%lld", (long long)c->rval);
		return;
	}
	err = (int)-c->rval;
	name = errno_name(err);
	for (i = 0; i < ARRAY_SIZE(restart_errors); i++) {
		if (restart_errors[i].err == err) {
			line_printf(l, "? %s (%s)", name,
			            restart_errors[i].text);
			return;
		}
	}
	if (name)
		line_printf(l, "-1 %s (%s)", name, strerror(err));
	else
		line_printf(l, "-1 (errno %d)", err);
}
