#!/bin/bash -eu
# build.sh - OSS-Fuzz / ClusterFuzzLite build of every kalloc fuzz target.
#
# Compiles with $CC $CFLAGS, links with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE
# (libFuzzer, AFL++'s driver, honggfuzz: whatever the environment says; no
# sanitizer or engine is named here), and puts in $OUT for each target:
# the binary, <t>_seed_corpus.zip, <t>.dict and <t>.options.
# The list of targets is the Makefiles' (make list-fuzz-targets: FUZZ_TARGETS
# in harness/harness.mk and the malloc target's self-contained allocators),
# so a target added there is built here with no edit.
# make test runs this outside Docker (harness/test_cfl.sh).
cd "$SRC/kalloc"
targets=$(make -s --no-print-directory list-fuzz-targets)
make -j"$(nproc)" --no-print-directory oss-fuzz-build \
	OSS_CC="$CC" OSS_CXX="$CXX" OSS_CFLAGS="$CFLAGS" OSS_CXXFLAGS="$CXXFLAGS" \
	OSS_ENGINE="$LIB_FUZZING_ENGINE" OSS_OBJ="${WORK:-/tmp}/kalloc-obj" OSS_OUT="$OUT"
for t in $targets; do
	base=${t%%-*}		# fuzz_malloc-glibc reads corpus/fuzz_malloc
	[ -x "$OUT/$t" ] || { echo "build.sh: $OUT/$t was not built"; exit 1; }
	# Seeds: the committed binaries (their .txt are for people), and the
	# minimised regressions.  A target whose corpus is only text (the text
	# parser's) takes the .txt files themselves.
	kind=bin
	ls "corpus/$base" | grep -qv '\.txt$' || kind=txt
	seeds=()
	for f in "corpus/$base"/* corpus/regressions/*; do
		[ -f "$f" ] || continue
		case $f in
		*.txt) [ $kind = txt ] && seeds+=("$f") ;;
		*) [ $kind = bin ] && seeds+=("$f") ;;
		esac
	done
	rm -f "$OUT/${t}_seed_corpus.zip"
	zip -q -j "$OUT/${t}_seed_corpus.zip" "${seeds[@]}"
	cp "corpus/$base.dict" "$OUT/$t.dict"
	sed "s/^dict = .*/dict = $t.dict/" "corpus/$base.options" >"$OUT/$t.options"
done
echo "build.sh: $(echo $targets | wc -w) fuzz targets in $OUT: $targets"
