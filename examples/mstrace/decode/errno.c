/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Error names.  glibc knows the ones a program can see; the kernel's own
 * codes show up when a call is interrupted (and can be injected).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* From the kernel's include/linux/errno.h, which is not exported. */
static const struct {
	int err;
	const char *name;
} kernel_errors[] = {
	{ 512, "ERESTARTSYS" },
	{ 513, "ERESTARTNOINTR" },
	{ 514, "ERESTARTNOHAND" },
	{ 515, "ENOIOCTLCMD" },
	{ 516, "ERESTART_RESTARTBLOCK" },
	{ 517, "EPROBE_DEFER" },
	{ 518, "EOPENSTALE" },
	{ 521, "EBADHANDLE" },
	{ 522, "ENOTSYNC" },
	{ 523, "EBADCOOKIE" },
	{ 524, "ENOTSUPP" },
	{ 525, "ETOOSMALL" },
	{ 526, "ESERVERFAULT" },
	{ 527, "EBADTYPE" },
	{ 528, "EJUKEBOX" },
	{ 529, "EIOCBQUEUED" },
	{ 530, "ERECALLCONFLICT" },
};

const char *
errno_name(int err)
{
	size_t i;

	if (err <= 0)
		return NULL;
	if (err < 512)
		return strerrorname_np(err);
	for (i = 0; i < ARRAY_SIZE(kernel_errors); i++)
		if (kernel_errors[i].err == err)
			return kernel_errors[i].name;
	return NULL;
}

int
errno_parse(const char *s)
{
	const char *name;
	char *end;
	long n;
	int err;

	if (isdigit((unsigned char)*s)) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (*end || errno || n < 1 || n > 4095)
			return -1;
		return (int)n;
	}
	for (err = 1; err <= 4095; err++) {
		name = errno_name(err);
		if (name && strcasecmp(name, s) == 0)
			return err;
	}
	return -1;
}
