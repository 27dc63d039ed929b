/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libutrace: several tracing engines on one traced thread, in user space.
 *
 * This header is the whole public API except raw registers.  The reference
 * text for every call is its comment here; the man pages in doc/ say the
 * same at more length.
 *
 * Rules shared by every call:
 * - A call that takes a context, task or engine and is made from a host
 *   thread is run by the context's tracer thread between two callbacks;
 *   the caller waits for it.  Callbacks may make the same calls directly.
 * - Such calls return -ECHILD when made in a forked child of the host.
 * - Handles (tasks, engines) must not be used after utrace_free() of
 *   their context, except for their _put.
 * - While it traces, the tracer thread gets the wake-up signal once a
 *   second (a sweep for stops another wait of the host took).  The
 *   handler has SA_RESTART: a callback's blocking call is restarted, but
 *   calls the kernel never restarts (poll, nanosleep, ...) can fail with
 *   EINTR inside callbacks.
 * - Compiled as strict C99, <signal.h> needs _POSIX_C_SOURCE (for
 *   siginfo_t) defined before this header.
 */
#ifndef UTRACE_UTRACE_H
#define UTRACE_UTRACE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct utrace;
struct utrace_task;
struct utrace_engine;

/*
 * Events.  An engine subscribes with utrace_set_events() to a mask built
 * from UTRACE_EVENT(NAME); the bit numbers follow the kernel utrace API.
 */
enum utrace_event_bit {
	UTRACE_EVENT_BIT_QUIESCE = 0,
	UTRACE_EVENT_BIT_REAP = 1,
	UTRACE_EVENT_BIT_CLONE = 2,
	UTRACE_EVENT_BIT_EXEC = 3,
	UTRACE_EVENT_BIT_EXIT = 4,
	UTRACE_EVENT_BIT_DEATH = 5,
	UTRACE_EVENT_BIT_SYSCALL_ENTRY = 6,
	UTRACE_EVENT_BIT_SYSCALL_EXIT = 7,
	UTRACE_EVENT_BIT_SIGNAL = 8,
	UTRACE_EVENT_BIT_SIGNAL_IGN = 9,
	UTRACE_EVENT_BIT_SIGNAL_STOP = 10,
	UTRACE_EVENT_BIT_SIGNAL_TERM = 11,
	UTRACE_EVENT_BIT_SIGNAL_CORE = 12,
	UTRACE_EVENT_BIT_JCTL = 13,
	UTRACE_EVENT_BIT_BREAKPOINT = 14,
	UTRACE_EVENT_BIT_WATCHPOINT = 15,
};

#define UTRACE_EVENT(name) (1ull << UTRACE_EVENT_BIT_##name)
#define UTRACE_EVENT_SYSCALL \
	(UTRACE_EVENT(SYSCALL_ENTRY) | UTRACE_EVENT(SYSCALL_EXIT))
#define UTRACE_EVENT_SIGNAL_ALL                                  \
	(UTRACE_EVENT(SIGNAL) | UTRACE_EVENT(SIGNAL_IGN) |       \
	 UTRACE_EVENT(SIGNAL_STOP) | UTRACE_EVENT(SIGNAL_TERM) | \
	 UTRACE_EVENT(SIGNAL_CORE))
#define UTRACE_EVENT_ALL ((1ull << (UTRACE_EVENT_BIT_WATCHPOINT + 1)) - 1)

/*
 * Resume actions, most restrictive first.  Several engines' answers merge
 * to the smallest; see utrace(7).
 */
enum utrace_resume_action {
	UTRACE_STOP = 0,
	UTRACE_INTERRUPT = 1,
	UTRACE_REPORT = 2,
	UTRACE_SINGLESTEP = 3,
	UTRACE_BLOCKSTEP = 4,
	UTRACE_RESUME = 5,
	UTRACE_DETACH = 6,
	UTRACE_RESUME_MAX = 7,
};
#define UTRACE_RESUME_MASK 0x7u

/* Signal disposition, in bits 4-7 of a report_signal() action. */
enum utrace_signal_action {
	UTRACE_SIGNAL_DELIVER = 0x00,
	UTRACE_SIGNAL_IGN = 0x10,
	UTRACE_SIGNAL_TERM = 0x20,
	UTRACE_SIGNAL_CORE = 0x30,
	UTRACE_SIGNAL_STOP = 0x40,
	UTRACE_SIGNAL_TSTP = 0x50,
};
#define UTRACE_SIGNAL_MASK 0xf0u

/* Syscall disposition, in bits 4-7 of a report_syscall_entry() action. */
enum utrace_syscall_action {
	UTRACE_SYSCALL_RUN = 0x00,
	UTRACE_SYSCALL_ABORT = 0x10,
};
#define UTRACE_SYSCALL_MASK 0xf0u
/* Set in the action of a repeated syscall entry report. */
#define UTRACE_SYSCALL_RESUMED 0x100u

/*
 * A callback's answer from a resume action and a disposition (a
 * utrace_signal_action, a utrace_syscall_action, or 0).  C code may as
 * well write UTRACE_RESUME | UTRACE_SIGNAL_IGN; in C++ the two are
 * distinct enumerations, and | between them is deprecated since C++20.
 */
static inline uint32_t
utrace_action(enum utrace_resume_action resume, uint32_t disposition)
{
	return (uint32_t)resume | disposition;
}

