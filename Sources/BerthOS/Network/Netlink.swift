import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal rtnetlink client: enough to create Berth's bridges, give them an address, bring them
/// up, plug a veth into a running container's namespace, delete interfaces and read the host's
/// routes (never change them). Constants are the kernel's (linux/rtnetlink.h, linux/if_link.h);
/// Swift cannot import those headers' macros.
public struct Netlink {
    enum Message: UInt16 { case newLink = 16, delLink = 17, getLink = 18, newAddr = 20, getRoute = 26 }
    enum Attr {
        static let master: UInt16 = 10         // IFLA_MASTER
        static let infoData: UInt16 = 2        // IFLA_INFO_DATA
        static let vethPeer: UInt16 = 1        // VETH_INFO_PEER
        static let netNSPid: UInt16 = 19       // IFLA_NET_NS_PID
        static let routeDst: UInt16 = 1        // RTA_DST
        static let routeTable: UInt16 = 15     // RTA_TABLE
        static let ifName: UInt16 = 3          // IFLA_IFNAME
        static let linkInfo: UInt16 = 18       // IFLA_LINKINFO
        static let infoKind: UInt16 = 1        // IFLA_INFO_KIND
        static let addrLocal: UInt16 = 2       // IFA_LOCAL
        static let addrAddress: UInt16 = 1     // IFA_ADDRESS
    }
    static let flagRequest: UInt16 = 0x1, flagAck: UInt16 = 0x4, flagDump: UInt16 = 0x300, flagExcl: UInt16 = 0x200, flagCreate: UInt16 = 0x400
    static let iffUp: UInt32 = 0x1
    static let ifaNoDAD: UInt8 = 0x02   // IFA_F_NODAD

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

    /// Adds an IPv6 address with its prefix length, without duplicate address detection
    /// (IFA_F_NODAD): the address is Berth's own on a bridge it just made, and DAD would keep it
    /// "tentative", unusable, for a second or more. An existing one is fine.
    public mutating func addAddress(_ name: String, address: IPv6Address, prefix: UInt8) throws {
        let index = try Self.index(of: name)
        var body: [UInt8] = [UInt8(AF_INET6), prefix, Self.ifaNoDAD, 0]     // ifaddrmsg: family, prefixlen, flags, scope
        Self.append(&body, UInt32(index))
        Self.attr(&body, Attr.addrAddress, address.bytes)
        try request(.newAddr, flags: Self.flagCreate | Self.flagExcl, body: body, okErrors: [EEXIST], what: "add \(address) to \(name)")
    }

    /// Deletes an interface; a missing one is fine.
    public mutating func deleteLink(_ name: String) throws {
        guard let index = try? Self.index(of: name) else { return }
        let body = Self.ifinfo(index: index, flags: 0, change: 0)
        try request(.delLink, flags: 0, body: body, okErrors: [ENODEV], what: "delete \(name)")
    }

    /// A veth pair: `host` enslaved to the bridge `master` and up, its peer born as `peer` in the
    /// network namespace of process `pid` (the kernel deletes both when that namespace goes).
    public mutating func createVeth(host: String, master: String, peer: String, namespaceOf pid: Int32) throws {
        let masterIndex = try Self.index(of: master)
        var body = Self.ifinfo(index: 0, flags: Self.iffUp, change: Self.iffUp)
        Self.attr(&body, Attr.ifName, Self.cString(host))
        Self.attr(&body, Attr.master, withUnsafeBytes(of: UInt32(masterIndex).littleEndian, Array.init))
        var peerBody = Self.ifinfo(index: 0, flags: 0, change: 0)
        Self.attr(&peerBody, Attr.ifName, Self.cString(peer))
        Self.attr(&peerBody, Attr.netNSPid, withUnsafeBytes(of: UInt32(bitPattern: pid).littleEndian, Array.init))
        var data: [UInt8] = []
        Self.attr(&data, Attr.vethPeer, peerBody)
        var info: [UInt8] = []
        Self.attr(&info, Attr.infoKind, Array("veth".utf8))
        Self.attr(&info, Attr.infoData, data)
        Self.attr(&body, Attr.linkInfo, info)
        try request(.newLink, flags: Self.flagCreate | Self.flagExcl, body: body, okErrors: [], what: "create veth \(host) on \(master)")
    }

    /// The destinations of the host's IPv4 routes outside the `local` table, default routes left
    /// out (they overlap everything): what a new network's subnet must not overlap.
    public mutating func routes() throws -> [IPv4Subnet] {
        try routeDestinations(family: AF_INET).compactMap { dst, prefix in
            dst.count == 4 ? IPv4Subnet(network: IPv4Address(dst.reduce(0) { $0 << 8 | UInt32($1) }), prefix: prefix) : nil
        }
    }

    /// The same for IPv6 (the kernel's link-local and multicast routes are in the `main` table:
    /// they are returned too, and no network's subnet can be in them).
    public mutating func routes6() throws -> [IPv6Subnet] {
        try routeDestinations(family: AF_INET6).compactMap { dst, prefix in
            guard dst.count == 16 else { return nil }
            let g = stride(from: 0, to: 16, by: 2).map { UInt16(dst[$0]) << 8 | UInt16(dst[$0 + 1]) }
            return IPv6Subnet(network: IPv6Address(groups: g), prefix: prefix)
        }
    }

