/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Blocks freed under a pin, given to another file: shared by the tests that
 * check that nothing writes through a pin into blocks the filesystem has
 * freed (lease_stress, uring_buf).  A filler file leaves little free space,
 * so that the next file allocated takes the freed blocks; the filesystem is
 * synced first, so that freed extents are reusable at once rather than after
 * the next journal commit.  The file is written with one byte value and read
 * back: any other byte was written by someone else.
 */
#ifndef REUSE_H
#define REUSE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>

/*
 * Leave about @leave bytes free on the filesystem of @dir, root's reserve
 * included: allocate until ENOSPC, then punch @leave bytes out.  The filler
 * is unlinked, so its space comes back when its fd is closed, or when the
 * process dies.  Returns the fd, or -1.
 */
static inline int reuse_fill(const char *dir, off_t leave)
{
	off_t size = 0, chunk = 1LL << 40;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/filler.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	/* Not FALLOC_FL_KEEP_SIZE: ext4 punches no hole past EOF. */
	for (; chunk >= 1 << 20; chunk /= 2)
		while (!fallocate(fd, 0, size, chunk))
			size += chunk;
	if (size < leave ||
	    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      size - leave, leave) || syncfs(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Write @c over [0, @size) of @fd, a file just created or truncated, after a
 * syncfs(): how many bytes it took before the filesystem ran out of space.
 */
static inline size_t reuse_write(int fd, char c, size_t size)
{
	char buf[65536];
	size_t done = 0;
	ssize_t n;

	syncfs(fd);
	memset(buf, c, sizeof(buf));
	while (done < size) {
		n = pwrite(fd, buf, size - done < sizeof(buf) ?
			   size - done : sizeof(buf), done);
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

/* How many of the first @size bytes of @fd are not @c, or -1. */
static inline long reuse_changed(int fd, char c, size_t size)
{
	char buf[65536];
	size_t done = 0;
	long changed = 0;
	ssize_t n, i;

	while (done < size) {
		n = pread(fd, buf, size - done < sizeof(buf) ?
			  size - done : sizeof(buf), done);
		if (n <= 0)
			return -1;
		for (i = 0; i < n; i++)
			changed += buf[i] != c;
		done += n;
	}
	return changed;
}

#endif /* REUSE_H */
