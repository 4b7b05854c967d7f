import BerthOS
import CArchive
import CBerthSys
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `berth build`'s options, in docker's terms.
public struct BuildOptions: Sendable {
    public var context: String
    /// The Dockerfile's path (nil: `Dockerfile` in the context).
    public var dockerfile: String?
    public var tags: [ImageReference]
    public var buildArgs: [String: String] = [:]
    public var target: String?
    public var noCache = false
    public var labels: [String: String] = [:]
    /// The network RUN steps get (docker's default: the bridge).
    public var network: NetworkMode = .bridge
    public var cgroupParent: String?
    /// Called with each FROM image before it is looked up: the CLI pulls it from its registry as
    /// `--pull` says (missing, by default, as docker build does); nil: a missing base is an error.
    public var pullBase: (@Sendable (String) throws -> Void)?
    /// `--secret`: what `RUN --mount=type=secret,id=…` reads (the last one given for an id wins).
    public var secrets: [BuildSecret] = []
    /// `--ssh`: the agents `RUN --mount=type=ssh,id=…` reaches (the last one given for an id wins).
    public var ssh: [BuildSSH] = []

    public init(context: String, dockerfile: String? = nil, tags: [ImageReference]) {
        self.context = context; self.dockerfile = dockerfile; self.tags = tags
    }
}

/// What the builder reports as it goes.
public enum BuildEvent: Sendable {
    /// `STEP n/total: INSTRUCTION` before a step runs.
    case step(index: Int, total: Int, text: String)
    /// A step ended: from the cache or not, and how long it took.
    case stepDone(cached: Bool, seconds: Double)
    /// A line a RUN step's command wrote.
    case output(LogLine)
}

/// The label that marks a RUN step's container with the building process (`PID STARTTIME`), so
/// the next build removes the containers of a build that was killed.
let buildContainerLabel = "io.berth.build"

extension Engine {
    /// Builds the Dockerfile's stages up to `target` (default: the last) and tags the result.
    /// Each instruction is one step: metadata steps change the config (an `empty_layer` history
    /// entry), RUN runs a real container on the stage's layers and COPY/ADD write through a
    /// detached overlay; either way the overlay's upper directory becomes the step's layer
    /// (`ImageStore.captureLayer`). Every step's result is cached (`BuildCache`).
    @discardableResult
    public func build(_ options: BuildOptions, events: @escaping (BuildEvent) -> Void) throws -> ImageRecord {
        guard !options.tags.isEmpty else { throw BerthError.invalidArgument("build: give the image a name with -t NAME[:TAG]") }
        let context = try BuildContext(path: options.context)
        // The context's own Dockerfile is read inside it (a link to the host's /etc/shadow is not
        // followed out); one named with -f is the user's choice.
        let dockerfilePath = options.dockerfile ?? options.context + "/Dockerfile"
        let read = options.dockerfile.map { FileIO.read($0) } ?? InRoot.readFile(root: options.context, path: "Dockerfile")
        guard let bytes = read else { throw BerthError.invalidArgument("cannot read the Dockerfile \(dockerfilePath.quoted)") }
        let file = try Dockerfile.parse(String(decoding: bytes, as: UTF8.self), name: "Dockerfile")
        try FileIO.mkdirs(root + "/layers", mode: 0o700)
        try FileIO.mkdirs(root + "/tmp", mode: 0o700)
        sweepBuildLeftovers()
        // While it runs, `builds/PID-STARTTIME` says so: a command that finds the marker of a dead
        // process (a killed build) sweeps what it left (`reconcileBuilds`).
        try FileIO.mkdirs(buildsDirectory, mode: 0o700)
        let marker = buildsDirectory + "/" + Self.buildOwner.replacingOccurrences(of: " ", with: "-")
        try FileIO.writeAtomically(marker, bytes: [], mode: 0o600)
        defer { unlink(marker) }
        var run = BuildRun(engine: self, options: options, context: context, file: file, events: events)
        return try run.build()
    }

    var buildsDirectory: String { root + "/builds" }

    /// This process as a build's owner: `PID STARTTIME`.
    static var buildOwner: String {
        let me = getpid()
        return "\(me) \(ProcStat.startTime(pid: me) ?? 0)"
    }

