/* slub_debug.c - SLUB's debug features: red zones, poison, user tracking,
 * consistency checks, Linux's reports, and validate (mm/slub.c, CONFIG_SLUB_DEBUG).
 *
 * Entry points: kmem_cache_validate(); for slab.c, called only for a cache
 * with a SLAB_DEBUG_FLAGS bit (internal.h): slub_debug_init_slab(),
 * slub_debug_init_object(), slub_debug_alloc(), slub_debug_free(),
 * slub_debug_bad_free(), slub_debug_freelist_corrupt(),
 * slub_debug_set_orig_size(), slub_debug_poison_damage().
 *
 * Flags, each Linux's letter in slub_debug=FZPU:
 *   F  SLAB_CONSISTENCY_CHECKS  every alloc and free checks the object (red
 *      zones, poison, padding, free pointer); a bad object on alloc takes
 *      its slab out of service, a bad one on free is not freed
 *   Z  SLAB_RED_ZONE            red zones either side of the object
 *   P  SLAB_POISON              free objects hold 0x6b ... 0xa5, the rest of
 *      the slot and the slab's tail 0x5a; kalloc (not Linux) also checks the
 *      poison on every alloc without F, as it always did
 *   U  SLAB_STORE_USER          the last alloc and free of every object:
 *      call site, CPU, pid and when (the machine's op clock), and for a
 *      kmalloc cache the size asked for (orig_size), whose excess over the
 *      request is red zone too ("kmalloc Redzone")
 * Without F, red zones and padding are only checked by validate, as in
 * Linux (a free simply lays the red zones out again).
 *
 * Object layout (slub_geometry() computes it as calculate_sizes() does):
 *
 *   slot = object - red_left_pad                         slot + size
 *   |<- red_left_pad ->|<------------ size - red_left_pad ------------->|
 *   +------------------+-------------+-----+-----+----------+----+-----+
 *   | left red zone    | object      |right| free| track    |orig| pad |
 *   | Z: 0xcc / 0xbb   | P: 6b..6b a5|red  | ptr | alloc,   |size| 5a  |
 *   |  (a word, or the |  when free; |zone |(1)  | free     |(3) | (4) |
 *   |   alignment)     | request +   | Z   |     | U: 2x32B |    |     |
 *   |                  | kmalloc rz  |     |     |          |    |     |
 *   +------------------+-------------+-----+-----+----------+----+-----+
 *                      ^ object      ^object_size ^inuse
 *
 *   (1) the free pointer is here (at inuse, "outside the object") when the
 *       free contents matter: P, a ctor, RCU, Z on an object smaller than a
 *       word or with orig_size; else it is in the middle of the object
 *   (2) the right red zone is the rounding of object_size to a word, or a
 *       whole word when there is none: [object_size, inuse)
 *   (3) orig_size: U on a kmalloc cache; the kmalloc red zone is
 *       [orig_size, object_size) of an object in use
 *   (4) Z adds one word here; the slot is rounded up to the alignment.
 *       With P everything not otherwise written is POISON_INUSE, and so is
 *       the slab's tail after its last slot ("Padding overwritten").
 *
 * Reports are Linux's text, line for line where Linux's text is fixed (the
 * stack traces of dump_stack() and the stack depot are not printed): one
 * banner per problem, the trailer of the object, the FIX lines, all sent to
 * the error sink as one report.  Addresses are the simulated memory's own
 * (%p with no_hash_pointers, which slub_debug turns on in Linux).
 *
 * Nothing read from simulated memory is trusted: a free pointer is checked
 * before it is followed, a stored orig_size is clamped to the object, a
 * stored call site is an index checked against the machine's table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

/* struct track of mm/slub.c with stack depot: 32 bytes, as the geometry
 * counts it.  addr holds a call-site code (site_code()), not an address. */
struct track {
	uint64_t addr;
	uint32_t handle;
	uint32_t cpu;
	int32_t pid;
	uint32_t pad;
	uint64_t when;
};
_Static_assert(sizeof(struct track) == SLUB_TRACK_SIZE, "struct track is Linux's 32 bytes");
enum track_item { TRACK_ALLOC, TRACK_FREE };

/* ------------------------------------------------------------------------
 * Getting at the slot.  In ASan builds a slot is poisoned except for the
 * object's addressable prefix (the object in use, or the kmalloc request);
 * the debug code opens the whole slot and closes it to that prefix again.
 */
struct slot {
	char *start;		/* object - red_left_pad */
	char *obj;
	size_t visible;		/* ASan-addressable prefix of the object */
};

