/* test_slab.c - SLUB-style caches: geometry as Linux computes it, the
 * object life cycle, ctor semantics, min_partial, shrink and destroy,
 * wrong frees, poisoning, /proc/slabinfo. */
#include <stdlib.h>
#include "kunit.h"

TEST(slab_geometry_1040_bytes)
{
	/* The worked example: objects and pages per slab for 1, 2, 4, 8 CPUs. */
	static const struct { unsigned cpus, objects, pages; } want[] = {
		{ 1, 15, 4 }, { 2, 15, 4 }, { 4, 31, 8 }, { 8, 31, 8 },
	};
	for (unsigned i = 0; i < 4; i++) {
		struct machine *m = test_machine(4096, 0, want[i].cpus);
		struct kmem_cache *s;
		struct slab_stats st;

		ASSERT(m);
		s = kmem_cache_create(m, "task_struct", 1040, 0, 0, NULL);
		ASSERT(s);
		kmem_cache_stats(s, &st);
		EXPECT_EQ(st.size, 1040);
		EXPECT_EQ(st.objs_per_slab, want[i].objects);
		EXPECT_EQ(st.pages_per_slab, want[i].pages);
		machine_destroy(m);
	}
}

TEST(slab_geometry_known_rows)
{
	/* Rows of real /proc/slabinfo (2 CPUs: this project's machines; 8 CPUs:
	 * a desktop's kmalloc caches): objsize, objperslab, pagesperslab. */
	static const struct { unsigned cpus, size, objs, pages; } rows[] = {
		{ 2, 5888, 5, 8 }, { 2, 8192, 4, 8 }, { 2, 4096, 8, 8 }, { 2, 2048, 16, 8 },
		{ 2, 1024, 16, 4 }, { 2, 512, 16, 2 }, { 2, 256, 16, 1 }, { 2, 192, 21, 1 },
		{ 2, 96, 42, 1 }, { 2, 8, 512, 1 }, { 2, 312, 13, 1 }, { 2, 416, 19, 2 },
		{ 8, 1024, 32, 8 }, { 8, 512, 32, 4 }, { 8, 256, 32, 2 }, { 8, 128, 32, 1 },
	};
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int order = slub_calculate_order(rows[i].size, rows[i].cpus);
		EXPECT_EQ(1 << order, rows[i].pages);
		EXPECT_EQ((PAGE_SIZE << order) / rows[i].size, rows[i].objs);
	}
}
