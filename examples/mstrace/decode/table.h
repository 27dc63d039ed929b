/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The decoders of each family, each list ending with a NULL name. */
#ifndef MSTRACE_DECODE_TABLE_H
#define MSTRACE_DECODE_TABLE_H

#include "decode.h"

extern const struct decoder file_decoders[];
extern const struct decoder io_decoders[];
extern const struct decoder ioctl_decoders[];
extern const struct decoder mman_decoders[];
extern const struct decoder net_decoders[];
extern const struct decoder process_decoders[];
extern const struct decoder signal_decoders[];
extern const struct decoder futex_decoders[];

#endif /* MSTRACE_DECODE_TABLE_H */
