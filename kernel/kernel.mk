# kernel/kernel.mk - `make kernel-diff`: the real Linux kernel as an oracle.
# Included by the top Makefile.  docs/kernel.md explains it.
#
#   make kernel-diff [PROGRAMS="file or dir ..."] [KDIFF_ARGS=...]
#        builds kdiff.ko against Debian's linux-headers, boots Debian's Linux
#        6.1 under QEMU (TCG) once per machine configuration the programs
#        need, runs them there and through kalloc (kdiff-host), prints a table
#        per op kind; exit 1 on a difference not in kernel/known.txt, 2 when a
#        step cannot run (no QEMU, no image, boot timeout, insmod failure).
#   make kernel-diff-smoke    one boot, corpus/kernel/smoke: the make test step
#   make kernel-diff-selftest exec.c's decoding against harness/ops.c, and
#        kdiff.py's comparison on made-up pairs (kernel/test_kdiff.py)
#
# What it needs (make deps installs it): qemu-system-x86, linux-headers-amd64,
# busybox-static, cpio, and the image of the headers' version unpacked into
# build/kernel/img (ci/kernel-image.sh).

KDIFF_HEADERS ?= $(firstword $(wildcard /usr/src/linux-headers-*-amd64))
KDIFF_VERSION := $(patsubst linux-headers-%,%,$(notdir $(KDIFF_HEADERS)))
KDIFF_MOD := build/kernel/mod
KDIFF_KO := $(KDIFF_MOD)/kdiff.ko
KDIFF_HOST := build/gcc/kernel/kdiff-host
KDIFF_SRCS := kernel/exec.c kernel/kx_env.h kernel/kx_ops.h harness/ops.def
PROGRAMS ?= corpus
KDIFF_ARGS ?=

$(KDIFF_KO): kernel/kdiff_mod.c kernel/Kbuild $(KDIFF_SRCS)
	@if [ -z "$(KDIFF_HEADERS)" ]; then echo "kernel-diff: step build-module: no /usr/src/linux-headers-*-amd64 (make deps installs linux-headers-amd64)"; exit 2; fi
	@rm -rf $(KDIFF_MOD) && mkdir -p $(KDIFF_MOD)
	@cp kernel/Kbuild kernel/kdiff_mod.c $(KDIFF_SRCS) $(KDIFF_MOD)/
	@timeout 300 $(MAKE) -s -C $(KDIFF_HEADERS) M=$(abspath $(KDIFF_MOD)) modules 2>&1 | grep -v 'Skipping BTF' || true
	@test -f $@ || { echo "kernel-diff: step build-module: kdiff.ko did not build against $(KDIFF_HEADERS)"; exit 2; }

$(KDIFF_HOST): kernel/kdiff_host.c $(KDIFF_SRCS) harness/ops.c harness/ops.h build/gcc/libkalloc.a
	@mkdir -p $(@D)
	gcc $(BASE) -O2 -Iharness -Ikernel kernel/kdiff_host.c kernel/exec.c harness/ops.c build/gcc/libkalloc.a -o $@

kernel-diff-build: $(KDIFF_KO) $(KDIFF_HOST)

kernel-diff-selftest: $(KDIFF_HOST)
	$(KDIFF_HOST) selftest
	$(PY) kernel/test_kdiff.py

kernel-diff: kernel-diff-build
	@$(PY) kernel/kdiff.py --ko $(KDIFF_KO) --host $(KDIFF_HOST) --version $(KDIFF_VERSION) $(KDIFF_ARGS) $(PROGRAMS)

kernel-diff-smoke: kernel-diff-build kernel-diff-selftest
	@$(PY) kernel/kdiff.py --ko $(KDIFF_KO) --host $(KDIFF_HOST) --version $(KDIFF_VERSION) --smoke corpus/kernel/smoke

# make test: one boot, a handful of programs; fails on a new disagreement.
TEST_STEPS += kernel-diff-smoke

.PHONY: kernel-diff kernel-diff-build kernel-diff-selftest kernel-diff-smoke
