import XCTest
@testable import BerthOS

/// Rates between two samples, block IO over its own readings (the sampler reads it at a slower pace).
final class StatsRatesTests: XCTestCase {
    func sample(at seconds: UInt64, cpu: UInt64 = 0, net: UInt64 = 0, block: UInt64 = 0, blockAt: UInt64? = nil) -> ContainerStats {
        ContainerStats(id: "c", timestamp: seconds * 1_000_000_000, cpuUsageNanos: cpu, blockRead: block,
                       blockWrite: block / 2, netRx: net, netTx: net, blockTimestamp: blockAt.map { $0 * 1_000_000_000 })
    }

    func testCPUAndNetworkAreOverTheSampleInterval() {
        let r = StatsRates.between(sample(at: 10, cpu: 0, net: 1000), sample(at: 12, cpu: 1_000_000_000, net: 5000))
        XCTAssertEqual(r.cpuPercent, 50, accuracy: 1e-9)
        XCTAssertEqual(r.netRxPerSecond, 2000, accuracy: 1e-9)
    }

    func testBlockRatesAreOverTheBlockReadingsInterval() {
        // Read at 10 s and at 15 s: 5 MB in 5 s, whatever the samples' own interval (1 s here).
        let r = StatsRates.between(sample(at: 14, block: 1_000_000, blockAt: 10), sample(at: 15, block: 6_000_000, blockAt: 15))
        XCTAssertEqual(r.blockReadPerSecond, 1_000_000, accuracy: 1e-6)
        XCTAssertEqual(r.blockWritePerSecond, 500_000, accuracy: 1e-6)
    }

    func testTheLastBlockRatesCarryOverWhileTheyAreNotReRead() {
        let last = StatsRates(cpuPercent: 1, netRxPerSecond: 0, netTxPerSecond: 0, blockReadPerSecond: 42, blockWritePerSecond: 7)
        let r = StatsRates.between(sample(at: 15, cpu: 0, block: 6_000_000, blockAt: 15),
                                   sample(at: 16, cpu: 100_000_000, block: 6_000_000, blockAt: 15), previousRates: last)
        XCTAssertEqual(r.blockReadPerSecond, 42)
        XCTAssertEqual(r.blockWritePerSecond, 7)
        XCTAssertEqual(r.cpuPercent, 10, accuracy: 1e-9, "the other rates are new")
        let none = StatsRates.between(sample(at: 15, block: 6_000_000, blockAt: 15), sample(at: 16, block: 6_000_000, blockAt: 15))
        XCTAssertEqual(none.blockReadPerSecond, 0, "no earlier rates: zero, not a guess")
    }

    func testSamplesWithoutABlockTimestampUseTheirOwn() {
        // A host whose stream predates the field: block rates over the sample interval as before.
        let r = StatsRates.between(sample(at: 10, block: 0), sample(at: 12, block: 4000))
        XCTAssertEqual(r.blockReadPerSecond, 2000, accuracy: 1e-9)
    }

    func testCountersThatWentBackwardsGiveZero() {
        let r = StatsRates.between(sample(at: 10, cpu: 5, net: 900, block: 900, blockAt: 10), sample(at: 12, cpu: 1, net: 100, block: 100, blockAt: 12))
        XCTAssertEqual(r, StatsRates(cpuPercent: 0, netRxPerSecond: 0, netTxPerSecond: 0, blockReadPerSecond: 0, blockWritePerSecond: 0))
    }
}
