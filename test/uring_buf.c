// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring registered buffers and provided buffer rings (io_pin_pages()) in
 * filesystem-DAX memory: usage: DAX_DIR=DIR uring_buf [harness options].
 *
 * io_uring pins a registered buffer long-term, until it is unregistered,
 * and the memory of a provided buffer ring until the ring is.  A buffer
 * that includes filesystem-DAX memory (fixture uring, variants dax and
 * anon_then_dax; fixture lease) is pinned under a lease, and revoked before
 * the file is truncated under it or when the range is unmapped: from then
 * on, requests that use the buffer fail with EFAULT; requests already in
 * flight finish with its pages, which are unpinned after the last of them,
 * and the truncate waits for that.  The buffer can be registered again.  A
 * buffer ring placed in DAX memory stays refused with EOPNOTSUPP: the
 * kernel could not go on without it.  Anonymous memory registers as it
 * always did.  No FOLL_PIN pin is left behind, and the memory charged to the
 * process (VmPin) comes back.
 *
 * On a kernel without the lease, DAX registrations fail with EOPNOTSUPP (or,
 * for anon_then_dax, EFAULT), and so do the lease tests.  Without io_uring,
 * the cases are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <liburing.h>

#include "kselftest_harness.h"
#include "longterm_user.h"
#include "reuse.h"

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
};

FIXTURE_VARIANT_ADD(uring, anon)
{
	.nr_anon = LT_NR_PAGES,
};

FIXTURE_VARIANT_ADD(uring, dax)
{
	.nr_dax = LT_NR_PAGES,
};

/* Only the DAX part is leased. */
FIXTURE_VARIANT_ADD(uring, anon_then_dax)
{
	.nr_anon = LT_NR_PAGES / 2,
	.nr_dax = LT_NR_PAGES / 2,
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
	EXPECT_EQ(0, ret)
		TH_LOG("io_uring_register_buffers: %s", strerror(-ret));
	if (!ret) {
		if (self->pins >= 0)
			EXPECT_EQ(self->pins + (long)(variant->nr_anon +
						      variant->nr_dax),
				  lt_pins())
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

/*
 * Fixture lease: a registered buffer of LEASE_PAGES of a DAX file, the whole
 * buffer, with io_uring's memory accounting on (no CAP_IPC_LOCK).
 */
#define LEASE_PAGES	64
#define IN_FLIGHT_PAGE	10		/* where the in-flight read goes */
#define SLACK		(256 << 10)	/* free space the filler leaves */

/* IORING_REGISTER_CLONE_BUFFERS, which the build's liburing (2.3) lacks. */
#define REGISTER_CLONE_BUFFERS	30
struct clone_buffers {
	__u32	src_fd;
	__u32	flags;
	__u32	src_off;
	__u32	dst_off;
	__u32	nr;
	__u32	pad[3];
};

/* The memory io_uring charges to the process for buffers, in KiB. */
static long vm_pin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* io_uring charges nothing to a process with CAP_IPC_LOCK. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data);
}

/* Submit a fixed-buffer read or write; 0 or a negative errno. */
static int submit_fixed(struct io_uring *ring, bool write, int fd,
			void *buf, unsigned int len, off_t off, __u64 data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	int ret;

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_write_fixed(sqe, fd, buf, len, off, 0);
	else
		io_uring_prep_read_fixed(sqe, fd, buf, len, off, 0);
	sqe->user_data = data;
	ret = io_uring_submit(ring);
	return ret == 1 ? 0 : ret < 0 ? ret : -EIO;
}

/* Wait for the completion of request @data: its result. */
static int wait_for(struct io_uring *ring, __u64 data)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->user_data == data ? cqe->res : -EPROTO;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* A fixed-buffer read or write, waited for: its result. */
static int rw_fixed(struct io_uring *ring, bool write, int fd, void *buf,
		    unsigned int len, off_t off)
{
	int ret = submit_fixed(ring, write, fd, buf, len, off, 1);

	return ret ?: wait_for(ring, 1);
}

