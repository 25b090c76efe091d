// SPDX-License-Identifier: GPL-2.0
/*
 * The blocks of a DAX file must not change owner while a mapping of them
 * stays.  On a mount with -o dax=inode one file can be DAX and another
 * not, and two ioctls exchange their blocks: EXT4_IOC_MOVE_EXT (ext4) and
 * XFS_IOC_EXCHANGE_RANGE (xfs).  Either the filesystem refuses, or it
 * unmaps the DAX file first, so that its mapping faults the blocks the
 * file has now.  A mapping that still shows the old blocks reads and
 * writes the other file's data, and, once that file frees them, whoever
 * gets the blocks next.
 *
 * On xfs the unpatched exchange leaves no stale mapping here (the flush
 * before it unmaps the range), but truncates DAX entries that nothing
 * broke: the kernel warns, and that warning is what fails this test there
 * (a splat while a test runs is its result).
 *
 * Usage: DAX_DIR=<a mount with -o dax=inode> dax_inode_remap
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "kselftest_harness.h"

/* From <linux/ext4.h>, which 6.1's uapi lacks. */
struct move_extent {
	__u32 reserved;
	__u32 donor_fd;
	__u64 orig_start;
	__u64 donor_start;
	__u64 len;
	__u64 moved_len;
};
#define EXT4_IOC_MOVE_EXT	_IOWR('f', 15, struct move_extent)

/* From fs/xfs/libxfs/xfs_fs.h (xfslibs-dev). */
struct xfs_exchange_range {
	__s32 file1_fd;
	__u32 pad;
	__u64 file1_offset;
	__u64 file2_offset;
	__u64 length;
	__u64 flags;
};
#define XFS_IOC_EXCHANGE_RANGE	_IOW('X', 129, struct xfs_exchange_range)

#define NR_PAGES	16

static bool is_dax(int fd)
{
	struct statx stx;

	return !statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) &&
	       (stx.stx_attributes_mask & STATX_ATTR_DAX) &&
	       (stx.stx_attributes & STATX_ATTR_DAX);
}

/* Set or clear FS_XFLAG_DAX on @path, which new files in it inherit. */
static int set_dax_flag(const char *path, bool on)
{
	struct fsxattr fsx;
	int fd, ret;

	fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, FS_IOC_FSGETXATTR, &fsx);
	if (!ret) {
		if (on)
			fsx.fsx_xflags |= FS_XFLAG_DAX;
		else
			fsx.fsx_xflags &= ~FS_XFLAG_DAX;
		ret = ioctl(fd, FS_IOC_FSSETXATTR, &fsx);
	}
	close(fd);
	return ret;
}

