#ifndef BERTH_CARCHIVE_H
#define BERTH_CARCHIVE_H
/* libarchive's API as Berth uses it (reading image tarballs, writing layers and archives).
 * The functions are defined in archive.c and load libarchive on first use. */
#include <archive.h>
#include <archive_entry.h>
#endif