/* A new unlinked file in the DAX directory, @size bytes of @c; O_DIRECT. */
static int direct_file(char c, size_t size)
{
	char path[PATH_MAX];
	int fd, dfd;

	snprintf(path, sizeof(path), "%s/uring_file.XXXXXX", dax_dir);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (size && reuse_write(fd, c, size) != size) {
		close(fd);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dfd = open(path, O_RDWR | O_DIRECT);
	close(fd);
	return dfd;
}

/* Truncate @fd to 0 in a child process, which exits with the errno. */
static pid_t truncate_in_child(int fd)
{
	pid_t pid = fork();

	if (!pid)
		_exit(ftruncate(fd, 0) ? errno : 0);
	return pid;
}

/*
 * Wait up to @ms for @pid: its exit status, or -1 if it is still running;
 * then, with @kill_late, it is killed and reaped.
 */
static int wait_child(pid_t pid, int ms, bool kill_late)
{
	int status;

	if (pid <= 0)
		return -2;
	for (; ms >= 0; ms -= 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(10000);
	}
	if (kill_late) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

FIXTURE(lease)
{
	struct io_uring ring;
	bool have_ring;
	struct lt_map map;
	struct iovec iov;
	long pins;
	long vmpin;
	int check_fd;
	int filler;
};

FIXTURE_SETUP(lease)
{
	const char *why = NULL;
	int ret;

	self->have_ring = false;
	self->map.mem = NULL;
	self->map.fd = -1;
	self->check_fd = -1;
	self->filler = -1;
	ASSERT_EQ(0, drop_ipc_lock()) TH_LOG("capset: %s", strerror(errno));
	ret = io_uring_queue_init(8, &self->ring, 0);
	if (ret == -ENOSYS)
		SKIP(return, "no io_uring (CONFIG_IO_URING)");
	if (ret == -EPERM)
		SKIP(return, "io_uring is disabled (kernel.io_uring_disabled)");
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	self->have_ring = true;
	if (!dax_dir)
		SKIP(return, "no DAX directory: DAX_DIR is not set");
	ASSERT_EQ(0, lt_map(&self->map, 0, LEASE_PAGES, &why))
		TH_LOG("%s", why);
	self->pins = lt_pins();
	self->vmpin = vm_pin_kb();
	self->iov.iov_base = self->map.mem;
	self->iov.iov_len = self->map.size;
	ret = io_uring_register_buffers(&self->ring, &self->iov, 1);
	ASSERT_EQ(0, ret)
		TH_LOG("registering a buffer of DAX memory: %s", strerror(-ret));
	EXPECT_EQ(self->vmpin + (long)(self->map.size >> 10), vm_pin_kb())
		TH_LOG("the buffer should be charged to VmPin");
}

FIXTURE_TEARDOWN(lease)
{
	if (self->have_ring)
		io_uring_queue_exit(&self->ring);
	lt_unmap(&self->map);
	if (self->check_fd >= 0)
		close(self->check_fd);
	if (self->filler >= 0)
		close(self->filler);
}

/* O_DIRECT reads into the DAX buffer and writes out of it, from other files. */
TEST_F(lease, direct_io)
{
	size_t size = self->map.size;
	int src = direct_file('S', size), dst = direct_file(0, 0);

	ASSERT_LE(0, src);
	ASSERT_LE(0, dst);
	EXPECT_EQ((int)size, rw_fixed(&self->ring, false, src, self->map.mem,
				      size, 0));
	EXPECT_EQ(0, reuse_changed(self->map.fd, 'S', size))
		TH_LOG("the read should land in the DAX file");

	memset(self->map.mem, 'W', size);
	EXPECT_EQ((int)size, rw_fixed(&self->ring, true, dst, self->map.mem,
				      size, 0));
	EXPECT_EQ(0, reuse_changed(dst, 'W', size))
		TH_LOG("the write should come from the DAX file");
	if (self->pins >= 0)
		EXPECT_EQ(self->pins + LEASE_PAGES, lt_pins());

	EXPECT_EQ(0, io_uring_unregister_buffers(&self->ring));
	EXPECT_PINS_BALANCED(self->pins);
	EXPECT_EQ(self->vmpin, vm_pin_kb());
	close(src);
	close(dst);
}

/*
 * A read from an empty pipe is in flight into the buffer while the file is
 * truncated: the truncate revokes the lease and waits; a new request fails
 * with EFAULT; the read completes into the DAX file once the pipe has data,
 * its pages are unpinned and the truncate completes.  The freed blocks go to
 * a new file, which nothing writes into, and the buffer registers again.
 */
TEST_F_TIMEOUT(lease, truncate_in_flight, 120)
{
	char *target = self->map.mem + IN_FLIGHT_PAGE * lt_page;
	size_t size = self->map.size, taken = 0;
	int p[2], src, ret, i;
	bool early;
	char *data;
	pid_t child;

	src = direct_file('S', size);
	ASSERT_LE(0, src);
	ASSERT_EQ(0, pipe(p));
	data = malloc(lt_page);
	ASSERT_NE(NULL, data);
	memset(data, 'P', lt_page);
	self->filler = reuse_fill(dax_dir, SLACK);
	ASSERT_LE(0, self->filler);

	ASSERT_EQ(0, submit_fixed(&self->ring, false, p[0], target, lt_page,
				  -1, 2));
	child = truncate_in_child(self->map.fd);
	ASSERT_LT(0, child);

	/* Requests fail once the truncate has revoked the buffer. */
	for (i = 0; i < 1000; i++) {
		ret = rw_fixed(&self->ring, false, src, self->map.mem, lt_page,
			       0);
		if (ret != (int)lt_page)
			break;
		usleep(10000);
	}
	EXPECT_EQ(-EFAULT, ret)
		TH_LOG("a request after the revocation should fail");
	/* The read in flight keeps every page pinned, and the truncate waits. */
	if (self->pins >= 0)
		EXPECT_EQ(self->pins + LEASE_PAGES, lt_pins())
			TH_LOG("the pages should stay pinned for the request in flight");
	usleep(200000);
	early = wait_child(child, 0, false) >= 0;
	EXPECT_FALSE(early)
		TH_LOG("the truncate should wait for the request in flight");

	self->check_fd = direct_file(0, 0);
	ASSERT_LE(0, self->check_fd);
	/* With the truncate done already, the read writes into freed blocks. */
	if (early)
		taken = reuse_write(self->check_fd, 'C', size + SLACK + size);
	ASSERT_EQ((ssize_t)lt_page, write(p[1], data, lt_page));
	EXPECT_EQ((int)lt_page, wait_for(&self->ring, 2))
		TH_LOG("the request in flight should complete");
	if (!early) {
		EXPECT_EQ(0, wait_child(child, 10000, true))
			TH_LOG("the truncate should end with the request");
		taken = reuse_write(self->check_fd, 'C', size + SLACK + size);
	}
	EXPECT_LE(size, taken) TH_LOG("the new file should take the blocks");
	EXPECT_EQ(0, reuse_changed(self->check_fd, 'C', taken))
		TH_LOG("the blocks freed by the truncate were written to");
	EXPECT_PINS_BALANCED(self->pins);
	EXPECT_EQ(self->vmpin + (long)(size >> 10), vm_pin_kb())
		TH_LOG("a revoked buffer stays charged until unregistered");

	/* Registered again over the re-extended file, the buffer works. */
	close(self->check_fd);
	self->check_fd = -1;
	close(self->filler);
	self->filler = -1;
	ASSERT_EQ(0, fallocate(self->map.fd, 0, 0, size));
	memset(self->map.mem, 0, size);
	ret = io_uring_register_buffers_update_tag(&self->ring, 0, &self->iov,
						   NULL, 1);
	EXPECT_EQ(1, ret) TH_LOG("registering again: %s", strerror(-ret));
	EXPECT_EQ((int)size, rw_fixed(&self->ring, false, src, self->map.mem,
				      size, 0));
	EXPECT_EQ(0, reuse_changed(self->map.fd, 'S', size));
	EXPECT_EQ(self->vmpin + (long)(size >> 10), vm_pin_kb());
	EXPECT_EQ(0, io_uring_unregister_buffers(&self->ring));
	EXPECT_PINS_BALANCED(self->pins);
	EXPECT_EQ(self->vmpin, vm_pin_kb());
	close(src);
	close(p[0]);
	close(p[1]);
	free(data);
}

/* The block device under the DAX directory, opened for O_DIRECT reads. */
static int dax_bdev(void)
{
	char path[PATH_MAX], line[256], name[64] = "";
	struct stat st;
	FILE *f;

	if (stat(dax_dir, &st))
		return -1;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent",
		 major(st.st_dev), minor(st.st_dev));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "DEVNAME=%63s", name) == 1)
			break;
	if (f)
		fclose(f);
	if (!*name)
		return -1;
	snprintf(path, sizeof(path), "/dev/%s", name);
	return open(path, O_RDONLY | O_DIRECT);
}

