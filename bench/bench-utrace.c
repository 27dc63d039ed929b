/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-utrace [-b] ENGINES MODE [--] PROG [ARGS]: run PROG under
 * libutrace with ENGINES engines attached, each subscribed to syscall entry
 * and exit.
 *
 *   noop    every engine answers every report with the disposition it was
 *           given: the cost of the library itself.
 *   read    the same, and the first engine also reads the syscall's fields
 *           and 64 bytes of tracee memory at every stop (at the stack
 *           pointer, with process_vm_readv(): always mapped, so every
 *           stop costs exactly one read): the least a decoder does.
 *   filter  the engines subscribe to openat only, and the task is spawned
 *           with a seccomp filter for it (UTRACE_SPAWN_SECCOMP): other
 *           calls do not stop.  Exits 77 where the library has no
 *           syscall table for the machine.
 *
 * The engines follow new threads and processes (UTRACE_ATTACH_FOLLOW).
 *
 * -m measures the memory of this process: once when the engines are on
 * the first task, before it runs, and again at every getpid() call of
 * PROG (bench-scale calls it once, when all its threads are traced).
 *
 * -b blocks SIGCHLD in the main thread once PROG is spawned.  The kernel
 * sends the tracer's thread group a SIGCHLD at every ptrace stop; the
 * tracer thread blocks it, so without -b it wakes the main thread, which
 * waits in utrace_task_wait(), at every stop.
 *
 * At the end it prints to stderr
 *   bench-utrace: stops S tasks T
 * (S: syscall reports the first engine got on all tasks, T: tasks it
 * was on), with -m also
 *   bench-utrace: mem tasks T0 rss-kb R0 heap-b H0 tasks T1 rss-kb R1 heap-b H1
 * (T: the tasks the first engine was on, R: VmRSS, H: bytes allocated with
 * malloc(), at the first and the last sample), and exits as PROG did (128
 * + the signal if PROG was killed).
 */
#include <errno.h>
#include <linux/audit.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

#include "bench-common.h"

#define MAX_ENGINES 64
#define READ_SIZE 64

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#define NATIVE_ARCH 0
#endif

struct mem {
	unsigned long tasks;
	unsigned long rss_kb;
	unsigned long long heap;
};

struct bench {
	unsigned long stops;
	unsigned long tasks;
	unsigned long read_errors;
	/* What the reader saw, summed so that nothing is optimised out. */
	unsigned long sum;
	bool measure_mem;
	/* Before the first task runs, and at PROG's last getpid(). */
	struct mem mem[2];
};

/* One per engine position; shared by the copies on every task. */
struct slot {
	struct bench *bench;
	bool first;
	bool reader;
};

