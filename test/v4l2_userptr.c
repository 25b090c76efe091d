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
 * The driver may have the buffers or not when their memory goes: queued
 * before STREAMON (the queued fixture, and min_queued with a driver that
 * needs two buffers to start, test/kmod/vb2_minq_test.c), in requests
 * (requests), in the driver at exit, also with vim2m (exit), two planes
 * each (mplane).
 *
 * DAX_DIR names a directory on a dax=always mount.  The *_anon variants use
 * anonymous memory and need no DAX; the suite runs them on the base kernel
 * too.  On a kernel that refuses DAX pins, QBUF fails with EOPNOTSUPP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/media.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "pins.h"
#include "kmod/vb2_minq_test.h"

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

/* Open the first node of @driver that has the @want caps; -1 if none. */
static int open_node(const char *driver, __u32 want)
{
	struct v4l2_capability cap;
	char dev[32];
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(dev, sizeof(dev), "/dev/video%d", i);
		fd = open(dev, O_RDWR);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, driver) &&
		    (cap.device_caps & want) == want)
			return fd;
		close(fd);
	}
	return -1;
}

/* Open the first vivid node that streams the given way; -1 if none. */
static int open_vivid(bool output)
{
	return open_node("vivid", V4L2_CAP_STREAMING |
			 (output ? V4L2_CAP_VIDEO_OUTPUT :
				   V4L2_CAP_VIDEO_CAPTURE));
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

/*
 * Set @v up on node @fd (-1 if there is none: the test skips): the format
 * @format picks, the memory (in a file of DAX_DIR if @dax) and NBUF USERPTR
 * buffers.
 */
static int queue_open(struct __test_metadata *_metadata, struct vivid *v,
		      int fd, const char *what, bool output, bool dax,
		      int (*format)(int fd, bool output,
				    struct v4l2_pix_format *pix))
{
	const char *dir = getenv("DAX_DIR");
	struct v4l2_requestbuffers req = {
		.count = NBUF,
		.memory = V4L2_MEMORY_USERPTR,
	};

	v->pins = lt_pins();
	v->fd = fd;
	if (dax && !dir)
		SKIP(return -1, "DAX_DIR is not set");
	if (v->fd < 0)
		SKIP(return -1, "no %s device", what);
	v->type = output ? V4L2_BUF_TYPE_VIDEO_OUTPUT :
			   V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.type = v->type;
	EXPECT_EQ(0, format(v->fd, output, &v->pix));
	EXPECT_EQ(0, map_memory(v, dax ? dir : NULL));
	EXPECT_EQ(0, ioctl(v->fd, VIDIOC_REQBUFS, &req));
	EXPECT_EQ(NBUF, req.count);
	return _metadata->exit_code == KSFT_PASS ? 0 : -1;
}

static int vivid_open(struct __test_metadata *_metadata, struct vivid *v,
		      bool output, bool dax)
{
	return queue_open(_metadata, v, open_vivid(output),
			  output ? "vivid output" : "vivid capture", output,
			  dax, set_format);
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

/* vivid's "Percentage of Dropped Buffers" control. */
#define VIVID_CID_PERC_DROPPED	(0x00f00000 | 0xf000 | 64)

static int set_perc_dropped(int fd, int perc)
{
	struct v4l2_control ctrl = { .id = VIVID_CID_PERC_DROPPED, .value = perc };

	return ioctl(fd, VIDIOC_S_CTRL, &ctrl) ? -errno : 0;
}

FIXTURE_TEARDOWN(revoke)
{
	if (self->v.fd >= 0)
		set_perc_dropped(self->v.fd, 0);
	vivid_close(_metadata, &self->v);
	free(self->frame);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Truncate @path to nothing in a child, killed if it takes @limit seconds
 * (the wait for pinned pages is killable): the seconds it took, @limit or
 * more if it did not end, or -1 if it failed.
 */
static double timed_truncate(const char *path, double limit)
{
	double t = now();
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(truncate(path, 0) ? 1 : 0);
	while (waitpid(pid, &status, WNOHANG) == 0 && now() - t < limit)
		usleep(10 * 1000);
	t = now() - t;
	if (t >= limit) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return t;
	}
	return WIFEXITED(status) && !WEXITSTATUS(status) ? t : -1;
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
 * vivid drops every frame: it keeps all four buffers, without using them,
 * for as long as this lasts.  A truncate must not wait for that: vivid
 * returns them at once, as errors.
 */
TEST_F(revoke, all_dropped)
{
	struct vivid *v = &self->v;
	double t;

	ASSERT_EQ(0, set_perc_dropped(v->fd, 100));
	usleep(300 * 1000);
	t = timed_truncate(v->path, 5.0);
	EXPECT_LE(0, t);
	EXPECT_LT(t, 5.0) TH_LOG("the truncate waited for the dropped buffers");
	EXPECT_EQ((1U << NBUF) - 1, dequeue_all(_metadata, v));
	ASSERT_EQ(0, set_perc_dropped(v->fd, 0));
}

/*
 * vivid's video output keeps its last buffer (for loopback) until another
 * is queued.  A truncate must not wait for userspace to queue one.
 */
TEST(output_last_buffer)
{
	struct vivid v = { 0 };
	struct v4l2_buffer b;
	double t;

	if (!have_vivid(&v))
		SKIP(return, "no vivid device");
	if (vivid_open(_metadata, &v, true, true))
		goto out;
	ASSERT_EQ(0, queue(&v, 0));
	ASSERT_EQ(0, streamon(&v));
	usleep(300 * 1000);	/* output ticks, which leave the buffer */
	t = timed_truncate(v.path, 5.0);
	EXPECT_LE(0, t);
	EXPECT_LT(t, 5.0) TH_LOG("the truncate waited for the last buffer");
	EXPECT_EQ(0, dqbuf(&v, &b));
	EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR);
out:
	vivid_close(_metadata, &v);
}

/*
 * Unmapping the memory revokes every buffer in it.  munmap() does not wait
 * for the buffers to give the memory up, but every one of them comes back
 * as an error, none can be queued at the old address, and the pins are gone
 * once the buffers are.
 */
TEST_F(revoke, munmap)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b;
	unsigned int i;

	ASSERT_EQ(0, munmap(v->mem, v->memsize));
	for (i = 0; i < NBUF; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR)
			TH_LOG("buffer %u dequeued whole after munmap()", b.index);
	}
	for (i = 0; i < NBUF; i++)
		EXPECT_EQ(-EFAULT, qbuf_at(v, i, v->mem + i * v->stride));
	v->mem = mmap(NULL, v->memsize, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->file, 0);
	ASSERT_NE(MAP_FAILED, v->mem);
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(v, i));
	stream_again(_metadata, v, self->frame);
}