static inline enum utrace_resume_action
utrace_resume_action(uint32_t action)
{
	return (enum utrace_resume_action)(action & UTRACE_RESUME_MASK);
}

static inline enum utrace_signal_action
utrace_signal_action(uint32_t action)
{
	return (enum utrace_signal_action)(action & UTRACE_SIGNAL_MASK);
}

static inline enum utrace_syscall_action
utrace_syscall_action(uint32_t action)
{
	return (enum utrace_syscall_action)(action & UTRACE_SYSCALL_MASK);
}

/* Kinds of new task given to report_clone(): a thread of the same
 * process, a new process (fork, or a clone without CLONE_THREAD), or a
 * vfork child (the parent waits until it execs or exits). */
enum utrace_clone_kind {
	UTRACE_CLONE_THREAD = 1,
	UTRACE_CLONE_FORK = 2,
	UTRACE_CLONE_VFORK = 3,
};

/*
 * A system call as seen at a syscall stop.  The library owns it; engines
 * may change the writable fields and later engines see the change.  The
 * library writes the changes back to the tracee once, before it resumes.
 *
 * @arch:     AUDIT_ARCH_* of the call (a 64-bit task may use int 0x80).
 * @nr:       number; writable at entry (rewrites the call).  At exit, the
 *            entry's (after an exec, read from the registers).
 * @args:     arguments; writable at entry.  At exit, the entry's (zero
 *            when the entry was not seen).
 * @rval:     at exit the return value (-errno on error), writable; at
 *            entry the value an aborted call returns (starts at -ENOSYS),
 *            writable.
 * @is_error: at exit, whether @rval is an error (recomputed from @rval
 *            when an engine changed it).
 * @ip, @sp:  instruction and stack pointer at the stop.
 * Changes to @arch, @ip, @sp and @is_error are ignored.
 */
struct utrace_syscall {
	uint32_t arch;
	int64_t nr;
	uint64_t args[6];
	int64_t rval;
	bool is_error;
	uint64_t ip;
	uint64_t sp;
};

/*
 * struct utrace_engine_ops - an engine's callbacks.  Set @size to
 * sizeof(struct utrace_engine_ops) (a smaller size from an older header
 * leaves the missing members NULL); NULL members are not called.
 *
 * Every report gets the action merged so far by the engines called before
 * it and returns its own; see utrace(7).  All callbacks run on the
 * context's tracer thread, one at a time.  @data is the engine's data.
 * Every pointer passed in is borrowed until the callback returns.
 *
 * report_quiesce: @event is the UTRACE_EVENT() bit of the report that
 *   follows, or 0 for a plain stop; the disposition bits of its return are
 *   ignored.
 * report_syscall_entry, report_syscall_exit: @sc, see struct
 *   utrace_syscall; the entry's disposition is enum utrace_syscall_action.
 * report_signal: @info is the signal about to be delivered, writable; the
 *   disposition is enum utrace_signal_action.
 * report_jctl: @type is CLD_STOPPED (group stop, @signo the stop signal)
 *   or CLD_CONTINUED (@signo SIGCONT).
 * report_clone: in the parent @task; @child is the new task, to attach
 *   engines to.
 * report_exec: @path is the new program (from /proc, may be empty),
 *   @former_tid the thread that called exec.
 * report_exit: @status is the wait status the thread will die with.  The
 *   exit stop cannot be held (STOP counts as RESUME there): since Linux
 *   6.1 a task held in its exit stop could not even be SIGKILLed.
 * report_death: @status as waitpid(2) gives it; @group_dead is true when
 *   no other thread of the process is traced in this context.
 * report_reap: the last callback of the engine on @task.
 * report_breakpoint: @task ran into the breakpoint at @addr, which this
 *   engine owns (see utrace_bp_insert(); UTRACE_EVENT(BREAKPOINT)); the
 *   program counter is @addr again, the instruction there not yet
 *   executed.  Other engines get only report_quiesce().
 * report_watchpoint: @task triggered the hardware watchpoint at @addr,
 *   which this engine owns (see utrace_wp_insert();
 *   UTRACE_EVENT(WATCHPOINT)); after the access for data watchpoints,
 *   before the instruction for UTRACE_WP_EXEC.
 */
