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
        let k = max(0, min(n, storage.count))
        guard storage.count == capacity else { return Array(storage.suffix(k)) }
        // Full: the newest value sits just before `head`; copy only the last k, not the whole ring.
        var out: [Element] = []
        out.reserveCapacity(k)
        var i = (head - k + capacity) % capacity
        for _ in 0..<k {
            out.append(storage[i])
            i = (i + 1) % capacity
        }
        return out
    }

    public var last: Element? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity ? storage.last : storage[(head + capacity - 1) % capacity]
    }
}
