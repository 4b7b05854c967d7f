import BerthOS

/// A key of `commands:` pressed: the command with what it acts on in its environment.
extension DashboardModel {
    mutating func runCustom(_ c: CustomCommand) -> [Effect] {
        var environment: [String: String] = [:]
        var target = ""
        if c.scope == .container {
            guard let e = selected else {
                status = StatusMessage(selectedService.map { "\(c.name): select a replica of \($0)" } ?? "\(c.name): no container selected", .error)
                return []
            }
            environment = ["NAME": e.name, "ID": e.id, "IMAGE": e.info.image, "SERVICE": e.info.service ?? "",
                           "PID": e.info.state.pid.map { String($0) } ?? ""]
            target = " on \(e.name)"
        }
        let run = CustomCommandRun(name: c.name, command: c.command, environment: environment, background: c.background)
        if c.confirm {
            mode = .confirm(PendingConfirmation(question: "Run \(c.name)\(target)?", actions: [], custom: run))
            return []
        }
        if c.background { status = StatusMessage("running \(c.name)\(target)…") }
        return [.runCustom(run)]
    }
}
