#ifndef BERTH_LAZY_LOAD_H
#define BERTH_LAZY_LOAD_H
/*
 * Shared libraries loaded on first use instead of at start-up.
 *
 * Every berth command paid for loading libarchive and libcrypto (and the eight libraries
 * libarchive pulls in: libxml2 and ICU among them) although only image commands use them:
 * ≈ 7 M instructions of symbol relocation per call, a third of `berth --version`.
 * CArchive and CCrypto define the functions Berth calls with the libraries' own prototypes;
 * each forwards to the real function, resolved once with dlopen/dlsym.
 */
#include <stddef.h>

struct berth_lazy_library {
    const char *soname;   /* the name dlopen looks for, e.g. "libarchive.so.13" */
    const char *purpose;  /* for the message when it cannot be loaded */
    void *handle;         /* set once, atomically */
};

/* The address of `symbol` in `lib`, loading the library on first use. When the library or the
 * symbol is missing, prints one line naming it and the package to install, and exits with 125:
 * the call cannot go on, and before lazy loading the program would not have started at all. */
void *berth_lazy_symbol(struct berth_lazy_library *lib, const char *symbol);

/* As berth_lazy_symbol, for a library Berth can do without (libnftables: published ports fall
 * back to the supervisor's proxy): NULL, and nothing printed, when the library or the symbol is
 * missing. */
void *berth_lazy_try_symbol(struct berth_lazy_library *lib, const char *symbol);

/* The function `name` of `lib`, resolved on the first call and kept in a static of its own. */
#define BERTH_LAZY(lib, name) (__extension__({                                             \
    static __typeof__(name) *resolved_;                                                     \
    __typeof__(name) *f_ = __atomic_load_n(&resolved_, __ATOMIC_ACQUIRE);                  \
    if (!f_) {                                                                              \
        f_ = (__typeof__(name) *)berth_lazy_symbol(&(lib), #name);                         \
        __atomic_store_n(&resolved_, f_, __ATOMIC_RELEASE);                                 \
    }                                                                                       \
    f_;                                                                                     \
}))

#endif