struct utrace_engine_ops {
	size_t size;
	uint32_t (*report_quiesce)(uint32_t action,
	                           struct utrace_engine *engine,
	                           struct utrace_task *task, uint64_t event,
	                           void *data);
	uint32_t (*report_syscall_entry)(uint32_t action,
	                                 struct utrace_engine *engine,
	                                 struct utrace_task *task,
	                                 struct utrace_syscall *sc, void *data);
	uint32_t (*report_syscall_exit)(uint32_t action,
	                                struct utrace_engine *engine,
	                                struct utrace_task *task,
	                                struct utrace_syscall *sc, void *data);
	uint32_t (*report_signal)(uint32_t action, struct utrace_engine *engine,
	                          struct utrace_task *task, siginfo_t *info,
	                          void *data);
	uint32_t (*report_jctl)(uint32_t action, struct utrace_engine *engine,
	                        struct utrace_task *task, int type, int signo,
	                        void *data);
	uint32_t (*report_clone)(uint32_t action, struct utrace_engine *engine,
	                         struct utrace_task *task,
	                         enum utrace_clone_kind kind,
	                         struct utrace_task *child, void *data);
	uint32_t (*report_exec)(uint32_t action, struct utrace_engine *engine,
	                        struct utrace_task *task, const char *path,
	                        pid_t former_tid, void *data);
	uint32_t (*report_exit)(uint32_t action, struct utrace_engine *engine,
	                        struct utrace_task *task, int status,
	                        void *data);
	void (*report_death)(struct utrace_engine *engine,
	                     struct utrace_task *task, int status,
	                     bool group_dead, void *data);
	void (*report_reap)(struct utrace_engine *engine,
	                    struct utrace_task *task, void *data);
	void (*release)(void *data);
	uint32_t (*report_breakpoint)(uint32_t action,
	                              struct utrace_engine *engine,
	                              struct utrace_task *task, uint64_t addr,
	                              void *data);
	uint32_t (*report_watchpoint)(uint32_t action,
	                              struct utrace_engine *engine,
	                              struct utrace_task *task, uint64_t addr,
	                              void *data);
};

/* Flags of struct utrace_opts. */
enum utrace_opt_flags {
	/* Never use PTRACE_SET_SYSCALL_INFO; rewrite syscalls through
	 * registers (the path older kernels take). */
	UTRACE_OPT_SYSCALL_INFO_REGS = 1u << 0,
};

/*
 * struct utrace_opts - options of utrace_new().  Set @size to
 * sizeof(struct utrace_opts); it must cover at least @flags, and bytes
 * past the end of the struct this library knows must be zero.
 * @flags:       enum utrace_opt_flags.
 * @wake_signal: the signal that wakes the tracer thread for calls from
 *               other threads, from SIGRTMIN to SIGRTMAX; 0 picks
 *               SIGRTMAX - 1.  See utrace(7).
 */
struct utrace_opts {
	size_t size;
	uint64_t flags;
	int wake_signal;
};

/**
 * utrace_new() - start a tracing context and its tracer thread
 * @opts: options, or NULL for the defaults
 * @ret: the new context
 *
 * Installs a handler for the wake-up signal (process-wide, left installed)
 * unless one of the library's own is installed already.
 *
 * Context: any thread, also from a callback of another context; blocks
 * until the new tracer thread runs.
 * Return: 0; -EINVAL bad @opts or signal; -EBUSY the wake-up signal's
 * disposition is neither SIG_DFL nor the library's handler; -ENOMEM;
 * -EAGAIN no thread could be started.
 */
int utrace_new(const struct utrace_opts *opts, struct utrace **ret);

/**
 * utrace_free() - stop a context
 * @u: the context, or NULL
 *
 * Detaches every engine (release() runs for those with no other
 * reference), kills the spawned tasks that were not started with
 * UTRACE_SPAWN_DETACH_ON_FREE and reaps them, detaches from every other
 * task (left running as if never traced, or stopped if it was in a group
 * stop), and joins the tracer thread.
 *
 * Context: any thread but the tracer thread (from a callback it does
 * nothing and logs a bug); blocks until all of the above is done.
 */
void utrace_free(struct utrace *u);

/* Log handler: priority is a syslog LOG_* value. */
typedef void (*utrace_log_fn)(int priority, const char *format, va_list ap,
                              void *data);

/**
 * utrace_set_log_fn() - set where the library's log messages go
 * @u: the context
 * @fn: the handler, or NULL for silence (the default)
 * @data: passed to @fn
 *
 * Context: any thread; @fn is called from any thread.
 * Return: 0; -EINVAL @u is NULL.
 */
int utrace_set_log_fn(struct utrace *u, utrace_log_fn fn, void *data);

/* Flags of struct utrace_spawn_opts. */
enum utrace_spawn_flags {
	/* The task is killed if the tracer thread goes away
	 * (PTRACE_O_EXITKILL). */
	UTRACE_SPAWN_EXITKILL = 1u << 0,
	/* utrace_free() detaches the task instead of killing it. */
	UTRACE_SPAWN_DETACH_ON_FREE = 1u << 1,
	/* Install a seccomp filter before the exec so that only the calls
	 * in @seccomp_nrs stop; see utrace_spawn(). */
	UTRACE_SPAWN_SECCOMP = 1u << 2,
};

/*
 * struct utrace_spawn_opts - options of utrace_spawn().  Set @size to
 * sizeof(struct utrace_spawn_opts); it must cover at least @flags, and
 * bytes past the end of the struct this library knows must be zero.
 * @flags:         enum utrace_spawn_flags.
 * @seccomp_nrs:   with UTRACE_SPAWN_SECCOMP, the native (AUDIT_ARCH of the
 *                 library's build) syscall numbers that stop, each below
 *                 UTRACE_SYSCALL_MAX.
 * @n_seccomp_nrs: how many.
 */
struct utrace_spawn_opts {
	size_t size;
	uint64_t flags;
	const int64_t *seccomp_nrs;
	size_t n_seccomp_nrs;
};

