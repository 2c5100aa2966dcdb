# ci/bugs.mk - `make bugs`: apply each deliberate bug in props/bugs/*.patch
# to a temporary copy of the tree, fuzz it with several seeds, minimise the
# first crash into corpus/bugs/ and print a table (ci/bugs.sh says how).
# Not part of `make test`: about 10 minutes on 2 cores with the defaults.
#   make bugs [BUG_TIME=30] [BUG_SEEDS=3] [BUG_JOBS=2] [BUGS=name-part] [BUG_SAVE=0]
#             [BUG_CORPUS=empty]
BUG_TIME ?= 30
BUG_SEEDS ?= 3
BUG_JOBS ?= 2
BUG_SAVE ?= 1
BUGS ?=
BUG_CORPUS ?= seeds

.PHONY: bugs
bugs: deps
	@BUG_TIME=$(BUG_TIME) BUG_SEEDS=$(BUG_SEEDS) BUG_JOBS=$(BUG_JOBS) BUG_SAVE=$(BUG_SAVE) \
		BUGS=$(BUGS) BUG_CORPUS=$(BUG_CORPUS) ci/bugs.sh
