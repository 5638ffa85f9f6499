# The one entry point of the toolkit.
#
#   make              build common/libcommon.a and every stage present into bin/
#   make test         install missing packages, build, run every Check suite
#   make demo         install missing packages, build, run each landed chapter's demo
#   make bench        run the benchmarks beside their references -> bench/results.tsv
#   make plots        redraw every PNG from the metrics.tsv files under runs/
#   make notebooks    execute the notebooks in notebooks/
#   make data         fetch (or copy from $NLP_DATA_DIR) the benchmark datasets
#   make vectors      word2vec vectors from our English text (rnn static/non-static)
#   make fixtures     regenerate tests/fixtures/ with the PyTorch references
#   make ladder       every chapter's language models on the two ladders -> ladder/results.tsv
#                     (QUICK=1: brief training, a few minutes; FULL=1: train what is missing)
#   make results      rewrite the READMEs' generated results tables from their TSVs
#   make check-results  fail when a README's results table differs from its TSV
#   make site         the course as a static site in site/ (pandoc, nbconvert), open site/index.html
#   make clean        remove build products (not data/cache or runs/)
#
# Build variants (each builds into its own folder, so they never mix):
#   make SAN=1 test   AddressSanitizer + UndefinedBehaviorSanitizer
#   make DEBUG=1      -O0 -g, for gdb and valgrind
#   make PORTABLE=1   without -march=native (the default build is tuned to this CPU)
#   make MPI=1        with mpicc and -DUSE_MPI: data-parallel training under mpirun
#                     (gpt/SCALING.md), into build/<variant>-mpi/bin
#   make MPI=1 test-mpi   its equivalence and failure tests, 2 ranks over loopback

CC      ?= cc
# Idle OpenMP workers must sleep, not spin on the core OpenBLAS needs (matmul.h).
export OMP_WAIT_POLICY ?= PASSIVE
PYTHON  ?= /usr/bin/python3

