# ci/bugs.mk - `make bugs`: apply each deliberate bug in props/bugs/*.patch
# to a temporary copy of the tree, fuzz it from the seed corpus and from an
# empty one with several seeds, minimise a crash into corpus/bugs/ and print
# a table (ci/bugs.sh says how).  Not part of `make test`: under 10 minutes
# on 2 cores with the defaults.
#   make bugs [BUG_TIME=30] [BUG_SEEDS=3] [BUG_CORPUS="seeds empty"]
#             [BUG_JOBS=2] [BUGS=name-part] [BUG_SAVE=0]
BUG_TIME ?= 30
BUG_SEEDS ?= 3
BUG_CORPUS ?= seeds empty
BUG_JOBS ?= 2
BUG_SAVE ?= 1
BUGS ?=

.PHONY: bugs
bugs: deps
	@BUG_TIME='$(BUG_TIME)' BUG_SEEDS='$(BUG_SEEDS)' BUG_CORPUS='$(BUG_CORPUS)' BUG_JOBS='$(BUG_JOBS)' \
		BUG_SAVE='$(BUG_SAVE)' BUGS='$(BUGS)' ci/bugs.sh

# Every patch of the catalogue still applies to this tree (a dry run, a
# second or so): a refactor of alloc/ that moves a patch's context would
# otherwise leave `make bugs` one bug short without anyone noticing.
.PHONY: bugs-apply
bugs-apply:
	@ok=0 bad=0; for p in props/bugs/*.patch; do \
		if patch -p1 --dry-run -s -f < $$p >/dev/null 2>&1; then ok=$$((ok + 1)); \
		else bad=$$((bad + 1)); echo "bugs-apply: $$p no longer applies: rebuild it against alloc/ (docs/bugs.md)"; fi; \
	done; echo "bugs-apply: $$ok passed, $$bad failed"; [ $$bad = 0 ]
TEST_STEPS += bugs-apply