static void slot_open(const struct kmem_cache *s, void *obj, struct slot *sl)
{
	sl->obj = obj;
	sl->start = (char *)obj - s->red_left_pad;
	sl->visible = kasan_visible(obj, s->object_size);
	kasan_unpoison(sl->start, s->size);
}

static void slot_close(const struct kmem_cache *s, const struct slot *sl)
{
	kasan_poison(sl->start, s->size);
	kasan_unpoison(sl->obj, sl->visible);
}

static inline bool freeptr_outside_object(const struct kmem_cache *s)
{
	return s->offset >= s->inuse;
}

/* Where the metadata after the object starts: past the free pointer when
 * it sits outside the object (get_info_end()). */
static inline unsigned int get_info_end(const struct kmem_cache *s)
{
	return freeptr_outside_object(s) ? s->inuse + (unsigned int)sizeof(void *) : s->inuse;
}

static inline struct track *get_track(const struct kmem_cache *s, void *obj, enum track_item item)
{
	return (struct track *)((char *)obj + get_info_end(s)) + item;
}

static inline unsigned int *orig_size_ptr(const struct kmem_cache *s, void *obj)
{
	return (unsigned int *)((char *)obj + get_info_end(s) + 2 * SLUB_TRACK_SIZE);
}

/* The request, clamped: the stored word is simulated memory. */
static unsigned int get_orig_size(const struct kmem_cache *s, void *obj)
{
	unsigned int v;

	if (!slub_debug_orig_size_flags(s->flags))
		return s->object_size;
	memcpy(&v, orig_size_ptr(s, obj), sizeof(v));
	return v && v <= s->object_size ? v : s->object_size;
}

static void set_orig_size(const struct kmem_cache *s, void *obj, unsigned int orig_size)
{
	if (slub_debug_orig_size_flags(s->flags))
		memcpy(orig_size_ptr(s, obj), &orig_size, sizeof(orig_size));
}

static void *read_fp(const struct kmem_cache *s, void *obj)
{
	void *fp;

	memcpy(&fp, (char *)obj + s->offset, sizeof(fp));
	return fp;
}

static void write_fp(const struct kmem_cache *s, void *obj, void *fp)
{
	memcpy((char *)obj + s->offset, &fp, sizeof(fp));
}

/* ------------------------------------------------------------------------
 * Call sites.  A track stores a code: 1.. for the entry points below,
 * 0x100 + i for machine_set_caller()'s i-th name, 0 for none.
 */
static const char *const entry_names[] = {
	"kmem_cache_alloc", "kmem_cache_free", "kmalloc", "kfree", "krealloc",
};
#define SITE_CALLER	0x100u

static uint64_t site_code(const struct machine *m, const char *site)
{
	if (m->caller)
		return SITE_CALLER + m->caller;
	for (unsigned int i = 0; i < ARRAY_SIZE(entry_names); i++)
		if (!strcmp(site, entry_names[i]))
			return i + 1;
	return 1;
}

static const char *site_name(const struct machine *m, uint64_t code, char *buf, size_t len)
{
	if (code >= 1 && code <= ARRAY_SIZE(entry_names))
		return entry_names[code - 1];
	if (code > SITE_CALLER && code - SITE_CALLER < m->nr_callers)
		return m->callers[code - SITE_CALLER];
	snprintf(buf, len, "0x%llx", (unsigned long long)code);
	return buf;
}

static void set_track(struct kmem_cache *s, void *obj, enum track_item item, const char *site)
{
	struct track t = { site_code(s->m, site), 0, s->m->cpu, 0, 0, s->m->clock };

	memcpy(get_track(s, obj, item), &t, sizeof(t));
}

static void init_tracking(struct kmem_cache *s, void *obj)
{
	if (s->flags & SLAB_STORE_USER)
		memset(get_track(s, obj, TRACK_ALLOC), 0, 2 * SLUB_TRACK_SIZE);
}

/* ------------------------------------------------------------------------
 * Laying objects out
 */
/* init_object(): the red zones in @val, the poison when free.  An object in
 * use of a kmalloc cache with orig_size is red zone from its request on. */
