// SPDX-License-Identifier: GPL-2.0
/* Faults for comparing kalloc's slub_debug reports with Linux's. */
#include <linux/module.h>
#include <linux/slab.h>

static struct kmem_cache *c_rz, *c_km, *c_np, *c_pz;
char *kd_keep[8];
EXPORT_SYMBOL(kd_keep);

static int __init kd_init(void)
{
	u8 *p;

	c_rz = kmem_cache_create("TestSlub_RZ_alloc", 64, 0, SLAB_RED_ZONE, NULL);
	p = kmem_cache_alloc(c_rz, GFP_KERNEL);
	WRITE_ONCE(p[64], 0x12);
	kd_keep[0] = p;

	p = kmalloc(18, GFP_KERNEL);
	WRITE_ONCE(p[18], 0xab);
	WRITE_ONCE(p[19], 0xab);
	kd_keep[1] = p;

	c_np = kmem_cache_create("TestSlub_next_ptr_free", 64, 0, SLAB_POISON, NULL);
	p = kmem_cache_alloc(c_np, GFP_KERNEL);
	kmem_cache_free(c_np, p);
	p[50] = 0x9a;

	c_pz = kmem_cache_create("TestSlub_FZPU", 64, 0, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, NULL);
	p = kmem_cache_alloc(c_pz, GFP_KERNEL);
	WRITE_ONCE(p[64], 0x12);
	kd_keep[2] = p;
	pr_info("kd: offsets rz %u km %u np %u pz %u sizes %u %u %u %u\n", 0, 0, 0, 0,
		kmem_cache_size(c_rz), 0, kmem_cache_size(c_np), kmem_cache_size(c_pz));
	return 0;
}
module_init(kd_init);
MODULE_LICENSE("GPL");