/**
 * utrace_spawn() - run a program under tracing
 * @u: the context
 * @argv: the program and its arguments; argv[0] without a slash is looked
 *        up in PATH (from @envp, else the host's environment, else
 *        /usr/local/bin:/usr/bin:/bin)
 * @envp: the environment, or NULL for the host's
 * @opts: options, or NULL
 * @ret_task: the new task (a new reference)
 *
 * Forks a child of the tracer thread, seizes it and executes the program.
 * On success the task is stopped after the exec, before the program's
 * first instruction, and stays stopped until utrace_task_start(): attach
 * engines in between.  The child gets the calling thread's signal mask
 * (none blocked when called from a callback) and the host's file
 * descriptors that are not close-on-exec.
 *
 * With UTRACE_SPAWN_SECCOMP a seccomp filter (SECCOMP_RET_TRACE for the
 * listed calls and for every call of another architecture, ALLOW for the
 * rest) is installed right before the exec; the task and everything it
 * creates keep it.  While every engine of such a task that wants syscall
 * reports is limited by utrace_set_syscalls() to listed calls, unlisted
 * calls do not stop at all; an engine that wants more makes the task stop
 * at every call again.  A filter cannot be removed, and without a tracer
 * the listed calls would fail with ENOSYS, so the library never detaches
 * from such tasks: it keeps them, with or without engines, until they
 * die, and kills them at utrace_free() (UTRACE_SPAWN_EXITKILL is implied,
 * UTRACE_SPAWN_DETACH_ON_FREE refused).  Children created with
 * CLONE_UNTRACED escape tracing and get ENOSYS for the listed calls.
 *
 * Context: any thread, also from a callback; blocks until the exec is done
 * or failed (other tracees wait meanwhile).
 * Return: 0; -EINVAL bad arguments, a listed number out of range, or
 * UTRACE_SPAWN_SECCOMP with UTRACE_SPAWN_DETACH_ON_FREE; -ENOSYS the kernel
 * has no seccomp filters; the negative errno of execve(2) when
 * the program cannot run (-ENOENT, -EACCES, -ENOEXEC, -ENAMETOOLONG, ...;
 * the child is reaped); -EPERM the kernel refused to trace; -EMFILE,
 * -ENFILE, -EAGAIN, -ENOMEM no pipe, process or memory for the child;
 * -ECHILD called in a forked child of the host.
 */
int utrace_spawn(struct utrace *u, char *const argv[], char *const envp[],
                 const struct utrace_spawn_opts *opts,
                 struct utrace_task **ret_task);

/*
 * struct utrace_seize_opts - options of utrace_seize().  Set @size to
 * sizeof(struct utrace_seize_opts); it must cover at least @flags, and
 * bytes past the end of the struct this library knows must be zero.
 * @flags: none defined yet, must be 0.
 */
struct utrace_seize_opts {
	size_t size;
	uint64_t flags;
};

/**
 * utrace_seize() - trace a running process
 * @u: the context
 * @pid: the process (any of its thread ids names the whole process)
 * @opts: options, or NULL
 * @ret_tasks: a NULL-terminated array of new references to the tasks of
 *             every thread, the leader first; free it with free() after
 *             putting the tasks
 *
 * Seizes every thread with PTRACE_SEIZE, also threads created while this
 * runs, and holds each one in a stop until utrace_task_start() is called
 * on it: attach engines in between.  The process sees no signal and no
 * EINTR: a thread blocked in a system call resumes it.  A process in a
 * group stop (SIGSTOP) stays stopped when started.  The library detaches
 * from the threads when their last engine goes, and at utrace_free(); it
 * never kills them.  A child of the host seized this way is reaped by the
 * library when it dies (the kernel reports its exit once, to the tracer):
 * its status is utrace_task_wait()'s, and the host's waitpid() gets
 * ECHILD.
 *
 * Context: any thread, also from a callback; blocks until every thread is
 * seized (other tracees wait meanwhile).
 * Return: 0; -EINVAL bad argument, or @pid is the host itself; -ESRCH no
 * such process, or it is a zombie; -EBUSY already traced (by another
 * tracer, or by this context); -EPERM the kernel refused (permissions,
 * Yama); -ENOMEM; -ECHILD called in a forked child of the host.  On error
 * no thread stays seized.
 */
int utrace_seize(struct utrace *u, pid_t pid,
                 const struct utrace_seize_opts *opts,
                 struct utrace_task ***ret_tasks);

/**
 * utrace_task_start() - let a spawned or seized task run
 * @task: a task from utrace_spawn() or utrace_seize()
 *
 * Ends the hold utrace_spawn() or utrace_seize() put on the task; the task
 * then runs unless an engine holds it.  A task with no engine attached is
 * detached (a spawned task's exit status is still collected for
 * utrace_task_wait()).
 *
 * Context: any thread, also from a callback.
 * Return: 0; -EINVAL @task is NULL; -EALREADY not held (started already,
 * or not from utrace_spawn() or utrace_seize()); -ESRCH task dead.
 */
int utrace_task_start(struct utrace_task *task);

/**
 * utrace_task_wait() - wait for a task's death
 * @task: the task
 * @ret_status: its wait status (as waitpid(2) gives it)
 *
 * Returns after report_death() and report_reap() for the task have run.
 * For a spawned task the status is its real exit status; for other tasks
 * the one the tracer saw.  When a thread other than the leader calls exec,
 * the leader's task dies and the execing thread's task takes over its
 * thread id (see report_exec()); a wait for the leader's task then goes on
 * until the process dies and gives the status of the task that took over.
 *
 * Context: any thread but the tracer thread; blocks until the task died.
 * Return: 0; -EINVAL bad argument; -EDEADLK called from a callback;
 * -ESRCH the library detached from the task before it died; -ECHILD
 * called in a forked child of the host.
 */
