/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bpcount: count the calls of a function of a program, by a breakpoint
 * at its symbol, while another engine on the same tasks prints every
 * system call.  The two engines know nothing of each other.  The symbol
 * comes from the ELF symbol tables of the program and of the shared
 * libraries it maps, placed where /proc/PID/maps shows the file offset
 * of its segment mapped (PIE or not).  Public API only.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utrace/utrace.h>

/* ---- the symbol ------------------------------------------------------- */

struct elf_file {
	const unsigned char *data;
	size_t size;
};

static bool
elf_in(const struct elf_file *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

/*
 * The file offset of function @name in the ELF64 file at @path (.symtab,
 * else .dynsym): its value moved into the loadable segment that holds it.
 */
static int
elf_lookup(const char *path, const char *name, uint64_t *ret_off)
{
	struct elf_file f;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	uint64_t value = 0;
	int r = -ENOENT;
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return -ENOEXEC;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	f.data = map;
	f.size = (size_t)st.st_size;
	eh = map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    !elf_in(&f, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh)) ||
	    !elf_in(&f, eh->e_phoff,
	            (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
		r = -ENOEXEC;
		goto out;
	}
	sh = (const void *)(f.data + eh->e_shoff);
	for (int pass = 0; pass < 2 && r == -ENOENT; pass++) {
		uint32_t want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;

		for (int i = 0; i < eh->e_shnum && r == -ENOENT; i++) {
			const Elf64_Shdr *str;

			if (sh[i].sh_type != want ||
			    sh[i].sh_link >= eh->e_shnum)
				continue;
			str = &sh[sh[i].sh_link];
			if (!elf_in(&f, sh[i].sh_offset, sh[i].sh_size) ||
			    !elf_in(&f, str->sh_offset, str->sh_size))
				continue;
			for (uint64_t k = 0;
			     k < sh[i].sh_size / sizeof(Elf64_Sym); k++) {
				const Elf64_Sym *sym =
					(const void *)(f.data +
				                       sh[i].sh_offset +
				                       k * sizeof(Elf64_Sym));
				const char *s;

				if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
				    sym->st_shndx == SHN_UNDEF ||
				    sym->st_name >= str->sh_size)
					continue;
				s = (const char *)f.data + str->sh_offset +
				    sym->st_name;
				if (strnlen(s, str->sh_size - sym->st_name) <
				            str->sh_size - sym->st_name &&
				    strcmp(s, name) == 0) {
					value = sym->st_value;
					r = 0;
					break;
				}
			}
		}
	}
	if (r < 0)
		goto out;
	r = -ENOENT;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
			(const void *)(f.data + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type == PT_LOAD && value >= ph->p_vaddr &&
		    value - ph->p_vaddr < ph->p_filesz) {
			*ret_off = ph->p_offset + (value - ph->p_vaddr);
			r = 0;
			break;
		}
	}
out:
	munmap(map, f.size);
	return r;
}

/* A file mapping of /proc/PID/maps. */
struct mapping {
	uint64_t start;
	uint64_t end;
	uint64_t off;
	unsigned long long ino;
	char path[512];
};

/* The number in @base at *@s, and *@s moved past it; false if none. */
static bool
parse_ull(const char **s, int base, unsigned long long *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(*s, &end, base);
	if (errno || end == *s)
		return false;
	*ret = v;
	*s = end;
	return true;
}

/* @s past the blank-separated field it starts with (blanks first). */
static const char *
skip_field(const char *s)
{
	s += strspn(s, " \t");
	return s + strcspn(s, " \t\n");
}

