/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <utrace/utrace.h>

#include "list.h"
#include "util.h"

#define TASK_BUCKETS 256

/*
 * struct ptrace_syscall_info as of Linux 6.16, which added 'reserved' and
 * 'flags' in what used to be padding; older kernels fill the same layout.
 */
struct sysinfo_raw {
	__u8 op;
	__u8 reserved;
	__u16 flags;
	__u32 arch;
	__u64 instruction_pointer;
	__u64 stack_pointer;
	union {
		struct {
			__u64 nr;
			__u64 args[6];
		} entry;
		struct {
			__s64 rval;
			__u8 is_error;
		} exit;
		struct {
			__u64 nr;
			__u64 args[6];
			__u32 ret_data;
			__u32 reserved2;
		} seccomp;
	};
};

/* A set of syscall numbers of one architecture. */
#define SYSMAP_WORDS (UTRACE_SYSCALL_MAX / 64)
struct sysmap {
	uint32_t arch;
	uint64_t bits[SYSMAP_WORDS];
};

static inline bool
sysmap_has(const struct sysmap *m, int64_t nr)
{
	return nr >= 0 && nr < UTRACE_SYSCALL_MAX &&
	       (m->bits[nr / 64] >> (nr % 64)) & 1;
}

/* What the task is doing, as far as the tracer thread knows. */
enum task_state {
	TASK_NEW,       /* auto-attached child, first stop not yet handled */
	TASK_RUNNING,   /* resumed by us */
	TASK_STOPPED,   /* in a ptrace stop we have seen */
	TASK_LISTENING, /* in a group stop, resumed with PTRACE_LISTEN */
	TASK_DETACHED,  /* no longer traced (a spawned child: still ours) */
	TASK_DEAD,      /* final status collected, death and reap reported */
};

enum stop_kind {
	STOP_NONE,
	STOP_SYSCALL_ENTRY,
	STOP_SYSCALL_EXIT,
	STOP_SIGNAL,
	STOP_STEP,       /* SIGTRAP of a completed step: consumed */
	STOP_BREAKPOINT, /* SIGTRAP of one of our int3s: consumed */
	STOP_GROUP,      /* group stop (PTRACE_EVENT_STOP, stop signal) */
	STOP_CONTINUED,  /* end of a group stop (PTRACE_EVENT_STOP, SIGTRAP) */
	STOP_INTERRUPT,  /* PTRACE_EVENT_STOP after PTRACE_INTERRUPT */
	STOP_ATTACH,     /* first stop of an auto-attached child */
	STOP_CLONE,
	STOP_EXEC,
	STOP_EXIT,
	STOP_OTHER, /* anything else: resumed as is */
};

/* The current stop of a task and the merged answers of its engines. */
struct stop {
	enum stop_kind kind;
	int sig;        /* WSTOPSIG */
	uint64_t event; /* PTRACE_EVENT_* between decode and dispatch */
	enum utrace_resume_action resume; /* strongest non-STOP wish */
	uint32_t disp;                    /* signal or syscall disposition */
	bool report_done; /* the extra REPORT pass already ran */
	bool group;       /* resume with PTRACE_LISTEN */
	bool held_entry;  /* entry was held: repeat its report */
	bool unholdable;  /* SIGKILL exit: never held */
	siginfo_t info;
	siginfo_t orig_info;
	struct sysinfo_raw raw;
	struct utrace_syscall sc;
	struct utrace_syscall orig_sc;
	unsigned long msg; /* PTRACE_GETEVENTMSG */
};

struct debug_task;

/*
 * The ptrace options every task has.  PTRACE_O_TRACEEXIT is added only
 * while an engine wants EXIT reports (task_ptrace_options()).
 */
#define TASK_BASE_OPTIONS                                                   \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC)

