#!/usr/bin/env bash
# minimize.sh CRASH [TARGET] - shrink a failing input to a short program.
# ALLOC=a in the environment names the allocator; without it a
# fuzz_<t>-<alloc> path component does, else the file's stamp (kfz decides).
#
# 1. libFuzzer's -minimize_crash shrinks the bytes (binary inputs only);
# 2. `kfz shrink --like=CRASH` then drops ops, zeroes and halves arguments
#    and simplifies the machine, keeping the same failure as the original
#    (same model violation and op, or the same sanitizer SUMMARY line).
# Writes build/fuzz/minimized/<name> and <name>.txt, stamped with the target
# and allocator (header h6/h7), and prints the program.
# To keep it: copy both into corpus/regressions/ (before fixing the bug).
set -uo pipefail

crash=${1:?usage: minimize.sh CRASH [TARGET]}
out=${FUZZ_BUILD:-build/fuzz}
kfz=${KFZ_ASAN:-build/clang-asan/harness/kfz}
t=${2:-}
alloc=${ALLOC:-}
# What the flags, the path and the file's stamps say, by kfz's own rules.
read -r t alloc < <("${KFZ:-build/gcc/harness/kfz}" which ${t:+--target="${t#fuzz_}"} \
	${alloc:+--alloc="$alloc"} "$crash") || { echo "minimize: cannot read $crash"; exit 2; }
bin=$out/fuzz_$t
[ "$t" = malloc ] && bin=$out/fuzz_malloc-$alloc
name=$(basename "$crash"); name=${name%.txt}-min
mkdir -p "$out/minimized"
step1=$out/minimized/$name.bytes
[[ "$crash" == *.txt ]] && step1=$out/minimized/$name.start.txt	# kfz tells text by its name
cp "$crash" "$step1"

if [ "$t" != none ] && [[ "$crash" != *.txt ]] && [ -x "$bin" ]; then
	echo "minimize: libFuzzer -minimize_crash on $(basename "$bin")"
	"$bin" -minimize_crash=1 -runs=2000 -max_total_time=60 -timeout=10 \
		-exact_artifact_path="$step1" "$crash" >"$out/minimized/$name.libfuzzer.log" 2>&1
	[ -s "$step1" ] || cp "$crash" "$step1"
fi
echo "minimize: op-level shrink (target $t${alloc:+ on $alloc})"
"$kfz" shrink --target="$t" ${alloc:+--alloc="$alloc"} --like="$crash" "$step1" "$out/minimized/$name" || exit $?
rm -f "$step1"
n=$(grep -vcE '^(#|machine)' "$out/minimized/$name.txt")
echo "minimize: $n ops -> $out/minimized/$name and $out/minimized/$name.txt"
echo "keep it: cp $out/minimized/$name{,.txt} corpus/regressions/"
