import Foundation

/// The themes the user can cycle through: the shipped ones, then the user's own
/// (`~/.config/berth/themes/*.yaml`), a user theme replacing a shipped one of the same name.
public struct ThemeCatalog: Sendable {
    public private(set) var themes: [Theme]
    /// Files that could not be loaded; shown in the status bar at start.
    public private(set) var errors: [ConfigError]

    /// The shipped default; parsing it cannot fail (a test guarantees it), so this is the last resort.
    public static let fallback: Theme = {
        (try? ThemeLoader.parse(BuiltinThemes.files[0].yaml, file: "builtin:default"))
            ?? Theme(name: "default", roles: [.text: RoleStyle()], gradients: [:])
    }()

    public static func builtin() -> ThemeCatalog {
        var themes: [Theme] = []
        var errors: [ConfigError] = []
        for file in BuiltinThemes.files {
            do { themes.append(try ThemeLoader.parse(file.yaml, file: "builtin:\(file.name)")) } catch let e as ConfigError {
                errors.append(e)
            } catch {}
        }
        return ThemeCatalog(themes: themes, errors: errors)
    }

    public init(themes: [Theme], errors: [ConfigError] = []) {
        self.themes = themes.isEmpty ? [ThemeCatalog.fallback] : themes
        self.errors = errors
    }

    /// Built-ins plus every `*.yaml`/`*.yml` in `directory`, in name order.
    public static func load(userDirectory directory: String?) -> ThemeCatalog {
        var catalog = builtin()
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return catalog }
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                catalog.add(try ThemeLoader.load(path: path))
            } catch let e as ConfigError {
                catalog.errors.append(e)
            } catch {
                catalog.errors.append(ConfigError(file: path, line: nil, reason: "\(error)"))
            }
        }
        return catalog
    }

    public mutating func add(_ theme: Theme) {
        if let i = themes.firstIndex(where: { $0.name == theme.name }) { themes[i] = theme } else { themes.append(theme) }
    }

    public func named(_ name: String) -> Theme? { themes.first { $0.name == name } }

    /// The theme after `name`, wrapping around.
    public func next(after name: String) -> Theme {
        guard let i = themes.firstIndex(where: { $0.name == name }) else { return themes[0] }
        return themes[(i + 1) % themes.count]
    }
}