struct utrace_task {
	/* Pointers and 8-byte fields first, then 4-byte ones, then flags:
	 * no padding. */
	struct utrace *u;
	struct list_head hash;    /* in u->buckets */
	struct list_head node;    /* in u->tasks */
	struct list_head engines; /* attach order */
	struct stop stop;
	struct sysmap sys;         /* if !sys_all: the union of their sets */
	struct sysmap seccomp_map; /* the calls our filter traces */
	struct debug_task *debug;  /* debug.c: registers, breakpoints */
	/* The task that took over our tid in a non-leader exec (a
	 * reference); utrace_task_wait() follows it. */
	struct utrace_task *successor;
	uint64_t events; /* union of the engines' masks */
	int64_t abort_rval;
	long opts; /* ptrace options set, 0: not known */
	atomic_int ref;
	_Atomic pid_t tid;
	_Atomic pid_t tgid;
	unsigned int in_pass; /* report passes running on this task */
	enum task_state state;
	enum utrace_resume_action pending_resume; /* for the next stop */
	int exit_status;
	int status;        /* final wait status */
	bool sys_all;      /* some engine wants every syscall */
	bool seccomp;      /* carries our seccomp filter */
	bool sys_filtered; /* only filtered calls need to stop */
	bool spawned;      /* our child: we reap it */
	bool start_hold;   /* held until utrace_task_start() */
	bool seized;       /* from utrace_seize(): never killed */
	bool started;
	bool kill_on_free;
	bool killing;         /* SIGKILLed by utrace_free() */
	bool interrupt_sent;  /* PTRACE_INTERRUPT not yet answered */
	bool report_wanted;   /* quiesce(0) asked for by utrace_control */
	bool detach_pending;  /* ptrace-detach at the next stop */
	bool stepping;        /* resumed with a step request */
	bool syscall_traced;  /* resumed with PTRACE_SYSCALL */
	bool abort_pending;   /* aborted syscall awaiting its exit stop */
	bool parent_seen;     /* new child: the parent's event arrived */
	bool first_stop_seen; /* new child: its attach stop arrived */
	bool early_dead;      /* died before its parent's clone event */
	bool exit_seen;       /* its exit stop came */
	bool dying;           /* death report started */
	bool sweep_suspect;   /* task_sweep(): looked lost once */
	bool filtered_call;   /* in a filtered call, its exit wanted */
	bool exitkill;        /* PTRACE_O_EXITKILL (inherited) */
	atomic_bool dead;
	atomic_bool untraced; /* detached while alive, not our child */
};

struct utrace_engine {
	atomic_int ref;
	const struct utrace_engine_ops *ops;
	void *data;
	struct utrace_task *task; /* a reference */
	struct list_head node;    /* in task->engines while linked */
	uint64_t events;
	uint64_t seq; /* attach order, for "hears the next event" */
	bool linked;
	bool detached;
	bool holding;       /* holds the task stopped */
	bool follow;        /* UTRACE_ATTACH_FOLLOW */
	struct sysmap *sys; /* utrace_set_syscalls(), NULL: all */
};

struct cmd;

struct utrace {
	pthread_t thread;
	pid_t tracer_tid;
	pid_t pid;
	int wake_signal;
	uint64_t flags;

	pthread_mutex_t lock; /* cmds, log, task deaths */
	pthread_cond_t cond;
	struct list_head cmds;
	atomic_int cmd_pending;
	atomic_int in_window;
	bool started;
	bool quit;

	utrace_log_fn log_fn;
	void *log_data;

	struct list_head tasks;
	struct list_head buckets[TASK_BUCKETS];
	uint64_t attach_seq;
	bool no_set_sysinfo;

	uint64_t wait_avg_ns; /* how long waits for a stop take */
	pid_t hot_tid;        /* the task resumed last (tracer_poll()) */
	unsigned int n_mm;    /* debug.c: address spaces in use */
	unsigned int hot_run; /* stops taken from it in a row */
	bool sigchld_open;    /* SIGCHLD unblocked on the tracer thread */

	timer_t timer; /* the stolen-stop sweep */
	bool timer_created;
	bool timer_armed;
	time_t next_sweep;
};

