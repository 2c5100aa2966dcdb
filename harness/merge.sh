#!/usr/bin/env bash
# merge.sh NAME... - the inputs of a live corpus that add coverage, ready to review.
#
# NAME is a fuzz target (fuzz_slab) or fuzz_malloc-<alloc>.  For each:
#   1. every file of the live corpus build/fuzz/corpus/<NAME> (and, for AFL++,
#      <NAME>-afl) becomes canonical bytes (kfz encode: unused fields zero,
#      a trailing partial record dropped) stamped with its target and
#      allocator (h6/h7, which the targets ignore);
#   2. libFuzzer's -set_cover_merge=1 keeps, of those, only the inputs that
#      add coverage (features) over what is committed already - corpus/<t>/
#      and corpus/regressions/ - a smallest set that covers it;
#   3. each kept input is written with its .txt (kfz decode) to
#      build/fuzz/merged/<NAME>/, named by what it exercises: its first four
#      distinct ops and 8 hex digits of its SHA-1 (kmalloc-krealloc-kfree-1a2b3c4d).
# The folder is under build/, out of git: nothing reaches corpus/ unreviewed.
# To keep one: cp build/fuzz/merged/<NAME>/X{,.txt} corpus/<t>/ (then make corpus-dict).
# fuzz_text's inputs are text already: they are kept as X.txt, not decoded.
# "Minimised" here is the set (set cover) and each input's bytes
# (canonical); the ops are not shrunk - kfz shrink keeps failures, not coverage.
set -uo pipefail
out=${FUZZ_BUILD:-build/fuzz}
kfz=${KFZ:-build/gcc/harness/kfz}
rc=0
for n in "$@"; do
	t=${n%%-*}; alloc=kalloc
	[ "$t" = fuzz_malloc ] && alloc=${n#fuzz_malloc-}
	bin=$out/$n
	[ -x "$bin" ] || { echo "merge $n: no $bin (make fuzz-build)"; rc=2; continue; }
	dest=$out/merged/$n
	tmp=$(mktemp -d)
	rm -rf "$dest" && mkdir -p "$dest" "$tmp/base" "$tmp/new" "$tmp/art"
	# What is committed: the coverage to beat.
	for d in "corpus/$t" corpus/regressions; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -f "$f" ] || continue
			case $f in *.dict|*.options|*.md) continue ;; esac
			[ "$t" != fuzz_text ] && [[ $f == *.txt ]] && continue
			cp "$f" "$tmp/base/$(basename "$(dirname "$f")")-$(basename "$f")"
		done
	done
	nlive=0
	for d in "$out/corpus/$n" "$out/corpus/$n-afl"; do
		[ -d "$d" ] || continue
		for f in "$d"/*; do
			[ -f "$f" ] || continue
			nlive=$((nlive + 1))
			if [ "$t" = fuzz_text ]; then
				cp "$f" "$tmp/new/"
			else
				c=$tmp/new/$(basename "$f")
				"$kfz" encode "$f" "$c" 2>/dev/null &&
					"$kfz" stamp --target="${t#fuzz_}" --alloc="$alloc" "$c" || rm -f "$c"
			fi
		done
	done
	nbase=$(ls "$tmp/base" | wc -l)
	ls "$tmp/base" >"$tmp/before"
	"$bin" -set_cover_merge=1 -artifact_prefix="$tmp/art/" -timeout=10 "$tmp/base" "$tmp/new" >"$tmp/log" 2>&1
	line=$(grep -E 'MERGE-OUTER: [0-9]+ new files' "$tmp/log" | tail -n1)
	if [ -z "$line" ]; then
		echo "merge $n: libFuzzer's merge failed:"; tail -n 5 "$tmp/log"; rc=1; rm -rf "$tmp"; continue
	fi
	kept=0
	for f in "$tmp/base"/*; do
		grep -qxF "$(basename "$f")" "$tmp/before" && continue	# a committed seed
		h=$(sha1sum "$f" | cut -c1-8)
		if [ "$t" = fuzz_text ]; then
			cp "$f" "$dest/text-$h.txt"
		else
			what=$("$kfz" decode "$f" 2>/dev/null | grep -vE '^(#|machine)' |
				sed -E 's/^(p[0-9]+|c[0-9]+) = //; s/\(.*//' | awk '!seen[$0]++' | head -n 4 | paste -sd-)
			name=${what:-empty}-$h
			cp "$f" "$dest/$name"
			"$kfz" decode "$f" >"$dest/$name.txt" 2>/dev/null
		fi
		kept=$((kept + 1))
	done
	echo "merge $n: $nlive live inputs -> $kept add coverage over the $nbase committed ones -> $dest/ (out of git)"
	rm -rf "$tmp"
done
[ $rc -eq 0 ] && echo "to keep one: cp $out/merged/<name>/X{,.txt} corpus/<target>/ and make corpus-dict"
exit $rc