int utrace_task_wait(struct utrace_task *task, int *ret_status);

/**
 * utrace_task_lookup() - find the task of a traced thread
 * @u: the context
 * @tid: the thread id
 * @ret_task: the task (a new reference)
 *
 * Context: any thread, also from a callback.
 * Return: 0; -EINVAL bad argument; -ESRCH @tid is not traced by @u.
 */
int utrace_task_lookup(struct utrace *u, pid_t tid,
                       struct utrace_task **ret_task);

/* Reference counting of task handles.  _get returns @task; _put takes
 * NULL.  A handle stays valid after the thread died; calls on it then
 * return -ESRCH.  Callable from any thread. */
struct utrace_task *utrace_task_get(struct utrace_task *task);
void utrace_task_put(struct utrace_task *task);

/* The thread id of @task (after a non-leader exec, the leader's), and the
 * id of its thread group.  Callable from any thread. */
pid_t utrace_task_tid(const struct utrace_task *task);
pid_t utrace_task_tgid(const struct utrace_task *task);

/* Whether @task's death was reported (report_death() and report_reap()
 * have run).  Callable from any thread. */
bool utrace_task_is_dead(const struct utrace_task *task);

/* Flags of utrace_attach_task(). */
enum utrace_attach_flags {
	UTRACE_ATTACH_MATCH_OPS = 0x1,
	UTRACE_ATTACH_MATCH_DATA = 0x2,
	UTRACE_ATTACH_MATCH_MASK = 0xf,
	UTRACE_ATTACH_CREATE = 0x10,
	UTRACE_ATTACH_EXCLUSIVE = 0x20,
	UTRACE_ATTACH_FOLLOW = 0x40,
};

/**
 * utrace_attach_task() - attach an engine to a task, or find one
 * @task: the task
 * @flags: enum utrace_attach_flags
 * @ops: the callbacks (must outlive the engine)
 * @data: the engine's data, passed to every callback and to release()
 * @ret_engine: the engine (a new reference)
 *
 * With UTRACE_ATTACH_CREATE a new engine is attached after the existing
 * ones; it has no events until utrace_set_events().  With
 * UTRACE_ATTACH_EXCLUSIVE it fails if an engine matching MATCH_OPS and/or
 * MATCH_DATA (with neither, any engine) is attached.  Without CREATE the
 * call finds the first engine matching @ops and/or @data.  An engine
 * attached while a report is running first hears the next event.
 *
 * With UTRACE_ATTACH_FOLLOW (and CREATE), every task that @task creates
 * later (thread, fork, vfork, clone) gets an engine of its own with the
 * same @ops, @data, event mask and FOLLOW, attached before the parent's
 * report_clone() runs and before the child runs its first instruction:
 * strace -f in one flag.  Each such engine is separate (its own hold,
 * its own release(data) call).
 *
 * Context: any thread, also from a callback.
 * Return: 0; -EINVAL bad argument, NULL @ops with CREATE or MATCH_OPS, an
 * @ops->size smaller than a size_t or with a non-zero tail past the
 * struct this library knows; -ENOENT no match (lookup); -EEXIST a match
 * exists (EXCLUSIVE); -ESRCH task dead or detached; -EALREADY task dying
 * (its death report is running); -ENOMEM.
 */
int utrace_attach_task(struct utrace_task *task, int flags,
                       const struct utrace_engine_ops *ops, void *data,
                       struct utrace_engine **ret_engine);

/* Reference counting of engines.  The attachment holds a reference of its
 * own until the engine is detached or its task reaped; ops->release(data)
 * runs when the last reference goes, on the thread that drops it.
 * _get returns @engine; _put takes NULL.  Callable from any thread. */
struct utrace_engine *utrace_engine_get(struct utrace_engine *engine);
void utrace_engine_put(struct utrace_engine *engine);

/**
 * utrace_set_events() - choose the events an engine hears
 * @task: the engine's task
 * @engine: the engine
 * @events: the new mask (replaces the old one), UTRACE_EVENT() bits
 *
 * Enabling syscall events on a running task that was not stopping at
 * syscalls interrupts it briefly so that the next syscall is reported.
 * After a 0 return no callback for a cleared event runs any more.
 *
 * Context: any thread, also from a callback.
 * Return: 0; -EINVAL bad argument, unknown bits, or @engine not attached
 * to @task; -ESRCH engine detached or task dead; -EALREADY task dying (its
 * death report is running) and @events adds DEATH or QUIESCE or clears
 * DEATH: the mask is left unchanged.
 */
int utrace_set_events(struct utrace_task *task, struct utrace_engine *engine,
                      uint64_t events);