static void init_object(struct kmem_cache *s, void *obj, uint8_t val)
{
	unsigned char *p = obj;
	unsigned int poison_size = s->object_size;

	if (s->flags & SLAB_RED_ZONE) {
		memset(p - s->red_left_pad, val, s->red_left_pad);
		if (slub_debug_orig_size_flags(s->flags) && val == SLUB_RED_ACTIVE)
			poison_size = get_orig_size(s, obj);
	}
	if (s->flags & __OBJECT_POISON) {
		memset(p, POISON_FREE, poison_size - 1);
		p[poison_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		memset(p + poison_size, val, s->inuse - poison_size);
}

void slub_debug_init_slab(struct kmem_cache *s, struct page *slab)
{
	char *start = slab_address(s->m, slab);
	size_t len = PAGE_SIZE << slab->order;

	if (!(s->flags & SLAB_POISON))
		return;
	kasan_unpoison(start, len);
	memset(start, POISON_INUSE, len);
	kasan_poison(start, len);
}

void slub_debug_init_object(struct kmem_cache *s, void *obj)
{
	struct slot sl;

	slot_open(s, obj, &sl);
	init_object(s, obj, SLUB_RED_INACTIVE);
	init_tracking(s, obj);
	slot_close(s, &sl);
}

void slub_debug_set_orig_size(struct kmem_cache *s, void *obj, unsigned int orig_size)
{
	struct slot sl;

	if (!slub_debug_orig_size_flags(s->flags))
		return;
	if (orig_size == 0 || orig_size > s->object_size)
		orig_size = s->object_size;
	slot_open(s, obj, &sl);
	set_orig_size(s, obj, orig_size);
	if (s->flags & SLAB_RED_ZONE)
		memset((char *)obj + orig_size, SLUB_RED_ACTIVE, s->object_size - orig_size);
	slot_close(s, &sl);
}

/* Read as they are, ASan's view untouched (a free object is poisoned):
 * with ASan, by loads it does not instrument - no shadow asked or changed
 * per object.  memchr_inv()'s word-at-a-time walk, spelled out here because
 * an instrumented copy of it must not be what runs. */
#ifdef KALLOC_ASAN
__attribute__((no_sanitize_address, noinline))
#endif
static long poison_damage_unchecked(const unsigned char *p, size_t size)
{
	const uint64_t pattern = 0x0101010101010101ULL * POISON_FREE;
	size_t last = size - 1, i = 0;

	for (; i < last && ((uintptr_t)(p + i) & 7); i++)
		if (p[i] != POISON_FREE)
			return (long)i;
	for (; i + 8 <= last; i += 8) {
		uint64_t w;

		__builtin_memcpy(&w, p + i, 8);
		if (w != pattern)
			break;
	}
	for (; i < last; i++)
		if (p[i] != POISON_FREE)
			return (long)i;
	return p[last] != POISON_END ? (long)last : -1;
}

long slub_debug_poison_damage(const struct kmem_cache *s, const void *obj)
{
	return poison_damage_unchecked(obj, s->object_size);
}

/* ------------------------------------------------------------------------
 * Reports.  A report is built in a buffer and sent to the error sink when
 * the next banner starts or the operation ends: one kalloc_report() per
 * BUG, its FIX lines included.  machine->slub_errors counts as slub_kunit's
 * slab_errors does: every BUG and every FIX.
 */
struct dbg {
	struct kmem_cache *s;
	struct page *slab;
	int code, first_code;
	struct seq_buf sb;
	char buf[KALLOC_REPORT_MAX];
};

static void dbg_init(struct dbg *d, struct kmem_cache *s, struct page *slab)
{
	d->s = s;
	d->slab = slab;
	d->code = d->first_code = 0;
	d->sb.buf = d->buf;
	d->sb.size = sizeof(d->buf);
	d->sb.len = 0;
	d->buf[0] = '\0';
}

static void dbg_flush(struct dbg *d)
{
	size_t n;

	if (!d->sb.len)
		return;
	n = d->sb.len < d->sb.size ? d->sb.len : d->sb.size - 1;
	while (n && d->buf[n - 1] == '\n')
		d->buf[--n] = '\0';
	kalloc_report(d->s->m, d->code, "%s", d->buf);
	d->sb.len = 0;
	d->buf[0] = '\0';
}

/* print_tainted() with only TAINT_BAD_PAGE ever set: 'G' for "not
 * proprietary", 'B' in the sixth of Linux 6.1's 19 taint columns. */
static const char *print_tainted(const struct machine *m)
{
	return m->tainted ? "Tainted: G    B             " : "Not tainted";
}

static void slab_bug(struct dbg *d, int code, const char *fmt, ...) KA_PRINTF(3, 4);
static void slab_bug(struct dbg *d, int code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	dbg_flush(d);
	d->code = code;
	if (!d->first_code)
		d->first_code = code;
	va_start(ap, fmt);
	kalloc_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seq_printf(&d->sb, "=============================================================================\n");
	seq_printf(&d->sb, "BUG %s (%s): %s\n", d->s->name, print_tainted(d->s->m), msg);
	seq_printf(&d->sb, "-----------------------------------------------------------------------------\n\n");
	d->s->m->tainted = 1;		/* add_taint(TAINT_BAD_PAGE) */
	d->s->m->slub_errors++;
}

static void slab_fix(struct dbg *d, const char *fmt, ...) KA_PRINTF(2, 3);
static void slab_fix(struct dbg *d, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	kalloc_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seq_printf(&d->sb, "FIX %s: %s\n", d->s->name, msg);
	d->s->m->slub_errors++;
}

#define PTR(p) ((unsigned long)(uintptr_t)(p))

/* "%02x" of every byte value, two characters each: a dump line is 16
 * table copies, not 32 nibble lookups. */
#define HEX_ROW(h) h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" h "d" h "e" h "f"
static const char hex_pairs[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4") HEX_ROW("5")
	HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9") HEX_ROW("a") HEX_ROW("b") HEX_ROW("c") HEX_ROW("d")
	HEX_ROW("e") HEX_ROW("f");
#undef HEX_ROW

/* @n bytes as "%02x" one space apart at @hex, and printable or '.' at @text. */
static inline __attribute__((always_inline)) void dump_bytes(char *hex, char *text, const unsigned char *b, size_t n)
{
#pragma GCC unroll 16
	for (size_t j = 0; j < n; j++) {
		unsigned char ch = b[j];

		memcpy(hex + 3 * j, hex_pairs + 2 * ch, 2);
		text[j] = (unsigned char)(ch - 0x20) < 0x5f ? (char)ch : '.';
	}
}

/* print_hex_dump(KERN_ERR, text, DUMP_PREFIX_ADDRESS, 16, 1, addr, len, 1):
 * "<text><%016lx address>: " then the bytes as "%02x" one space apart,
 * padded to 49 columns, then each byte printable or '.'.  The bytes are read
 * through machine_peek ("Bytes b4" are the previous slot's, which ASan may
 * hold poisoned: a freed neighbour), DUMP_CHUNK at a time, and each chunk's
 * lines are written with one seq_put_bytes. */
#define DUMP_CHUNK	256
static void print_section(struct dbg *d, const char *text, const unsigned char *addr, size_t len)
{
	size_t tl = strlen(text);

	if (tl > 64)
		tl = 64;
	for (size_t c = 0; c < len; c += DUMP_CHUNK) {
		unsigned char b[DUMP_CHUNK];
		char lines[DUMP_CHUNK / 16 * (64 + 16 + 2 + 49 + 16 + 1)], *p = lines;
		size_t cn = len - c < DUMP_CHUNK ? len - c : DUMP_CHUNK;
		int whole = machine_peek(d->s->m, addr + c, b, cn) == 0;

		for (size_t i = 0; i < cn; i += 16) {
			size_t n = cn - i < 16 ? cn - i : 16;
			unsigned long a = PTR(addr + c + i);
			char *col;

			if (!whole)	/* as the lines were peeked one by one */
				machine_peek(d->s->m, addr + c + i, b + i, n);
			memcpy(p, text, tl);
			p += tl;
#pragma GCC unroll 8
			for (int k = 0; k < 8; k++)
				memcpy(p + 2 * k, hex_pairs + 2 * ((a >> (56 - 8 * k)) & 0xff), 2);
			p[16] = ':';
			p[17] = ' ';
			col = p + 18;
			memset(col, ' ', 49);
			p = col + 49;
			if (n == 16)	/* constant trips: the loops unroll */
				dump_bytes(col, p, b + i, 16);
			else
				dump_bytes(col, p, b + i, n);
			p += n;
			*p++ = '\n';
		}
		seq_put_bytes(&d->sb, lines, (size_t)(p - lines));
	}
}

/* The object's dump, as Linux prints it, unless the report would then not
 * fit the error sink with the red zone, padding and FIX lines still to
 * come (a 4 KiB object is 256 lines): then as many lines as fit, and one
 * line that says how much is left out. */
#define REPORT_TAIL_RESERVE	1536
static void print_object(struct dbg *d, const unsigned char *p, size_t len)
{
	size_t room = d->sb.len + REPORT_TAIL_RESERVE < d->sb.size ?
		      d->sb.size - d->sb.len - REPORT_TAIL_RESERVE : 0;
	size_t lines = room / 94, shown = len;	/* a dump line is 93 bytes */

	if ((len + 15) / 16 > lines) {
		shown = lines > 1 ? (lines - 1) * 16 : 0;
		print_section(d, "Object   ", p, shown);
		seq_printf(&d->sb, "Object   %016lx: (%zu more bytes not shown: the report must fit the error sink)\n",
			   PTR(p + shown), len - shown);
		return;
	}
	print_section(d, "Object   ", p, shown);
}

static void print_track(struct dbg *d, const char *what, void *obj, enum track_item item)
{
	struct machine *m = d->s->m;
	struct track t;
	char buf[24];

	memcpy(&t, get_track(d->s, obj, item), sizeof(t));
	if (!t.addr)
		return;
	seq_printf(&d->sb, "%s in %s age=%lu cpu=%u pid=%d\n", what, site_name(m, t.addr, buf, sizeof(buf)),
		   m->clock - (unsigned long)t.when, t.cpu, t.pid);
}

static void print_slab_info(struct dbg *d, const struct page *slab)
{
	unsigned long flags = 0x200 | (slab->order ? 0x10000 : 0);

	seq_printf(&d->sb, "Slab 0x%016lx objects=%u used=%u fp=0x%016lx flags=0x%lx(slab%s|node=0|zone=%u|lastcpupid=0x1fffff)\n",
		   PTR(slab), slab->objects, slab->inuse, PTR(slab->freelist),
		   flags | ((unsigned long)slab->zone << 56), slab->order ? "|head" : "", slab->zone);
}

/* print_trailer(): who had the object, the slab, the object and its fp,
 * then the slot's bytes: left red zone (or the 16 bytes before), object,
 * right red zone, and the padding after the metadata. */
static void print_trailer(struct dbg *d, void *obj)
{
	struct kmem_cache *s = d->s;
	unsigned char *p = obj, *addr = (unsigned char *)slab_address(s->m, d->slab);
	unsigned int off, from_object = s->size - s->red_left_pad;

	if (s->flags & SLAB_STORE_USER) {
		print_track(d, "Allocated", obj, TRACK_ALLOC);
		print_track(d, "Freed", obj, TRACK_FREE);
	}
	print_slab_info(d, d->slab);
	seq_printf(&d->sb, "Object 0x%016lx @offset=%lu fp=0x%016lx\n\n", PTR(p), (unsigned long)(p - addr),
		   PTR(read_fp(s, obj)));
	if (s->flags & SLAB_RED_ZONE) {
		print_section(d, "Redzone  ", p - s->red_left_pad, s->red_left_pad);
	} else if (p > addr + 16) {
		print_section(d, "Bytes b4 ", p - 16, 16);	/* the slot before: print_section peeks */
	}
	print_object(d, p, s->object_size < PAGE_SIZE ? s->object_size : PAGE_SIZE);
	if (s->flags & SLAB_RED_ZONE)
		print_section(d, "Redzone  ", p + s->object_size, s->inuse - s->object_size);
	off = get_info_end(s);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * SLUB_TRACK_SIZE;
	if (slub_debug_orig_size_flags(s->flags))
		off += sizeof(unsigned int);
	if (off != from_object)
		print_section(d, "Padding  ", p + off, from_object - off);
}

/* The slot of @obj must be open (slot_open()). */
static void object_err(struct dbg *d, void *obj, int code, const char *reason)
{
	slab_bug(d, code, "%s", reason);
	print_trailer(d, obj);
}

static void slab_err(struct dbg *d, int code, const char *fmt, ...) KA_PRINTF(3, 4);
static void slab_err(struct dbg *d, int code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	kalloc_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	slab_bug(d, code, "%s", msg);
	print_slab_info(d, d->slab);
}

/* ------------------------------------------------------------------------
 * The checks (check_bytes_and_report, check_pad_bytes, slab_pad_check,
 * check_object, check_slab, on_freelist).  Each returns 1 when healthy,
 * else 0 after reporting and repairing.
 */
static int check_bytes_and_report(struct dbg *d, void *obj, int code, const char *what,
				  unsigned char *start, uint8_t value, size_t bytes)
{
	const unsigned char *fault = memchr_inv(start, value, bytes), *end;
	const unsigned char *addr = (unsigned char *)slab_address(d->s->m, d->slab);

	if (!fault)
		return 1;
	end = start + bytes;
	while (end > fault && end[-1] == value)
		end--;
	slab_bug(d, code, "%s overwritten", what);
	seq_printf(&d->sb, "0x%016lx-0x%016lx @offset=%lu. First byte 0x%x instead of 0x%x\n",
		   PTR(fault), PTR(end - 1), (unsigned long)(fault - addr), fault[0], value);
	print_trailer(d, obj);
	/* restore_bytes() */
	slab_fix(d, "Restoring %s 0x%016lx-0x%016lx=0x%x", what, PTR(fault), PTR(end - 1), value);
	memset((void *)fault, value, (size_t)(end - fault));
	return 0;
}

static int check_pad_bytes(struct dbg *d, unsigned char *p)
{
	struct kmem_cache *s = d->s;
	unsigned int off = get_info_end(s), from_object = s->size - s->red_left_pad;

	if (s->flags & SLAB_STORE_USER) {
		off += 2 * SLUB_TRACK_SIZE;
		if (s->flags & SLAB_KMALLOC)
			off += sizeof(unsigned int);
	}
	if (from_object == off)
		return 1;
	return check_bytes_and_report(d, p, KERR_PADDING, "Object padding", p + off, POISON_INUSE,
				      from_object - off);
}

/* The slab's tail after its last slot (P only). */
static void slab_pad_check(struct dbg *d)
{
	struct kmem_cache *s = d->s;
	unsigned char *start = (unsigned char *)slab_address(s->m, d->slab), *end, *pad;
	const unsigned char *fault;
	size_t length = PAGE_SIZE << d->slab->order, remainder = length % s->size;

	if (!(s->flags & SLAB_POISON) || !remainder)
		return;
	end = start + length;
	pad = end - remainder;
	kasan_unpoison(pad, remainder);
	fault = memchr_inv(pad, POISON_INUSE, remainder);
	if (fault) {
		while (end > fault && end[-1] == POISON_INUSE)
			end--;
		slab_bug(d, KERR_PADDING, "Padding overwritten. 0x%016lx-0x%016lx @offset=%lu",
			 PTR(fault), PTR(end - 1), (unsigned long)(fault - start));
		print_section(d, "Padding ", pad, remainder);
		print_slab_info(d, d->slab);
		slab_fix(d, "Restoring slab padding 0x%016lx-0x%016lx=0x%x", PTR(fault), PTR(end - 1),
			 POISON_INUSE);
		memset((void *)fault, POISON_INUSE, (size_t)(end - fault));
	}
	kasan_poison(pad, remainder);
}

/* The slot of @obj must be open.  @val: SLUB_RED_ACTIVE for an object in
 * use, SLUB_RED_INACTIVE for a free one.  Every part is checked and each
 * problem is its own report (Linux 6.10 on); the free pointer last. */
static int check_object(struct dbg *d, void *obj, uint8_t val)
{
	struct kmem_cache *s = d->s;
	unsigned char *p = obj, *endobject = p + s->object_size;
	int ret = 1;

	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes_and_report(d, obj, KERR_REDZONE, "Left Redzone", p - s->red_left_pad, val,
					    s->red_left_pad))
			ret = 0;
		if (!check_bytes_and_report(d, obj, KERR_REDZONE, "Right Redzone", endobject, val,
					    s->inuse - s->object_size))
			ret = 0;
		if (slub_debug_orig_size_flags(s->flags) && val == SLUB_RED_ACTIVE) {
			unsigned int orig_size = get_orig_size(s, obj);

			if (s->object_size > orig_size &&
			    !check_bytes_and_report(d, obj, KERR_REDZONE, "kmalloc Redzone", p + orig_size, val,
						    s->object_size - orig_size))
				ret = 0;
		}
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		if (!check_bytes_and_report(d, obj, KERR_PADDING, "Alignment padding", endobject, POISON_INUSE,
					    s->inuse - s->object_size))
			ret = 0;
	}
	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && (s->flags & __OBJECT_POISON)) {
			if (!check_bytes_and_report(d, obj, KERR_POISON, "Poison", p, POISON_FREE,
						    s->object_size - 1))
				ret = 0;
			if (!check_bytes_and_report(d, obj, KERR_POISON, "End Poison", p + s->object_size - 1,
						    POISON_END, 1))
				ret = 0;
		}
		if (!check_pad_bytes(d, p))
			ret = 0;
	}
	/* An object in use holds its own bytes where an inside free pointer
	 * would be. */
	if ((freeptr_outside_object(s) || val != SLUB_RED_ACTIVE) &&
	    !slab_valid_pointer(s, d->slab, read_fp(s, obj))) {
		object_err(d, obj, KERR_FREEPTR, "Freepointer corrupt");
		/* No choice but to zap it and lose the rest of the freelist;
		 * the object count is wrong then, and on_freelist says so. */
		write_fp(s, obj, NULL);
		ret = 0;
	}
	return ret;
}