/* Dequeue a buffer done within 200 ms; -EAGAIN if there is none. */
static int dqbuf_now(struct vivid *v, struct v4l2_buffer *b)
{
	struct pollfd pfd = { .fd = v->fd, .events = POLLIN };

	if (poll(&pfd, 1, 200) <= 0)
		return -EAGAIN;
	memset(b, 0, sizeof(*b));
	b->type = v->type;
	b->memory = V4L2_MEMORY_USERPTR;
	return ioctl(v->fd, VIDIOC_DQBUF, b) ? -errno : 0;
}

/*
 * Buffers queued before streaming starts: the driver does not have them, so
 * a revocation returns them at once, and they must not count towards the
 * buffers the driver needs to start.
 */
FIXTURE(queued) {
	struct vivid v;
	unsigned char *frame;
};

FIXTURE_SETUP(queued)
{
	unsigned int i;

	if (!have_vivid(&self->v))
		SKIP(return, "no vivid device");
	self->frame = reference_frame();
	ASSERT_NE(NULL, self->frame) TH_LOG("no reference frame");
	if (vivid_open(_metadata, &self->v, false, true))
		return;
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(&self->v, i));
}

FIXTURE_TEARDOWN(queued)
{
	vivid_close(_metadata, &self->v);
	free(self->frame);
}

/*
 * Truncated before STREAMON: every buffer comes back as an error once
 * streaming is on, no other buffer is left in the queue, and streaming works
 * once the file has its size back.
 */
TEST_F(queued, truncate_before_streamon)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b;
	unsigned int i;
	double t;

	t = now();
	ASSERT_EQ(0, ftruncate(v->file, 0));
	EXPECT_LT(now() - t, 5.0);
	ASSERT_EQ(0, streamon(v));
	EXPECT_EQ((1U << NBUF) - 1, dequeue_all(_metadata, v));
	EXPECT_EQ(-EAGAIN, dqbuf_now(v, &b));
	ASSERT_EQ(0, ftruncate(v->file, v->memsize));
	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, queue(v, i));
	stream_again(_metadata, v, self->frame);
}

/* vivid's "Inject VIDIOC_STREAMON Error" button. */
#define VIVID_CID_START_STR_ERROR	(0x00f00000 | 0xf000 | 69)

/*
 * The driver fails to start while a revoked buffer waits to be dequeued: the
 * driver returns the others to the queue, the revoked one stays returned
 * (videobuf2 must not take it for one the driver completed), and the next
 * STREAMON streams into the others.
 */
TEST_F(queued, start_error)
{
	struct v4l2_control inject = { .id = VIVID_CID_START_STR_ERROR };
	struct vivid *v = &self->v;
	unsigned int i, seen = 0;
	struct v4l2_buffer b;

	ASSERT_EQ(0, fallocate(v->file, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, v->stride, v->bufsize));
	ASSERT_EQ(0, ioctl(v->fd, VIDIOC_S_CTRL, &inject));
	EXPECT_NE(0, streamon(v)) TH_LOG("vivid did not fail STREAMON");
	ASSERT_EQ(0, streamon(v));
	ASSERT_EQ(0, dqbuf(v, &b));
	EXPECT_EQ(1, b.index);
	EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR);
	for (i = 0; i < NBUF - 1; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_TRUE(holds_frame(v, self->frame, b.index));
		seen |= 1U << b.index;
	}
	EXPECT_EQ(0xdU, seen);
}

