#!/usr/bin/env bash
# bugcheck.sh PATCH... - run the property tests (ci profile) against a library
# built from a copy of the tree with each deliberate bug applied, and report
# which tests caught it and how long the run took.  Never touches alloc/ of
# this tree.  Default patches: props/bugs/*.patch.
#   PROFILE=ci (default) | dev | nightly     PROPS_JOBS=2
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-/usr/bin/python3}
PROFILE=${PROFILE:-ci}
jobs=${PROPS_JOBS:-2}
[ $# -gt 0 ] || set -- "$root"/props/bugs/*.patch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
missed=0
printf '%-32s %-8s %6s  %s\n' bug result time "failing tests"
for patch in "$@"; do
	name=$(basename "$patch" .patch)
	tree="$tmp/$name"
	mkdir -p "$tree"
	cp -r "$root/alloc" "$root/Makefile" "$tree/"
	mkdir -p "$tree/tests" "$tree/ci"
	if ! (cd "$tree" && patch -s -p1 < "$patch"); then
		printf '%-32s %-8s\n' "$name" "NOAPPLY"; missed=$((missed + 1)); continue
	fi
	if ! make -s -C "$tree" build/gcc/libkalloc.so >"$tmp/$name.build" 2>&1; then
		printf '%-32s %-8s\n' "$name" "NOBUILD"; missed=$((missed + 1)); continue
	fi
	start=$(date +%s)
	KALLOC_LIB="$tree/build/gcc/libkalloc.so" PROPS_PROFILE=$PROFILE \
	PROPS_FAILURES="$root/build/props-failures/bug-$name" \
		$PY -m pytest -p no:cacheprovider -q -rf "$root/props" -n "$jobs" \
		--hypothesis-profile="$PROFILE" >"$tmp/$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	failed=$(grep -E '^FAILED ' "$tmp/$name.log" | sed -E 's/^FAILED props\/([^ ]+).*/\1/; s/::runTest//' |
		 sort -u | tr '\n' ' ')
	if [ $rc -ne 0 ] && [ -n "$failed" ]; then
		printf '%-32s %-8s %5ss  %s\n' "$name" caught "$secs" "$failed"
	else
		printf '%-32s %-8s %5ss\n' "$name" MISSED "$secs"; missed=$((missed + 1))
	fi
	cp "$tmp/$name.log" "$root/build/props-bug-$name.log" 2>/dev/null || true
done
echo "$(( $# - missed )) passed, $missed failed (a bug caught is a pass)"
[ $missed -eq 0 ]
