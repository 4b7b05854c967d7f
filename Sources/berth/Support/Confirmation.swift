import Foundation

/// docker's question before a prune: `WARNING! …` on stderr, then `Are you sure you want to
/// continue? [y/N] `; true only for `y` or `yes` (any case) on stdin. `-f` skips the call.
func confirmed(_ warning: String) -> Bool {
    FileHandle.standardError.write(Data("WARNING! \(warning)\nAre you sure you want to continue? [y/N] ".utf8))
    let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
    return answer == "y" || answer == "yes"
}
