// SPDX-License-Identifier: GPL-2.0
/*
 * V4L2 USERPTR streaming with vivid into memory of a filesystem-DAX file.
 *
 * videobuf2 pins USERPTR buffers long-term.  On DAX it pins them under a
 * lease: frames must arrive in a MAP_SHARED mapping of a DAX file (capture)
 * and be taken from one (output), and a truncate, hole punch or munmap of
 * that memory while streaming must revoke the buffers it covers: the
 * truncate completes, every revoked buffer comes back with
 * V4L2_BUF_FLAG_ERROR, no frame lands in blocks the filesystem has handed
 * out again, queueing the gone memory fails with EFAULT, and queueing a
 * valid mapping streams again.
 *
 * DAX_DIR names a directory on a dax=always mount.  The *_anon variants use
 * anonymous memory and need no DAX; the suite runs them on the base kernel
 * too.  On a kernel that refuses DAX pins, QBUF fails with EOPNOTSUPP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "pins.h"

#define NBUF		4
#define NFRAMES		12
#define WIDTH		320
#define HEIGHT		180
#define FRAME_TIMEOUT	10000	/* ms */
#define SENTINEL	0x5a
#define SZ_2M		(2UL << 20)

struct vivid {
	int fd;
	enum v4l2_buf_type type;
	struct v4l2_pix_format pix;
	size_t bufsize;		/* sizeimage rounded up to pages */
	size_t stride;		/* from one buffer to the next in mem */
	unsigned char *mem;
	size_t memsize;
	int file;		/* DAX file backing mem, or -1 */
	char path[256];
	long pins;		/* outstanding FOLL_PIN pins at the start */
};

/* Open the first vivid node that streams the given way; -1 if none. */
static int open_vivid(bool output)
{
	__u32 want = output ? V4L2_CAP_VIDEO_OUTPUT : V4L2_CAP_VIDEO_CAPTURE;
	struct v4l2_capability cap;
	char dev[32];
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(dev, sizeof(dev), "/dev/video%d", i);
		fd = open(dev, O_RDWR);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & want) &&
		    (cap.device_caps & V4L2_CAP_STREAMING))
			return fd;
		close(fd);
	}
	return -1;
}

/* vivid's "OSD Text Mode" control, and its "None" setting. */
#define VIVID_CID_OSD_TEXT_MODE	(0x00f00000 | 0xf000 | 1)
#define VIVID_OSD_NONE		2

/* Set the format: a small YUYV webcam frame for capture, the default out. */
static int set_format(int fd, bool output, struct v4l2_pix_format *pix)
{
	struct v4l2_control osd_none = {
		.id = VIVID_CID_OSD_TEXT_MODE,
		.value = VIVID_OSD_NONE,
	};
	struct v4l2_format fmt = {
		.type = output ? V4L2_BUF_TYPE_VIDEO_OUTPUT :
				 V4L2_BUF_TYPE_VIDEO_CAPTURE,
	};

	if (ioctl(fd, VIDIOC_G_FMT, &fmt))
		return -errno;
	if (!output) {
		/* No text over the frame: each frame is the same picture. */
		if (ioctl(fd, VIDIOC_S_CTRL, &osd_none))
			return -errno;
		fmt.fmt.pix.width = WIDTH;
		fmt.fmt.pix.height = HEIGHT;
		fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
		fmt.fmt.pix.field = V4L2_FIELD_NONE;
		fmt.fmt.pix.bytesperline = 0;	/* no padding */
		if (ioctl(fd, VIDIOC_S_FMT, &fmt))
			return -errno;
	}
	*pix = fmt.fmt.pix;
	return 0;
}

/*
 * Map the buffers' memory: anonymous, or a MAP_SHARED DAX file.  Each buffer
 * starts a 2 MiB range of its own: a layout change revokes the leases of
 * every page in its 2 MiB (a DAX entry may cover that much).
 */
