/* clock.c: the supervisor's two clocks. Every duration (a stop's grace period, the restart
 * backoff, how long a run lasted) is measured on CLOCK_MONOTONIC, which does not jump when
 * someone sets the wall clock; CLOCK_REALTIME is read only for timestamps that are written out
 * (log records, started_at/finished_at in `status`). clock_gettime is async-signal-safe. */
#include "shim.h"

#include <limits.h>
#include <time.h>

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t now_realtime_ns(void)
{
    return now_ns(CLOCK_REALTIME);
}

int64_t now_monotonic_ns(void)
{
    return now_ns(CLOCK_MONOTONIC);
}

int64_t deadline_after_ms(int64_t ms)
{
    return now_monotonic_ns() + ms * 1000000LL;
}

int ms_until(int64_t deadline)
{
    int64_t left = deadline - now_monotonic_ns();
    if (left <= 0)
        return 0;
    /* Rounded up: a poll that times out must not wake before the deadline and spin. */
    int64_t ms = (left + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

long restart_delay_ms(long previous_ms, int64_t run_ns)
{
    /* docker's backoff: 100 ms, doubling up to a minute; back to 100 ms after a run of 10 s. */
    if (previous_ms <= 0 || run_ns > 10000000000LL)
        return 100;
    return previous_ms * 2 > 60000 ? 60000 : previous_ms * 2;
}
