import BerthOS
import BerthRuntime

/// The inspect view (`i`): opening it on the selection, and its search.
extension DashboardModel {
    mutating func openInspect() -> [Effect] {
        guard let e = selectedContainer(to: "inspect it") else { return [] }
        inspect = InspectState(id: e.id, name: e.name)
        return show(.inspect) + [.loadInspect(id: e.id)]
    }

    /// `n` / `N` (and Enter in the search prompt): the next match `direction` from the current
    /// one, wrapping around; the match is put a third of the way down the pane.
    mutating func jumpToInspectMatch(_ direction: SearchDirection) {
        guard !inspect.search.isEmpty else {
            status = StatusMessage("no search: press / first", .error)
            return
        }
        do { _ = try LogPattern(term: inspect.search).matcher() } catch {
            status = StatusMessage("\(error)", .error)
            return
        }
        let forward = direction == .down
        let matches = inspect.matches
        guard !matches.isEmpty else {
            status = StatusMessage("no match for \(Quoted.escapeControls(inspect.search).quoted)", .error)
            return
        }
        let hit: Int
        if let current = inspect.matchLine {
            hit = forward ? (matches.first { $0 > current } ?? matches[0]) : (matches.last { $0 < current } ?? matches[matches.count - 1])
        } else {
            hit = forward ? (matches.first { $0 >= inspect.scroll } ?? matches[0]) : matches[matches.count - 1]
        }
        inspect.matchLine = hit
        let rows = layout.bodyLines
        inspect.scroll = min(max(0, inspect.lines.count - rows), max(0, hit - rows / 3))
        status = StatusMessage("match \(matches.firstIndex(of: hit)! + 1) of \(matches.count) · \(Self.searchKeys(inspect.searchDirection, inLogs: false))")
    }
}
