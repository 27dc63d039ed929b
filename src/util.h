/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#define UTRACE_EXPORT __attribute__((visibility("default")))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/*
 * Argument checks of public entry points: a failed check is a bug in the
 * caller, so it is logged at debug level and the call returns @ret.
 */
void log_bug(const char *func, const char *expr);

#define assert_return(expr, ret)                  \
	do {                                      \
		if (unlikely(!(expr))) {          \
			log_bug(__func__, #expr); \
			return (ret);             \
		}                                 \
	} while (0)

#define assert_return_void(expr)                  \
	do {                                      \
		if (unlikely(!(expr))) {          \
			log_bug(__func__, #expr); \
			return;                   \
		}                                 \
	} while (0)
