#!/bin/sh
# Usage: GUEST_FS="fs..." [KERNEL=base|patched] boot.sh BZIMAGE INITRAMFS OUTDIR test|shell
# Boot the guest under QEMU TCG, an nvdimm per GUEST_FS; test: the suite's
# KTAP to OUTDIR/ktap.log, the console to OUTDIR/console.log.
set -eu
kernel=$1 initrd=$2 out=$3 mode=$4
: "${GUEST_FS:?}" "${BOOT_TIMEOUT:=2400}" "${TEST_TIMEOUT:=300}"
: "${GUEST_MEM:=2G}" "${KERNEL:=patched}"

mkdir -p "$out"
rm -f "$out/console.log" "$out/ktap.log" "$out/qemu.status"
pmem="" i=0
for _ in $GUEST_FS; do
	truncate -s 0 "$out/pmem$i.img"
	truncate -s 1G "$out/pmem$i.img"
	pmem="$pmem -object memory-backend-file,id=pmem$i,share=on,mem-path=$out/pmem$i.img,size=1G,align=2M"
	pmem="$pmem -device nvdimm,id=nvdimm$i,memdev=pmem$i"
	i=$((i + 1))
done
trap 'rm -f "$out"/pmem*.img' EXIT

# no5lvl: 4-level paging, as the 6.12 kernels of v1 and v2 had.  7.3 always
# builds 5-level support, QEMU's "max" CPU has LA57, and one boot of three
# with it reported a KASAN wild access in handle_edge_irq() during early
# boot, in the base's code, before any of the series' ran.
cmdline="console=ttyS0 panic=-1 no5lvl harness.mode=$mode harness.timeout=$TEST_TIMEOUT"
cmdline="$cmdline harness.run=${RUN:-0} harness.fs=$(echo $GUEST_FS | tr ' ' ,) harness.kernel=$KERNEL"
# A second vivid, multi-planar and video capture only, for the USERPTR
# tests of multi-planar buffers (test/v4l2_userptr.c).
cmdline="$cmdline vivid.n_devs=2 vivid.multiplanar=1,2 vivid.node_types=0xe1d3d,0x1"
# shellcheck disable=SC2086 # $pmem is a list of options
set -- qemu-system-x86_64 -accel tcg -machine q35,nvdimm=on -cpu max -smp 2 \
	-m "$GUEST_MEM,slots=4,maxmem=8G" $pmem \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-display none -no-reboot

if [ "$mode" = shell ]; then
	exec "$@" -serial mon:stdio -serial "file:$out/ktap.log"
fi

echo "boot: $KERNEL kernel $kernel (console: $out/console.log)"
start=$(date +%s) rc=0
timeout "$BOOT_TIMEOUT" "$@" -monitor none \
	-serial "file:$out/console.log" -serial "file:$out/ktap.log" </dev/null &
qemu=$!
trap 'kill "$qemu" 2>/dev/null; exit 1' INT TERM
# Each entry's mark in the kernel log, until QEMU ends and before this script does.
tail -n +1 -F --pid="$qemu" "$out/console.log" 2>/dev/null |
	sed -nu "s/\r$//; s/^\[ *\([0-9]*\)\.[0-9]*\] guest: running /boot: $KERNEL: \1 s: /p" &
wait "$qemu" || rc=$?
wait
echo "qemu_rc=$rc seconds=$(($(date +%s) - start))" >"$out/qemu.status"
[ "$rc" -eq 124 ] && echo "boot: QEMU timed out after ${BOOT_TIMEOUT}s" >&2
exit 0
