@testable import BerthDashboard
import XCTest

/// Issue 15 item 1: on 8-colour terminals (TERM=xterm, screen) the default theme drew state
/// glyphs, bars, borders and labels black on black, and with 16 colours running, restarting and
/// exited were the same grey. Every shipped theme, in every colour mode, must keep each role
/// readable over what it is drawn on and the container states apart.
final class ThemeLegibilityTests: XCTestCase {
    static let modes: [ColorMode] = [.color8, .color16, .color256, .truecolor]
    static let states: [ThemeRole] = [.running, .exited, .created, .restarting, .dead]

    func testEveryThemeHasItsShippedThemes() {
        let names = ThemeCatalog.builtin().themes.map(\.name)
        XCTAssertTrue(Set(["default", "light", "nord", "gruvbox", "solarized-dark", "high-contrast"]).isSubset(of: Set(names)), "\(names)")
    }

    func testNoRoleIsDrawnInItsBackgroundsColour() {
        for theme in ThemeCatalog.builtin().themes {
            for mode in Self.modes {
                let p = Palette(theme: theme, mode: mode)
                let screen = p.style(.background).background
                for role in ThemeRole.allCases where role != .background {
                    let s = p.style(role)
                    guard s.foreground != .terminalDefault else { continue }
                    let under = s.background == .terminalDefault ? screen : s.background
                    XCTAssertNotEqual(s.foreground, under, "\(theme.name) at \(mode.rawValue) colours: \(role.rawValue) is invisible")
                }
            }
        }
    }

    func testContainerStatesHaveDistinctColours() {
        for theme in ThemeCatalog.builtin().themes {
            for mode in Self.modes {
                let p = Palette(theme: theme, mode: mode)
                let colours = Self.states.map { p.style($0).foreground }
                XCTAssertEqual(Set(colours.map { "\($0)" }).count, Self.states.count,
                               "\(theme.name) at \(mode.rawValue) colours: \(zip(Self.states.map(\.rawValue), colours).map { "\($0)=\($1)" })")
            }
        }
    }

    /// The bars' gradients keep low, middle and high use apart.
    func testGradientsKeepTheirStepsApart() {
        for theme in ThemeCatalog.builtin().themes {
            for mode in Self.modes {
                let p = Palette(theme: theme, mode: mode)
                for g in ThemeGradient.allCases {
                    let low = p.gradientStyle(g, fraction: 0).foreground, high = p.gradientStyle(g, fraction: 1).foreground
                    XCTAssertNotEqual(low, high, "\(theme.name) at \(mode.rawValue) colours: \(g.rawValue) low = high")
                }
            }
        }
    }

    /// Soft theme colours keep their hue: the default theme's green, yellow and red on 8 colours.
    func testHuesSurviveTheFewestColours() {
        XCTAssertEqual(ColorMode.color8.resolve(.rgb(0x98, 0xc3, 0x79)), .indexed(2))
        XCTAssertEqual(ColorMode.color8.resolve(.rgb(0xe5, 0xc0, 0x7b)), .indexed(3))
        XCTAssertEqual(ColorMode.color8.resolve(.rgb(0xe0, 0x6c, 0x75)), .indexed(1))
        XCTAssertEqual(ColorMode.color8.resolve(.rgb(0x6b, 0x72, 0x80)), .indexed(7), "grey is light on 8 colours, not black")
        XCTAssertEqual(ColorMode.color16.resolve(.rgb(0x6b, 0x72, 0x80)), .indexed(8))
        XCTAssertEqual(ColorMode.color8.resolve(.indexed(9)), .indexed(1), "no bright colours on 8")
        XCTAssertEqual(ColorMode.color8.resolve(.indexed(244)), .indexed(7))
    }
}
