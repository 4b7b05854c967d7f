// libFuzzer target: an OCI layout directory built from the input, imported into a fresh store.
// The input is documents separated by a line `----`: index.json first, then blobs (manifests,
// configs, nested indexes, layers). Before writing, `@N` in a document becomes the digest
// `sha256:…` of document N and `#N` its size (N counts from 1, the first blob), so mutated
// manifests and configs still match their digests and import reaches its planning: manifest
// selection through nested indexes, media types, DiffIDs, layer digests. A document only refers
// to later ones. A trap, a sanitizer report, a leak or a file outside the store is a finding.
// See docs/testing.md, "Fuzzing".
@testable import BerthRuntime
import BerthFuzzSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

private let scratch = FuzzScratch("oci-layout")
private let box = scratch.base + "/box"
private let separator = Array("\n----\n".utf8)

/// The documents of `input`, split at `separator`.
private func documents(_ input: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var start = 0, i = 0
    while i + separator.count <= input.count {
        if input[i..<(i + separator.count)].elementsEqual(separator) {
            out.append(Array(input[start..<i]))
            i += separator.count
            start = i
        } else {
            i += 1
        }
    }
    out.append(Array(input[start...]))
    return out
}

/// `text` with `@N` and `#N` (N a document after this one, at most 9) replaced.
private func substitute(_ text: [UInt8], index: Int, digests: [String], sizes: [Int]) -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < text.count {
        if i + 1 < text.count, text[i] == UInt8(ascii: "@") || text[i] == UInt8(ascii: "#"),
           let n = Int(String(UnicodeScalar(text[i + 1]))), n > index, n < digests.count {
            out += Array((text[i] == UInt8(ascii: "@") ? digests[n] : String(sizes[n])).utf8)
            i += 2
        } else {
            out.append(text[i])
            i += 1
        }
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOCILayout(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var docs = documents(Array(fuzzInput(data, size)))
    guard docs.count <= 10 else { return 0 }
    var digests = Array(repeating: "", count: docs.count), sizes = Array(repeating: 0, count: docs.count)
    for i in docs.indices.reversed() {
        docs[i] = substitute(docs[i], index: i, digests: digests, sizes: sizes)
        digests[i] = Digest.of(docs[i]).description
        sizes[i] = docs[i].count
    }
    let layout = box + "/layout"
    do {
        try FileManager.default.createDirectory(atPath: layout + "/blobs/sha256", withIntermediateDirectories: true)
        try Data("{\"imageLayoutVersion\":\"1.0.0\"}".utf8).write(to: URL(fileURLWithPath: layout + "/oci-layout"))
        try Data(docs[0]).write(to: URL(fileURLWithPath: layout + "/index.json"))
        for i in docs.indices.dropFirst() {
            try Data(docs[i]).write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + Digest.of(docs[i]).hex))
        }
    } catch {
        fatalError("cannot write the layout: \(error)")
    }
    let store = ImageStore(root: box + "/store")
    do {
        let result = try ImageImporter(store: store, options: ImportOptions()).run(layout)
        _ = try store.resolve(result.image.reference)
    } catch {
        _ = "\(error)"
    }
    scratch.expectOnly(["box"], in: scratch.base)
    scratch.expectOnly(["layout", "store"], in: box)
    do { try TreeRemover.remove(store.root); try TreeRemover.remove(layout) } catch { fatalError("cannot remove: \(error)") }
    return 0
}
