import BerthOS
import BerthRuntime
@testable import BerthDashboard
import XCTest

/// The images (`5`), volumes (`6`) and networks (`7`) views: switching, their own key tables,
/// remove and prune behind a question, and their screens.
final class ResourceViewsTests: XCTestCase {
    static let t0 = Fixtures.t0

    static let images: [ImageSummary] = [
        ImageSummary(reference: "docker.io/library/nginx:1.27", id: String(repeating: "a1", count: 32), size: 191_000_000, layers: 7,
                     created: t0.addingTimeInterval(-3 * 86400), usedBy: 3),
        ImageSummary(reference: "busybox:latest", id: String(repeating: "b2", count: 32), size: 4_400_000, layers: 1,
                     created: t0.addingTimeInterval(-40 * 86400), usedBy: 2),
        // Hostile: a name with an escape sequence must reach the screen as spaces.
        ImageSummary(reference: "evil\u{1b}[2J:latest", id: String(repeating: "c3", count: 32), size: 1_024, layers: 2,
                     created: t0.addingTimeInterval(-7200), usedBy: 0),
    ]
    static let volumes: [VolumeSummary] = [
        VolumeSummary(name: "dbdata", anonymous: false, created: t0.addingTimeInterval(-86400), usedBy: ["db"]),
        VolumeSummary(name: String(repeating: "9f", count: 32), anonymous: true, created: t0.addingTimeInterval(-600), usedBy: []),
        VolumeSummary(name: "shared", anonymous: false, created: t0.addingTimeInterval(-4000), usedBy: ["web-1", "web-2", "web-3"]),
    ]
    static let networks: [NetworkSummary] = [
        NetworkSummary(name: "berth", subnet: "10.88.0.0/16", gateway: "10.88.0.1", isInternal: false, members: ["db", "web-1", "web-2"]),
        NetworkSummary(name: "backend", subnet: "10.215.3.0/24", gateway: "10.215.3.1", isInternal: true, members: ["db"]),
        NetworkSummary(name: "spare", subnet: "10.215.4.0/24", gateway: "10.215.4.1", isInternal: false, members: []),
    ]

    /// The fixtures' model with every kind read once.
    func model(columns: Int = 120, rows: Int = 40, mode: ColorMode = .truecolor, unicode: Bool = true) -> DashboardModel {
        var m = Fixtures.model(columns: columns, rows: rows, samples: 3, mode: mode, unicode: unicode)
        var s = ResourceSnapshot(kind: .image); s.images = Self.images; _ = m.update(.resources(s))
        s = ResourceSnapshot(kind: .volume); s.volumes = Self.volumes; _ = m.update(.resources(s))
        s = ResourceSnapshot(kind: .network); s.networks = Self.networks; _ = m.update(.resources(s))
        return m
    }

    func testNumberKeysAndCommandsSwitchViewsAndTheSamplerFollows() {
        var m = model()
        XCTAssertEqual(m.press(.char("5")), [.watchResources(.image)])
        XCTAssertEqual(m.view, .images)
        XCTAssertEqual(m.press(.char("6")), [.watchResources(.volume)])
        XCTAssertEqual(m.view, .volumes)
        XCTAssertEqual(m.press(.char("7")), [.watchResources(.network)])
        XCTAssertEqual(m.view, .networks)
        // Leaving stops the reads; the events view reads none either.
        XCTAssertEqual(m.press(.char("4")), [.watchResources(nil)])
        XCTAssertEqual(m.view, .events)
        XCTAssertEqual(m.press(.char("1")), [])
        XCTAssertEqual(m.view, .containers)
        for (command, view) in [("images", DashboardView.images), ("vol", .volumes), ("networks", .networks), ("im", .images)] {
            m.press(.char(":")); m.type(command)
            XCTAssertEqual(m.press(.enter), [.watchResources(view.resourceKind)], command)
            XCTAssertEqual(m.view, view, command)
        }
        XCTAssertEqual(m.press(.escape), [.watchResources(nil)])
        XCTAssertEqual(m.view, .containers)
        m.press(.char("6"))
        XCTAssertEqual(m.press(.char("2")), [.watchResources(nil)])
        XCTAssertEqual(m.view, .containers)
        XCTAssertEqual(m.focus, .detail)
    }

    /// s r K p + - e space and the containers' d act on nothing the view does not show.
    func testContainerKeysDoNothingThere() {
        var m = model()
        m.press(.char("7"))
        for key: Key in [.char("s"), .char("r"), .char("K"), .char("p"), .char("+"), .char("-"), .char("e"), .char(" "), .ctrl("a"), .char("P")] {
            XCTAssertEqual(m.press(key), [], "\(key)")
            XCTAssertEqual(m.mode, .normal, "\(key)")
        }
        XCTAssertTrue(m.marked.isEmpty)
        XCTAssertTrue(m.busy.isEmpty)
    }

    func testRemoveAsksThenRemovesTheSelectedRow() {
        var m = model()
        m.press(.char("5"), .char("j"), .char("j"))
        XCTAssertEqual(m.selectedResource?.name, "evil\u{1b}[2J:latest")
        XCTAssertEqual(m.press(.char("d")), [])
        guard case .confirm(let p) = m.mode else { return XCTFail("no question: \(m.mode)") }
        // The question shows the control character escaped, never raw.
        XCTAssertFalse(p.question.contains("\u{1b}"), p.question)
        XCTAssertEqual(m.press(.char("y")), [.perform(.removeResource(kind: .image, name: "evil\u{1b}[2J:latest"))])
        // Anything but y is a no.
        m.press(.char("6"), .char("j"), .char("d"))
        XCTAssertEqual(m.press(.char("n")), [])
        XCTAssertEqual(m.mode, .normal)
        XCTAssertEqual(m.status?.text, "cancelled")
    }

