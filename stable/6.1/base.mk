# The 6.1 backport (make STABLE=6.1): its base, tests and checks.
# Debian bookworm's own kernel source.
DEB_SUITE := bookworm
DEB_SERIES := 6.1
DEB_VERSION := 6.1.192-2
DEB_SHA256 := ae95fe63d4c553f8d0e6c86cb1ab566f3894a43743eb19ab585cd97d82f26514
# 6.1 keeps the mm selftests in selftests/vm, and has no gup_longterm (6.4).
SELFTEST_DIR := vm
SELFTESTS := gup_test
# videobuf-dma-sg has no user QEMU emulates: test/kmod reaches it, built
# against the base and the patched tree (test/videobuf_dma_sg.c).
KMODS := videobuf_dma_sg_test
# Test programs 6.1 cannot build, so their suite entries are skipped: the
# lease tests need gup_test's PIN_LONGTERM_TEST (6.4; the lease is not in
# the backport), iommufd_map <linux/iommufd.h> (6.2).
TEST_PROGS_EXCLUDE := iommufd_map lease_bench lease_stress
# No mbox (the backport is not a thread of its own), no coccicheck and no
# matrix (those cover the mainline series; this one changes four files),
# no harness (the mainline series' checks test it).
CHECKS := series checkpatch kernel-doc sparse w1 bisect
