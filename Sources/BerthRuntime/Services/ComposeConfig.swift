import BerthOS
import Foundation
import Yams

/// `compose config`: the compose file as Berth reads it — validated by `ComposeParser` first (so
/// what it refuses, this refuses with the same one line), every value interpolated (`${VAR:-x}`,
/// `$$`), and the project's `name:` set — printed as YAML. Keys and short syntaxes stay as the
/// file wrote them (compose's own `config` also rewrites them into the long syntax; Berth does not).
public enum ComposeConfig {
    public static func resolvedYAML(_ text: String, options: ComposeParser.Options) throws -> String {
        let project = try ComposeParser.parse(text, options: options)
        guard let root = try Yams.compose(yaml: text), case .mapping(let top) = root else {
            throw BerthError.invalidArgument("the compose file is empty")
        }
        var pairs: [(Node, Node)] = [(Node("name"), Node(project.name))]
        for (key, value) in top {
            // `version` is obsolete and `name` is the resolved one above.
            guard let k = key.string, k != "version", k != "name" else { continue }
            pairs.append((key, try interpolated(value, environment: options.environment, path: k)))
        }
        return try Yams.serialize(node: .mapping(Node.Mapping(pairs)))
    }

    /// Every scalar value below `node` interpolated; keys are names, left as written.
    static func interpolated(_ node: Node, environment: [String: String], path: String) throws -> Node {
        switch node {
        case .scalar(var s):
            do {
                s.string = try ComposeInterpolation.apply(s.string, environment: environment)
            } catch {
                throw BerthError.invalidArgument("\(path): \(error.message)")
            }
            return .scalar(s)
        case .mapping(let m):
            return .mapping(Node.Mapping(try m.map { pair in
                (pair.key, try interpolated(pair.value, environment: environment, path: path + "." + (pair.key.string ?? "?")))
            }, m.tag, m.style))
        case .sequence(let q):
            return .sequence(Node.Sequence(try q.enumerated().map { i, n in
                try interpolated(n, environment: environment, path: "\(path)[\(i)]")
            }, q.tag, q.style))
        case .alias:
            return node
        }
    }
}
