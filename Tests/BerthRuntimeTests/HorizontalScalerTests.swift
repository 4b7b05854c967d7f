import BerthOS
import Foundation
import XCTest
@testable import BerthRuntime

/// The autoscaler's rule (Kubernetes' HorizontalPodAutoscaler), without containers.
final class HorizontalScalerTests: XCTestCase {
    func policy(min: Int = 1, max: Int = 10, cpu: Int? = 50, memory: Int? = nil, up: Double = 0, down: Double = 0) -> AutoscalePolicy {
        AutoscalePolicy(min: min, max: max, cpuTarget: cpu, memoryTarget: memory, scaleUpStabilization: up, scaleDownStabilization: down, interval: 1)
    }

    func testDesiredIsCeilOfCurrentTimesUsageOverTarget() {
        var s = HorizontalScaler(policy: policy())
        // 2 replicas at 90% of a 50% target: ceil(2 × 1.8) = 4.
        XCTAssertEqual(s.decide(current: 2, utilization: ServiceUtilization(cpuPercent: 90, measured: 2), now: 0).desired, 4)
        // 4 at 20%: ceil(4 × 0.4) = 2.
        XCTAssertEqual(s.decide(current: 4, utilization: ServiceUtilization(cpuPercent: 20, measured: 4), now: 1).desired, 2)
    }

    func testWithinTheToleranceNothingChanges() {
        var s = HorizontalScaler(policy: policy())
        XCTAssertEqual(s.decide(current: 3, utilization: ServiceUtilization(cpuPercent: 54, measured: 3), now: 0).desired, 3)
        XCTAssertEqual(s.decide(current: 3, utilization: ServiceUtilization(cpuPercent: 46, measured: 3), now: 1).desired, 3)
        // Just outside: 56% is 1.12 of the target, ceil(3 × 1.12) = 4.
        XCTAssertEqual(s.decide(current: 3, utilization: ServiceUtilization(cpuPercent: 56, measured: 3), now: 2).desired, 4)
    }

    func testTheRangeAndTheStepLimitBound() {
        var s = HorizontalScaler(policy: policy(min: 2, max: 6))
        XCTAssertEqual(s.decide(current: 3, utilization: ServiceUtilization(cpuPercent: 500, measured: 3), now: 0).desired, 6)
        XCTAssertEqual(s.decide(current: 3, utilization: ServiceUtilization(cpuPercent: 1, measured: 3), now: 1).desired, 2)
        var wide = HorizontalScaler(policy: policy(min: 1, max: 100))
        // 1 replica at 1000% of target would want 20; one step grows by at most max(4, 100%).
        let d = wide.decide(current: 1, utilization: ServiceUtilization(cpuPercent: 1000, measured: 1), now: 0)
        XCTAssertEqual(d.desired, 5)
        XCTAssertTrue(d.reason.contains("limited to 5"), d.reason)
        XCTAssertEqual(wide.decide(current: 10, utilization: ServiceUtilization(cpuPercent: 1000, measured: 10), now: 1).desired, 20)
    }

    func testTheHighestMetricWins() {
        var s = HorizontalScaler(policy: policy(cpu: 50, memory: 50))
        let d = s.decide(current: 2, utilization: ServiceUtilization(cpuPercent: 10, memoryPercent: 150, measured: 2), now: 0)
        XCTAssertEqual(d.desired, 6)
        XCTAssertTrue(d.reason.contains("memory 150% of target 50%"), d.reason)
    }

    func testTheScaleDownWindowKeepsTheHighestRecentRecommendation() {
        var s = HorizontalScaler(policy: policy(down: 60))
        XCTAssertEqual(s.decide(current: 2, utilization: ServiceUtilization(cpuPercent: 100, measured: 2), now: 0).desired, 4)
        // Idle 10 s later: the busy recommendation (4) is still in the window.
        let held = s.decide(current: 4, utilization: ServiceUtilization(cpuPercent: 5, measured: 4), now: 10)
        XCTAssertEqual(held.desired, 4)
        XCTAssertTrue(held.reason.contains("stabilization"), held.reason)
        // After the window the idle recommendation wins.
        XCTAssertEqual(s.decide(current: 4, utilization: ServiceUtilization(cpuPercent: 5, measured: 4), now: 71).desired, 1)
    }

