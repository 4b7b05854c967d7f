#!/bin/busybox sh
# The v2 lane's init (stage 1, in the initramfs lane.sh builds): loads the modules that mount
# the host's root, builds the guest's root (the host's / read-only over 9p under a tmpfs overlay,
# fresh tmpfs where tests write, the results directory writable), mounts proc, sys and cgroup2
# only, and hands over to guest.sh in the new root. Every step says what failed on the console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "v2-lane-init: started"

fail() { echo "v2-lane-init: $*"; echo o > /proc/sysrq-trigger; sleep 5; poweroff -f; }

arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}";; esac; done; }
modules=$(arg v2lane.modules); stage2=$(arg v2lane.stage2); repo=$(arg v2lane.repo); results=$(arg v2lane.results)

for m in $(cat /modules.list); do insmod "/mod/$m" || fail "insmod $m failed"; done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /lower || fail "mounting the host's root over 9p failed"
mount -t tmpfs -o size=1200m,mode=0755 rw /rw || fail "tmpfs for the overlay failed"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "the overlay root failed"

n=/newroot
# Where tests and Berth write: plain tmpfs (an overlay's upper directory cannot itself be overlayfs).
for d in /tmp /var/tmp /run /var/lib/berth /root; do
    mkdir -p "$n$d" && mount -t tmpfs -o mode=0755 tmpfs "$n$d" || fail "tmpfs on $d failed"
done
chmod 1777 "$n/tmp" "$n/var/tmp"
# A checkout under one of those (CI clones into /tmp) would be hidden by them: give it back, as an
# overlay of the host's copy so the tests may write into it as they do on the host.
case "$repo" in
    /tmp/*|/var/tmp/*|/run/*|/var/lib/berth/*|/root/*)
        mkdir -p /rw/repo-upper /rw/repo-work "$n$repo"
        mount -t overlay -o "lowerdir=/lower$repo,upperdir=/rw/repo-upper,workdir=/rw/repo-work" overlay "$n$repo" \
            || fail "the checkout at $repo could not be mounted in the guest" ;;
esac
mkdir -p "$n$results" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 results "$n$results" || fail "mounting the results directory failed"
mount --move /proc "$n/proc"; mount --move /sys "$n/sys"; mount --move /dev "$n/dev"
mkdir -p "$n/dev/pts" "$n/dev/shm" && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$n/dev/pts" && mount -t tmpfs shm "$n/dev/shm"
# The unified hierarchy only: cgroup_no_v1=all leaves no v1 controller to mount.
mount -t cgroup2 -o nsdelegate cgroup2 "$n/sys/fs/cgroup" || fail "mounting cgroup2 failed"
# The kernel's own modules, for modprobe (bridge, veth) in the new root.
mkdir -p "$n/lib/modules/$(uname -r)" && mount --bind "/lower$modules" "$n/lib/modules/$(uname -r)" || fail "binding the modules failed"
exec switch_root "$n" /bin/bash "$stage2" "$repo" "$results"
