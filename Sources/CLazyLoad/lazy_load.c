#include "lazy_load.h"

#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

void *berth_lazy_symbol(struct berth_lazy_library *lib, const char *symbol) {
    void *handle = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
    if (!handle) {
        /* Two threads may both open it: dlopen counts references and returns the same handle. */
        handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char *why = dlerror();
            fprintf(stderr, "berth: cannot load %s, needed %s: %s\n", lib->soname, lib->purpose, why ? why : "unknown error");
            _exit(125);
        }
        __atomic_store_n(&lib->handle, handle, __ATOMIC_RELEASE);
    }
    void *address = dlsym(handle, symbol);
    if (!address) {
        fprintf(stderr, "berth: %s has no %s (needed %s); is the library too old?\n", lib->soname, symbol, lib->purpose);
        _exit(125);
    }
    return address;
}

void *berth_lazy_try_symbol(struct berth_lazy_library *lib, const char *symbol) {
    void *handle = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
    if (!handle) {
        handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
        if (!handle) return NULL;
        __atomic_store_n(&lib->handle, handle, __ATOMIC_RELEASE);
    }
    return dlsym(handle, symbol);
}
