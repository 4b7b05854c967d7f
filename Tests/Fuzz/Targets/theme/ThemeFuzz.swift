// libFuzzer target: any bytes as a theme file (`ThemeLoader.parse`) and as the dashboard's
// config.yaml (`DashboardConfig.parse`, key bindings included). Refusing with a `ConfigError` is
// fine; a trap, a sanitizer report or a leak is a finding. See docs/testing.md, "Fuzzing".
import BerthDashboard
import BerthFuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    do { _ = try ThemeLoader.parse(text, file: "fuzz.yaml") } catch { _ = "\(error)" }
    do { _ = try DashboardConfig.parse(text, file: "config.yaml") } catch { _ = "\(error)" }
    return 0
}
