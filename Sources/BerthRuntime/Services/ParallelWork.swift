import Foundation

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

    private final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var cursor = 0
        private let count: Int
        private var failures: [Int: any Error] = [:]

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard cursor < count else { return nil }
            cursor += 1
            return cursor - 1
        }

        func fail(_ i: Int, _ error: any Error) {
            lock.lock(); failures[i] = error; lock.unlock()
        }

        var errors: [Int: any Error] {
            lock.lock(); defer { lock.unlock() }
            return failures
        }
    }
}
