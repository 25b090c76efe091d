/* SPDX-License-Identifier: GPL-2.0 */
/* What test/kmod/vb2_minq_test.c and test/v4l2_userptr.c agree on. */
#ifndef VB2_MINQ_TEST_H
#define VB2_MINQ_TEST_H

/* The module's name, its node's QUERYCAP driver and its parameters' dir. */
#define VB2MINQ_DRIVER		"vb2_minq_test"
#define VB2MINQ_PARAMS		"/sys/module/" VB2MINQ_DRIVER "/parameters/"
/* Buffers the driver needs queued before it starts (min_queued_buffers). */
#define VB2MINQ_MIN_QUEUED	2
/* Its one format: GREY, VB2MINQ_WIDTH wide, one frame per buffer. */
#define VB2MINQ_WIDTH		128
#define VB2MINQ_SIZEIMAGE	(128 * 128)
/* Every byte of a frame. */
#define VB2MINQ_FILL		0xc3

#endif /* VB2_MINQ_TEST_H */
