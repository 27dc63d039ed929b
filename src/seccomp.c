/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp filter of UTRACE_SPAWN_SECCOMP: SECCOMP_RET_TRACE for the
 * listed native calls and for every call of another architecture,
 * SECCOMP_RET_ALLOW for the rest.  Pure: builds the program, installs
 * nothing (spawn.c does, in the child).
 */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>

#include "utrace-private.h"

#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)

static struct sock_filter
stmt(unsigned short code, unsigned int k)
{
	struct sock_filter f = { code, 0, 0, k };

	return f;
}

static struct sock_filter
jump(unsigned short code, unsigned int k, unsigned char jt, unsigned char jf)
{
	struct sock_filter f = { code, jt, jf, k };

	return f;
}

/*
 * One compare per listed call: fine for the few dozen calls a tracer
 * filters.  Jumps reach at most 255 instructions ahead, so a longer list
 * traces every call instead (correct, only slower).
 */
#define MAX_LISTED 250

int
seccomp_filter_build(const struct sysmap *m, struct sock_fprog *prog)
{
	size_t n = 0;
	size_t len;
	size_t i = 0;
	struct sock_filter *f;

	for (int64_t nr = 0; nr < UTRACE_SYSCALL_MAX; nr++)
		n += sysmap_has(m, nr);
	if (n > MAX_LISTED) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -ENOMEM;
		f[0] = stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
		prog->len = 1;
		prog->filter = f;
		return 0;
	}
	len = 5 + n;
	f = calloc(len, sizeof(*f));
	if (!f)
		return -ENOMEM;

	f[i++] = stmt(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF);
	/* Another architecture: trace (jump to the last instruction). */
	f[i++] = jump(BPF_JMP | BPF_JEQ | BPF_K, m->arch, 0,
	              (unsigned char)(n + 2));
	f[i++] = stmt(BPF_LD | BPF_W | BPF_ABS, NR_OFF);
	for (int64_t nr = 0; nr < UTRACE_SYSCALL_MAX; nr++) {
		if (!sysmap_has(m, nr))
			continue;
		/* Match: jump over the rest and the ALLOW to the TRACE. */
		f[i] = jump(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr,
		            (unsigned char)(len - 2 - i), 0);
		i++;
	}
	f[i++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[i++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	prog->len = (unsigned short)len;
	prog->filter = f;
	return 0;
}

void
seccomp_filter_free(struct sock_fprog *prog)
{
	free(prog->filter);
	prog->filter = NULL;
}
