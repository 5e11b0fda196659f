"""Draws a terminal screen captured with its colours (tmux capture-pane -e) as an SVG picture.

Reads the capture on standard input and writes the SVG on standard output. Understands the SGR
sequences tmux writes: reset, bold, reverse, the 8 and 16 colours, and 256-colour indexes.
"""
import re
import sys
from html import escape

CELL_WIDTH, CELL_HEIGHT, FONT_SIZE = 8.4, 17, 14
BASIC = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
         "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
DEFAULT_FG, DEFAULT_BG = "#e5e5e5", "#1e1e1e"


def colour256(index):
    """The RGB of an xterm 256-colour index."""
    if index < 16:
        return BASIC[index]
    if index < 232:
        index -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[index // 36], steps[index // 6 % 6], steps[index % 6])
    level = 8 + (index - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


def apply(codes, style):
    """The style after an SGR sequence's codes."""
    numbers = [int(code) if code else 0 for code in codes.split(";")] or [0]
    index = 0
    while index < len(numbers):
        code = numbers[index]
        if code == 0:
            style = {"fg": None, "bg": None, "bold": False, "reverse": False}
        elif code == 1:
            style["bold"] = True
        elif code == 22:
            style["bold"] = False
        elif code == 7:
            style["reverse"] = True
        elif code == 27:
            style["reverse"] = False
        elif 30 <= code <= 37:
            style["fg"] = BASIC[code - 30]
        elif 90 <= code <= 97:
            style["fg"] = BASIC[code - 90 + 8]
        elif 40 <= code <= 47:
            style["bg"] = BASIC[code - 40]
        elif 100 <= code <= 107:
            style["bg"] = BASIC[code - 100 + 8]
        elif code == 39:
            style["fg"] = None
        elif code == 49:
            style["bg"] = None
        elif code in (38, 48) and index + 2 < len(numbers) and numbers[index + 1] == 5:
            style["fg" if code == 38 else "bg"] = colour256(numbers[index + 2])
            index += 2
        index += 1
    return style


def cells(line):
    """The characters of a captured line, each with its style."""
    style = {"fg": None, "bg": None, "bold": False, "reverse": False}
    for part in re.split(r"(\x1b\[[0-9;]*m)", line):
        match = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
        if match:
            style = apply(match.group(1), dict(style))
            continue
        for character in part:
            yield character, dict(style)


def main():
    lines = sys.stdin.read().rstrip("\n").split("\n")
    width = max(100, max(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in lines))
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="DejaVu Sans Mono, monospace" font-size="%d">'
           % (width * CELL_WIDTH, len(lines) * CELL_HEIGHT, FONT_SIZE),
           '<rect width="100%%" height="100%%" fill="%s"/>' % DEFAULT_BG]
    for row, line in enumerate(lines):
        y = row * CELL_HEIGHT
        for column, (character, style) in enumerate(cells(line)):
            fg, bg = style["fg"] or DEFAULT_FG, style["bg"]
            if style["reverse"]:
                fg, bg = bg or DEFAULT_BG, fg
            x = column * CELL_WIDTH
            if bg:
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' % (x, y, CELL_WIDTH + 0.5, CELL_HEIGHT, bg))
            if character != " ":
                weight = ' font-weight="bold"' if style["bold"] else ""
                out.append('<text x="%.1f" y="%d" fill="%s"%s>%s</text>' % (x, y + CELL_HEIGHT - 4, fg, weight, escape(character)))
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