/*
 * A driver that needs VB2MINQ_MIN_QUEUED buffers queued before it can start
 * (test/kmod/vb2_minq_test.c): buffers revoked before it started must not
 * count towards them, or it starts with fewer (and a real driver takes the
 * first of an empty list); and its start failing must not trip over them.
 */
FIXTURE(min_queued) {
	struct vivid v;
	unsigned char *frame;
};

/* The driver's one format. */
static int minq_format(int fd, bool output, struct v4l2_pix_format *pix)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	if (ioctl(fd, VIDIOC_G_FMT, &fmt))
		return -errno;
	*pix = fmt.fmt.pix;
	return 0;
}

/* A parameter of the module: what the driver saw. */
static long minq_param(const char *name)
{
	char path[128], buf[32] = "";
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), VB2MINQ_PARAMS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Set a writable parameter of the module. */
static int minq_set(const char *name, unsigned int val)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), VB2MINQ_PARAMS "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = dprintf(fd, "%u", val) > 0 ? 0 : -1;
	close(fd);
	return ret;
}

FIXTURE_SETUP(min_queued)
{
	self->v.fd = self->v.file = -1;
	if (queue_open(_metadata, &self->v,
		       open_node(VB2MINQ_DRIVER, V4L2_CAP_VIDEO_CAPTURE |
						  V4L2_CAP_STREAMING),
		       VB2MINQ_DRIVER " (test/kmod)", false, true, minq_format))
		return;
	ASSERT_EQ(VB2MINQ_SIZEIMAGE, self->v.pix.sizeimage);
	self->frame = malloc(VB2MINQ_SIZEIMAGE);
	ASSERT_NE(NULL, self->frame);
	memset(self->frame, VB2MINQ_FILL, VB2MINQ_SIZEIMAGE);
}

FIXTURE_TEARDOWN(min_queued)
{
	minq_set("fail_start", 0);
	minq_set("hold_ms", 0);
	vivid_close(_metadata, &self->v);
	free(self->frame);
}

/*
 * Two buffers queued and truncated before STREAMON: the driver is not
 * started (none of them counts), both come back as errors, and the driver
 * starts, with two buffers, when two valid ones are queued.
 */
TEST_F(min_queued, truncate_before_streamon)
{
	struct vivid *v = &self->v;
	long calls = minq_param("start_calls");
	struct v4l2_buffer b;
	unsigned int i, errors = 0;

	ASSERT_LE(0, calls);
	for (i = 0; i < VB2MINQ_MIN_QUEUED; i++)
		ASSERT_EQ(0, queue(v, i));
	ASSERT_EQ(0, ftruncate(v->file, 0));
	ASSERT_EQ(0, streamon(v));
	EXPECT_EQ(calls, minq_param("start_calls"))
		TH_LOG("the driver started with %ld of %ld buffers (count %ld)",
		       minq_param("start_bufs"), (long)VB2MINQ_MIN_QUEUED,
		       minq_param("start_count"));
	for (i = 0; i < VB2MINQ_MIN_QUEUED; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		if (b.flags & V4L2_BUF_FLAG_ERROR)
			errors |= 1U << b.index;
	}
	EXPECT_EQ(3U, errors);
	EXPECT_EQ(-EAGAIN, dqbuf_now(v, &b));

	/* One valid buffer is not enough, the second starts the driver. */
	ASSERT_EQ(0, ftruncate(v->file, v->memsize));
	ASSERT_EQ(0, queue(v, 2));
	EXPECT_EQ(calls, minq_param("start_calls"));
	ASSERT_EQ(0, queue(v, 3));
	EXPECT_EQ(calls + 1, minq_param("start_calls"));
	EXPECT_EQ(VB2MINQ_MIN_QUEUED, minq_param("start_count"));
	EXPECT_EQ(VB2MINQ_MIN_QUEUED, minq_param("start_bufs"));
	for (i = 0; i < VB2MINQ_MIN_QUEUED; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_TRUE(holds_frame(v, self->frame, b.index));
	}
}

/*
 * The QBUF that starts the driver fails while a revoked buffer waits to be
 * dequeued: the QBUF fails with the driver's error, the revoked buffer is
 * not taken for one the driver returned, and the next QBUF starts it.
 */
