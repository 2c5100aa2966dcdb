// SPDX-License-Identifier: GPL-2.0
/* kdiff_mod.c - kdiff.ko: runs kalloc op programs on the real kernel API.
 *
 * Write a program (the binary form of harness/OPS.md) to /proc/kdiff, then
 * read /proc/kdiff: the first read runs it through exec.c with the kernel's
 * kmalloc, kmem_cache_*, alloc_pages and friends, and returns the results
 * text; kernel/init.sh does that for every program of the initramfs and
 * prints the text on the serial console between markers.
 *
 * Parameter debug=1 (init.sh sets it when the kernel was booted with
 * slub_debug=): misuse ops run; SLUB reports them in the kernel log, and
 * exec.c brackets each with "kdiff: op N begin/end" lines there.
 *
 * vmalloc/vfree (issue 8's ops 32..): the hook is exec.c's op switch plus a
 * kx_vmalloc/kx_vfree pair in kx_env.h; not there yet.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/string.h>
#include "kx_env.h"
#include "kx_ops.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kalloc kernel-diff: op programs on the real allocators");

static int debug;
module_param(debug, int, 0444);
MODULE_PARM_DESC(debug, "run misuse ops (only on a slub_debug=FZPU kernel)");

#define KD_PROG_MAX	(KX_HDR + KX_REC * KX_MAX)
#define KD_OUT_MAX	(256UL << 10)

static DEFINE_MUTEX(kd_lock);
static unsigned char kd_prog[KD_PROG_MAX];
static unsigned long kd_prog_len;
static char *kd_out;
static unsigned long kd_out_len;
static int kd_ran;

/* ---- the environment of exec.c -------------------------------------------- */
const struct kx_flag kx_env_gfp[] = {
	{ "GFP_ATOMIC", (__force unsigned long)GFP_ATOMIC },
	{ "GFP_DMA", (__force unsigned long)GFP_DMA },
	{ "__GFP_ZERO", (__force unsigned long)__GFP_ZERO },
	{ "__GFP_RECLAIMABLE", (__force unsigned long)__GFP_RECLAIMABLE },
	{ "__GFP_ACCOUNT", (__force unsigned long)__GFP_ACCOUNT },
	{ NULL, 0 }
};
const struct kx_flag kx_env_cache_flags[] = {
	{ "SLAB_HWCACHE_ALIGN", (__force unsigned long)SLAB_HWCACHE_ALIGN },
	{ "SLAB_POISON", (__force unsigned long)SLAB_POISON },
	{ "SLAB_CACHE_DMA", (__force unsigned long)SLAB_CACHE_DMA },
	{ "SLAB_TYPESAFE_BY_RCU", (__force unsigned long)SLAB_TYPESAFE_BY_RCU },
	{ "SLAB_RED_ZONE", (__force unsigned long)SLAB_RED_ZONE },
	{ "SLAB_STORE_USER", (__force unsigned long)SLAB_STORE_USER },
	{ "SLAB_CONSISTENCY_CHECKS", (__force unsigned long)SLAB_CONSISTENCY_CHECKS },
	{ NULL, 0 }
};
const unsigned long kx_env_gfp_kernel = (__force unsigned long)GFP_KERNEL;
const unsigned long kx_env_gfp_always = (__force unsigned long)__GFP_NOWARN;

#define G(g) ((__force gfp_t)(unsigned int)(g))

void *kx_kmalloc(void *env, unsigned long size, unsigned long gfp) { return kmalloc(size, G(gfp)); }
void *kx_kzalloc(void *env, unsigned long size, unsigned long gfp) { return kzalloc(size, G(gfp)); }
void *kx_kmalloc_array(void *env, unsigned long n, unsigned long size, unsigned long gfp)
{
	return kmalloc_array(n, size, G(gfp));
}
void *kx_krealloc(void *env, void *p, unsigned long size, unsigned long gfp)
{
	return krealloc(p, size, G(gfp));
}
unsigned long kx_ksize(void *env, void *p) { return ksize(p); }
int kx_kfree(void *env, void *p) { kfree(p); return 0; }
void *kx_alloc_pages(void *env, unsigned long gfp, unsigned int order, void **addr)
{
	struct page *page = alloc_pages(G(gfp), order);

	*addr = page ? page_address(page) : NULL;
	return page;
}
unsigned long kx_get_free_pages(void *env, unsigned long gfp, unsigned int order)
{
	return __get_free_pages(G(gfp), order);
}
int kx_free_page_block(void *env, void *page, unsigned int order)
{
	__free_pages(page, order);
	return 0;
}
int kx_free_pages(void *env, unsigned long addr, unsigned int order)
{
	free_pages(addr, order);
	return 0;
}

static void kd_ctor(void *obj)
{
	*(unsigned char *)obj = 0xc7;
}

void *kx_cache_create(void *env, const char *name, unsigned int size, unsigned int align,
		      unsigned long flags, int ctor)
{
	return kmem_cache_create(name, size, align, (__force slab_flags_t)(unsigned int)flags,
				 ctor ? kd_ctor : NULL);
}
void *kx_cache_alloc(void *env, void *s, unsigned long gfp) { return kmem_cache_alloc(s, G(gfp)); }
int kx_cache_free(void *env, void *s, void *obj) { kmem_cache_free(s, obj); return 0; }
void kx_cache_shrink(void *env, void *s) { kmem_cache_shrink(s); }
int kx_cache_destroy(void *env, void *s) { kmem_cache_destroy(s); return 0; }
unsigned int kx_cache_object_size(void *env, void *s) { return kmem_cache_size(s); }

const char *kx_zone(void *env, const void *addr)
{
	return page_zone(virt_to_page(addr))->name;
}