    func testTheScaleUpWindowKeepsTheLowestRecentRecommendation() {
        var s = HorizontalScaler(policy: policy(up: 30))
        XCTAssertEqual(s.decide(current: 2, utilization: ServiceUtilization(cpuPercent: 50, measured: 2), now: 0).desired, 2)
        XCTAssertEqual(s.decide(current: 2, utilization: ServiceUtilization(cpuPercent: 200, measured: 2), now: 5).desired, 2)
        XCTAssertEqual(s.decide(current: 2, utilization: ServiceUtilization(cpuPercent: 200, measured: 2), now: 40).desired, 6)
    }

    func testNothingMeasuredOnlyClampsIntoTheRange() {
        var s = HorizontalScaler(policy: policy(min: 2, max: 4))
        XCTAssertEqual(s.decide(current: 3, utilization: ServiceUtilization(measured: 0), now: 0).desired, 3)
        XCTAssertEqual(s.decide(current: 7, utilization: ServiceUtilization(measured: 0), now: 1).desired, 4)
        XCTAssertEqual(s.decide(current: 0, utilization: ServiceUtilization(measured: 0), now: 2).desired, 2)
    }

    func testTheMeterMeasuresCPUAgainstEachReplicasLimit() {
        var meter = UtilizationMeter()
        let first = [ContainerStats(id: "a", timestamp: 1_000_000_000, cpuUsageNanos: 0),
                     ContainerStats(id: "b", timestamp: 1_000_000_000, cpuUsageNanos: 0)]
        XCTAssertEqual(meter.measure(first, cpuLimits: ["a": 0.5, "b": nil]).measured, 0)
        // Over one second a used 0.5 s (100% of its 0.5 CPU), b used 0.25 s (25% of one core).
        let second = [ContainerStats(id: "a", timestamp: 2_000_000_000, cpuUsageNanos: 500_000_000),
                      ContainerStats(id: "b", timestamp: 2_000_000_000, cpuUsageNanos: 250_000_000)]
        let u = meter.measure(second, cpuLimits: ["a": 0.5, "b": nil])
        XCTAssertEqual(u.measured, 2)
        XCTAssertEqual(u.cpuPercent ?? -1, 62.5, accuracy: 1e-9)
        // A restarted replica (its counter went back) is not measured until its next sample.
        let third = [ContainerStats(id: "a", timestamp: 3_000_000_000, cpuUsageNanos: 10)]
        XCTAssertEqual(meter.measure(third, cpuLimits: ["a": 0.5]).measured, 0)
    }

    func testPoliciesAreValidatedNamingTheField() {
        func message(_ p: AutoscalePolicy) -> String {
            do { try p.validate(maxReplicas: 50); return "" } catch { return error.description }
        }
        XCTAssertEqual(message(policy(min: 0)), "--min must be 1 or more, not 0")
        XCTAssertTrue(message(policy(min: 5, max: 3)).hasPrefix("--max (3) must be at least --min (5)"))
        XCTAssertTrue(message(policy(max: 80)).contains("BERTH_MAX_REPLICAS"))
        XCTAssertTrue(message(policy(cpu: nil)).contains("needs a target"))
        XCTAssertTrue(message(policy(cpu: 0)).hasPrefix("--cpu-target must be 1% to 1000%"))
        XCTAssertTrue(message(policy(down: -1)).hasPrefix("--scale-down-stabilization"))
        XCTAssertEqual(message(policy()), "")
    }

    func testComposeReadsXBerthAutoscale() throws {
        let yaml = """
        services:
          web:
            image: busybox
            x-berth-autoscale:
              min: 2
              max: 6
              cpu-target: 60%
              scale-down-stabilization: 1m
              interval: 5s
        """
        let project = try ComposeParser.parse(yaml, options: ComposeParser.Options(projectName: "p"))
        let web = try XCTUnwrap(project.services.first { $0.name == "web" })
        XCTAssertEqual(web.autoscale, AutoscalePolicy(min: 2, max: 6, cpuTarget: 60, scaleDownStabilization: 60, interval: 5))
        let bad = yaml.replacingOccurrences(of: "max: 6", with: "max: 1")
        XCTAssertThrowsError(try ComposeParser.parse(bad, options: ComposeParser.Options(projectName: "p"))) { error in
            XCTAssertTrue("\(error)".contains("services.web.x-berth-autoscale.max (1) must be at least services.web.x-berth-autoscale.min (2)"), "\(error)")
        }
        let unknown = yaml.replacingOccurrences(of: "interval: 5s", with: "speed: 5")
        XCTAssertThrowsError(try ComposeParser.parse(unknown, options: ComposeParser.Options(projectName: "p"))) { error in
            XCTAssertTrue("\(error)".contains("services.web.x-berth-autoscale.speed: unknown field"), "\(error)")
        }
    }
}
