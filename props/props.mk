# props.mk - property tests (hypothesis through ctypes); included by the Makefile.
#
#   make props [PROFILE=ci|dev|nightly] [KALLOC_LIB=/path/libkalloc.so] [K=expr]
#   make props-ci      the ci profile against build/gcc/libkalloc.so
#   make props-asan    the ci profile against build/clang-asan (ASan runtime preloaded)
#   make props-bugs    the ci profile against each props/bugs/*.patch (PATCHES=...;
#                      NO_LIBCHECK=1 leaves out machine_check: the model alone)
# Shrunk counterexamples of the op-program property land in build/props-failures/.

PROFILE ?= ci
PROPS_JOBS ?= 2
PROPS_PYTEST = $(PY) -m pytest -p no:cacheprovider -q props \
	--hypothesis-profile=$(PROFILE) $(if $(K),-k '$(K)') \
	$(if $(filter-out 1,$(PROPS_JOBS)),-n $(PROPS_JOBS))
ASAN_RT = $(shell $(CLANG) -print-file-name=libclang_rt.asan-x86_64.so)

.PHONY: props props-ci props-asan props-bugs
# kfz: test_ops.py compares the C decoder, printer and parser with ours (skipped without it).
props: build/gcc/libkalloc.so build/gcc/harness/kfz
	PROPS_PROFILE=$(PROFILE) KALLOC_LIB=$(or $(KALLOC_LIB),$(CURDIR)/build/gcc/libkalloc.so) \
		$(PROPS_PYTEST)

props-ci: build/gcc/libkalloc.so
	$(MAKE) --no-print-directory props PROFILE=ci

# ASan reports kill the interpreter (no shrinking there: shrink against the
# plain build).  symbolize=0: the symbolizer child would inherit the preload.
props-asan: build/clang-asan/libkalloc.so build/gcc/harness/kfz
	PROPS_PROFILE=ci KALLOC_LIB=$(CURDIR)/build/clang-asan/libkalloc.so \
	LD_PRELOAD=$(ASAN_RT) ASAN_OPTIONS=detect_leaks=0:symbolize=0:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1 \
		$(PY) -m pytest -p no:cacheprovider -q props --hypothesis-profile=ci -n $(PROPS_JOBS) \
		$(if $(K),-k '$(K)')

props-bugs:
	PROPS_NO_LIBCHECK=$(NO_LIBCHECK) props/bugcheck.sh $(PATCHES)

TEST_STEPS += props-ci props-asan
