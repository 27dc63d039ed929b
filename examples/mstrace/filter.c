/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <linux/audit.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utrace/utrace.h>

#include "decode/decode.h"
#include "filter.h"
#include "msg.h"
#include "sysent.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void
set_bit(uint64_t *bits, unsigned n)
{
	bits[n / 64] |= 1ull << (n % 64);
}

static bool
has_bit(const uint64_t *bits, unsigned n)
{
	return bits[n / 64] & (1ull << (n % 64));
}

void
filter_init(struct filter *f, bool all)
{
	memset(f->bits, all ? 0xff : 0, sizeof(f->bits));
}

/* The x86_64 numbers of the calls in @class; whether there was one. */
static bool
add_class(struct filter *f, uint32_t class)
{
	const struct sysent *e;
	bool found = false;
	int64_t nr;

	for (nr = 0; nr < FILTER_MAX_NR; nr++) {
		e = sysent_lookup(AUDIT_ARCH_X86_64, nr);
		if (e && (e->flags & class)) {
			set_bit(f->bits, (unsigned)nr);
			found = true;
		}
	}
	return found;
}

/* 1 if something matched, 0 if nothing, -1 if the regex is bad (the
 * message is printed). */
static int
add_regex(struct filter *f, const char *pattern)
{
	const char *name;
	regex_t re;
	char text[256];
	bool found = false;
	int64_t nr;
	int r;

	r = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	if (r != 0) {
		(void)regerror(r, &re, text, sizeof(text));
		msg("regcomp: %s: %s", pattern, text);
		return -1;
	}
	for (nr = 0; nr < FILTER_MAX_NR; nr++) {
		name = utrace_syscall_name(AUDIT_ARCH_X86_64, nr);
		if (name && regexec(&re, name, 0, NULL, 0) == 0) {
			set_bit(f->bits, (unsigned)nr);
			found = true;
		}
	}
	regfree(&re);
	return found;
}

/* One element: 1 added, 0 unknown, -1 error already printed. */
static int
add_token(struct filter *f, const char *token)
{
	uint32_t class;
	int64_t nr;
	char *end;
	long n;

	if (strcmp(token, "all") == 0) {
		filter_init(f, true);
		return 1;
	}
	if (token[0] == '%') {
		class = sysent_class(token + 1);
		return class && add_class(f, class);
	}
	if (token[0] == '/')
		return add_regex(f, token + 1);
	if (token[0] >= '0' && token[0] <= '9') {
		errno = 0;
		n = strtol(token, &end, 10);
		if (*end || errno || n < 0 || n >= FILTER_MAX_NR ||
		    !utrace_syscall_name(AUDIT_ARCH_X86_64, n))
			return 0;
		set_bit(f->bits, (unsigned)n);
		return 1;
	}
	if (utrace_syscall_lookup(AUDIT_ARCH_X86_64, token, &nr) < 0 ||
	    nr < 0 || nr >= FILTER_MAX_NR)
		return 0;
	set_bit(f->bits, (unsigned)nr);
	return 1;
}

/*
 * A set of numbers as strace writes it: [!]...all|none|TOKEN[,TOKEN...].
 * @add adds one token to @set and returns 1, 0 if it names nothing (then
 * "invalid WHAT 'TOKEN'" is said here), or -1 after its own message.
 */
static int
set_parse(uint64_t *bits, size_t words, void *set, const char *value,
          const char *what, int (*add)(void *set, const char *token))
{
	const char *s = value;
	bool invert = false;
	char *copy;
	char *token;
	char *next;
	size_t i;
	int r = 1;

	while (*s == '!') {
		invert = !invert;
		s++;
	}
	memset(bits, strcmp(s, "all") == 0 ? 0xff : 0, words * sizeof(*bits));
	if (!*s) {
		msg("invalid %s '%s'", what, s);
		return -1;
	}
	if (strcmp(s, "all") != 0 && strcmp(s, "none") != 0) {
		copy = strdup(s);
		if (!copy) {
			msg("%s", strerror(ENOMEM));
			return -1;
		}
		for (token = copy; token && r > 0; token = next) {
			next = strchr(token, ',');
			if (next)
				*next++ = '\0';
			if (!*token)
				continue;
			r = add(set, token);
			if (r == 0)
				msg("invalid %s '%s'", what, token);
		}
		free(copy);
		if (r <= 0)
			return -1;
	}
	if (invert)
		for (i = 0; i < words; i++)
			bits[i] = ~bits[i];
	return 0;
}

/* A syscall token; "?NAME" is ignored when it names nothing. */
static int
add_syscall_token(void *set, const char *token)
{
	bool quiet = token[0] == '?';
	int r = add_token(set, token + quiet);

	return r == 0 && quiet ? 1 : r;
}

int
filter_parse(struct filter *f, const char *value)
{
	return set_parse(f->bits, ARRAY_SIZE(f->bits), f, value, "system call",
	                 add_syscall_token);
}

bool
filter_has(const struct filter *f, uint32_t arch, int64_t nr)
{
	const char *name = utrace_syscall_name(arch, nr);

	if (!name)
		return true;
	if (arch != AUDIT_ARCH_X86_64 &&
	    utrace_syscall_lookup(AUDIT_ARCH_X86_64, name, &nr) < 0)
		return false;
	if (nr < 0 || nr >= FILTER_MAX_NR)
		return false;
	return has_bit(f->bits, (unsigned)nr);
}

bool
filter_is_empty(const struct filter *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f->bits); i++)
		if (f->bits[i])
			return false;
	return true;
}

void
sigfilter_init(struct sigfilter *f, bool all)
{
	memset(f->bits, all ? 0xff : 0, sizeof(f->bits));
}

static int
add_signal_token(void *set, const char *token)
{
	struct sigfilter *f = set;
	int signo = signal_parse(token);

	if (signo < 0)
		return 0;
	set_bit(f->bits, (unsigned)signo);
	return 1;
}

int
sigfilter_parse(struct sigfilter *f, const char *value)
{
	return set_parse(f->bits, ARRAY_SIZE(f->bits), f, value, "signal",
	                 add_signal_token);
}

bool
sigfilter_has(const struct sigfilter *f, int signo)
{
	return signo >= 0 && signo < 256 && has_bit(f->bits, (unsigned)signo);
}