static int map_memory(struct vivid *v, const char *dir)
{
	long page = sysconf(_SC_PAGESIZE);

	v->bufsize = (v->pix.sizeimage + page - 1) / page * page;
	v->stride = (v->bufsize + SZ_2M - 1) / SZ_2M * SZ_2M;
	v->memsize = NBUF * v->stride;
	v->file = -1;
	if (!dir) {
		v->mem = mmap(NULL, v->memsize, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return v->mem == MAP_FAILED ? -errno : 0;
	}
	snprintf(v->path, sizeof(v->path), "%s/v4l2_userptr.%d", dir,
		 getpid());
	v->file = open(v->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (v->file < 0)
		return -errno;
	if (ftruncate(v->file, v->memsize))
		return -errno;
	v->mem = mmap(NULL, v->memsize, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->file, 0);
	return v->mem == MAP_FAILED ? -errno : 0;
}

static int qbuf_at(struct vivid *v, unsigned int i, unsigned char *addr)
{
	struct v4l2_buffer b = {
		.index = i,
		.type = v->type,
		.memory = V4L2_MEMORY_USERPTR,
		.m.userptr = (unsigned long)addr,
		.length = v->pix.sizeimage,
		.bytesused = v->type == V4L2_BUF_TYPE_VIDEO_OUTPUT ?
			     v->pix.sizeimage : 0,
		.field = v->pix.field,
	};

	return ioctl(v->fd, VIDIOC_QBUF, &b) ? -errno : 0;
}

/*
 * Queue buffer @i at its place in the memory, filled first: with SENTINEL
 * for capture, so that only what vivid writes can match its picture.
 */
static int queue(struct vivid *v, unsigned int i)
{
	memset(v->mem + i * v->stride, SENTINEL, v->pix.sizeimage);
	return qbuf_at(v, i, v->mem + i * v->stride);
}

/* Dequeue one buffer, waiting at most FRAME_TIMEOUT; -errno on failure. */
static int dqbuf(struct vivid *v, struct v4l2_buffer *b)
{
	struct pollfd pfd = { .fd = v->fd, .events = POLLIN | POLLOUT };
	int ret = poll(&pfd, 1, FRAME_TIMEOUT);

	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	memset(b, 0, sizeof(*b));
	b->type = v->type;
	b->memory = V4L2_MEMORY_USERPTR;
	return ioctl(v->fd, VIDIOC_DQBUF, b) ? -errno : 0;
}

static int streamon(struct vivid *v)
{
	int type = v->type;

	return ioctl(v->fd, VIDIOC_STREAMON, &type) ? -errno : 0;
}

/*
 * A frame of vivid's colour bar, which every frame repeats when no text is
 * shown over it, captured with read() into memory filled with SENTINEL like
 * the buffers.  Read it before the test's file descriptor owns the queue.
 */
static unsigned char *reference_frame(void)
{
	unsigned char *frame = NULL;
	struct v4l2_pix_format pix;
	int fd = open_vivid(false);

	if (fd < 0 || set_format(fd, false, &pix))
		goto out;
	frame = malloc(pix.sizeimage);
	if (!frame)
		goto out;
	memset(frame, SENTINEL, pix.sizeimage);
	if (read(fd, frame, pix.sizeimage) != (ssize_t)pix.sizeimage) {
		free(frame);
		frame = NULL;
	}
out:
	if (fd >= 0)
		close(fd);
	return frame;
}

static bool holds_frame(struct vivid *v, const unsigned char *frame,
			unsigned int i)
{
	return !memcmp(v->mem + i * v->stride, frame, v->pix.sizeimage);
}

/* Mark @v as not open yet, and say whether vivid is there to open. */
static bool have_vivid(struct vivid *v)
{
	int fd = open_vivid(false);

	v->fd = v->file = -1;
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int vivid_open(struct __test_metadata *_metadata, struct vivid *v,
		      bool output, bool dax)
{
	const char *dir = getenv("DAX_DIR");
	struct v4l2_requestbuffers req = {
		.count = NBUF,
		.memory = V4L2_MEMORY_USERPTR,
	};

	if (dax && !dir)
		SKIP(return -1, "DAX_DIR is not set");
	v->pins = lt_pins();
	v->fd = open_vivid(output);
	if (v->fd < 0)
		SKIP(return -1, "no vivid %s device", output ? "output" : "capture");
	v->type = output ? V4L2_BUF_TYPE_VIDEO_OUTPUT :
			   V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.type = v->type;
	EXPECT_EQ(0, set_format(v->fd, output, &v->pix));
	EXPECT_EQ(0, map_memory(v, dax ? dir : NULL));
	EXPECT_EQ(0, ioctl(v->fd, VIDIOC_REQBUFS, &req));
	EXPECT_EQ(NBUF, req.count);
	return _metadata->exit_code == KSFT_PASS ? 0 : -1;
}

/* Free the buffers, unmap, and check that every pin was released. */
static void vivid_close(struct __test_metadata *_metadata, struct vivid *v)
{
	struct v4l2_requestbuffers req = {
		.count = 0,
		.type = v->type,
		.memory = V4L2_MEMORY_USERPTR,
	};

	if (!v->pix.sizeimage && v->fd < 0)
		return;		/* never opened */
	if (v->fd >= 0) {
		ioctl(v->fd, VIDIOC_STREAMOFF, &v->type);
		ioctl(v->fd, VIDIOC_REQBUFS, &req);
		close(v->fd);
	}
	if (v->mem && v->mem != MAP_FAILED)
		munmap(v->mem, v->memsize);
	if (v->file >= 0) {
		close(v->file);
		unlink(v->path);
	}
	if (v->fd < 0)
		return;
	if (v->pins >= 0)
		EXPECT_EQ(v->pins, lt_pins()) TH_LOG("FOLL_PIN pins leaked");
}

FIXTURE(stream) {
	struct vivid v;
	unsigned char *frame;
};

FIXTURE_VARIANT(stream) {
	bool output;
	bool dax;
};

FIXTURE_VARIANT_ADD(stream, capture_anon) { .output = false, .dax = false };
FIXTURE_VARIANT_ADD(stream, capture_dax) { .output = false, .dax = true };
FIXTURE_VARIANT_ADD(stream, output_anon) { .output = true, .dax = false };
FIXTURE_VARIANT_ADD(stream, output_dax) { .output = true, .dax = true };

FIXTURE_SETUP(stream)
{
	if (!have_vivid(&self->v))
		SKIP(return, "no vivid device");
	if (!variant->output) {
		self->frame = reference_frame();
		ASSERT_NE(NULL, self->frame) TH_LOG("no reference frame");
	}
	vivid_open(_metadata, &self->v, variant->output, variant->dax);
}

FIXTURE_TEARDOWN(stream)
{
	vivid_close(_metadata, &self->v);
	free(self->frame);
}

/* Frames arrive in (or leave from) the memory, every one of them whole. */
TEST_F(stream, frames)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b;
	unsigned int i;

	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(v, i));
	ASSERT_EQ(0, streamon(v));
	for (i = 0; i < NFRAMES; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		if (!variant->output) {
			EXPECT_EQ(v->pix.sizeimage, b.bytesused);
			EXPECT_TRUE(holds_frame(v, self->frame, b.index))
				TH_LOG("buffer %u lacks vivid's pattern", b.index);
		}
		ASSERT_EQ(0, queue(v, b.index));
	}
}

/*
 * Capture into a DAX file while its layout changes under the buffers.  The
 * setup streams a few frames, so that every buffer is queued and the driver
 * is filling one.
 */
FIXTURE(revoke) {
	struct vivid v;
	unsigned char *frame;
};

FIXTURE_SETUP(revoke)
{
	struct v4l2_buffer b;
	unsigned int i;

	if (!have_vivid(&self->v))
		SKIP(return, "no vivid device");
	self->frame = reference_frame();
	ASSERT_NE(NULL, self->frame) TH_LOG("no reference frame");
	if (vivid_open(_metadata, &self->v, false, true))
		return;
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(&self->v, i));
	ASSERT_EQ(0, streamon(&self->v));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, dqbuf(&self->v, &b));
		ASSERT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		ASSERT_EQ(0, queue(&self->v, b.index));
	}
}

