/* libFuzzer target for the DNS server's message code (Sources/berth-shim/dns_msg.c): any bytes a
 * container sends as a query must be answered or dropped without a crash, a read past the
 * buffer or undefined behaviour; the reply built from what was read must read back.
 *
 *   clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -ISources/berth-shim \
 *     Tests/Fuzz/dns_fuzz.c Sources/berth-shim/dns_msg.c -o dns_fuzz
 *   ./dns_fuzz Tests/Fuzz/corpus/dns            # a long run; ShimDNSTests runs a short one
 */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    /* An exact-size copy, so the sanitizer sees any read past the message. */
    uint8_t *msg = malloc(size ? size : 1);
    if (!msg)
        return 0;
    memcpy(msg, data, size);
    static uint8_t out[4096];
    struct dns_question q;
    int rc = dns_parse_query(msg, size, &q);
    if (rc > 0) {
        dns_error_reply(msg, size, rc, out, sizeof out);
    } else if (rc == 0) {
        uint32_t addrs[3] = { 1, 2, 3 }, a;
        size_t n = dns_build_reply(&q, 0, addrs, 3, q.name.plain && q.name.text[0] ? q.name.text : NULL, 0, out, 512);
        struct dns_question back;
        if (n && (dns_parse_question_of_reply(out, n, &back) != 0 || !dns_same_question(out, n, msg, size)))
            abort(); /* a reply that does not read back as the question asked */
        dns_reverse_ipv4(q.name.text, &a);
        static const uint8_t six[2][16] = { { 0xfd }, { 0xfd, 0, 0, 1 } };
        n = dns_build_reply6(&q, six, 2, 0, out, 512);
        if (n && (dns_parse_question_of_reply(out, n, &back) != 0 || !dns_same_question(out, n, msg, size)))
            abort();
        uint8_t a6[16];
        dns_reverse_ipv6(q.name.text, a6);
    }
    struct dns_question any;
    dns_parse_question_of_reply(msg, size, &any);
    free(msg);
    return 0;
}
