/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sockets: socket, connect, bind, and the addresses of AF_UNIX, AF_INET and
 * AF_INET6 (other families print their raw bytes). */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "../mem.h"
#include "decode.h"
#include "table.h"

static const struct flag families[] = {
	{ 0, "AF_UNSPEC" },
	{ 1, "AF_UNIX" },
	{ 2, "AF_INET" },
	{ 3, "AF_AX25" },
	{ 4, "AF_IPX" },
	{ 5, "AF_APPLETALK" },
	{ 6, "AF_NETROM" },
	{ 7, "AF_BRIDGE" },
	{ 8, "AF_ATMPVC" },
	{ 9, "AF_X25" },
	{ 10, "AF_INET6" },
	{ 11, "AF_ROSE" },
	{ 12, "AF_DECnet" },
	{ 13, "AF_NETBEUI" },
	{ 14, "AF_SECURITY" },
	{ 15, "AF_KEY" },
	{ 16, "AF_NETLINK" },
	{ 17, "AF_PACKET" },
	{ 18, "AF_ASH" },
	{ 19, "AF_ECONET" },
	{ 20, "AF_ATMSVC" },
	{ 21, "AF_RDS" },
	{ 22, "AF_SNA" },
	{ 23, "AF_IRDA" },
	{ 24, "AF_PPPOX" },
	{ 25, "AF_WANPIPE" },
	{ 26, "AF_LLC" },
	{ 27, "AF_IB" },
	{ 28, "AF_MPLS" },
	{ 29, "AF_CAN" },
	{ 30, "AF_TIPC" },
	{ 31, "AF_BLUETOOTH" },
	{ 32, "AF_IUCV" },
	{ 33, "AF_RXRPC" },
	{ 34, "AF_ISDN" },
	{ 35, "AF_PHONET" },
	{ 36, "AF_IEEE802154" },
	{ 37, "AF_CAIF" },
	{ 38, "AF_ALG" },
	{ 39, "AF_NFC" },
	{ 40, "AF_VSOCK" },
	{ 41, "AF_KCM" },
	{ 42, "AF_QIPCRTR" },
	{ 43, "AF_SMC" },
	{ 44, "AF_XDP" },
	{ 45, "AF_MCTP" },
	FLAG_END,
};

static const struct flag sock_types[] = {
	{ 1, "SOCK_STREAM" },    { 2, "SOCK_DGRAM" },
	{ 3, "SOCK_RAW" },       { 4, "SOCK_RDM" },
	{ 5, "SOCK_SEQPACKET" }, { 6, "SOCK_DCCP" },
	{ 10, "SOCK_PACKET" },   FLAG_END,
};

static const struct flag sock_flags[] = {
	{ 02000000, "SOCK_CLOEXEC" },
	{ 04000, "SOCK_NONBLOCK" },
	FLAG_END,
};

static const struct flag ip_protocols[] = {
	{ 0, "IPPROTO_IP" },         { 1, "IPPROTO_ICMP" },
	{ 2, "IPPROTO_IGMP" },       { 4, "IPPROTO_IPIP" },
	{ 6, "IPPROTO_TCP" },        { 8, "IPPROTO_EGP" },
	{ 12, "IPPROTO_PUP" },       { 17, "IPPROTO_UDP" },
	{ 22, "IPPROTO_IDP" },       { 29, "IPPROTO_TP" },
	{ 33, "IPPROTO_DCCP" },      { 41, "IPPROTO_IPV6" },
	{ 46, "IPPROTO_RSVP" },      { 47, "IPPROTO_GRE" },
	{ 50, "IPPROTO_ESP" },       { 51, "IPPROTO_AH" },
	{ 58, "IPPROTO_ICMPV6" },    { 92, "IPPROTO_MTP" },
	{ 94, "IPPROTO_BEETPH" },    { 98, "IPPROTO_ENCAP" },
	{ 103, "IPPROTO_PIM" },      { 108, "IPPROTO_COMP" },
	{ 115, "IPPROTO_L2TP" },     { 132, "IPPROTO_SCTP" },
	{ 136, "IPPROTO_UDPLITE" },  { 137, "IPPROTO_MPLS" },
	{ 143, "IPPROTO_ETHERNET" }, { 255, "IPPROTO_RAW" },
	{ 262, "IPPROTO_MPTCP" },    FLAG_END,
};

static const struct flag netlink_protocols[] = {
	{ 0, "NETLINK_ROUTE" },
	{ 1, "NETLINK_UNUSED" },
	{ 2, "NETLINK_USERSOCK" },
	{ 3, "NETLINK_FIREWALL" },
	{ 4, "NETLINK_SOCK_DIAG" },
	{ 5, "NETLINK_NFLOG" },
	{ 6, "NETLINK_XFRM" },
	{ 7, "NETLINK_SELINUX" },
	{ 8, "NETLINK_ISCSI" },
	{ 9, "NETLINK_AUDIT" },
	{ 10, "NETLINK_FIB_LOOKUP" },
	{ 11, "NETLINK_CONNECTOR" },
	{ 12, "NETLINK_NETFILTER" },
	{ 13, "NETLINK_IP6_FW" },
	{ 14, "NETLINK_DNRTMSG" },
	{ 15, "NETLINK_KOBJECT_UEVENT" },
	{ 16, "NETLINK_GENERIC" },
	{ 18, "NETLINK_SCSITRANSPORT" },
	{ 19, "NETLINK_ECRYPTFS" },
	{ 20, "NETLINK_RDMA" },
	{ 21, "NETLINK_CRYPTO" },
	{ 22, "NETLINK_SMC" },
	FLAG_END,
};

