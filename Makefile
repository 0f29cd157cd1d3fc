# SPDX-License-Identifier: Apache-2.0
# A thin front for meson: every target installs missing Debian packages
# first (tools/install-deps.sh), then builds with meson and ninja.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
BUILD_CLANG ?= build-clang
ADDRESS    ?= unix:/run/podman/io.podman
PYTHON     ?= /usr/bin/python3
FUZZ_SECONDS ?= 60

.PHONY: all deps build run check check-format clang unit system asan format bench fuzz clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD)/build.ninja:
	@tools/install-deps.sh
	meson setup $(BUILD) >/dev/null

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Serves io.podman in the foreground on the default address until ^C, with
# localhost/busybox:latest imported on first start (no registry needed).
run: build
	tools/seed-busybox.sh $(BUILD)/varpod
	$(BUILD)/varpod varlink --timeout 0 $(ADDRESS)

# Every test: format, unit and fuzz-corpus replay, end-to-end; then all of
# it again under AddressSanitizer and UndefinedBehaviorSanitizer.
check: deps check-format clang unit system asan

check-format:
	@tools/check-format.sh

# clang sees what gcc does not (jumps into the scope of a cleanup
# variable, for one): the whole tree must build warning-free with it too.
$(BUILD_CLANG)/build.ninja:
	@tools/install-deps.sh
	CC=clang meson setup $(BUILD_CLANG) >/dev/null

clang: $(BUILD_CLANG)/build.ninja
	ninja -C $(BUILD_CLANG)

unit: build
	meson test -C $(BUILD) --print-errorlogs

system: build
	VARPOD_BINARY=$(abspath $(BUILD))/varpod VARPOD_BUILD_DIR=$(abspath $(BUILD)) \
		$(PYTHON) -m pytest -q tests/system

$(BUILD_ASAN)/build.ninja:
	@tools/install-deps.sh
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null

asan: $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(BUILD_ASAN) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		VARPOD_BINARY=$(abspath $(BUILD_ASAN))/varpod VARPOD_BUILD_DIR=$(abspath $(BUILD_ASAN)) \
		VARPOD_SANITIZED=1 $(PYTHON) -m pytest -q tests/system

format:
	@tools/check-format.sh --fix

$(BUILD_FUZZ)/build.ninja:
	@tools/install-deps.sh
	CC=clang meson setup $(BUILD_FUZZ) -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null

# Runs each fuzz target for FUZZ_SECONDS, starting from its corpus.
fuzz: $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	@set -e; for t in $(BUILD_FUZZ)/tests/fuzz/fuzz-*; do \
		[ -f "$$t" ] && [ -x "$$t" ] || continue; \
		name=$${t##*/fuzz-}; mkdir -p tests/fuzz/artifacts; \
		echo "fuzz $$name for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/artifacts/ \
			-print_final_stats=1 $$(mktemp -d) tests/fuzz/corpus/$$name 2>&1 | tail -n 12; \
	done

bench: build
	$(PYTHON) bench/run.py --varpod $(abspath $(BUILD))/varpod --build $(abspath $(BUILD))

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_CLANG)