TEST_F(min_queued, qbuf_start_error)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b;
	unsigned int i;

	ASSERT_EQ(0, queue(v, 0));
	ASSERT_EQ(0, fallocate(v->file, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 0, v->bufsize));
	ASSERT_EQ(0, streamon(v));
	ASSERT_EQ(0, queue(v, 1));
	ASSERT_EQ(0, minq_set("fail_start", 1));
	EXPECT_EQ(-EIO, queue(v, 2));
	ASSERT_EQ(0, minq_set("fail_start", 0));
	ASSERT_EQ(0, queue(v, 2));
	EXPECT_EQ(VB2MINQ_MIN_QUEUED, minq_param("start_bufs"));
	ASSERT_EQ(0, dqbuf(v, &b));
	EXPECT_EQ(0, b.index);
	EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR);
	for (i = 1; i <= 2; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_EQ(i, b.index);
		EXPECT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
		EXPECT_TRUE(holds_frame(v, self->frame, i));
	}
}

/* In a thread: VIDIOC_S_INPUT, which holds the queue lock for hold_ms. */
static void *minq_hold(void *arg)
{
	int input = 0;

	ioctl(*(int *)arg, VIDIOC_S_INPUT, &input);
	return NULL;
}

/*
 * Memory revoked while an ioctl holds the queue lock: the revocation work
 * has to wait for the lock, and the ioctls that come first must take the
 * memory back themselves.  A prepared buffer is not queued on memory that
 * is gone, but prepared again with the memory QBUF gives now, and done
 * buffers are dequeued as errors.
 */
TEST_F(min_queued, revoked_while_locked)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b = {
		.index = 2,
		.type = v->type,
		.memory = V4L2_MEMORY_USERPTR,
		.m.userptr = (unsigned long)(v->mem + 2 * v->stride),
		.length = v->pix.sizeimage,
		.field = v->pix.field,
	};
	unsigned char *other;
	pthread_t holder;
	unsigned int i;

	other = mmap(NULL, v->bufsize, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, other);
	memset(other, SENTINEL, v->pix.sizeimage);
	ASSERT_EQ(0, ioctl(v->fd, VIDIOC_PREPARE_BUF, &b));
	for (i = 0; i < VB2MINQ_MIN_QUEUED; i++)
		ASSERT_EQ(0, queue(v, i));
	ASSERT_EQ(0, streamon(v));
	usleep(200 * 1000);	/* both frames are done, one each 10 ms */

	ASSERT_EQ(0, minq_set("hold_ms", 500));
	ASSERT_EQ(0, pthread_create(&holder, NULL, minq_hold, &v->fd));
	usleep(100 * 1000);	/* the holder has the lock */
	ASSERT_EQ(0, munmap(v->mem, v->memsize));
	v->mem = NULL;
	EXPECT_EQ(0, qbuf_at(v, 2, other)) TH_LOG("QBUF: %s", strerror(errno));
	pthread_join(holder, NULL);
	for (i = 0; i < VB2MINQ_MIN_QUEUED; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_EQ(i, b.index);
		EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR)
			TH_LOG("buffer %u dequeued whole after munmap()", b.index);
	}
	ASSERT_EQ(0, dqbuf(v, &b));
	EXPECT_EQ(2, b.index);
	EXPECT_EQ(0, b.flags & V4L2_BUF_FLAG_ERROR);
	EXPECT_EQ(0, memcmp(other, self->frame, v->pix.sizeimage))
		TH_LOG("the frame did not land in the memory QBUF gave");
	ioctl(v->fd, VIDIOC_STREAMOFF, &v->type);
	munmap(other, v->bufsize);
}

/*
 * The buffers are freed (REQBUFS 0) while their revocation work waits for
 * the queue lock: freeing must cancel that work, which must not wait for
 * the lock the freeing holds.  REQBUFS returns, and every pin is released.
 */
TEST_F(min_queued, free_while_revoking)
{
	struct v4l2_requestbuffers req = {
		.count = 0,
		.type = self->v.type,
		.memory = V4L2_MEMORY_USERPTR,
	};
	struct vivid *v = &self->v;
	pthread_t holder;
	unsigned int i;
	double t;

	/* Queued, not streaming: REQBUFS may free them. */
	for (i = 0; i < VB2MINQ_MIN_QUEUED; i++)
		ASSERT_EQ(0, queue(v, i));
	ASSERT_EQ(0, minq_set("hold_ms", 500));
	ASSERT_EQ(0, pthread_create(&holder, NULL, minq_hold, &v->fd));
	usleep(100 * 1000);	/* the holder has the lock */
	ASSERT_EQ(0, munmap(v->mem, v->memsize));
	v->mem = NULL;
	t = now();
	EXPECT_EQ(0, ioctl(v->fd, VIDIOC_REQBUFS, &req))
		TH_LOG("REQBUFS: %s", strerror(errno));
	EXPECT_LT(now() - t, 2.0);
	pthread_join(holder, NULL);
	usleep(100 * 1000);	/* a work that was not cancelled runs now */
}

