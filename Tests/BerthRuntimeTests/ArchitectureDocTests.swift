import BerthOS
import Foundation
import XCTest

/// `docs/architecture.md` against the tree, by reading files only: every folder of `Sources/`
/// has a row in its table of parts, and every type, file and folder it names in backticks
/// exists. A rename or a new folder fails here until the document follows.
final class ArchitectureDocTests: XCTestCase {
    static let repo: URL = {
        // Tests/BerthRuntimeTests/ThisFile.swift → the repository root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static var sources: URL { repo.appendingPathComponent("Sources") }

    /// Every file below `Sources/`, as a path relative to it (`BerthRuntime/Engine/Engine.swift`).
    static func sourceFiles() throws -> [String] {
        let root = sources.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: root])
        }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                files.append(rel)
            }
        }
        return files.sorted()
    }

    static func architectureText() throws -> String {
        try String(contentsOf: repo.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
    }

    /// The document without fenced code blocks (the on-disk layout is not a list of names).
    static func prose(_ text: String) -> String {
        var out: [Substring] = []
        var fenced = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            if !fenced { out.append(line) }
        }
        return out.joined(separator: "\n")
    }

    /// The contents of every inline code span (`like this`).
    static func codeSpans(_ text: String) -> [String] {
        var spans: [String] = []
        for line in prose(text).split(separator: "\n") {
            let parts = line.split(separator: "`", omittingEmptySubsequences: false)
            // Odd-numbered parts are between backticks; an unpaired backtick leaves a trailing part out.
            for i in stride(from: 1, to: parts.count - 1, by: 2) { spans.append(String(parts[i])) }
        }
        return spans
    }

    /// The folders a reader must find described: every target, and every folder holding sources.
    static func sourceFolders(_ files: [String]) -> [String] {
        var folders = Set<String>()
        for f in files {
            let parts = f.split(separator: "/")
            folders.insert(String(parts[0]))
            if parts.count > 1, f.hasSuffix(".swift") || f.hasSuffix(".c") {
                folders.insert(parts.dropLast().joined(separator: "/"))
            }
        }
        return folders.sorted()
    }

    /// A table row whose first cell is the folder, relative to `Sources/`: `| \`BerthRuntime/Image\` |`.
    static func describedFolders(_ text: String) -> Set<String> {
        var out = Set<String>()
        for line in prose(text).split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 2 else { continue }
            let first = cells[1].trimmingCharacters(in: .whitespaces)
            guard first.count > 2, first.hasPrefix("`"), first.hasSuffix("`") else { continue }
            var name = String(first.dropFirst().dropLast())
            if name.hasPrefix("Sources/") { name.removeFirst("Sources/".count) }
            while name.hasSuffix("/") { name.removeLast() }
            out.insert(name)
        }
        return out
    }

    enum Reference: Equatable {
        case type(String)   // a Swift or C type: declared somewhere in Sources/ or Tests/
        case file(String)   // a source file or a path ending in one: exists below Sources/
        case folder(String) // `V1/`, `Shim/`, `BerthRuntime/Spec`: a folder below Sources/
    }

    /// What a code span names, if it names something in the tree. Only spans that are exactly an
    /// UpperCamelCase name (`HostProbe`), a qualified one (`OCI.Spec`, `Engine.stop`,
    /// `LaunchPlan.validate()`, `ResourceName.validate(_:kind:)`), an extension file
    /// (`Engine+Create`), a source file or path (`Network/Netlink.swift`, `plan.c`) or a folder
    /// path starting with an upper-case letter (`V1/`, `State/`) count; commands, flags, keys,
    /// constants (`CLOCK_MONOTONIC`) and runtime paths (`containers/<id>/plan`) do not.
    static func references(in code: String) -> [Reference] {
        let span = code.hasPrefix("Sources/") ? String(code.dropFirst("Sources/".count)) : code
        let identifier = #"[A-Za-z_][A-Za-z0-9_]*"#
        func whole(_ pattern: String) -> Bool { span.range(of: "^" + pattern + "$", options: .regularExpression) != nil }
        func isUpperCamel<S: StringProtocol>(_ s: S) -> Bool {
            guard let f = s.first, f.isUppercase, f.isASCII else { return false }
            return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && s.contains { $0.isLowercase }
        }
        if whole(#"([A-Za-z0-9_+.-]+/)*[A-Za-z0-9_+-]+\.(swift|c|h)"#) { return [.file(span)] }
        if whole(#"[A-Z][A-Za-z0-9]*(/[A-Z][A-Za-z0-9]*)*/?"#), span.contains("/") || span.hasSuffix("/") {
            return [.folder(span.hasSuffix("/") ? String(span.dropLast()) : span)]
        }
        if whole(#"[A-Z][A-Za-z0-9]*\+[A-Z][A-Za-z0-9]*"#) { return [.file(span + ".swift")] }
        // Name(.member)*, optionally called: the upper-case components are types.
        guard whole("\(identifier)(\\.\(identifier))*(\\([A-Za-z0-9_:]*\\))?") else { return [] }
        let path = span.split(separator: "(").first ?? ""
        let components = path.split(separator: ".")
        guard let head = components.first, isUpperCamel(head) || (components.count > 1 && head.allSatisfy(\.isUppercase)) else { return [] }
        return components.filter { isUpperCamel($0) || $0 == head }.map { .type(String($0)) }
    }

    /// Declarations of `name`: Swift (`struct|class|enum|protocol|actor|typealias|extension Name`)
    /// or C (`struct Name`, `typedef … Name;`, `#define Name`).
    static func declares(_ text: String, _ name: String) -> Bool {
        let swift = #"\b(struct|class|enum|protocol|actor|typealias|extension)\s+"# + name + #"\b"#
        let c = #"(\bstruct\s+"# + name + #"\s*\{|\btypedef\b[^;]*\b"# + name + #"\s*;|#define\s+"# + name + #"\b)"#
        return text.range(of: swift, options: .regularExpression) != nil || text.range(of: c, options: .regularExpression) != nil
    }

    static func existsInRepo(_ path: String) -> Bool {
        path.contains("/") && FileManager.default.fileExists(atPath: repo.appendingPathComponent(path).path)
    }

    func testEverySourceFolderHasARowInTheTableOfParts() throws {
        let files = try Self.sourceFiles()
        let folders = Self.sourceFolders(files)
        XCTAssertTrue(folders.contains("BerthRuntime/Engine"), "no sources found below \(Self.sources.path)")
        let described = Self.describedFolders(try Self.architectureText())
        let missing = folders.filter { !described.contains($0) }
        XCTAssertEqual(missing, [], "docs/architecture.md has no row `| \\`FOLDER\\` | … |` for these folders of Sources/: \(missing.joined(separator: ", "))")
        let stale = described.filter { !folders.contains($0) }.sorted()
        XCTAssertEqual(stale, [], "docs/architecture.md describes folders Sources/ does not have: \(stale.joined(separator: ", "))")
    }

    func testEveryNameInTheDocumentExists() throws {
        let files = try Self.sourceFiles()
        let folders = Set(files.flatMap { f -> [String] in
            let parts = f.split(separator: "/").dropLast()
            return parts.indices.map { parts[parts.startIndex...$0].joined(separator: "/") }
        })
        let targets = Set(files.map { String($0.split(separator: "/")[0]) })
        // Types are looked up in Tests/ too: the document names test classes (`CrashConsistencyTests`).
        var code = ""
        for f in files where f.hasSuffix(".swift") || f.hasSuffix(".c") || f.hasSuffix(".h") {
            code += try String(contentsOf: Self.sources.appendingPathComponent(f), encoding: .utf8) + "\n"
        }
        let tests = Self.repo.appendingPathComponent("Tests")
        for case let rel as String in FileManager.default.enumerator(atPath: tests.path) ?? FileManager.DirectoryEnumerator() where rel.hasSuffix(".swift") {
            code += try String(contentsOf: tests.appendingPathComponent(rel), encoding: .utf8) + "\n"
        }

        var missing: [String] = []
        for span in Self.codeSpans(try Self.architectureText()) {
            for reference in Self.references(in: span) {
                switch reference {
                case .type(let name):
                    // A target's name is a module, not a type: `BerthRuntime`, `CBerthSys`.
                    if !targets.contains(name) && !Self.declares(code, name) { missing.append("type \(name) (in `\(span)`)") }
                case .file(let path):
                    // A path from the repository's root (`Tests/Fuzz/plan_fuzz.c`), or one ending a path in Sources/.
                    if !Self.existsInRepo(path) && !files.contains(where: { $0 == path || $0.hasSuffix("/" + path) }) {
                        missing.append("file \(path)")
                    }
                case .folder(let path):
                    if !Self.existsInRepo(path) && !folders.contains(where: { $0 == path || $0.hasSuffix("/" + path) }) {
                        missing.append("folder \(path)/")
                    }
                }
            }
        }
        missing = Array(Set(missing)).sorted()
        XCTAssertEqual(missing, [], "docs/architecture.md names what Sources/ does not declare:\n  " + missing.joined(separator: "\n  "))
    }

    /// The reader of code spans, on the kinds of span the document holds.
    func testReferencesAreReadFromTheRightSpans() {
        XCTAssertEqual(Self.references(in: "TreeCopier"), [.type("TreeCopier")])
        XCTAssertEqual(Self.references(in: "OCI.Spec"), [.type("OCI"), .type("Spec")])
        XCTAssertEqual(Self.references(in: "ResourceName.validate(_:kind:)"), [.type("ResourceName")])
        XCTAssertEqual(Self.references(in: "Engine.reconcile()"), [.type("Engine")])
        XCTAssertEqual(Self.references(in: "Engine+Create"), [.file("Engine+Create.swift")])
        XCTAssertEqual(Self.references(in: "Network/Netlink.swift"), [.file("Network/Netlink.swift")])
        XCTAssertEqual(Self.references(in: "Tests/Fuzz/plan_fuzz.c"), [.file("Tests/Fuzz/plan_fuzz.c")])
        XCTAssertEqual(Self.references(in: "V1/"), [.folder("V1")])
        XCTAssertEqual(Self.references(in: "BerthRuntime/Spec"), [.folder("BerthRuntime/Spec")])
        XCTAssertEqual(Self.references(in: "Sources/BerthRuntime/Util/"), [.folder("BerthRuntime/Util")])
        for ignored in ["CLOCK_MONOTONIC", "berth-plan", "containers/<id>/plan", "--cgroup-parent", "ok PID",
                        "Ctrl-P Ctrl-Q", "/proc/self/cgroup", "V1", "run -d", "sethostname"] {
            XCTAssertEqual(Self.references(in: ignored), [], ignored)
        }
        XCTAssertTrue(Self.declares("public final class Engine: @unchecked Sendable {", "Engine"))
        XCTAssertTrue(Self.declares("struct plan_mount {\n", "plan_mount"))
        XCTAssertFalse(Self.declares("let copier = TreeCopier()", "TreeCopier"))
        XCTAssertFalse(Self.declares("struct EngineOptions {", "Engine"))
    }
}
