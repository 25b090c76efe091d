// SPDX-License-Identifier: GPL-2.0
/*
 * Reach videobuf-dma-sg from userspace, for test/videobuf_dma_sg.c.
 *
 * QEMU emulates no hardware that uses videobuf (videobuf 1), so this
 * module plays a capture driver with one buffer per open file of
 * /sys/kernel/debug/videobuf_dma_sg_test: VBTEST_PIN prepares a USERPTR
 * buffer as a driver's buf_prepare does, with videobuf_iolock(), which
 * pins the user memory with videobuf_dma_init_user() and maps it for DMA
 * to a platform device; VBTEST_FREE (and close) releases it as a driver
 * does, with videobuf_dma_unmap() and videobuf_dma_free().  No DMA
 * happens.
 *
 * Built out of tree against the kernel under test, unpatched or patched,
 * so that both run the same test.
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <media/videobuf-dma-sg.h>

#include "videobuf_dma_sg_test.h"

static struct platform_device *vbtest_pdev;
static struct dentry *vbtest_file;

struct vbtest {
	struct videobuf_queue q;
	struct videobuf_buffer *vb;
	bool prepared;
	struct mutex lock;	/* the queue's lock, and this structure's */
	spinlock_t irqlock;
};

/* videobuf_queue_core_init() wants every op; none of them is called. */
static int vbtest_buf_setup(struct videobuf_queue *q, unsigned int *count,
			    unsigned int *size)
{
	return -EINVAL;
}

static int vbtest_buf_prepare(struct videobuf_queue *q,
			      struct videobuf_buffer *vb,
			      enum v4l2_field field)
{
	return -EINVAL;
}

static void vbtest_buf_queue(struct videobuf_queue *q,
			     struct videobuf_buffer *vb)
{
}

static void vbtest_buf_release(struct videobuf_queue *q,
			       struct videobuf_buffer *vb)
{
}

static const struct videobuf_queue_ops vbtest_qops = {
	.buf_setup = vbtest_buf_setup,
	.buf_prepare = vbtest_buf_prepare,
	.buf_queue = vbtest_buf_queue,
	.buf_release = vbtest_buf_release,
};

static void vbtest_free(struct vbtest *t)
{
	struct videobuf_dmabuf *dma = videobuf_to_dma(t->vb);

	videobuf_dma_unmap(t->q.dev, dma);
	videobuf_dma_free(dma);
	t->prepared = false;
}

static int vbtest_open(struct inode *inode, struct file *file)
{
	struct vbtest *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	mutex_init(&t->lock);
	spin_lock_init(&t->irqlock);
	videobuf_queue_sg_init(&t->q, &vbtest_qops, &vbtest_pdev->dev,
			       &t->irqlock, V4L2_BUF_TYPE_VIDEO_CAPTURE,
			       V4L2_FIELD_NONE, sizeof(struct videobuf_buffer),
			       t, &t->lock);
	t->vb = videobuf_sg_alloc(sizeof(struct videobuf_buffer));
	if (!t->vb) {
		kfree(t);
		return -ENOMEM;
	}
	file->private_data = t;
	return 0;
}

static int vbtest_release(struct inode *inode, struct file *file)
{
	struct vbtest *t = file->private_data;

	if (t->prepared)
		vbtest_free(t);
	kfree(t->vb);
	kfree(t);
	return 0;
}

static long vbtest_pin(struct vbtest *t, struct vbtest_pin __user *arg)
{
	struct vbtest_pin pin;

	if (copy_from_user(&pin, arg, sizeof(pin)))
		return -EFAULT;
	if (t->prepared)
		return -EBUSY;

	t->vb->memory = V4L2_MEMORY_USERPTR;
	t->vb->baddr = pin.addr;
	t->vb->bsize = pin.size;
	t->vb->size = pin.size;
	pin.ret = videobuf_iolock(&t->q, t->vb, NULL);
	pin.nr_pages = videobuf_to_dma(t->vb)->pages ?
		       videobuf_to_dma(t->vb)->nr_pages : 0;
	/* Even a failed buffer is released by the driver, as bttv does. */
	t->prepared = true;

	return copy_to_user(arg, &pin, sizeof(pin)) ? -EFAULT : 0;
}

static long vbtest_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct vbtest *t = file->private_data;
	long ret = 0;

	mutex_lock(&t->lock);
	switch (cmd) {
	case VBTEST_PIN:
		ret = vbtest_pin(t, (struct vbtest_pin __user *)arg);
		break;
	case VBTEST_FREE:
		if (t->prepared)
			vbtest_free(t);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&t->lock);
	return ret;
}

static const struct file_operations vbtest_fops = {
	.owner = THIS_MODULE,
	.open = vbtest_open,
	.release = vbtest_release,
	.unlocked_ioctl = vbtest_ioctl,
};

static int __init vbtest_init(void)
{
	int ret;

	vbtest_pdev = platform_device_register_simple("videobuf_dma_sg_test",
						      PLATFORM_DEVID_NONE,
						      NULL, 0);
	if (IS_ERR(vbtest_pdev))
		return PTR_ERR(vbtest_pdev);
	ret = dma_coerce_mask_and_coherent(&vbtest_pdev->dev,
					   DMA_BIT_MASK(64));
	if (ret)
		goto err;
	vbtest_file = debugfs_create_file("videobuf_dma_sg_test", 0600, NULL,
					  NULL, &vbtest_fops);
	if (IS_ERR(vbtest_file)) {
		ret = PTR_ERR(vbtest_file);
		goto err;
	}
	return 0;
err:
	platform_device_unregister(vbtest_pdev);
	return ret;
}

static void __exit vbtest_exit(void)
{
	debugfs_remove(vbtest_file);
	platform_device_unregister(vbtest_pdev);
}

module_init(vbtest_init);
module_exit(vbtest_exit);
MODULE_DESCRIPTION("videobuf-dma-sg USERPTR pinning from userspace, for tests");
MODULE_LICENSE("GPL");
