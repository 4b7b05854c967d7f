import BerthOS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// Gives a container a new name, as docker's rename: the hostname stays; the other
    /// containers' /etc/hosts list the new name. Under the root's lock, as create and rm.
    public func renameContainer(_ ref: String, to newName: String) throws {
        let new = try ContainerName.validate(newName)
        let r = try resolve(ref)
        guard new != r.name else {
            throw BerthError.invalidArgument("container \(r.name) is already called \(new.quoted)")
        }
        try FileLock.with(store.globalLock) {
            let names = store.names
            // A link whose container is gone (a crash mid-removal) does not hold the name.
            if let holder = names.id(of: new), holder != r.id, FileIO.exists(store.paths(holder).record) {
                throw BerthError.nameInUse(new)
            }
            try names.claim(new, for: r.id)
            var renamed = r
            renamed.name = new
            do {
                try FileIO.writeAtomically(store.paths(r.id).record, bytes: Array(try JSONEncoder.berth.encode(renamed)))
            } catch {
                names.release(new, of: r.id)
                throw error
            }
            names.release(r.name, of: r.id)
            // The supervisor of a running container names it in its events from this file on.
            try? FileIO.writeAtomically(store.paths(r.id).eventActor, string: eventActor(renamed))
            recordEvent("rename", renamed, ["oldName": r.name])
        }
        if !r.attachments.isEmpty { refreshNetworkNames() }
    }
}
