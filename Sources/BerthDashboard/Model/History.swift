/// A container's graph history. Stored as `Float`: half the memory of `Double` (with 200
/// containers × 2 graphs × 600 samples that is ≈ 1 MiB of the dashboard's RSS), and more
/// precision than a plot a few cells high can show.
public struct History: Sendable {
    private var buffer: RingBuffer<Float>

    public init(capacity: Int) { buffer = RingBuffer(capacity: capacity) }

    public mutating func append(_ value: Double) { buffer.append(Float(value)) }
    public var count: Int { buffer.count }
    public var isEmpty: Bool { buffer.isEmpty }
    /// Oldest first.
    public var values: [Double] { buffer.values.map(Double.init) }
    /// The newest `n` values, oldest first.
    public func suffix(_ n: Int) -> [Double] { buffer.suffix(n).map(Double.init) }
    public var last: Double? { buffer.last.map(Double.init) }
}