    /// One a container uses is refused at once, saying why, with no question.
    func testRemovingWhatIsInUseIsRefused() {
        var m = model()
        for (key, words) in [("5", "image docker.io/library/nginx:1.27 is used by 3 containers"), ("6", "volume dbdata is used by 1 container"),
                             ("7", "network berth has 3 containers on it")] {
            m.press(.char(Character(key)), .char("g"))
            XCTAssertEqual(m.press(.char("d")), [], key)
            XCTAssertEqual(m.mode, .normal, key)
            XCTAssertEqual(m.status?.kind, .error, key)
            XCTAssertTrue(m.status?.text.hasPrefix(words) == true, m.status?.text ?? "")
        }
    }

    func testPruneAsksAndReportsWhatWent() {
        var m = model()
        m.press(.char("5"), .char("P"))
        XCTAssertEqual(m.press(.char("y")), [.perform(.pruneResources(.image))])
        let effects = m.update(.actionFinished(ActionOutcome(action: .pruneResources(.image), seconds: 0.2, error: nil,
                                                             detail: "1 image removed, 1.0 KiB reclaimed")))
        XCTAssertEqual(effects, [.sampleNow])
        XCTAssertEqual(m.status?.text, "1 image removed, 1.0 KiB reclaimed in 0.2 s")
        // Networks have no prune key.
        m.press(.char("7"))
        XCTAssertEqual(m.press(.char("P")), [])
        XCTAssertEqual(m.mode, .normal)
    }

    func testMovingStaysInTheListAndSurvivesARowGoing() {
        var m = model()
        m.press(.char("6"), .char("G"))
        XCTAssertEqual(m.resourceSelection[.volume], 2)
        m.press(.char("j"), .char("j"))
        XCTAssertEqual(m.resourceSelection[.volume], 2)
        var s = ResourceSnapshot(kind: .volume); s.volumes = Array(Self.volumes.prefix(2))
        _ = m.update(.resources(s))
        XCTAssertEqual(m.selectedResource?.name, Self.volumes[1].name)
        // A failed read keeps the rows and says why.
        s = ResourceSnapshot(kind: .volume); s.error = "permission denied"
        _ = m.update(.resources(s))
        XCTAssertEqual(m.resources.volumes.count, 2)
        XCTAssertTrue(Golden.render(m).text().contains("could not list volumes: permission denied"))
    }

    /// Each view's help is its own table plus the global keys that work there; the containers'
    /// help lists the keys that open the views.
    func testHelpIsGeneratedFromEachViewsTable() {
        var m = model()
        let containers = HelpOverlay.lines(m).map(\.0)
        for key in ["5", "6", "7"] { XCTAssertTrue(containers.contains(key), key) }
        XCTAssertFalse(HelpOverlay.lines(m).contains { $0.0 == "Images view" })
        m.press(.char("5"))
        let lines = HelpOverlay.lines(m)
        XCTAssertTrue(lines.contains { $0.0 == "Images view" && $0.2 })
        XCTAssertTrue(lines.contains { $0.0 == "d" && $0.1.hasPrefix("Remove the selected image") })
        XCTAssertTrue(lines.contains { $0.0 == "P" })
        XCTAssertFalse(lines.contains { $0.1.hasPrefix("Start or stop") })
        XCTAssertFalse(lines.contains { $0.0 == "Volumes view" })
        XCTAssertEqual(KeyTable.standard.clashes().map { "\($0.key) \($0.first) \($0.second)" }, [])
    }

    /// A remap of `d` in the images view may not take a key a global action uses there.
    func testARemapOntoAGlobalKeyThatWorksThereClashes() {
        let t = KeyTable.standard.rebinding(.removeImage, to: [.char("t")])
        XCTAssertEqual(t.clashes().map(\.first), [.removeImage])
        XCTAssertEqual(KeyTable.standard.rebinding(.removeImage, to: [.char("s")]).clashes().count, 0)
    }

    /// An engine without images, volumes or networks refuses the actions with a sentence.
    func testAnEngineWithoutResourcesRefuses() {
        let engine = FakeEngine()
        let o = ActionRunner.run(.removeResource(kind: .volume, name: "x"), engine: engine, actions: DashboardActions())
        XCTAssertEqual(o.error, "\(BerthError.unsupported("this engine keeps no volumes"))")
        XCTAssertEqual(ResourceSnapshot.take(.image, from: engine).images, [])
    }

    func testScreens() {
        for (key, name) in [("5", "images"), ("6", "volumes"), ("7", "networks")] {
            Golden.assertMatrix(name) { s in
                var m = model(columns: s.columns, rows: s.rows, mode: s.mode, unicode: s.unicode)
                m.press(.char(Character(key)), .char("j"))
                XCTAssertFalse(Golden.render(m).text().contains("\u{1b}"))
                return m
            }
        }
    }

    func testImagesHelpScreen() {
        var m = model()
        m.press(.char("5"), .char("?"))
        Golden.assertScreen(m, "images-help-120x40")
    }
}
