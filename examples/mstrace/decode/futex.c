/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* futex: the operation by name and the arguments it uses. */
#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK 127

/* Which arguments follow the operation. */
enum shape {
	S_VAL,         /* val */
	S_VAL_TIMEOUT, /* val, timeout */
	S_TIMEOUT,     /* timeout */
	S_NONE,        /* nothing */
	S_REQUEUE,     /* val, val2, uaddr2 */
	S_CMP_REQUEUE, /* val, val2, uaddr2, val3 */
	S_WAKE_OP,     /* val, val2, uaddr2, encoded op */
	S_WAIT_BITSET, /* val, timeout, bitset */
	S_WAKE_BITSET, /* val, bitset */
	S_WAIT_REQ_PI, /* val, timeout, uaddr2 */
};

/* @realtime: FUTEX_CLOCK_REALTIME has a meaning (and a name) there. */
static const struct {
	const char *name;
	enum shape shape;
	bool realtime;
} ops[] = {
	[0] = { "FUTEX_WAIT", S_VAL_TIMEOUT, true },
	[1] = { "FUTEX_WAKE", S_VAL },
	[2] = { "FUTEX_FD", S_VAL },
	[3] = { "FUTEX_REQUEUE", S_REQUEUE },
	[4] = { "FUTEX_CMP_REQUEUE", S_CMP_REQUEUE },
	[5] = { "FUTEX_WAKE_OP", S_WAKE_OP },
	[6] = { "FUTEX_LOCK_PI", S_TIMEOUT },
	[7] = { "FUTEX_UNLOCK_PI", S_NONE },
	[8] = { "FUTEX_TRYLOCK_PI", S_NONE },
	[9] = { "FUTEX_WAIT_BITSET", S_WAIT_BITSET, true },
	[10] = { "FUTEX_WAKE_BITSET", S_WAKE_BITSET },
	[11] = { "FUTEX_WAIT_REQUEUE_PI", S_WAIT_REQ_PI, true },
	[12] = { "FUTEX_CMP_REQUEUE_PI", S_CMP_REQUEUE },
	[13] = { "FUTEX_LOCK_PI2", S_TIMEOUT },
};

static const char *const wake_ops[] = {
	"FUTEX_OP_SET",  "FUTEX_OP_ADD", "FUTEX_OP_OR",
	"FUTEX_OP_ANDN", "FUTEX_OP_XOR",
};

static const char *const wake_cmps[] = {
	"FUTEX_OP_CMP_EQ", "FUTEX_OP_CMP_NE", "FUTEX_OP_CMP_LT",
	"FUTEX_OP_CMP_LE", "FUTEX_OP_CMP_GT", "FUTEX_OP_CMP_GE",
};

static void
fmt_timespec_ptr(struct line *l, const struct dcall *c, uint64_t addr)
{
	int64_t ts[2];

	if (fmt_read(l, c, addr, ts, sizeof(ts)))
		line_printf(l, "{tv_sec=%lld, tv_nsec=%llu}", (long long)ts[0],
		            (unsigned long long)ts[1]);
}

static void
fmt_bitset(struct line *l, uint64_t v)
{
	v &= 0xffffffff;
	if (v == 0xffffffff)
		line_puts(l, "FUTEX_BITSET_MATCH_ANY");
	else
		fmt_hex(l, v);
}

static void
fmt_wake_op(struct line *l, uint32_t v)
{
	unsigned op = (v >> 28) & 7;
	unsigned cmp = (v >> 24) & 15;

	if (v & (8u << 28))
		line_puts(l, "FUTEX_OP_OPARG_SHIFT<<28|");
	if (op < ARRAY_SIZE(wake_ops))
		line_printf(l, "%s<<28", wake_ops[op]);
	else
		line_printf(l, "%#x<<28", op);
	line_printf(l, "|%#x<<12|", (v >> 12) & 0xfff);
	if (cmp < ARRAY_SIZE(wake_cmps))
		line_printf(l, "%s<<24", wake_cmps[cmp]);
	else
		line_printf(l, "%#x<<24", cmp);
	line_printf(l, "|%#x", v & 0xfff);
}

static void
futex_entry(struct dcall *c, struct line *l)
{
	const uint64_t *a = c->sc.args;
	unsigned op = (unsigned)a[1];
	unsigned cmd = op & FUTEX_CMD_MASK;
	int val = (int)a[2];

	fmt_addr(l, a[0]);
	fmt_sep(l);
	if (cmd >= ARRAY_SIZE(ops)) {
		line_printf(l, "%#x /* FUTEX_??? */, %d, ", op, val);
		fmt_addr(l, a[3]);
		fmt_sep(l);
		fmt_addr(l, a[4]);
		line_printf(l, ", %#x", (unsigned)a[5]);
		return;
	}
	/* A known command with unknown flags (or a clock it has no use
	 * for): no name, but the arguments of the command. */
	if ((op & ~(unsigned)(FUTEX_CMD_MASK | FUTEX_PRIVATE |
	                      FUTEX_CLOCK_REALTIME)) ||
	    ((op & FUTEX_CLOCK_REALTIME) && !ops[cmd].realtime))
		line_printf(l, "%#x /* FUTEX_??? */", op);
	else
		line_printf(l, "%s%s%s", ops[cmd].name,
		            op & FUTEX_PRIVATE ? "_PRIVATE" : "",
		            op & FUTEX_CLOCK_REALTIME ? "|FUTEX_CLOCK_REALTIME"
		                                      : "");
	switch (ops[cmd].shape) {
	case S_NONE:
		break;
	case S_VAL:
		line_printf(l, ", %d", val);
		break;
	case S_TIMEOUT:
		fmt_sep(l);
		fmt_timespec_ptr(l, c, a[3]);
		break;
	case S_VAL_TIMEOUT:
		line_printf(l, ", %d, ", val);
		fmt_timespec_ptr(l, c, a[3]);
		break;
	case S_REQUEUE:
	case S_CMP_REQUEUE:
	case S_WAKE_OP:
		line_printf(l, ", %d, %u, ", val, (unsigned)a[3]);
		fmt_addr(l, a[4]);
		if (ops[cmd].shape == S_CMP_REQUEUE) {
			line_printf(l, ", %d", (int)a[5]);
		} else if (ops[cmd].shape == S_WAKE_OP) {
			fmt_sep(l);
			fmt_wake_op(l, (uint32_t)a[5]);
		}
		break;
	case S_WAIT_BITSET:
		line_printf(l, ", %d, ", val);
		fmt_timespec_ptr(l, c, a[3]);
		fmt_sep(l);
		fmt_bitset(l, a[5]);
		break;
	case S_WAKE_BITSET:
		line_printf(l, ", %d, ", val);
		fmt_bitset(l, a[5]);
		break;
	case S_WAIT_REQ_PI:
		line_printf(l, ", %d, ", val);
		fmt_timespec_ptr(l, c, a[3]);
		fmt_sep(l);
		fmt_addr(l, a[4]);
		break;
	}
}

const struct decoder futex_decoders[] = {
	{ "futex", futex_entry, NULL },
	{ NULL, NULL, NULL },
};