/**
 * utrace_control() - resume, stop or detach, for one engine
 * @task: the engine's task
 * @engine: the engine
 * @action: what this engine wants now
 *
 * UTRACE_STOP holds the task for @engine: 0 if it is in a ptrace stop now
 * (also a new child not yet run), else -EINPROGRESS (also in a group stop
 * kept with PTRACE_LISTEN): it is interrupted and held at its next stop,
 * where the engine gets the report of that stop if it subscribed to it and
 * keeps the hold only by answering UTRACE_STOP.  UTRACE_RESUME releases
 * the engine's hold; the task runs when no engine holds it (and, for a
 * spawned task, after utrace_task_start()).  UTRACE_REPORT and
 * UTRACE_INTERRUPT release the hold and ask for a report_quiesce() (event
 * 0) before the task runs: on a stopped task once nobody holds it, on a
 * running one after an interrupt (-EINPROGRESS).  UTRACE_SINGLESTEP and
 * UTRACE_BLOCKSTEP release the hold and step when the task resumes.
 * UTRACE_DETACH detaches the engine at once: none of its callbacks runs
 * after the call returns; -EINPROGRESS says it was the last engine of a
 * running task, which the library detaches from at its next stop.
 *
 * Context: any thread, also from a callback.
 * Return: 0 done; -EINPROGRESS accepted, effect at the next stop; -EINVAL
 * bad argument or action, or REPORT, INTERRUPT, SINGLESTEP or BLOCKSTEP by
 * an engine without UTRACE_EVENT(QUIESCE); -ESRCH engine detached or task
 * dead; -EALREADY task dying (its death report may run).
 */
int utrace_control(struct utrace_task *task, struct utrace_engine *engine,
                   enum utrace_resume_action action);

/**
 * utrace_barrier() - wait until no callback of an engine runs
 * @task: the engine's task
 * @engine: the engine
 *
 * On return, no callback of @engine is running and the effect of every
 * earlier utrace_control() and utrace_set_events() is in place.  Accepts a
 * detached engine while a reference is held.
 *
 * Context: any thread; from a callback it returns 0 at once (callbacks
 * never run concurrently).  Blocks until the tracer thread is between
 * callbacks.
 * Return: 0; -EINVAL bad argument; -ESRCH @engine was never attached to
 * @task.
 */
int utrace_barrier(struct utrace_task *task, struct utrace_engine *engine);

/* Syscall numbers given to the library are below this. */
#define UTRACE_SYSCALL_MAX 1024

/**
 * utrace_set_syscalls() - report only some system calls to an engine
 * @task: the engine's task
 * @engine: the engine
 * @arch: AUDIT_ARCH_* that @nrs are numbers of
 * @nrs: the calls, each below UTRACE_SYSCALL_MAX; NULL for every call
 *       (the default)
 * @n: how many (0 with a non-NULL @nrs: none)
 *
 * The engine's report_syscall_entry() and report_syscall_exit() then run
 * only for those calls of @arch (calls of another architecture are always
 * reported).  When no engine of the task wants a call, it is not reported
 * at all; on a task spawned with UTRACE_SPAWN_SECCOMP it may not even
 * stop.  The set is copied; engines made by UTRACE_ATTACH_FOLLOW inherit
 * it.
 *
 * Context: any thread, also from a callback.
 * Return: 0; -EINVAL bad argument, @engine not attached to @task, a number
 * out of range, or an architecture the library has no table for; -ESRCH
 * engine detached or task dead; -ENOMEM.
 */
int utrace_set_syscalls(struct utrace_task *task, struct utrace_engine *engine,
                        uint32_t arch, const int64_t *nrs, size_t n);

/**
 * utrace_syscall_name() - name of a system call
 * @arch: AUDIT_ARCH_* (as in struct utrace_syscall)
 * @nr: the number
 *
 * Context: any thread.
 * Return: the name ("openat"), or NULL for an unknown arch or number.
 */
const char *utrace_syscall_name(uint32_t arch, int64_t nr);

/**
 * utrace_syscall_lookup() - number of a system call
 * @arch: AUDIT_ARCH_*
 * @name: the name
 * @ret_nr: the number
 *
 * Context: any thread.
 * Return: 0; -EINVAL bad argument; -ENOENT no such call on @arch, or an
 * architecture the library has no table for.
 */
int utrace_syscall_lookup(uint32_t arch, const char *name, int64_t *ret_nr);

/*
 * Debugging: registers (see also <utrace/regs.h>), memory, breakpoints and
 * stack traces.
 *
 * Calls that need the task in a ptrace stop (registers, stack traces,
 * inserting a watchpoint) return -EBUSY otherwise: call them from a
 * callback of the task, or while an engine holds it (UTRACE_STOP).
 * Memory and breakpoint calls also work on a running task.
 */

/**
 * utrace_task_read_pc() - read the program counter of a stopped task
 * @task: the task
 * @ret_pc: the address of the next instruction to execute
 *
 * The value comes from the stop's copy of the registers, see
 * utrace_task_read_regs().
 *
 * Context: any thread, also from a callback; the task must be in a ptrace
 * stop.
 * Return: 0; -EINVAL bad argument; -ESRCH task dead or no longer traced;
 * -EBUSY the task is not in a ptrace stop; -EOPNOTSUPP architecture not
 * supported.
 */
int utrace_task_read_pc(struct utrace_task *task, uint64_t *ret_pc);

/**
 * utrace_task_write_pc() - set the program counter of a stopped task
 * @task: the task
 * @pc: where it goes on when it resumes
 *
 * Context: as utrace_task_read_pc().
 * Return: as utrace_task_read_pc().
 */
int utrace_task_write_pc(struct utrace_task *task, uint64_t pc);

