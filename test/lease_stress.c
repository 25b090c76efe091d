// SPDX-License-Identifier: GPL-2.0
/*
 * Stress revocable long-term pins: usage: DAX_DIR=DIR lease_stress SECONDS
 *
 * Pinner threads pin ranges of a few victim files under leases, with
 * gup_test's device emulation writing PIN_LONGTERM_TEST_DMA_MAGIC into the
 * pinned pages, while layout threads truncate, punch, zero and re-extend the
 * same files.  io_uring pinner threads register ranges of the victims as
 * fixed buffers and read into them, from a file with O_DIRECT and from a
 * pipe that a feeder thread writes to now and then, so that reads are in
 * flight when a layout change revokes the buffer.  A checker thread keeps
 * creating files, writing a pattern and reading it back.  A filler file
 * leaves only a little free space, so the blocks the layout threads free are
 * soon reallocated to checker files: if a pin outlived the blocks it was
 * taken on, the device emulation or a read would write into another file's
 * data (reuse.h).  The emulated device goes on writing for
 * PIN_LONGTERM_TEST_DMA_DRAIN_MS after a revocation.
 *
 * KTAP: no write through a revoked pin reached another file; the FOLL_PIN
 * counters balance at the end; the run pinned, revoked and checked enough
 * to mean something; io_uring's reads completed, or failed with EFAULT
 * once the buffer was revoked, and nothing else (skipped on a kernel whose
 * io_uring takes no lease).  uring_buf tests the revocation itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <liburing.h>

#include "mm/gup_test.h"
#include "pins.h"
#include "reuse.h"
#include "kselftest.h"

#define NR_VICTIMS	4
#define VICTIM_SIZE	(4UL << 20)
#define NR_PINNERS	3
#define NR_LAYOUT	2
#define CHECK_SIZE	(4UL << 20)
#define NR_CHECK_FILES	4
#define FREE_SPACE	(40UL << 20)	/* left after the filler */
#define NR_URING	1
#define URING_READS	4		/* file reads per buffer, two batches */
#define URING_SRC	0xc3		/* what they read: not a checker byte */
#define URING_PIPE	0xa5		/* what the feeder writes */

static const char *dir;
static time_t deadline;
static size_t pagesize;
static int victims[NR_VICTIMS];
static pthread_mutex_t victim_lock[NR_VICTIMS];

static atomic_ulong nr_pins, nr_revocations, nr_dma_rounds, nr_layout_ops;
static atomic_ulong nr_checks, nr_corrupt, nr_errors;
static atomic_ulong nr_uring_bufs, nr_uring_done, nr_uring_efault;
static int uring_src = -1;

static bool running(void)
{
	return time(NULL) < deadline;
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

/* Pin a random range of a random victim under a lease, with "DMA" on it. */
static void *pinner(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	struct pin_longterm_test_status status;
	int gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);

	if (gup_fd < 0) {
		atomic_fetch_add(&nr_errors, 1);
		return NULL;
	}
	while (running()) {
		int v = rnd(&seed, NR_VICTIMS);
		size_t len = (1 + rnd(&seed, 16)) * pagesize;
		size_t off = rnd(&seed, VICTIM_SIZE / pagesize) * pagesize;
		struct pin_longterm_test args = {
			.size = len,
			.flags = PIN_LONGTERM_TEST_FLAG_USE_LONGTERM |
				 PIN_LONGTERM_TEST_FLAG_USE_LEASE |
				 PIN_LONGTERM_TEST_FLAG_USE_WRITE |
				 PIN_LONGTERM_TEST_FLAG_DMA,
		};
		char *mem;

		mem = mmap(NULL, VICTIM_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, victims[v], 0);
		if (mem == MAP_FAILED) {
			atomic_fetch_add(&nr_errors, 1);
			continue;
		}
		if (off + len > VICTIM_SIZE)
			off = VICTIM_SIZE - len;
		args.addr = (uintptr_t)mem + off;
		/* Fails when the range is past EOF just now: that is fine. */
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) > 0) {
			atomic_fetch_add(&nr_pins, 1);
			usleep(rnd(&seed, 20000));
			if (!ioctl(gup_fd, PIN_LONGTERM_TEST_STATUS, &status)) {
				atomic_fetch_add(&nr_revocations,
						 status.revocations);
				atomic_fetch_add(&nr_dma_rounds,
						 status.dma_rounds);
			}
		}
		ioctl(gup_fd, PIN_LONGTERM_TEST_STOP);
		munmap(mem, VICTIM_SIZE);
	}
	close(gup_fd);
	return NULL;
}