/* log.c */
void ulog(struct utrace *u, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cmdq.c */
typedef int (*cmd_fn)(struct utrace *u, void *arg);
bool cmdq_on_tracer(const struct utrace *u);
int cmdq_call(struct utrace *u, cmd_fn fn, void *arg);
void cmdq_run(struct utrace *u);
void cmdq_wake(struct utrace *u);

/* tracer.c */
int tracer_start(struct utrace *u);
void tracer_install_handler_check(void);
int tracer_wake_handler_install(int sig);

/* task.c */
struct utrace_task *task_new(struct utrace *u, pid_t tid, pid_t tgid);
struct utrace_task *task_lookup(struct utrace *u, pid_t tid);
void task_unhash(struct utrace_task *t);
void task_handle_status(struct utrace *u, const siginfo_t *si);
int task_decode(struct utrace_task *t, int st);
void task_dispatch(struct utrace_task *t);
void task_maybe_resume(struct utrace_task *t);
void task_detach_ptrace(struct utrace_task *t);
void task_interrupt(struct utrace_task *t);
bool task_is_held(const struct utrace_task *t);
bool task_wants_syscall(const struct utrace_task *t,
                        const struct utrace_syscall *sc);
void task_update_events(struct utrace_task *t);
void task_engines_changed(struct utrace_task *t);
void task_death(struct utrace_task *t, int status);
void task_exec_syscall(struct utrace_task *t);
int proc_status_field(pid_t tid, const char *field, long *ret);
int task_shutdown(struct utrace *u);
void task_sweep(struct utrace *u);

/* engine.c */
bool engine_wants_syscall(const struct utrace_engine *e,
                          const struct utrace_syscall *sc);
struct report {
	uint64_t event; /* UTRACE_EVENT() bit, 0 for quiesce only */
	uint32_t flags; /* UTRACE_SYSCALL_RESUMED */
	bool reverse;
	enum utrace_clone_kind kind;
	struct utrace_task *child;
	const char *path;
	pid_t former_tid;
	int status;
	int jctl_type;
};
void engine_report(struct utrace_task *t, const struct report *r);
void engine_report_death(struct utrace_task *t, int status, bool group_dead);
void engine_detach(struct utrace_engine *e);
void engine_cleanup(struct utrace_task *t);
struct utrace_engine *engine_create(struct utrace_task *t,
                                    const struct utrace_engine_ops *ops,
                                    void *data, bool follow);
void engine_follow(struct utrace_task *parent, struct utrace_task *child);

/* resume.c: merging the engines' answers (pure) */
struct merge {
	uint32_t action; /* resume part merged so far */
	enum utrace_resume_action resume;
	uint32_t disp;
};
void resume_merge_init(struct merge *m, uint32_t disp);
void resume_merge_held(struct merge *m);
uint32_t resume_merge_input(const struct merge *m, uint32_t flags);
enum merge_effect {
	MERGE_HOLD,
	MERGE_RELEASE,
	MERGE_DETACH,
};
enum merge_effect resume_merge_fold(struct merge *m, uint32_t ret,
                                    bool has_disp);
enum utrace_resume_action resume_final(enum utrace_resume_action a);

/* regs.c and arch/ */
int regs_syscall_write(struct utrace_task *t, bool entry, bool abort);
long arch_wait_window(const atomic_int *pending, long nr, long a1, long a2,
                      long a3, long a4);
void arch_wait_abort(void *ucontext);
int arch_syscall_nr(pid_t tid, uint32_t *ret_arch, int64_t *ret_nr);
int arch_syscall_abi_regs(pid_t tid, const struct utrace_syscall *sc,
                          bool entry, bool abort);

/* syscall.c */
int syscall_fetch(struct utrace_task *t);
int syscall_write_back(struct utrace_task *t);

/* seccomp.c */
struct sock_fprog;
int seccomp_filter_build(const struct sysmap *m, struct sock_fprog *prog);
void seccomp_filter_free(struct sock_fprog *prog);

/* spawn.c */
int spawn_run(struct utrace *u, void *arg);

/* utrace.c */
void utrace_task_free(struct utrace_task *t);
