/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-signal N: N times, send itself SIGUSR1 with raise(); a handler
 * counts them.  Each signal adds a signal-delivery stop and the
 * rt_sigreturn call to the syscalls of raise().
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"

/* raise() delivers the signal before it returns: no race on the count. */
static volatile unsigned long caught;

static void
handler(int sig)
{
	(void)sig;
	caught++;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	unsigned long n;

	if (argc != 2) {
		fprintf(stderr, "Usage: bench-signal N\n");
		return 2;
	}
	n = bench_parse_count("bench-signal", "count", argv[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("bench-signal: sigaction");
		return 1;
	}
	for (unsigned long i = 0; i < n; i++)
		(void)raise(SIGUSR1);
	if (caught != n) {
		fprintf(stderr, "bench-signal: %lu sent, %lu caught\n", n,
		        caught);
		return 1;
	}
	return 0;
}
