import BerthOS
import Foundation

/// The client side of `berth system stream`: feed it the stream's lines in order and it returns
/// the messages. The first line must be a `hello` whose major version this Berth reads; anything
/// else fails with one message that says what to upgrade, instead of misreading fields whose
/// meaning changed.
public struct StreamReader: Sendable {
    /// The hello once read.
    public private(set) var hello: StreamHello?
    /// The containers of the last snapshot that listed them.
    private var containers: [ContainerInfo]?
    /// The newest major version this reader understands.
    public let supportedMajor: Int

    public init(supportedMajor: Int = StreamProtocol.major) {
        self.supportedMajor = supportedMajor
    }

    private struct Kind: Decodable { var type: String }
    private struct Version: Decodable { var `protocol`: String }

    public mutating func read(line: some StringProtocol) throws(BerthError) -> StreamMessage {
        let data = Data(line.utf8)
        let decoder = StreamProtocol.decoder()
        let type: String
        do { type = try decoder.decode(Kind.self, from: data).type } catch {
            throw .invalidArgument("not a berth stream: a line is not a JSON object with a \"type\" (\(Quoted.quote(String(line.prefix(60))))…)")
        }
        guard hello != nil else {
            guard type == "hello", let version = try? decoder.decode(Version.self, from: data).protocol else {
                throw .invalidArgument("not a berth stream: the first line is not a hello")
            }
            let major = version.split(separator: ".").first.flatMap { Int($0) }
            guard let major else {
                throw .invalidArgument("not a berth stream: protocol version \(version.quoted) is not MAJOR.MINOR")
            }
            guard major <= supportedMajor else {
                throw .unsupported("the host speaks stream protocol \(version.quoted), this berth reads \(supportedMajor).x: upgrade berth on this machine")
            }
            guard major == supportedMajor else {
                throw .unsupported("the host speaks stream protocol \(version.quoted), this berth reads \(supportedMajor).x: upgrade berth on the host")
            }
            do {
                let h = try decoder.decode(StreamHello.self, from: data)
                hello = h
                return .hello(h)
            } catch {
                throw .invalidArgument("not a berth stream: a malformed hello (\(error))")
            }
        }
        do {
            switch type {
            case "snapshot":
                var snapshot = try decoder.decode(StreamSnapshot.self, from: data)
                if snapshot.containersUnchanged {
                    guard let containers else { throw BerthError.invalidArgument("a snapshot without containers came first") }
                    snapshot.containers = containers
                    snapshot.containersUnchanged = false
                } else {
                    containers = snapshot.containers
                }
                return .snapshot(snapshot)
            case "event": return .event(try decoder.decode(StreamEvent.self, from: data).event)
            case "hello": throw BerthError.invalidArgument("a second hello")
            default: return .unknown(type)
            }
        } catch let e as BerthError {
            throw .invalidArgument("not a berth stream: \(e.description)")
        } catch {
            throw .invalidArgument("not a berth stream: a malformed \(type) message (\(error))")
        }
    }
}