/* vivid's media device, which allocates its requests; -1 if none. */
static int open_vivid_media(void)
{
	struct media_device_info info;
	char dev[32];
	int i, fd;

	for (i = 0; i < 16; i++) {
		snprintf(dev, sizeof(dev), "/dev/media%d", i);
		fd = open(dev, O_RDWR);
		if (fd < 0)
			continue;
		if (!ioctl(fd, MEDIA_IOC_DEVICE_INFO, &info) &&
		    !strcmp(info.driver, "vivid"))
			return fd;
		close(fd);
	}
	return -1;
}

/* Capture buffers queued through media requests (the Request API). */
FIXTURE(requests) {
	struct vivid v;
	int media;
	int req[2];
};

FIXTURE_SETUP(requests)
{
	self->req[0] = self->req[1] = -1;
	self->media = -1;
	if (!have_vivid(&self->v))
		SKIP(return, "no vivid device");
	self->media = open_vivid_media();
	if (self->media < 0)
		SKIP(return, "no vivid media device");
	vivid_open(_metadata, &self->v, false, true);
}

FIXTURE_TEARDOWN(requests)
{
	vivid_close(_metadata, &self->v);
	for (int i = 0; i < 2; i++)
		if (self->req[i] >= 0)
			close(self->req[i]);
	if (self->media >= 0)
		close(self->media);
}

static bool request_done(int req, int timeout_ms)
{
	struct pollfd pfd = { .fd = req, .events = POLLPRI };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLPRI);
}

/*
 * Requests (a buffer and a control each) queued before STREAMON wait for
 * the driver; a truncate that revokes their buffers completes them without
 * it, and the buffers come back as errors once streaming is on.
 */
TEST_F(requests, truncate_before_streamon)
{
	struct vivid *v = &self->v;
	struct v4l2_buffer b;
	unsigned int i;
	double t;

	for (i = 0; i < 2; i++) {
		struct v4l2_buffer q = {
			.index = i,
			.type = v->type,
			.memory = V4L2_MEMORY_USERPTR,
			.m.userptr = (unsigned long)(v->mem + i * v->stride),
			.length = v->pix.sizeimage,
			.field = v->pix.field,
			.flags = V4L2_BUF_FLAG_REQUEST_FD,
		};

		struct v4l2_ext_control brightness = {
			.id = V4L2_CID_BRIGHTNESS,
			.value = 100 + i,
		};
		struct v4l2_ext_controls ctrls = {
			.which = V4L2_CTRL_WHICH_REQUEST_VAL,
			.count = 1,
			.controls = &brightness,
		};

		ASSERT_EQ(0, ioctl(self->media, MEDIA_IOC_REQUEST_ALLOC,
				   &self->req[i]));
		/* A control too: the driver completes it with the buffer. */
		ctrls.request_fd = self->req[i];
		ASSERT_EQ(0, ioctl(v->fd, VIDIOC_S_EXT_CTRLS, &ctrls))
			TH_LOG("S_EXT_CTRLS in a request: %s", strerror(errno));
		q.request_fd = self->req[i];
		ASSERT_EQ(0, ioctl(v->fd, VIDIOC_QBUF, &q))
			TH_LOG("QBUF with a request: %s", strerror(errno));
		ASSERT_EQ(0, ioctl(self->req[i], MEDIA_REQUEST_IOC_QUEUE));
	}
	EXPECT_FALSE(request_done(self->req[0], 0));

	t = now();
	ASSERT_EQ(0, ftruncate(v->file, 0));
	EXPECT_LT(now() - t, 5.0);
	for (i = 0; i < 2; i++)
		EXPECT_TRUE(request_done(self->req[i], 2000))
			TH_LOG("request %u still waits for its buffer", i);

	ASSERT_EQ(0, streamon(v));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, dqbuf(v, &b));
		EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR);
	}
	EXPECT_EQ(-EAGAIN, dqbuf_now(v, &b));
}

/*
 * A process that exits with DAX USERPTR buffers queued and streaming: exit
 * unmaps the memory first, which revokes every lease, and closes the device
 * after, which frees the buffers while the revocations may still be under
 * way.  vim2m releases its queues without their lock, and its transaction
 * holds buffers when the process exits.  Nothing may be unpinned twice or
 * leak, and the file must truncate at once afterwards.
 */
#define EXIT_ROUNDS	8
#define VIM2M_CID_TRANS_TIME_MSEC	(V4L2_CID_USER_BASE + 0x1000)

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* In the child: stream into the DAX file and return without cleaning up. */
static int exit_vivid(const char *dir)
{
	struct v4l2_requestbuffers req = {
		.count = NBUF,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_USERPTR,
	};
	struct vivid v = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_buffer b;
	unsigned int i;

	v.fd = open_vivid(false);
	if (v.fd < 0 || set_format(v.fd, false, &v.pix) ||
	    map_memory(&v, dir) || ioctl(v.fd, VIDIOC_REQBUFS, &req))
		return 10;
	for (i = 0; i < NBUF; i++)
		if (queue(&v, i))
			return 11;
	if (streamon(&v) || dqbuf(&v, &b) || queue(&v, b.index))
		return 12;
	return 0;
}