/**
 * utrace_task_read_sp() - read the stack pointer of a stopped task
 * @task: the task
 * @ret_sp: the stack pointer
 *
 * Context: as utrace_task_read_pc().
 * Return: as utrace_task_read_pc().
 */
int utrace_task_read_sp(struct utrace_task *task, uint64_t *ret_sp);

/**
 * utrace_task_read_mem() - read the memory of a task's process
 * @task: any traced thread of the process
 * @addr: the first address
 * @buf: where to store the bytes
 * @len: how many to read
 * @ret_len: how many were read: less than @len when the range runs into
 *           memory that cannot be read (an unmapped page)
 *
 * Reads with process_vm_readv(2), and through /proc/<tid>/mem what that
 * cannot read.  Breakpoints of the library are invisible: their addresses
 * read as the original bytes.  The task need not be stopped; reading a
 * running process is racy by nature.
 *
 * Context: any thread, also from a callback.
 * Return: 0 (also for a short read); -EINVAL bad argument; -ESRCH task
 * dead or no longer traced; -EFAULT not even the first byte could be
 * read; -ENOMEM.
 */
int utrace_task_read_mem(struct utrace_task *task, uint64_t addr, void *buf,
                         size_t len, size_t *ret_len);

/**
 * utrace_task_write_mem() - write the memory of a task's process
 * @task: any traced thread of the process
 * @addr: the first address
 * @buf: the bytes
 * @len: how many to write
 * @ret_len: how many were written (less than @len when the range runs into
 *           memory that cannot be written)
 *
 * Writes with process_vm_writev(2); read-only pages (program text) through
 * /proc/<tid>/mem, which the kernel lets a tracer write.  Writing over a
 * breakpoint changes the original byte the breakpoint will restore; the
 * breakpoint stays.  The task need not be stopped.
 *
 * Context: any thread, also from a callback.
 * Return: 0 (also for a short write); -EINVAL bad argument; -ESRCH task
 * dead or no longer traced; -EFAULT not even the first byte could be
 * written; -ENOMEM.
 */
int utrace_task_write_mem(struct utrace_task *task, uint64_t addr,
                          const void *buf, size_t len, size_t *ret_len);

/**
 * utrace_task_read_string() - read a NUL-terminated string
 * @task: any traced thread of the process
 * @addr: where the string starts
 * @buf: where to store it, always NUL-terminated on success
 * @size: room in @buf, at least 1
 * @ret_len: the length stored, without the NUL
 *
 * Reads up to the string's NUL, never more than @size - 1 bytes, and never
 * past the page where the NUL is.  A longer string is cut to @size - 1
 * bytes and the call returns 1.
 *
 * Context: any thread, also from a callback.
 * Return: 0 the whole string; 1 truncated; -EINVAL bad argument; -ESRCH
 * task dead or no longer traced; -EFAULT the string starts, or runs
 * without a NUL into, memory that cannot be read.
 */
int utrace_task_read_string(struct utrace_task *task, uint64_t addr, char *buf,
                            size_t size, size_t *ret_len);

/**
 * utrace_bp_insert() - insert a software breakpoint
 * @task: the engine's task; the breakpoint is set in its whole process
 * @engine: the engine that owns the breakpoint
 * @addr: the address of the first byte of an instruction
 *
 * Writes a breakpoint instruction (int3 on x86_64) at @addr, once per
 * address however many engines insert one there; each owner counts.  When
 * any traced thread of the process runs into it, the hit is reported in
 * that thread, to its engines with UTRACE_EVENT(BREAKPOINT) that own the
 * breakpoint: an engine owns it when it has the @engine's ops and data
 * (the engine that inserted it, and the engines UTRACE_ATTACH_FOLLOW made
 * from it or from the same origin).  When the thread resumes it executes
 * the original instruction while the other threads of the process are
 * held, so no thread misses the breakpoint and none sees it half-removed.
 *
 * The breakpoints of a process are gone after it calls exec; a new
 * process made by fork that no engine follows loses them, one that is
 * followed keeps them; a vfork child shares them until it calls exec or
 * exits.  A thread of the process left without engines stays traced
 * while the process has breakpoints (untraced, it would die of SIGTRAP on
 * one), its hits reported to nobody.  An owner's breakpoints go when no
 * engine with its ops and data is left on a live thread of the process;
 * the original instruction is back when a breakpoint has no owner left.
 * utrace_free() removes them all.
 *
 * Context: any thread, also from a callback; the task may be running.
 * Return: 0; -EINVAL bad argument, @engine not attached to @task, or the
 * program has a breakpoint instruction of its own at @addr; -ESRCH engine
 * detached or task dead; -EEXIST this engine (ops and data) has a
 * breakpoint at @addr already; -EFAULT @addr cannot be written; -EBUSY
 * a thread of the process is not traced by this context; -ENOMEM.
 */
int utrace_bp_insert(struct utrace_task *task, struct utrace_engine *engine,
                     uint64_t addr);

/**
 * utrace_bp_remove() - remove a software breakpoint
 * @task: the engine's task
 * @engine: an owner of the breakpoint (same ops and data as the engine
 *          that inserted it)
 * @addr: its address
 *
 * Drops @engine's ownership; the original instruction is restored when
 * the last owner goes.  A hit that was already on its way is swallowed.
 *
 * Context: any thread, also from a callback; the task may be running.
 * Return: 0; -EINVAL bad argument or @engine not attached to @task;
 * -ESRCH engine detached or task dead; -ENOENT no breakpoint of this
 * engine at @addr.
 */
