import BerthOS
import CNcursesw
import Foundation

/// The real screen through ncursesw. Every method must be called from the one thread that created
/// it (curses is not thread-safe); the run loop guarantees that.
public final class NcursesTerminal: Terminal {
    public private(set) var size: TerminalSize
    public let colorMode: ColorMode
    public let unicode: Bool
    private let screen: OpaquePointer
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private let maxPairs: Int32
    private let direct: Bool
    private let colors: Int32
    private var buffer: [wchar_t] = []
    private var stopped = false

    private struct PairKey: Hashable { var fg: TermColor; var bg: TermColor }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Takes over the terminal. `environment` decides NO_COLOR and BERTH_ASCII; the terminal's
    /// terminfo decides the rest.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        // glibc 2.35+ has C.UTF-8 built in, so the locale alone almost never forces ASCII; a
        // terminal or font that cannot show box drawing asks for it with BERTH_ASCII (any non-empty value).
        let utf8 = LocaleSetup.enableUTF8()
        unicode = utf8 && (environment["BERTH_ASCII"] ?? "").isEmpty
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw StartError(description: "the dashboard needs a terminal (stdin and stdout must be a tty)")
        }
        if environment["ESCDELAY"] == nil { berth_set_escdelay(25) }
        guard let s = berth_newterm() else {
            throw StartError(description: "cannot open the terminal '\(environment["TERM"] ?? "")' (is TERM set to a known terminal?)")
        }
        screen = s
        set_term(s)
        raw()
        noecho()
        nonl()
        keypad(berth_stdscr(), true)
        nodelay(berth_stdscr(), true)
        curs_set(0)
        var hasColour = has_colors()
        if hasColour {
            start_color()
            use_default_colors()
        }
        colors = berth_colors()
        let rgb = "RGB".withCString { tigetflag(UnsafeMutablePointer(mutating: $0)) } > 0
        let mode = ColorMode.detect(hasColors: hasColour, colors: Int(colors), rgbCapability: rgb, environment: environment)
        hasColour = mode != .mono
        colorMode = mode
        direct = mode == .truecolor
        maxPairs = berth_color_pairs()
        mousemask(berth_mouse_mask_all(), nil)
        mouseinterval(0)
        size = TerminalSize(columns: Int(berth_cols()), rows: Int(berth_lines()))
    }

    deinit { stop() }

    /// Gives the terminal back: the cursor, echo, the normal screen. Safe to call twice.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        endwin()
        delscreen(screen)
    }

    /// Leaves curses for a child that needs the terminal (exec), then takes it back and redraws.
    public func suspend<T>(_ body: () throws -> T) rethrows -> T {
        def_prog_mode()
        endwin()
        defer {
            reset_prog_mode()
            clearok(berth_stdscr(), true)
            refresh()
        }
        return try body()
    }

    public func refreshSize() {
        size = TerminalSize(columns: Int(berth_cols()), rows: Int(berth_lines()))
    }

    public func clear(style: CellStyle) {
        berth_background(pair(for: style))
        werase(berth_stdscr())
    }

    public func put(_ text: String, row: Int, column: Int, style: CellStyle) {
        guard row >= 0, row < size.rows, column < size.columns else { return }
        buffer.removeAll(keepingCapacity: true)
        var width = 0
        let room = size.columns - column
        for u in text.unicodeScalars {
            let w = TextWidth.width(of: u.value)
            if width + w > room { break }
            width += w
            // A control character would move the cursor (a newline clears the rest of the row),
            // a bidi override reorder what follows: the last guard before the terminal.
            buffer.append(wchar_t(bitPattern: TextWidth.isDisplayable(u.value) ? u.value : 0x20))
        }
        guard !buffer.isEmpty else { return }
        let p = pair(for: style)
        let attrs = attributes(style.attributes)
        _ = buffer.withUnsafeBufferPointer { b in
            berth_put(Int32(row), Int32(column), b.baseAddress, Int32(b.count), attrs, p)
        }
    }

    public func flush() {
        wnoutrefresh(berth_stdscr())
        doupdate()
    }

    public func write(_ control: [UInt8]) {
        // Whatever stdio still buffers goes first, so the sequence lands whole (doupdate wrote the frame).
        fflush(nil)
        // A terminal that went away loses the sequence; the dashboard learns of it by its input.
        try? FileIO.writeAll(fd: STDOUT_FILENO, control, path: "the terminal")
    }

    // MARK: input

    /// The next pending key, mouse or resize event, without waiting.
    public func readEvent() -> DashboardEvent? {
        var ch: wint_t = 0
        let r = wget_wch(berth_stdscr(), &ch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES {
            let code = Int32(ch)
            if code == berth_key_resize() {
                refreshSize()
                return .resize(size)
            }
            if code == berth_key_mouse() {
                var ev = MEVENT()
                guard getmouse(&ev) == OK else { return readEvent() }
                let kind: MouseEvent.Kind
                if berth_mouse_is_wheel_up(ev.bstate) != 0 { kind = .wheelUp }
                else if berth_mouse_is_wheel_down(ev.bstate) != 0 { kind = .wheelDown }
                else if berth_mouse_is_click(ev.bstate) != 0 { kind = .click }
                else { return readEvent() }
                return .mouse(MouseEvent(kind: kind, row: Int(ev.y), column: Int(ev.x)))
            }
            guard let key = Self.functionKey(code) else { return readEvent() }
            return .key(key)
        }
        guard let key = Self.characterKey(UInt32(ch)) else { return readEvent() }
        return .key(key)
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case berth_key_up(): return .up
        case berth_key_down(): return .down
        case berth_key_left(): return .left
        case berth_key_right(): return .right
        case berth_key_home(): return .home
        case berth_key_end(): return .end
        case berth_key_ppage(): return .pageUp
        case berth_key_npage(): return .pageDown
        case berth_key_backspace(): return .backspace
        case berth_key_dc(): return .delete
        case berth_key_enter(): return .enter
        case berth_key_btab(): return .backTab
        default:
            for n in 1...12 where code == berth_key_f(Int32(n)) { return .function(n) }
            return nil
        }
    }

    static func characterKey(_ v: UInt32) -> Key? {
        switch v {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(v + 96)!))
        case 0..<32: return nil
        default:
            guard let s = Unicode.Scalar(v) else { return nil }
            return .char(Character(s))
        }
    }

    // MARK: colours

    private func attributes(_ a: TextAttributes) -> attr_t {
        var r = berth_a_normal()
        if a.contains(.bold) { r |= berth_a_bold() }
        if a.contains(.dim) { r |= berth_a_dim() }
        if a.contains(.underline) { r |= berth_a_underline() }
        if a.contains(.reverse) { r |= berth_a_reverse() }
        if a.contains(.italic) { r |= berth_a_italic() }
        return r
    }

    private func number(_ c: TermColor) -> Int32 {
        switch c {
        case .terminalDefault: return -1
        case .indexed(let i):
            if direct && i < 16 { return Int32(i) }
            if direct {
                let (r, g, b) = Xterm.rgb(of: i)
                return Int32(r) << 16 | Int32(g) << 8 | Int32(b)
            }
            return colors >= 16 ? Int32(i) : Int32(i % 8)
        case .rgb(let r, let g, let b):
            if direct { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
            return Int32(Xterm.nearest256(r, g, b))
        }
    }

    /// A colour pair for (fg, bg), created on first use; pair 0 (terminal default) when none are left.
    private func pair(for style: CellStyle) -> Int32 {
        guard colorMode != .mono else { return 0 }
        let key = PairKey(fg: style.foreground, bg: style.background)
        if key.fg == .terminalDefault && key.bg == .terminalDefault { return 0 }
        if let p = pairs[key] { return p }
        guard nextPair < maxPairs else { return 0 }
        let p = nextPair
        nextPair += 1
        _ = berth_init_pair(p, number(key.fg), number(key.bg))
        pairs[key] = p
        return p
    }
}
