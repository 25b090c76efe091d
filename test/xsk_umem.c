// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDP umem registration (xdp_umem_pin_pages()) of filesystem-DAX memory:
 * usage: xsk_umem [DAX_DIR] [harness options], or DAX_DIR in the
 * environment.
 *
 * XDP_UMEM_REG pins the umem long-term, until the last socket using it is
 * closed.  Without a lease, a umem that includes a MAP_SHARED mapping of a
 * DAX file is refused with EOPNOTSUPP; anonymous memory registers.  A umem
 * that starts with anonymous memory and runs into DAX is refused with
 * EOPNOTSUPP as well on a kernel with get_user_pages_longterm(); before it,
 * AF_XDP saw a short pin there and failed with ENOMEM.  No FOLL_PIN pin is
 * left behind.
 *
 * Without AF_XDP sockets, the cases are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_xdp.h>

#include "kselftest_harness.h"
#include "longterm_user.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define CHUNK_SIZE 2048

FIXTURE(xsk)
{
	int fd;
	struct lt_map map;
	long pins;
};

FIXTURE_VARIANT(xsk)
{
	size_t nr_anon;		/* pages of anonymous memory first */
	size_t nr_dax;		/* then pages of a DAX file */
	int error;		/* what registration fails with, or 0 */
	int old_error;		/* ... before get_user_pages_longterm() */
};

FIXTURE_VARIANT_ADD(xsk, anon)
{
	.nr_anon = LT_NR_PAGES,
};

FIXTURE_VARIANT_ADD(xsk, dax)
{
	.nr_dax = LT_NR_PAGES,
	.error = EOPNOTSUPP,
	.old_error = EOPNOTSUPP,
};

/* The pin comes back short at the DAX vma. */
FIXTURE_VARIANT_ADD(xsk, anon_then_dax)
{
	.nr_anon = LT_NR_PAGES / 2,
	.nr_dax = LT_NR_PAGES / 2,
	.error = EOPNOTSUPP,
	.old_error = ENOMEM,
};

FIXTURE_SETUP(xsk)
{
	const char *why = NULL;

	self->map.mem = NULL;
	self->map.fd = -1;
	self->fd = socket(AF_XDP, SOCK_RAW, 0);
	if (self->fd < 0 && errno == EAFNOSUPPORT)
		SKIP(return, "no AF_XDP sockets (CONFIG_XDP_SOCKETS)");
	if (self->fd < 0 && errno == EPERM)
		SKIP(return, "AF_XDP sockets need CAP_NET_RAW");
	ASSERT_LE(0, self->fd) TH_LOG("socket(AF_XDP): %s", strerror(errno));
	if (lt_map(&self->map, variant->nr_anon, variant->nr_dax, &why))
		SKIP(return, "%s", why);
	self->pins = lt_pins();
}

FIXTURE_TEARDOWN(xsk)
{
	if (self->fd >= 0)
		close(self->fd);
	lt_unmap(&self->map);
}

TEST_F(xsk, umem_reg)
{
	struct xdp_umem_reg reg = {
		.addr = (uintptr_t)self->map.mem,
		.len = self->map.size,
		.chunk_size = CHUNK_SIZE,
	};
	int expected = variant->error;
	int ret, err;

	ret = setsockopt(self->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg));
	err = ret ? errno : 0;
	if (variant->old_error != variant->error &&
	    err == variant->old_error && lt_kernel_has_gup_longterm() != 1) {
		TH_LOG("%s: as before get_user_pages_longterm()",
		       strerror(err));
		expected = variant->old_error;
	}
	EXPECT_EQ(expected, err)
		TH_LOG("XDP_UMEM_REG: %s", strerror(err));
	if (!err && self->pins >= 0)
		EXPECT_EQ(self->pins + (long)variant->nr_anon, lt_pins())
			TH_LOG("the umem should pin every page");

	/* The umem goes with the socket, from a workqueue. */
	close(self->fd);
	self->fd = -1;
	EXPECT_PINS_BALANCED(self->pins);
}

int main(int argc, char **argv)
{
	return lt_main(argc, argv);
}
