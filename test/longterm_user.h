/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the tests of the long-term pinning users (iommufd_map,
 * uring_buf): where the DAX directory comes from, mappings of a
 * DAX file, of anonymous memory and of both back to back, and the FOLL_PIN
 * counters.  Include after kselftest_harness.h.
 *
 * The DAX directory is $DAX_DIR (the guest sets it for test/suite's
 * entries NAME@FS).
 * Without one, the DAX cases are skipped and the anonymous ones still run.
 */
#ifndef LONGTERM_USER_H
#define LONGTERM_USER_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "pins.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

#define LT_NR_PAGES	16

static const char *dax_dir;
static size_t lt_page;

struct lt_map {
	char *mem;		/* start of the whole mapping */
	size_t size;
	char *dax;		/* where the DAX file is mapped in it, or NULL */
	int fd;
};

/*
 * Map @nr_anon pages of anonymous memory followed by @nr_dax pages of a
 * MAP_SHARED mapping of a new, unlinked file in dax_dir, all faulted in.
 * Returns 0, or -1 with *why saying why the DAX part cannot be had.
 */
static inline int lt_map(struct lt_map *m, size_t nr_anon, size_t nr_dax,
			 const char **why)
{
	char path[PATH_MAX];
	struct statx stx;
	size_t dax_size = nr_dax * lt_page;

	m->size = (nr_anon + nr_dax) * lt_page;
	m->dax = NULL;
	m->fd = -1;
	m->mem = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->mem == MAP_FAILED) {
		*why = "cannot map anonymous memory";
		return -1;
	}
	if (nr_dax) {
		if (!dax_dir) {
			*why = "no DAX directory: DAX_DIR is not set";
			return -1;
		}
		snprintf(path, sizeof(path), "%s/longterm_user.XXXXXX",
			 dax_dir);
		m->fd = mkstemp(path);
		if (m->fd < 0) {
			*why = "cannot create a file in the DAX directory";
			return -1;
		}
		unlink(path);
		if (fallocate(m->fd, 0, 0, dax_size)) {
			*why = "cannot allocate the DAX file";
			return -1;
		}
		if (statx(m->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) ||
		    !(stx.stx_attributes & STATX_ATTR_DAX)) {
			*why = "the DAX directory is not on a dax=always mount";
			return -1;
		}
		m->dax = mmap(m->mem + nr_anon * lt_page, dax_size,
			      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			      m->fd, 0);
		if (m->dax == MAP_FAILED) {
			m->dax = NULL;
			*why = "cannot map the DAX file";
			return -1;
		}
	}
	memset(m->mem, 0x5a, m->size);
	return 0;
}

static inline void lt_unmap(struct lt_map *m)
{
	if (m->mem && m->mem != MAP_FAILED)
		munmap(m->mem, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->mem = NULL;
	m->fd = -1;
}

/* The pins a case took are all gone once it has cleaned up. */
#define EXPECT_PINS_BALANCED(before)					\
	do {								\
		long __before = (before);				\
									\
		if (__before >= 0)					\
			EXPECT_EQ(__before, lt_pins_settle(__before))	\
				TH_LOG("FOLL_PIN pins left behind");	\
	} while (0)

static inline int lt_main(int argc, char **argv)
{
	lt_page = sysconf(_SC_PAGESIZE);
	dax_dir = getenv("DAX_DIR");
	return test_harness_run(argc, argv);
}

#endif /* LONGTERM_USER_H */
