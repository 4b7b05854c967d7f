#!/usr/bin/env bash
# The cgroup v2 lane (docs/testing.md, "The cgroup v2 lane"): boots Debian's kernel under
# qemu-system-x86_64 with the unified hierarchy only, the host's root shared read-only over 9p
# with a tmpfs overlay for writes, runs a command in the guest and leaves its results in RESULTS.
#
#   lane.sh RESULTS GUEST-COMMAND...
#
# GUEST-COMMAND runs in the guest as root, from the repository's root, with RESULTS mounted at
# the same path (writable); guest.sh writes RESULTS/status (its exit status) and RESULTS/guest.log.
# The lane itself writes RESULTS/serial.log (the console) and prints `v2-lane-accel: kvm|tcg (why)`.
# Exit status: 0 when the guest ran the command and wrote its status, else 2 with the reason on stderr.
#
# Nothing is installed on the host: the kernel packages are downloaded with `apt-get download`
# and unpacked with `dpkg-deb -x` into a cache outside the repository, keyed by their version
# ($BERTH_V2LANE_CACHE, default /var/cache/berth-tests/v2-lane).
set -euo pipefail

die() { echo "v2-lane: $*" >&2; exit 2; }

[ $# -ge 2 ] || die "usage: lane.sh RESULTS GUEST-COMMAND..."
results=$(realpath "$1"); shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BERTH_V2LANE_CACHE:-/var/cache/berth-tests/v2-lane}
timeout_s=${BERTH_V2LANE_TIMEOUT:-1200}
mkdir -p "$results" "$cache"

qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is not on PATH: apt-get install qemu-system-x86 (the README's test command does)"
busybox=$(command -v busybox) || die "busybox is not on PATH: apt-get install busybox-static"
# The initramfs has no libc (ldd, from libc-bin, fails on a static executable).
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is not statically linked: apt-get install busybox-static"

# --- the kernel: linux-image-amd64's dependency holds the image and its modules ---------------
image_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$image_pkg" ] || die "apt-cache knows no linux-image-amd64 (run apt-get update)"
pkg_version=$(apt-cache policy "$image_pkg" | awk '/Candidate:/{print $2}')
kdir="$cache/$image_pkg-$pkg_version"
# Two lanes at once (two checkouts) share the cache: one fills it while the other waits.
exec 8>"$cache/.lock"
flock 8
if [ ! -e "$kdir/.complete" ]; then
    echo "v2-lane: fetching $image_pkg $pkg_version into $kdir"
    rm -rf "$kdir" && mkdir -p "$kdir/dl"
    # _apt cannot write into a root-owned cache: download from a world-writable scratch dir.
    dl=$(mktemp -d /var/tmp/berth-v2lane-dl.XXXXXX)
    chmod 0777 "$dl"
    (cd "$dl" && apt-get download "$image_pkg=$pkg_version" >/dev/null) || { rm -rf "$dl"; die "apt-get download $image_pkg failed"; }
    mv "$dl"/*.deb "$kdir/dl/" && rm -rf "$dl"
    dpkg-deb -x "$kdir"/dl/*.deb "$kdir/root"
    rm -rf "$kdir/dl"
    kver=$(ls "$kdir/root/lib/modules")
    # The package's modules.dep is written at install time by depmod; busybox's depmod writes it here.
    "$busybox" depmod -b "$kdir/root" "$kver"
    touch "$kdir/.complete"
fi
kver=$(ls "$kdir/root/lib/modules")
vmlinuz="$kdir/root/boot/vmlinuz-$kver"
moddir="$kdir/root/lib/modules/$kver"
[ -r "$vmlinuz" ] || die "no kernel image at $vmlinuz"

# --- the initramfs: busybox, the modules that mount the shared root, init.sh ------------------
# Cached beside the kernel, keyed by what goes into it.
wanted="virtio_pci 9pnet_virtio 9p overlay"
key=$( (cat "$here/init.sh" "$busybox"; echo "$wanted") | sha256sum | cut -c1-16)
initrd="$kdir/initramfs-$key.cpio.gz"
if [ ! -e "$initrd" ]; then
    staging=$(mktemp -d /var/tmp/berth-v2lane-initrd.XXXXXX)
    trap 'rm -rf "$staging"' EXIT
    mkdir -p "$staging"/{bin,dev,proc,sys,mod,lower,rw,newroot}
    cp "$busybox" "$staging/bin/busybox"
    cp "$here/init.sh" "$staging/init" && chmod 0755 "$staging/init"
    # Each wanted module after its dependencies, in load order (modules.dep lists a module's
    # dependencies deepest last).
    order=()
    add() {
        local rel=$1 deps d
        for d in "${order[@]:-}"; do [ "$d" = "$rel" ] && return 0; done
        deps=$(awk -v m="$rel:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep")
        for d in $(echo "$deps" | tr ' ' '\n' | tac); do add "$d"; done
        order+=("$rel")
    }
    for m in $wanted; do
        rel=$(awk -F: -v m="/$m.ko" 'index($1, m) && substr($1, length($1) - length(m) + 1) == m {print $1; exit}' "$moddir/modules.dep")
        [ -n "$rel" ] || die "module $m is not in $moddir"
        add "$rel"
    done
    for rel in "${order[@]}"; do cp "$moddir/$rel" "$staging/mod/"; basename "$rel"; done > "$staging/modules.list"
    (cd "$staging" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$initrd.tmp") && mv "$initrd.tmp" "$initrd"
    rm -rf "$staging"; trap - EXIT
fi

exec 8>&-

# --- the guest's command, handed over through the results directory ---------------------------
rm -f "$results/status" "$results/guest.log" "$results/serial.log" "$results/qemu.log"
printf '%q ' "$@" > "$results/command"
cmdline="console=ttyS0 panic=-1 quiet loglevel=4 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
cmdline+=" v2lane.modules=$moddir v2lane.stage2=$here/guest.sh v2lane.repo=$repo v2lane.results=$results"

boot() { # ACCEL... ; runs qemu in the background, serial console into serial.log
    "$qemu" "$@" -m 2048 -nographic -no-reboot -nodefaults \
        -kernel "$vmlinuz" -initrd "$initrd" -append "$cmdline" \
        -serial "file:$results/serial.log" -monitor none \
        -fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap" \
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
        -fsdev "local,id=results,path=$results,security_model=none,multidevs=remap" \
        -device virtio-9p-pci,fsdev=results,mount_tag=results 2>>"$results/qemu.log" &
    qpid=$!
}
stop_qemu() { kill "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; }
trap stop_qemu EXIT

# KVM when /dev/kvm opens and the guest's init prints within a short time; software emulation otherwise.
accel=tcg; why="/dev/kvm cannot be opened"
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && { exec 9<>/dev/kvm; } 2>/dev/null; then
    exec 9>&-
    boot -accel kvm -cpu host -smp 2
    for _ in $(seq 1 150); do
        grep -q "v2-lane-init: started" "$results/serial.log" 2>/dev/null && break
        kill -0 "$qpid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q "v2-lane-init: started" "$results/serial.log" 2>/dev/null && kill -0 "$qpid" 2>/dev/null; then
        accel=kvm; why="/dev/kvm works"
    else
        stop_qemu
        qemu_said=$(grep -m1 -i error "$results/qemu.log" 2>/dev/null || true)
        why="/dev/kvm opened but the guest's init printed nothing in 15 s under KVM${qemu_said:+: $qemu_said}"
        rm -f "$results/serial.log"
    fi
fi
[ "$accel" = kvm ] || boot -accel tcg -cpu "${BERTH_V2LANE_CPU:-max}" -smp 2
echo "v2-lane-accel: $accel ($why)"

deadline=$((SECONDS + timeout_s))
while kill -0 "$qpid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
        stop_qemu
        tail -20 "$results/serial.log" >&2 || true
        die "the guest did not power off within ${timeout_s} s ($accel); serial console above"
    fi
    sleep 0.5
done
wait "$qpid" 2>/dev/null || true
trap - EXIT
[ -s "$results/status" ] || { tail -30 "$results/serial.log" >&2 || true; die "the guest powered off without writing a status ($accel); serial console above"; }
exit 0
