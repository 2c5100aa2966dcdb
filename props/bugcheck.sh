#!/usr/bin/env bash
# bugcheck.sh [PATCH...] - run the property tests against a library built from
# a copy of the tree with each deliberate bug applied, and report which tests
# caught it and how long the run took.  A baseline run on an unpatched copy
# comes first and must pass (otherwise a "caught" would mean nothing).  Never
# touches alloc/ of this tree.  Default patches: props/bugs/*.patch.
#   PROFILE=ci (default) | dev | nightly     PROPS_JOBS=2
# Shrunk binary-program counterexamples land in build/props-failures/bug-NAME/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-/usr/bin/python3}
PROFILE=${PROFILE:-ci}
jobs=${PROPS_JOBS:-2}
[ $# -gt 0 ] || set -- "$root"/props/bugs/*.patch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$root/build"

# run NAME PATCH|"": build a patched copy, run the suite; sets rc, secs, failed.
run() {
	local name=$1 patch=${2:+$(realpath "$2")} tree="$tmp/$1"
	mkdir -p "$tree/tests"
	cp -r "$root/alloc" "$root/Makefile" "$tree/"
	if [ -n "$patch" ] && ! (cd "$tree" && patch -s -p1 < "$patch" >/dev/null); then
		rc=NOAPPLY; return
	fi
	if ! make -s -C "$tree" build/gcc/libkalloc.so >"$tmp/$name.build" 2>&1; then
		rc=NOBUILD; return
	fi
	local start=$(date +%s)
	KALLOC_LIB="$tree/build/gcc/libkalloc.so" PROPS_PROFILE=$PROFILE \
	PROPS_FAILURES="$root/build/props-failures/bug-$name" \
		$PY -m pytest -p no:cacheprovider -q -rf "$root/props" -n "$jobs" \
		--ignore="$root/props/test_heap.py" --ignore="$root/props/test_heap_checks.py" \
		--hypothesis-profile="$PROFILE" >"$root/build/props-bug-$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	# test_corpus_replays[...] collapse into corpus(N).
	failed=$(grep -E '^FAILED ' "$root/build/props-bug-$name.log" |
		 sed -E 's/^FAILED props\/([^ ]+).*/\1/; s/::runTest//; s/\[.*//' | sort | uniq -c |
		 awk '{ print ($1 > 1 ? $2 "(" $1 ")" : $2) }' | sed 's/test_corpus_replays/corpus/' |
		 tr '\n' ' ')
}

run baseline ""
if [ "$rc" != 0 ]; then
	echo "baseline (no bug) does not pass: rc=$rc, see build/props-bug-baseline.log"
	exit 2
fi
echo "baseline (no bug): passed in ${secs}s"
missed=0
printf '%-30s %-7s %5s  %s\n' bug result time "failing tests"
for patch in "$@"; do
	name=$(basename "$patch" .patch)
	run "$name" "$patch"
	case $rc in
	NOAPPLY|NOBUILD) printf '%-30s %-7s\n' "$name" "$rc"; missed=$((missed + 1)) ;;
	0) printf '%-30s %-7s %4ss\n' "$name" MISSED "$secs"; missed=$((missed + 1)) ;;
	*) printf '%-30s %-7s %4ss  %s\n' "$name" caught "$secs" "$failed" ;;
	esac
done
echo "$(( $# - missed )) passed, $missed failed (a bug caught is a pass)"
[ $missed -eq 0 ]
