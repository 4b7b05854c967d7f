import BerthRuntime

extension DashboardModel {
    /// Applies an editing key to a one-line input; nil means the key is not an edit.
    static func edit(_ text: String, _ key: Key) -> String? {
        switch key {
        case .char(let c): return text + String(c)
        case .backspace, .ctrl("h"): return String(text.dropLast())
        case .ctrl("u"): return ""
        case .ctrl("w"):
            var t = Substring(text)
            while t.last == " " { t = t.dropLast() }
            while let l = t.last, l != " " { t = t.dropLast() }
            return String(t)
        default: return nil
        }
    }

    /// The filter applies as you type; Enter keeps it, Esc drops it. In the events view it is that
    /// view's own filter; the containers' filter also moves the logs to the new selection.
    mutating func editFilter(_ text: String, _ key: Key) -> [Effect] {
        let events = view == .events
        func apply(_ t: String) -> [Effect] {
            if events { setEventsFilter(t); return [] }
            setFilter(t)
            return followSelection()
        }
        switch key {
        case .enter:
            mode = .normal
            if events { return [] }
            if filter.regexError { status = StatusMessage(Self.regexProblem(filter.text), .error) }
            return followSelection()
        case .escape:
            mode = .normal
            return apply("")
        case .ctrl("c"):
            quitRequested = true
            return [.quit]
        default:
            guard let t = Self.edit(text, key) else { return [] }
            mode = .filter(t)
            return apply(t)
        }
    }

    /// The search prompt of the logs pane and the inspect view: Enter searches `direction`,
    /// Ctrl-R turns it round; a regex that does not compile says so while it is typed.
    mutating func editSearch(_ text: String, _ direction: SearchDirection, _ key: Key) -> [Effect] {
        switch key {
        case .enter where view == .inspect:
            mode = .normal
            inspect.search = text
            inspect.searchDirection = direction
            inspect.matchLine = nil
            if !text.isEmpty { jumpToInspectMatch(direction) }
        case .enter:
            mode = .normal
            logs.search = text
            logs.searchDirection = direction
            logs.matchIndex = nil
            if !text.isEmpty { return jumpToMatch(direction) }
        case .escape:
            mode = .normal
            if status?.kind == .error { status = nil }
        case .ctrl("c"):
            quitRequested = true
            return [.quit]
        case .ctrl("r"):
            mode = .logSearch(text, direction.reversed)
        default:
            guard let t = Self.edit(text, key) else { return [] }
            mode = .logSearch(t, direction)
            // The message about the pattern follows the text: said while it does not compile, gone once it does.
            if status?.kind == .error { status = nil }
            if case .regex = LogPattern(term: t), t.count > LogPattern.regexPrefix.count {
                do { _ = try LogPattern(term: t).matcher() } catch { status = StatusMessage("\(error)", .error) }
            }
        }
        return []
    }

    mutating func editCommand(_ text: String, _ key: Key) -> [Effect] {
        switch key {
        case .enter:
            mode = .normal
            historyCursor = nil
            let line = text.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return [] }
            commandHistory.removeAll { $0 == line }
            commandHistory.append(line)
            if commandHistory.count > 100 { commandHistory.removeFirst() }
            return run(command: line)
        case .escape:
            mode = .normal
            historyCursor = nil
        case .ctrl("c"):
            quitRequested = true
            return [.quit]
        case .up:
            guard !commandHistory.isEmpty else { return [] }
            let i = max(0, (historyCursor ?? commandHistory.count) - 1)
            historyCursor = i
            mode = .command(commandHistory[i])
        case .down:
            guard let c = historyCursor else { return [] }
            if c + 1 < commandHistory.count {
                historyCursor = c + 1
                mode = .command(commandHistory[c + 1])
            } else {
                historyCursor = nil
                mode = .command("")
            }
        default:
            if let t = Self.edit(text, key) { mode = .command(t) }
        }
        return []
    }
}

import Foundation
