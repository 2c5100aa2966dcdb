# props.mk - property tests (hypothesis through ctypes); included by the Makefile.
#
#   make props [PROFILE=ci|dev|nightly] [KALLOC_LIB=/path/libkalloc.so] [K=expr]
#   make props ALLOC=glibc|jemalloc|mimalloc|tcmalloc|example [PROFILE=...]
#                      the heap properties (test_heap.py) against that allocator
#                      through build/gcc/libktarget.so; ALLOC unset or kalloc is
#                      the kalloc suite above
#   make props ALLOC=user ALLOC_SRC=path/to/adapter.c
#                      the same against your adapter (build/gcc/libktarget-user.so)
#   make props-heap    the heap properties against every shipped malloc (ci,
#                      part of make test), and their own tests (test_heap_checks)
#   make props-ci      the ci profile against build/gcc/libkalloc.so
#   make props-asan    the ci profile against build/clang-asan (ASan runtime preloaded)
#   make props-bugs    the ci profile against each props/bugs/*.patch (PATCHES=...;
#                      NO_LIBCHECK=1 leaves out machine_check: the model alone)
# Shrunk counterexamples of the op-program property land in build/props-failures/.

PROFILE ?= ci
PROPS_JOBS ?= 2
# The kalloc suite is props/ without the heap properties (they need no kalloc).
PROPS_HEAP_TESTS := props/test_heap.py props/test_heap_checks.py
PROPS_NOT_HEAP := $(PROPS_HEAP_TESTS:%=--ignore=%)
PROPS_PYTEST = $(PY) -m pytest -p no:cacheprovider -q props $(PROPS_NOT_HEAP) \
	--hypothesis-profile=$(PROFILE) $(if $(K),-k '$(K)') \
	$(if $(filter-out 1,$(PROPS_JOBS)),-n $(PROPS_JOBS))
HEAP_ALLOCS := glibc jemalloc mimalloc tcmalloc example kalloc-heap
# libktarget.so comes with harness/target_so.c (the adapters); until that is
# in the tree, test_heap.py says so and skips, and the checks still run.
KTARGET_SO := $(if $(wildcard harness/target_so.c),build/gcc/libktarget.so)
# jemalloc's initial-exec TLS needs room that ld.so only sets aside at startup
# (without it: "cannot allocate memory in static TLS block"; props/ktarget.py).
HEAP_ENV = GLIBC_TUNABLES=$${GLIBC_TUNABLES:+$$GLIBC_TUNABLES:}glibc.rtld.optional_static_tls=16384
ASAN_RT = $(shell $(CLANG) -print-file-name=libclang_rt.asan-x86_64.so)

# $(call heap_props,LIB): the heap properties against $(ALLOC) in library LIB;
# an allocator that cannot be opened is its one-line reason and exit 2.
# (kfz: test_heap.py replays its programs through the C oracle too.)
define heap_props
	@out=$$(KTARGET_LIB=$(1) $(HEAP_ENV) $(PY) props/ktarget.py $(ALLOC)) || \
		{ echo "$$out" | grep '^ALLOC='; exit 2; }
	KTARGET_LIB=$(1) $(HEAP_ENV) PROPS_PROFILE=$(PROFILE) PROPS_ALLOC="$(ALLOC)" \
		$(PY) -m pytest -p no:cacheprovider -q props/test_heap.py \
		--hypothesis-profile=$(PROFILE) $(if $(K),-k '$(K)')
endef

.PHONY: props props-ci props-asan props-bugs props-heap props-kalloc
ifeq ($(filter-out kalloc,$(ALLOC)),)
props: props-kalloc
else ifneq ($(filter $(ALLOC),$(HEAP_ALLOCS)),)
props: $(KTARGET_SO) build/gcc/harness/kfz
	$(call heap_props,$(or $(KTARGET_LIB),$(CURDIR)/build/gcc/libktarget.so))
else ifeq ($(ALLOC),user)
props: $(if $(ALLOC_SRC),build/gcc/libktarget-user.so build/gcc/harness/kfz-user)
	@test -n "$(ALLOC_SRC)" || { echo "make props ALLOC=user needs ALLOC_SRC=path/to/adapter.c"; exit 2; }
	$(call heap_props,$(CURDIR)/build/gcc/libktarget-user.so)
else
props:
	$(error make props: unknown ALLOC=$(ALLOC); choose one of: kalloc $(HEAP_ALLOCS) user)
endif

# kfz: test_ops.py compares the C decoder, printer and parser with ours (skipped without it).
props-kalloc: build/gcc/libkalloc.so build/gcc/harness/kfz
	PROPS_PROFILE=$(PROFILE) KALLOC_LIB=$(or $(KALLOC_LIB),$(CURDIR)/build/gcc/libkalloc.so) \
		$(PROPS_PYTEST)

# The heap properties against every shipped malloc (each allocator's tests are
# its own, so -n spreads them), and the tests that show each property can fail.
props-heap: $(KTARGET_SO) build/gcc/props/libfake_target.so build/gcc/harness/kfz
	$(HEAP_ENV) PROPS_PROFILE=ci PROPS_ALLOC="$(HEAP_ALLOCS)" \
		$(PY) -m pytest -p no:cacheprovider -q $(PROPS_HEAP_TESTS) --hypothesis-profile=ci \
		$(if $(filter-out 1,$(PROPS_JOBS)),-n $(PROPS_JOBS))

# A kt_* test double over libc malloc with deliberate bugs (test_heap_checks.py).
build/gcc/props/libfake_target.so: props/fake_target.c
	@mkdir -p $(@D)
	gcc $(BASE) -O2 -shared $< -o $@

props-ci: build/gcc/libkalloc.so
	$(MAKE) --no-print-directory props-kalloc PROFILE=ci

# ASan reports kill the interpreter (no shrinking there: shrink against the
# plain build).  symbolize=0: the symbolizer child would inherit the preload.
# LeakSanitizer is on (props/lsan.py): the interpreter's own blocks
# suppressed (props/lsan.supp), no check at the interpreter's exit, one at the
# end of each test process's session.
PROPS_LSAN_ENV = LSAN_OPTIONS=suppressions=$(CURDIR)/props/lsan.supp:malloc_context_size=3:print_suppressions=0:leak_check_at_exit=0
props-asan: build/clang-asan/libkalloc.so build/gcc/harness/kfz
	PROPS_PROFILE=ci KALLOC_LIB=$(CURDIR)/build/clang-asan/libkalloc.so \
	LD_PRELOAD=$(ASAN_RT) ASAN_OPTIONS=detect_leaks=1:symbolize=0:abort_on_error=0 $(PROPS_LSAN_ENV) \
	UBSAN_OPTIONS=print_stacktrace=1 \
		$(PY) -m pytest -p no:cacheprovider -q props $(PROPS_NOT_HEAP) --hypothesis-profile=ci -n $(PROPS_JOBS) \
		$(if $(K),-k '$(K)')

props-bugs:
	PROPS_NO_LIBCHECK=$(NO_LIBCHECK) props/bugcheck.sh $(PATCHES)

TEST_STEPS += props-ci props-asan props-heap
