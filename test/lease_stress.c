// SPDX-License-Identifier: GPL-2.0
/*
 * Stress revocable long-term pins: usage: DAX_DIR=DIR lease_stress SECONDS
 *
 * Pinner threads pin ranges of a few victim files under leases, with
 * gup_test's device emulation writing PIN_LONGTERM_TEST_DMA_MAGIC into the
 * pinned pages, while layout threads truncate, punch, zero and re-extend the
 * same files.  A checker thread keeps creating files, writing a pattern and
 * reading it back.  A filler file leaves only a little free space, so the
 * blocks the layout threads free are soon reallocated to checker files: if
 * a pin outlived the blocks it was taken on, the device emulation would
 * write into another file's data.  The emulated device goes on writing for
 * PIN_LONGTERM_TEST_DMA_DRAIN_MS after a revocation, and the checker syncs
 * the filesystem before it allocates, so that freed extents are reusable at
 * once rather than after the next journal commit.
 *
 * KTAP: no write through a revoked pin reached another file; the FOLL_PIN
 * counters balance at the end; the run pinned, revoked and checked enough
 * to mean something.
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
#include <sys/statvfs.h>

#include "mm/gup_test.h"
#include "pins.h"
#include "kselftest.h"

#define NR_VICTIMS	4
#define VICTIM_SIZE	(4UL << 20)
#define NR_PINNERS	3
#define NR_LAYOUT	2
#define CHECK_SIZE	(4UL << 20)
#define NR_CHECK_FILES	4
#define FREE_SPACE	(40UL << 20)	/* left after the filler */

static const char *dir;
static time_t deadline;
static size_t pagesize;
static int victims[NR_VICTIMS];
static pthread_mutex_t victim_lock[NR_VICTIMS];

static atomic_ulong nr_pins, nr_revocations, nr_dma_rounds, nr_layout_ops;
static atomic_ulong nr_checks, nr_corrupt, nr_errors;

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
	char *want = malloc(CHECK_SIZE), *got = malloc(CHECK_SIZE);
	char path[4096];
	int i = 0;

	if (!want || !got) {
		atomic_fetch_add(&nr_errors, 1);
		return NULL;
	}
	while (running()) {
		int fd;

		snprintf(path, sizeof(path), "%s/check.%d", dir,
			 i++ % NR_CHECK_FILES);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0) {
			atomic_fetch_add(&nr_errors, 1);
			break;
		}
		syncfs(fd);
		memset(want, 'A' + rnd(&seed, 26), CHECK_SIZE);
		if (pwrite(fd, want, CHECK_SIZE, 0) != (ssize_t)CHECK_SIZE) {
			/* Out of space while the victims are large: retry. */
			close(fd);
			usleep(1000);
			continue;
		}
		usleep(rnd(&seed, 20000));
		if (pread(fd, got, CHECK_SIZE, 0) != (ssize_t)CHECK_SIZE)
			atomic_fetch_add(&nr_errors, 1);
		else if (memcmp(want, got, CHECK_SIZE)) {
			uint64_t magic = PIN_LONGTERM_TEST_DMA_MAGIC;

			atomic_fetch_add(&nr_corrupt, 1);
			ksft_print_msg("%s: data changed%s\n", path,
				       memmem(got, CHECK_SIZE, &magic,
					      sizeof(magic)) ?
				       ", by the device emulation" : "");
		}
		atomic_fetch_add(&nr_checks, 1);
		close(fd);
	}
	free(want);
	free(got);
	return NULL;
}

/* Leave about FREE_SPACE free on the filesystem. */
static int fill_up(void)
{
	struct statvfs sv;
	char path[4096];
	long long avail;
	int fd;

	if (statvfs(dir, &sv))
		return -1;
	avail = (long long)sv.f_bavail * sv.f_frsize - FREE_SPACE;
	if (avail <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (fallocate(fd, 0, 0, avail)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t threads[NR_PINNERS + NR_LAYOUT + 1];
	struct pin_longterm_test probe = {
		.flags = PIN_LONGTERM_TEST_FLAG_USE_LONGTERM |
			 PIN_LONGTERM_TEST_FLAG_USE_LEASE,
	};
	int i, n = 0, gup_fd, seconds;
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

	ksft_set_plan(3);
	for (i = 0; i < NR_VICTIMS; i++) {
		snprintf(path, sizeof(path), "%s/victim.%d", dir, i);
		victims[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (victims[i] < 0 || fallocate(victims[i], 0, 0, VICTIM_SIZE))
			ksft_exit_fail_msg("%s: %s\n", path, strerror(errno));
		pthread_mutex_init(&victim_lock[i], NULL);
	}
	if (fill_up())
		ksft_exit_fail_msg("cannot fill %s: %s\n", dir, strerror(errno));
	before = lt_pins();

	deadline = time(NULL) + seconds;
	for (i = 0; i < NR_PINNERS; i++)
		pthread_create(&threads[n++], NULL, pinner, (void *)(long)i);
	for (i = 0; i < NR_LAYOUT; i++)
		pthread_create(&threads[n++], NULL, layout,
			       (void *)(long)(100 + i));
	pthread_create(&threads[n++], NULL, checker, (void *)200L);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);

	ksft_print_msg("%lu leased pins, %lu revoked, %lu device passes, %lu layout changes, %lu files checked, %lu errors\n",
		       nr_pins, nr_revocations, nr_dma_rounds, nr_layout_ops,
		       nr_checks, nr_errors);
	ksft_test_result(nr_corrupt == 0,
			 "no write through a revoked pin reached another file\n");
	ksft_test_result(lt_pins() == before,
			 "FOLL_PIN counters balance\n");
	ksft_test_result(nr_pins > 10 && nr_revocations > 0 && nr_checks > 10 &&
			 !nr_errors,
			 "pinned, revoked and checked without errors\n");

	for (i = 0; i < NR_VICTIMS; i++) {
		close(victims[i]);
		snprintf(path, sizeof(path), "%s/victim.%d", dir, i);
		unlink(path);
	}
	for (i = 0; i < NR_CHECK_FILES; i++) {
		snprintf(path, sizeof(path), "%s/check.%d", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/filler", dir);
	unlink(path);
	ksft_finished();
}