static int exit_vim2m(const char *dir)
{
	struct v4l2_control trans = {
		.id = VIM2M_CID_TRANS_TIME_MSEC,
		.value = 200,
	};
	enum v4l2_buf_type types[2] = {
		V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_BUF_TYPE_VIDEO_CAPTURE,
	};
	char path[256];
	size_t stride = SZ_2M;
	unsigned char *mem;
	int fd, file, t;
	unsigned int i;

	fd = open_node("vim2m", V4L2_CAP_VIDEO_M2M | V4L2_CAP_STREAMING);
	if (fd < 0 || ioctl(fd, VIDIOC_S_CTRL, &trans))
		return 10;
	snprintf(path, sizeof(path), "%s/v4l2_userptr.%d", dir, getpid());
	file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file < 0 || ftruncate(file, 2 * NBUF * stride))
		return 10;
	mem = mmap(NULL, 2 * NBUF * stride, PROT_READ | PROT_WRITE,
		   MAP_SHARED, file, 0);
	if (mem == MAP_FAILED)
		return 10;
	for (t = 0; t < 2; t++) {
		struct v4l2_format fmt = { .type = types[t] };
		struct v4l2_requestbuffers req = {
			.count = NBUF,
			.type = types[t],
			.memory = V4L2_MEMORY_USERPTR,
		};

		if (ioctl(fd, VIDIOC_G_FMT, &fmt) ||
		    round_up(fmt.fmt.pix.sizeimage, 4096) > stride ||
		    ioctl(fd, VIDIOC_REQBUFS, &req))
			return 10;
		for (i = 0; i < NBUF; i++) {
			struct v4l2_buffer b = {
				.index = i,
				.type = types[t],
				.memory = V4L2_MEMORY_USERPTR,
				.m.userptr = (unsigned long)(mem +
					(t * NBUF + i) * stride),
				.length = fmt.fmt.pix.sizeimage,
				.bytesused = t ? 0 : fmt.fmt.pix.sizeimage,
				.field = V4L2_FIELD_NONE,
			};

			memset(mem + (t * NBUF + i) * stride, 0x10 + i,
			       fmt.fmt.pix.sizeimage);
			if (ioctl(fd, VIDIOC_QBUF, &b))
				return 11;
		}
	}
	for (t = 0; t < 2; t++)
		if (ioctl(fd, VIDIOC_STREAMON, &types[t]))
			return 12;
	/* A transaction is under way: its buffers belong to the driver. */
	usleep(50 * 1000);
	return 0;
}

FIXTURE(exit) {
	const char *dir;
	long pins;
};

FIXTURE_VARIANT(exit) {
	bool m2m;
};

FIXTURE_VARIANT_ADD(exit, vivid) { .m2m = false };
FIXTURE_VARIANT_ADD(exit, vim2m) { .m2m = true };

FIXTURE_SETUP(exit)
{
	int fd;

	self->dir = getenv("DAX_DIR");
	if (!self->dir)
		SKIP(return, "DAX_DIR is not set");
	fd = variant->m2m ? open_node("vim2m", V4L2_CAP_VIDEO_M2M) :
			    open_vivid(false);
	if (fd < 0)
		SKIP(return, "no %s device", variant->m2m ? "vim2m" : "vivid");
	close(fd);
	self->pins = lt_pins();
}

FIXTURE_TEARDOWN(exit)
{
}

TEST_F(exit, with_dax_buffers)
{
	unsigned int round;
	char path[256];
	int status;
	pid_t pid;
	double t;

	for (round = 0; round < EXIT_ROUNDS; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(variant->m2m ? exit_vim2m(self->dir) :
					     exit_vivid(self->dir));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		snprintf(path, sizeof(path), "%s/v4l2_userptr.%d", self->dir,
			 pid);
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status))
			TH_LOG("round %u: the child's setup failed at step %d",
			       round, WEXITSTATUS(status));
		t = now();
		EXPECT_EQ(0, truncate(path, 0));
		EXPECT_LT(now() - t, 5.0);
		unlink(path);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	if (self->pins >= 0)
		EXPECT_EQ(self->pins, lt_pins()) TH_LOG("FOLL_PIN pins leaked");
}

/*
 * vim2m streaming OUTPUT only, with DAX buffers: no job can run without
 * CAPTURE, so the driver holds the queued OUTPUT buffers without using
 * them, for as long as userspace does nothing.  A truncate must not wait
 * for that: the driver returns them at once, as errors.
 */
