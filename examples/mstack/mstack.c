/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mstack: print the stack of every thread of a running process, like
 * eu-stack or pstack.  It seizes the process with utrace_seize() (every
 * thread stops where it is, without a signal), attaches one engine per
 * thread, unwinds each, and detaches: the process goes on as if nothing
 * happened.  Public API only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utrace/utrace.h>

#define DEFAULT_FRAMES 64

/* An engine that asks for nothing: it only keeps the thread traced. */
static const struct utrace_engine_ops quiet_ops = {
	.size = sizeof(quiet_ops),
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "Usage: mstack [-n FRAMES] -p PID\n"
	        "\n"
	        "Print the stack of every thread of process PID.\n"
	        "  -n FRAMES  at most FRAMES frames per thread (default %d)\n"
	        "  -p PID     the process\n"
	        "  -h         this help\n",
	        DEFAULT_FRAMES);
}

static void
print_frames(pid_t tid, const struct utrace_frame *frames, size_t n)
{
	printf("TID %d:\n", (int)tid);
	for (size_t i = 0; i < n; i++) {
		const struct utrace_frame *f = &frames[i];

		printf("#%-2zu 0x%016" PRIx64, i, f->pc);
		if (f->name[0])
			printf(" %s+%#" PRIx64, f->name, f->offset);
		else
			printf(" ??");
		if (f->flags & UTRACE_FRAME_SIGNAL)
			printf(" <signal handler called>");
		putchar('\n');
	}
}

static int
stack_of(struct utrace_task *task, size_t max)
{
	struct utrace_frame *frames = calloc(max, sizeof(*frames));
	struct utrace_engine *engine = NULL;
	size_t n = 0;
	int r;

	if (!frames)
		return -ENOMEM;
	r = utrace_attach_task(task, UTRACE_ATTACH_CREATE, &quiet_ops, NULL,
	                       &engine);
	if (r == 0)
		r = utrace_task_unwind(task, frames, max, &n);
	if (r == 0)
		print_frames(utrace_task_tid(task), frames, n);
	else
		fprintf(stderr, "mstack: thread %d: %s\n",
		        (int)utrace_task_tid(task), strerror(-r));
	if (engine) {
		(void)utrace_control(task, engine, UTRACE_DETACH);
		utrace_engine_put(engine);
	}
	free(frames);
	return r;
}

int
main(int argc, char **argv)
{
	struct utrace_task **tasks = NULL;
	struct utrace *u = NULL;
	unsigned long max = DEFAULT_FRAMES;
	pid_t pid = 0;
	char *end;
	int failed = 0;
	int opt;
	int r;

	while ((opt = getopt(argc, argv, "hn:p:")) != -1) {
		switch (opt) {
		case 'n':
			max = strtoul(optarg, &end, 10);
			if (*end || max == 0 || max > 100000) {
				fprintf(stderr, "mstack: bad -n %s\n", optarg);
				return 2;
			}
			break;
		case 'p':
			pid = (pid_t)strtol(optarg, &end, 10);
			if (*end || pid <= 0) {
				fprintf(stderr, "mstack: bad -p %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!pid || optind != argc) {
		usage(stderr);
		return 2;
	}

	r = utrace_new(NULL, &u);
	if (r < 0) {
		fprintf(stderr, "mstack: %s\n", strerror(-r));
		return 1;
	}
	r = utrace_seize(u, pid, NULL, &tasks);
	if (r < 0) {
		fprintf(stderr, "mstack: process %d: %s\n", (int)pid,
		        strerror(-r));
		utrace_free(u);
		return 1;
	}
	/* Every thread is held in a stop now, the leader first. */
	printf("PID %d\n", (int)pid);
	for (size_t i = 0; tasks[i]; i++)
		if (stack_of(tasks[i], max) < 0)
			failed = 1;
	for (size_t i = 0; tasks[i]; i++) {
		/* No engine left: the library detaches from it. */
		(void)utrace_task_start(tasks[i]);
		utrace_task_put(tasks[i]);
	}
	free(tasks);
	utrace_free(u);
	return failed;
}
