import ScreenKit
import TOMLKit

/// The parts of the screen a theme gives a look to.
public enum Role: String, Sendable, CaseIterable {
    case background = "background"
    case paneBorder = "pane.border"
    case paneTitle = "pane.title.inactive"
    case paneTitleActive = "pane.title.active"
    case paneHeader = "pane.header"
    case entryFile = "entry.file"
    case entryDirectory = "entry.dir"
    case entryLink = "entry.link"
    case entryOther = "entry.other"
    case entryMarked = "entry.marked"
    case cursor = "cursor"
    case status = "status.text"
    case statusError = "status.error"
    case keyBarKey = "keybar.key"
    case keyBarLabel = "keybar.label"
    case queueHeader = "queue.header"
    case queueText = "queue.text"
    case queueFailed = "queue.failed"
    case progressDone = "progress.done"
    case progressTodo = "progress.todo"
    case dialog = "dialog.text"
    case dialogTitle = "dialog.title"
    case dialogInput = "dialog.input"
    case log = "log.text"
}

/// A named mapping from roles to styles.
public struct Theme: Equatable, Sendable {
    public let name: String
    public private(set) var styles: [Role: Style]

    public init(name: String, styles: [Role: Style]) {
        self.name = name
        self.styles = styles
    }

    /// The style of a role; roles a theme leaves out look plain.
    public subscript(role: Role) -> Style { styles[role] ?? .plain }

    /// The theme after a user's file: roles it names replace these, the rest stay.
    public func overridden(by other: Theme) -> Theme {
        Theme(name: other.name, styles: styles.merging(other.styles) { _, new in new })
    }

    /// Colours only where needed; works on any terminal with colour.
    public static let standard = Theme(name: "default", styles: [
        .paneBorder: Style(foreground: .named(4)),
        .paneTitleActive: Style(foreground: .named(0), background: .named(6), bold: true),
        .paneHeader: Style(foreground: .named(3), bold: true),
        .entryDirectory: Style(foreground: .named(15), bold: true),
        .entryLink: Style(foreground: .named(6)),
        .entryOther: Style(foreground: .named(5)),
        .entryMarked: Style(foreground: .named(3), bold: true),
        .cursor: Style(foreground: .named(0), background: .named(6)),
        .statusError: Style(foreground: .named(1), bold: true),
        .keyBarKey: Style(bold: true),
        .keyBarLabel: Style(foreground: .named(0), background: .named(6)),
        .queueHeader: Style(bold: true),
        .queueFailed: Style(foreground: .named(1)),
        .progressDone: Style(foreground: .named(0), background: .named(2)),
        .progressTodo: Style(foreground: .named(7), background: .named(8)),
        .dialog: Style(foreground: .named(0), background: .named(7)),
        .dialogTitle: Style(foreground: .named(4), background: .named(7), bold: true),
        .dialogInput: Style(foreground: .named(15), background: .named(4)),
        .log: Style(foreground: .named(2)),
    ])

    /// Attributes only: for `NO_COLOR` and terminals with fewer than 8 colours.
    public static let mono = Theme(name: "mono", styles: [
        .paneTitleActive: Style(bold: true, reverse: true),
        .paneHeader: Style(bold: true),
        .entryDirectory: Style(bold: true),
        .entryMarked: Style(bold: true, underline: true),
        .cursor: Style(reverse: true),
        .statusError: Style(bold: true),
        .keyBarKey: Style(bold: true),
        .keyBarLabel: Style(reverse: true),
        .queueHeader: Style(bold: true),
        .queueFailed: Style(bold: true),
        .progressDone: Style(reverse: true),
        .dialog: Style(reverse: true),
        .dialogTitle: Style(bold: true, reverse: true),
        .dialogInput: Style(underline: true),
    ])

    /// Reads a theme file: `name`, and a `[roles]` table of
    /// `role = { fg = "...", bg = "...", bold = true, underline = true, reverse = true }`.
    /// Unknown roles, colours and keys are errors that name the file and line.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Theme {
        let table = try ConfigurationError.table(from: text, file: file)
        let name = table["name"]?.string ?? String(file.split(separator: "/").last?.split(separator: ".").first ?? "theme")
        var styles: [Role: Style] = [:]
        guard let roles = table["roles"]?.table else { return Theme(name: name, styles: styles) }
        for (key, value) in flatten(roles) {
            let line = lineNumber(of: key, in: text)
            guard let role = Role(rawValue: key) else {
                throw ConfigurationError(file: file, line: line, message: "unknown role \"\(key)\"; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var style = Style()
            for (attribute, setting) in value {
                switch attribute {
                case "fg", "bg":
                    guard let text = setting.string, let color = Color(text) else {
                        throw ConfigurationError(file: file, line: line, message: "\(key).\(attribute): \"\(setting.string ?? "\(setting)")\" is not a colour (a name such as bright-cyan, 0 to 255, or #rrggbb)")
                    }
                    if attribute == "fg" { style.foreground = color } else { style.background = color }
                case "bold", "underline", "reverse":
                    guard let flag = setting.bool else { throw ConfigurationError(file: file, line: line, message: "\(key).\(attribute) must be true or false") }
                    switch attribute {
                    case "bold": style.bold = flag
                    case "underline": style.underline = flag
                    default: style.reverse = flag
                    }
                default:
                    throw ConfigurationError(file: file, line: line, message: "\(key): unknown setting \"\(attribute)\" (fg, bg, bold, underline, reverse)")
                }
            }
            styles[role] = style
        }
        return Theme(name: name, styles: styles)
    }

    /// Dotted keys (`pane.border = {...}`) are nested tables in TOML: walk them back to their
    /// dotted names, down to the tables that hold a style.
    private static func flatten(_ table: TOMLTable, prefix: String = "") -> [(String, [(String, TOMLValueConvertible)])] {
        var result: [(String, [(String, TOMLValueConvertible)])] = []
        for (key, value) in table {
            let name = prefix.isEmpty ? key : prefix + "." + key
            guard let inner = value.table else {
                result.append((name, [("fg", value)]))
                continue
            }
            let isStyle = inner.keys.allSatisfy { ["fg", "bg", "bold", "underline", "reverse"].contains($0) } && !inner.keys.isEmpty
            if isStyle {
                result.append((name, inner.map { ($0.0, $0.1) }))
            } else {
                result += flatten(inner, prefix: name)
            }
        }
        return result
    }

    private static func lineNumber(of key: String, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.firstIndex { $0.trimmingPrefix(while: { $0 == " " }).hasPrefix(key) }.map { $0 + 1 }
    }
}

/// A theme or keys file that could not be used: where, and why.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }

    /// Parses a TOML file, or fails with the parser's line and words.
    static func table(from text: String, file: String) throws(ConfigurationError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, line: Int(error.source.begin.line), message: error.description)
        } catch {
            throw ConfigurationError(file: file, line: nil, message: "\(error)")
        }
    }
}

private extension Substring {
    func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        self[(firstIndex { !predicate($0) } ?? endIndex)...]
    }
}