FIXTURE_TEARDOWN(revoke)
{
	vivid_close(_metadata, &self->v);
	free(self->frame);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Dequeue every buffer; return a mask of those flagged as errors. */
static unsigned int dequeue_all(struct __test_metadata *_metadata,
				struct vivid *v)
{
	unsigned int i, errors = 0;
	struct v4l2_buffer b;

	for (i = 0; i < NBUF; i++) {
		EXPECT_EQ(0, dqbuf(v, &b));
		if (_metadata->exit_code != KSFT_PASS)
			break;
		if (b.flags & V4L2_BUF_FLAG_ERROR)
			errors |= 1U << b.index;
	}
	return errors;
}

/* Queue every buffer again and check that frames arrive in all of them. */
static void stream_again(struct __test_metadata *_metadata, struct vivid *v,
			 const unsigned char *frame)
{
	unsigned int i, seen = 0;
	struct v4l2_buffer b;

	for (i = 0; i < NFRAMES && seen != (1U << NBUF) - 1; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		ASSERT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_TRUE(holds_frame(v, frame, b.index));
		seen |= 1U << b.index;
		ASSERT_EQ(0, queue(v, b.index));
	}
	EXPECT_EQ((1U << NBUF) - 1, seen);
}

/*
 * A file of the same size, written right after the truncate, gets the
 * blocks it freed: no frame may land there.
 */
static int victim_file(struct vivid *v, char *path, size_t len)
{
	unsigned char *buf = malloc(v->memsize);
	int fd;

	snprintf(path, len, "%s.victim", v->path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !buf)
		return -1;
	memset(buf, 0xa5, v->memsize);
	if (write(fd, buf, v->memsize) != (ssize_t)v->memsize || fsync(fd)) {
		close(fd);
		fd = -1;
	}
	free(buf);
	return fd;
}

static bool victim_intact(int fd, size_t size)
{
	unsigned char *buf = malloc(size);
	bool ok = buf && pread(fd, buf, size, 0) == (ssize_t)size;
	size_t i;

	for (i = 0; ok && i < size; i++)
		ok = buf[i] == 0xa5;
	free(buf);
	return ok;
}

TEST_F(revoke, truncate)
{
	struct vivid *v = &self->v;
	char victim[300];
	unsigned int i;
	double t;
	int fd;

	t = now();
	ASSERT_EQ(0, ftruncate(v->file, 0));
	t = now() - t;
	TH_LOG("truncate took %.3f s", t);
	EXPECT_LT(t, 5.0);

	fd = victim_file(v, victim, sizeof(victim));
	ASSERT_LE(0, fd);
	/* Every buffer was queued: each comes back, as an error. */
	EXPECT_EQ((1U << NBUF) - 1, dequeue_all(_metadata, v));
	usleep(300 * 1000);
	EXPECT_TRUE(victim_intact(fd, v->memsize))
		TH_LOG("a frame landed in blocks the truncate freed");
	close(fd);
	unlink(victim);

	/* The memory is gone: queueing it fails. */
	EXPECT_EQ(-EFAULT, qbuf_at(v, 0, v->mem));

	/* Valid again once the file has its size back. */
	ASSERT_EQ(0, ftruncate(v->file, v->memsize));
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(v, i));
	stream_again(_metadata, v, self->frame);
}

