/* DNS messages for the container's DNS server (dns.c): reading a query's question and writing
 * answers. Pure functions over byte buffers, no I/O, so the unit test (Tests/ShimUnit/dns_test.c)
 * and the fuzz target (Tests/Fuzz/dns_fuzz.c) drive exactly what the supervisor runs.
 *
 * Every query comes from inside a container, so it is hostile: every length is checked against
 * the buffer, a compression pointer must point before the labels it ends (so every jump goes
 * strictly backwards from where the last one landed: a loop is impossible) and at most
 * DNS_MAX_POINTERS are followed, labels are at most 63 bytes and names at most 255 on the wire
 * (RFC 1035 2.3.4). */
#include "shim.h"

#include <string.h>

#define DNS_HEADER 12
#define DNS_MAX_POINTERS 16

static uint16_t get16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static void put16(uint8_t *b, unsigned v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }

/* A byte that may appear in a name the server answers for itself (container, service and
 * network names, aliases): anything else only ever gets forwarded. */
static int plain_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int dns_read_name(const uint8_t *msg, size_t len, size_t off, struct dns_name *out, size_t *next)
{
    size_t wire = 0, text = 0, segment = off; /* segment: where the labels being read began */
    int pointers = 0, jumped = 0;
    out->plain = 1;
    for (;;) {
        if (off >= len)
            return -1;
        uint8_t l = msg[off];
        if ((l & 0xC0) == 0xC0) {
            if (off + 1 >= len || ++pointers > DNS_MAX_POINTERS)
                return -1;
            size_t target = (size_t)(l & 0x3F) << 8 | msg[off + 1];
            /* Before the labels it ends, and past the header: no loop, no header read as labels. */
            if (target >= segment || target < DNS_HEADER)
                return -1;
            if (!jumped)
                *next = off + 2;
            jumped = 1;
            off = segment = target;
            continue;
        }
        if (l & 0xC0) /* 0x40 and 0x80: extended label types, obsolete (RFC 6891) */
            return -1;
        if (wire + 1 + l > DNS_NAME_WIRE_MAX)
            return -1;
        if (l == 0) {
            out->wire[wire++] = 0;
            break;
        }
        if (off + 1 + l > len)
            return -1;
        out->wire[wire++] = l;
        if (text)
            out->text[text++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t c = msg[off + 1 + i];
            out->wire[wire++] = c;
            if (!plain_byte(c))
                out->plain = 0;
            /* Lower case: names match case-insensitively (RFC 4343); the text is only matched,
             * the question goes back with the client's own case (the wire copy). */
            out->text[text++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : (c && c != '.' ? c : '?'));
        }
        off += 1 + l;
    }
    out->text[text] = 0;
    out->wire_len = wire;
    if (!jumped)
        *next = off + 1;
    return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_question *q)
{
    if (len < DNS_HEADER)
        return -1;
    q->id = get16(msg);
    q->flags = get16(msg + 2);
    if (q->flags & 0x8000) /* a response sent to the server: never answered (no reflection loops) */
        return -1;
    if (((q->flags >> 11) & 15) != 0)
        return DNS_NOTIMP; /* only standard queries */
    if (get16(msg + 4) != 1)
        return DNS_FORMERR; /* one question, as every resolver sends */
    size_t next;
    if (dns_read_name(msg, len, DNS_HEADER, &q->name, &next) < 0 || next + 4 > len)
        return DNS_FORMERR;
    q->qtype = get16(msg + next);
    q->qclass = get16(msg + next + 2);
    q->end = next + 4;
    return 0;
}

/* The header of a reply to `q`: its id, opcode and RD; QR and RA set; AA for local answers. */
static void reply_header(uint8_t *out, const struct dns_question *q, int rcode, int qd, int an, int aa)
{
    put16(out, q->id);
    put16(out + 2, 0x8000u | (q->flags & 0x7800u) | (aa ? 0x0400u : 0) | (q->flags & 0x0100u) | 0x0080u | (unsigned)(rcode & 15));
    put16(out + 4, (unsigned)qd);
    put16(out + 6, (unsigned)an);
    put16(out + 8, 0);
    put16(out + 10, 0);
}

size_t dns_error_reply(const uint8_t *msg, size_t len, int rcode, uint8_t *out, size_t cap)
{
    if (len < DNS_HEADER || cap < DNS_HEADER || (msg[2] & 0x80))
        return 0;
    struct dns_question q = { .id = get16(msg), .flags = get16(msg + 2) };
    reply_header(out, &q, rcode, 0, 0, 0);
    return DNS_HEADER;
}

/* An answer's first 12 bytes: its owner is the question's name (a pointer to offset 12). */
static void rr_header(uint8_t *rr, unsigned type, uint32_t ttl, unsigned rdlen)
{
    put16(rr, 0xC000 | DNS_HEADER);
    put16(rr + 2, type);
    put16(rr + 4, DNS_CLASS_IN);
    put16(rr + 6, ttl >> 16);
    put16(rr + 8, ttl & 0xFFFF);
    put16(rr + 10, rdlen);
}

