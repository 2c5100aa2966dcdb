#!/usr/bin/env bash
# deps.sh - make sure the Debian packages kalloc needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command and fails, so that nothing is assumed to be there.
set -euo pipefail

PKGS=(make gcc clang-14 llvm-14 libclang-rt-14-dev xz-utils
      python3 python3-hypothesis python3-pytest python3-pytest-xdist
      time	# /usr/bin/time: make fuzz-speed counts CPU seconds
      valgrind	# callgrind: make fuzz-speed's instructions, make floor-calls, make alloc-costs
      patch	# make props-bugs applies props/bugs/*.patch to a copy of the tree
      gnuplot-nox	# make rss plots build/rss.png
      afl++	# make fuzz ENGINE=afl, and cfl-test's build with AFL++'s driver
      zip unzip	# cfl-test: build.sh's <target>_seed_corpus.zip
      # the malloc-family targets (harness/targets_malloc.c): jemalloc,
      # mimalloc and tcmalloc, dlopen'd by their runtime libraries
      libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev)
# make kernel-diff (kernel/kernel.mk): Linux 6.1 under QEMU as an oracle
PKGS+=(qemu-system-x86 linux-headers-amd64 busybox-static cpio)

# The kernel image matching the headers, unpacked (not installed) into
# build/kernel/img: apt-get download + dpkg -x need no root.
kernel_image() {
	local hdr ver
	hdr=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$hdr" ] || return 0
	ver=${hdr##*/linux-headers-}
	[ -f "build/kernel/img/boot/vmlinuz-$ver" ] && return 0
	echo "deps: fetching linux-image-$ver into build/kernel/img"
	mkdir -p build/kernel/dl
	(cd build/kernel/dl && timeout 600 apt-get download -q "linux-image-$ver" >/dev/null 2>&1) ||
		{ echo "deps: apt-get download linux-image-$ver failed"; exit 1; }
	dpkg -x build/kernel/dl/linux-image-"$ver"_*.deb build/kernel/img
	rm -f build/kernel/dl/linux-image-"$ver"_*.deb
}

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	kernel_image
	exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "kalloc needs these Debian packages: ${missing[*]}"
	echo "Run as root:  $cmd"
	exit 1
fi
echo "deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
kernel_image