static int check_slab(struct dbg *d)
{
	struct page *slab = d->slab;
	unsigned int maxobj;

	if (!PageSlab(slab)) {
		slab_err(d, KERR_SLAB_STATE, "Not a valid slab page");
		return 0;
	}
	maxobj = (unsigned int)((PAGE_SIZE << slab->order) / d->s->size);
	if (slab->objects > maxobj) {
		slab_err(d, KERR_SLAB_STATE, "objects %u > max %u", slab->objects, maxobj);
		return 0;
	}
	if (slab->inuse > slab->objects) {
		slab_err(d, KERR_SLAB_STATE, "inuse %u > max %u", slab->inuse, slab->objects);
		return 0;
	}
	slab_pad_check(d);
	return 1;
}

/* on_freelist(s, slab, NULL) as validate uses it: walk the freelist,
 * checking every pointer before following it; a bad one ends the chain
 * there (or empties it, when it is the first); then the slab's object
 * count and inuse are put right. */
static void on_freelist(struct dbg *d)
{
	struct kmem_cache *s = d->s;
	struct page *slab = d->slab;
	unsigned int nr = 0, max_objects;
	void *fp = slab->freelist, *object = NULL;
	uint64_t seen[(MAX_OBJS_PER_PAGE + 64) / 64] = { 0 };

	while (fp) {
		unsigned int idx = 0;
		bool valid = slab_valid_pointer(s, slab, fp);

		if (valid) {	/* a chain that comes back to an object is corrupt too */
			idx = (unsigned int)(((char *)fp - slab_first_object(s, slab)) / s->size);
			valid = !(seen[idx / 64] >> (idx % 64) & 1);
		}
		if (!valid) {
			if (object) {
				struct slot sl;

				slot_open(s, object, &sl);
				object_err(d, object, KERR_FREEPTR, "Freechain corrupt");
				slot_close(s, &sl);
				slab_set_freepointer(s, object, NULL);
			} else {
				slab_err(d, KERR_FREEPTR, "Freepointer corrupt");
				slab->freelist = NULL;
				slab->inuse = slab->objects;
				slab_fix(d, "Freelist cleared");
				return;
			}
			break;
		}
		seen[idx / 64] |= 1ULL << (idx % 64);
		object = fp;
		fp = slab_get_freepointer(s, object);
		nr++;
	}
	max_objects = (unsigned int)((PAGE_SIZE << slab->order) / s->size);
	if (max_objects > MAX_OBJS_PER_PAGE)
		max_objects = MAX_OBJS_PER_PAGE;
	if (slab->objects != max_objects) {
		slab_err(d, KERR_SLAB_STATE, "Wrong number of objects. Found %u but should be %u",
			 slab->objects, max_objects);
		slab->objects = (uint16_t)max_objects;
		slab_fix(d, "Number of objects adjusted");
	}
	if (slab->inuse != slab->objects - nr) {
		slab_err(d, KERR_SLAB_STATE, "Wrong object count. Counter is %u but counted were %u",
			 slab->inuse, slab->objects - nr);
		slab->inuse = slab->objects - nr;
		slab_fix(d, "Object count adjusted");
	}
}

