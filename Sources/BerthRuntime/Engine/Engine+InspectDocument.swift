/// The dashboard's inspect view: one container's document as `berth inspect` prints it (docker's
/// shape, `dockerInspect`, indented as docker indents), so the view and the CLI agree.
extension Engine {
    public func inspectDocument(_ ref: String) throws -> String {
        try dockerInspect(ref).prettyJSON()
    }
}