/*
 * A read whose I/O is over lets go of the pages before the ring's task has
 * reaped it: on a ring that completes requests only when its task enters it
 * (DEFER_TASKRUN), an O_DIRECT read from the block device under the DAX
 * filesystem has completed, unreaped, when the file is truncated; the
 * truncate does not wait for the task.
 */
TEST_F_TIMEOUT(lease, completion_before_reaping, 60)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int bdev = dax_bdev(), ret;

	ASSERT_LE(0, bdev) TH_LOG("the DAX directory's block device");
	ret = io_uring_queue_init(8, &ring, IORING_SETUP_SINGLE_ISSUER |
				  IORING_SETUP_DEFER_TASKRUN);
	ASSERT_EQ(0, ret) TH_LOG("DEFER_TASKRUN ring: %s", strerror(-ret));
	ASSERT_EQ(0, io_uring_register_buffers(&ring, &self->iov, 1));
	io_uring_prep_read_fixed(io_uring_get_sqe(&ring), bdev, self->map.mem,
				 lt_page, 0, 0);
	/* Without IORING_ENTER_GETEVENTS: the completion waits for the task. */
	ASSERT_EQ(1, io_uring_submit(&ring));
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&ring, &cqe));

	EXPECT_EQ(0, wait_child(truncate_in_child(self->map.fd), 10000, true))
		TH_LOG("the truncate should not wait for the ring's task");
	EXPECT_PINS_BALANCED(self->pins);

	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_EQ((int)lt_page, cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	EXPECT_EQ(0, io_uring_unregister_buffers(&ring));
	io_uring_queue_exit(&ring);
	close(bdev);
}

