#!/usr/bin/python3
"""Render `tmux capture-pane -p -e` output (text with SGR escapes) to a PNG.

Usage: render.py CAPTURE.txt OUT.png [--cols N --rows N]

Deterministic: the same capture always gives the same pixels. DejaVu Sans Mono has no braille,
so braille cells (U+2800-28FF) are drawn as dots; block elements are drawn as rectangles so
graphs have no gaps between rows.
"""
import re
import unicodedata
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
FONT = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
BOLD = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
CW = 9
CH = 18
PAD = 10
DEFAULT_FG = (208, 212, 220)
DEFAULT_BG = (24, 26, 32)

ANSI = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
        (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]


def xterm256(n):
    if n < 16:
        return ANSI[n]
    if n >= 232:
        v = 8 + 10 * (n - 232)
        return (v, v, v)
    n -= 16
    levels = [0, 95, 135, 175, 215, 255]
    return (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])


def wide(ch):
    o = ord(ch)
    return (0x1100 <= o <= 0x115F or 0x2E80 <= o <= 0xA4CF or 0xAC00 <= o <= 0xD7A3 or 0xF900 <= o <= 0xFAFF
            or 0xFF00 <= o <= 0xFF60 or 0xFFE0 <= o <= 0xFFE6 or 0x1F300 <= o <= 0x1F64F or 0x20000 <= o <= 0x3FFFD)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.reverse = self.underline = False

    def copy(self):
        s = Style()
        s.__dict__.update(self.__dict__)
        return s

    def apply(self, params):
        p = [int(x) if x else 0 for x in params.split(";")] if params else [0]
        i = 0
        while i < len(p):
            c = p[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = ANSI[c - 30]
            elif 90 <= c <= 97:
                self.fg = ANSI[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = ANSI[c - 40]
            elif 100 <= c <= 107:
                self.bg = ANSI[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(p):
                if p[i + 1] == 5 and i + 2 < len(p):
                    col = xterm256(p[i + 2])
                    i += 2
                elif p[i + 1] == 2 and i + 4 < len(p):
                    col = (p[i + 2], p[i + 3], p[i + 4])
                    i += 4
                else:
                    col = None
                if c == 38:
                    self.fg = col
                else:
                    self.bg = col
            i += 1

    def colours(self):
        fg = self.fg or DEFAULT_FG
        bg = self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = bg, fg
        if self.dim:
            fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
        return fg, bg


def parse(text, cols, rows):
    grid = [[(" ", Style()) for _ in range(cols)] for _ in range(rows)]
    style = Style()
    for y, line in enumerate(text.split("\n")[:rows]):
        x = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-ln-z]|\x1b[()][0-9A-Za-z]|([^\x1b])", line):
            if m.group(1) is not None or (m.group(2) is None and m.group(0).startswith("\x1b[") and m.group(0).endswith("m")):
                style.apply(m.group(1) or "")
                continue
            ch = m.group(2)
            if ch is None or x >= cols:
                continue
            # A combining mark or other zero-width character joins the cell before it (as the
            # terminal draws it) instead of taking a cell of its own.
            if unicodedata.category(ch) in ("Mn", "Me", "Cf") or 0x200B <= ord(ch) <= 0x200F:
                if x > 0:
                    prev, prev_style = grid[y][x - 1]
                    grid[y][x - 1] = (prev + ch, prev_style)
                continue
            grid[y][x] = (ch, style.copy())
            if wide(ch) and x + 1 < cols:
                grid[y][x + 1] = ("", style.copy())
                x += 2
            else:
                x += 1
        # tmux leaves out the cells a line was cleared with (EL with a background colour, what
        # ncurses sends for trailing blanks): a terminal shows them in that colour, so carry the
        # last cell's background to the end of the line.
        if 0 < x < cols:
            last = grid[y][x - 1][1]
            fill = Style()
            fill.bg = None if last.reverse else last.bg
            for xx in range(x, cols):
                grid[y][xx] = (" ", fill)
    return grid


def most_common_bg(grid):
    counts = {}
    for row in grid:
        for _, st in row:
            bg = st.colours()[1]
            counts[bg] = counts.get(bg, 0) + 1
    return max(counts, key=counts.get) if counts else DEFAULT_BG


def draw_braille(d, ch, x0, y0, fg):
    bits = ord(ch) - 0x2800
    # dots 1-3 and 7 in the left column, 4-6 and 8 in the right, top to bottom.
    layout = [(0, 0, 0x01), (0, 1, 0x02), (0, 2, 0x04), (1, 0, 0x08), (1, 1, 0x10), (1, 2, 0x20), (0, 3, 0x40), (1, 3, 0x80)]
    r = 1.5
    for cx, cy, bit in layout:
        if bits & bit:
            px = x0 + 2.5 + cx * 4
            py = y0 + 2.5 + cy * 4.3
            d.ellipse([px - r, py - r, px + r, py + r], fill=fg)


def draw_block(d, ch, x0, y0, fg):
    o = ord(ch)
    if 0x2581 <= o <= 0x2588:  # lower eighths to full block
        h = CH * (o - 0x2580) / 8
        d.rectangle([x0, y0 + CH - h, x0 + CW - 1, y0 + CH - 1], fill=fg)
        return True
    if ch == "░":
        for yy in range(y0, y0 + CH, 3):
            for xx in range(x0 + (yy // 3) % 2, x0 + CW, 2):
                d.point((xx, yy), fill=fg)
        return True
    return False


def render(text, out, cols, rows):
    grid = parse(text, cols, rows)
    # The margin takes the screen's own background, so a light theme gets a light frame.
    img = Image.new("RGB", (cols * CW + 2 * PAD, rows * CH + 2 * PAD), most_common_bg(grid))
    d = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, (ch, st) in enumerate(row):
            fg, bg = st.colours()
            x0, y0 = PAD + x * CW, PAD + y * CH
            d.rectangle([x0, y0, x0 + CW - 1, y0 + CH - 1], fill=bg)
    # Backgrounds first, so wide glyphs are not painted over by the next cell's background.
    for y, row in enumerate(grid):
        for x, (ch, st) in enumerate(row):
            if ch in ("", " "):
                continue
            fg, bg = st.colours()
            x0, y0 = PAD + x * CW, PAD + y * CH
            if 0x2800 <= ord(ch) <= 0x28FF:
                draw_braille(d, ch, x0, y0, fg)
            elif not draw_block(d, ch, x0, y0, fg):
                d.text((x0, y0 + 1), ch, font=BOLD if st.bold else FONT, fill=fg)
            if st.underline:
                d.line([x0, y0 + CH - 2, x0 + CW - 1, y0 + CH - 2], fill=fg)
    img.save(out, optimize=True)


def main():
    args = sys.argv[1:]
    cols, rows = 120, 40
    if "--cols" in args:
        cols = int(args[args.index("--cols") + 1])
    if "--rows" in args:
        rows = int(args[args.index("--rows") + 1])
    src, out = args[0], args[1]
    with open(src, encoding="utf-8", errors="replace") as f:
        text = f.read()
    render(text, out, cols, rows)


if __name__ == "__main__":
    main()
