#!/usr/bin/env bash
# berth-bench in the cgroup v2 lane's guest (docs/benchmarks.md, "cgroup v2: in the lane's guest"):
# boots the lane's VM (lane.sh: Debian's kernel, unified hierarchy only, the host's root shared
# read-only) and runs berth-bench there beside the host's crun and runc, then prints its table.
# By hand, as root; not part of `swift test`.
#
#   Tests/V2Lane/bench.sh [BERTH-BENCH ARGUMENTS...]
#   e.g. Tests/V2Lane/bench.sh --quick --only lifecycle,start,stats
#
# berth, berth-shim and berth-bench come from $BERTH_BENCH_DIR (default .build-bench/release, the
# release build docs/benchmarks.md describes). crun and runc are the host's (apt-get install crun
# runc); berth-bench notes a missing one and leaves its column out. Under software emulation
# absolute times mean nothing: read the ratios to crun, measured in the same guest.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=$(realpath "${BERTH_BENCH_DIR:-$repo/.build-bench/release}")
for tool in berth berth-shim berth-bench; do
    [ -x "$bin/$tool" ] || { echo "v2-lane bench: no $bin/$tool; build it: swift build -c release --static-swift-stdlib --scratch-path .build-bench" >&2; exit 2; }
done
for rt in crun runc; do
    command -v "$rt" >/dev/null || echo "v2-lane bench: $rt is not installed (apt-get install $rt): its column stays empty" >&2
done

results=$(mktemp -d /var/tmp/berth-v2bench.XXXXXX)
trap 'rm -rf "$results"' EXIT
# Much longer than the test lane: every run/start under emulation costs seconds.
export BERTH_V2LANE_TIMEOUT=${BERTH_V2LANE_TIMEOUT:-5400}
# The table (stdout) into bench.md; progress (stderr) stays in guest.log.
"$here/lane.sh" "$results" /bin/sh -c "exec \"\$@\" > $results/bench.md" sh "$bin/berth-bench" "$@"
status=$(cat "$results/status")
if [ "$status" != 0 ] || [ ! -s "$results/bench.md" ]; then
    tail -40 "$results/guest.log" >&2
    echo "v2-lane bench: berth-bench exited $status in the guest (its log above)" >&2
fi
grep '^v2-lane-guest:' "$results/guest.log" || true
cat "$results/bench.md" 2>/dev/null || true
exit "$status"
