// SPDX-License-Identifier: GPL-2.0
/*
 * A V4L2 capture driver that needs two buffers queued before it can start,
 * for test/v4l2_userptr.c.
 *
 * Many capture drivers set vb2_queue.min_queued_buffers: their DMA engine
 * needs that many buffers before it starts, and their start_streaming()
 * takes the first ones off their list without looking.  No test driver in
 * the tree does (vivid and vim2m start with none), so this one plays such a
 * driver: one node, vb2-vmalloc, USERPTR and MMAP, min_queued_buffers 2,
 * and on kernels with revocable USERPTR memory it opts in to it, so that
 * it takes filesystem-DAX buffers.  A "frame" is the whole buffer set to
 * VB2MINQ_FILL, one every 10 ms.
 *
 * What the driver saw at its last start_streaming() call is readable in
 * /sys/module/vb2_minq_test/parameters/ (start_calls, start_count,
 * start_bufs); writing 1 to fail_start makes start_streaming() fail with
 * -EIO until 0 is written.  A start with fewer buffers than the queue's
 * minimum warns, as such a driver would crash.  VIDIOC_S_INPUT holds the
 * queue lock for hold_ms milliseconds, as a slow ioctl of a real driver
 * does.
 *
 * Built out of tree against the kernel under test, unpatched or patched.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/workqueue.h>
#include <media/v4l2-device.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-v4l2.h>
#include <media/videobuf2-vmalloc.h>

#include "vb2_minq_test.h"

static unsigned int start_calls, start_count, start_bufs;
module_param(start_calls, uint, 0444);
MODULE_PARM_DESC(start_calls, "start_streaming() calls so far");
module_param(start_count, uint, 0444);
MODULE_PARM_DESC(start_count, "the count start_streaming() was last given");
module_param(start_bufs, uint, 0444);
MODULE_PARM_DESC(start_bufs, "buffers the driver had at the last start");
static bool fail_start;
module_param(fail_start, bool, 0644);
MODULE_PARM_DESC(fail_start, "make start_streaming() fail with -EIO");
static unsigned int hold_ms;
module_param(hold_ms, uint, 0644);
MODULE_PARM_DESC(hold_ms, "how long VIDIOC_S_INPUT holds the queue lock");

struct minq_buffer {
	struct vb2_v4l2_buffer vb;
	struct list_head list;
};

struct minq {
	struct platform_device *pdev;
	struct v4l2_device v4l2_dev;
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* the queue's and the node's */
	spinlock_t qlock;		/* active */
	struct list_head active;	/* buffers the driver has */
	struct delayed_work frame_work;
	unsigned int sequence;
};

static struct minq *minq;

static int minq_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			    unsigned int *nplanes, unsigned int sizes[],
			    struct device *alloc_devs[])
{
	if (*nplanes)
		return sizes[0] < VB2MINQ_SIZEIMAGE ? -EINVAL : 0;
	*nplanes = 1;
	sizes[0] = VB2MINQ_SIZEIMAGE;
	return 0;
}

static int minq_buf_prepare(struct vb2_buffer *vb)
{
	if (vb2_plane_size(vb, 0) < VB2MINQ_SIZEIMAGE)
		return -EINVAL;
	vb2_set_plane_payload(vb, 0, VB2MINQ_SIZEIMAGE);
	return 0;
}

static void minq_buf_queue(struct vb2_buffer *vb)
{
	struct minq_buffer *buf = container_of(to_vb2_v4l2_buffer(vb),
					       struct minq_buffer, vb);
	unsigned long flags;

	spin_lock_irqsave(&minq->qlock, flags);
	list_add_tail(&buf->list, &minq->active);
	spin_unlock_irqrestore(&minq->qlock, flags);
}

static void minq_return_all(enum vb2_buffer_state state)
{
	struct minq_buffer *buf, *next;
	unsigned long flags;

	spin_lock_irqsave(&minq->qlock, flags);
	list_for_each_entry_safe(buf, next, &minq->active, list) {
		list_del(&buf->list);
		vb2_buffer_done(&buf->vb.vb2_buf, state);
	}
	spin_unlock_irqrestore(&minq->qlock, flags);
}

