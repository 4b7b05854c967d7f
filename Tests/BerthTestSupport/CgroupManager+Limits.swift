// Test-only code: absent from builds without XCTest (see Prerequisites.swift).
#if canImport(XCTest)
import BerthOCI
import BerthOS

extension CgroupManager {
    /// `create(id:resources:)` with docker-style limits, converted as `Engine.create` writes them into config.json.
    public func create(id: String, limits: ResourceLimits) throws -> CgroupPaths {
        try create(id: id, resources: OCI.Resources(limits))
    }
}
#endif
