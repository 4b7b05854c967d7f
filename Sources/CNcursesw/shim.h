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
#include <ncursesw/curses.h>
#endif
