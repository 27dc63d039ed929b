/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-scale T one|all N: T threads in all (the main thread included)
 * and N getppid() calls, timed inside the program so that creating and
 * tracing the threads is not counted.
 *
 *   one  the main thread makes the N calls while the T - 1 others sleep
 *        in read() on a pipe: the cost of a stop with many traced threads
 *        that do nothing, not of running them.
 *   all  every thread makes about N / T calls, all released at once by
 *        closing a pipe they sleep on; the timed part ends when the last
 *        one is done.  Besides the calls, each other thread wakes from
 *        one read() and goes to sleep in another (about two more stops
 *        per thread under a tracer).
 *
 * Before the timed part the main thread waits until every other thread
 * is asleep (state S in /proc/self/task/TID/stat) and calls getpid()
 * once: a tracer may take its "all threads traced" measurements there.
 *
 * At the end it prints to stderr
 *   bench-scale: threads T mode M calls N loop-ns NS
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

struct scale {
	bool all;
	unsigned long calls;
	/* Read end: released ("all") or woken at the end ("one") on EOF. */
	int go[2];
	/* Read end: where the loopers sleep when done, until the end. */
	int end[2];
	/* The last looper to finish writes a byte here for the main thread. */
	int done[2];
	atomic_ulong ready;
	atomic_ulong running;
	pid_t *tids;
};

static void
sleep_on(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void
loop(unsigned long n)
{
	/* The raw call: no libc may answer from a cache. */
	for (unsigned long i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
}

struct worker {
	struct scale *s;
	unsigned long index;
	unsigned long calls;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct scale *s = w->s;
	char c = 0;

	s->tids[w->index] = (pid_t)syscall(SYS_gettid);
	atomic_fetch_add(&s->ready, 1);
	sleep_on(s->go[0]);
	if (!s->all)
		return NULL;
	loop(w->calls);
	if (atomic_fetch_sub(&s->running, 1) == 1)
		(void)write(s->done[1], &c, 1);
	sleep_on(s->end[0]);
	return NULL;
}

/* Whether thread @tid sleeps (state S).  A thread stopped by a tracer
 * shows as t, so S means it is in the read() itself. */
static bool
is_asleep(pid_t tid)
{
	char path[64];
	char buf[512];
	const char *p;

	(void)snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (bench_read_file(path, buf, sizeof(buf)) < 0)
		return false;
	/* The name is in parentheses and may contain anything. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static void
wait_asleep(struct scale *s, unsigned long others)
{
	while (atomic_load(&s->ready) < others)
		(void)sched_yield();
	for (unsigned long i = 0; i < others; i++)
		while (!is_asleep(s->tids[i]))
			(void)sched_yield();
}

static unsigned long long
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct scale s = { 0 };
	struct worker *workers;
	pthread_attr_t attr;
	pthread_t *threads;
	unsigned long long start;
	unsigned long long ns;
	unsigned long others;
	unsigned long share;
	unsigned long t;
	int r;

	if (argc != 4 ||
	    (strcmp(argv[2], "one") != 0 && strcmp(argv[2], "all") != 0)) {
		fprintf(stderr, "Usage: bench-scale T one|all N\n");
		return 2;
	}
	t = bench_parse_count("bench-scale", "thread count", argv[1]);
	s.all = strcmp(argv[2], "all") == 0;
	s.calls = bench_parse_count("bench-scale", "count", argv[3]);
	others = t - 1;
	share = s.all ? s.calls / t : 0;
	if (pipe2(s.go, O_CLOEXEC) < 0 || pipe2(s.end, O_CLOEXEC) < 0 ||
	    pipe2(s.done, O_CLOEXEC) < 0) {
		fprintf(stderr, "bench-scale: pipe: %s\n", strerror(errno));
		return 1;
	}
	threads = calloc(t, sizeof(*threads));
	workers = calloc(t, sizeof(*workers));
	s.tids = calloc(t, sizeof(*s.tids));
	if (!threads || !workers || !s.tids) {
		fprintf(stderr, "bench-scale: out of memory\n");
		free(s.tids);
		free(workers);
		free(threads);
		return 1;
	}
	atomic_store(&s.running, others);
	/* Small stacks: a thousand threads of 8 MiB each are a lot of
	 * address space for nothing. */
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, (size_t)64 * 1024);
	for (unsigned long i = 0; i < others; i++) {
		workers[i].s = &s;
		workers[i].index = i;
		workers[i].calls = share;
		r = pthread_create(&threads[i], &attr, work, &workers[i]);
		if (r) {
			fprintf(stderr, "bench-scale: pthread_create: %s\n",
			        strerror(r));
			/* Exiting kills the threads made so far. */
			return 1;
		}
	}
	(void)pthread_attr_destroy(&attr);
	wait_asleep(&s, others);
	(void)syscall(SYS_getpid);

	start = now_ns();
	if (s.all) {
		(void)close(s.go[1]);
		loop(s.calls - share * others);
		if (others)
			sleep_on(s.done[0]);
	} else {
		loop(s.calls);
	}
	ns = now_ns() - start;

	/* Wakes every thread for good: EOF on both pipes. */
	if (!s.all)
		(void)close(s.go[1]);
	(void)close(s.end[1]);
	for (unsigned long i = 0; i < others; i++)
		(void)pthread_join(threads[i], NULL);
	fprintf(stderr,
	        "bench-scale: threads %lu mode %s calls %lu loop-ns %llu\n", t,
	        argv[2], s.calls, ns);
	free(s.tids);
	free(workers);
	free(threads);
	return 0;
}
