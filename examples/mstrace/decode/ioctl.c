/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioctl: the terminal requests by name, with termios and winsize decoded;
 * other requests as _IOC(dir, type, nr, size) and a raw argument.
 */
#include <stdint.h>

#include "decode.h"
#include "table.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum arg {
	A_NONE,        /* no argument */
	A_PTR,         /* an address */
	A_HEX,         /* a number in hex */
	A_INT,         /* a number in decimal */
	A_XONC,        /* TCXONC's action */
	A_FLSH,        /* TCFLSH's queue */
	A_INT_IN,      /* [int] read at entry */
	A_INT_OUT,     /* [int] written by the call */
	A_TERMIOS_IN,  /* struct termios read at entry */
	A_TERMIOS_OUT, /* struct termios written by the call */
	A_WINSZ_IN,    /* struct winsize read at entry */
	A_WINSZ_OUT,   /* struct winsize written by the call */
};

static const struct {
	const char *name;
	uint32_t code;
	enum arg arg;
} requests[] = {
	{ "FIBMAP", 0x1, A_HEX },
	{ "FIGETBSZ", 0x2, A_HEX },
	{ "TCGETS", 0x5401, A_TERMIOS_OUT },
	{ "SNDCTL_TMR_START or TCSETS", 0x5402, A_TERMIOS_IN },
	{ "SNDCTL_TMR_STOP or TCSETSW", 0x5403, A_TERMIOS_IN },
	{ "SNDCTL_TMR_CONTINUE or TCSETSF", 0x5404, A_TERMIOS_IN },
	{ "TCGETA", 0x5405, A_PTR },
	{ "TCSETA", 0x5406, A_PTR },
	{ "TCSETAW", 0x5407, A_PTR },
	{ "TCSETAF", 0x5408, A_PTR },
	{ "TCSBRK", 0x5409, A_INT },
	{ "TCXONC", 0x540a, A_XONC },
	{ "TCFLSH", 0x540b, A_FLSH },
	{ "TIOCEXCL", 0x540c, A_NONE },
	{ "TIOCNXCL", 0x540d, A_NONE },
	{ "TIOCSCTTY", 0x540e, A_INT },
	{ "TIOCGPGRP", 0x540f, A_INT_OUT },
	{ "TIOCSPGRP", 0x5410, A_INT_IN },
	{ "TIOCOUTQ", 0x5411, A_INT_OUT },
	{ "TIOCSTI", 0x5412, A_PTR },
	{ "TIOCGWINSZ", 0x5413, A_WINSZ_OUT },
	{ "TIOCSWINSZ", 0x5414, A_WINSZ_IN },
	{ "TIOCMGET", 0x5415, A_PTR },
	{ "TIOCMBIS", 0x5416, A_PTR },
	{ "TIOCMBIC", 0x5417, A_PTR },
	{ "TIOCMSET", 0x5418, A_PTR },
	{ "TIOCGSOFTCAR", 0x5419, A_PTR },
	{ "TIOCSSOFTCAR", 0x541a, A_PTR },
	{ "FIONREAD", 0x541b, A_INT_OUT },
	{ "TIOCLINUX", 0x541c, A_HEX },
	{ "TIOCCONS", 0x541d, A_NONE },
	{ "TIOCGSERIAL", 0x541e, A_HEX },
	{ "TIOCSSERIAL", 0x541f, A_NONE },
	{ "TIOCPKT", 0x5420, A_PTR },
	{ "FIONBIO", 0x5421, A_INT_IN },
	{ "TIOCNOTTY", 0x5422, A_NONE },
	{ "TIOCSETD", 0x5423, A_INT_IN },
	{ "TIOCGETD", 0x5424, A_INT_OUT },
	{ "TCSBRKP", 0x5425, A_INT },
	{ "TIOCSBRK", 0x5427, A_NONE },
	{ "TIOCCBRK", 0x5428, A_NONE },
	{ "TIOCGSID", 0x5429, A_INT_OUT },
	{ "TIOCGRS485", 0x542e, A_HEX },
	{ "TIOCSRS485", 0x542f, A_HEX },
	{ "TCGETX", 0x5432, A_HEX },
	{ "TCSETX", 0x5433, A_HEX },
	{ "TCSETXF", 0x5434, A_HEX },
	{ "TCSETXW", 0x5435, A_HEX },
	{ "TIOCVHANGUP", 0x5437, A_NONE },
	{ "TIOCGPTPEER", 0x5441, A_HEX },
	{ "FIONCLEX", 0x5450, A_NONE },
	{ "FIOCLEX", 0x5451, A_NONE },
	{ "FIOASYNC", 0x5452, A_INT_IN },
	{ "TIOCSERCONFIG", 0x5453, A_HEX },
	{ "TIOCSERGWILD", 0x5454, A_HEX },
	{ "TIOCSERSWILD", 0x5455, A_HEX },
	{ "TIOCGLCKTRMIOS", 0x5456, A_PTR },
	{ "TIOCSLCKTRMIOS", 0x5457, A_PTR },
	{ "TIOCSERGSTRUCT", 0x5458, A_HEX },
	{ "TIOCSERGETLSR", 0x5459, A_HEX },
	{ "TIOCSERGETMULTI", 0x545a, A_HEX },
	{ "TIOCSERSETMULTI", 0x545b, A_HEX },
	{ "TIOCMIWAIT", 0x545c, A_HEX },
	{ "TIOCGICOUNT", 0x545d, A_HEX },
	{ "FIOQSIZE", 0x5460, A_HEX },
	{ "TCGETS2", 0x802c542a, A_PTR },
	{ "TCSETS2", 0x402c542b, A_PTR },
	{ "TIOCGPTN", 0x80045430, A_INT_OUT },
	{ "TIOCSPTLCK", 0x40045431, A_INT_IN },
	{ "TIOCGDEV", 0x80045432, A_PTR },
	{ "TIOCGPKT", 0x80045438, A_HEX },
	{ "TIOCGPTLCK", 0x80045439, A_HEX },
	{ "TIOCGEXCL", 0x80045440, A_PTR },
};

