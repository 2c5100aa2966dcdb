#!/usr/bin/env bash
# test_cfl.sh - .clusterfuzzlite/build.sh as OSS-Fuzz runs it, without Docker
# (make cfl-test).  Twice: with libFuzzer (CC=clang, CFLAGS with
# -fsanitize=address,undefined -fsanitize=fuzzer-no-link,
# LIB_FUZZING_ENGINE=-fsanitize=fuzzer) and with AFL++'s driver
# (CC=afl-clang-fast, LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a).
# For every target that `make list-fuzz-targets` names: the binary, its
# seed zip, .dict and .options are in $OUT; and then OSS-Fuzz's own bad-build
# checks, locally: `-seed=1337 -runs=4` prints "Done 4 runs", `-runs=0` over
# the unzipped seed corpus does not crash (libFuzzer); every seed runs
# through the AFL++ driver binary without a crash, and afl-fuzz fuzzes one
# target for a few seconds.  Each run is seconds.
set -uo pipefail
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
tree=$PWD
tmp=${CFL_TMP:-build/cfl}
rm -rf "$tmp" && mkdir -p "$tmp/src" && tmp=$(cd "$tmp" && pwd)
ln -s "$tree" "$tmp/src/kalloc"
targets=$(make -s --no-print-directory list-fuzz-targets)
[ -n "$targets" ] && ok "make list-fuzz-targets: $targets" || bad "make list-fuzz-targets names nothing"
grep -qE 'fuzz_(buddy|slab|kmalloc|mixed|text)' .clusterfuzzlite/build.sh &&
	bad "build.sh names a target itself (the list is the Makefiles')" || ok "build.sh names no target: it asks make"
export ASAN_OPTIONS=detect_leaks=0:dedup_token_length=3:symbolize=0 UBSAN_OPTIONS=halt_on_error=1

# build ENGINE CC CXX CFLAGS LIB_FUZZING_ENGINE: build.sh into $tmp/out-ENGINE
build() {
	local e=$1 out=$tmp/out-$1
	mkdir -p "$out" "$tmp/work-$e"
	if env CC="$2" CXX="$3" CFLAGS="$4" CXXFLAGS="$4" LIB_FUZZING_ENGINE="$5" \
		SRC="$tmp/src" OUT="$out" WORK="$tmp/work-$e" FUZZING_ENGINE="$e" SANITIZER=address \
		AFL_QUIET=1 bash .clusterfuzzlite/build.sh >"$tmp/build-$e.log" 2>&1; then
		ok "$e: build.sh ($(grep -c ' -c ' "$tmp/build-$e.log") compiles)"
	else
		bad "$e: build.sh failed:"; tail -n 20 "$tmp/build-$e.log"; return 1
	fi
	for t in $targets; do
		local miss=""
		for f in "$t" "${t}_seed_corpus.zip" "$t.dict" "$t.options"; do [ -s "$out/$f" ] || miss="$miss $f"; done
		d=$(sed -nE 's/^dict = (.*)/\1/p' "$out/$t.options" 2>/dev/null)
		[ -z "$miss" ] && [ -f "$out/$d" ] && ok "$e $t: binary, seed zip ($(unzip -l "$out/${t}_seed_corpus.zip" | tail -n1 | awk '{print $2}') files), .dict, .options (dict = $d)" ||
			bad "$e $t: missing$miss ${d:+or $d}"
		rm -rf "$tmp/seeds-$e-$t" && mkdir -p "$tmp/seeds-$e-$t" && unzip -q "$out/${t}_seed_corpus.zip" -d "$tmp/seeds-$e-$t"
	done
}

CFLAGS_OSS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
# ---- libFuzzer, ASan + UBSan ------------------------------------------------------
if build libfuzzer clang clang++ "$CFLAGS_OSS -fsanitize=address,undefined -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" -fsanitize=fuzzer; then
	out=$tmp/out-libfuzzer
	for t in $targets; do
		(cd "$out" && ./"$t" -seed=1337 -runs=4 >"$tmp/run4-$t.log" 2>&1)
		grep -q 'Done 4 runs' "$tmp/run4-$t.log" && ok "libfuzzer $t: -seed=1337 -runs=4 says Done 4 runs" ||
			{ bad "libfuzzer $t: -runs=4"; tail -n 5 "$tmp/run4-$t.log"; }
		if (cd "$out" && ./"$t" -runs=0 "$tmp/seeds-libfuzzer-$t" >"$tmp/run0-$t.log" 2>&1); then
			ok "libfuzzer $t: -runs=0 over its $(ls "$tmp/seeds-libfuzzer-$t" | wc -l) seeds, no crash"
		else
			bad "libfuzzer $t: a seed crashes"; tail -n 8 "$tmp/run0-$t.log"
		fi
	done
	n=$(objdump -d "$out/fuzz_mixed" | grep -cE 'call.*<__asan_')
	[ "$n" -ge 1000 ] && ok "libfuzzer: fuzz_mixed is an ASan build ($n __asan calls; OSS-Fuzz wants >= 1000)" ||
		bad "libfuzzer: fuzz_mixed has $n __asan calls"
fi

# ---- AFL++'s driver -------------------------------------------------------------------
if ! command -v afl-clang-fast >/dev/null || [ ! -f /usr/lib/afl/libAFLDriver.a ]; then
	bad "afl: no afl-clang-fast or /usr/lib/afl/libAFLDriver.a (apt-get install afl++; make deps)"
elif build afl afl-clang-fast afl-clang-fast++ "$CFLAGS_OSS -fsanitize=address,undefined -fsanitize-address-use-after-scope" /usr/lib/afl/libAFLDriver.a; then
	out=$tmp/out-afl
	for t in $targets; do
		n=0 crashed=""
		for f in "$tmp/seeds-afl-$t"/*; do
			n=$((n + 1))
			(cd "$out" && timeout 20 ./"$t" "$f" >"$tmp/afl-$t.log" 2>&1) || { crashed=$f; break; }
		done
		[ -z "$crashed" ] && ok "afl $t: the driver binary runs its $n seeds, no crash" ||
			{ bad "afl $t: $crashed crashes"; tail -n 8 "$tmp/afl-$t.log"; }
	done
	# afl-fuzz itself for a few seconds on one target: it starts, counts execs.
	mkdir -p "$tmp/afl-in" && cp "$tmp/seeds-afl-fuzz_buddy"/* "$tmp/afl-in/"
	AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
		ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
		timeout 60 afl-fuzz -i "$tmp/afl-in" -o "$tmp/afl-out" -V 4 -m none -- "$out/fuzz_buddy" >"$tmp/afl-fuzz.log" 2>&1
	e=$(sed -nE 's/^execs_done *: *([0-9]+).*/\1/p' "$tmp/afl-out/default/fuzzer_stats" 2>/dev/null)
	[ "${e:-0}" -gt 0 ] && ok "afl: afl-fuzz ran fuzz_buddy for 4 s: $e execs" || { bad "afl: afl-fuzz did not run"; tail -n 10 "$tmp/afl-fuzz.log"; }
fi
echo "cfl-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
