import Foundation
import Glibc
import Synchronization

/// Samples every container's cgroup counters and network bytes in one pass; the dashboard's hot path.
/// Each container's hot counters stay open between samples and are re-read with pread into one
/// shared buffer (`StatFileSet`: at most four descriptors a container). Files that change slowly
/// or cost most (memory.stat ≈ 6.5 µs, block IO, pids.max ≈ 2.3 µs, the limits) are opened and
/// read only every `slowFileInterval` samples and their last values reused in between.
/// Thread-safe: one sample runs at a time, everything it changes is behind one `Mutex`.
public final class StatsSampler: Sendable {
    /// The held files, the sample count that marks which are still listed, and the read buffer.
    private struct State {
        var open: [String: StatFileSet] = [:]
        var generation = 0
        let buffer: UnsafeMutableRawBufferPointer
    }

    private let state: Mutex<State>
    private let statsFiles: @Sendable (String) -> CgroupStatsFiles
    private let slowFileInterval: Int

    /// `slowFileInterval`: read memory.stat and the limits on the first sample and then every Nth.
    public convenience init(manager: any CgroupManager, slowFileInterval: Int = 5) {
        self.init(statsFiles: { manager.statsFiles(id: $0) }, slowFileInterval: slowFileInterval)
    }

    /// `statsFiles`: a container's files by id (for containers another runtime placed, found from
    /// their init's /proc/PID/cgroup: `ProcessCgroups`).
    public init(statsFiles: @escaping @Sendable (String) -> CgroupStatsFiles, slowFileInterval: Int = 5) {
        self.statsFiles = statsFiles
        self.slowFileInterval = max(1, slowFileInterval)
        // Large enough for a v1 memory.stat or the net/dev of a namespace with a few hundred interfaces.
        state = Mutex(State(buffer: UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)))
    }

    deinit {
        state.withLock { s in
            for set in s.open.values { set.closeAll() }
            s.buffer.deallocate()
        }
    }

    /// How many containers currently have files held open.
    public var openContainerCount: Int {
        state.withLock { $0.open.count }
    }

    /// How many descriptors the held files take, over all containers.
    public var openDescriptorCount: Int {
        state.withLock { $0.open.values.reduce(0) { $0 + $1.openDescriptorCount } }
    }

    /// One sample of each listed container (`pid` = its init's host PID, for network counters; 0 = none).
    /// Containers whose cgroup is gone are left out; files of containers no longer listed are closed.
    public func sample(_ containers: [(id: String, pid: Int32)]) -> [ContainerStats] {
        state.withLock { s in
            s.generation &+= 1
            var result: [ContainerStats] = []
            result.reserveCapacity(containers.count)
            for (id, pid) in containers {
                if let stats = sampleOne(id: id, pid: pid, in: &s) { result.append(stats) }
            }
            if s.open.count > result.count {
                for (id, set) in s.open where set.generation != s.generation {
                    set.closeAll()
                    s.open[id] = nil
                }
            }
            return result
        }
    }

    /// Closes every held file; the next sample reopens what it needs.
    public func closeAll() {
        state.withLock { s in
            for set in s.open.values { set.closeAll() }
            s.open.removeAll()
        }
    }

    private func sampleOne(id: String, pid: Int32, in s: inout State) -> ContainerStats? {
        if var set = s.open[id] {
            if let stats = read(&set, id: id, pid: pid, generation: s.generation, buffer: s.buffer) {
                s.open[id] = set
                return stats
            }
            // The cgroup went away under us (files of a removed cgroup fail with ENODEV); it may have been
            // recreated under the same id (a restart), so open it afresh once.
            set.closeAll()
            s.open[id] = nil
        }
        guard var fresh = StatFileSet.open(statsFiles(id), pid: pid) else { return nil }
        guard let stats = read(&fresh, id: id, pid: pid, generation: s.generation, buffer: s.buffer) else {
            fresh.closeAll()
            return nil
        }
        s.open[id] = fresh
        return stats
    }

    private func read(_ set: inout StatFileSet, id: String, pid: Int32, generation: Int,
                      buffer: UnsafeMutableRawBufferPointer) -> ContainerStats? {
        if set.netPid != pid { set.openNetDev(pid: pid) }
        set.generation = generation
        let now = MonotonicClock.nanos()
        var stats = ContainerStats(id: id, timestamp: now)
        var failed = false
        // Reads a held file into the shared buffer; a failure means the cgroup is gone.
        func with(_ fd: Int32, _ body: (UnsafeRawBufferPointer) -> Void) {
            guard fd >= 0, !failed else { return }
            let n = pread(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 { failed = true; return }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        // Reads a slow file by path; a file that is not there (a controller not delegated) is skipped.
        func withPath(_ path: String?, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
            let fd = StatFileSet.openFile(path)
            guard fd >= 0 else { return false }
            defer { Glibc.close(fd) }
            let n = pread(fd, buffer.baseAddress, buffer.count, 0)
            guard n >= 0 else { return false }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            return true
        }

        let isV1 = set.version == .v1
        let slow = set.samples % slowFileInterval == 0
        with(set.cpuUsage) {
            if isV1 {
                stats.cpuUsageNanos = StatText.firstUInt($0) ?? 0
            } else {
                let cpu = CPUStat.parse(bytes: $0)
                stats.cpuUsageNanos = cpu.usageNanos ?? 0
                set.slow.throttledNanos = cpu.throttledNanos
                set.slow.throttledPeriods = cpu.throttledPeriods
            }
        }
        var usage: UInt64 = 0
        with(set.memoryUsage) { usage = StatText.firstUInt($0) ?? 0 }
        with(set.pidsCurrent) { stats.pids = StatText.firstUInt($0) ?? 0 }
        if failed { return nil }
        if slow {
            let files = set.slowFiles
            // v1 keeps throttling apart from the usage; a dashboard shows it as a total.
            _ = withPath(files.cpuStat) {
                let cpu = CPUStat.parse(bytes: $0)
                set.slow.throttledNanos = cpu.throttledNanos
                set.slow.throttledPeriods = cpu.throttledPeriods
            }
            _ = withPath(files.memoryStat) { set.slow.memoryStat = MemoryStat.parse(bytes: $0) }
            _ = withPath(files.memoryLimit) { set.slow.memoryLimit = CgroupValue.parseLimit(bytes: $0) }
            _ = withPath(files.pidsMax) { set.slow.pidsLimit = CgroupValue.parseLimit(bytes: $0) }
            // OOM kills are rare and the supervisor records each one with the exit; the counter
            // here only feeds the dashboard's history.
            _ = withPath(files.oomCounter) { set.slow.oomKills = OOMKillCount.parse(bytes: $0) }
            // Block IO is printed by the kernel per device, the costliest counter to read; its
            // rates are taken over its own interval (`blockTimestamp`), so the pace loses nothing
            // but resolution.
            for path in files.blockIO {
                let read = withPath(path) {
                    let io = isV1 ? BlockIO.parseBlkio(bytes: $0) : BlockIO.parseIOStat(bytes: $0)
                    set.slow.blockRead = io.readBytes
                    set.slow.blockWrite = io.writeBytes
                }
                if read { set.slow.blockTimestamp = now; break }
            }
            // Kernel-averaged already (10 s and more): the slow pace loses nothing.
            if let dir = files.pressureDirectory { set.slow.pressure = PressureSet.cgroup(dir) }
        }
        set.samples &+= 1
        stats.cpuThrottledNanos = set.slow.throttledNanos
        stats.cpuThrottledPeriods = set.slow.throttledPeriods
        stats.oomKills = set.slow.oomKills
        stats.pressure = set.slow.pressure
        stats.memoryUsage = MemoryStat.used(usage: usage, inactiveFile: set.slow.memoryStat.inactiveFile)
        stats.memoryCache = set.slow.memoryStat.cache
        stats.memoryLimit = set.slow.memoryLimit
        stats.pidsLimit = set.slow.pidsLimit
        stats.blockRead = set.slow.blockRead
        stats.blockWrite = set.slow.blockWrite
        stats.blockTimestamp = set.slow.blockTimestamp

        if set.netDev >= 0 {
            let n = pread(set.netDev, buffer.baseAddress, buffer.count, 0)
            if n >= 0 {
                let net = NetDevTotals.parse(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                stats.netRx = net.rxBytes
                stats.netTx = net.txBytes
            } else {
                // The init process exited; its namespace may be gone. Try again on the next sample.
                Glibc.close(set.netDev)
                set.netDev = -1
                set.netPid = -1
            }
        }
        return stats
    }
}
