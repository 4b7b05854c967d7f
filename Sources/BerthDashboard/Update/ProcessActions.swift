import BerthOS
import Glibc

/// The processes view (`P`): opening it on the selection, and signalling one process.
extension DashboardModel {
    mutating func openProcesses() -> [Effect] {
        guard let e = selectedContainer(to: "list its processes", running: true) else { return [] }
        processes = ProcessesState(id: e.id, name: e.name)
        return show(.processes)
    }

    /// `x` (SIGTERM) and `K` (SIGKILL) in the processes view: asks first, naming the process.
    mutating func confirmSignalProcess(_ signal: Int32) -> [Effect] {
        guard let row = processes.selected else {
            status = StatusMessage("no process selected", .error)
            return []
        }
        let pid = row.sample.pid
        let name = signal == SIGKILL ? "SIGKILL" : "SIGTERM"
        let command = Quoted.escapeControls(String(row.sample.command.prefix(40)))
        let question = "Send \(name) to process \(pid) (\(command)) in \(processes.name)?"
        mode = .confirm(PendingConfirmation(question: question, actions: [
            .signalProcess(id: processes.id, name: processes.name, pid: pid, signal: signal),
        ]))
        return []
    }
}
