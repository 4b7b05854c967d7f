#ifndef BERTH_CARCHIVE_SHIM_H
#define BERTH_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
