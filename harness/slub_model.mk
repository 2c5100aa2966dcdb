# harness/slub_model.mk - the harness's own SLUB model and its test runner
# (harness/test_slub_model.c: geometry against alloc/slab.c's and
# props/model.py's, predictions against a real machine, every check fires).
#   make slub-model-gcc / slub-model-clang-asan
define slubm_config
build/$(1)/harness/test_slub_model: harness/test_slub_model.c harness/slub_model.c harness/slub_model.h build/$(1)/libkalloc.a
	@mkdir -p $$(@D)
	$$($(1)_CC) $(BASE) -Iharness $$($(1)_FLAGS) harness/test_slub_model.c harness/slub_model.c build/$(1)/libkalloc.a -o $$@
slub-model-$(1): build/$(1)/harness/test_slub_model
	$(HARNESS_ENV) build/$(1)/harness/test_slub_model .
.PHONY: slub-model-$(1)
endef
$(foreach c,gcc clang-asan,$(eval $(call slubm_config,$(c))))

TEST_STEPS += slub-model-gcc slub-model-clang-asan