int utrace_bp_remove(struct utrace_task *task, struct utrace_engine *engine,
                     uint64_t addr);

/* What a hardware watchpoint watches. */
enum utrace_wp_kind {
	UTRACE_WP_EXEC = 0,  /* the instruction at the address (length 1) */
	UTRACE_WP_WRITE = 1, /* writes */
	UTRACE_WP_RW = 3,    /* reads and writes */
};

/**
 * utrace_wp_insert() - set a hardware watchpoint in one thread
 * @task: the engine's task, in a ptrace stop
 * @engine: the engine that owns the watchpoint
 * @addr: the first byte watched, aligned to @len
 * @len: 1, 2, 4 or 8 bytes (1 for UTRACE_WP_EXEC)
 * @kind: enum utrace_wp_kind
 *
 * Uses a debug register of the CPU (x86_64: DR0-DR3, set with
 * PTRACE_POKEUSER): a thread has four, shared by its engines; engines
 * that ask for the same @addr, @len and @kind share one, each an owner.
 * Debug registers belong to a thread: the watchpoint is set in @task
 * only, new threads and children do not inherit it, and exec clears it.
 * When @task triggers it, its owners with UTRACE_EVENT(WATCHPOINT) get
 * report_watchpoint(), engines with UTRACE_EVENT(QUIESCE)
 * report_quiesce(UTRACE_EVENT(WATCHPOINT)) first; the trap's SIGTRAP is
 * consumed.  The watchpoint goes when its last owner removes it or is
 * detached, and before the library detaches from the thread.
 *
 * Context: any thread, also from a callback; the task must be in a
 * ptrace stop.
 * Return: 0; -EINVAL bad argument, @engine not attached to @task, @addr
 * not aligned to @len, or an address the kernel refuses; -ESRCH engine
 * detached or task dead; -EBUSY the task is not in a ptrace stop; -EEXIST
 * this engine has this watchpoint already; -ENOSPC the thread's four
 * debug registers are in use; -EOPNOTSUPP architecture not supported;
 * -ENOMEM.
 */
int utrace_wp_insert(struct utrace_task *task, struct utrace_engine *engine,
                     uint64_t addr, unsigned int len, enum utrace_wp_kind kind);

/**
 * utrace_wp_remove() - remove a hardware watchpoint
 * @task: the engine's task
 * @engine: an owner of the watchpoint
 * @addr: as given to utrace_wp_insert()
 * @len: as given to utrace_wp_insert()
 * @kind: as given to utrace_wp_insert()
 *
 * Drops @engine's ownership; the debug register is freed when the last
 * owner goes (at once if the task is in a ptrace stop, else at its next
 * stop, before which a trigger is reported to nobody).
 *
 * Context: any thread, also from a callback; the task may be running.
 * Return: 0; -EINVAL bad argument or @engine not attached to @task;
 * -ESRCH engine detached or task dead; -ENOENT no such watchpoint of this
 * engine.
 */
int utrace_wp_remove(struct utrace_task *task, struct utrace_engine *engine,
                     uint64_t addr, unsigned int len, enum utrace_wp_kind kind);

/* Flags of struct utrace_frame. */
enum utrace_frame_flags {
	/* The frame of a signal handler's return (sigreturn trampoline). */
	UTRACE_FRAME_SIGNAL = 1u << 0,
};

#define UTRACE_FRAME_NAME_MAX 256

/*
 * struct utrace_frame - one frame of a stack trace, innermost first.
 * @pc:     the frame's program counter: for frame 0 where the task
 *          stopped, for the others the return address
 * @sp:     the frame's stack pointer
 * @offset: @pc minus the start of the function, when @name is known
 * @flags:  enum utrace_frame_flags
 * @name:   the function's symbol name (from the symbol tables of the
 *          mapped files), or "" when unknown; cut at
 *          UTRACE_FRAME_NAME_MAX - 1 bytes
 */
struct utrace_frame {
	uint64_t pc;
	uint64_t sp;
	uint64_t offset;
	uint32_t flags;
	char name[UTRACE_FRAME_NAME_MAX];
};

/**
 * utrace_task_unwind() - stack trace of a stopped task
 * @task: the task
 * @frames: where to store the frames
 * @max: room in @frames, at least 1
 * @ret_n: how many frames were stored
 *
 * Unwinds with libunwind-ptrace from the task's registers at the stop
 * (including what engines wrote to them); the trace ends at the outermost
 * frame, at @max frames, or where unwinding fails.
 *
 * Context: any thread, also from a callback; the task must be in a ptrace
 * stop.  Reads the task's memory and the files it maps: may take a few
 * milliseconds, during which no other tracee is served.
 * Return: 0; -EINVAL bad argument; -ESRCH task dead or no longer traced;
 * -EBUSY the task is not in a ptrace stop; -EIO not even the first frame
 * could be read; -ENOMEM.
 */
int utrace_task_unwind(struct utrace_task *task, struct utrace_frame *frames,
                       size_t max, size_t *ret_n);

#ifdef __cplusplus
}
#endif

#endif /* UTRACE_UTRACE_H */
