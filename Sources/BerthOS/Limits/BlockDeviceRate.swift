import BerthOCI

/// One block device throttle: docker's `--device-read-bps PATH:RATE` and its siblings, kept as the
/// device's numbers (the runtime-spec's `throttle*Device` entries), as the kernel's files take them.
public struct BlockDeviceRate: Codable, Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    /// Bytes or operations per second; 0 lifts the throttle, as in the kernel's files.
    public var rate: Int64

    public init(major: Int64, minor: Int64, rate: Int64) {
        self.major = major; self.minor = minor; self.rate = rate
    }

    init(_ device: OCI.ThrottleDevice) { self.init(major: device.major, minor: device.minor, rate: device.rate) }

    var throttleDevice: OCI.ThrottleDevice { OCI.ThrottleDevice(major: major, minor: minor, rate: rate) }

    /// How `inspect` names the device, since config.json keeps numbers, not the path the user
    /// gave: `/dev/NAME` from the kernel's `DEVNAME` in `/sys/dev/block/MAJ:MIN/uevent`, else
    /// `/dev/block/MAJ:MIN` (udev's link, where there is a udev).
    public var path: String {
        let uevent = FileIO.readString("/sys/dev/block/\(major):\(minor)/uevent") ?? ""
        let name = uevent.split(separator: "\n").first { $0.hasPrefix("DEVNAME=") }.map { String($0.dropFirst(8)) }
        if let name, !name.isEmpty, !name.contains(".."), name.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
            return "/dev/" + name
        }
        return "/dev/block/\(major):\(minor)"
    }

    /// docker's `PATH:RATE`. PATH is a block device on this host (symlinks followed, as docker
    /// does; split at the last colon, as `/dev/disk/by-path/` names hold colons); RATE is bytes with
    /// an optional unit for the `-bps` flags (`10mb`), a plain count for the `-iops` ones.
    public static func parse(_ text: String, flag: String, bytes: Bool) throws(BerthError) -> BlockDeviceRate {
        let unit = bytes ? "<number>[<unit>] with a unit of b, k, m or g" : "<number>"
        guard let colon = text.lastIndex(of: ":") else {
            throw .invalidArgument("\(flag): invalid value \(text.quoted): expected <device-path>:\(unit)")
        }
        let path = String(text[..<colon])
        let rateText = String(text[text.index(after: colon)...])
        guard path.hasPrefix("/") else {
            throw .invalidArgument("\(flag): the device path \(path.quoted) must be absolute, e.g. /dev/sda")
        }
        let rate: Int64
        if bytes, let n = try? ByteSize.parse(rateText) {
            rate = n
        } else if !bytes, !rateText.isEmpty, rateText.allSatisfy(\.isASCIIDigit), let n = Int64(rateText) {
            rate = n
        } else {
            throw .invalidArgument("\(flag): invalid rate \(rateText.quoted) for \(path.quoted): expected \(unit)")
        }
        let device = try DeviceNumber.blockDevice(at: path, what: flag)
        return BlockDeviceRate(major: device.major, minor: device.minor, rate: rate)
    }
}
