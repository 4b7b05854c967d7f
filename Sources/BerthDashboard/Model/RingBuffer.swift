/// A fixed-capacity history that drops its oldest value, so per-container history costs the same
/// memory after an hour as after a minute.
public struct RingBuffer<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    private var head = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public mutating func append(_ value: Element) {
        if storage.count < capacity {
            storage.append(value)
        } else {
            storage[head] = value
            head = (head + 1) % capacity
        }
    }

    /// Oldest first.
    public var values: [Element] {
        storage.count < capacity ? storage : Array(storage[head...] + storage[..<head])
    }

    /// The newest `n` values, oldest first.
    public func suffix(_ n: Int) -> [Element] {
        let all = values
        return Array(all.suffix(n))
    }

    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.last : storage[(head + capacity - 1) % capacity]
    }
}
