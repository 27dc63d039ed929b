/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory mappings: mmap, mprotect, munmap, brk, mremap, madvise. */
#include <stdint.h>
#include <sys/mman.h>

#include "decode.h"
#include "table.h"

/* Kernel values, also where older headers lack them. */
#define K_MAP_SHARED_VALIDATE 0x03
#define K_MAP_SYNC 0x080000
#define K_MAP_FIXED_NOREPLACE 0x100000
#define K_MAP_HUGE_SHIFT 26
#define K_MAP_HUGE_MASK 0x3fu
#define K_MAP_TYPE 0x0f

static const struct flag prots[] = {
	FLAG(PROT_READ),
	FLAG(PROT_WRITE),
	FLAG(PROT_EXEC),
	{ 0x8, "PROT_SEM" },
	FLAG(PROT_GROWSDOWN),
	FLAG(PROT_GROWSUP),
	FLAG_END,
};

static const struct flag map_types[] = {
	{ 0, "MAP_FILE" }, FLAG(MAP_SHARED),
	FLAG(MAP_PRIVATE), { K_MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE" },
	FLAG_END,
};

static const struct flag map_flags[] = {
	FLAG(MAP_FIXED),
	FLAG(MAP_ANONYMOUS),
	FLAG(MAP_32BIT),
	FLAG(MAP_NORESERVE),
	FLAG(MAP_POPULATE),
	FLAG(MAP_NONBLOCK),
	FLAG(MAP_GROWSDOWN),
	FLAG(MAP_DENYWRITE),
	FLAG(MAP_EXECUTABLE),
	FLAG(MAP_LOCKED),
	FLAG(MAP_STACK),
	FLAG(MAP_HUGETLB),
	{ K_MAP_SYNC, "MAP_SYNC" },
	{ K_MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" },
	FLAG_END,
};

static const struct flag mremap_flags[] = {
	{ 1, "MREMAP_MAYMOVE" },
	{ 2, "MREMAP_FIXED" },
	{ 4, "MREMAP_DONTUNMAP" },
	FLAG_END,
};

static const struct flag madvices[] = {
	{ 0, "MADV_NORMAL" },
	{ 1, "MADV_RANDOM" },
	{ 2, "MADV_SEQUENTIAL" },
	{ 3, "MADV_WILLNEED" },
	{ 4, "MADV_DONTNEED" },
	{ 8, "MADV_FREE" },
	{ 9, "MADV_REMOVE" },
	{ 10, "MADV_DONTFORK" },
	{ 11, "MADV_DOFORK" },
	{ 12, "MADV_MERGEABLE" },
	{ 13, "MADV_UNMERGEABLE" },
	{ 14, "MADV_HUGEPAGE" },
	{ 15, "MADV_NOHUGEPAGE" },
	{ 16, "MADV_DONTDUMP" },
	{ 17, "MADV_DODUMP" },
	{ 18, "MADV_WIPEONFORK" },
	{ 19, "MADV_KEEPONFORK" },
	{ 20, "MADV_COLD" },
	{ 21, "MADV_PAGEOUT" },
	{ 22, "MADV_POPULATE_READ" },
	{ 23, "MADV_POPULATE_WRITE" },
	{ 24, "MADV_DONTNEED_LOCKED" },
	{ 100, "MADV_HWPOISON" },
	{ 101, "MADV_SOFT_OFFLINE" },
	FLAG_END,
};

static void
fmt_prot(struct line *l, uint64_t prot)
{
	if (prot == 0)
		line_puts(l, "PROT_NONE");
	else
		fmt_flags(l, prots, prot, "PROT_???");
}

static void
fmt_map_flags(struct line *l, uint64_t flags)
{
	unsigned huge;

	flags &= 0xffffffff;
	huge = (unsigned)(flags >> K_MAP_HUGE_SHIFT) & K_MAP_HUGE_MASK;
	fmt_xval(l, map_types, flags & K_MAP_TYPE, "MAP_???");
	flags &= ~(uint64_t)K_MAP_TYPE;
	flags &= ~((uint64_t)K_MAP_HUGE_MASK << K_MAP_HUGE_SHIFT);
	if (flags) {
		line_putc(l, '|');
		(void)fmt_flags_bare(l, map_flags, flags);
	}
	if (huge)
		line_printf(l, "|%u<<MAP_HUGE_SHIFT", huge);
}

static void
mmap_entry(struct dcall *c, struct line *l)
{
	fmt_addr(l, c->sc.args[0]);
	line_printf(l, ", %llu, ", (unsigned long long)c->sc.args[1]);
	fmt_prot(l, c->sc.args[2]);
	fmt_sep(l);
	fmt_map_flags(l, c->sc.args[3]);
	fmt_sep(l);
	fmt_int(l, c->sc.args[4]);
	fmt_sep(l);
	fmt_hex(l, c->sc.args[5]);
}

static void
addr_len(struct dcall *c, struct line *l)
{
	fmt_addr(l, c->sc.args[0]);
	line_printf(l, ", %llu", (unsigned long long)c->sc.args[1]);
}

static void
mprotect_entry(struct dcall *c, struct line *l)
{
	addr_len(c, l);
	fmt_sep(l);
	fmt_prot(l, c->sc.args[2]);
}

static void
brk_entry(struct dcall *c, struct line *l)
{
	fmt_addr(l, c->sc.args[0]);
}

static void
mremap_entry(struct dcall *c, struct line *l)
{
	uint64_t flags = c->sc.args[3];

	addr_len(c, l);
	line_printf(l, ", %llu, ", (unsigned long long)c->sc.args[2]);
	fmt_flags(l, mremap_flags, flags, "MREMAP_???");
	/* The new address counts only with both MAYMOVE and FIXED. */
	if ((flags & 3) == 3) {
		fmt_sep(l);
		fmt_addr(l, c->sc.args[4]);
	}
}

static void
madvise_entry(struct dcall *c, struct line *l)
{
	addr_len(c, l);
	fmt_sep(l);
	fmt_xval(l, madvices, c->sc.args[2] & 0xffffffff, "MADV_???");
}

const struct decoder mman_decoders[] = {
	{ "mmap", mmap_entry, NULL },
	{ "mprotect", mprotect_entry, NULL },
	{ "munmap", addr_len, NULL },
	{ "brk", brk_entry, NULL },
	{ "mremap", mremap_entry, NULL },
	{ "madvise", madvise_entry, NULL },
	{ NULL, NULL, NULL },
};