struct uring_pinner {
	unsigned int seed;
	int pipe[2];
	atomic_bool done;
};

/* Write a page into the pinner's pipe every now and then, until it is done. */
static void *feeder(void *arg)
{
	static char page[65536];
	struct uring_pinner *u = arg;
	unsigned int seed = u->seed;

	memset(page, URING_PIPE, pagesize);
	while (!atomic_load(&u->done)) {
		int queued = 0;

		/* Only into an empty pipe, so that the next read waits. */
		if (!ioctl(u->pipe[0], FIONREAD, &queued) && !queued &&
		    write(u->pipe[1], page, pagesize) < 0)
			atomic_fetch_add(&nr_errors, 1);
		usleep(rnd(&seed, 20000));
	}
	return NULL;
}

static void uring_read(struct io_uring *ring, int fd, char *buf, off_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_read_fixed(sqe, fd, buf, pagesize, off, 0);
}

/*
 * Register a random range of a random victim as a fixed buffer and read
 * into it: from the pipe, and from uring_src in two batches, some time
 * apart.  Every read completes whole, or fails with EFAULT once a layout
 * change has revoked the buffer.
 */
static void *uring_pinner(void *arg)
{
	struct uring_pinner *u = arg;
	unsigned int seed = u->seed;
	struct io_uring ring;
	int i, ret;

	ret = io_uring_queue_init(2 * URING_READS, &ring, 0);
	if (ret) {
		ksft_print_msg("io_uring_queue_init: %s\n", strerror(-ret));
		atomic_fetch_add(&nr_errors, 1);
		atomic_store(&u->done, true);
		return NULL;
	}
	while (running()) {
		int v = rnd(&seed, NR_VICTIMS);
		size_t len = (1 + rnd(&seed, 16)) * pagesize;
		size_t off = rnd(&seed, VICTIM_SIZE / pagesize) * pagesize;
		struct io_uring_cqe *cqe;
		struct iovec iov;
		char *mem;

		mem = mmap(NULL, VICTIM_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, victims[v], 0);
		if (mem == MAP_FAILED) {
			atomic_fetch_add(&nr_errors, 1);
			continue;
		}
		if (off + len > VICTIM_SIZE)
			off = VICTIM_SIZE - len;
		iov.iov_base = mem + off;
		iov.iov_len = len;
		/* Fails when the range is past EOF just now: that is fine. */
		ret = madvise(iov.iov_base, len, MADV_POPULATE_WRITE) ? -EFAULT :
		      io_uring_register_buffers(&ring, &iov, 1);
		if (ret) {
			if (ret != -EFAULT) {
				ksft_print_msg("io_uring_register_buffers: %s\n",
					       strerror(-ret));
				atomic_fetch_add(&nr_errors, 1);
			}
			munmap(mem, VICTIM_SIZE);
			continue;
		}
		atomic_fetch_add(&nr_uring_bufs, 1);

		uring_read(&ring, u->pipe[0], iov.iov_base, -1);
		for (i = 0; i < URING_READS; i++) {
			if (i == URING_READS / 2) {
				io_uring_submit(&ring);
				usleep(rnd(&seed, 5000));
			}
			uring_read(&ring, uring_src,
				   mem + off + rnd(&seed, len / pagesize) *
				   pagesize, 0);
		}
		io_uring_submit(&ring);
		for (i = 0; i <= URING_READS; i++) {
			if (io_uring_wait_cqe(&ring, &cqe)) {
				atomic_fetch_add(&nr_errors, 1);
				break;
			}
			if (cqe->res == (int)pagesize) {
				atomic_fetch_add(&nr_uring_done, 1);
			} else if (cqe->res == -EFAULT) {
				atomic_fetch_add(&nr_uring_efault, 1);
			} else {
				ksft_print_msg("fixed-buffer read: %d\n",
					       cqe->res);
				atomic_fetch_add(&nr_errors, 1);
			}
			io_uring_cqe_seen(&ring, cqe);
		}
		if (io_uring_unregister_buffers(&ring))
			atomic_fetch_add(&nr_errors, 1);
		munmap(mem, VICTIM_SIZE);
	}
	io_uring_queue_exit(&ring);
	atomic_store(&u->done, true);
	return NULL;
}

