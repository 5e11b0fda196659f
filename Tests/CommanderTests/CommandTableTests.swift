import Commander
import ScreenKit
import Testing

/// The one command table: every action is in it once, the presets and the key bar come from it,
/// and a key pressed does what the table says.
@Suite struct CommandTableTests {
    @Test func everyActionHasOneCommand() {
        for action in Action.allCases {
            #expect(PaneCommand.all.filter { $0.action == action }.count == 1, "\(action)")
        }
        #expect(PaneCommand.all.count == Action.allCases.count)
    }

    @Test func noKeyIsGivenTwice() {
        let keys = PaneCommand.all.flatMap(\.keys)
        #expect(Set(keys).count == keys.count)
    }

    @Test func theStandardPresetIsTheTable() {
        var expected: [Key: Action] = [:]
        for command in PaneCommand.all {
            for key in command.keys { expected[key] = command.action }
        }
        #expect(Keymap.standard.bindings == expected)
        // The F-keys of the key bar, each with its label.
        for number in 1...10 where number != 2 {
            let action = Keymap.standard.action(for: .function(number))
            #expect(action.flatMap { PaneCommand.of($0).label } != nil, "F\(number)")
        }
        #expect(Action.move.label == "RenMov")
        #expect(Action.move.shortLabel == "Move")
        #expect(Action.copy.shortLabel == "Copy")
        #expect(Action.up.label == nil)
    }

    @Test func theViPresetAddsMovementOnly() {
        #expect(Keymap.vi.action(for: .character("j")) == .down)
        #expect(Keymap.vi.action(for: .character("h")) == .parent)
        #expect(Keymap.vi.action(for: .control("f")) == .pageDown)
        for (key, action) in Keymap.standard.bindings where ![.character("h"), .character("j"), .character("k"), .character("l"), .character("g"), .character("G")].contains(key) {
            #expect(Keymap.vi.action(for: key) == action, "\(key)")
        }
    }

    @Test func eachCommandsKeysRunItsHandler() {
        // Keys that open a dialog or the viewer show it; the others change the state or ask for work.
        for command in PaneCommand.all where command.action != .quit {
            for key in command.keys {
                var state = CommanderTests.listedState()
                var bySwitch = state
                let effects = update(&state, .key(key))
                bySwitch.message = nil
                let handled = command.run(&bySwitch)
                // `update` marks the panes it asks listings for as loading.
                for case .list(let pane, _, _) in handled { bySwitch.panes[pane].loading = true }
                #expect(effects == handled, "\(key) \(command.action)")
                #expect(state == bySwitch, "\(key) \(command.action)")
            }
        }
    }

    @Test func altAndADigitIsAnFKey() {
        var state = CommanderTests.listedState()
        _ = update(&state, .key(.alt("1")))
        #expect(state.dialog?.kind == .help)
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.alt("0")))
        #expect(!state.isRunning)
    }

    @Test func altKeysHaveNames() {
        #expect(Keymap.name(of: .alt("x")) == "Alt-x")
        #expect(Keymap.key(named: "Alt-x") == .alt("x"))
        #expect(Keymap.key(named: "alt-X") == .alt("X"))
    }
}