TEST(m2m_output_waits_for_capture)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	struct v4l2_requestbuffers req = {
		.count = NBUF,
		.type = type,
		.memory = V4L2_MEMORY_USERPTR,
	};
	struct v4l2_format fmt = { .type = type };
	const char *dir = getenv("DAX_DIR");
	long pins = lt_pins();
	size_t stride = SZ_2M;
	unsigned char *mem;
	char path[256];
	unsigned int i;
	int fd, file;
	double t;

	if (!dir)
		SKIP(return, "DAX_DIR is not set");
	fd = open_node("vim2m", V4L2_CAP_VIDEO_M2M | V4L2_CAP_STREAMING);
	if (fd < 0)
		SKIP(return, "no vim2m device");
	snprintf(path, sizeof(path), "%s/v4l2_userptr.%d", dir, getpid());
	file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, ftruncate(file, NBUF * stride));
	mem = mmap(NULL, NBUF * stride, PROT_READ | PROT_WRITE, MAP_SHARED,
		   file, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, ioctl(fd, VIDIOC_G_FMT, &fmt));
	ASSERT_GE(stride, fmt.fmt.pix.sizeimage);
	ASSERT_EQ(0, ioctl(fd, VIDIOC_REQBUFS, &req));
	for (i = 0; i < NBUF; i++) {
		struct v4l2_buffer b = {
			.index = i,
			.type = type,
			.memory = V4L2_MEMORY_USERPTR,
			.m.userptr = (unsigned long)(mem + i * stride),
			.length = fmt.fmt.pix.sizeimage,
			.bytesused = fmt.fmt.pix.sizeimage,
			.field = V4L2_FIELD_NONE,
		};

		memset(mem + i * stride, 0x10 + i, fmt.fmt.pix.sizeimage);
		ASSERT_EQ(0, ioctl(fd, VIDIOC_QBUF, &b))
			TH_LOG("QBUF: %s", strerror(errno));
	}
	ASSERT_EQ(0, ioctl(fd, VIDIOC_STREAMON, &type));

	t = timed_truncate(path, 5.0);
	EXPECT_LE(0, t);
	EXPECT_LT(t, 5.0) TH_LOG("the truncate waited for the OUTPUT buffers");
	for (i = 0; i < NBUF; i++) {
		struct v4l2_buffer b = {
			.type = type,
			.memory = V4L2_MEMORY_USERPTR,
		};
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };

		ASSERT_EQ(1, poll(&pfd, 1, FRAME_TIMEOUT));
		ASSERT_EQ(0, ioctl(fd, VIDIOC_DQBUF, &b));
		EXPECT_NE(0, b.flags & V4L2_BUF_FLAG_ERROR);
	}
	ioctl(fd, VIDIOC_STREAMOFF, &type);
	req.count = 0;
	ioctl(fd, VIDIOC_REQBUFS, &req);
	close(fd);
	munmap(mem, NBUF * stride);
	close(file);
	unlink(path);
	if (pins >= 0)
		EXPECT_EQ(pins, lt_pins()) TH_LOG("FOLL_PIN pins leaked");
}

/*
 * Multi-planar capture (vivid's second instance, multiplanar=2) in NV16M:
 * two planes per buffer, each in a 2 MiB range of the DAX file of its own,
 * pinned under the one lease of their buffer.
 */
#define MPLANES		2

FIXTURE(mplane) {
	int fd;
	int file;
	char path[256];
	unsigned char *mem;
	size_t memsize;
	__u32 plane_size[MPLANES];
	long pins;
};

static unsigned char *plane_at(FIXTURE_DATA(mplane) *self, unsigned int i,
			       unsigned int p)
{
	return self->mem + (i * MPLANES + p) * SZ_2M;
}

/* Queue buffer @i, plane 1 at @plane1 (its own place if NULL). */
static int mplane_queue(FIXTURE_DATA(mplane) *self, unsigned int i,
			unsigned char *plane1)
{
	struct v4l2_plane planes[MPLANES] = {};
	struct v4l2_buffer b = {
		.index = i,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
		.memory = V4L2_MEMORY_USERPTR,
		.m.planes = planes,
		.length = MPLANES,
		.field = V4L2_FIELD_NONE,
	};
	unsigned int p;

	for (p = 0; p < MPLANES; p++) {
		unsigned char *addr = p && plane1 ? plane1 : plane_at(self, i, p);

		memset(addr, SENTINEL, self->plane_size[p]);
		planes[p].m.userptr = (unsigned long)addr;
		planes[p].length = self->plane_size[p];
	}
	return ioctl(self->fd, VIDIOC_QBUF, &b) ? -errno : 0;
}

/* Dequeue one buffer: its index, or -errno; *error says if it is flagged. */
static int mplane_dqbuf(FIXTURE_DATA(mplane) *self, bool *error)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	struct v4l2_plane planes[MPLANES] = {};
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
		.memory = V4L2_MEMORY_USERPTR,
		.m.planes = planes,
		.length = MPLANES,
	};
	int ret = poll(&pfd, 1, FRAME_TIMEOUT);

	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	if (ioctl(self->fd, VIDIOC_DQBUF, &b))
		return -errno;
	*error = b.flags & V4L2_BUF_FLAG_ERROR;
	return b.index;
}

