// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd DMA mappings (iommufd pages.c) of filesystem-DAX memory: usage:
 * DAX_DIR=DIR iommufd_map [harness options].
 *
 * The pages behind an IOAS mapping are pinned long-term, until the range is
 * unmapped, as soon as a domain needs them: at IOMMU_IOAS_MAP when a domain
 * is attached, else when one is attached later.  CONFIG_IOMMUFD_TEST's mock
 * domain stands in for a device.  Without a lease, a mapping that includes
 * a MAP_SHARED mapping of a DAX file is refused with EOPNOTSUPP, whether the
 * range starts in DAX or runs into it, for reading and for writing;
 * anonymous memory maps.  When the domain comes after the mapping, its
 * attachment is refused instead, and when it is attached by another process
 * than the one that mapped the memory, the pin is a remote one.  No FOLL_PIN
 * pin is left behind.
 *
 * Without /dev/iommu or without the mock domain, the cases are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/iommufd.h>

#include "drivers/iommu/iommufd/iommufd_test.h"
#include "kselftest_harness.h"
#include "longterm_user.h"

#define RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

static int mock_domain(int fd, __u32 ioas_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas_id,
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -errno : 0;
}

static int do_ioas_map(int fd, __u32 ioas_id, void *mem, size_t size,
		       __u32 flags)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = flags | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)mem,
		.length = size,
		.iova = MOCK_APERTURE_START,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

static int do_ioas_unmap(int fd, __u32 ioas_id, size_t size)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas_id,
		.iova = MOCK_APERTURE_START,
		.length = size,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &unmap) ? -errno : 0;
}

/* Attach a mock domain from a child process: the pins are remote ones. */
static int mock_domain_remote(int fd, __u32 ioas_id)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(-mock_domain(fd, ioas_id));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

FIXTURE(ioas)
{
	int fd;
	__u32 ioas_id;
	struct lt_map map;
	long pins;
};

FIXTURE_VARIANT(ioas)
{
	size_t nr_anon;		/* pages of anonymous memory first */
	size_t nr_dax;		/* then pages of a DAX file */
	__u32 flags;
	int error;		/* what pinning fails with, or 0 */
};

FIXTURE_VARIANT_ADD(ioas, anon)
{
	.nr_anon = LT_NR_PAGES,
	.flags = RW,
};

FIXTURE_VARIANT_ADD(ioas, anon_readonly)
{
	.nr_anon = LT_NR_PAGES,
	.flags = IOMMU_IOAS_MAP_READABLE,
};

FIXTURE_VARIANT_ADD(ioas, dax)
{
	.nr_dax = LT_NR_PAGES,
	.flags = RW,
	.error = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(ioas, dax_readonly)
{
	.nr_dax = LT_NR_PAGES,
	.flags = IOMMU_IOAS_MAP_READABLE,
	.error = EOPNOTSUPP,
};

/* The pin comes back short at the DAX vma before it fails. */
FIXTURE_VARIANT_ADD(ioas, anon_then_dax)
{
	.nr_anon = LT_NR_PAGES / 2,
	.nr_dax = LT_NR_PAGES / 2,
	.flags = RW,
	.error = EOPNOTSUPP,
};

FIXTURE_SETUP(ioas)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	const char *why = NULL;

	self->map.mem = NULL;
	self->map.fd = -1;
	self->fd = open("/dev/iommu", O_RDWR);
	if (self->fd < 0)
		SKIP(return, "/dev/iommu: %s (CONFIG_IOMMUFD)", strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &alloc));
	self->ioas_id = alloc.out_ioas_id;
	if (lt_map(&self->map, variant->nr_anon, variant->nr_dax, &why))
		SKIP(return, "%s", why);
	self->pins = lt_pins();
}

FIXTURE_TEARDOWN(ioas)
{
	if (self->fd >= 0)
		close(self->fd);
	lt_unmap(&self->map);
}

/* Domain first: IOMMU_IOAS_MAP pins. */
TEST_F(ioas, map)
{
	int ret;

	ret = mock_domain(self->fd, self->ioas_id);
	if (ret == -ENOTTY)
		SKIP(return, "no mock domain (CONFIG_IOMMUFD_TEST)");
	ASSERT_EQ(0, ret) TH_LOG("mock domain: %s", strerror(-ret));

	ret = do_ioas_map(self->fd, self->ioas_id, self->map.mem,
			  self->map.size, variant->flags);
	EXPECT_EQ(-variant->error, ret)
		TH_LOG("IOMMU_IOAS_MAP: %s", strerror(-ret));
	if (!ret) {
		if (self->pins >= 0)
			EXPECT_EQ(self->pins + (long)variant->nr_anon, lt_pins())
				TH_LOG("the mapping should pin every page");
		EXPECT_EQ(0, do_ioas_unmap(self->fd, self->ioas_id,
					   self->map.size));
	}
	EXPECT_PINS_BALANCED(self->pins);

	close(self->fd);
	self->fd = -1;
	EXPECT_PINS_BALANCED(self->pins);
}

/*
 * Map first, which pins nothing; then attach the mock domain with @attach,
 * which pins every page of the mapping.
 */
static void map_then_attach(struct __test_metadata *_metadata,
			    FIXTURE_DATA(ioas) *self,
			    const FIXTURE_VARIANT(ioas) *variant,
			    int (*attach)(int fd, __u32 ioas_id))
{
	int ret;

	ASSERT_EQ(0, do_ioas_map(self->fd, self->ioas_id, self->map.mem,
				 self->map.size, variant->flags));
	EXPECT_PINS_BALANCED(self->pins);

	ret = attach(self->fd, self->ioas_id);
	if (ret == -ENOTTY)
		SKIP(return, "no mock domain (CONFIG_IOMMUFD_TEST)");
	EXPECT_EQ(-variant->error, ret)
		TH_LOG("mock domain: %s", strerror(-ret));
	if (!ret && self->pins >= 0)
		EXPECT_EQ(self->pins + (long)variant->nr_anon, lt_pins())
			TH_LOG("the domain should pin every page");

	EXPECT_EQ(0, do_ioas_unmap(self->fd, self->ioas_id, self->map.size));
	EXPECT_PINS_BALANCED(self->pins);

	close(self->fd);
	self->fd = -1;
	EXPECT_PINS_BALANCED(self->pins);
}

TEST_F(ioas, attach)
{
	map_then_attach(_metadata, self, variant, mock_domain);
}

/*
 * As attach, but the domain is attached by a child process, in whose
 * context the mapping's memory belongs to another mm: a remote pin.
 */
TEST_F(ioas, attach_remote)
{
	map_then_attach(_metadata, self, variant, mock_domain_remote);
}

int main(int argc, char **argv)
{
	return lt_main(argc, argv);
}