/* The "DMA engine": fill the oldest buffer the driver has, every 10 ms. */
static void minq_frame(struct work_struct *work)
{
	struct minq_buffer *buf;
	unsigned long flags;

	spin_lock_irqsave(&minq->qlock, flags);
	buf = list_first_entry_or_null(&minq->active, struct minq_buffer, list);
	if (buf)
		list_del(&buf->list);
	spin_unlock_irqrestore(&minq->qlock, flags);
	if (buf) {
		memset(vb2_plane_vaddr(&buf->vb.vb2_buf, 0), VB2MINQ_FILL,
		       VB2MINQ_SIZEIMAGE);
		buf->vb.sequence = minq->sequence++;
		buf->vb.field = V4L2_FIELD_NONE;
		buf->vb.vb2_buf.timestamp = ktime_get_ns();
		vb2_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_DONE);
	}
	schedule_delayed_work(&minq->frame_work, msecs_to_jiffies(10));
}

static int minq_start_streaming(struct vb2_queue *q, unsigned int count)
{
	unsigned long flags;

	spin_lock_irqsave(&minq->qlock, flags);
	start_bufs = list_count_nodes(&minq->active);
	spin_unlock_irqrestore(&minq->qlock, flags);
	start_count = count;
	start_calls++;
	WARN(start_bufs < q->min_queued_buffers,
	     "vb2_minq_test: started with %u buffers, needs %u\n",
	     start_bufs, q->min_queued_buffers);
	if (fail_start) {
		minq_return_all(VB2_BUF_STATE_QUEUED);
		return -EIO;
	}
	minq->sequence = 0;
	schedule_delayed_work(&minq->frame_work, msecs_to_jiffies(10));
	return 0;
}

static void minq_stop_streaming(struct vb2_queue *q)
{
	cancel_delayed_work_sync(&minq->frame_work);
	minq_return_all(VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops minq_qops = {
	.queue_setup = minq_queue_setup,
	.buf_prepare = minq_buf_prepare,
	.buf_queue = minq_buf_queue,
	.start_streaming = minq_start_streaming,
	.stop_streaming = minq_stop_streaming,
};

static int minq_querycap(struct file *file, void *priv,
			 struct v4l2_capability *cap)
{
	strscpy(cap->driver, VB2MINQ_DRIVER, sizeof(cap->driver));
	strscpy(cap->card, "vb2 min_queued_buffers test", sizeof(cap->card));
	strscpy(cap->bus_info, "platform:" VB2MINQ_DRIVER,
		sizeof(cap->bus_info));
	return 0;
}

static int minq_enum_fmt(struct file *file, void *priv, struct v4l2_fmtdesc *f)
{
	if (f->index)
		return -EINVAL;
	f->pixelformat = V4L2_PIX_FMT_GREY;
	return 0;
}

/* One format, which every G/S/TRY_FMT returns. */
static int minq_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct v4l2_pix_format *pix = &f->fmt.pix;

	pix->width = VB2MINQ_WIDTH;
	pix->height = VB2MINQ_SIZEIMAGE / VB2MINQ_WIDTH;
	pix->pixelformat = V4L2_PIX_FMT_GREY;
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = VB2MINQ_WIDTH;
	pix->sizeimage = VB2MINQ_SIZEIMAGE;
	pix->colorspace = V4L2_COLORSPACE_RAW;
	pix->priv = 0;
	return 0;
}

static int minq_enum_input(struct file *file, void *priv,
			   struct v4l2_input *i)
{
	if (i->index)
		return -EINVAL;
	i->type = V4L2_INPUT_TYPE_CAMERA;
	strscpy(i->name, "Camera", sizeof(i->name));
	return 0;
}

static int minq_g_input(struct file *file, void *priv, unsigned int *i)
{
	*i = 0;
	return 0;
}

/* Called with the queue lock held, which is also the node's. */
static int minq_s_input(struct file *file, void *priv, unsigned int i)
{
	msleep(READ_ONCE(hold_ms));
	return i ? -EINVAL : 0;
}

static const struct v4l2_ioctl_ops minq_ioctl_ops = {
	.vidioc_querycap = minq_querycap,
	.vidioc_enum_fmt_vid_cap = minq_enum_fmt,
	.vidioc_g_fmt_vid_cap = minq_fmt,
	.vidioc_s_fmt_vid_cap = minq_fmt,
	.vidioc_try_fmt_vid_cap = minq_fmt,
	.vidioc_enum_input = minq_enum_input,
	.vidioc_g_input = minq_g_input,
	.vidioc_s_input = minq_s_input,
	.vidioc_reqbufs = vb2_ioctl_reqbufs,
	.vidioc_create_bufs = vb2_ioctl_create_bufs,
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,
	.vidioc_querybuf = vb2_ioctl_querybuf,
	.vidioc_qbuf = vb2_ioctl_qbuf,
	.vidioc_dqbuf = vb2_ioctl_dqbuf,
	.vidioc_streamon = vb2_ioctl_streamon,
	.vidioc_streamoff = vb2_ioctl_streamoff,
};

static const struct v4l2_file_operations minq_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.unlocked_ioctl = video_ioctl2,
	.mmap = vb2_fop_mmap,
	.poll = vb2_fop_poll,
};

