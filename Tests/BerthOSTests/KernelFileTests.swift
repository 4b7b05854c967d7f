import Foundation
import Glibc
import XCTest
@testable import BerthOS

/// `KernelFile` in a temp directory: the text round-trips, a file larger than one read chunk
/// comes back whole, and a failure names the system call, the file and errno.
final class KernelFileTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "berth-kernelfile-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    }

    override func tearDown() {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    func testWriteReplacesTheValueAndReadReturnsItWhole() throws {
        let path = dir + "/memory.max"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("max\n".utf8)))
        try KernelFile.write("67108864", to: path)
        // Written in place, without O_TRUNC (cgroupfs takes one value per write): the longer value covers the old.
        XCTAssertEqual(try KernelFile.read(path), "67108864")
        let long = String(repeating: "0123456789abcdef\n", count: 1000)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(long.utf8)))
        XCTAssertEqual(try KernelFile.read(path), long, "more than one 4 KiB read")
    }

    func testMissingFileNamesOpenThePathAndENOENT() {
        let path = dir + "/absent"
        XCTAssertThrowsError(try KernelFile.read(path)) { error in
            XCTAssertEqual(error as? BerthError, .system(operation: "open", path: path, errno: ENOENT))
        }
        XCTAssertThrowsError(try KernelFile.write("1", to: path)) { error in
            XCTAssertEqual(error as? BerthError, .system(operation: "open", path: path, errno: ENOENT))
        }
        XCTAssertNil(KernelFile.readIfPresent(path))
    }

    func testReadingADirectoryNamesReadAndEISDIR() {
        XCTAssertThrowsError(try KernelFile.read(dir)) { error in
            XCTAssertEqual(error as? BerthError, .system(operation: "read", path: dir, errno: EISDIR))
        }
    }
}
