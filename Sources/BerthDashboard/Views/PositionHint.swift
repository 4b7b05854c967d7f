/// Where a list that is longer than its pane stands: `N-M/T` on the pane's bottom border (rows N to
/// M of T, counted from 1). Every scrolled pane shows it the same way, from this one place.
struct PositionHint: Equatable {
    /// The first row on screen, from 0.
    var first: Int
    /// How many rows the pane has room for.
    var room: Int
    /// How many rows the list has.
    var total: Int

    /// `N-M/T`, or nil when the whole list is on screen (or the pane has no room for any row:
    /// then there is no range to name).
    var text: String? {
        guard total > room, room > 0 else { return nil }
        return "\(first + 1)-\(min(total, first + room))/\(total)"
    }

    /// Draws the hint at the right of the bottom border of `box` (the pane's outer rectangle).
    func draw(on box: Rect, _ c: Canvas) {
        guard let text else { return }
        c.text(" \(text) ", row: box.y + box.height - 1, column: box.x + box.width - TextWidth.of(text) - 4, role: .muted)
    }
}