/* After a repair the freelist is what is free: objects on it are not live,
 * every other one is (an object cut off a chain is written off as in use,
 * as Linux's counter says). */
static void sync_live_map(struct kmem_cache *s, struct page *slab)
{
	char *p = slab_first_object(s, slab);
	unsigned int n = 0;

	for (unsigned int i = 0; i < slab->objects; i++)
		slab_object_set_live(s->m, p + (size_t)i * s->size, true);
	for (void *fp = slab->freelist; fp && n++ < slab->objects; fp = slab_get_freepointer(s, fp))
		slab_object_set_live(s->m, fp, false);
}

static void validate_slab(struct dbg *d)
{
	struct kmem_cache *s = d->s;
	char *p;

	if (!check_slab(d))
		return;
	on_freelist(d);
	sync_live_map(s, d->slab);
	p = slab_first_object(s, d->slab);
	for (unsigned int i = 0; i < d->slab->objects; i++, p += s->size) {
		struct slot sl;
		int ok;

		slot_open(s, p, &sl);
		ok = check_object(d, p, slab_object_live(s->m, p) ? SLUB_RED_ACTIVE : SLUB_RED_INACTIVE);
		slot_close(s, &sl);
		if (!ok)
			break;
	}
}

int kmem_cache_validate(struct kmem_cache *s)
{
	struct machine *m;
	unsigned long before;
	struct list_head *heads[2], *pos;
	struct dbg d;

	if (unlikely(!slab_cache_live(s)))
		return slab_cache_bad(s, "kmem_cache_validate");
	m = s->m;
	s->check_dirty = true;		/* validate repairs what it finds */
	before = m->slub_errors;
	heads[0] = &s->partial;
	heads[1] = &s->full;
	dbg_init(&d, s, NULL);
	/* Linux flushes the CPU slabs first (other CPUs use them); a simulated
	 * machine runs one op at a time, so they are checked where they are.
	 * Isolated slabs are out of service, as on no list in Linux. */
	for (int l = 0; l < 2; l++)
		list_for_each(pos, heads[l]) {
			d.slab = list_entry(pos, struct page, lru);
			validate_slab(&d);
		}
	for (unsigned int c = 0; c < m->cfg.nr_cpus; c++)
		if (s->cpu_slab[c].slab) {
			d.slab = s->cpu_slab[c].slab;
			validate_slab(&d);
		}
	dbg_flush(&d);
	slab_fix_lists(s);
	return (int)(m->slub_errors - before);
}