    /// Part of `reconcile` (every command): a directory listing, empty unless a build runs or was
    /// killed; the markers of dead builds have their leftovers swept, then go.
    func reconcileBuilds() {
        for name in FileIO.entryNames(buildsDirectory) where !name.hasSuffix(".tmp") {
            let parts = name.split(separator: "-")
            guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { continue }
            if !ProcStat.isAlive(pid: pid, startTime: start) {
                sweepBuildLeftovers()
                unlink(buildsDirectory + "/" + name)
            }
        }
    }

    /// Removes what killed builds left: RUN containers whose builder is gone, temporaries
    /// (`ImageStore.sweepTemporaries`), and cache files that are no use (`BuildCache.sweep`).
    func sweepBuildLeftovers() {
        images.sweepTemporaries()
        for id in store.containerIDs() {
            guard let r = store.record(id), let owner = r.labels[buildContainerLabel] else { continue }
            let parts = owner.split(separator: " ")
            guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { continue }
            if !ProcStat.isAlive(pid: pid, startTime: start) { removeFailedRun(id) }
        }
        BuildCache(store: images).sweep()
    }
}

/// One build: the stages, their states, the variables in effect, the step counter.
private struct BuildRun {
    let engine: Engine
    let options: BuildOptions
    let context: BuildContext
    let file: Dockerfile
    let events: (BuildEvent) -> Void
    let cache: BuildCache

    struct Stage { var name: String?; var instructions: [DockerfileInstruction]; var from: DockerfileInstruction }
    var stages: [Stage] = []
    var globalArgs: [(String, String?)] = []
    var done: [BuildState] = []
    var step = 0
    var total = 0

    init(engine: Engine, options: BuildOptions, context: BuildContext, file: Dockerfile, events: @escaping (BuildEvent) -> Void) {
        self.engine = engine; self.options = options; self.context = context; self.file = file; self.events = events
        cache = BuildCache(store: engine.images)
    }

    private func lexer(_ vars: [String: String]) -> ShellLexer { ShellLexer(escape: file.escape, variables: vars) }

    mutating func build() throws -> ImageRecord {
        try plan()
        var last = stages.count - 1
        if let target = options.target {
            guard let i = stages.firstIndex(where: { $0.name == target.lowercased() }) else {
                throw BerthError.invalidArgument("target stage \(target.quoted) could not be found")
            }
            last = i
        }
        total = stages[...last].reduce(0) { $0 + 1 + $1.instructions.count }
        var state: BuildState?
        for i in 0...last { state = try buildStage(stages[i]); done.append(state!) }
        return try tag(state!)
    }

