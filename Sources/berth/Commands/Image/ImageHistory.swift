import ArgumentParser
import BerthOS
import BerthRuntime
import Foundation

/// `berth history` (and `image history`): the steps that made an image, newest first.
struct ImageHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the history of an image.")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Only show image ids.") var quiet = false
    @Flag(help: "Do not truncate the output.") var noTrunc = false
    @Option(help: ArgumentHelp("json, table TEMPLATE or a Go template (.ID .CreatedSince .CreatedAt .CreatedBy .Size .Comment).", valueName: "format"))
    var format: String?
    @Argument(help: "Image name[:tag] or id.") var image: String

    func run() throws {
        try withRuntimeErrors {
            let format = try PSFormat(self.format)
            let entries = try global.engine().imageHistory(image)
            let now = Date()
            let values = entries.map { HistoryRow.value($0, now: now, truncate: !noTrunc) }
            if quiet {
                for v in values { print(Quoted.escapeControls(v.field("ID"))) }
                return
            }
            if let format {
                print(try format.render(values, header: HistoryRow.headerValue), terminator: "")
                return
            }
            let columns = ["ID", "CreatedSince", "CreatedBy", "Size", "Comment"]
            let rows = values.map { v in columns.map { Quoted.escapeControls(v.field($0)) } }
            print(Table.render(header: columns.map { HistoryRow.headers[$0]! }, rows: rows), terminator: "")
        }
    }
}

extension TemplateValue {
    /// A string field of an object (rows built by `ImageRow`/`HistoryRow`), "" when missing.
    func field(_ key: String) -> String {
        if case .object(let o) = self, case .string(let s)? = o[key] { return s }
        return ""
    }
}