/* The lease follows the mapping: munmap() revokes it. */
TEST_F(lease, munmap_revokes)
{
	int src = direct_file('S', lt_page);

	ASSERT_LE(0, src);
	munmap(self->map.mem, self->map.size);
	self->map.mem = NULL;
	EXPECT_PINS_BALANCED(self->pins);
	EXPECT_EQ(-EFAULT, rw_fixed(&self->ring, false, src, self->iov.iov_base,
				    lt_page, 0));
	EXPECT_EQ(0, io_uring_unregister_buffers(&self->ring));
	EXPECT_EQ(self->vmpin, vm_pin_kb());
	close(src);
}

/*
 * I/O between the DAX file and a buffer leased over it is refused: it could
 * wait for the file's locks while a truncate holds them and waits for it.
 */
TEST_F(lease, same_file_refused)
{
	EXPECT_EQ(-EDEADLK, rw_fixed(&self->ring, false, self->map.fd,
				     self->map.mem, lt_page, 0));
	EXPECT_EQ(-EDEADLK, rw_fixed(&self->ring, true, self->map.fd,
				     self->map.mem, lt_page, 0));
	EXPECT_EQ(0, io_uring_unregister_buffers(&self->ring));
	EXPECT_PINS_BALANCED(self->pins);
}

/*
 * A buffer cloned into another ring is one buffer: the truncate revokes it
 * in both, and it is charged once, until both rings have let it go.
 */
TEST_F(lease, clone)
{
	struct clone_buffers arg = { .src_fd = self->ring.ring_fd };
	long charged = self->vmpin + (long)(self->map.size >> 10);
	struct io_uring other;
	int src = direct_file('S', lt_page), ret;

	ASSERT_LE(0, src);
	ASSERT_EQ(0, io_uring_queue_init(8, &other, 0));
	ret = syscall(__NR_io_uring_register, other.ring_fd,
		      REGISTER_CLONE_BUFFERS, &arg, 1);
	ASSERT_EQ(0, ret) TH_LOG("cloning: %s", strerror(errno));
	EXPECT_EQ(charged, vm_pin_kb());
	EXPECT_EQ((int)lt_page, rw_fixed(&other, false, src, self->map.mem,
					 lt_page, 0));

	EXPECT_EQ(0, wait_child(truncate_in_child(self->map.fd), 10000, true));
	EXPECT_PINS_BALANCED(self->pins);
	EXPECT_EQ(-EFAULT, rw_fixed(&other, false, src, self->map.mem,
				    lt_page, 0));
	EXPECT_EQ(-EFAULT, rw_fixed(&self->ring, false, src, self->map.mem,
				    lt_page, 0));
	EXPECT_EQ(0, io_uring_unregister_buffers(&self->ring));
	EXPECT_EQ(charged, vm_pin_kb());
	EXPECT_EQ(0, io_uring_unregister_buffers(&other));
	EXPECT_EQ(self->vmpin, vm_pin_kb());
	io_uring_queue_exit(&other);
	close(src);
}

int main(int argc, char **argv)
{
	return lt_main(argc, argv);
}
