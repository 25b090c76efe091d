// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring registered buffers and provided buffer rings (io_pin_pages()) in
 * filesystem-DAX memory: usage: DAX_DIR=DIR uring_buf [harness options].
 *
 * io_uring pins a registered buffer long-term, until it is unregistered,
 * and the memory of a provided buffer ring until the ring is, with
 * pin_user_pages_fast(FOLL_LONGTERM).  It takes no lease, so DAX stays
 * refused: registering a buffer that starts in a MAP_SHARED mapping of a DAX
 * file fails with EOPNOTSUPP, and so does a buffer ring placed in one; a
 * buffer that starts with anonymous memory and runs into DAX gets a short
 * pin, which io_uring turns into EFAULT.  Anonymous memory registers.  No
 * FOLL_PIN pin is left behind.  A regression test: the series must not
 * change what pinners without a lease see.
 *
 * Without io_uring, the cases are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <liburing.h>

#include "kselftest_harness.h"
#include "longterm_user.h"

#define BUF_RING_ENTRIES	8
#define BUF_RING_BGID		7

FIXTURE(uring)
{
	struct io_uring ring;
	bool have_ring;
	struct lt_map map;
	long pins;
};

FIXTURE_VARIANT(uring)
{
	size_t nr_anon;		/* pages of anonymous memory first */
	size_t nr_dax;		/* then pages of a DAX file */
	int error;		/* what registration fails with, or 0 */
};

FIXTURE_VARIANT_ADD(uring, anon)
{
	.nr_anon = LT_NR_PAGES,
};

FIXTURE_VARIANT_ADD(uring, dax)
{
	.nr_dax = LT_NR_PAGES,
	.error = EOPNOTSUPP,
};

/* The pin comes back short at the DAX vma. */
FIXTURE_VARIANT_ADD(uring, anon_then_dax)
{
	.nr_anon = LT_NR_PAGES / 2,
	.nr_dax = LT_NR_PAGES / 2,
	.error = EFAULT,
};

FIXTURE_SETUP(uring)
{
	const char *why = NULL;
	int ret;

	self->have_ring = false;
	self->map.mem = NULL;
	self->map.fd = -1;
	ret = io_uring_queue_init(8, &self->ring, 0);
	if (ret == -ENOSYS)
		SKIP(return, "no io_uring (CONFIG_IO_URING)");
	if (ret == -EPERM)
		SKIP(return, "io_uring is disabled (kernel.io_uring_disabled)");
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	self->have_ring = true;
	if (lt_map(&self->map, variant->nr_anon, variant->nr_dax, &why))
		SKIP(return, "%s", why);
	self->pins = lt_pins();
}

FIXTURE_TEARDOWN(uring)
{
	if (self->have_ring)
		io_uring_queue_exit(&self->ring);
	lt_unmap(&self->map);
}

TEST_F(uring, register_buffers)
{
	struct iovec iov = {
		.iov_base = self->map.mem,
		.iov_len = self->map.size,
	};
	int ret;

	ret = io_uring_register_buffers(&self->ring, &iov, 1);
	EXPECT_EQ(-variant->error, ret)
		TH_LOG("io_uring_register_buffers: %s", strerror(-ret));
	if (!ret) {
		if (self->pins >= 0)
			EXPECT_EQ(self->pins + (long)variant->nr_anon, lt_pins())
				TH_LOG("the buffer should pin every page");
		EXPECT_EQ(0, io_uring_unregister_buffers(&self->ring));
	}
	EXPECT_PINS_BALANCED(self->pins);

	io_uring_queue_exit(&self->ring);
	self->have_ring = false;
	EXPECT_PINS_BALANCED(self->pins);
}

/* A ring of provided buffers in the memory: its first page in DAX, if any. */
TEST_F(uring, buf_ring)
{
	struct io_uring_buf_reg reg = {
		.ring_addr = (uintptr_t)(self->map.dax ?: self->map.mem),
		.ring_entries = BUF_RING_ENTRIES,
		.bgid = BUF_RING_BGID,
	};
	int expected = variant->nr_dax ? EOPNOTSUPP : 0;
	int ret;

	ret = io_uring_register_buf_ring(&self->ring, &reg, 0);
	EXPECT_EQ(-expected, ret)
		TH_LOG("io_uring_register_buf_ring: %s", strerror(-ret));
	if (!ret) {
		if (self->pins >= 0)
			EXPECT_EQ(self->pins + 1, lt_pins())
				TH_LOG("the ring should pin its page");
		EXPECT_EQ(0, io_uring_unregister_buf_ring(&self->ring,
							  BUF_RING_BGID));
	}
	EXPECT_PINS_BALANCED(self->pins);

	io_uring_queue_exit(&self->ring);
	self->have_ring = false;
	EXPECT_PINS_BALANCED(self->pins);
}

int main(int argc, char **argv)
{
	return lt_main(argc, argv);
}
