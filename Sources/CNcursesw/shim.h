#ifndef BERTH_CNCURSESW_SHIM_H
#define BERTH_CNCURSESW_SHIM_H
/* SwiftPM drops pkg-config's feature macros, so define the wide-character API switches here. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

/* term.h defines macros named after capabilities (e.g. `lines`, `columns`) that would clash with
   Swift identifiers; the dashboard only needs tigetflag/tigetnum, which are functions. */
#undef lines
#undef columns

/* Attributes are macros built from NCURSES_BITS, which Swift cannot import. */
static inline attr_t berth_a_normal(void) { return A_NORMAL; }
static inline attr_t berth_a_bold(void) { return A_BOLD; }
static inline attr_t berth_a_dim(void) { return A_DIM; }
static inline attr_t berth_a_underline(void) { return A_UNDERLINE; }
static inline attr_t berth_a_reverse(void) { return A_REVERSE; }
static inline attr_t berth_a_italic(void) { return A_ITALIC; }

/* LINES, COLS, COLORS, COLOR_PAIRS and stdscr are mutable globals: errors in Swift 6 mode. */
static inline int berth_lines(void) { return LINES; }
static inline int berth_cols(void) { return COLS; }
static inline int berth_colors(void) { return COLORS; }
static inline int berth_color_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *berth_stdscr(void) { return stdscr; }
/* stdin/stdout are mutable globals too. */
static inline SCREEN *berth_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline void berth_set_escdelay(int ms) { set_escdelay(ms); }

/* Key codes are macros too. */
static inline int berth_key_resize(void) { return KEY_RESIZE; }
static inline int berth_key_mouse(void) { return KEY_MOUSE; }
static inline int berth_key_up(void) { return KEY_UP; }
static inline int berth_key_down(void) { return KEY_DOWN; }
static inline int berth_key_left(void) { return KEY_LEFT; }
static inline int berth_key_right(void) { return KEY_RIGHT; }
static inline int berth_key_home(void) { return KEY_HOME; }
static inline int berth_key_end(void) { return KEY_END; }
static inline int berth_key_ppage(void) { return KEY_PPAGE; }
static inline int berth_key_npage(void) { return KEY_NPAGE; }
static inline int berth_key_backspace(void) { return KEY_BACKSPACE; }
static inline int berth_key_dc(void) { return KEY_DC; }
static inline int berth_key_enter(void) { return KEY_ENTER; }
static inline int berth_key_btab(void) { return KEY_BTAB; }
static inline int berth_key_f(int n) { return KEY_F(n); }

/* Mouse: the event struct is importable, the button masks are macros. */
static inline mmask_t berth_mouse_mask_all(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
static inline int berth_mouse_is_click(mmask_t m) { return (m & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0; }
static inline int berth_mouse_is_wheel_up(mmask_t m) { return (m & BUTTON4_PRESSED) != 0; }
static inline int berth_mouse_is_wheel_down(mmask_t m) { return (m & BUTTON5_PRESSED) != 0; }

/* One styled run of wide characters at (y, x). Pairs above 255 only fit through the opts pointer. */
static inline int berth_put(int y, int x, const wchar_t *s, int n, attr_t attrs, int pair) {
    wattr_set(stdscr, attrs, (short)(pair < 256 ? pair : 0), &pair);
    return mvwaddnwstr(stdscr, y, x, s, n);
}

/* Fills the background of the whole screen with one pair so cleared cells take the theme's colours. */
static inline void berth_background(int pair) {
    cchar_t c;
    wchar_t sp[2] = { L' ', 0 };
    setcchar(&c, sp, A_NORMAL, (short)(pair < 256 ? pair : 0), &pair);
    wbkgrndset(stdscr, &c);
}

static inline int berth_init_pair(int pair, int fg, int bg) { return init_extended_pair(pair, fg, bg); }
#endif
