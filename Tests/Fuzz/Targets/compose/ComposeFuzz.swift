// libFuzzer target: any bytes as a compose file, through `ComposeParser.parse` (YAML, merge
// keys, `${VAR}` interpolation, commands split like a shell, sizes, CPUs, durations, ports,
// dependency order), and the interpolation and word splitting on the raw text as well.
// Refusing with an error is fine; a trap, a sanitizer report or a leak is a finding.
// See docs/testing.md, "Fuzzing".
@testable import BerthRuntime
import BerthFuzzSupport

/// A fixed environment: the same input behaves the same on every machine.
private let environment = ["HOME": "/root", "TAG": "1.36", "EMPTY": "", "PORT": "8080", "MEM": "64m"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCompose(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let options = ComposeParser.Options(defaultProjectName: "fuzz", environment: environment)
    do {
        let project = try ComposeParser.parse(text, options: options)
        _ = project.services.map(\.name)
    } catch {
        _ = "\(error)"
    }
    _ = try? ComposeInterpolation.apply(text, environment: environment)
    _ = try? ShellWords.split(text)
    return 0
}
