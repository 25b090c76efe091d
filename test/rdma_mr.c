// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA memory registration (ib_umem_get()) of filesystem-DAX memory: usage:
 * rdma_mr [DAX_DIR] [harness options], or DAX_DIR in the environment.
 *
 * A memory region pins its pages long-term, until it is deregistered.
 * Without a lease, registering a range that includes a MAP_SHARED mapping
 * of a DAX file fails with EOPNOTSUPP, whether the range starts in DAX or
 * runs into it; anonymous memory registers, for reading and for writing.
 * No FOLL_PIN pin is left behind either way.
 *
 * Uses the first RDMA device there is.  When there is none, it makes a
 * soft-RoCE one: "ip link add lt_dummy0 type dummy" and "rdma link add
 * rxe_lt0 type rxe netdev lt_dummy0" (iproute2), and leaves it in place.
 * Without a device, or with no way to make one, the cases are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "kselftest_harness.h"
#include "longterm_user.h"

static const char * const make_rxe[] = {
	"ip link show lt_dummy0 || ip link add lt_dummy0 type dummy",
	"ip link set lt_dummy0 up",
	"rdma link add rxe_lt0 type rxe netdev lt_dummy0",
};

/* A soft-RoCE device on a dummy netdev; rxe takes any non-VLAN netdev. */
static void create_rxe(void)
{
	char cmd[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(make_rxe); i++) {
		snprintf(cmd, sizeof(cmd), "(%s) >/dev/null 2>&1", make_rxe[i]);
		if (system(cmd))
			return;
	}
}

/* Open the first RDMA device that opens, making an rxe one if need be. */
static struct ibv_context *open_device(const char **why)
{
	struct ibv_context *ctx = NULL;
	struct ibv_device **list;
	int attempt, i, n;

	for (attempt = 0; attempt < 2 && !ctx; attempt++) {
		if (attempt)
			create_rxe();
		list = ibv_get_device_list(&n);
		if (!list)
			continue;
		for (i = 0; i < n && !ctx; i++)
			ctx = ibv_open_device(list[i]);
		ibv_free_device_list(list);
	}
	/* rxe needs CONFIG_RDMA_RXE, CONFIG_DUMMY, ip, rdma, librxe */
	if (!ctx)
		*why = "no RDMA device, and no rxe device could be made";
	return ctx;
}

FIXTURE(mr)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct lt_map map;
	long pins;
};

FIXTURE_VARIANT(mr)
{
	size_t nr_anon;		/* pages of anonymous memory first */
	size_t nr_dax;		/* then pages of a DAX file */
	int access;
	int error;		/* what registration fails with, or 0 */
};

FIXTURE_VARIANT_ADD(mr, anon)
{
	.nr_anon = LT_NR_PAGES,
	.access = IBV_ACCESS_LOCAL_WRITE,
};

FIXTURE_VARIANT_ADD(mr, anon_readonly)
{
	.nr_anon = LT_NR_PAGES,
	.access = 0,
};

FIXTURE_VARIANT_ADD(mr, dax)
{
	.nr_dax = LT_NR_PAGES,
	.access = IBV_ACCESS_LOCAL_WRITE,
	.error = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(mr, dax_readonly)
{
	.nr_dax = LT_NR_PAGES,
	.access = 0,
	.error = EOPNOTSUPP,
};

/* The pin comes back short at the DAX vma before it fails. */
FIXTURE_VARIANT_ADD(mr, anon_then_dax)
{
	.nr_anon = LT_NR_PAGES / 2,
	.nr_dax = LT_NR_PAGES / 2,
	.access = IBV_ACCESS_LOCAL_WRITE,
	.error = EOPNOTSUPP,
};

FIXTURE_SETUP(mr)
{
	const char *why = NULL;

	self->pd = NULL;
	self->map.mem = NULL;
	self->map.fd = -1;
	self->ctx = open_device(&why);
	if (!self->ctx)
		SKIP(return, "%s", why);
	self->pd = ibv_alloc_pd(self->ctx);
	ASSERT_NE(NULL, self->pd) TH_LOG("ibv_alloc_pd: %s", strerror(errno));
	if (lt_map(&self->map, variant->nr_anon, variant->nr_dax, &why))
		SKIP(return, "%s", why);
	self->pins = lt_pins();
}

FIXTURE_TEARDOWN(mr)
{
	lt_unmap(&self->map);
	if (self->pd)
		ibv_dealloc_pd(self->pd);
	if (self->ctx)
		ibv_close_device(self->ctx);
}

TEST_F(mr, register)
{
	struct ibv_mr *mr;

	errno = 0;
	mr = ibv_reg_mr(self->pd, self->map.mem, self->map.size,
			variant->access);
	if (variant->error) {
		EXPECT_EQ(NULL, mr);
		EXPECT_EQ(variant->error, errno)
			TH_LOG("ibv_reg_mr: %s, expected %s", strerror(errno),
			       strerror(variant->error));
	} else {
		ASSERT_NE(NULL, mr)
			TH_LOG("ibv_reg_mr: %s", strerror(errno));
		EXPECT_EQ(self->map.size, mr->length);
		if (self->pins >= 0)
			EXPECT_EQ(self->pins + (long)variant->nr_anon, lt_pins())
				TH_LOG("the region should pin every page");
	}
	if (mr)
		EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_PINS_BALANCED(self->pins);
}

int main(int argc, char **argv)
{
	return lt_main(argc, argv);
}
