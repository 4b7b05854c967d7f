import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal rtnetlink client: enough to create Berth's bridge, give it an address, bring it up
/// and delete interfaces. Constants are the kernel's (linux/rtnetlink.h, linux/if_link.h);
/// Swift cannot import those headers' macros.
public struct Netlink {
    enum Message: UInt16 { case newLink = 16, delLink = 17, getLink = 18, newAddr = 20 }
    enum Attr {
        static let ifName: UInt16 = 3          // IFLA_IFNAME
        static let linkInfo: UInt16 = 18       // IFLA_LINKINFO
        static let infoKind: UInt16 = 1        // IFLA_INFO_KIND
        static let addrLocal: UInt16 = 2       // IFA_LOCAL
        static let addrAddress: UInt16 = 1     // IFA_ADDRESS
    }
    static let flagRequest: UInt16 = 0x1, flagAck: UInt16 = 0x4, flagExcl: UInt16 = 0x200, flagCreate: UInt16 = 0x400
    static let iffUp: UInt32 = 0x1

    private let fd: Int32
    private var seq: UInt32 = 1

    public init() throws {
        fd = berth_netlink_socket()
        guard fd >= 0 else { throw BerthError.errno("netlink socket") }
    }

    public func close() { Glibc.close(fd) }

    // MARK: operations

    /// Creates a bridge; an existing interface of that name is fine.
    public mutating func createBridge(_ name: String) throws {
        var body = Self.ifinfo(index: 0, flags: 0, change: 0)
        Self.attr(&body, Attr.ifName, Self.cString(name))
        var info: [UInt8] = []
        Self.attr(&info, Attr.infoKind, Array("bridge".utf8))
        Self.attr(&body, Attr.linkInfo, info)
        try request(.newLink, flags: Self.flagCreate | Self.flagExcl, body: body, okErrors: [EEXIST], what: "create bridge \(name)")
    }

    public mutating func setUp(_ name: String) throws {
        let index = try Self.index(of: name)
        let body = Self.ifinfo(index: index, flags: Self.iffUp, change: Self.iffUp)
        try request(.newLink, flags: 0, body: body, okErrors: [], what: "bring \(name) up")
    }

    /// Adds an IPv4 address with its prefix length; an existing one is fine.
    public mutating func addAddress(_ name: String, address: IPv4Address, prefix: UInt8) throws {
        let index = try Self.index(of: name)
        var body: [UInt8] = [UInt8(AF_INET), prefix, 0, 0]     // ifaddrmsg: family, prefixlen, flags, scope
        Self.append(&body, UInt32(index))
        Self.attr(&body, Attr.addrLocal, address.bytes)
        Self.attr(&body, Attr.addrAddress, address.bytes)
        try request(.newAddr, flags: Self.flagCreate | Self.flagExcl, body: body, okErrors: [EEXIST], what: "add \(address) to \(name)")
    }

    /// Deletes an interface; a missing one is fine.
    public mutating func deleteLink(_ name: String) throws {
        guard let index = try? Self.index(of: name) else { return }
        let body = Self.ifinfo(index: index, flags: 0, change: 0)
        try request(.delLink, flags: 0, body: body, okErrors: [ENODEV], what: "delete \(name)")
    }

    public static func exists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    static func index(of name: String) throws -> Int32 {
        let i = if_nametoindex(name)
        guard i != 0 else { throw BerthError.errno("find interface", name) }
        return Int32(i)
    }

    // MARK: wire format

    private mutating func request(_ type: Message, flags: UInt16, body: [UInt8], okErrors: [Int32], what: String) throws {
        var msg: [UInt8] = []
        let len = UInt32(16 + body.count)
        Self.append(&msg, len)
        Self.append(&msg, type.rawValue)
        Self.append(&msg, Self.flagRequest | Self.flagAck | flags)
        Self.append(&msg, seq)
        Self.append(&msg, UInt32(0))
        msg += body
        seq += 1
        let sent = msg.withUnsafeBytes { berth_netlink_send(fd, $0.baseAddress, $0.count) }
        guard sent == msg.count else { throw BerthError.errno("netlink send (\(what))") }
        var buf = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n >= 20 else { throw BerthError.errno("netlink receive (\(what))") }
            let msgType = UInt16(buf[4]) | UInt16(buf[5]) << 8
            guard msgType == 2 /* NLMSG_ERROR */ else { continue }
            let code = Int32(bitPattern: UInt32(buf[16]) | UInt32(buf[17]) << 8 | UInt32(buf[18]) << 16 | UInt32(buf[19]) << 24)
            if code == 0 || okErrors.contains(-code) { return }
            throw BerthError.system(operation: what, path: nil, errno: -code)
        }
    }

    static func ifinfo(index: Int32, flags: UInt32, change: UInt32) -> [UInt8] {
        var b: [UInt8] = [UInt8(AF_UNSPEC), 0]
        append(&b, UInt16(0))           // type
        append(&b, UInt32(bitPattern: index))
        append(&b, flags)
        append(&b, change)
        return b
    }

    static func attr(_ buf: inout [UInt8], _ type: UInt16, _ payload: [UInt8]) {
        append(&buf, UInt16(4 + payload.count))
        append(&buf, type)
        buf += payload
        while buf.count % 4 != 0 { buf.append(0) }
    }

    static func cString(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    static func append<T: FixedWidthInteger>(_ buf: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { buf += $0 }
    }
}