/* A hole punched in one buffer revokes that buffer and no other. */
TEST_F(revoke, punch_hole)
{
	struct vivid *v = &self->v;
	unsigned int errors;

	ASSERT_EQ(0, fallocate(v->file, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, v->stride, v->bufsize));
	errors = dequeue_all(_metadata, v);
	EXPECT_EQ(1U << 1, errors) TH_LOG("error mask 0x%x", errors);
	/* The hole refaults: all four buffers stream again. */
	for (unsigned int i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(v, i));
	stream_again(_metadata, v, self->frame);
}

/*
 * Unmapping the memory revokes every buffer in it.  munmap() does not wait
 * for the revocation, so a buffer may still be dequeued whole; but none can
 * be queued at the old address, and the pins are gone once the buffers are.
 */
TEST_F(revoke, munmap)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b;
	unsigned int i;

	ASSERT_EQ(0, munmap(v->mem, v->memsize));
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, dqbuf(v, &b));
	for (i = 0; i < NBUF; i++)
		EXPECT_EQ(-EFAULT, qbuf_at(v, i, v->mem + i * v->stride));
	v->mem = mmap(NULL, v->memsize, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->file, 0);
	ASSERT_NE(MAP_FAILED, v->mem);
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(v, i));
	stream_again(_metadata, v, self->frame);
}

TEST_HARNESS_MAIN