static const struct flag xonc_actions[] = {
	{ 0, "TCOOFF" }, { 1, "TCOON" }, { 2, "TCIOFF" },
	{ 3, "TCION" },  FLAG_END,
};

static const struct flag flsh_queues[] = {
	{ 0, "TCIFLUSH" },
	{ 1, "TCOFLUSH" },
	{ 2, "TCIOFLUSH" },
	FLAG_END,
};

/* termios flags (asm-generic/termbits.h), in the order strace uses. */
static const struct flag iflags[] = {
	{ 0000001, "IGNBRK" }, { 0000002, "BRKINT" },
	{ 0000004, "IGNPAR" }, { 0000010, "PARMRK" },
	{ 0000020, "INPCK" },  { 0000040, "ISTRIP" },
	{ 0000100, "INLCR" },  { 0000200, "IGNCR" },
	{ 0000400, "ICRNL" },  { 0001000, "IUCLC" },
	{ 0002000, "IXON" },   { 0004000, "IXANY" },
	{ 0010000, "IXOFF" },  { 0020000, "IMAXBEL" },
	{ 0040000, "IUTF8" },  FLAG_END,
};

static const struct flag oflags[] = {
	{ 0000001, "OPOST" }, { 0000002, "OLCUC" }, { 0000004, "ONLCR" },
	{ 0000010, "OCRNL" }, { 0000020, "ONOCR" }, { 0000040, "ONLRET" },
	{ 0000100, "OFILL" }, { 0000200, "OFDEL" }, FLAG_END,
};

static const struct flag cflags[] = {
	{ 0000100, "CSTOPB" },
	{ 0000200, "CREAD" },
	{ 0000400, "PARENB" },
	{ 0001000, "PARODD" },
	{ 0002000, "HUPCL" },
	{ 0004000, "CLOCAL" },
	{ 010000000000, "CMSPAR" },
	{ 020000000000, "CRTSCTS" },
	FLAG_END,
};

