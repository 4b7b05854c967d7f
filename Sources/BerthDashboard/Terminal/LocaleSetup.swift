import CNcursesw
import Foundation

/// Makes the process's locale able to show UTF-8 if at all possible. Without a UTF-8 locale
/// ncursesw drops every non-ASCII cell (borders included), so the view must switch to ASCII.
enum LocaleSetup {
    /// Returns true when the locale now uses UTF-8.
    static func enableUTF8() -> Bool {
        setlocale(LC_ALL, "")
        if isUTF8() { return true }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] {
            if setlocale(LC_ALL, name) != nil, isUTF8() { return true }
        }
        setlocale(LC_ALL, "")
        return false
    }

    static func isUTF8() -> Bool {
        guard let cs = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: cs).uppercased().replacingOccurrences(of: "-", with: "")
        return name == "UTF8"
    }
}
