# get_user_pages_longterm() and revocable DAX pins: build, boot, test.
# See README.md.  `make` runs the patched kernel; `make test` is what CI runs.

# Where the kernel trees, builds and ccache live (outside this checkout).
CACHE ?= $(HOME)/.cache/gup-longterm
# Logs, console output, KTAP and the report.
OUT ?= $(CURDIR)/out
# Empty: the mainline series (series, patches/).  STABLE=6.1: the backport
# in stable/6.1/, on that Debian base, in $(CACHE)-6.1 and $(OUT)/6.1.
STABLE ?=
# The backports `make test` runs after the mainline series (all of them).
# A CI farm runs `make test STABLES=` and `make STABLE=6.1 test` as two
# jobs in parallel.
STABLES ?= $(notdir $(wildcard stable/*))
# Parallel kernel build jobs.
JOBS ?= $(shell nproc)
# Use an existing kernel git tree instead of Debian's package ...
BASE_TREE ?=
# ... at this commit.
BASE_REF ?= HEAD
# A directory of extra test executables to run in the guest before the suite.
EXTRA_TESTS ?=
# Run only the suite entries whose names match these shell globs (make,
# run, run-base, shell): T='v4l2_userptr@* lease_stress@xfs'.  Not for
# make test.
T ?=
# How long a suite entry may run, in seconds, unless its command says
# otherwise (timeout=SECONDS, test/suite).
TEST_TIMEOUT ?= 300
# The branch `make patches` regenerates patches/ and series from.
DEV_BRANCH ?= dev
# Who sends the series: `make mbox` makes them each patch's author and adds
# their Signed-off-by.  Unset: git's user.name and user.email.
# SENDER ?= Your Name <you@your.domain>
# The identity `make check` tests the mailed form with, at a reserved
# domain that only SENDER_TEST=1 lets through: never one to send with.
CHECK_SENDER := Test Sender <test.sender@example.org>

ifeq ($(STABLE),)
SDIR := .
BCACHE := $(CACHE)
BOUT := $(OUT)
DEB_SUITE := trixie-backports
DEB_SERIES := 7.3
DEB_VERSION := 7.3.4-1~bpo13+1
DEB_SHA256 := 703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
# Selftests of the patched tree to run (tools/testing/selftests/$(SELFTEST_DIR)).
SELFTEST_DIR := mm
SELFTESTS := gup_test gup_longterm gup_longterm_api
# Test modules (test/kmod) to build against each tree: a capture driver
# that needs two queued buffers to start (test/v4l2_userptr.c).
KMODS := vb2_minq_test
# test/*.c programs this base cannot build (its uapi lacks what they test):
# their suite entries are skipped.
TEST_PROGS_EXCLUDE :=
# The parts of check.sh all that `make check` runs.
CHECKS := series checkpatch mbox callers kernel-doc sparse w1 coccicheck bisect matrix harness
else
SDIR := stable/$(STABLE)
BCACHE := $(CACHE)-$(STABLE)
BOUT := $(OUT)/$(STABLE)
ifeq ($(wildcard $(SDIR)/base.mk),)
$(error STABLE=$(STABLE): no $(SDIR)/base.mk; stable series: $(STABLES))
endif
include $(SDIR)/base.mk
endif

# The DAX filesystems that grant leases (an entry NAME@dax runs on each),
# and all that the guest mounts -o dax=always on /mnt/NAME.
DAX_FS := ext4 xfs
GUEST_FS := $(DAX_FS) erofs

TREES := $(BCACHE)/trees
KGIT := $(TREES)/base/.git
SERIES_TREE := $(TREES)/series
SERIES_BUILD := $(SERIES_TREE)/.build
# A base's own fragments come last and win (kconfig.sh).
FRAGMENTS := $(sort $(wildcard $(CURDIR)/kconfig-fragments/*.config)) \
	$(if $(STABLE),$(sort $(wildcard $(CURDIR)/$(SDIR)/kconfig-fragments/*.config)))

# Host packages: to build the kernel and tests, to make the Debian root,
# to boot; for the static checks, the mbox test and the matrix.
BUILD_PACKAGES := build-essential flex bison bc libelf-dev libssl-dev cpio \
	xz-utils ccache git perl python3 python3-ply python3-git rsync \
	liburing-dev mmdebstrap procps
BOOT_PACKAGES := qemu-system-x86
CHECK_PACKAGES := coccinelle b4 gcc-i686-linux-gnu gcc-aarch64-linux-gnu
# A Debian sid root, shared by every base, for the guest's userspace and
# sparse (README.md, "Where the base and the tools come from").
ROOT := $(CACHE)/root
ROOT_SUITE := sid
# Programs for the guest: each package's bin/ and sbin/ and /etc.
GUEST_PACKAGES := busybox-static ndctl e2fsprogs xfsprogs erofs-utils \
	util-linux kmod v4l-utils
# Libraries the test programs load in the guest; tools the host runs.
ROOT_PACKAGES := $(GUEST_PACKAGES) liburing2 sparse
# Other files of the root for the guest: mkfs.xfs's feature sets for
# long-term kernels, so that a stable base mounts what sid makes.
GUEST_FILES := usr/share/xfsprogs/mkfs=$(ROOT)/usr/share/xfsprogs/mkfs
SPARSE := $(CURDIR)/scripts/inroot.sh $(ROOT) /usr/bin/sparse

# test/*.c use the mainline base's kselftest harness on every base (6.1's
# ignores the variant filters, -v, that the suite passes).
HARNESS := $(CACHE)/trees/base/tools/testing/selftests

export KGIT TREES JOBS BASE_TREE BASE_REF DEB_SUITE DEB_SERIES DEB_VERSION DEB_SHA256 CHECKS
export SPARSE
# One ccache for every base, tree and matrix entry.
export CCACHE_DIR := $(CACHE)/ccache
export CCACHE_MAXSIZE := 20G
# The scripts that keep files in the cache get the selected base's.
SCRIPT_ENV := CACHE=$(BCACHE)

# The kernel's make as every build here runs it (scripts/lib.sh), for x86_64.
KMAKE := KARCH=x86_64 KCROSS= sh -c '. scripts/lib.sh && kmake "$$@"' kmake
MAKEFLAGS += --no-print-directory

.NOTPARALLEL:
.PHONY: all test help deps root base apply kernel base-kernel progs guest run \
	run-base mainline-base mainline-only \
	report report-both bench shell check mbox range-diff matrix patches clean \
	distclean

## make: patched kernel, booted on pmem-DAX, suite run, report printed.
all: run
	@scripts/report.sh -o $(BOUT)/report.txt $(BOUT)/tests/suite patched=$(BOUT)/patched

## make test: what CI runs, for the mainline series, then each backport:
## checks, base and patched boots, both columns, and the totals of all of
## them ($(OUT)/test-report.txt).  BASE_TREE is for the mainline series.
TEST_BASES := $(if $(STABLE),$(STABLE),"" $(STABLES))
test:
	@[ -z "$(T)" ] || { echo "make test runs every test: T=$(T) is for make, run, run-base and shell" >&2; exit 1; }
	@for s in $(TEST_BASES); do \
		set -- STABLE=$$s; \
		[ -z "$$s" ] || set -- "$$@" BASE_TREE= BASE_REF=HEAD; \
		$(MAKE) "$$@" check || true; \
		$(MAKE) "$$@" run-base run || exit 1; \
	done
	@for s in $(TEST_BASES); do $(MAKE) STABLE=$$s report-both || true; done
	@scripts/total.sh $(BOUT)/test-report.txt $(if $(STABLE),$(STABLE)=$(BOUT)/report.txt, \
		$(DEB_SERIES)=$(OUT)/report.txt $(foreach s,$(STABLES),$(s)=$(OUT)/$(s)/report.txt))

## make help: these targets, and the variables that change what they do.
help:
	@sed -n 's/^## \{0,1\}//p' $(firstword $(MAKEFILE_LIST))
	@echo
	@echo "Variables (make VAR=value):"
	@awk '/^#/ { c = c "    " substr($$0, 3) "\n"; next } \
		/^[A-Z_]+ \?=/ { printf "  %s (default: %s)\n%s", $$1, \
		substr($$0, index($$0, "=") + 2), c } { c = "" }' \
		$(firstword $(MAKEFILE_LIST))
	@echo "  SENDER: make mbox (above); BOOT_TIMEOUT, GUEST_MEM: scripts/boot.sh;"
	@echo "  MATRIX_LINK: scripts/matrix.sh (README.md, Variables)"

## make deps: install the host's missing Debian packages.
deps:
	@scripts/deps.sh $(BUILD_PACKAGES) $(BOOT_PACKAGES) $(GUEST_PACKAGES) \
		$(CHECK_PACKAGES)

## make root: the Debian sid root (guest userspace, sparse) in $(ROOT).
root: deps
	@CACHE=$(CACHE) scripts/root.sh $(ROOT) $(ROOT_SUITE) $(ROOT_PACKAGES)

## make base: the base tree (Debian's package, or BASE_TREE), branch base.
base: deps
	@$(SCRIPT_ENV) scripts/base.sh

## make apply: branch series = base + the patches, in $(TREES)/series.
apply: base
	@scripts/apply.sh $(SDIR)/series $(SDIR)/patches

# Kernel build in <tree>/.build: srctree is then "..", the same in every
# tree, so ccache serves the base, series and bisect builds from one cache.
define build_kernel
	@echo "kernel: building $(1)"
	@scripts/kconfig.sh $(1) $(1)/.build $(FRAGMENTS)
	@$(KMAKE) $(1) .build bzImage headers $(if $(KMODS),modules)
endef

# Test modules, built out of tree against one kernel into tests/kmod/$(1),
# only those of KMODS (install -C keeps the time of a file that is the same).
define build_kmods
	@mkdir -p $(BOUT)/kmod/$(1) $(BOUT)/tests/kmod/$(1)
	@install -C -m 644 test/kmod/* $(BOUT)/kmod/$(1)/
	@$(KMAKE) $(2) .build M=$(BOUT)/kmod/$(1) KMODS="$(KMODS)" modules
	@find $(BOUT)/tests/kmod/$(1) -name '*.ko' \
		$(foreach m,$(KMODS),! -name $(m).ko) -delete
	@install -C -m 644 $(foreach m,$(KMODS),$(BOUT)/kmod/$(1)/$(m).ko) \
		$(BOUT)/tests/kmod/$(1)/
endef

## make kernel, make base-kernel: the patched / base kernel.
kernel: apply
	$(call build_kernel,$(SERIES_TREE))

base-kernel: base
	$(call build_kernel,$(TREES)/base)

# A stable base needs the mainline base for HARNESS.
mainline-base:
	@$(MAKE) STABLE= BASE_TREE= base

## make progs: what the guest runs, in $(BOUT)/tests: the test programs
## (test/Makefile), the selftests, the test modules and the suite as this
## base runs it (scripts/suite.sh).  Only what changed is rebuilt.
SELFTEST_OUT := $(BOUT)/selftests/$(SELFTEST_DIR)
progs: kernel $(if $(KMODS),base-kernel) $(if $(STABLE),mainline-base)
	@mkdir -p $(BOUT)/tests $(SELFTEST_OUT)
	@DAX_FS="$(DAX_FS)" GUEST_FS="$(GUEST_FS)" T="$(T)" NOBUILD="$(TEST_PROGS_EXCLUDE)" \
		scripts/suite.sh test/suite $(wildcard $(SDIR)/skip) >$(BOUT)/suite.new
	@cmp -s $(BOUT)/suite.new $(BOUT)/tests/suite && rm $(BOUT)/suite.new || \
		mv $(BOUT)/suite.new $(BOUT)/tests/suite
	@$(MAKE) -s -C test OUTPUT=$(BOUT)/tests DEPDIR=$(BOUT)/tests.d \
		KSRC=$(SERIES_TREE) KHDR=$(SERIES_BUILD)/usr/include \
		HARNESS=$(HARNESS) TEST_PROGS_EXCLUDE="$(TEST_PROGS_EXCLUDE)"
	@$(MAKE) -s -C $(SERIES_TREE)/tools/testing/selftests/$(SELFTEST_DIR) \
		OUTPUT=$(SELFTEST_OUT) \
		KHDR_INCLUDES="-isystem $(SERIES_BUILD)/usr/include" \
		$(addprefix $(SELFTEST_OUT)/,$(SELFTESTS))
	@install -C $(addprefix $(SELFTEST_OUT)/,$(SELFTESTS)) $(BOUT)/tests/
ifneq ($(KMODS),)
	$(call build_kmods,base,$(TREES)/base)
	$(call build_kmods,patched,$(SERIES_TREE))
endif

## make guest: the initramfs (Debian root, GUEST_PACKAGES, the tests).
guest: progs root
	@scripts/mkguest.sh $(BOUT)/initramfs.cpio $(BOUT)/guest-root scripts/guest-init.sh \
		$(ROOT) "$(GUEST_PACKAGES)" -- tests=$(BOUT)/tests harness=scripts/guest-run.sh \
		$(GUEST_FILES) $(if $(EXTRA_TESTS),extra=$(EXTRA_TESTS))

# boot TREE NAME [shell]: boot the kernel of TREE, which loads the test
# modules built for NAME (base or patched), and run the suite into
# $(BOUT)/NAME, or start a shell (after the entries of T, if any).
define boot
	@KERNEL=$(2) GUEST_FS="$(GUEST_FS)" TEST_TIMEOUT=$(TEST_TIMEOUT) RUN=$(if $(T),1,0) \
		scripts/boot.sh $(1)/.build/arch/x86/boot/bzImage $(BOUT)/initramfs.cpio \
		$(BOUT)/$(or $(3),$(2)) $(or $(3),test)
endef

## make run, make run-base: boot the patched / base kernel, run the suite.
run: guest
	$(call boot,$(SERIES_TREE),patched)

run-base: base-kernel guest
	$(call boot,$(TREES)/base,base)

## make report-both, make report: the report of the last base and patched
## runs / of the last patched run.
report-both:
	@scripts/report.sh -o $(BOUT)/report.txt $(BOUT)/tests/suite \
		base=$(BOUT)/base patched=$(BOUT)/patched $(BOUT)/check.log

report:
	@scripts/report.sh $(BOUT)/tests/suite patched=$(BOUT)/patched

# Targets for the mainline series only: a backport has no benchmark (no
# lease), is not mailed as a thread of its own and has no matrix or v1.
mainline-only:
	@[ -z "$(STABLE)" ] || { echo "make $(MAKECMDGOALS): for the mainline series only, not STABLE=$(STABLE)" >&2; exit 1; }

## make bench: the benchmark alone, on the patched kernel: its ratios.
bench: mainline-only
	@$(MAKE) T='lease_bench@*' all

## make shell: the patched kernel's guest with a shell on this terminal;
## with T, the entries it selects run there first.
shell: guest
	$(call boot,$(SERIES_TREE),patched,shell)

## make check: the series' static checks, each against the base (check.sh).
check: kernel base-kernel root
	@mkdir -p $(BOUT)/check
	@$(SCRIPT_ENV) COVER=$(SDIR)/COVER_LETTER.md MBOX=$(BOUT)/check/series.mbox \
		SENDER="$(CHECK_SENDER)" SENDER_TEST=1 BUSYBOX=$(ROOT)/bin/busybox \
		scripts/check.sh all $(SDIR)/series $(SDIR)/patches $(FRAGMENTS) \
		2>&1 | tee $(BOUT)/check.log
	@! grep -q '^check .*: FAILED' $(BOUT)/check.log

## make mbox [SENDER='Name <address>']: the series as the thread the sender
## would mail ($(BOUT)/series.mbox), signed off by them.
mbox: mainline-only apply
	@scripts/mbox.sh $(SDIR)/COVER_LETTER.md $(BOUT)/series.mbox

## make matrix: the series tip built for FS_DAX=n, allnoconfig, i386, arm64.
matrix: mainline-only apply
	@scripts/matrix.sh kconfig-fragments

## make range-diff [FROM=vN]: the series against an earlier version.
# Each version is the commit of this repository that held it.
SERIES_VERSIONS := v1=21ad73f556f6b6da069e58fde6e55ab2bed81157 \
	v2=4d95420ea616525a4237ed6c3d05293b26bd4b54
# make range-diff: the version to compare with (default: the last one).
FROM ?= $(firstword $(subst =, ,$(lastword $(SERIES_VERSIONS))))
FROM_COMMIT = $(word 2,$(subst =, ,$(filter $(FROM)=%,$(SERIES_VERSIONS))))
range-diff: mainline-only apply
	@[ -n "$(FROM_COMMIT)" ] || { echo "range-diff: no version '$(FROM)': $(SERIES_VERSIONS)" >&2; exit 1; }
	@$(SCRIPT_ENV) scripts/range-diff.sh $(FROM_COMMIT)

## make patches: regenerate $(SDIR)/patches and $(SDIR)/series from $(DEV_BRANCH).
patches:
	@mkdir -p $(SDIR)/patches && rm -f $(SDIR)/patches/*.patch
	@git --git-dir=$(KGIT) format-patch -q --no-signature --zero-commit \
		-o $(SDIR)/patches base..$(DEV_BRANCH)
	@ls $(SDIR)/patches | grep '\.patch$$' >$(SDIR)/series
	@cat $(SDIR)/series

## make clean, make distclean: remove $(BOUT); also the cache.
clean:
	rm -rf $(BOUT)

distclean: clean
	rm -rf $(BCACHE) $(if $(STABLE),,$(foreach s,$(STABLES),$(CACHE)-$(s)))
