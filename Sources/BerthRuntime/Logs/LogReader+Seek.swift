import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finding offsets without reading the file: the end of the last record, the first record at or
/// after a time (binary search), the first record of the last N lines (backwards from the end).
/// Offsets passed around here are record boundaries: 0 or the byte after a newline.
extension LogReader {
    /// Bytes of a record's start that hold its header (timestamp, stream, tag) with room to spare.
    static let headBytes = 128
    static let scanBlock = 64 << 10
    static let probeBlock = 4 << 10

    /// The byte after the file's last newline (0 without one): where the whole records end.
    func lastRecordEnd() -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.probeBlock, alignment: 1)
        defer { buffer.deallocate() }
        var end = fileSize()
        while end > 0 {
            let start = max(0, end - Int64(Self.probeBlock))
            let n = readBytes(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(end - start)]), at: start)
            guard n == Int(end - start) else { return 0 }
            if let i = Self.lastNewline(in: UnsafeRawBufferPointer(rebasing: buffer[..<n])) { return start + Int64(i) + 1 }
            end = start
        }
        return 0
    }

    /// The first record in [lo, hi) stamped at or after `target` (hi when none is): a binary search
    /// that reads a few KiB per probe, then a linear scan of the last `probeSpan` bytes. Exact
    /// while timestamps rise through the file; a wall-clock step backwards can move the boundary
    /// by the lines around the step (the window's filter still drops every record outside it).
    func seek(firstAtOrAfter target: Int64, from lo0: Int64, to hi0: Int64) -> Int64 {
        var lo = lo0, hi = hi0
        // Invariant: records starting before `lo` are earlier than target; those from `hi` on are not.
        while hi - lo > Self.probeSpan {
            let mid = lo + (hi - lo) / 2
            var found: (start: Int64, nanos: Int64)?
            _ = scanForward(from: mid, aligned: false, limit: hi, block: Self.probeBlock) { start, header in
                guard let header else { return true } // not a record: try the next
                found = (start, header.nanos)
                return false
            }
            guard let found else { hi = mid; continue }
            if found.nanos >= target { hi = found.start } else { lo = found.start }
        }
        return scanForward(from: lo, aligned: true, limit: hi0, block: Self.scanBlock) { _, header in
            guard let header else { return true }
            return header.nanos < target
        }
    }

    /// Where the last `count` lines of [floor, end) begin, walking records backwards. A line is
    /// counted when its F record (or, for a line still being written, its last P record) is seen,
    /// and whole once the F before it in the same stream is; a line already `maxLineBytes` long
    /// counts as whole, so an endless partial line costs `count` pieces, not the file.
    func tailStart(lines count: Int, from floor: Int64, to end: Int64) -> Int64 {
        var begun = 0
        var open: [LogStream: (index: Int, bytes: Int)] = [:]
        return scanBackward(from: end, floor: floor) { length, header in
            guard let header else { return true }
            if header.complete || open[header.stream] == nil {
                begun += 1
                open[header.stream] = (begun, length)
            } else {
                open[header.stream]!.bytes += length
                if open[header.stream]!.bytes >= maxLineBytes { open[header.stream] = nil }
            }
            return !(begun >= count && open.values.allSatisfy { $0.index > count })
        }
    }

    // MARK: - Record walkers

    /// Visits the records that start in [from, limit) with their header (nil when the record is
    /// not CRI) until `visit` returns false. Not `aligned`: `from` may be inside a record, which is
    /// skipped. Returns the start of the record `visit` refused, else of the first one not visited.
    func scanForward(from: Int64, aligned: Bool, limit: Int64, block: Int,
                     visit: (Int64, CRILog.Header?) -> Bool) -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: block, alignment: 1)
        defer { buffer.deallocate() }
        var readPos = from
        var recordStart: Int64? = aligned ? from : nil
        var head: [UInt8] = []
        while true {
            if let start = recordStart, start >= limit { return start }
            let n = readBytes(into: buffer, at: readPos)
            guard n > 0 else { return recordStart ?? limit }
            let base = UnsafeRawPointer(buffer.baseAddress!)
            var i = 0
            while i < n {
                guard let start = recordStart else {
                    // Skipping the record `from` fell into, up to its newline.
                    guard let p = memchr(base + i, 0x0a, n - i) else { i = n; continue }
                    i = base.distance(to: UnsafeRawPointer(p)) + 1
                    recordStart = readPos + Int64(i)
                    if recordStart! >= limit { return recordStart! }
                    continue
                }
                if head.count < Self.headBytes {
                    head.append(contentsOf: UnsafeRawBufferPointer(start: base + i, count: min(Self.headBytes - head.count, n - i)))
                }
                guard let p = memchr(base + i, 0x0a, n - i) else { i = n; continue }
                let newline = base.distance(to: UnsafeRawPointer(p))
                let length = Int(readPos + Int64(newline) - start)
                if head.count > length { head.removeLast(head.count - length) }
                let header = head.withUnsafeBytes { CRILog.header($0) }
                if !visit(start, header) { return start }
                i = newline + 1
                recordStart = readPos + Int64(i)
                head.removeAll(keepingCapacity: true)
                if recordStart! >= limit { return recordStart! }
            }
            readPos += Int64(n)
        }
    }

    /// Visits the records of [floor, end) from the last to the first with their length (without
    /// the newline) and header, until `visit` returns false. Returns the end of the record
    /// `visit` refused (where the wanted records begin), else `floor`.
    func scanBackward(from end: Int64, floor: Int64, visit: (Int, CRILog.Header?) -> Bool) -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.scanBlock, alignment: 1)
        defer { buffer.deallocate() }
        var head = [UInt8](repeating: 0, count: Self.headBytes)
        // The bytes of [blockStart, blockEnd) are in `buffer`.
        var blockStart = end, blockEnd = end
        var recordEnd = end // just past the record's newline
        while recordEnd > floor {
            // The newline before this record: the last one in [floor, recordEnd - 1).
            var searchEnd = recordEnd - 1
            var recordStart = floor
            while searchEnd > floor {
                if !(searchEnd > blockStart && searchEnd <= blockEnd) {
                    blockStart = max(floor, searchEnd - Int64(Self.scanBlock))
                    blockEnd = searchEnd
                    let want = Int(blockEnd - blockStart)
                    guard readBytes(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]), at: blockStart) == want else {
                        return recordEnd // the file shrank under us: keep what was found
                    }
                }
                if let i = Self.lastNewline(in: UnsafeRawBufferPointer(rebasing: buffer[..<Int(searchEnd - blockStart)])) {
                    recordStart = blockStart + Int64(i) + 1
                    break
                }
                searchEnd = blockStart
            }
            let length = Int(recordEnd - 1 - recordStart)
            let headLength = min(length, Self.headBytes)
            let header: CRILog.Header?
            if recordStart >= blockStart && recordStart + Int64(headLength) <= blockEnd {
                let at = Int(recordStart - blockStart)
                header = CRILog.header(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[at..<(at + headLength)]))
            } else {
                // The head lies in a block already left behind (a record longer than a block).
                let n = head.withUnsafeMutableBytes { readBytes(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<headLength]), at: recordStart) }
                header = n == headLength ? head.withUnsafeBytes { CRILog.header(UnsafeRawBufferPointer(rebasing: $0[..<headLength])) } : nil
            }
            if !visit(length, header) { return recordEnd }
            recordEnd = recordStart
        }
        return floor
    }

    /// memrchr(3) is a GNU extension Glibc's module does not export.
    static func lastNewline(in bytes: UnsafeRawBufferPointer) -> Int? {
        var i = bytes.count
        while i > 0 {
            i -= 1
            if bytes[i] == 0x0a { return i }
        }
        return nil
    }
}