static int __init minq_init(void)
{
	struct vb2_queue *q;
	int ret;

	minq = kzalloc_obj(*minq);
	if (!minq)
		return -ENOMEM;
	mutex_init(&minq->lock);
	spin_lock_init(&minq->qlock);
	INIT_LIST_HEAD(&minq->active);
	INIT_DELAYED_WORK(&minq->frame_work, minq_frame);

	minq->pdev = platform_device_register_simple(VB2MINQ_DRIVER, -1,
						     NULL, 0);
	if (IS_ERR(minq->pdev)) {
		ret = PTR_ERR(minq->pdev);
		goto free;
	}
	/* Named here: the platform device has no driver to name it after. */
	strscpy(minq->v4l2_dev.name, VB2MINQ_DRIVER);
	ret = v4l2_device_register(&minq->pdev->dev, &minq->v4l2_dev);
	if (ret)
		goto unregister_pdev;

	q = &minq->queue;
	q->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_USERPTR;
	q->drv_priv = minq;
	q->buf_struct_size = sizeof(struct minq_buffer);
	q->ops = &minq_qops;
	q->mem_ops = &vb2_vmalloc_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
	q->min_queued_buffers = VB2MINQ_MIN_QUEUED;
	q->lock = &minq->lock;
	q->dev = &minq->pdev->dev;
#ifdef VB2MINQ_REVOCABLE_USERPTR
	/* It touches a buffer's memory only between buf_queue and done. */
	q->revocable_userptr = 1;
#endif
	ret = vb2_queue_init(q);
	if (ret)
		goto unregister_v4l2;

	strscpy(minq->vdev.name, VB2MINQ_DRIVER, sizeof(minq->vdev.name));
	minq->vdev.release = video_device_release_empty;
	minq->vdev.fops = &minq_fops;
	minq->vdev.ioctl_ops = &minq_ioctl_ops;
	minq->vdev.device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	minq->vdev.lock = &minq->lock;
	minq->vdev.queue = q;
	minq->vdev.v4l2_dev = &minq->v4l2_dev;
	ret = video_register_device(&minq->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto unregister_v4l2;
	return 0;

unregister_v4l2:
	v4l2_device_unregister(&minq->v4l2_dev);
unregister_pdev:
	platform_device_unregister(minq->pdev);
free:
	kfree(minq);
	return ret;
}

static void __exit minq_exit(void)
{
	video_unregister_device(&minq->vdev);
	v4l2_device_unregister(&minq->v4l2_dev);
	platform_device_unregister(minq->pdev);
	kfree(minq);
}

module_init(minq_init);
module_exit(minq_exit);
MODULE_DESCRIPTION("A V4L2 capture driver needing two queued buffers, for tests");
MODULE_LICENSE("GPL");
