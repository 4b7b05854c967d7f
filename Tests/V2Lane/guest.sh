#!/bin/bash
# The v2 lane's stage 2, PID 1 in the guest's root (init.sh): the host's userland over 9p, the
# unified hierarchy at /sys/fs/cgroup. Delegates the controllers from the root cgroup (as a host's
# init does for its services), records what the guest is, runs the lane's command (RESULTS/command)
# from the repository's root, writes RESULTS/status and powers off.
repo=$1 results=$2
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=xterm-256color
# The guest is private: CI's strict checks (a missing prerequisite fails, new files in /tmp count) hold here.
export CI=true
# Tests that need the unified hierarchy fail here instead of skipping (CgroupV2HostTests).
export BERTH_V2LANE=1
# Every command takes seconds under emulation, and more on a loaded host: the tests' subprocess
# timeouts (Subprocess.run, 60 s by default) are multiplied by this.
export BERTH_TEST_TIMEOUT_SCALE=${BERTH_TEST_TIMEOUT_SCALE:-4}
log=$results/guest.log
exec >"$log" 2>&1

off() { sync; echo o > /proc/sysrq-trigger; sleep 10; }

echo "v2-lane-guest: kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/{print $2 " kB"}' /proc/meminfo)"
# The kernel loads bridge, veth, nf_tables on demand through this helper; the host's root has no kmod.
printf '#!/bin/sh\nexec /bin/busybox modprobe "$@"\n' > /run/v2lane-modprobe && chmod 0755 /run/v2lane-modprobe
echo /run/v2lane-modprobe > /proc/sys/kernel/modprobe
ip link set lo up 2>/dev/null || busybox ip link set lo up

fstype=$(stat -f -c %T /sys/fs/cgroup)
if [ "$fstype" = cgroup2fs ] && ! grep -qv '^0::' /proc/self/cgroup; then layout=v2; else layout="not-v2($fstype, $(tr '\n' ' ' < /proc/self/cgroup))"; fi
echo "$layout" > "$results/layout"
uname -r > "$results/kernel"
echo "v2-lane-guest: cgroup layout $layout, root controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
# The root cgroup may hold processes and delegate at once; any other cgroup may not (v2's
# no-internal-processes rule), so the tests run here and create their cgroups below.
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "v2-lane-guest: cannot enable $c"; done
echo "v2-lane-guest: root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

cd "$repo" || { echo 127 > "$results/status"; off; }
start=$(date +%s)
eval "$(cat "$results/command")"
status=$?
echo "v2-lane-guest: command exited $status after $(( $(date +%s) - start )) s"
echo "$status" > "$results/status"
off