static void
inspect(struct bench *b, struct utrace_task *task,
        const struct utrace_syscall *sc)
{
	unsigned char buf[READ_SIZE];
	struct iovec local = { buf, sizeof(buf) };
	/* An address in the tracee, for the kernel: never dereferenced here. */
	/* NOLINTNEXTLINE(performance-no-int-to-ptr) */
	struct iovec remote = { (void *)(uintptr_t)sc->sp, sizeof(buf) };

	b->sum += (unsigned long)sc->nr + (unsigned long)sc->rval;
	for (int i = 0; i < 6; i++)
		b->sum += sc->args[i];
	if (process_vm_readv(utrace_task_tid(task), &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(buf)) {
		b->read_errors++;
		return;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		b->sum += buf[i];
}

static unsigned long
rss_kb(void)
{
	char buf[4096];
	const char *p;

	if (bench_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "\nVmRSS:");
	return p ? strtoul(p + strlen("\nVmRSS:"), NULL, 10) : 0;
}

static void
sample_mem(struct bench *b, struct mem *m)
{
	m->tasks = b->tasks;
	m->rss_kb = rss_kb();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	{
		struct mallinfo2 mi = mallinfo2();

		/* Small blocks, and those big enough to get a mapping. */
		m->heap = mi.uordblks + mi.hblkhd;
	}
#endif
}

static uint32_t
report_syscall_entry(uint32_t action, struct utrace_engine *engine,
                     struct utrace_task *task, struct utrace_syscall *sc,
                     void *data)
{
	struct slot *s = data;

	if (s->first) {
		s->bench->stops++;
		if (s->bench->measure_mem && sc->arch == NATIVE_ARCH &&
		    sc->nr == SYS_getpid)
			sample_mem(s->bench, &s->bench->mem[1]);
	}
	if (s->reader)
		inspect(s->bench, task, sc);
	return UTRACE_RESUME | utrace_syscall_action(action);
}

static uint32_t
report_syscall_exit(uint32_t action, struct utrace_engine *engine,
                    struct utrace_task *task, struct utrace_syscall *sc,
                    void *data)
{
	struct slot *s = data;

	if (s->first)
		s->bench->stops++;
	if (s->reader)
		inspect(s->bench, task, sc);
	return UTRACE_RESUME;
}

/* Counts the tasks the first engine is on: it hears every new one. */
static uint32_t
report_clone(uint32_t action, struct utrace_engine *engine,
             struct utrace_task *task, enum utrace_clone_kind kind,
             struct utrace_task *child, void *data)
{
	struct slot *s = data;

	s->bench->tasks++;
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops ops = {
	.size = sizeof(ops),
	.report_syscall_entry = report_syscall_entry,
	.report_syscall_exit = report_syscall_exit,
	.report_clone = report_clone,
};

/*
 * Engines are attached in order; those made for new tasks keep it.  @nr:
 * the only call to report, or -1 for all.
 */
static int
attach(struct utrace_task *task, struct slot *s, int64_t nr)
{
	uint64_t events = UTRACE_EVENT_SYSCALL;
	struct utrace_engine *engine;
	int r;

	if (s->first)
		events |= UTRACE_EVENT(CLONE);
	r = utrace_attach_task(task,
	                       UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                       &ops, s, &engine);
	if (r < 0)
		return r;
	r = utrace_set_events(task, engine, events);
	if (r >= 0 && nr >= 0)
		r = utrace_set_syscalls(task, engine, NATIVE_ARCH, &nr, 1);
	if (r < 0)
		(void)utrace_control(task, engine, UTRACE_DETACH);
	utrace_engine_put(engine);
	return r;
}

static void
usage(void)
{
	fprintf(stderr, "Usage: bench-utrace [-b] [-m] ENGINES "
	                "noop|read|filter [--] PROG [ARGS]\n");
}

int
main(int argc, char **argv)
{
	struct utrace_spawn_opts spawn_opts = {
		.size = sizeof(spawn_opts),
		.flags = UTRACE_SPAWN_EXITKILL,
	};
	struct slot slots[MAX_ENGINES];
	struct bench bench = { .tasks = 1 };
	struct utrace *u = NULL;
	struct utrace_task *task = NULL;
	unsigned long engines;
	bool block_sigchld = false;
	bool read = false;
	int64_t nr = -1;
	sigset_t sigchld;
	int status = -1;
	int r;

	for (; argc > 1; argc--, argv++) {
		if (strcmp(argv[1], "-b") == 0)
			block_sigchld = true;
		else if (strcmp(argv[1], "-m") == 0)
			bench.measure_mem = true;
		else
			break;
	}
	if (argc < 4) {
		usage();
		return 2;
	}
	engines = bench_parse_count("bench-utrace", "engine count", argv[1]);
	if (engines > MAX_ENGINES) {
		fprintf(stderr, "bench-utrace: at most %d engines\n",
		        MAX_ENGINES);
		return 2;
	}
	if (strcmp(argv[2], "read") == 0) {
		read = true;
	} else if (strcmp(argv[2], "filter") == 0) {
		if (!NATIVE_ARCH ||
		    utrace_syscall_lookup(NATIVE_ARCH, "openat", &nr) < 0) {
			fprintf(stderr, "bench-utrace: filter: no syscall "
			                "table for this machine\n");
			return 77;
		}
		spawn_opts.flags |= UTRACE_SPAWN_SECCOMP;
		spawn_opts.seccomp_nrs = &nr;
		spawn_opts.n_seccomp_nrs = 1;
	} else if (strcmp(argv[2], "noop") != 0) {
		usage();
		return 2;
	}
	argv += 3;
	if (*argv && strcmp(*argv, "--") == 0)
		argv++;
	if (!*argv) {
		usage();
		return 2;
	}

	r = utrace_new(NULL, &u);
	if (r < 0) {
		fprintf(stderr, "bench-utrace: utrace_new: %s\n", strerror(-r));
		return 1;
	}
	r = utrace_spawn(u, argv, NULL, &spawn_opts, &task);
	if (r < 0) {
		fprintf(stderr, "bench-utrace: %s: %s\n", argv[0],
		        strerror(-r));
		goto finish;
	}
	for (unsigned long i = 0; i < engines; i++) {
		slots[i].bench = &bench;
		slots[i].first = i == 0;
		slots[i].reader = read && i == 0;
		r = attach(task, &slots[i], nr);
		if (r < 0) {
			fprintf(stderr, "bench-utrace: attach: %s\n",
			        strerror(-r));
			goto finish;
		}
	}
	if (bench.measure_mem)
		sample_mem(&bench, &bench.mem[0]);
	if (block_sigchld) {
		/* After the spawn: PROG inherits the mask of the caller. */
		(void)sigemptyset(&sigchld);
		(void)sigaddset(&sigchld, SIGCHLD);
		(void)pthread_sigmask(SIG_BLOCK, &sigchld, NULL);
	}
	r = utrace_task_start(task);
	if (r < 0) {
		fprintf(stderr, "bench-utrace: start: %s\n", strerror(-r));
		goto finish;
	}
	r = utrace_task_wait(task, &status);
	if (r < 0) {
		fprintf(stderr, "bench-utrace: wait: %s\n", strerror(-r));
		status = -1;
	}

finish:
	utrace_task_put(task);
	/* Kills or detaches what is left; no callback runs after it. */
	utrace_free(u);
	if (status == -1)
		return 1;
	fprintf(stderr, "bench-utrace: stops %lu tasks %lu", bench.stops,
	        bench.tasks);
	if (read)
		fprintf(stderr, " read-errors %lu sum %lx", bench.read_errors,
		        bench.sum);
	fputc('\n', stderr);
	if (bench.measure_mem)
		fprintf(stderr,
		        "bench-utrace: mem tasks %lu rss-kb %lu heap-b %llu "
		        "tasks %lu rss-kb %lu heap-b %llu\n",
		        bench.mem[0].tasks, bench.mem[0].rss_kb,
		        bench.mem[0].heap, bench.mem[1].tasks,
		        bench.mem[1].rss_kb, bench.mem[1].heap);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
