# get_user_pages_longterm() and revocable DAX pins: build, boot, test.
# See README.md.  `make` runs the patched kernel; `make test` is what CI runs.

# Where the kernel trees, builds and ccache live (outside this checkout).
CACHE ?= $(HOME)/.cache/gup-longterm
# Logs, console output, KTAP and the report.
OUT ?= $(CURDIR)/out
JOBS ?= $(shell nproc)
# Use an existing kernel git tree instead of Debian's package.
BASE_TREE ?=
BASE_REF ?= HEAD
# A directory of extra test executables to run in the guest after the suite.
EXTRA_TESTS ?=
# The branch `make patches` regenerates patches/ and series from.
DEV_BRANCH ?= dev

DEB_SERIES := 6.12
DEB_VERSION := 6.12.117-1~deb12u1
DEB_SHA256 := e849faf31ca3555757f3a8877cb01af92122f744f75d1f3102734651c4e14703

TREES := $(CACHE)/trees
KGIT := $(TREES)/base/.git
SERIES_TREE := $(TREES)/series
BASE_BUILD := $(TREES)/base/.build
SERIES_BUILD := $(SERIES_TREE)/.build
FRAGMENTS := $(sort $(wildcard $(CURDIR)/kconfig-fragments/*.config))

# Host packages: to build the kernel and tests, to boot, and for the guest.
BUILD_PACKAGES := build-essential flex bison bc libelf-dev libssl-dev cpio \
	xz-utils ccache git perl python3 python3-ply python3-git rsync \
	libibverbs-dev liburing-dev ibverbs-providers
BOOT_PACKAGES := qemu-system-x86
# Static checks, the mbox test and the cross builds of the matrix.
CHECK_PACKAGES := sparse coccinelle b4 gcc-i686-linux-gnu gcc-aarch64-linux-gnu
GUEST_PACKAGES := busybox-static ndctl e2fsprogs xfsprogs util-linux kmod \
	v4l-utils iproute2
# Files no package's bin/ brings in: the soft-RoCE verbs provider, which
# libibverbs loads by name, from ibverbs-providers (only this one: the
# others would each print a warning).
IBV_DIR := /usr/lib/x86_64-linux-gnu/libibverbs
GUEST_FILES := $(IBV_DIR:/%=%)=$(IBV_DIR)/librxe-rdmav34.so \
	etc/libibverbs.d=/etc/libibverbs.d/rxe.driver

# Tests: test/*.c, and these selftests from the patched tree.
SELFTESTS := mm/gup_test mm/gup_longterm mm/gup_longterm_api
TEST_PROGS := $(patsubst test/%.c,%,$(wildcard test/*.c))
# Libraries a test program links with (Debian -dev packages in BUILD_PACKAGES).
LDLIBS_rdma_mr := -libverbs
LDLIBS_uring_buf := -luring

export CACHE KGIT TREES JOBS BASE_TREE BASE_REF DEB_SERIES DEB_VERSION DEB_SHA256
export CCACHE_DIR := $(CACHE)/ccache

KMAKE = $(MAKE) -s ARCH=x86_64 CC="ccache gcc" -j$(JOBS)
MAKEFLAGS += --no-print-directory

.NOTPARALLEL:
.PHONY: all test deps base apply kernel base-kernel tests guest run run-base \
	report report-both bench shell check mbox range-diff matrix patches clean \
	distclean

## make: patched kernel, booted on pmem-DAX, suite run, report printed.
all: run
	@scripts/report.sh test/suite patched=$(OUT)/patched | tee $(OUT)/report.txt
	@tail -n 1 $(OUT)/report.txt | grep -q ' 0 failed'

## make test: everything CI runs: static checks, base and patched boots.
## A failed check is reported with the boots' results, not instead of them.
test:
	@$(MAKE) check || true
	@$(MAKE) run-base run
	@$(MAKE) report-both

deps:
	@scripts/deps.sh $(BUILD_PACKAGES) $(BOOT_PACKAGES) $(GUEST_PACKAGES) \
		$(CHECK_PACKAGES)

base: deps
	@scripts/base.sh

apply: base
	@scripts/apply.sh series patches

# Kernel build in <tree>/.build: srctree is then "..", the same in every
# tree, so ccache serves the base, series and bisect builds from one cache.
define build_kernel
	@echo "kernel: building $(1)"
	@scripts/kconfig.sh $(1) $(1)/.build $(FRAGMENTS)
	@$(KMAKE) -C $(1) O=.build bzImage headers
endef

kernel: apply
	$(call build_kernel,$(SERIES_TREE))

base-kernel: base
	$(call build_kernel,$(TREES)/base)

tests: kernel
	@mkdir -p $(OUT)/tests $(OUT)/selftests/mm
	@cp test/suite test/bench test/*.sh $(OUT)/tests/
	@$(foreach t,$(TEST_PROGS),gcc -Wall -Werror -O2 -pthread \
		-I$(SERIES_TREE) -I$(SERIES_TREE)/tools/testing/selftests \
		-isystem $(SERIES_BUILD)/usr/include \
		-o $(OUT)/tests/$(t) test/$(t).c $(LDLIBS_$(t)) &&) true
	@$(MAKE) -s -C $(SERIES_TREE)/tools/testing/selftests/mm \
		OUTPUT=$(OUT)/selftests/mm \
		KHDR_INCLUDES="-isystem $(SERIES_BUILD)/usr/include" \
		$(addprefix $(OUT)/selftests/,$(SELFTESTS))
	@cp $(addprefix $(OUT)/selftests/,$(SELFTESTS)) $(OUT)/tests/

guest: tests
	@scripts/mkguest.sh $(OUT)/initramfs.cpio $(OUT)/guest-root \
		scripts/guest-init.sh "$(GUEST_PACKAGES)" -- tests=$(OUT)/tests \
		$(GUEST_FILES) $(if $(EXTRA_TESTS),extra=$(EXTRA_TESTS))

run: guest
	@echo "boot: patched kernel (console: $(OUT)/patched/console.log)"
	@scripts/boot.sh $(SERIES_BUILD)/arch/x86/boot/bzImage \
		$(OUT)/initramfs.cpio $(OUT)/patched test

run-base: base-kernel guest
	@echo "boot: base kernel (console: $(OUT)/base/console.log)"
	@scripts/boot.sh $(BASE_BUILD)/arch/x86/boot/bzImage \
		$(OUT)/initramfs.cpio $(OUT)/base test

report-both:
	@scripts/report.sh test/suite base=$(OUT)/base patched=$(OUT)/patched \
		$(OUT)/check.log | tee $(OUT)/report.txt
	@tail -n 1 $(OUT)/report.txt | grep -q ' 0 failed'

report:
	@scripts/report.sh test/suite patched=$(OUT)/patched

## make bench: the benchmark alone, on the patched kernel: its ratios.
bench: guest
	@SUITE=bench scripts/boot.sh $(SERIES_BUILD)/arch/x86/boot/bzImage \
		$(OUT)/initramfs.cpio $(OUT)/bench test
	@scripts/report.sh test/bench patched=$(OUT)/bench

shell: guest
	@scripts/boot.sh $(SERIES_BUILD)/arch/x86/boot/bzImage \
		$(OUT)/initramfs.cpio $(OUT)/shell shell

## make check: the series' static checks, each against the base (check.sh).
check: kernel base-kernel
	@mkdir -p $(OUT)
	@MBOX=$(OUT)/series.mbox scripts/check.sh all series patches $(FRAGMENTS) \
		2>&1 | tee $(OUT)/check.log
	@! grep -q '^check .*: FAILED' $(OUT)/check.log

## make mbox: the series as the thread it would be mailed as ($(OUT)/series.mbox).
mbox: apply
	@scripts/mbox.sh COVER_LETTER.md $(OUT)/series.mbox

## make matrix: the series tip built for FS_DAX=n, allnoconfig, i386, arm64.
matrix: apply
	@scripts/matrix.sh kconfig-fragments

## make range-diff [FROM=series-vN]: the series against an earlier version.
FROM ?= $(lastword $(shell git tag -l 'series-v*' | sort -V))
range-diff: apply
	@scripts/range-diff.sh $(FROM)

## make patches: regenerate patches/ and series from $(DEV_BRANCH).
patches:
	@rm -f patches/*.patch
	@git --git-dir=$(KGIT) format-patch -q --no-signature --zero-commit \
		-o patches base..$(DEV_BRANCH)
	@ls patches | grep '\.patch$$' >series
	@cat series

clean:
	rm -rf $(OUT)

distclean: clean
	rm -rf $(CACHE)
