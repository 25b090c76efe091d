// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf-dma-sg (videobuf 1) USERPTR buffers on filesystem-DAX memory:
 * usage: DAX_DIR=DIR videobuf_dma_sg [harness options].
 *
 * QEMU emulates no videobuf hardware; test/kmod/videobuf_dma_sg_test.ko,
 * loaded by the guest for the kernel it was built against, prepares a
 * capture USERPTR buffer as a driver would (videobuf_iolock(), that is
 * videobuf_dma_init_user()) and frees it (videobuf_dma_free()).
 *
 * Anonymous memory is pinned, a page each.  A buffer that is or includes
 * a MAP_SHARED mapping of a DAX file is refused with EOPNOTSUPP and
 * nothing of it stays pinned, also when it starts in anonymous memory:
 * before get_user_pages_longterm(), that buffer failed with EINVAL and
 * kept the pages in front of the DAX mapping pinned until it was freed.
 * After the free, no FOLL_PIN pin is left behind.
 *
 * Skipped on kernels without videobuf (mainline since before 6.12), where
 * the module is not built.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "longterm_user.h"
#include "kmod/videobuf_dma_sg_test.h"

FIXTURE(vb)
{
	int fd;
	struct lt_map map;
	long pins;
};

FIXTURE_VARIANT(vb)
{
	size_t nr_anon;		/* pages of anonymous memory first */
	size_t nr_dax;		/* then pages of a DAX file */
	int error;		/* what videobuf_iolock() fails with, or 0 */
};

FIXTURE_VARIANT_ADD(vb, anon)
{
	.nr_anon = LT_NR_PAGES,
};

FIXTURE_VARIANT_ADD(vb, dax)
{
	.nr_dax = LT_NR_PAGES,
	.error = EOPNOTSUPP,
};

/* The pin comes back short at the DAX vma. */
FIXTURE_VARIANT_ADD(vb, anon_then_dax)
{
	.nr_anon = LT_NR_PAGES / 2,
	.nr_dax = LT_NR_PAGES / 2,
	.error = EOPNOTSUPP,
};

FIXTURE_SETUP(vb)
{
	const char *why = NULL;

	self->map.mem = NULL;
	self->map.fd = -1;
	self->fd = open(VBTEST_PATH, O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no %s: no videobuf in this kernel (test/kmod)",
		     VBTEST_PATH);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", VBTEST_PATH, strerror(errno));
	if (lt_map(&self->map, variant->nr_anon, variant->nr_dax, &why))
		SKIP(return, "%s", why);
	self->pins = lt_pins();
}

FIXTURE_TEARDOWN(vb)
{
	if (self->fd >= 0)
		close(self->fd);
	lt_unmap(&self->map);
}

TEST_F(vb, userptr)
{
	struct vbtest_pin pin = {
		.addr = (uintptr_t)self->map.mem,
		.size = self->map.size,
	};
	unsigned int pinned = variant->error ? 0 : self->map.size / lt_page;

	ASSERT_EQ(0, ioctl(self->fd, VBTEST_PIN, &pin))
		TH_LOG("VBTEST_PIN: %s", strerror(errno));
	EXPECT_EQ(-variant->error, pin.ret)
		TH_LOG("videobuf_iolock(): %s", strerror(-pin.ret));
	EXPECT_EQ(pinned, pin.nr_pages)
		TH_LOG("pages the buffer holds pinned");
	if (self->pins >= 0)
		EXPECT_EQ(self->pins + (long)pinned, lt_pins())
			TH_LOG("FOLL_PIN pins held after videobuf_iolock()");

	ASSERT_EQ(0, ioctl(self->fd, VBTEST_FREE));
	EXPECT_PINS_BALANCED(self->pins);
}

/* The buffer can be prepared again once freed, and close frees it. */
TEST_F(vb, again_then_close)
{
	struct vbtest_pin pin = {
		.addr = (uintptr_t)self->map.mem,
		.size = self->map.size,
	};
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ioctl(self->fd, VBTEST_PIN, &pin));
		EXPECT_EQ(-variant->error, pin.ret);
		EXPECT_EQ(-1, ioctl(self->fd, VBTEST_PIN, &pin));
		EXPECT_EQ(EBUSY, errno);
		if (i < 2)
			ASSERT_EQ(0, ioctl(self->fd, VBTEST_FREE));
	}
	close(self->fd);
	self->fd = -1;
	EXPECT_PINS_BALANCED(self->pins);
}

int main(int argc, char **argv)
{
	return lt_main(argc, argv);
}
