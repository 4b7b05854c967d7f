// libFuzzer target: any bytes as a container log in the CRI format, line by line through the log
// reader's record parser (`CRILog.header`, timestamps included) and `LineJoiner` (P records joined,
// capped). A line that is not a record is skipped; a trap, a sanitizer report or a leak is a
// finding. See docs/testing.md, "Fuzzing".
@testable import BerthRuntime
import BerthFuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCRILog(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    var joiner = LineJoiner(maxBytes: 1 << 12)
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        Array(line).withUnsafeBytes { record in
            guard let header = CRILog.header(record) else { return }
            joiner.add(header, text: UnsafeRawBufferPointer(rebasing: record[header.textStart...])) { _ in }
        }
        _ = CRILog.parse(String(decoding: line, as: UTF8.self))
    }
    joiner.flush { _ in }
    return 0
}