static const struct flag lflags[] = {
	{ 0000001, "ISIG" },
	{ 0000002, "ICANON" },
	{ 0000004, "XCASE" },
	{ 0000010, "ECHO" },
	{ 0000020, "ECHOE" },
	{ 0000040, "ECHOK" },
	{ 0000100, "ECHONL" },
	{ 0000200, "NOFLSH" },
	{ 0100000, "IEXTEN" },
	{ 0001000, "ECHOCTL" },
	{ 0002000, "ECHOPRT" },
	{ 0004000, "ECHOKE" },
	{ 0010000, "FLUSHO" },
	{ 0040000, "PENDIN" },
	{ 0000400, "TOSTOP" },
	{ 0200000, "EXTPROC" },
	FLAG_END,
};

static const struct flag bauds[] = {
	{ 0000000, "B0" },
	{ 0000001, "B50" },
	{ 0000002, "B75" },
	{ 0000003, "B110" },
	{ 0000004, "B134" },
	{ 0000005, "B150" },
	{ 0000006, "B200" },
	{ 0000007, "B300" },
	{ 0000010, "B600" },
	{ 0000011, "B1200" },
	{ 0000012, "B1800" },
	{ 0000013, "B2400" },
	{ 0000014, "B4800" },
	{ 0000015, "B9600" },
	{ 0000016, "B19200" },
	{ 0000017, "B38400" },
	{ 0010000, "BOTHER" },
	{ 0010001, "B57600" },
	{ 0010002, "B115200" },
	{ 0010003, "B230400" },
	{ 0010004, "B460800" },
	{ 0010005, "B500000" },
	{ 0010006, "B576000" },
	{ 0010007, "B921600" },
	{ 0010010, "B1000000" },
	{ 0010011, "B1152000" },
	{ 0010012, "B1500000" },
	{ 0010013, "B2000000" },
	{ 0010014, "B2500000" },
	{ 0010015, "B3000000" },
	{ 0010016, "B3500000" },
	{ 0010017, "B4000000" },
	FLAG_END,
};

#define CBAUD 0010017u
#define IBSHIFT 16
#define CSIZE 0000060u

/* The kernel's struct termios (asm-generic/termbits.h). */
struct k_termios {
	uint32_t c_iflag;
	uint32_t c_oflag;
	uint32_t c_cflag;
	uint32_t c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};

struct k_winsize {
	uint16_t ws_row;
	uint16_t ws_col;
	uint16_t ws_xpixel;
	uint16_t ws_ypixel;
};

static void
fmt_baud(struct line *l, uint32_t baud)
{
	fmt_xval(l, bauds, baud, "B???");
}

/* Delay fields, then the other flags: each field is followed by '|',
 * also the last one when no flag follows, as strace has it. */
static void
fmt_oflag(struct line *l, uint32_t v)
{
	static const char *const tabs[] = { "TAB0", "TAB1", "TAB2", "XTABS" };

	line_printf(l, "NL%u|", (v >> 8) & 1);
	line_printf(l, "CR%u|", (v >> 9) & 3);
	line_printf(l, "%s|", tabs[(v >> 11) & 3]);
	line_printf(l, "BS%u|", (v >> 13) & 1);
	line_printf(l, "VT%u|", (v >> 14) & 1);
	line_printf(l, "FF%u|", (v >> 15) & 1);
	(void)fmt_flags_bare(l, oflags, v & ~0177400u);
}

static void
fmt_cflag(struct line *l, uint32_t v)
{
	uint32_t ibaud = (v >> IBSHIFT) & CBAUD;

	fmt_baud(l, v & CBAUD);
	line_putc(l, '|');
	if (ibaud) {
		fmt_baud(l, ibaud);
		line_puts(l, "<<IBSHIFT|");
	}
	line_printf(l, "CS%u|", 5 + ((v & CSIZE) >> 4));
	(void)fmt_flags_bare(l, cflags,
	                     v & ~(CBAUD | (CBAUD << IBSHIFT) | CSIZE));
}

