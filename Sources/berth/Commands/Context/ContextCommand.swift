import ArgumentParser

/// `berth context`: named remote hosts that any verb can run against (`berth --context NAME …`).
/// They are the local user's settings, so these verbs always run locally.
struct ContextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context", abstract: "Manage contexts: remote hosts that berth verbs run on over ssh.",
        discussion: "A context runs every verb on its host by running `berth` there through the system's ssh client (your ~/.ssh/config, agent and known_hosts apply). Choose one with `berth --context NAME VERB`, BERTH_CONTEXT, BERTH_HOST=ssh://…, or `berth context use NAME`; `default` is the local engine.",
        subcommands: [ContextCreate.self, ContextList.self, ContextUse.self, ContextRemove.self, ContextInspect.self])
}