    /// (destination bytes, prefix length) of every route of `family` outside the `local` table,
    /// default routes left out.
    private mutating func routeDestinations(family: Int32) throws -> [(dst: [UInt8], prefix: UInt8)] {
        var body: [UInt8] = [UInt8(family), 0, 0, 0, 0, 0, 0, 0]   // rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type
        Self.append(&body, UInt32(0))                               // flags
        try send(.getRoute, flags: Self.flagRequest | Self.flagDump, body: body, what: "read routes")
        var out: [(dst: [UInt8], prefix: UInt8)] = []
        var buf = [UInt8](repeating: 0, count: 32768)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BerthError.errno("netlink receive (read routes)") }
            var offset = 0
            while offset + 16 <= n {
                let len = Int(Self.u32(buf, offset))
                let type = Self.u16(buf, offset + 4)
                guard len >= 16, offset + len <= n else { break }
                if type == 3 /* NLMSG_DONE */ { return out }
                if type == 2 /* NLMSG_ERROR */ {
                    let code = Int32(bitPattern: Self.u32(buf, offset + 16))
                    throw BerthError.system(operation: "read the host's routes", path: nil, errno: -code)
                }
                if type == 24 /* RTM_NEWROUTE */, len >= 28, let route = Self.route(buf, from: offset + 16, to: offset + len) {
                    out.append(route)
                }
                offset += (len + 3) & ~3
            }
        }
    }

    /// One route message's destination, unless it is a default route or in the `local` table.
    private static func route(_ buf: [UInt8], from start: Int, to end: Int) -> (dst: [UInt8], prefix: UInt8)? {
        let prefix = buf[start + 1]
        var table = UInt32(buf[start + 4])
        var dst: [UInt8]?
        var a = start + 12
        while a + 4 <= end {
            let alen = Int(u16(buf, a)), atype = u16(buf, a + 2) & 0x3fff
            guard alen >= 4, a + alen <= end else { break }
            if atype == Attr.routeDst, alen == 8 || alen == 20 { dst = Array(buf[(a + 4)..<(a + alen)]) }
            if atype == Attr.routeTable, alen == 8 { table = u32(buf, a + 4) }
            a += (alen + 3) & ~3
        }
        guard prefix > 0, table != 255 /* RT_TABLE_LOCAL */, let dst else { return nil }
        return (dst, prefix)
    }

    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// Gives `interface` in the network namespace of process `pid` an address and brings it up.
    /// With `address6`, its IPv6 address too (without duplicate address detection).
    public static func configure(interface: String, inNamespaceOf pid: Int32, address: IPv4Address, prefix: UInt8,
                                 address6: (IPv6Address, UInt8)? = nil) throws {
        let ns = "/proc/\(pid)/ns/net"
        let fd = open(ns, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BerthError.errno("open", ns) }
        defer { Glibc.close(fd) }
        guard berth_netns_configure(fd, interface, address.value.bigEndian, Int32(prefix)) == 0 else {
            throw BerthError.errno("configure \(interface) of process \(pid) with", address.description)
        }
        if let (a6, prefix6) = address6 {
            guard berth_netns_configure6(fd, interface, a6.bytes, Int32(prefix6)) == 0 else {
                throw BerthError.errno("configure \(interface) of process \(pid) with", a6.description)
            }
        }
    }

    /// The bridge an interface is enslaved to (`/sys/class/net/NAME/master`), if any.
    public static func master(of name: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/sys/class/net/\(name)/master", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    /// The interfaces of the caller's network namespace.
    public static func interfaces() -> [String] { FileIO.entryNames("/sys/class/net") }

    public static func exists(_ name: String) -> Bool { if_nametoindex(name) != 0 }

    static func index(of name: String) throws -> Int32 {
        let i = if_nametoindex(name)
        guard i != 0 else { throw BerthError.errno("find interface", name) }
        return Int32(i)
    }

    // MARK: wire format

    /// One message: header (length, type, flags, sequence, port 0) and body.
    private mutating func send(_ type: Message, flags: UInt16, body: [UInt8], what: String) throws {
        var msg: [UInt8] = []
        Self.append(&msg, UInt32(16 + body.count))
        Self.append(&msg, type.rawValue)
        Self.append(&msg, flags)
        Self.append(&msg, seq)
        Self.append(&msg, UInt32(0))
        msg += body
        seq += 1
        let sent = msg.withUnsafeBytes { berth_netlink_send(fd, $0.baseAddress, $0.count) }
        guard sent == msg.count else { throw BerthError.errno("netlink send (\(what))") }
    }

    private mutating func request(_ type: Message, flags: UInt16, body: [UInt8], okErrors: [Int32], what: String) throws {
        try send(type, flags: Self.flagRequest | Self.flagAck | flags, body: body, what: what)
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
