// libFuzzer target: any bytes as the file given to `berth image import` (an OCI archive, a
// docker-archive or a rootfs tarball, told apart by content), imported into a fresh image store:
// format probe, staging, manifest.json/index.json/config parsing, digest checks, layers, commit.
// A trap, a sanitizer report, a leak, or a file outside the store is a finding.
// See docs/testing.md, "Fuzzing".
@testable import BerthRuntime
import BerthFuzzSupport
#if canImport(Glibc)
import Glibc
#endif

/// base/box/image.tar (the input), base/box/store (the store): anything else escaped.
private let scratch = FuzzScratch("image")
private let box = scratch.base + "/box"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if mkdir(box, 0o700) != 0 && errno != EEXIST { fatalError("mkdir \(box): \(String(cString: strerror(errno)))") }
    let input = scratch.write("box/image.tar", fuzzInput(data, size))
    let store = ImageStore(root: box + "/store")
    do {
        let result = try ImageImporter(store: store, options: ImportOptions()).run(input)
        _ = try store.resolve(result.image.reference)
    } catch {
        _ = "\(error)"
    }
    scratch.expectOnly(["box"], in: scratch.base)
    scratch.expectOnly(["image.tar", "store"], in: box)
    do { try TreeRemover.remove(store.root) } catch { fatalError("cannot remove the store: \(error)") }
    return 0
}
