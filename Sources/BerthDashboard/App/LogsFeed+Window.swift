import BerthRuntime

/// The logs pane's reads beyond the tail: pages above and below the held lines, the range's ends,
/// a time range, a search stepped between samples, a save. All on the sampler thread, through
/// the reader that follows the tail (its follow state is left as it was), so a page that reaches
/// the reader's `position` joins the tail with no line lost or doubled.
extension LogsFeed {
    /// Answers a request of the pane with the events to post.
    func handle(_ request: LogsRequest) -> [DashboardEvent] {
        guard let id else { return [] }
        guard let reader else {
            if case .save(let path, _, _, _) = request {
                return [.logSaved(path: path, lines: 0, error: LogsExportError.noFile.description)]
            }
            return []
        }
        let live = reader.position
        let end = ceiling ?? live
        let lines = LogsState.pageLines
        switch request {
        case .older(let before, let skipping):
            let page = reader.page(before: before, skipping: skipping, lines: lines, floor: floor)
            return [.logPage(id: id, pageRead(page, .older, live: live))]
        case .newer(let after):
            return [.logPage(id: id, pageRead(reader.page(after: after, lines: lines, limit: end), .newer, live: live))]
        case .first:
            return [.logPage(id: id, pageRead(reader.page(after: floor, lines: lines * 2, limit: end), .top, live: live))]
        case .last:
            return [.logPage(id: id, pageRead(reader.page(before: end, lines: lines * 2, floor: floor), .bottom, live: live))]
        case .range(let r):
            floor = min(live, r.since.map { reader.offset(ofFirstAtOrAfter: $0) } ?? 0)
            // Inclusive, as `berth logs --until`: the range ends before the first record after it.
            ceiling = r.until.map { min(live, reader.offset(ofFirstAtOrAfter: $0 == .max ? $0 : $0 + 1)) }
            return handle(.last)
        case .search(let term, let from, let older):
            do {
                search = try LogSearch(path: reader.path, term: term, from: from, direction: older ? .backward : .forward,
                                       floor: floor, limit: end)
                searchOlder = older
                return [.logSearch(id: id, .progress(0))]
            } catch {
                return [.logSearch(id: id, .failed("\(error)"))]
            }
        case .cancelSearch:
            search = nil
            return []
        case .save(let path, let overwrite, let stream, let timestamps):
            do {
                let count = try LogsExport.save(to: path, overwrite: overwrite, timestamps: timestamps) { emit in
                    reader.range(from: floor, to: end) { line in if stream.admits(line.stream) { emit(line) } }
                }
                return [.logSaved(path: path, lines: count, error: nil)]
            } catch {
                return [.logSaved(path: path, lines: 0, error: "\(error)")]
            }
        }
    }

    /// One step of the running search: its progress, or its end (a hit comes as the page around it).
    func stepSearch() -> [DashboardEvent] {
        guard let s = search, let id, let reader else { return [] }
        switch s.step(maxSeconds: searchStepSeconds) {
        case .progress(let share):
            return [.logSearch(id: id, .progress(share))]
        case .notFound:
            search = nil
            return [.logSearch(id: id, .notFound(older: searchOlder))]
        case .found(let at):
            search = nil
            let live = reader.position
            let half = LogsState.pageLines / 2
            let before = reader.page(before: at, lines: half, floor: floor)
            let after = reader.page(after: at, lines: half, limit: ceiling ?? live)
            let page = LogPage(lines: before.lines + after.lines, start: before.start, end: after.end)
            return [.logPage(id: id, pageRead(page, .hit(line: before.lines.count), live: live))]
        }
    }

    private func pageRead(_ page: LogPage, _ placement: LogsPageRead.Placement, live: Int64) -> LogsPageRead {
        LogsPageRead(page: page, placement: placement, floor: floor, ceiling: ceiling, fileEnd: live,
                     attached: ceiling == nil && page.end >= live)
    }
}