static void
fmt_termios(struct line *l, const struct dcall *c, uint64_t addr)
{
	struct k_termios t;

	if (!fmt_read(l, c, addr, &t, sizeof(t)))
		return;
	line_puts(l, "{c_iflag=");
	(void)fmt_flags_bare(l, iflags, t.c_iflag);
	line_puts(l, ", c_oflag=");
	fmt_oflag(l, t.c_oflag);
	line_puts(l, ", c_cflag=");
	fmt_cflag(l, t.c_cflag);
	line_puts(l, ", c_lflag=");
	(void)fmt_flags_bare(l, lflags, t.c_lflag);
	line_puts(l, ", ...}");
}

static void
fmt_winsize(struct line *l, const struct dcall *c, uint64_t addr)
{
	struct k_winsize w;

	if (!fmt_read(l, c, addr, &w, sizeof(w)))
		return;
	line_printf(l, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}",
	            w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel);
}

static void
fmt_ioc(struct line *l, uint32_t code)
{
	unsigned dir = code >> 30;

	line_puts(l, "_IOC(");
	if (dir == 0)
		line_puts(l, "_IOC_NONE");
	else if (dir == 1)
		line_puts(l, "_IOC_WRITE");
	else if (dir == 2)
		line_puts(l, "_IOC_READ");
	else
		line_puts(l, "_IOC_READ|_IOC_WRITE");
	line_printf(l, ", %#x, %#x, %#x)", (code >> 8) & 0xff, code & 0xff,
	            (code >> 16) & 0x3fff);
}

static void
ioctl_entry(struct dcall *c, struct line *l)
{
	uint32_t code = (uint32_t)c->sc.args[1];
	uint64_t arg = c->sc.args[2];
	size_t i;

	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	c->saved[0] = A_NONE;
	for (i = 0; i < ARRAY_SIZE(requests); i++)
		if (requests[i].code == code)
			break;
	if (i == ARRAY_SIZE(requests)) {
		fmt_ioc(l, code);
		fmt_sep(l);
		fmt_hex(l, arg);
		return;
	}
	line_puts(l, requests[i].name);
	switch (requests[i].arg) {
	case A_NONE:
		return;
	case A_PTR:
		fmt_sep(l);
		fmt_addr(l, arg);
		return;
	case A_HEX:
		fmt_sep(l);
		fmt_hex(l, arg);
		return;
	case A_INT:
		fmt_sep(l);
		fmt_int(l, arg);
		return;
	case A_XONC:
		fmt_sep(l);
		fmt_xval(l, xonc_actions, arg, "TC???");
		return;
	case A_FLSH:
		fmt_sep(l);
		fmt_xval(l, flsh_queues, arg, "TC???");
		return;
	case A_INT_IN:
		fmt_sep(l);
		fmt_int_ptr(l, c, arg);
		return;
	case A_TERMIOS_IN:
		fmt_sep(l);
		fmt_termios(l, c, arg);
		return;
	case A_WINSZ_IN:
		fmt_sep(l);
		fmt_winsize(l, c, arg);
		return;
	case A_INT_OUT:
	case A_TERMIOS_OUT:
	case A_WINSZ_OUT:
		c->saved[0] = requests[i].arg;
		return;
	}
}

static void
ioctl_exit(struct dcall *c, struct line *l)
{
	uint64_t arg = c->sc.args[2];

	if (c->saved[0] == A_NONE)
		return;
	fmt_sep(l);
	if (c->is_error) {
		fmt_addr(l, arg);
		return;
	}
	switch (c->saved[0]) {
	case A_INT_OUT:
		fmt_int_ptr(l, c, arg);
		break;
	case A_TERMIOS_OUT:
		fmt_termios(l, c, arg);
		break;
	case A_WINSZ_OUT:
		fmt_winsize(l, c, arg);
		break;
	default:
		break;
	}
}

const struct decoder ioctl_decoders[] = {
	{ "ioctl", ioctl_entry, ioctl_exit },
	{ NULL, NULL, NULL },
};