# The seven stages in the order of the story; only those present are built.
# A stage with sources builds its library (and its tests link it); one with a
# main.c also builds its binary, and `make demo` runs that binary's demo.
ALL_STAGES := ngram word2vec rnn seq2seq transformer gpt rlhf
LIB_STAGES := $(foreach s,$(ALL_STAGES),$(if $(wildcard $(s)/*.c),$(s)))
STAGES     := $(foreach s,$(LIB_STAGES),$(if $(wildcard $(s)/main.c),$(s)))

# ---------------------------------------------------------------- flags
ifeq ($(SAN),1)
  VARIANT  := san
  OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  # Sanitized code (and the stage binaries the CLI tests run) is several times
  # slower: Check's per-test timeouts scale with it.
  export CK_TIMEOUT_MULTIPLIER ?= 4
else ifeq ($(DEBUG),1)
  VARIANT  := debug
  OPTFLAGS := -O0 -g
else ifeq ($(PORTABLE),1)
  VARIANT  := portable
  OPTFLAGS := -O3
else
  VARIANT  := release
  OPTFLAGS := -O3 -march=native
endif

# MPI=1: the same variant compiled by mpicc with USE_MPI (common/dist.h), in
# its own folder so its objects never mix with the single-process build's.
ifeq ($(MPI),1)
  CC      := mpicc
  VARIANT := $(VARIANT)-mpi
  MPI_FLAGS := -DUSE_MPI
endif

BUILD := build/$(VARIANT)
# The default build lands in bin/; the other variants keep their binaries apart.
BIN   := $(if $(filter release,$(VARIANT)),bin,$(BUILD)/bin)

BLAS_PC    := $(shell pkg-config --exists openblas 2>/dev/null && echo openblas || echo blas)
BLAS_CFLAGS := $(shell pkg-config --cflags $(BLAS_PC) 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs $(BLAS_PC) 2>/dev/null || echo -lopenblas)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lpthread)
# OpenMP where the compiler has it.
OMP := $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo -fopenmp)

# libcommon's own dependencies, found through pkg-config: PCRE2 (GPT-2's
# pre-tokenisation pattern, its Unicode classes) and cJSON (encoder.json) for
# the byte-level BPE of common/bpe.c. Every binary and test links them.
COMMON_PKGS   := libpcre2-8 libcjson
COMMON_CFLAGS := $(shell pkg-config --cflags $(COMMON_PKGS) 2>/dev/null)
COMMON_LIBS   := $(shell pkg-config --libs $(COMMON_PKGS) 2>/dev/null || echo -lpcre2-8 -lcjson)

# Every pkg-config module the build needs, whichever stage or common/ links it
# ("a|b": either will do). Checked once before the first compile, so a missing
# one is named with its apt-get line instead of a compiler error.
BUILD_PKGS := openblas|blas check $(COMMON_PKGS)

# -fno-math-errno: nothing reads errno after sqrtf/expf, and without it a call
# that might set errno keeps loops such as Adam's update from becoming SIMD code.
CFLAGS  ?=
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -fno-math-errno $(OPTFLAGS) $(OMP) $(MPI_FLAGS) \
           -I. -Icommon $(BLAS_CFLAGS) $(COMMON_CFLAGS)
LDLIBS  := $(COMMON_LIBS) $(BLAS_LIBS) $(OMP) -lm
LDFLAGS += $(filter -fsanitize=%,$(OPTFLAGS))
# A binary links only the libraries it calls: ngram calls no BLAS, and loading
# OpenBLAS (its relocations, its thread pool) would cost more than scoring a test set.
LDFLAGS += -Wl,--as-needed

# ---------------------------------------------------------------- sources
COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
LIBCOMMON  := $(BUILD)/libcommon.a

TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BINS  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HARNESS_OBJ := $(BUILD)/tests/harness.o

STAGE_BINS := $(STAGES:%=$(BIN)/%)

# bench/<name>.c: our side of a benchmark, linked with libcommon.
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: test-mpi all test demo bench plots notebooks data vectors fixtures clean deps pkgcheck $(ALL_STAGES) \
        ladder test-ladder results check-results site test-site
.DEFAULT_GOAL := all

all: $(LIBCOMMON) $(STAGE_BINS) $(LIB_STAGES:%=$(BUILD)/lib%.a)

# Order-only: it runs once per make, and never makes an object out of date.
$(BUILD)/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

# rm first: an archive keeps the objects of deleted sources otherwise.
$(LIBCOMMON): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

# Earlier stages a stage's binary links as libraries (DESIGN.md: a later stage
# may use an earlier stage's model): rnn's demo trains word2vec vectors.
rnn_DEPS := word2vec
# rlhf's instruction task is about chapter 6's world of facts (gpt/facts.h).
rlhf_DEPS := gpt

# Each stage: its non-main sources become lib<stage>.a (so its tests and later
# stages can link the model), and main.c links into bin/<stage>.
define STAGE_RULES
$(1)_LIB_SRC := $$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c))
$(1)_LIB     := $(BUILD)/lib$(1).a
$$($(1)_LIB): $$($(1)_LIB_SRC:%.c=$(BUILD)/%.o)
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
$(BIN)/$(1): $(BUILD)/$(1)/main.o $$($(1)_LIB) $$($(1)_DEPS:%=$(BUILD)/lib%.a) $(LIBCOMMON)
	@mkdir -p $$(dir $$@)
	$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS)
$(1): $(BIN)/$(1)
endef
$(foreach s,$(LIB_STAGES),$(eval $(call STAGE_RULES,$(s))))

.SECONDEXPANSION:
# A test binary tests/test_<name>.c or tests/test_<name>_<part>.c links
test_stage = $(filter $(firstword $(subst _, ,$(1))),$(LIB_STAGES))
# lib<name>.a when <name> is a stage, and the stages it depends on (<name>_DEPS).
test_libs = $(foreach s,$(call test_stage,$(1)),$(BUILD)/lib$(s).a $($(s)_DEPS:%=$(BUILD)/lib%.a))
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(HARNESS_OBJ) $(LIBCOMMON) $$(call test_libs,$$*)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/tests/test_$*.o $(HARNESS_OBJ) \
	    $(call test_libs,$*) $(LIBCOMMON) $(CHECK_LIBS) $(LDLIBS)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps.sh base

pkgcheck:
	@scripts/deps.sh pkg-config '$(BUILD_PKGS)'

test: deps
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@BIN=$(BIN) scripts/run_tests.sh $(TEST_BINS)

# The data-parallel GPT's tests under mpirun (tests/mpi_test.sh); not part of
# `make test`, since they need OpenMPI (scripts/deps.sh mpi).
test-mpi:
ifneq ($(MPI),1)
	@echo "test-mpi needs the MPI build: make MPI=1 test-mpi" >&2; exit 2
else
	@scripts/deps.sh mpi
	@$(MAKE) --no-print-directory MPI=1 $(BIN)/gpt $(BIN)/rnn $(BUILD)/tests/mpi_gpt
	@BUILD=$(BUILD) tests/mpi_test.sh
endif
$(BUILD)/tests/mpi_gpt: $(BUILD)/tests/mpi_gpt.o $(BUILD)/libgpt.a $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(BIN) scripts/demo.sh $(STAGES)

bench: all $(BENCH_BINS)
	@scripts/deps.sh bench
	@BIN=$(BIN) BUILD=$(BUILD) PYTHON=$(PYTHON) scripts/bench.sh

plots:
	@scripts/plots.sh

notebooks: all
	@scripts/deps.sh notebooks
	@PYTHON=$(PYTHON) scripts/notebooks.sh

data:
	@scripts/data.sh

# The ladder (scripts/ladder.sh): QUICK=1 trains every rung briefly (CI),
# FULL=1 trains the missing chapter runs, RUNGS="kn5 ..." picks rungs.
ladder: all
	@QUICK=$(QUICK) FULL=$(FULL) RUNGS='$(RUNGS)' scripts/ladder.sh

# The quick ladder end to end, its tables checked against its RESULT lines.
test-ladder: all
	@tests/ladder_test.sh

results:
	@scripts/results.sh update

check-results:
	@scripts/results.sh check

# The READMEs and notebooks as HTML pages (the notebooks executed by
# `make notebooks` when it has run); test-site checks the links and loads the
# pages in headless Chromium.
site:
	@scripts/deps.sh site
	@PYTHON=$(PYTHON) scripts/site.sh

test-site:
	@scripts/deps.sh site
	@PYTHON=$(PYTHON) tests/site_test.sh

fixtures:
	@scripts/deps.sh bench
	@for f in tests/ref/*.py; do echo "$(PYTHON) $$f"; $(PYTHON) $$f || exit 1; done

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