/*
 * Whether io_uring pins DAX memory under a lease here: a file on the DAX
 * filesystem registers as a fixed buffer.  Also makes uring_src.
 */
static bool uring_leases(void)
{
	struct io_uring ring;
	struct iovec iov;
	char path[4096];
	bool ok = false;
	int fd;

	snprintf(path, sizeof(path), "%s/uring_src", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || reuse_write(fd, URING_SRC, 16 * pagesize) !=
	    16 * pagesize)
		ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
	uring_src = open(path, O_RDONLY | O_DIRECT);
	if (uring_src < 0)
		ksft_exit_fail_msg("%s: O_DIRECT: %s\n", path, strerror(errno));
	iov.iov_len = 16 * pagesize;
	iov.iov_base = mmap(NULL, iov.iov_len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (iov.iov_base != MAP_FAILED && !io_uring_queue_init(1, &ring, 0)) {
		ok = !io_uring_register_buffers(&ring, &iov, 1);
		/* Waits for the lease to go, unlike the ring's teardown. */
		if (ok)
			io_uring_unregister_buffers(&ring);
		io_uring_queue_exit(&ring);
	}
	if (iov.iov_base != MAP_FAILED)
		munmap(iov.iov_base, iov.iov_len);
	close(fd);
	return ok;
}

/* Change the layout of random victims, then give them their size back. */
static void *layout(void *arg)
{
	unsigned int seed = (unsigned long)arg;

	while (running()) {
		int v = rnd(&seed, NR_VICTIMS);
		off_t off = rnd(&seed, VICTIM_SIZE / pagesize) * pagesize;
		off_t len = (1 + rnd(&seed, 64)) * pagesize;
		int fd = victims[v], ret;

		pthread_mutex_lock(&victim_lock[v]);
		switch (rnd(&seed, 3)) {
		case 0:
			ret = ftruncate(fd, off);
			break;
		case 1:
			ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE |
					FALLOC_FL_KEEP_SIZE, off, len);
			break;
		default:
			ret = fallocate(fd, FALLOC_FL_ZERO_RANGE |
					FALLOC_FL_KEEP_SIZE, off, len);
			break;
		}
		if (!ret)
			ret = fallocate(fd, 0, 0, VICTIM_SIZE);
		pthread_mutex_unlock(&victim_lock[v]);
		if (ret && errno != ENOSPC)
			atomic_fetch_add(&nr_errors, 1);
		atomic_fetch_add(&nr_layout_ops, 1);
		usleep(rnd(&seed, 5000));
	}
	return NULL;
}

