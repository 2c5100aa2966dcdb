#!/usr/bin/env bash
# test_campaign.sh - make fuzz's contract (harness/campaign.sh) and the time
# limit of every replay, from the top of the tree (make campaign-test).
#   exit codes: 0 nothing found, 1 crashes found, 2 usage or setup error;
#   TIME, JOBS, SEED, ENGINE, TARGET checked (by the script and by make, before building);
#   a summary that never prints "?", one "coverage N edges" line, a progress table;
#   a crash file stamped with its target and allocator, so that it replays the
#   same way after it is moved out of build/fuzz/crashes/;
#   SEED=S RUNS=N FRESH=1 repeats a run exactly;
#   a hang is exit 4 with a HANG message in kfz run, kfz regress, kfz shrink and
#   the replay mains (an adapter whose malloc(777) never returns).
# Each fuzz run here is a few seconds at most.
set -uo pipefail
export KFZ=build/gcc/harness/kfz
pass=0 fail=0
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | tail -n 15; }
# expect CODE NAME CMD...: the command exits CODE
expect() {
	local code=$1 name=$2; shift 2
	"$@" >"$tmp/out" 2>&1; local rc=$?
	[ "$rc" -eq "$code" ] && ok "$name (exit $rc)" || bad "$name: exit $rc, expected $code"
}
has() { grep -qE "$2" "$tmp/out" && ok "$1" || bad "$1: no /$2/ in the output"; }
hasnt() { ! grep -qE "$2" "$tmp/out" && ok "$1" || bad "$1: /$2/ in the output"; }

# ---- arguments ----------------------------------------------------------------
c=harness/campaign.sh
expect 2 "TIME=abc refused" $c fuzz_buddy abc 1 0;	has "TIME=abc says why" 'TIME=abc: seconds'
expect 2 "TIME=0 refused" $c fuzz_buddy 0 1 0
expect 2 "JOBS=0 refused" $c fuzz_buddy 5 0 0
expect 2 "JOBS=x refused" $c fuzz_buddy 5 x 0
expect 2 "SEED=-1 refused" $c fuzz_buddy 5 1 -1
expect 2 "SEED=2^32 refused" $c fuzz_buddy 5 1 4294967296
expect 2 "TARGET=nope refused" $c fuzz_nope 5 1 0;	has "TARGET=nope lists the targets" 'targets: .*fuzz_buddy'
expect 2 "TARGET=common (not a target) refused" $c fuzz_common 5 1 0
expect 2 "ENGINE=x refused" env ENGINE=x $c fuzz_buddy 5 1 0
expect 2 "RUNS=x refused" env RUNS=x $c fuzz_buddy 5 1 0
expect 2 "no fuzz build is exit 2" env FUZZ_BUILD="$tmp/none" $c fuzz_buddy 5 1 0
has "no fuzz build says make fuzz-build" 'make fuzz-build'
# make checks them before it builds anything (make's own exit code is 2)
expect 2 "make fuzz TIME=abc" make --no-print-directory fuzz TIME=abc
has "make fuzz TIME=abc names TIME" 'TIME=abc'
hasnt "make fuzz TIME=abc builds nothing" 'clang|gcc '
expect 2 "make fuzz JOBS=-2" make --no-print-directory fuzz JOBS=-2

