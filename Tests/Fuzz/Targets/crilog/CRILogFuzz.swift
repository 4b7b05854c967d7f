// libFuzzer target: any bytes as a container log in the CRI format, line by line through
// `CRILog.parse` (timestamps included), then `joinPartials`. A line that is not a record is
// skipped (nil); a trap, a sanitizer report or a leak is a finding. See docs/testing.md, "Fuzzing".
import BerthRuntime
import BerthFuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCRILog(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { CRILog.parse($0) }
    _ = CRILog.joinPartials(lines)
    return 0
}
