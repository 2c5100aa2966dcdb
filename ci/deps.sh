#!/usr/bin/env bash
# deps.sh - make sure the Debian packages kalloc needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command and fails, so that nothing is assumed to be there.
set -euo pipefail

PKGS=(make gcc clang-14 llvm-14 libclang-rt-14-dev xz-utils
      python3 python3-hypothesis python3-pytest python3-pytest-xdist
      time	# /usr/bin/time: make fuzz-speed counts CPU seconds
      patch	# make props-bugs applies props/bugs/*.patch to a copy of the tree
      afl++	# make fuzz ENGINE=afl, and cfl-test's build with AFL++'s driver
      zip unzip	# cfl-test: build.sh's <target>_seed_corpus.zip
      gnuplot-nox	# make fuzz's coverage and exec/s plot, kfz run --plot
      # the malloc-family targets (harness/targets_malloc.c): jemalloc,
      # mimalloc and tcmalloc, dlopen'd by their runtime libraries
      libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "kalloc needs these Debian packages: ${missing[*]}"
	echo "Run as root:  $cmd"
	exit 1
fi
echo "deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
