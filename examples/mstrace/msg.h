/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages to stderr, prefixed with the program's name as it was invoked
 * (as strace prefixes its own). */
#ifndef MSTRACE_MSG_H
#define MSTRACE_MSG_H

/* "NAME: " + the message + newline. */
__attribute__((format(printf, 1, 2))) void msg(const char *format, ...);

/* "Try 'NAME -h' for more information." */
void msg_try_help(void);

#endif /* MSTRACE_MSG_H */