/* ------------------------------------------------------------------------
 * The hooks on alloc and free
 */
bool slub_debug_alloc(struct kmem_cache *s, struct page *slab, void *obj, unsigned int orig_size,
		      const char *site)
{
	struct dbg d;
	struct slot sl;
	bool ok = true;

	dbg_init(&d, s, slab);
	slot_open(s, obj, &sl);
	if (s->flags & SLAB_CONSISTENCY_CHECKS) {
		/* alloc_consistency_checks(); obj passed freeptr_valid(). */
		ok = check_slab(&d) && check_object(&d, obj, SLUB_RED_INACTIVE);
	} else if (s->flags & __OBJECT_POISON) {
		check_bytes_and_report(&d, obj, KERR_POISON, "Poison", (unsigned char *)obj, POISON_FREE,
				       s->object_size - 1);
		check_bytes_and_report(&d, obj, KERR_POISON, "End Poison", (unsigned char *)obj + s->object_size - 1,
				       POISON_END, 1);
	}
	if (!ok) {
		slab_fix(&d, "Marking all objects used");
	} else {
		set_orig_size(s, obj, orig_size && orig_size <= s->object_size ? orig_size : s->object_size);
		if (s->flags & SLAB_STORE_USER)
			set_track(s, obj, TRACK_ALLOC, site);
		init_object(s, obj, SLUB_RED_ACTIVE);
	}
	slot_close(s, &sl);
	dbg_flush(&d);
	return ok;
}

