# Thin driver over CMake: all build logic lives in CMakeLists.txt.
#   make run    install what is missing, build, run the default scenario
#   make test   install what is missing, build, run every test (ctest)
#   make bench  build and run the benchmarks (CSV under build/bench/)

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# The Debian 12 packages the project needs, named once (ARCHITECTURE.md).
# ns3 is listed beside libns3-dev because the CMake export of libns3-dev
# names /usr/libexec/ns3/ns3.37-raw-sock-creator, which only ns3 ships:
# without it find_package(ns3) fails at configure time.
DEBIAN_PACKAGES = cmake g++ pkg-config libns3-dev ns3 libgsl-dev libopenblas-dev \
                  libsqlite3-dev zlib1g-dev sqlite3 dataset-fashion-mnist gnuplot-nox

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build test bench run format format-check asan clean

all: build

# Installs only what is missing; apt-get update first, as a fresh machine needs.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

bench: build
	cmake --build $(BUILD) --target bench

run: build
	cmake --build $(BUILD) --target run

# Quantizer-core tests under AddressSanitizer + UBSan (the malformed-payload
# tests must never read out of bounds).
asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug \
	  -DEDGE_LEARNING_WITH_NS3=OFF -DEDGE_LEARNING_SANITIZE=address,undefined
	cmake --build $(BUILD)-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
	  ctest --test-dir $(BUILD)-asan --output-on-failure -j $(JOBS) -L 'hgq|learn'

# Every C and C++ source but the generated codebook tables (hgq-codebook-gen
# writes them; its banner says how, and clang-format would only re-wrap them).
FORMAT_FILES = $(filter-out model/hgq/codebooks-builtin.c,\
                 $(shell git ls-files '*.c' '*.h' '*.cc' 2>/dev/null))

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) $(BUILD)-asan
