import XCTest
@testable import BerthOS

final class CgroupLimitValuesTests: XCTestCase {
    func testCPUsBecomeAQuotaPerDefaultPeriod() throws {
        XCTAssertEqual(try CgroupLimitValues(ResourceLimits(cpus: 0.5)).cpuQuotaMicros, 50_000)
        XCTAssertEqual(try CgroupLimitValues(ResourceLimits(cpus: 1.5)).cpuQuotaMicros, 150_000)
        XCTAssertEqual(try CgroupLimitValues(ResourceLimits(cpus: 0.01)).cpuQuotaMicros, 1_000)
    }

    func testTooFewCPUsIsAClearError() {
        XCTAssertThrowsError(try CgroupLimitValues(ResourceLimits(cpus: 0.005))) { error in
            let text = String(describing: error)
            XCTAssertEqual(text, "the number of CPUs (0.005) must be between 0.01 and 1024")
        }
        XCTAssertThrowsError(try CgroupLimitValues(ResourceLimits(cpus: 0)))
    }

    func testSharesToWeightAsRunc() {
        XCTAssertEqual(CgroupLimitValues.cpuWeight(shares: 2), 1)
        XCTAssertEqual(CgroupLimitValues.cpuWeight(shares: 1024), 39)
        XCTAssertEqual(CgroupLimitValues.cpuWeight(shares: 262_144), 10_000)
    }

    func testSwapIsValidatedAndSplitForV2() throws {
        let mib: Int64 = 1 << 20
        XCTAssertEqual(try CgroupLimitValues(ResourceLimits(memory: 64 * mib, memorySwap: 128 * mib)).swapOnly, String(64 * mib))
        XCTAssertEqual(try CgroupLimitValues(ResourceLimits(memory: 64 * mib, memorySwap: -1)).swapOnly, "max")
        XCTAssertNil(try CgroupLimitValues(ResourceLimits(memory: 64 * mib)).swapOnly)
        XCTAssertThrowsError(try CgroupLimitValues(ResourceLimits(memory: 64 * mib, memorySwap: 32 * mib)))
        XCTAssertThrowsError(try CgroupLimitValues(ResourceLimits(memorySwap: 32 * mib)))
        XCTAssertThrowsError(try CgroupLimitValues(ResourceLimits(memory: 1024)))
    }

    func testPidsZeroOrNegativeIsUnlimited() throws {
        XCTAssertNil(try CgroupLimitValues(ResourceLimits(pidsLimit: 0)).pidsMax)
        XCTAssertNil(try CgroupLimitValues(ResourceLimits(pidsLimit: -1)).pidsMax)
        XCTAssertEqual(try CgroupLimitValues(ResourceLimits(pidsLimit: 20)).pidsMax, 20)
    }

    func testCpusetSyntax() {
        XCTAssertNoThrow(try CgroupLimitValues(ResourceLimits(cpusetCpus: "0-1,3")))
        XCTAssertThrowsError(try CgroupLimitValues(ResourceLimits(cpusetCpus: "0;rm")))
    }
}