int slub_debug_free(struct kmem_cache *s, struct page *slab, void *obj, const char *site)
{
	struct dbg d;
	struct slot sl;

	dbg_init(&d, s, slab);
	slot_open(s, obj, &sl);
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_object(&d, obj, SLUB_RED_ACTIVE)) {
		slab_fix(&d, "Object at 0x%016lx not freed", PTR(obj));
		slot_close(s, &sl);
		dbg_flush(&d);
		return -d.first_code;
	}
	if (s->flags & SLAB_STORE_USER)
		set_track(s, obj, TRACK_FREE, site);
	init_object(s, obj, SLUB_RED_INACTIVE);
	slot_close(s, &sl);
	return 0;
}

int slub_debug_bad_free(struct kmem_cache *s, struct page *slab, const void *x, int code)
{
	struct dbg d;

	dbg_init(&d, s, slab);
	if (code == KERR_DOUBLE_FREE) {
		struct slot sl;

		slot_open(s, (void *)x, &sl);
		object_err(&d, (void *)x, code, "Object already free");
		slot_close(s, &sl);
	} else {
		slab_err(&d, code, "Invalid object pointer 0x%016lx", PTR(x));
	}
	slab_fix(&d, "Object at 0x%016lx not freed", PTR(x));
	dbg_flush(&d);
	return -code;
}

void slub_debug_freelist_corrupt(struct kmem_cache *s, struct page *slab, void *obj, const void *fp,
				 bool live)
{
	struct machine *m = s->m;
	struct dbg d;
	struct slot sl;

	if (!(s->flags & SLAB_CONSISTENCY_CHECKS)) {
		if (live)
			kalloc_report(m, KERR_FREEPTR, "kmem_cache_alloc(%s): free object %p links to %p, an "
				      "object in use, in the slab at pfn %lu: slab isolated", s->name, obj, fp,
				      pfn_of(m, slab));
		else
			kalloc_report(m, KERR_FREEPTR, "kmem_cache_alloc(%s): free object %p links to %p, not an "
				      "object of its slab at pfn %lu: slab isolated", s->name, obj, fp,
				      pfn_of(m, slab));
		return;
	}
	dbg_init(&d, s, slab);
	if (live) {
		slab_err(&d, KERR_FREEPTR, "Object 0x%016lx already allocated", PTR(fp));
	} else {
		slot_open(s, obj, &sl);
		object_err(&d, obj, KERR_FREEPTR, "Freepointer corrupt");
		slot_close(s, &sl);
	}
	slab_fix(&d, "Marking all objects used");
	dbg_flush(&d);
}
