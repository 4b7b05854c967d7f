import ArgumentParser
import BerthOS
import BerthRuntime

/// `berth commit CONTAINER [REPOSITORY[:TAG]]`: an image from a container's changes.
struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit", abstract: "Create an image from a container's changes (its writable layer on top of its image).",
        discussion: "A running container is paused while its layer is read. The new image keeps the container image's defaults (Cmd, Env, …) with the --change instructions applied.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Commit message (the history step's comment).", valueName: "message")) var message: String = ""
    @Option(name: .shortAndLong, help: ArgumentHelp("Author.", valueName: "author")) var author: String = ""
    @Option(name: .shortAndLong, help: ArgumentHelp("Apply a Dockerfile instruction to the image config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL or HEALTHCHECK.", valueName: "change")) var change: [String] = []
    @Argument(help: "Container name or id.") var container: String
    @Argument(help: "REPOSITORY[:TAG] of the new image (default: berth-commit-<container>:latest).") var reference: String?

    func run() throws {
        try withRuntimeErrors {
            try ResourceName.validate(container, kind: .container)
            let ref = try ImageReference(parsing: reference ?? "berth-commit-" + container.lowercased())
            let image = try global.engine().commit(container, as: ref, comment: message, author: author, changes: change)
            print("sha256:" + image.id)
        }
    }
}
