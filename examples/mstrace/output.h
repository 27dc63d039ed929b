/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trace as the engines share it: line prefixes ("[pid N] ", time
 * stamps) and the interleaving of several tasks' calls.
 *
 * A call's line is written once, whole, at its exit.  Its entry half is
 * "open" meanwhile: when any other line is written first, the open line
 * is written as it stands with " <unfinished ...>", and its owner goes on
 * at the exit with "<... NAME resumed>", as strace prints it.  Only the
 * tracer thread writes (from callbacks), or the main thread once no
 * callback runs any more.
 */
#ifndef MSTRACE_OUTPUT_H
#define MSTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "line.h"

enum output_time {
	OUTPUT_TIME_NONE = 0,
	OUTPUT_TIME_SECONDS = 1,      /* -t: 12:34:56 */
	OUTPUT_TIME_MICROSECONDS = 2, /* -tt: 12:34:56.123456 */
	OUTPUT_TIME_EPOCH = 3,        /* -ttt: 1700000000.123456 */
};

struct output {
	FILE *out;
	enum output_time time;
	/* Every line starts with "PID   " (-o FILE with -f, or several
	 * processes given with -p). */
	bool always_pid;
	/* Traced tasks alive: "[pid N] " on the lines while there is
	 * more than one (when the trace is not in a file of its own). */
	unsigned live;
	/* The open line and where its owner learns it was cut. */
	struct line *open;
	bool *open_cut;
};

void output_init(struct output *o, FILE *out, enum output_time time,
                 bool always_pid);

/* Start @l with the pid prefix of @tid and the time stamp. */
void output_prefix(const struct output *o, struct line *l, pid_t tid);

/* @l holds the entry half of a call: it is open until output_flush(@l);
 * *@cut is set if another line cuts it first. */
void output_open(struct output *o, struct line *l, bool *cut);

/* Write @l (whole) and empty it; an open line of another owner is cut
 * first. */
void output_flush(struct output *o, struct line *l);

/* @l is going away: it is no longer open. */
void output_forget(struct output *o, const struct line *l);

/* Write the open line, if any, with @tail (" <detached ...>"). */
void output_close_open(struct output *o, const char *tail);

#endif /* MSTRACE_OUTPUT_H */
