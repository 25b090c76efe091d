// SPDX-License-Identifier: GPL-2.0
/*
 * The test environment is what it claims to be: $DAX_DIR is a directory of
 * the filesystem $DAX_FS (ext4 or xfs) on an fsdax pmem device, set by the
 * guest for each entry NAME@FS of test/suite; files created there are DAX
 * (STATX_ATTR_DAX), their mappings are backed by the nvdimm's memory, and
 * the kernel treats them as filesystem-DAX (FOLL_LONGTERM is refused).
 * None of this depends on the series: it must pass on the base kernel too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include "mm/gup_test.h"
#include "kselftest_harness.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

#define NR_PAGES 8

FIXTURE(dax)
{
	int fd;
	size_t size;
	char *mem;
};

FIXTURE_SETUP(dax)
{
	const char *dir = getenv("DAX_DIR");
	char path[PATH_MAX];

	self->fd = -1;
	self->mem = MAP_FAILED;
	ASSERT_NE(NULL, dir) TH_LOG("DAX_DIR is not set");
	self->size = NR_PAGES * getpagesize();
	snprintf(path, sizeof(path), "%s/dax_env.XXXXXX", dir);
	self->fd = mkstemp(path);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", path, strerror(errno));
	unlink(path);
	ASSERT_EQ(0, fallocate(self->fd, 0, 0, self->size));
	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0x5a, self->size);
}

FIXTURE_TEARDOWN(dax)
{
	if (self->mem != MAP_FAILED)
		munmap(self->mem, self->size);
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dax, filesystem)
{
	const char *fs = getenv("DAX_FS");
	struct statfs sfs;
	long magic;

	ASSERT_NE(NULL, fs) TH_LOG("DAX_FS is not set");
	if (!strcmp(fs, "ext4"))
		magic = EXT4_SUPER_MAGIC;
	else if (!strcmp(fs, "xfs"))
		magic = XFS_SUPER_MAGIC;
	else
		SKIP(return, "no magic number known for %s", fs);
	ASSERT_EQ(0, fstatfs(self->fd, &sfs));
	ASSERT_EQ(magic, sfs.f_type);
}

/* The block device under the mount is a DAX-capable pmem device. */
TEST_F(dax, pmem_device)
{
	char path[PATH_MAX], line[128], name[64] = "";
	struct stat st;
	FILE *f;
	int dax = 0;

	ASSERT_EQ(0, fstat(self->fd, &st));
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "DEVNAME=%63s", name);
	fclose(f);
	ASSERT_EQ(0, strncmp(name, "pmem", 4)) TH_LOG("device is '%s'", name);

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/dax",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%d", &dax));
	fclose(f);
	ASSERT_EQ(1, dax);
}

TEST_F(dax, statx_attr_dax)
{
	struct statx stx;

	ASSERT_EQ(0, statx(self->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS,
			   &stx));
	ASSERT_TRUE(stx.stx_attributes_mask & STATX_ATTR_DAX);
	ASSERT_TRUE(stx.stx_attributes & STATX_ATTR_DAX);
}

/* Every mapped page's frame lies in a "Persistent Memory" range. */
TEST_F(dax, mapped_from_pmem)
{
	unsigned long long lo[16], hi[16], a, b;
	long page = getpagesize();
	int pagemap, nr = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/iomem", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f) && nr < 16)
		if (strstr(line, ": Persistent Memory") &&
		    sscanf(line, " %llx-%llx", &a, &b) == 2) {
			lo[nr] = a;
			hi[nr++] = b;
		}
	fclose(f);
	ASSERT_LT(0, nr) TH_LOG("no Persistent Memory in /proc/iomem");

	pagemap = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, pagemap);
	for (int i = 0; i < NR_PAGES; i++) {
		uint64_t ent, phys;
		bool in_pmem = false;

		ASSERT_EQ(sizeof(ent),
			  pread(pagemap, &ent, sizeof(ent),
				((uintptr_t)self->mem / page + i) * sizeof(ent)));
		ASSERT_TRUE(ent & (1ULL << 63)) TH_LOG("page %d not present", i);
		phys = (ent & ((1ULL << 55) - 1)) * page;
		ASSERT_NE(0, phys) TH_LOG("pagemap hides PFNs: not root?");
		for (int r = 0; r < nr; r++)
			in_pmem |= phys >= lo[r] && phys <= hi[r];
		EXPECT_TRUE(in_pmem) TH_LOG("page %d at %#llx is not pmem", i,
					    (unsigned long long)phys);
	}
	close(pagemap);
}

/* The kernel sees a filesystem-DAX vma: FOLL_LONGTERM is refused. */
TEST_F(dax, longterm_pin_refused)
{
#ifndef PIN_LONGTERM_TEST_START
	SKIP(return, "gup_test has no PIN_LONGTERM_TEST before 6.4");
#else
	struct pin_longterm_test args = {
		.addr = (uintptr_t)self->mem,
		.size = self->size,
	};
	int gup_fd;

	gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	ASSERT_LE(0, gup_fd) TH_LOG("gup_test: %s", strerror(errno));
	ASSERT_EQ(-1, ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args));
	ASSERT_EQ(EOPNOTSUPP, errno);
	close(gup_fd);
#endif
}

TEST_HARNESS_MAIN