static bool
parse_mapping(const char *line, struct mapping *m)
{
	unsigned long long start;
	unsigned long long end;
	unsigned long long off;
	const char *p = line;

	/* start-end perms offset dev inode path */
	if (!parse_ull(&p, 16, &start) || *p++ != '-' ||
	    !parse_ull(&p, 16, &end))
		return false;
	p = skip_field(p);
	if (!parse_ull(&p, 16, &off))
		return false;
	p = skip_field(p);
	if (!parse_ull(&p, 10, &m->ino))
		return false;
	p += strspn(p, " \t");
	if (m->ino == 0 || *p != '/')
		return false;
	m->start = start;
	m->end = end;
	m->off = off;
	snprintf(m->path, sizeof(m->path), "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

/* Where file offset @off of the file with inode @ino is mapped in @pid. */
static int
file_addr(pid_t pid, unsigned long long ino, uint64_t off, uint64_t *ret)
{
	char path[64];
	char line[1024];
	struct mapping m;
	FILE *maps;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (!maps)
		return -errno;
	while (r < 0 && fgets(line, sizeof(line), maps)) {
		if (parse_mapping(line, &m) && m.ino == ino && off >= m.off &&
		    off - m.off < m.end - m.start) {
			*ret = m.start + (off - m.off);
			r = 0;
		}
	}
	fclose(maps);
	return r;
}

/*
 * The address of function @name in process @pid: looked up in the
 * program, then in every other file it maps (shared libraries), in the
 * order of /proc/PID/maps; the first that defines it wins.
 */
static int
resolve(pid_t pid, const char *name, uint64_t *ret_addr)
{
	char path[64];
	char line[1024];
	unsigned long long seen[64];
	size_t n_seen = 0;
	struct mapping m;
	struct stat st;
	uint64_t off = 0;
	FILE *maps;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &st) < 0)
		return -errno;
	r = elf_lookup(path, name, &off);
	if (r == 0)
		return file_addr(pid, (unsigned long long)st.st_ino, off,
		                 ret_addr);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (!maps)
		return -errno;
	seen[n_seen++] = (unsigned long long)st.st_ino;
	r = -ENOENT;
	while (r == -ENOENT && fgets(line, sizeof(line), maps)) {
		bool known = false;

		if (!parse_mapping(line, &m))
			continue;
		for (size_t i = 0; i < n_seen; i++)
			known = known || seen[i] == m.ino;
		if (known || n_seen == 64)
			continue;
		seen[n_seen++] = m.ino;
		/* Through the process's view of the file system. */
		snprintf(line, sizeof(line), "/proc/%d/root%s", (int)pid,
		         m.path);
		if (elf_lookup(line, name, &off) == 0)
			r = file_addr(pid, m.ino, off, ret_addr);
	}
	fclose(maps);
	return r;
}

