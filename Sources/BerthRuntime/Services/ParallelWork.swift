import Foundation
import Synchronization

/// Runs independent jobs on a few threads at once. Starting a container mostly waits (spawn the
/// supervisor, wait for its report), so more jobs than cores in flight pay off; the width keeps a
/// scale to 100 replicas from spawning 100 threads.
enum ParallelWork {
    static let defaultWidth = 8

    /// Calls `body` for every item, at most `width` at a time; returns the errors by item index.
    static func forEach<T: Sendable>(_ items: [T], width: Int = defaultWidth,
                                     _ body: @escaping @Sendable (T) throws -> Void) -> [Int: any Error] {
        if items.isEmpty { return [:] }
        let state = Shared(count: items.count)
        let workers = max(1, min(width, items.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                while let i = state.next() {
                    do { try body(items[i]) } catch { state.fail(i, error) }
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return state.errors
    }

    /// The next item to take and the failures so far, shared by the workers.
    private final class Shared: Sendable {
        private struct State {
            var cursor = 0
            var failures: [Int: any Error] = [:]
        }

        private let count: Int
        private let state = Mutex(State())

        init(count: Int) { self.count = count }

        func next() -> Int? {
            state.withLock { s in
                guard s.cursor < count else { return nil }
                s.cursor += 1
                return s.cursor - 1
            }
        }

        func fail(_ i: Int, _ error: any Error) {
            state.withLock { $0.failures[i] = error }
        }

        var errors: [Int: any Error] { state.withLock { $0.failures } }
    }
}
