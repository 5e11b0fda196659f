/// A key as the terminal reports it, after decoding.
public enum Key: Hashable, Sendable {
    /// A printable character.
    case character(Character)
    /// Ctrl with a letter, as the lower-case letter.
    case control(Character)
    /// Alt (Meta) with a printable character: Esc and the character sent together.
    case alt(Character)
    /// F1...F24.
    case function(Int)
    case up, down, left, right, home, end, pageUp, pageDown, insert, delete
    case enter, backspace, tab, backTab, escape
}
