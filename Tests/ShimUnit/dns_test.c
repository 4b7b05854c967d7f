/* Unit test of the DNS server's message code (Sources/berth-shim/dns_msg.c) against hand-made
 * queries, hostile ones first: compression loops and forward pointers, labels and names over
 * their limits, lengths past the end, responses sent as queries, several questions.
 *
 *   clang -D_GNU_SOURCE -ISources/berth-shim Tests/ShimUnit/dns_test.c Sources/berth-shim/dns_msg.c
 *
 * Exit status 0 when every check holds; each failed check prints one line naming it.
 * ShimDNSTests (Tests/BerthRuntimeTests) builds and runs it, with the sanitizers. */
#include "shim.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void expect(long long got, long long want, const char *what)
{
    if (got != want) {
        printf("%s: got %lld, want %lld\n", what, got, want);
        failures++;
    }
}

static void expect_str(const char *got, const char *want, const char *what)
{
    if (strcmp(got, want)) {
        printf("%s: got \"%s\", want \"%s\"\n", what, got, want);
        failures++;
    }
}

/* A query: id 0x1234, RD, one question of `name` (wire form, `nlen` bytes) with type/class. */
static size_t query(uint8_t *out, const uint8_t *name, size_t nlen, unsigned type)
{
    static const uint8_t header[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
    memcpy(out, header, 12);
    memcpy(out + 12, name, nlen);
    out[12 + nlen] = (uint8_t)(type >> 8);
    out[13 + nlen] = (uint8_t)type;
    out[14 + nlen] = 0;
    out[15 + nlen] = 1;
    return 16 + nlen;
}

int main(void)
{
    uint8_t m[1024], out[1024];
    struct dns_question q;
    size_t len;

    /* A plain query. */
    static const uint8_t web[] = { 3, 'W', 'e', 'b', 3, 'n', 'e', 't', 0 };
    len = query(m, web, sizeof web, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), 0, "plain query parses");
    expect_str(q.name.text, "web.net", "name lower-cased with dots");
    expect(q.name.plain, 1, "plain name");
    expect(q.qtype, DNS_TYPE_A, "qtype");
    expect((long long)q.end, (long long)len, "question end");

    /* Its answer: three addresses, the question echoed with the client's case. */
    uint32_t addrs[3] = { 0x0A000002, 0x0A000003, 0x0A000004 };
    size_t r = dns_build_reply(&q, 0, addrs, 3, NULL, 0, out, sizeof out);
    expect((long long)r, 12 + (long long)sizeof web + 4 + 3 * 16, "answer length");
    expect(out[0] << 8 | out[1], 0x1234, "answer id");
    expect(out[2] & 0x80, 0x80, "QR set");
    expect(out[2] & 0x01, 0x01, "RD copied");
    expect(out[3] & 0x0F, 0, "NOERROR");
    expect(out[7], 3, "three answers");
    expect(memcmp(out + 12, web, sizeof web), 0, "question echoed as sent");
    struct dns_question back;
    expect(dns_parse_question_of_reply(out, r, &back), 0, "the reply reads back");
    expect(dns_same_question(out, r, m, len), 1, "same question");
    expect(out[r - 4] << 24 | out[r - 3] << 16 | out[r - 2] << 8 | out[r - 1], 0x0A000004, "last address");

    /* Truncation: 40 addresses do not fit 512 bytes; TC set, the answers that fit kept. */
    uint32_t many[40];
    for (int i = 0; i < 40; i++)
        many[i] = 0x0A000000U + (uint32_t)i;
    r = dns_build_reply(&q, 0, many, 40, NULL, 0, out, 512);
    expect(r <= 512, 1, "truncated reply fits");
    expect(out[2] & 0x02, 0x02, "TC set");
    expect(out[7], (long long)((512 - 12 - sizeof web - 4) / 16), "answers that fit");

    /* AAAA: three IPv6 addresses, 28 bytes each. */
    uint8_t six[3][16] = { { 0xfd, 0 }, { 0xfd, 1 }, { 0xfd, 2 } };
    six[2][15] = 0x42;
    r = dns_build_reply6(&q, (const uint8_t (*)[16])six, 3, 0, out, sizeof out);
    expect((long long)r, 12 + (long long)sizeof web + 4 + 3 * 28, "AAAA answer length");
    expect(out[7], 3, "three AAAA answers");
    expect(out[12 + sizeof web + 4 + 2] << 8 | out[12 + sizeof web + 4 + 3], DNS_TYPE_AAAA, "type AAAA");
    expect(out[r - 1], 0x42, "last address's last byte");
    r = dns_build_reply6(&q, NULL, 0, 0, out, sizeof out);
    expect(out[7], 0, "no address: an empty answer");
    expect(out[3] & 0x0F, 0, "which is NOERROR");
    uint8_t many6[40][16];
    memset(many6, 0xfd, sizeof many6);
    r = dns_build_reply6(&q, (const uint8_t (*)[16])many6, 40, 0, out, 512);
    expect(r <= 512 && (out[2] & 0x02), 1, "40 AAAA records do not fit 512 bytes: TC");

    /* PTR of IPv6: 32 nibbles, least significant first. */
    uint8_t a6[16];
    expect(dns_reverse_ipv6("2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", a6), 0, "reverse IPv6 name");
    expect(a6[0] << 8 | a6[1], 0xfd00, "first bytes");
    expect(a6[15], 0x42, "last byte");
    expect(dns_reverse_ipv6("2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", a6), -1, "31 nibbles");
    expect(dns_reverse_ipv6("2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", a6), -1, "33 nibbles");
    expect(dns_reverse_ipv6("g.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", a6), -1, "not hex");
    expect(dns_reverse_ipv6("24.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", a6), -1, "two digits in a label");
    expect(dns_reverse_ipv6("ip6.arpa", a6), -1, "no address");

    /* PTR: name and reverse parsing. */
    uint32_t a;
    expect(dns_reverse_ipv4("4.3.2.10.in-addr.arpa", &a), 0, "reverse name");
    expect(a, 0x0A020304, "reverse address");
    expect(dns_reverse_ipv4("256.3.2.10.in-addr.arpa", &a), -1, "octet over 255");
    expect(dns_reverse_ipv4("3.2.10.in-addr.arpa", &a), -1, "three octets");
    expect(dns_reverse_ipv4("5.4.3.2.10.in-addr.arpa", &a), -1, "five octets");
    expect(dns_reverse_ipv4("a.3.2.10.in-addr.arpa", &a), -1, "not a number");
    expect(dns_reverse_ipv4("1..2.10.in-addr.arpa", &a), -1, "empty label");
    expect(dns_reverse_ipv4(".in-addr.arpa", &a), -1, "no address");
    r = dns_build_reply(&q, 0, NULL, 0, "web-1.net", 0, out, sizeof out);
    expect(out[7], 1, "one PTR answer");
    r = dns_build_reply(&q, 0, NULL, 0, "a..b", 0, out, sizeof out);
    expect(out[7], 0, "a bad PTR name is left out");

    /* Hostile: a pointer to itself (a loop) and a forward pointer. */
    static const uint8_t self_ptr[] = { 0xC0, 12 };
    len = query(m, self_ptr, sizeof self_ptr, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "pointer to itself");
    static const uint8_t fwd_ptr[] = { 0xC0, 14, 0 };
    len = query(m, fwd_ptr, sizeof fwd_ptr, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "forward pointer");
    static const uint8_t hdr_ptr[] = { 0xC0, 2 };
    len = query(m, hdr_ptr, sizeof hdr_ptr, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "pointer into the header");

    /* Two labels pointing at each other through a backward chain: ends, then refused. */
    uint8_t chain[64];
    memcpy(chain, (const uint8_t[]){ 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, 12);
    chain[12] = 1; chain[13] = 'a'; chain[14] = 0xC0; chain[15] = 12; /* a + pointer back to a: loop */
    chain[16] = 0; chain[17] = 1; chain[18] = 0; chain[19] = 1;
    expect(dns_parse_query(chain, 20, &q), DNS_FORMERR, "backward pointer loop");

    /* A valid backward pointer: the name "x" then a pointer to it from the question (the
     * question's name starts at 12, so craft it inside the name: label then pointer to 12
     * is a loop; instead check a reply's answer name through dns_read_name). */
    size_t next;
    struct dns_name nm;
    uint8_t rr[40] = { 0 };
    memcpy(rr + 12, (const uint8_t[]){ 1, 'x', 0, 0xC0, 12 }, 5);
    expect(dns_read_name(rr, 17, 15, &nm, &next), 0, "backward pointer read");
    expect_str(nm.text, "x", "pointer target");
    expect((long long)next, 17, "offset after a pointer");

    /* Labels: 64 bytes is over the limit; 0x40/0x80 label types refused. */
    uint8_t big[80];
    big[0] = 64;
    memset(big + 1, 'a', 64);
    big[65] = 0;
    len = query(m, big, 66, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "label of 64 bytes");
    static const uint8_t ext[] = { 0x41, 'a', 0 };
    len = query(m, ext, sizeof ext, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "extended label type");

    /* A name over 255 bytes on the wire: five labels of 63. */
    uint8_t longname[5 * 64 + 1];
    for (int i = 0; i < 5; i++) {
        longname[i * 64] = 63;
        memset(longname + i * 64 + 1, 'b', 63);
    }
    longname[5 * 64] = 0;
    len = query(m, longname, sizeof longname, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "name over 255 bytes");

    /* Lengths past the end: a label longer than what is left, a question without its type. */
    len = query(m, web, sizeof web, DNS_TYPE_A);
    expect(dns_parse_query(m, 12 + 5, &q), DNS_FORMERR, "label past the end");
    expect(dns_parse_query(m, len - 2, &q), DNS_FORMERR, "question without its class");
    expect(dns_parse_query(m, 11, &q), -1, "shorter than a header");

    /* A response sent as a query is never answered; two questions, or an opcode other than
     * QUERY, are answered with an error that carries the client's id. */
    len = query(m, web, sizeof web, DNS_TYPE_A);
    m[2] |= 0x80;
    expect(dns_parse_query(m, len, &q), -1, "a response is dropped");
    expect((long long)dns_error_reply(m, len, DNS_FORMERR, out, sizeof out), 0, "no error reply to a response");
    len = query(m, web, sizeof web, DNS_TYPE_A);
    m[5] = 2;
    expect(dns_parse_query(m, len, &q), DNS_FORMERR, "two questions");
    r = dns_error_reply(m, len, DNS_FORMERR, out, sizeof out);
    expect((long long)r, 12, "error reply is a header");
    expect(out[0] << 8 | out[1], 0x1234, "error reply id");
    expect(out[3] & 0x0F, DNS_FORMERR, "FORMERR");
    len = query(m, web, sizeof web, DNS_TYPE_A);
    m[2] = 0x28; /* opcode 5, UPDATE */
    expect(dns_parse_query(m, len, &q), DNS_NOTIMP, "UPDATE is not implemented");

    /* Bytes no local name has: still parsed (forwarded), never matched locally. */
    static const uint8_t odd[] = { 3, 'a', '.', 'b', 2, 0, 'x', 0 };
    len = query(m, odd, sizeof odd, DNS_TYPE_A);
    expect(dns_parse_query(m, len, &q), 0, "odd bytes parse");
    expect(q.name.plain, 0, "odd bytes are not plain");
    expect(strchr(q.name.text, 0) - q.name.text, 6, "text keeps its length with NULs replaced");

    /* The root name. */
    static const uint8_t root[] = { 0 };
    len = query(m, root, sizeof root, 2);
    expect(dns_parse_query(m, len, &q), 0, "root name");
    expect_str(q.name.text, "", "root text");

    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