/* A new file of NR_PAGES pages of @c in @dir, synced. */
static int new_file(const char *dir, const char *name, char c, size_t size)
{
	char path[4096], *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	buf = malloc(size);
	if (!buf) {
		close(fd);
		return -1;
	}
	memset(buf, c, size);
	if (pwrite(fd, buf, size, 0) != (ssize_t)size || fsync(fd)) {
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	return fd;
}

FIXTURE(remap)
{
	char dax_dir[4096], plain_dir[4096];
	size_t size;
	int dax, plain;
	long fs;
	char *mem;
};

FIXTURE_SETUP(remap)
{
	const char *dir = getenv("DAX_DIR");
	struct statfs sfs;

	self->dax = self->plain = -1;
	self->mem = MAP_FAILED;
	self->size = NR_PAGES * getpagesize();
	if (!dir)
		SKIP(return, "DAX_DIR not set");
	ASSERT_EQ(0, statfs(dir, &sfs));
	self->fs = sfs.f_type;
	if (self->fs != EXT4_SUPER_MAGIC && self->fs != XFS_SUPER_MAGIC)
		SKIP(return, "%s is neither ext4 nor xfs", dir);
	snprintf(self->dax_dir, sizeof(self->dax_dir), "%s/remap-dax", dir);
	snprintf(self->plain_dir, sizeof(self->plain_dir), "%s/remap-plain", dir);
	mkdir(self->dax_dir, 0700);
	mkdir(self->plain_dir, 0700);
	ASSERT_EQ(0, set_dax_flag(self->dax_dir, true));
	ASSERT_EQ(0, set_dax_flag(self->plain_dir, false));

	self->dax = new_file(self->dax_dir, "a", 'A', self->size);
	ASSERT_LE(0, self->dax);
	self->plain = new_file(self->plain_dir, "b", 'B', self->size);
	ASSERT_LE(0, self->plain);
	if (!is_dax(self->dax) || is_dax(self->plain))
		SKIP(return, "%s is not mounted with -o dax=inode", dir);

	self->mem = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->dax, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	ASSERT_EQ('A', self->mem[0]);	/* fault the DAX blocks in */
}

FIXTURE_TEARDOWN(remap)
{
	if (self->mem != MAP_FAILED)
		munmap(self->mem, self->size);
	if (self->dax >= 0)
		close(self->dax);
	if (self->plain >= 0)
		close(self->plain);
}

/*
 * Exchange the blocks of the DAX file and of the non-DAX file: 0 if done,
 * else the errno.
 */
static int exchange(FIXTURE_DATA(remap) *self, __u64 *moved)
{
	if (self->fs == EXT4_SUPER_MAGIC) {
		/* The non-DAX file takes the blocks of the DAX donor. */
		struct move_extent me = { .donor_fd = self->dax };
		struct stat st;

		if (fstat(self->plain, &st))
			return errno;
		me.len = self->size / st.st_blksize;
		if (ioctl(self->plain, EXT4_IOC_MOVE_EXT, &me))
			return errno;
		*moved = me.moved_len;
		return 0;
	} else {
		struct xfs_exchange_range xr = {
			.file1_fd = self->plain,
			.length = self->size,
		};

		return ioctl(self->dax, XFS_IOC_EXCHANGE_RANGE, &xr) ? errno : 0;
	}
}

TEST_F(remap, dax_with_non_dax)
{
	__u64 moved = ~0ULL;
	char page[4096];
	int err;

	err = exchange(self, &moved);
	if (err == ENOTTY)
		SKIP(return, "no such ioctl on this kernel");
	if (err == EOPNOTSUPP && self->fs != EXT4_SUPER_MAGIC)
		SKIP(return, "this xfs has no exchange-range");
	if (err) {
		/* ext4 refuses a DAX donor; nothing moved, nothing changed. */
		ASSERT_EQ(EOPNOTSUPP, err)
			TH_LOG("unexpected error %s", strerror(err));
		ASSERT_EQ((ssize_t)sizeof(page),
			  pread(self->dax, page, sizeof(page), 0));
		ASSERT_EQ('A', page[0]);
		ASSERT_EQ('A', self->mem[0]);
		TH_LOG("refused: %s", strerror(err));
		return;
	}
	if (self->fs == EXT4_SUPER_MAGIC)
		ASSERT_NE(0ULL, moved);
	/* The DAX file has the other file's data now, in its blocks. */
	ASSERT_EQ((ssize_t)sizeof(page), pread(self->dax, page, sizeof(page), 0));
	ASSERT_EQ('B', page[0]);
	EXPECT_EQ(page[0], self->mem[0])
		TH_LOG("the DAX mapping still shows the blocks the file gave away");

	/* A write through the mapping must reach the DAX file only. */
	self->mem[0] = 'X';
	ASSERT_EQ(0, msync(self->mem, self->size, MS_SYNC));
	ASSERT_EQ((ssize_t)sizeof(page), pread(self->dax, page, sizeof(page), 0));
	EXPECT_EQ('X', page[0])
		TH_LOG("a write through the DAX mapping missed the DAX file");
	ASSERT_EQ(0, posix_fadvise(self->plain, 0, 0, POSIX_FADV_DONTNEED));
	ASSERT_EQ((ssize_t)sizeof(page), pread(self->plain, page, sizeof(page), 0));
	EXPECT_EQ('A', page[0])
		TH_LOG("a write through the DAX mapping landed in the other file");
}

TEST_HARNESS_MAIN
