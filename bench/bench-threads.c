/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-threads T N: T threads, each making N getppid() calls.  Measures
 * how a tracer copes with several threads stopping at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench-common.h"

static void *
loop(void *arg)
{
	unsigned long n = *(const unsigned long *)arg;

	for (unsigned long i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t *threads;
	unsigned long t;
	unsigned long n;
	int r;

	if (argc != 3) {
		fprintf(stderr, "Usage: bench-threads T N\n");
		return 2;
	}
	t = bench_parse_count("bench-threads", "thread count", argv[1]);
	n = bench_parse_count("bench-threads", "count", argv[2]);
	threads = calloc(t, sizeof(*threads));
	if (!threads) {
		fprintf(stderr, "bench-threads: out of memory\n");
		return 1;
	}
	for (unsigned long i = 0; i < t; i++) {
		r = pthread_create(&threads[i], NULL, loop, &n);
		if (r) {
			fprintf(stderr, "bench-threads: pthread_create: %s\n",
			        strerror(r));
			return 1;
		}
	}
	for (unsigned long i = 0; i < t; i++)
		(void)pthread_join(threads[i], NULL);
	free(threads);
	return 0;
}