# ---- make help names every target ---------------------------------------------------
help=$(make --no-print-directory help)
missing=""
for tgt in $(grep -hE '^\.PHONY' Makefile harness/*.mk props/*.mk bench/*.mk ci/*.mk 2>/dev/null | cut -d: -f2- |
		tr ' ' '\n' | sed 's/\$(1)/CONFIG/' | sort -u); do
	case $tgt in FORCE|all|'') continue ;; esac
	grep -qE "make $tgt( |$)" <<<"$help" || missing="$missing $tgt"
done
[ -z "$missing" ] && ok "make help names every .PHONY target" || bad "make help does not name:$missing"

# ---- nothing found -----------------------------------------------------------------
expect 0 "a short clean campaign" env STATUS_EVERY=1 FRESH=1 $c fuzz_buddy 3 1 11
hasnt "its summary has no ?" '\?'
has "one coverage figure" '^  coverage [1-9][0-9]* edges'
has "status lines while it runs" '^  \[ +[0-9]+s\] execs [0-9]+ +exec/s [0-9]+ +coverage [0-9]+ +edges +corpus [0-9]+ +crashes 0'
has "the last line says exit 0" 'campaign: exit 0 \(nothing found\)'
csv=$(sed -nE 's/^  progress ([^,]+\.csv).*/\1/p' "$tmp/out")
[ -n "$csv" ] && [ "$(wc -l <"$csv")" -ge 2 ] && ok "a progress table ($csv)" || bad "no progress table"
expect 0 "fork mode (JOBS=2)" env STATUS_EVERY=1 FRESH=1 $c fuzz_buddy 3 2 11
has "fork mode: the same coverage line" '^  coverage [1-9][0-9]* edges \(of the corpus and seeds'
hasnt "fork mode: no ?" '\?'

# ---- a fixed seed, a fixed corpus, a fixed number of execs: the same run -------------
for i in 1 2; do
	env FRESH=1 RUNS=1500 $c fuzz_slab 60 1 7 >"$tmp/seed$i" 2>&1
	ls build/fuzz/corpus/fuzz_slab-fresh | sort >"$tmp/corpus$i"
	grep -E '^  (execs|coverage)' "$tmp/seed$i" | sed -E 's/exec\/s [0-9]+//' >"$tmp/sum$i"
done
cmp -s "$tmp/sum1" "$tmp/sum2" && cmp -s "$tmp/corpus1" "$tmp/corpus2" &&
	ok "SEED=7 RUNS=1500 FRESH=1 twice: same execs, coverage and corpus ($(wc -l <"$tmp/corpus1") files)" ||
	{ bad "SEED=7 RUNS=1500 FRESH=1 twice differ"; diff "$tmp/sum1" "$tmp/sum2"; }

# ---- a crash: exit 1, listed, stamped, replayable wherever it is moved -----------------
# mimalloc 2.0.9's aligned_alloc bug (corpus/findings/), with the known-findings
# filter off, is a crash at the first input: the earliest a summary can come.
if build/gcc/harness/kfz allocs 2>/dev/null | grep -qE '^mimalloc .* ok '; then
	mkdir -p "$tmp/seeds" && cp corpus/findings/mimalloc-aligned-fuzz "$tmp/seeds/"
	expect 1 "a crash found is exit 1" env KALLOC_FINDINGS= SEEDS="$tmp/seeds" FRESH=1 $c fuzz_malloc 5 1 1 mimalloc
	hasnt "a crash at the first input: no ? in the summary" '\?'
	has "the crash is listed with its violation" 'KALLOC VIOLATION at op 0 .*aligned_alloc'
	has "the last line says exit 1" 'campaign: exit 1 \(crashes found\)'
	f=$(grep -oE 'build/fuzz/crashes/fuzz_malloc-mimalloc/crash-[0-9a-f]+' "$tmp/out" | head -n1)
	if [ -n "$f" ]; then
		cp "$f" "$tmp/moved-crash"
		[ "$($KFZ which "$tmp/moved-crash")" = "malloc mimalloc" ] && ok "a moved crash file names fuzz_malloc on mimalloc" ||
			bad "a moved crash file reads as: $($KFZ which "$tmp/moved-crash")"
		expect 3 "a moved crash file replays the violation" $KFZ run "$tmp/moved-crash"
	else
		bad "no crash file listed"
	fi
else
	echo "skip crash case: mimalloc does not open here"
fi

# ---- ENGINE=afl: the same summary from AFL++ (main + a secondary) ------------------
if [ -x build/fuzz/afl/fuzz_buddy ] && command -v afl-fuzz >/dev/null; then
	expect 0 "ENGINE=afl JOBS=2: a short clean campaign" env ENGINE=afl STATUS_EVERY=2 FRESH=1 $c fuzz_buddy 4 2 5
	hasnt "ENGINE=afl: no ? in the summary" '\?'
	has "ENGINE=afl: the same coverage line" '^  coverage [1-9][0-9]* edges \(of the corpus and seeds'
	has "ENGINE=afl: execs counted" '^  execs +[1-9][0-9]* '
	expect 2 "ENGINE=afl RUNS= refused" env ENGINE=afl RUNS=5 $c fuzz_buddy 4 1 0
	# An AFL++ campaign's crash directory is fuzz_malloc-<alloc>-afl: it names the allocator.
	mkdir -p "$tmp/crashes/fuzz_malloc-jemalloc-afl" && head -c 16 /dev/zero >"$tmp/crashes/fuzz_malloc-jemalloc-afl/crash-x"
	[ "$($KFZ which "$tmp/crashes/fuzz_malloc-jemalloc-afl/crash-x")" = "malloc jemalloc" ] &&
		ok "an unstamped file under fuzz_malloc-jemalloc-afl/ runs on jemalloc" ||
		bad "fuzz_malloc-jemalloc-afl/ reads as $($KFZ which "$tmp/crashes/fuzz_malloc-jemalloc-afl/crash-x")"
else
	echo "skip ENGINE=afl: no build/fuzz/afl/fuzz_buddy (make afl-build) or no afl-fuzz"
fi

# ---- make merge: only what adds coverage, canonical, stamped, with its .txt, out of git --
fb=$tmp/fb
mkdir -p "$fb/corpus/fuzz_buddy"
ln -s "$PWD/build/fuzz/fuzz_buddy" "$fb/fuzz_buddy"
cp build/fuzz/corpus/fuzz_buddy-fresh/* "$fb/corpus/fuzz_buddy/" 2>/dev/null
cp corpus/fuzz_buddy/orders "$fb/corpus/fuzz_buddy/committed-copy"	# adds nothing: must not be kept
expect 0 "merge.sh of a live corpus" env FUZZ_BUILD="$fb" harness/merge.sh fuzz_buddy
has "merge says how many add coverage, where" 'merge fuzz_buddy: [0-9]+ live inputs -> [1-9][0-9]* add coverage over the [0-9]+ committed ones -> .*merged/fuzz_buddy/ \(out of git\)'
m=$fb/merged/fuzz_buddy
nbin=$(ls "$m" | grep -vc '\.txt$'); ntxt=$(ls "$m" | grep -c '\.txt$')
[ "$nbin" -ge 1 ] && [ "$nbin" -eq "$ntxt" ] && ok "each kept input has its .txt ($nbin)" || bad "merged: $nbin inputs, $ntxt .txt"
h=$(sha1sum corpus/fuzz_buddy/orders | cut -c1-8)
! ls "$m" | grep -q "$h" && ok "a copy of a committed seed is not kept" || bad "a committed seed was kept again"
first=$(ls "$m" | grep -v '\.txt$' | head -n1)
[ "$($KFZ which "$m/$first")" = "buddy kalloc" ] && ok "a merged input is stamped buddy on kalloc ($first)" || bad "merged $first reads as $($KFZ which "$m/$first")"
[[ "$first" =~ ^[a-z_]+(-[a-z_]+)*-[0-9a-f]{8}$ ]] && ok "named by its ops and hash" || bad "name $first"
git check-ignore -q build/fuzz/merged/fuzz_buddy/x && ok "make merge's folder build/fuzz/merged/ is out of git" || bad "build/fuzz/merged/ is not ignored"

# ---- a text program without .txt is read as bytes, with a warning ---------------------
cp corpus/fuzz_slab/caches.txt "$tmp/caches"
expect 0 "a text program without .txt still runs (as bytes)" $KFZ run "$tmp/caches"
has "it gets a warning that says how to read it as text" "warning: .*caches looks like a text program .*rename it to .*caches.txt"
expect 0 "a binary program gets no such warning" $KFZ run corpus/fuzz_slab/caches
hasnt "no warning for a binary" 'looks like a text program'

# ---- hangs -------------------------------------------------------------------------
h=build/gcc/harness/kfz-hangtest
printf 'machine(target=malloc, alloc=user)\np0 = malloc(100)\np1 = malloc(777)\nfree(p0)\n' >"$tmp/hang.txt"
$KFZ encode "$tmp/hang.txt" "$tmp/hang.bin"
expect 4 "kfz run: a hang is exit 4" env KFZ_TIMEOUT=1 $h run --alloc=user "$tmp/hang.txt"
has "kfz run: a hang says HANG and the file" "HANG: $tmp/hang.txt did not finish within 1 s"
has "kfz run: the trace up to the hang is kept" 'p0 = malloc\(100\) +-> '
mkdir -p "$tmp/reg" && cp "$tmp/hang.txt" "$tmp/reg/"
expect 4 "kfz regress: a hang is exit 4" env KFZ_TIMEOUT=1 $h regress --alloc=user "$tmp/reg"
has "kfz regress: HANG" 'HANG: .*hang.txt'
expect 4 "replay main: a hang is exit 4" env KFZ_TIMEOUT=1 build/gcc/harness/fuzz_malloc-hangtest-replay "$tmp/hang.bin"
has "replay main: HANG" 'HANG: .*hang.bin'
expect 0 "kfz shrink keeps a hang (T:timeout) and ends" env KFZ_SHRINK_TIMEOUT=1 KFZ_SHRINK_SECONDS=20 \
	$h shrink --alloc=user "$tmp/hang.bin" "$tmp/hang-min"
has "kfz shrink: the hang is the failure it keeps" 'keeping failure T:timeout'
grep -q 'malloc(777)' "$tmp/hang-min.txt" 2>/dev/null && [ "$(grep -vcE '^(#|machine)' "$tmp/hang-min.txt")" -eq 1 ] &&
	ok "kfz shrink: the hang shrinks to the one op malloc(777)" || bad "kfz shrink: $(cat "$tmp/hang-min.txt" 2>/dev/null)"
expect 0 "kfz run: a finite program under the limit is fine" env KFZ_TIMEOUT=1 $h run --alloc=user corpus/fuzz_malloc/churn.txt

# ---- pictures: make fuzz's progress plot, kfz run --plot's fragmentation -----------
if command -v gnuplot >/dev/null; then
	png=$(ls -t build/fuzz/logs/fuzz_buddy-*.png 2>/dev/null | head -n1)
	[ -n "$png" ] && file "$png" | grep -q 'PNG image' && ok "make fuzz drew coverage and exec/s over time ($png)" || bad "no campaign plot"
	expect 0 "kfz run --plot" $KFZ run --plot="$tmp/frag.png" corpus/fuzz_mixed/everything.txt
	n=$(grep -vcE '^(#|machine)' corpus/fuzz_mixed/everything.txt)
	rows=$(grep -c ',Normal,' "$tmp/frag.png.csv" 2>/dev/null)
	file "$tmp/frag.png" | grep -q 'PNG image' && [ "$rows" -eq $((n + 1)) ] &&
		ok "kfz run --plot: a PNG and a row per op and zone (Normal: $rows = boot + $n ops)" || bad "kfz run --plot: rows $rows for $n ops"
	expect 2 "kfz run --plot on a malloc is refused" $KFZ run --alloc=glibc --plot="$tmp/m.png" corpus/fuzz_malloc/churn.txt
else
	echo "skip plots: no gnuplot (apt-get install gnuplot-nox)"
fi

echo "campaign-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
