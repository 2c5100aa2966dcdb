#!/bin/busybox sh
# init.sh - /init of the kernel-diff initramfs (kernel/kdiff.py builds it).
# Loads kdiff.ko, runs every program under /progs through /proc/kdiff and
# prints on the serial console, per program:
#   @@P NAME / its results / @@L NAME / the kernel log of that program / @@E NAME
# then the guest's /proc/slabinfo between @@SLABINFO lines, "@@KDIFF done",
# and powers off.  "kdiff.debug=1" on the kernel
# command line turns the misuse ops on (only with slub_debug=FZPU).
/bin/busybox mkdir -p /proc /sys /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox --install -s /bin
export PATH=/bin
debug=0
grep -q 'kdiff.debug=1' /proc/cmdline && debug=1
echo "@@KDIFF boot $(uname -r) cpus=$(nproc) possible=$(cat /sys/devices/system/cpu/possible) debug=$debug"
if ! insmod /kdiff.ko debug=$debug; then
	echo "@@KDIFF insmod-failed"
	dmesg | tail -n 20
	poweroff -f
fi
dmesg -c >/dev/null
for f in /progs/*; do
	n=${f##*/}
	echo "@@P $n"
	cat "$f" > /proc/kdiff
	cat /proc/kdiff
	echo "@@L $n"
	dmesg -c
	echo "@@E $n"
done
echo "@@SLABINFO"
cat /proc/slabinfo
echo "@@SLABINFO end"
echo "@@KDIFF done"
poweroff -f