static void fmt_socket_args(struct dcall *c, struct line *l);

static void
socket_entry(struct dcall *c, struct line *l)
{
	fmt_socket_args(c, l);
}

static void
socketpair_entry(struct dcall *c, struct line *l)
{
	fmt_socket_args(c, l);
	fmt_sep(l);
}

static void
socketpair_exit(struct dcall *c, struct line *l)
{
	int fds[2];

	if (c->is_error)
		fmt_addr(l, c->sc.args[3]);
	else if (fmt_read(l, c, c->sc.args[3], fds, sizeof(fds)))
		fmt_int_array(l, c, fds, 2);
}

static void
fmt_socket_args(struct dcall *c, struct line *l)
{
	uint64_t family = c->sc.args[0] & 0xffffffff;
	uint64_t type = c->sc.args[1] & 0xffffffff;
	uint64_t proto = c->sc.args[2] & 0xffffffff;

	fmt_xval(l, families, family, "AF_???");
	fmt_sep(l);
	/* A known type, then the flags; an unknown type goes with them. */
	if (flag_name(sock_types, type & 0xf)) {
		fmt_xval(l, sock_types, type & 0xf, "SOCK_???");
		if (type & ~0xfull) {
			line_putc(l, '|');
			fmt_flags(l, sock_flags, type & ~0xfull, "SOCK_???");
		}
	} else {
		fmt_flags(l, sock_flags, type, "SOCK_???");
	}
	fmt_sep(l);
	if (family == AF_INET || family == AF_INET6)
		fmt_xval(l, ip_protocols, proto, "IPPROTO_???");
	else if (family == AF_NETLINK)
		fmt_xval(l, netlink_protocols, proto, "NETLINK_???");
	else
		fmt_ulong(l, c->sc.args[2]);
}

/* The largest address printed; longer ones are cut there. */
#define MAX_ADDR 128

static void
fmt_sockaddr(struct line *l, const struct dcall *c, uint64_t addr, uint64_t len)
{
	unsigned char buf[MAX_ADDR + 1];
	char text[INET6_ADDRSTRLEN];
	uint16_t family;
	size_t n;
	size_t path_len;

	if (len < sizeof(family) || len > INT32_MAX) {
		fmt_addr(l, addr);
		return;
	}
	n = len < MAX_ADDR ? (size_t)len : MAX_ADDR;
	if (!fmt_read(l, c, addr, buf, n))
		return;
	memcpy(&family, buf, sizeof(family));
	line_puts(l, "{sa_family=");
	fmt_xval(l, families, family, "AF_???");

	if (family == AF_UNIX) {
		if (n == 2) {
			line_putc(l, '}');
			return;
		}
		line_puts(l, ", sun_path=");
		if (buf[2] == '\0') {
			/* Abstract: every byte counts, NULs too. */
			line_putc(l, '@');
			fmt_quote(l, buf + 3, n - 3, false);
		} else {
			buf[n] = '\0';
			path_len = strlen((char *)buf + 2);
			fmt_quote(l, buf + 2, path_len, false);
		}
	} else if (family == AF_INET && n >= 16) {
		uint16_t port;

		memcpy(&port, buf + 2, sizeof(port));
		(void)inet_ntop(AF_INET, buf + 4, text, sizeof(text));
		line_printf(l,
		            ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")",
		            ntohs(port), text);
	} else if (family == AF_INET6 && n >= 24) {
		uint16_t port;
		uint32_t flow;
		uint32_t scope = 0;

		memcpy(&port, buf + 2, sizeof(port));
		memcpy(&flow, buf + 4, sizeof(flow));
		(void)inet_ntop(AF_INET6, buf + 8, text, sizeof(text));
		line_printf(l,
		            ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), "
		            "inet_pton(AF_INET6, \"%s\", &sin6_addr)",
		            ntohs(port), ntohl(flow), text);
		if (n >= 28) {
			memcpy(&scope, buf + 24, sizeof(scope));
			line_printf(l, ", sin6_scope_id=%u", scope);
		}
	} else {
		line_puts(l, ", sa_data=");
		fmt_quote(l, buf + 2, n - 2, false);
	}
	line_putc(l, '}');
}

static void
connect_entry(struct dcall *c, struct line *l)
{
	fmt_int(l, c->sc.args[0]);
	fmt_sep(l);
	fmt_sockaddr(l, c, c->sc.args[1], c->sc.args[2] & 0xffffffff);
	line_printf(l, ", %d", (int)c->sc.args[2]);
}

const struct decoder net_decoders[] = {
	{ "socket", socket_entry, NULL },
	{ "socketpair", socketpair_entry, socketpair_exit },
	{ "connect", connect_entry, NULL },
	{ "bind", connect_entry, NULL },
	{ NULL, NULL, NULL },
};
