/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The debugfs interface of videobuf_dma_sg_test.ko, shared by the module
 * and test/videobuf_dma_sg.c.
 */
#ifndef VIDEOBUF_DMA_SG_TEST_H
#define VIDEOBUF_DMA_SG_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VBTEST_PATH	"/sys/kernel/debug/videobuf_dma_sg_test"

struct vbtest_pin {
	__u64 addr;		/* in: the USERPTR buffer */
	__u64 size;		/* in: its length in bytes */
	__s32 ret;		/* out: what videobuf_iolock() returned */
	__u32 nr_pages;		/* out: pages the buffer holds pinned */
};

/*
 * Prepare a capture USERPTR buffer at addr: videobuf_iolock(), which pins it
 * with videobuf_dma_init_user() and maps it for DMA.  The ioctl itself
 * fails only with EBUSY (a buffer is already prepared) or EFAULT.
 */
#define VBTEST_PIN	_IOWR('v', 1, struct vbtest_pin)
/* Release the buffer: videobuf_dma_unmap() and videobuf_dma_free(). */
#define VBTEST_FREE	_IO('v', 2)

#endif /* VIDEOBUF_DMA_SG_TEST_H */