/* The entry point of the program of @pid (AT_ENTRY). */
static int
entry_addr(pid_t pid, uint64_t *ret)
{
	char path[64];
	uint64_t av[2];
	int r = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fread(av, sizeof(av), 1, f) == 1 && av[0] != AT_NULL) {
		if (av[0] == AT_ENTRY) {
			*ret = av[1];
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

/* ---- the engines ------------------------------------------------------ */

struct counter {
	const char *symbol;
	uint64_t hits;
	/* Until the shared libraries are loaded: a breakpoint at the
	 * program's entry point, where the symbol is looked up again. */
	uint64_t entry;
	int error;
};

static uint32_t
counter_hit(uint32_t action, struct utrace_engine *engine,
            struct utrace_task *task, uint64_t addr, void *data)
{
	struct counter *c = data;
	uint64_t at;
	int r;

	(void)action;
	if (!c->entry || addr != c->entry) {
		c->hits++;
		return UTRACE_RESUME;
	}
	c->entry = 0;
	r = resolve(utrace_task_tgid(task), c->symbol, &at);
	if (r == 0)
		r = utrace_bp_insert(task, engine, at);
	(void)utrace_bp_remove(task, engine, addr);
	if (r < 0) {
		c->error = r;
		return UTRACE_DETACH;
	}
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops counter_ops = {
	.size = sizeof(counter_ops),
	.report_breakpoint = counter_hit,
};

static uint32_t
printer_exit(uint32_t action, struct utrace_engine *engine,
             struct utrace_task *task, struct utrace_syscall *sc, void *data)
{
	const char *name = utrace_syscall_name(sc->arch, sc->nr);

	(void)action;
	(void)engine;
	(void)data;
	if (name)
		fprintf(stderr, "[%d] %s() = %" PRId64 "\n",
		        (int)utrace_task_tid(task), name, sc->rval);
	else
		fprintf(stderr, "[%d] syscall_%" PRId64 "() = %" PRId64 "\n",
		        (int)utrace_task_tid(task), sc->nr, sc->rval);
	return UTRACE_RESUME;
}

static const struct utrace_engine_ops printer_ops = {
	.size = sizeof(printer_ops),
	.report_syscall_exit = printer_exit,
};

/* Both engines on @task; they follow every thread and child it makes. */
static int
attach_engines(struct utrace_task *task, struct counter *c, bool print,
               struct utrace_engine **ret_counter)
{
	struct utrace_engine *e = NULL;
	int r;

	r = utrace_attach_task(task,
	                       UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                       &counter_ops, c, &e);
	if (r == 0)
		r = utrace_set_events(task, e, UTRACE_EVENT(BREAKPOINT));
	if (r < 0) {
		utrace_engine_put(e);
		return r;
	}
	*ret_counter = e;
	if (!print)
		return 0;
	e = NULL;
	r = utrace_attach_task(task,
	                       UTRACE_ATTACH_CREATE | UTRACE_ATTACH_FOLLOW,
	                       &printer_ops, NULL, &e);
	if (r == 0)
		r = utrace_set_events(task, e, UTRACE_EVENT(SYSCALL_EXIT));
	utrace_engine_put(e);
	return r;
}

/* ---- main ------------------------------------------------------------- */

static void
usage(FILE *f)
{
	fprintf(f, "Usage: bpcount [-q] SYMBOL [--] PROG [ARGS...]\n"
	           "       bpcount [-q] -p PID SYMBOL\n"
	           "\n"
	           "Count the calls of function SYMBOL of a program or of a\n"
	           "shared library it loaded (their symbol tables) and print\n"
	           "its system calls on stderr.\n"
	           "  -p PID  trace a running process until it exits or until\n"
	           "          SIGINT or SIGTERM\n"
	           "  -q      do not print system calls\n"
	           "  -h      this help\n");
}

struct leader_wait {
	struct utrace_task *task;
	pthread_t main;
};

static void *
wait_leader(void *arg)
{
	struct leader_wait *w = arg;
	int status;

	(void)utrace_task_wait(w->task, &status);
	pthread_kill(w->main, SIGUSR1);
	return NULL;
}

static int
run_attached(struct utrace *u, pid_t pid, const char *symbol, bool print,
             struct counter *c)
{
	struct utrace_task **tasks = NULL;
	struct utrace_engine *first = NULL;
	struct leader_wait w;
	pthread_t waiter;
	uint64_t addr;
	sigset_t set;
	int sig;
	int r;

	r = utrace_seize(u, pid, NULL, &tasks);
	if (r < 0) {
		fprintf(stderr, "bpcount: process %d: %s\n", (int)pid,
		        strerror(-r));
		return 1;
	}
	r = resolve(pid, symbol, &addr);
	if (r < 0)
		fprintf(stderr, "bpcount: %s: %s\n", symbol, strerror(-r));
	for (size_t i = 0; r == 0 && tasks[i]; i++) {
		struct utrace_engine *e = NULL;

		r = attach_engines(tasks[i], c, print, &e);
		if (r == 0 && !first)
			first = utrace_engine_get(e);
		utrace_engine_put(e);
	}
	if (r == 0)
		r = utrace_bp_insert(tasks[0], first, addr);
	if (r < 0)
		fprintf(stderr, "bpcount: %s\n", strerror(-r));
	for (size_t i = 0; tasks[i]; i++)
		(void)utrace_task_start(tasks[i]);
	if (r == 0) {
		/* Counting from here on: tells whoever waits for it. */
		printf("attached %d\n", (int)pid);
		(void)fflush(stdout);
		w.task = tasks[0];
		w.main = pthread_self();
		if (pthread_create(&waiter, NULL, wait_leader, &w) == 0) {
			sigemptyset(&set);
			sigaddset(&set, SIGINT);
			sigaddset(&set, SIGTERM);
			sigaddset(&set, SIGUSR1);
			(void)sigwait(&set, &sig);
			/* Detaching removes the breakpoint: the waiter
			 * returns -ESRCH then. */
			utrace_engine_put(first);
			first = NULL;
			utrace_free(u);
			pthread_join(waiter, NULL);
			u = NULL;
		}
	}
	utrace_engine_put(first);
	for (size_t i = 0; tasks[i]; i++)
		utrace_task_put(tasks[i]);
	free(tasks);
	utrace_free(u);
	return r < 0;
}

static int
run_spawned(struct utrace *u, char **argv, const char *symbol, bool print,
            struct counter *c)
{
	struct utrace_engine *e = NULL;
	struct utrace_task *task = NULL;
	uint64_t addr = 0;
	int status = 0;
	int r;

	r = utrace_spawn(u, argv, NULL, NULL, &task);
	if (r < 0) {
		fprintf(stderr, "bpcount: %s: %s\n", argv[0], strerror(-r));
		utrace_free(u);
		return 127;
	}
	/* Stopped after exec: the program is mapped, not yet run, and of its
	 * shared libraries only the dynamic linker is.  A symbol not found
	 * yet is looked up again at the entry point, when they all are. */
	r = resolve(utrace_task_tid(task), symbol, &addr);
	if (r == -ENOENT && entry_addr(utrace_task_tid(task), &addr) == 0) {
		c->entry = addr;
		r = 0;
	}
	if (r < 0)
		fprintf(stderr, "bpcount: %s: %s\n", symbol, strerror(-r));
	if (r == 0)
		r = attach_engines(task, c, print, &e);
	if (r == 0)
		r = utrace_bp_insert(task, e, addr);
	if (r < 0 && r != -ENOENT)
		fprintf(stderr, "bpcount: %s\n", strerror(-r));
	if (r < 0) {
		utrace_engine_put(e);
		utrace_task_put(task);
		utrace_free(u);
		return 1;
	}
	(void)utrace_task_start(task);
	r = utrace_task_wait(task, &status);
	utrace_engine_put(e);
	utrace_task_put(task);
	utrace_free(u);
	if (c->error) {
		fprintf(stderr, "bpcount: %s: %s\n", symbol,
		        strerror(-c->error));
		return 1;
	}
	if (r < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
main(int argc, char **argv)
{
	struct counter c = { 0 };
	struct utrace *u = NULL;
	const char *symbol;
	bool print = true;
	sigset_t set;
	pid_t pid = 0;
	char *end;
	long v;
	int opt;
	int ret;
	int r;

	while ((opt = getopt(argc, argv, "+hp:q")) != -1) {
		switch (opt) {
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v <= 0 ||
			    v > INT_MAX) {
				fprintf(stderr, "bpcount: bad -p %s\n", optarg);
				return 2;
			}
			pid = (pid_t)v;
			break;
		case 'q':
			print = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	symbol = argv[optind++];
	c.symbol = symbol;
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (pid ? optind != argc : optind == argc) {
		usage(stderr);
		return 2;
	}

	/* Every thread, the library's included, leaves these to sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (pid)
		pthread_sigmask(SIG_BLOCK, &set, NULL);

	r = utrace_new(NULL, &u);
	if (r < 0) {
		fprintf(stderr, "bpcount: %s\n", strerror(-r));
		return 1;
	}
	if (pid)
		ret = run_attached(u, pid, symbol, print, &c);
	else
		ret = run_spawned(u, argv + optind, symbol, print, &c);
	/* The context is gone: no callback runs any more. */
	printf("%s: %" PRIu64 " calls\n", symbol, c.hits);
	return ret;
}