    /// Splits the instructions into stages; ARGs before the first FROM are global.
    private mutating func plan() throws {
        let globals = lexer(options.buildArgs)
        for ins in file.instructions {
            if ins.keyword == "FROM" {
                let words = try lexer(globalValues()).words(ins.text)
                var name: String?
                if words.count == 3, words[1].uppercased() == "AS" {
                    name = words[2].lowercased()
                    guard name!.first?.isLetter == true, name!.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                        throw Dockerfile.error("Dockerfile", ins.line, "invalid stage name \(words[2].quoted)")
                    }
                    guard !stages.contains(where: { $0.name == name }) else {
                        throw Dockerfile.error("Dockerfile", ins.line, "duplicate stage name \(words[2].quoted)")
                    }
                } else if words.count != 1 {
                    throw Dockerfile.error("Dockerfile", ins.line, "FROM expects IMAGE [AS NAME]")
                }
                stages.append(Stage(name: name, instructions: [], from: ins))
            } else if stages.isEmpty {
                guard ins.keyword == "ARG" else { throw Dockerfile.error("Dockerfile", ins.line, "\(ins.keyword) before the first FROM: only ARG can come first") }
                for (k, v) in try argDeclarations(ins, lexer: globals) { globalArgs.append((k, v)) }
            } else {
                if let refusal = Self.unsupported(ins) { throw Dockerfile.error("Dockerfile", ins.line, refusal) }
                stages[stages.count - 1].instructions.append(ins)
            }
        }
        guard !stages.isEmpty else { throw BerthError.invalidArgument("Dockerfile: no FROM instruction") }
    }

    /// What berth build does not do, refused by name before anything runs.
    private static func unsupported(_ ins: DockerfileInstruction) -> String? {
        let allowed: [String: Set<String>] = ["COPY": ["from", "chown", "chmod"], "ADD": ["chown", "chmod"], "RUN": ["network"],
                                              "HEALTHCHECK": ImageConfigChange.healthcheckFlags]
        if ins.keyword == "ONBUILD" { return "ONBUILD is not supported by berth build" }
        if let flag = ins.flags.keys.sorted().first(where: { !(allowed[ins.keyword] ?? []).contains($0) }) {
            return "\(ins.keyword) --\(flag) is not supported by berth build"
        }
        return nil
    }

    private func globalValues() -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in globalArgs { if let value = options.buildArgs[k] ?? v { out[k] = value } }
        return out
    }

    /// `ARG NAME[=default] …`.
    private func argDeclarations(_ ins: DockerfileInstruction, lexer: ShellLexer) throws -> [(String, String?)] {
        try lexer.words(ins.text).map { word in
            if let eq = word.firstIndex(of: "=") { return (String(word[..<eq]), String(word[word.index(after: eq)...])) }
            return (word, nil)
        }
    }

    // MARK: - Stages

    private mutating func buildStage(_ stage: Stage) throws -> BuildState {
        let started = Date()
        let fromWords = try lexer(globalValues()).words(stage.from.text)
        let base = fromWords[0]
        for (flag, value) in stage.from.flags {
            let host = "linux/" + ImageImporter.hostArchitecture()
            guard flag == "platform", try lexer(globalValues()).word(value) == host else {
                throw Dockerfile.error("Dockerfile", stage.from.line, "FROM --\(flag)=\(value) is not supported (only --platform=\(host))")
            }
        }
        step += 1
        events(.step(index: step, total: total, text: "FROM " + stage.from.text))
        var state = try baseState(base, line: stage.from.line)
        events(.stepDone(cached: false, seconds: Date().timeIntervalSince(started)))
        var args: [String: String] = [:]
        var declared: [String] = []
        var shell = ImageConfigChange.defaultShell
        for ins in stage.instructions {
            step += 1
            events(.step(index: step, total: total, text: ins.display))
            let t0 = Date()
            var vars = args
            for (k, v) in BuildVariables.environment(state.config.env) { vars[k] = v }
            let lex = lexer(vars)
            var cached = false
            do {
                switch ins.keyword {
                case "ARG":
                    for (k, v) in try argDeclarations(ins, lexer: lex) {
                        let global = globalArgs.first { $0.0 == k }?.1
                        if let value = options.buildArgs[k] ?? v ?? global { args[k] = value } else { args.removeValue(forKey: k) }
                        if !declared.contains(k) { declared.append(k) }
                    }
                case "SHELL":
                    guard let exec = ins.exec, !exec.isEmpty else { throw Dockerfile.error("Dockerfile", ins.line, "SHELL requires the arguments as a JSON array") }
                    shell = exec
                case "MAINTAINER":
                    state = metadataStep(state, "MAINTAINER " + ins.text) { _ in }
                case "RUN":
                    (state, cached) = try runInstruction(ins, state: state, shell: shell, lexer: lex,
                                                         args: declared.compactMap { k in args[k].map { "\(k)=\($0)" } })
                case "COPY", "ADD":
                    (state, cached) = try copyStep(state, ins, lexer: lex)
                default:
                    var config = state.config
                    try ImageConfigChange.apply(ins, to: &config, lexer: lex, shell: shell)
                    let text = ins.keyword == "ENV" || ins.keyword == "LABEL"
                        ? ins.keyword + " " + (try ImageConfigChange.pairs(ins, lexer: lex).map { "\($0)=\($1)" }.joined(separator: " "))
                        : ins.keyword + " " + ins.text
                    state = metadataStep(state, text) { $0.config = config }
                }
            } catch let e as BerthError {
                if case .invalidArgument(let m) = e, !m.hasPrefix("Dockerfile:") { throw Dockerfile.error("Dockerfile", ins.line, m) }
                throw e
            }
            events(.stepDone(cached: cached, seconds: Date().timeIntervalSince(t0)))
        }
        return state
    }

    /// The state a FROM starts with: nothing (`scratch`), an earlier stage, or a local image.
    private func baseState(_ base: String, line: Int) throws -> BuildState {
        if base == "scratch" {
            return BuildState(layers: [], layerSizes: [], config: ImageConfig(), history: [], architecture: ImageImporter.hostArchitecture(), os: "linux")
        }
        if let i = stages.firstIndex(where: { $0.name == base.lowercased() }) {
            guard i < done.count else {
                // Never an image of that name from a registry: the Dockerfile meant its stage.
                throw Dockerfile.error("Dockerfile", line, "stage \(base.quoted) is not built yet (a stage can only use earlier ones)")
            }
            return done[i]
        }
        if let n = Int(base), n >= 0, n < stages.count {
            guard n < done.count else { throw Dockerfile.error("Dockerfile", line, "stage \(n) is not built yet (a stage can only use earlier ones)") }
            return done[n]
        }
        let ref: ImageReference
        do { ref = try ImageReference(parsing: base) } catch {
            throw Dockerfile.error("Dockerfile", line, "FROM \(base.quoted): invalid image name")
        }
        try options.pullBase?(ref.description)
        let image: ImageRecord
        do { image = try engine.images.resolve(ref.description) } catch {
            throw BerthError.invalidArgument("FROM \(ref.description.quoted): no such image here; pull it first (`berth pull`)")
        }
        let stored = engine.images.configBytes(image).flatMap { try? JSONDecoder().decode(OCIImageConfigFile.self, from: Data($0)) }
        var history = stored?.history ?? []
        if history.filter({ $0.empty_layer != true }).count != image.layers.count {
            history = image.layers.map { _ in OCIHistory(created: Timestamp(image.created).rfc3339, created_by: "", comment: nil, empty_layer: nil) }
        }
        return BuildState(layers: image.layers, layerSizes: image.layerSizes ?? image.layers.map { _ in 0 }, config: image.config,
                          history: history, architecture: image.architecture ?? ImageImporter.hostArchitecture(), os: image.os ?? "linux")
    }

    private func metadataStep(_ state: BuildState, _ text: String, _ change: (inout BuildState) -> Void) -> BuildState {
        var next = state
        change(&next)
        next.history.append(OCIHistory(created: Timestamp(Date()).rfc3339, created_by: text, comment: "berth build", empty_layer: true))
        // Metadata steps are not cached, but their time must not change the image id of a rebuild:
        // a step's time is the time its content was made, as the cached steps keep theirs.
        if let previous = state.history.last?.created { next.history[next.history.count - 1].created = previous }
        return next
    }

    /// Looks the step up in the cache, or runs `body` and stores its result.
    private func cachedStep(_ state: BuildState, _ createdBy: String, args: [String], content: String?,
                            _ body: (BuildState) throws -> CapturedLayer) throws -> (BuildState, Bool) {
        let key = BuildCache.key(parent: state, instruction: createdBy, args: args, content: content)
        if !options.noCache, let hit = cache.lookup(key) { return (hit, true) }
        let layer = try body(state)
        defer { layer.discard() }
        try engine.images.placeLayer(layer)
        var next = state
        next.layers.append(layer.diffID)
        next.layerSizes.append(layer.size)
        next.history.append(OCIHistory(created: Timestamp(Date()).rfc3339, created_by: createdBy, comment: "berth build", empty_layer: nil))
        try cache.save(key, next)
        return (next, false)
    }

    // MARK: - RUN

    /// One RUN: its command (`RunCommand`: shell or exec form, heredocs), its `--mount`s and
    /// `--network`, looked up in the cache or run. The key holds the instruction after
    /// substitution (heredoc bodies included), the build args in effect, and the content of what
    /// bind mounts read; a secret only by its id, a cache mount not at all (as BuildKit).
    private func runInstruction(_ ins: DockerfileInstruction, state: BuildState, shell: [String], lexer: ShellLexer,
                                args used: [String]) throws -> (BuildState, Bool) {
        let network = try RunNetwork.mode(ins.flags["network"], default: options.network)
        let mountTexts = try ins.mounts.map { try lexer.word($0) }
        var mounts = try mountTexts.map(RunMount.parse)
        var content: [String] = []
        var sshMounts = 0
        for (i, m) in mounts.enumerated() {
            switch m.kind {
            case .ssh where !options.ssh.contains { $0.id == m.id }:
                guard !m.required else {
                    throw BerthError.invalidArgument("RUN --mount=type=ssh: the ssh agent \(m.id.quoted) is required: give it with --ssh \(m.id)[=SOCKET]")
                }
                mounts[i].target = "" // not given, not required: left out, as BuildKit does
            case .ssh:
                if !m.targetGiven { mounts[i].target = RunMount.defaultSSHTarget(sshMounts) }
                sshMounts += 1
            case .bind where m.from != nil:
                content.append("bind \(m.target) " + (try sourceState(m.from!, line: ins.line)).id + " " + m.source)
            case .bind:
                let rel: String
                do { rel = try BuildContext.relative(m.source) } catch {
                    throw BerthError.invalidArgument("RUN --mount source=\(m.source.quoted): forbidden path outside the build context")
                }
                do { content.append("bind \(m.target) " + (try context.contentHash([rel]))) } catch BerthError.invalidArgument(let message) {
                    // openSource speaks of COPY; this is a mount's source.
                    throw BerthError.invalidArgument("RUN --mount source=\(m.source.quoted): " + message.replacingOccurrences(of: "COPY failed: ", with: ""))
                }
            case .secret where !options.secrets.contains { $0.id == m.id }:
                guard !m.required else {
                    throw BerthError.invalidArgument("RUN --mount=type=secret: the secret \(m.id.quoted) is required: give it with --secret id=\(m.id),src=PATH")
                }
                mounts[i].target = "" // not given, not required: left out, as BuildKit does
            default:
                break
            }
        }
        mounts.removeAll { $0.target.isEmpty }
        var argv: [String]
        var script: String?
        switch RunCommand.of(ins, shell: shell) {
        case .argv(let a): argv = a
        case .script(let name, let body): argv = ["/dev/pipes/" + name]; script = body; content.append("script " + body)
        }
        let flags = mountTexts.map { "--mount=\($0) " }.joined() + (ins.flags["network"].map { "--network=\($0) " } ?? "")
        let createdBy = "RUN " + flags + (used.isEmpty ? "" : "|\(used.count) " + used.joined(separator: " ") + " ") + argv.joined(separator: " ")
        return try cachedStep(state, createdBy, args: used, content: content.isEmpty ? nil : content.joined(separator: "\n")) { parent in
            try runStep(parent, argv: argv, env: used, display: argv.joined(separator: " "), mounts: mounts, script: script, network: network)
        }
    }

    /// Runs `argv` as a real container on the stage's layers and captures its writable layer,
    /// without the mountpoints its mounts needed.
    private func runStep(_ state: BuildState, argv: [String], env: [String], display: String,
                         mounts: [RunMount], script: String?, network: NetworkMode) throws -> CapturedLayer {
        guard !state.layers.isEmpty else { throw BerthError.invalidArgument("RUN needs a base image with files; this stage is FROM scratch") }
        let base = LayeredRoot(topmostFirst: state.layers.reversed().map(engine.images.layerPath))
        let host = try RunMounts(scratch: engine.images.temporaryPath(in: engine.images.root + "/tmp"), image: base)
        defer { host.release() }
        for m in mounts {
            switch m.kind {
            case .cache: try host.addCache(m, cacheRoot: engine.buildMountsRoot)
            case .tmpfs: try host.addTmpfs(m)
            case .secret: try host.addSecret(m, bytes: try options.secrets.last { $0.id == m.id }!.read())
            case .ssh: try host.addSSH(m, agent: options.ssh.last { $0.id == m.id }!.socket)
            case .bind:
                if let from = m.from {
                    try withRoot(try sourceState(from, line: 0)) { root in try host.addBind(m, from: root!, what: "stage", exclude: nil) }
                } else {
                    try host.addBind(m, from: context.fd, what: "build context", exclude: context.ignore)
                }
            }
        }
        if let script { try host.addScript(script, target: argv[0]) }
        var config = state.config
        config.entrypoint = []
        config.healthcheck = nil
        config.volumes = nil
        let image = ImageRecord(name: "berth-build", tag: "step", id: state.id, layers: state.layers, config: config, created: Date(),
                                size: state.layerSizes.reduce(0, +), layerSizes: state.layerSizes, format: "build",
                                architecture: state.architecture, os: state.os)
        var request = ContainerRequest(image: "berth-build:step", name: "berth-build-" + RandomID.hex(6), command: argv, entrypoint: [],
                                       env: env.filter { e in !config.env.contains { $0.hasPrefix(e.prefix { $0 != "=" } + "=") } },
                                       network: network, labels: [:], cgroupParent: options.cgroupParent)
        request.mounts = host.requests
        // As BuildKit: the step's first agent is the one ssh and git find.
        if let agent = mounts.first(where: { $0.kind == .ssh }) { request.env.append("SSH_AUTH_SOCK=" + agent.target) }
        request.buildImage = image
        request.labels[buildContainerLabel] = Engine.buildOwner
        let record = try engine.create(request)
        defer { engine.removeFailedRun(record.id) }
        try engine.start(record.id)
        let supervisor = try engine.supervisorWatch(record.id)
        LogReader(path: try engine.logPath(record.id)).follow(until: supervisor) { batch in
            for line in batch { events(.output(line)) }
        }
        let code = try engine.wait(record.id)
        guard code == 0 else {
            throw BerthError.invalidState("The command '\(display)' returned a non-zero code: \(code)")
        }
        let upper = engine.store.paths(record.id).upper
        Mountpoints.remove(host.created, from: upper, image: base)
        return try engine.images.captureLayer(upper: upper, label: "RUN \(display)")
    }

    // MARK: - COPY / ADD

    private func copyStep(_ state: BuildState, _ ins: DockerfileInstruction, lexer: ShellLexer) throws -> (BuildState, Bool) {
        var words = try ins.exec.map { try $0.map(lexer.word) } ?? lexer.words(ins.text)
        guard words.count >= 2 else { throw BerthError.invalidArgument("\(ins.keyword) requires at least two arguments: SOURCE… DEST") }
        if let url = words.dropLast().first(where: { $0.contains("://") || $0.hasPrefix("git@") }) {
            throw BerthError.invalidArgument("\(ins.keyword) \(url.quoted): sources from URLs are not supported; download into the context first")
        }
        let written = words.removeLast()
        // Relative to the WORKDIR; a trailing `/` (or `.`) says "a directory" and is kept.
        let wd = state.config.workingDir.isEmpty ? "/" : state.config.workingDir
        let isDir = written.hasSuffix("/") || written == "." || written.hasSuffix("/.")
        let normal = ImageConfigChange.normalize(written.hasPrefix("/") ? written : wd + "/" + written)
        let dest = isDir && normal != "/" ? normal + "/" : normal
        let owner = try ins.flags["chown"].map { try ownerIDs(try lexer.word($0), state: state) }
        var mode: mode_t?
        if let m = ins.flags["chmod"] {
            guard let v = mode_t(m, radix: 8), v <= 0o7777 else { throw BerthError.invalidArgument("--chmod \(m.quoted): expected an octal mode") }
            mode = v
        }
        // The source tree: the context, or an earlier stage's (or an image's) files.
        let fromState = try ins.flags["from"].map { try sourceState(try lexer.word($0), line: ins.line) }
        // `<<NAME` sources are the instruction's heredocs, in order: files made from their bodies.
        var inline: [(name: String, content: String)] = []
        var pending = ins.heredocs[...]
        if ins.exec == nil {
            words = try words.filter { word in
                guard word.hasPrefix("<<"), let doc = pending.first else { return true }
                pending = pending.dropFirst()
                inline.append((doc.name, doc.expand ? try lexer.expandVariables(doc.body) : doc.body))
                return false
            }
        }
        return try withRoot(fromState) { sourceRoot in
            let sources = words.isEmpty ? [] : try context.expand(words, root: sourceRoot)
            let inlineText = inline.map { "\($0.name)\u{0}\($0.content)" }.joined(separator: "\u{0}")
            let content = (sources.isEmpty ? "" : try context.contentHash(sources, root: sourceRoot))
                + (inline.isEmpty ? "" : " " + Digest.of(Array(inlineText.utf8)).hex)
            let createdBy = "\(ins.keyword) " + ins.flagText + (sources + inline.map { "<<" + $0.name }).joined(separator: " ") + " " + dest
            return try cachedStep(state, createdBy, args: [], content: content) { parent in
                try withWritableRoot(parent) { root in
                    if !sources.isEmpty {
                        try copy(sources, from: sourceRoot ?? context.fd, fromContext: sourceRoot == nil, to: dest, in: root,
                                 owner: owner, mode: mode, extract: ins.keyword == "ADD", sourceCount: sources.count + inline.count)
                    }
                    for file in inline {
                        try InlineFile.write(file.content, named: file.name, to: dest, severalSources: sources.count + inline.count > 1,
                                             in: root, owner: owner, mode: mode ?? 0o644)
                    }
                }
            }
        }
    }

    /// What `COPY --from=NAME` and `RUN --mount=type=bind,from=NAME` read: an earlier stage (by
    /// name or index) or an image.
    private func sourceState(_ name: String, line: Int) throws -> BuildState {
        if let i = stages.firstIndex(where: { $0.name == name.lowercased() }) ?? Int(name).flatMap({ $0 < done.count ? $0 : nil }), i < done.count {
            return done[i]
        }
        return try baseState(name, line: line)
    }

    /// `USER[:GROUP]` names or ids, looked up in the stage's own /etc/passwd and /etc/group.
    private func ownerIDs(_ text: String, state: BuildState) throws -> (uid_t, gid_t) {
        let user = try UserResolver.resolve(text, layers: LayeredRoot(topmostFirst: state.layers.reversed().map(engine.images.layerPath)))
        return (user.uid, user.gid)
    }

    /// Runs `body` with a descriptor of `state`'s merged files (nil state: nil, the context).
    private func withRoot<T>(_ state: BuildState?, _ body: (Int32?) throws -> T) throws -> T {
        guard let state else { return try body(nil) }
        return try withOverlay(state) { root, _ in try body(root) }
    }

    /// Mounts `state`'s layers under a fresh upper directory (detached: never in any mount
    /// table, gone with its descriptor), runs `body` on its root and captures the upper directory.
    private func withWritableRoot(_ state: BuildState, _ body: (Int32) throws -> Void) throws -> CapturedLayer {
        try withOverlay(state) { root, upper in
            try body(root)
            return try engine.images.captureLayer(upper: upper, label: "a build step")
        }
    }

    private func withOverlay<T>(_ state: BuildState, _ body: (Int32, String) throws -> T) throws -> T {
        let dir = engine.images.temporaryPath(in: engine.images.root + "/tmp")
        guard mkdir(dir, 0o700) == 0 else { throw BerthError.errno("mkdir", dir) }
        defer { try? TreeRemover.remove(dir) }
        for sub in ["upper", "work", "empty"] {
            guard mkdir(dir + "/" + sub, 0o755) == 0 else { throw BerthError.errno("mkdir", dir + "/" + sub) }
        }
        // overlay needs a lower directory: an empty one stands for `scratch`.
        let lowers = state.layers.isEmpty ? [dir + "/empty"] : state.layers.reversed().map(engine.images.layerPath)
        let fd = withCStringArray(lowers) { berth_detached_overlay($0, Int32(lowers.count), dir + "/upper", dir + "/work") }
        guard fd >= 0 else { throw BerthError.errno("mount the build overlay", dir) }
        let result: T
        do { result = try body(fd, dir + "/upper") } catch { close(fd); throw error }
        close(fd)
        return result
    }

    /// docker's COPY rules: a directory's *contents* go to the destination; a file goes into a
    /// destination that is a directory (or ends in `/`, or there are several sources), else it
    /// becomes the destination. ADD unpacks a local tar archive into the destination directory.
    private func copy(_ sources: [String], from sourceRoot: Int32, fromContext: Bool, to dest: String, in root: Int32,
                      owner: (uid_t, gid_t)?, mode: mode_t?, extract: Bool, sourceCount: Int) throws {
        var tree = TreeCopy(owner: owner.map { (uid: $0.0, gid: $0.1) })
        if fromContext {
            let ignore = context.ignore
            tree.exclude = { ignore.excludes($0) }
            tree.walkExcluded = ignore.hasExceptions
        }
        let destIsDir = dest.hasSuffix("/") || sourceCount > 1
        for rel in sources {
            let (dir, name) = try BuildContext.openSource(rel, in: sourceRoot, what: fromContext ? "build context" : "stage")
            defer { close(dir) }
            var st = stat()
            guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { throw BerthError.errno("stat", rel) }
            if TreeCopy.kind(st) == .directory {
                let src = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard src >= 0 else { throw BerthError.errno("open", rel) }
                defer { close(src) }
                let target = try BuildContext.makeDirectories(dest, in: root)
                defer { close(target) }
                try tree.contents(of: src, into: target, path: fromContext ? rel : nil)
                if let mode { _ = fchmod(target, mode) }
                continue
            }
            if extract, TreeCopy.kind(st) == .file, try unpackIfArchive(dir, name, into: dest, root: root) { continue }
            let existingDir = berth_open_in_root(root, dest, berth_o_path() | O_DIRECTORY)
            if existingDir >= 0 { close(existingDir) }
            let (parentPath, targetName) = destIsDir || existingDir >= 0
                ? (dest, (name == "." ? "copy" : name))
                : (String(dest[..<(dest.lastIndex(of: "/") ?? dest.startIndex)]), String(dest[dest.index(after: dest.lastIndex(of: "/")!)...]))
            let parent = try BuildContext.makeDirectories(parentPath, in: root)
            defer { close(parent) }
            try tree.copy(from: dir, name, to: parent, targetName)
            if let mode { _ = fchmodat(parent, targetName, mode, 0) }
        }
    }

    /// ADD of a local tar (any compression): its entries under `dest`, by the importer's rules.
    private func unpackIfArchive(_ dir: Int32, _ name: String, into dest: String, root: Int32) throws -> Bool {
        let fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw BerthError.errno("open", name) }
        defer { close(fd) }
        guard Self.isTar(fd), lseek(fd, 0, SEEK_SET) == 0 else { return false }
        let target = try BuildContext.makeDirectories(dest, in: root)
        defer { close(target) }
        let stream = try TarStream(path: name, fd: fd)
        try LayerExtractor(rootFD: target, label: "ADD \(name)", options: .init(whiteouts: false, ownership: true)).extract(stream)
        return true
    }

    private static func isTar(_ fd: Int32) -> Bool {
        guard let stream = try? TarStream(path: "ADD source", fd: fd) else { return false }
        var entry: OpaquePointer?
        let r = archive_read_next_header(stream.tar, &entry)
        return r == ARCHIVE_OK || r == ARCHIVE_WARN
    }

    // MARK: - The image

    /// The final state as an image under every `-t` name (the same id for an unchanged rebuild).
    private func tag(_ state: BuildState) throws -> ImageRecord {
        var state = state
        if !options.labels.isEmpty {
            for (k, v) in options.labels { state.config.labels[k] = v }
        }
        let diffIDs = try state.layers.map { try Digest(hex: $0) }
        var file = OCIImageConfigFile(created: state.history.last?.created ?? Timestamp(Date()).rfc3339, architecture: state.architecture,
                                      os: state.os, config: state.config, diffIDs: diffIDs)
        file.history = state.history
        let bytes = Array(try JSONEncoder.oci.encode(file))
        let created = state.history.last?.created.flatMap { Timestamp(rfc3339: $0)?.date } ?? Date()
        var record: ImageRecord?
        for ref in options.tags {
            let r = ImageRecord(name: ref.name, tag: ref.tag, id: Digest.of(bytes).hex, layers: state.layers, config: state.config,
                                created: created, size: state.layerSizes.reduce(0, +), layerSizes: state.layerSizes, format: "build",
                                manifestDigest: nil, architecture: state.architecture, os: state.os)
            try engine.images.commit(r, newLayers: [], layersInUse: engine.store.layersInUse(), config: bytes)
            record = record ?? r
        }
        return record!
    }
}