/* The reply with A records (`addrs`) or AAAA records (`addrs6`), whichever is not NULL. */
static size_t build_reply(const struct dns_question *q, int rcode, const uint32_t *addrs, const uint8_t (*addrs6)[16], int naddrs,
                          const char *ptr, uint32_t ttl, uint8_t *out, size_t cap)
{
    size_t n = DNS_HEADER + q->name.wire_len + 4;
    if (n > cap)
        return 0;
    memcpy(out + DNS_HEADER, q->name.wire, q->name.wire_len);
    put16(out + DNS_HEADER + q->name.wire_len, q->qtype);
    put16(out + DNS_HEADER + q->name.wire_len + 2, q->qclass);
    int an = 0, truncated = 0;
    size_t rdlen = addrs6 ? 16 : 4;
    for (int i = 0; i < naddrs && (addrs || addrs6); i++) {
        if (n + 12 + rdlen > cap) {
            truncated = 1;
            break;
        }
        uint8_t *rr = out + n;
        rr_header(rr, addrs6 ? DNS_TYPE_AAAA : DNS_TYPE_A, ttl, (unsigned)rdlen);
        if (addrs6) {
            memcpy(rr + 12, addrs6[i], 16);
        } else {
            rr[12] = (uint8_t)(addrs[i] >> 24);
            rr[13] = (uint8_t)(addrs[i] >> 16);
            rr[14] = (uint8_t)(addrs[i] >> 8);
            rr[15] = (uint8_t)addrs[i];
        }
        n += 12 + rdlen;
        an++;
    }
    if (ptr) {
        /* The name as labels: dots separate them; each label 1..63 bytes, the whole at most 255. */
        uint8_t name[DNS_NAME_WIRE_MAX];
        size_t w = 0, start = 0, l = strlen(ptr);
        int ok = l > 0 && l < DNS_NAME_WIRE_MAX - 1;
        for (size_t i = 0; ok && i <= l; i++) {
            if (i == l || ptr[i] == '.') {
                size_t label = i - start;
                if (label == 0 || label > 63) {
                    ok = 0;
                    break;
                }
                name[w++] = (uint8_t)label;
                memcpy(name + w, ptr + start, label);
                w += label;
                start = i + 1;
            }
        }
        if (ok) {
            name[w++] = 0;
            if (n + 12 + w > cap) {
                truncated = 1;
            } else {
                uint8_t *rr = out + n;
                rr_header(rr, DNS_TYPE_PTR, ttl, (unsigned)w);
                memcpy(rr + 12, name, w);
                n += 12 + w;
                an++;
            }
        }
    }
    reply_header(out, q, rcode, 1, an, 1);
    if (truncated)
        out[2] |= 0x02; /* TC: the client asks again over TCP, which has room for all */
    return n;
}

size_t dns_build_reply(const struct dns_question *q, int rcode, const uint32_t *addrs, int naddrs, const char *ptr,
                       uint32_t ttl, uint8_t *out, size_t cap)
{
    return build_reply(q, rcode, addrs, NULL, naddrs, ptr, ttl, out, cap);
}

size_t dns_build_reply6(const struct dns_question *q, const uint8_t (*addrs)[16], int naddrs, uint32_t ttl, uint8_t *out, size_t cap)
{
    return build_reply(q, 0, NULL, addrs, naddrs, NULL, ttl, out, cap);
}

int dns_reverse_ipv6(const char *name, uint8_t addr[16])
{
    /* 32 nibbles, least significant first, each one hex digit and a dot, then "ip6.arpa". */
    static const char suffix[] = "ip6.arpa";
    size_t l = strlen(name), sl = sizeof suffix - 1;
    if (l != 64 + sl || strcmp(name + 64, suffix))
        return -1;
    uint8_t out[16] = { 0 };
    for (int i = 0; i < 32; i++) {
        char c = name[2 * i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0 || name[2 * i + 1] != '.')
            return -1;
        /* Nibble i counts from the address's last: byte 15 - i/2, low nibble first. */
        out[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
    }
    memcpy(addr, out, 16);
    return 0;
}

int dns_reverse_ipv4(const char *name, uint32_t *addr)
{
    static const char suffix[] = ".in-addr.arpa";
    size_t l = strlen(name), sl = sizeof suffix - 1;
    if (l <= sl || strcmp(name + l - sl, suffix))
        return -1;
    uint32_t octets[4];
    int count = 0;
    const char *c = name, *end = name + l - sl;
    while (c < end) {
        if (count == 4)
            return -1;
        uint32_t v = 0;
        int digits = 0;
        while (c < end && *c >= '0' && *c <= '9') {
            v = v * 10 + (uint32_t)(*c++ - '0');
            if (++digits > 3 || v > 255)
                return -1;
        }
        if (!digits || (c < end && *c++ != '.'))
            return -1;
        octets[count++] = v;
    }
    if (count != 4)
        return -1;
    /* Reversed: 4.3.2.1.in-addr.arpa is 1.2.3.4. */
    *addr = octets[3] << 24 | octets[2] << 16 | octets[1] << 8 | octets[0];
    return 0;
}

int dns_same_question(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    struct dns_question qa, qb;
    if (dns_parse_question_of_reply(a, alen, &qa) < 0 || dns_parse_question_of_reply(b, blen, &qb) < 0)
        return 0;
    return qa.qtype == qb.qtype && qa.qclass == qb.qclass && !strcmp(qa.name.text, qb.name.text);
}

int dns_parse_question_of_reply(const uint8_t *msg, size_t len, struct dns_question *q)
{
    if (len < DNS_HEADER || get16(msg + 4) != 1)
        return -1;
    q->id = get16(msg);
    q->flags = get16(msg + 2);
    size_t next;
    if (dns_read_name(msg, len, DNS_HEADER, &q->name, &next) < 0 || next + 4 > len)
        return -1;
    q->qtype = get16(msg + next);
    q->qclass = get16(msg + next + 2);
    q->end = next + 4;
    return 0;
}
