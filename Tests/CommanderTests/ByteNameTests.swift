import Commander
import Foundation
import FTPWire
import Testing

/// Names that differ in bytes are different names, however alike they look or compare as text.
@Suite("Commander names as bytes")
struct ByteNameTests {
    /// "é.txt" three ways: NFC UTF-8, NFD UTF-8, and Latin-1. As Swift strings the first two are
    /// equal (canonical equivalence) and the third decodes to the first.
    static let lookalikes = [
        ListingEntry(remoteName: RemotePath(bytes: [0xC3, 0xA9] + Array(".txt".utf8)), kind: .file, size: 1),
        ListingEntry(remoteName: RemotePath(bytes: [0x65, 0xCC, 0x81] + Array(".txt".utf8)), kind: .file, size: 20),
        ListingEntry(remoteName: RemotePath(bytes: [0xE9] + Array(".txt".utf8)), kind: .file, size: 300),
    ]

    @Test func markingOneOfTwoLookalikesMarksOnlyIt() throws {
        #expect(Self.lookalikes[0].name == Self.lookalikes[1].name)
        #expect(Self.lookalikes[0].name == Self.lookalikes[2].name)
        var state = HostileInputTests.state(with: Self.lookalikes)
        let pane = state.active
        for entry in Self.lookalikes {
            let row = try #require(state.activePane.rows.firstIndex { $0.remoteName == entry.remoteName })
            state.panes[pane].cursor = row
            _ = update(&state, .key(.character(" ")))
            #expect(state.activePane.marked == [entry.remoteName])
            #expect(state.activePane.selection.map(\.remoteName) == [entry.remoteName])
            #expect(state.activePane.markedSize == entry.size)
            // Unmarked again, for the next.
            state.panes[pane].cursor = row
            _ = update(&state, .key(.character(" ")))
            #expect(state.activePane.marked.isEmpty)
        }
        _ = update(&state, .key(.character("*")))
        #expect(state.activePane.marked.count == 3)
        #expect(state.activePane.selection.count == 3)
        #expect(state.activePane.markedSize == 321)
    }

    /// A copy writes the name as text (UTF-8): only a file there with those very bytes is one it
    /// would replace. A lookalike (NFD beside NFC, Latin-1) is another file, and no reason to ask.
    @Test func aLookalikeAtTheDestinationIsNoConflict() throws {
        for (existing, conflicts) in [(Self.lookalikes[0], true), (Self.lookalikes[1], false), (Self.lookalikes[2], false)] {
            var state = CommanderTests.listedState()
            let local = Location.local("/home/anna")
            _ = update(&state, .listed(pane: 0, location: local, focus: nil, result: .success([existing]), at: CommanderTests.now))
            _ = update(&state, .listed(pane: 1, location: CommanderTests.remote, focus: nil, result: .success([Self.lookalikes[0]]), at: CommanderTests.now))
            state.active = 1
            _ = update(&state, .key(.down))
            #expect(state.activePane.current?.remoteName == Self.lookalikes[0].remoteName)
            _ = update(&state, .key(.function(5)))
            let effects = update(&state, .key(.enter))
            #expect((state.dialog?.title == "Already exists") == conflicts, "\(existing.remoteName.bytes)")
            #expect(effects.contains { if case .startTransfer = $0 { true } else { false } } == !conflicts, "\(existing.remoteName.bytes)")
        }
    }

    /// A reload puts the cursor back on its entry by the name's bytes: on a lookalike it would
    /// point F8 at another file.
    @Test func aReloadKeepsTheCursorOnTheSameLookalike() throws {
        for entry in Self.lookalikes {
            var state = HostileInputTests.state(with: Self.lookalikes)
            state.active = 1
            state.panes[1].cursor = try #require(state.activePane.rows.firstIndex { $0.remoteName == entry.remoteName })
            let effects = update(&state, .key(.control("r")))
            let focus = effects.compactMap { effect -> RemotePath?? in
                if case .list(1, _, let focus) = effect { return focus }
                return nil
            }.first
            _ = update(&state, .listed(pane: 1, location: CommanderTests.remote, focus: try #require(focus), result: .success(Self.lookalikes.reversed()), at: CommanderTests.now))
            #expect(state.activePane.current?.remoteName == entry.remoteName, "\(entry.remoteName.bytes)")
        }
    }

    /// The names a copy would replace are judged when it is confirmed, from the panes: one whose
    /// destination no pane shows any more (the pane moved on meanwhile) replaces nothing unasked.
    @Test func aCopyConfirmedAfterThePaneMovedOnSkipsWhatIsThere() throws {
        var state = CommanderTests.listedState()
        let local = Location.local("/home/anna")
        _ = update(&state, .listed(pane: 0, location: local, focus: nil, result: .success([Self.lookalikes[0]]), at: CommanderTests.now))
        _ = update(&state, .listed(pane: 1, location: CommanderTests.remote, focus: nil, result: .success([Self.lookalikes[0]]), at: CommanderTests.now))
        state.active = 0
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.function(5)))
        #expect(state.dialog?.title == "Copy")
        // Meanwhile the server's pane went elsewhere.
        let elsewhere = Location.remote(site: "ftp://anna@example.org", path: "/elsewhere")
        _ = update(&state, .listed(pane: 1, location: elsewhere, focus: nil, result: .success([]), at: CommanderTests.now))
        let effects = update(&state, .key(.enter))
        let started = effects.compactMap { effect -> TransferRequest? in
            if case .startTransfer(_, let request) = effect { return request }
            return nil
        }
        #expect(started.count == 1)
        #expect(started.first?.onConflict == .skip)
    }

    /// A typed line longer than the dialog shows its end, where the typing goes.
    @Test func aLongInputShowsWhereTheTypingGoes() throws {
        let long = String(repeating: "a-rather-long-folder-name/", count: 6) + "file.txt"
        var state = HostileInputTests.state(with: [ListingEntry(name: long, kind: .file, size: 1)])
        state.active = 1
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.function(6)))
        #expect(state.dialog?.title == "Rename or move")
        for character in "-THE-END" { _ = update(&state, .key(.character(character))) }
        let screen = render(state, theme: .mono).dump()
        #expect(screen.contains("file.txt-THE-END"), "\(screen)")
        #expect(screen.contains("…"))
    }
}