/* Files that take the freed blocks: their data must stay theirs. */
static void *checker(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	char path[4096];
	int i = 0;

	while (running()) {
		char c = 'A' + rnd(&seed, 26);
		long changed;
		int fd;

		snprintf(path, sizeof(path), "%s/check.%d", dir,
			 i++ % NR_CHECK_FILES);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0) {
			atomic_fetch_add(&nr_errors, 1);
			break;
		}
		if (reuse_write(fd, c, CHECK_SIZE) != CHECK_SIZE) {
			/* Out of space while the victims are large: retry. */
			close(fd);
			usleep(1000);
			continue;
		}
		usleep(rnd(&seed, 20000));
		changed = reuse_changed(fd, c, CHECK_SIZE);
		if (changed < 0) {
			atomic_fetch_add(&nr_errors, 1);
		} else if (changed) {
			atomic_fetch_add(&nr_corrupt, 1);
			ksft_print_msg("%s: %ld bytes changed\n", path, changed);
		}
		atomic_fetch_add(&nr_checks, 1);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[NR_PINNERS + NR_LAYOUT + 1 + 2 * NR_URING];
	struct uring_pinner uring[NR_URING];
	bool with_uring;
	struct pin_longterm_test probe = {
		.flags = PIN_LONGTERM_TEST_FLAG_USE_LONGTERM |
			 PIN_LONGTERM_TEST_FLAG_USE_LEASE,
	};
	int i, n = 0, gup_fd, seconds, filler;
	char path[4096];
	long before;

	ksft_print_header();
	dir = getenv("DAX_DIR");
	if (argc != 2 || !dir)
		ksft_exit_fail_msg("usage: DAX_DIR=DIR %s SECONDS\n", argv[0]);
	seconds = atoi(argv[1]);
	pagesize = getpagesize();

	gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup_fd < 0)
		ksft_exit_skip("gup_test not available\n");
	probe.addr = (uintptr_t)&probe;
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &probe))
		ksft_exit_skip("leased pins not supported by this kernel\n");
	ioctl(gup_fd, PIN_LONGTERM_TEST_STOP);
	close(gup_fd);

	ksft_set_plan(4);
	with_uring = uring_leases();
	if (!with_uring)
		ksft_print_msg("io_uring takes no lease here: no io_uring pinners\n");
	for (i = 0; i < NR_VICTIMS; i++) {
		snprintf(path, sizeof(path), "%s/victim.%d", dir, i);
		victims[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (victims[i] < 0 || fallocate(victims[i], 0, 0, VICTIM_SIZE))
			ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
		pthread_mutex_init(&victim_lock[i], NULL);
	}
	filler = reuse_fill(dir, FREE_SPACE);
	if (filler < 0)
		ksft_exit_fail_msg("cannot fill %s: %s\n", dir, strerror(errno));
	before = lt_pins();

	deadline = time(NULL) + seconds;
	for (i = 0; i < NR_PINNERS; i++)
		pthread_create(&threads[n++], NULL, pinner, (void *)(long)i);
	for (i = 0; i < NR_LAYOUT; i++)
		pthread_create(&threads[n++], NULL, layout,
			       (void *)(long)(100 + i));
	pthread_create(&threads[n++], NULL, checker, (void *)200L);
	for (i = 0; with_uring && i < NR_URING; i++) {
		uring[i].seed = 300 + i;
		atomic_init(&uring[i].done, false);
		/* The reads wait for data; the feeder must not. */
		if (pipe(uring[i].pipe) ||
		    fcntl(uring[i].pipe[1], F_SETFL, O_NONBLOCK))
			ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
		pthread_create(&threads[n++], NULL, uring_pinner, &uring[i]);
		pthread_create(&threads[n++], NULL, feeder, &uring[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);

	ksft_print_msg("%lu leased pins, %lu revoked, %lu device passes, %lu layout changes, %lu files checked, %lu errors\n",
		       nr_pins, nr_revocations, nr_dma_rounds, nr_layout_ops,
		       nr_checks, nr_errors);
	ksft_test_result(nr_corrupt == 0,
			 "no write through a revoked pin reached another file\n");
	ksft_test_result(lt_pins_settle(before) == before,
			 "FOLL_PIN counters balance\n");
	ksft_test_result(nr_pins > 10 && nr_revocations > 0 && nr_checks > 10 &&
			 !nr_errors,
			 "pinned, revoked and checked without errors\n");
	if (with_uring) {
		ksft_print_msg("io_uring: %lu leased buffers, %lu reads completed, %lu failed with EFAULT after a revocation\n",
			       nr_uring_bufs, nr_uring_done, nr_uring_efault);
		ksft_test_result(nr_uring_bufs > 0 && nr_uring_done > 0 &&
				 !nr_errors,
				 "io_uring reads completed or failed with EFAULT, without other errors\n");
	} else {
		ksft_test_result_skip("io_uring takes no lease\n");
	}

	for (i = 0; i < NR_VICTIMS; i++) {
		close(victims[i]);
		snprintf(path, sizeof(path), "%s/victim.%d", dir, i);
		unlink(path);
	}
	for (i = 0; i < NR_CHECK_FILES; i++) {
		snprintf(path, sizeof(path), "%s/check.%d", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/uring_src", dir);
	unlink(path);
	close(filler);
	ksft_finished();
}