/* One number from /sys/kernel/slab/@name/@attr. */
static int kd_sysfs_ulong(const char *name, const char *attr, unsigned long *v)
{
	char path[96], buf[32];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", name, attr);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return -1;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return kstrtoul(strim(buf), 10, v) ? -1 : 0;
}

int kx_cache_geometry(void *env, void *s, const char *name, unsigned long v[3], int *merged)
{
	char path[96];
	struct path p;
	unsigned long order;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s", name);
	if (kern_path(path, 0, &p))
		return -1;
	*merged = d_is_symlink(p.dentry);	/* an alias of the cache it merged into */
	path_put(&p);
	if (kd_sysfs_ulong(name, "slab_size", &v[0]) || kd_sysfs_ulong(name, "objs_per_slab", &v[1]) ||
	    kd_sysfs_ulong(name, "order", &order))
		return -1;
	v[2] = 1UL << order;
	return 0;
}

/* The layout of a cache's objects from /sys/kernel/slab/NAME: struct
 * kmem_cache (linux/slub_def.h) is unusable from a module in 6.1 (its inline
 * helpers need mm/'s struct slab), so red_left_pad, inuse and offset are
 * worked out from object_size, align, red_zone and poison as 6.1's
 * calculate_sizes() does.  A kmalloc block's cache is named after what
 * kmalloc() picked for @gfp and ksize @ks. */
int kx_obj_layout(void *env, void *s, int ctor, const void *p, unsigned long gfp, unsigned long ks,
		  struct kx_layout *l, char *name, unsigned long nlen)
{
	unsigned long osz, align, rz, poison, rcu, size, slab_size;
	gfp_t g = G(gfp);

	if (!s) {
		const char *pre = (g & __GFP_DMA) ? "dma-kmalloc-" : (g & __GFP_RECLAIMABLE) ? "kmalloc-rcl-" :
				  (g & __GFP_ACCOUNT) ? "kmalloc-cg-" : "kmalloc-";

		if (ks >= 1024)
			snprintf(name, nlen, "%s%luk", pre, ks >> 10);
		else
			snprintf(name, nlen, "%s%lu", pre, ks);
	}
	if (kd_sysfs_ulong(name, "object_size", &osz) || kd_sysfs_ulong(name, "align", &align) ||
	    kd_sysfs_ulong(name, "red_zone", &rz) || kd_sysfs_ulong(name, "poison", &poison) ||
	    kd_sysfs_ulong(name, "slab_size", &slab_size) ||
	    kd_sysfs_ulong(name, "destroy_by_rcu", &rcu))
		return -1;
	size = ALIGN(osz, sizeof(void *));
	if (rz && size == osz)
		size += sizeof(void *);
	l->inuse = size;
	if (poison || rcu || ctor || (rz && osz < sizeof(void *)))
		l->offset = size;
	else
		l->offset = ALIGN_DOWN(osz / 2, sizeof(void *));
	l->red_left_pad = rz ? ALIGN(sizeof(void *), align) : 0;
	l->size = slab_size;
	l->object_size = osz;
	return 0;
}

void kx_poke(void *env, void *addr, unsigned char byte, unsigned long len)
{
	memset(addr, byte, len);
}

int kx_is_slab(void *env, const void *p)
{
	return PageSlab(virt_to_head_page(p));
}

int kx_validate(void *env, void *s, const char *name)
{
	char path[96];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/validate", name);
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return -1;
	n = kernel_write(f, "1", 1, &pos);
	filp_close(f, NULL);
	return n == 1 ? 0 : -1;
}

void kx_clear_failure(void *env) { }
const char *kx_failure(void *env) { return NULL; }
void kx_mark(void *env, unsigned int i, const char *what)
{
	pr_err("kdiff: op %u %s\n", i, what);
}

/* ---- /proc/kdiff -------------------------------------------------------- */
static int kd_open(struct inode *inode, struct file *file)
{
	if (file->f_mode & FMODE_WRITE) {
		mutex_lock(&kd_lock);
		kd_prog_len = 0;
		kd_ran = 0;
		mutex_unlock(&kd_lock);
	}
	return 0;
}

static ssize_t kd_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos)
{
	size_t n;

	mutex_lock(&kd_lock);
	n = min_t(size_t, len, KD_PROG_MAX - kd_prog_len);
	if (n && copy_from_user(kd_prog + kd_prog_len, buf, n)) {
		mutex_unlock(&kd_lock);
		return -EFAULT;
	}
	kd_prog_len += n;
	mutex_unlock(&kd_lock);
	*ppos += len;
	return len;	/* the rest of a long program is ignored, as OPS_MAX says */
}

static ssize_t kd_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&kd_lock);
	if (!kd_ran) {
		struct kx_run r = { .env = NULL, .debug = debug, .out = kd_out, .cap = KD_OUT_MAX};

		kd_out[0] = 0;
		kx_run_program(&r, kd_prog, kd_prog_len);
		kd_out_len = r.len;
		kd_ran = 1;
	}
	ret = simple_read_from_buffer(buf, len, ppos, kd_out, kd_out_len);
	mutex_unlock(&kd_lock);
	return ret;
}

static const struct proc_ops kd_ops = {
	.proc_open = kd_open,
	.proc_read = kd_read,
	.proc_write = kd_write,
	.proc_lseek = default_llseek,
};

static int __init kd_init(void)
{
	kd_out = vmalloc(KD_OUT_MAX);
	if (!kd_out || !proc_create("kdiff", 0600, NULL, &kd_ops)) {
		vfree(kd_out);
		return -ENOMEM;
	}
	pr_info("kdiff: ready (debug=%d)\n", debug);
	return 0;
}

static void __exit kd_exit(void)
{
	remove_proc_entry("kdiff", NULL);
	vfree(kd_out);
}

module_init(kd_init);
module_exit(kd_exit);
