#ifndef FERRY_CNCURSES_SHIM_H
#define FERRY_CNCURSES_SHIM_H

/* No pkg-config cflags (SwiftPM prohibits its -D_XOPEN_SOURCE): ask for the wide-character API here. */
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <wchar.h>

/* The macros and globals Swift cannot import (or may not read under strict concurrency). */

enum { FERRY_BOLD = 1, FERRY_UNDERLINE = 2, FERRY_REVERSE = 4 };

/* Draws one cell: a spacing character with any combining characters after it. */
static inline int ferry_put_cell(WINDOW *window, int y, int x, const wchar_t *text, int flags, short pair) {
    attr_t attributes = A_NORMAL;
    if (flags & FERRY_BOLD) attributes |= A_BOLD;
    if (flags & FERRY_UNDERLINE) attributes |= A_UNDERLINE;
    if (flags & FERRY_REVERSE) attributes |= A_REVERSE;
    cchar_t cell;
    if (setcchar(&cell, text, attributes, pair, NULL) != OK) return ERR;
    return mvwadd_wch(window, y, x, &cell);
}

static inline int ferry_wcwidth(wchar_t character) { return wcwidth(character); }
static inline int ferry_colors(void) { return COLORS; }
static inline int ferry_color_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *ferry_stdscr(void) { return stdscr; }

#endif
