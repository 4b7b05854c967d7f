/* libFuzzer target for the shim's launch-plan reader (Sources/berth-shim/plan.c): any bytes
 * must be refused or read without a crash, a leak or undefined behaviour.
 *
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -ISources/berth-shim \
 *     Tests/Fuzz/plan_fuzz.c Sources/berth-shim/plan.c Sources/berth-shim/util.c -o plan_fuzz
 *   ./plan_fuzz Tests/Fuzz/corpus/plan          # a long run; ShimPlanReaderTests runs a short one
 */
#include "shim.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    struct plan p;
    char *err = NULL;
    if (plan_parse(buf, size, &p, &err) == 0) {
        static int null_fd = -1; /* the --check-plan printer runs on every plan read */
        if (null_fd < 0)
            null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        plan_print(&p, null_fd);
        plan_release(&p);
    }
    free(buf);
    return 0;
}
