// libFuzzer target: any bytes as a layer (tar in any compression libarchive reads) unpacked by
// `LayerExtractor` into a fresh directory. Refusing is fine; a trap, a sanitizer report, a leak,
// or a file appearing next to the layer directory is a finding. See docs/testing.md, "Fuzzing".
@testable import BerthRuntime
import BerthFuzzSupport
#if canImport(Glibc)
import Glibc
#endif

/// base/input (the layer), base/box/layer (where it is unpacked): anything else in base or box
/// escaped the layer directory.
private let scratch = FuzzScratch("tar")
private let box = scratch.base + "/box"
private let layer = box + "/layer"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = scratch.write("input", fuzzInput(data, size))
    if mkdir(box, 0o700) != 0 && errno != EEXIST { fatalError("mkdir \(box): \(String(cString: strerror(errno)))") }
    guard mkdir(layer, 0o755) == 0 else { fatalError("mkdir \(layer): \(String(cString: strerror(errno)))") }
    let fd = open(input, O_RDONLY | O_CLOEXEC)
    let rootFD = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0, rootFD >= 0 else { fatalError("open: \(String(cString: strerror(errno)))") }
    do {
        let stream = try TarStream(path: input, fd: fd, digestFile: true)
        let extractor = LayerExtractor(rootFD: rootFD, label: "fuzz")
        try extractor.extract(stream)
        _ = try stream.finish()
    } catch {
        _ = "\(error)" // the message is built as the CLI would print it
    }
    close(rootFD)
    close(fd)
    scratch.expectOnly(["input", "box"], in: scratch.base)
    scratch.expectOnly(["layer"], in: box)
    do { try TreeRemover.remove(layer) } catch { fatalError("cannot remove the layer: \(error)") }
    return 0
}
