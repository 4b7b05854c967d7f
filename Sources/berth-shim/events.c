/* The supervisor's side of the event journal (docs/events.md; the Swift side is
 * Sources/BerthRuntime/Events/EventJournal.swift, whose rules this follows): one JSON line per
 * event, appended with a single write(2) to a descriptor opened with O_APPEND, so the CLI and
 * other supervisors appending at the same time never interleave with it; rotated to
 * `journal.1` once past the plan's size, under `journal.lock`, only if the path still names
 * the file just written. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int put(char *buf, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (*n + l >= EVENT_LINE_MAX)
        return -1;
    memcpy(buf + *n, s, l);
    *n += l;
    return 0;
}

static void rotate(const struct plan *p, const struct stat *written)
{
    char lock[4096], old[4096];
    size_t l = strlen(p->events);
    if (l + 8 > sizeof lock)
        return;
    memcpy(lock, p->events, l);
    memcpy(lock + l, ".lock", 6);
    memcpy(old, p->events, l);
    memcpy(old + l, ".1", 3);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    while (flock(fd, LOCK_EX) < 0 && errno == EINTR) {}
    struct stat now;
    if (stat(p->events, &now) == 0 && now.st_ino == written->st_ino && now.st_dev == written->st_dev)
        rename(p->events, old);
    close(fd); /* releases the lock */
}

void event_append(const struct plan *p, const char *action, const char *extra)
{
    if (!p->events || !p->event_actor)
        return;
    /* `berth rename` leaves the new actor part in the state directory: a running container's
     * events carry its current name without a new plan. */
    static char renamed[EVENT_ACTOR_MAX + 1];
    const char *actor = p->event_actor;
    char path[4096];
    if (state_file(p, "event-actor", path, sizeof path) == 0) {
        ssize_t got = read_small_file(path, renamed, sizeof renamed);
        if (got > 0 && (size_t)got < sizeof renamed - 1)
            actor = renamed;
    }
    char line[EVENT_LINE_MAX], num[24];
    size_t n = 0;
    fmt_i64(num, now_realtime_ns());
    /* The id and action are Berth's own (hex, lower-case words): nothing to escape. */
    if (put(line, &n, "{\"time\":") || put(line, &n, num) || put(line, &n, ",\"type\":\"container\",\"action\":\"") ||
        put(line, &n, action) || put(line, &n, "\",\"id\":\"") || put(line, &n, p->id) || put(line, &n, "\",") ||
        put(line, &n, actor) || (extra && (put(line, &n, ",") || put(line, &n, extra))) ||
        put(line, &n, "}}\n"))
        return;
    /* A file rotated twice between our open and our write is already deleted: the line
     * would be lost with it, so it is written again to the current file. */
    for (int tries = 0; tries < 3; tries++) {
        int fd = open(p->events, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return;
        ssize_t w;
        do {
            w = write(fd, line, n);
        } while (w < 0 && errno == EINTR);
        struct stat st;
        if (fstat(fd, &st) < 0) {
            close(fd);
            return;
        }
        if (st.st_nlink == 0) {
            close(fd);
            continue;
        }
        if (w > 0 && p->events_max > 0 && st.st_size > p->events_max)
            rotate(p, &st);
        close(fd);
        return;
    }
}