/* Both planes of buffer @i hold something other than SENTINEL. */
static bool mplane_filled(FIXTURE_DATA(mplane) *self, unsigned int i)
{
	unsigned int p;

	for (p = 0; p < MPLANES; p++)
		if (plane_at(self, i, p)[0] == SENTINEL &&
		    !memcmp(plane_at(self, i, p), plane_at(self, i, p) + 1,
			    self->plane_size[p] - 1))
			return false;
	return true;
}

FIXTURE_SETUP(mplane)
{
	const char *dir = getenv("DAX_DIR");
	struct v4l2_format fmt = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
	};
	struct v4l2_requestbuffers req = {
		.count = NBUF,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
		.memory = V4L2_MEMORY_USERPTR,
	};
	unsigned int p;

	self->fd = self->file = -1;
	self->mem = MAP_FAILED;
	if (!dir)
		SKIP(return, "DAX_DIR is not set");
	self->fd = open_node("vivid", V4L2_CAP_VIDEO_CAPTURE_MPLANE |
			     V4L2_CAP_STREAMING);
	if (self->fd < 0)
		SKIP(return, "no multi-planar vivid capture device");
	self->pins = lt_pins();
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_G_FMT, &fmt));
	fmt.fmt.pix_mp.width = WIDTH;
	fmt.fmt.pix_mp.height = HEIGHT;
	fmt.fmt.pix_mp.pixelformat = V4L2_PIX_FMT_NV16M;
	fmt.fmt.pix_mp.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_S_FMT, &fmt));
	ASSERT_EQ(MPLANES, fmt.fmt.pix_mp.num_planes);
	for (p = 0; p < MPLANES; p++) {
		self->plane_size[p] = fmt.fmt.pix_mp.plane_fmt[p].sizeimage;
		ASSERT_GE(SZ_2M, self->plane_size[p]);
	}
	/* One spare 2 MiB range at the end, for a plane that moves. */
	self->memsize = (NBUF * MPLANES + 1) * SZ_2M;
	snprintf(self->path, sizeof(self->path), "%s/v4l2_userptr.%d", dir,
		 getpid());
	self->file = open(self->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, ftruncate(self->file, self->memsize));
	self->mem = mmap(NULL, self->memsize, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->file, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_REQBUFS, &req));
	ASSERT_EQ(NBUF, req.count);
}

FIXTURE_TEARDOWN(mplane)
{
	struct v4l2_requestbuffers req = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
		.memory = V4L2_MEMORY_USERPTR,
	};
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;

	if (self->fd < 0)
		return;
	ioctl(self->fd, VIDIOC_STREAMOFF, &type);
	ioctl(self->fd, VIDIOC_REQBUFS, &req);
	close(self->fd);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, self->memsize);
	if (self->file >= 0) {
		close(self->file);
		unlink(self->path);
	}
	if (self->pins >= 0)
		EXPECT_EQ(self->pins, lt_pins()) TH_LOG("FOLL_PIN pins leaked");
}

/*
 * Frames fill both planes; a hole punched in the second plane of one buffer
 * revokes that buffer, both planes, and no other; queued again, with its
 * second plane moved elsewhere, it streams again.
 */
TEST_F(mplane, punch_one_plane)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	unsigned int i, errors = 0, seen = 0;
	bool error;
	int idx;

	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, mplane_queue(self, i, NULL));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
	for (i = 0; i < 2; i++) {
		idx = mplane_dqbuf(self, &error);
		ASSERT_LE(0, idx);
		ASSERT_FALSE(error);
		EXPECT_TRUE(mplane_filled(self, idx));
		ASSERT_EQ(0, mplane_queue(self, idx, NULL));
	}

	ASSERT_EQ(0, fallocate(self->file, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE,
			       plane_at(self, 2, 1) - self->mem,
			       self->plane_size[1]));
	for (i = 0; i < NBUF; i++) {
		idx = mplane_dqbuf(self, &error);
		ASSERT_LE(0, idx);
		if (error)
			errors |= 1U << idx;
	}
	EXPECT_EQ(1U << 2, errors) TH_LOG("error mask 0x%x", errors);

	for (i = 0; i < NBUF; i++)
		ASSERT_EQ(0, mplane_queue(self, i, i == 2 ?
				self->mem + NBUF * MPLANES * SZ_2M : NULL));
	for (i = 0; i < NFRAMES && seen != (1U << NBUF) - 1; i++) {
		idx = mplane_dqbuf(self, &error);
		ASSERT_LE(0, idx);
		ASSERT_FALSE(error);
		seen |= 1U << idx;
		ASSERT_EQ(0, mplane_queue(self, idx, idx == 2 ?
				self->mem + NBUF * MPLANES * SZ_2M : NULL));
	}
	EXPECT_EQ((1U << NBUF) - 1, seen);
}

TEST_HARNESS_MAIN
