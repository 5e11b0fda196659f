/// A terminal colour: one of the 16 named ANSI colours, an entry of the 256-colour palette, or
/// an RGB value to be mapped to the nearest available.
public enum Color: Hashable, Sendable {
    /// 0...15: black, red, green, yellow, blue, magenta, cyan, white, then their bright forms.
    case named(UInt8)
    /// 0...255 of the xterm palette.
    case indexed(UInt8)
    /// 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)

    /// The names of the 16 ANSI colours, in palette order.
    public static let names = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    /// Parses `red`, `bright-cyan`, `0`...`255` or `#rrggbb`; nil for anything else.
    public init?(_ text: String) {
        let lowered = text.lowercased()
        if let index = Self.names.firstIndex(of: lowered) {
            self = .named(UInt8(index))
        } else if let number = UInt8(lowered) {
            self = .indexed(number)
        } else if lowered.count == 7, lowered.hasPrefix("#"), let value = UInt32(lowered.dropFirst(), radix: 16) {
            self = .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        } else {
            return nil
        }
    }

    /// The palette index this colour comes to on a terminal with `colors` colours (8, 16 or 256).
    public func paletteIndex(colors: Int) -> Int {
        let index: Int
        switch self {
        case .named(let value): index = Int(value)
        case .indexed(let value): index = Int(value)
        case .rgb(let red, let green, let blue): index = Self.nearest256(red, green, blue)
        }
        if index < colors { return index }
        return Self.nearestBasic(index, colors: colors)
    }

    /// The xterm cube or grey entry nearest an RGB value.
    private static func nearest256(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> Int {
        func level(_ value: UInt8) -> Int { value < 48 ? 0 : value < 115 ? 1 : (Int(value) - 35) / 40 }
        let cube = 16 + 36 * level(red) + 6 * level(green) + level(blue)
        let average = (Int(red) + Int(green) + Int(blue)) / 3
        let grey = average > 238 ? 255 : 232 + max(0, (average - 3) / 10)
        let cubeRGB = rgbOf(cube)
        let greyRGB = rgbOf(grey)
        func distance(_ other: (Int, Int, Int)) -> Int {
            let d = (other.0 - Int(red), other.1 - Int(green), other.2 - Int(blue))
            return d.0 * d.0 + d.1 * d.1 + d.2 * d.2
        }
        return distance(greyRGB) < distance(cubeRGB) ? grey : cube
    }

    /// The RGB value of a palette entry.
    static func rgbOf(_ index: Int) -> (Int, Int, Int) {
        let basic: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if index < 16 { return basic[max(0, index)] }
        if index >= 232 { let v = 8 + (index - 232) * 10; return (v, v, v) }
        let cube = index - 16
        func component(_ level: Int) -> Int { level == 0 ? 0 : 55 + level * 40 }
        return (component(cube / 36), component(cube / 6 % 6), component(cube % 6))
    }

    /// The nearest of the first `colors` (8 or 16) palette entries.
    private static func nearestBasic(_ index: Int, colors: Int) -> Int {
        let target = rgbOf(index)
        var best = 0
        var bestDistance = Int.max
        for candidate in 0..<min(colors, 16) {
            let rgb = rgbOf(candidate)
            let d = (rgb.0 - target.0, rgb.1 - target.1, rgb.2 - target.2)
            let distance = d.0 * d.0 + d.1 * d.1 + d.2 * d.2
            if distance < bestDistance { (best, bestDistance) = (candidate, distance) }
        }
        return best
    }
}

/// How a cell looks: colours and attributes. Nil colours are the terminal's defaults.
public struct Style: Hashable, Sendable {
    public var foreground: Color?
    public var background: Color?
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(foreground: Color? = nil, background: Color? = nil, bold: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
    }

    /// The terminal's default look.
    public static let plain = Style()

    /// The palette indices of the foreground and background on a terminal with `colors` colours
    /// (nil: the terminal's default). Two different colours that come to the same index on a
    /// terminal with few colours (white on bright white, on 8 colours) would hide the text: the
    /// foreground then becomes black or white, whichever stands out from the background.
    public func paletteIndices(colors: Int) -> (foreground: Int?, background: Int?) {
        let foregroundIndex = foreground?.paletteIndex(colors: colors)
        let backgroundIndex = background?.paletteIndex(colors: colors)
        guard let backgroundIndex, foregroundIndex == backgroundIndex, foreground != background else {
            return (foregroundIndex, backgroundIndex)
        }
        let (red, green, blue) = Color.rgbOf(backgroundIndex)
        let isLight = red * 299 + green * 587 + blue * 114 > 128_000
        return (isLight ? 0 : 7, backgroundIndex)
    }

    /// This style laid over `base`: colours this style leaves unset come from `base`, and
    /// attributes add up.
    public func over(_ base: Style) -> Style {
        Style(
            foreground: foreground ?? base.foreground, background: background ?? base.background,
            bold: bold || base.bold, underline: underline || base.underline, reverse: reverse || base.reverse)
    }
}
