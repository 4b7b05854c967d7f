/* Unit test of the supervisor's clocks (Sources/berth-shim/clock.c), linked against a fake
 * clock_gettime: the test moves the wall clock and the monotonic clock independently, as
 * `date -s` or NTP would, without touching the host's clock and without waiting.
 *
 *   clang -D_GNU_SOURCE -ISources/berth-shim Tests/ShimUnit/clock_test.c Sources/berth-shim/clock.c
 *
 * Exit status 0 when every check holds; each failed check prints one line naming it.
 * ShimClockTests (Tests/BerthRuntimeTests) builds and runs it. */
#include "shim.h"

#include <stdio.h>
#include <time.h>

static int64_t fake_realtime = 1764000000LL * 1000000000LL; /* late 2025 */
static int64_t fake_monotonic = 5000LL * 1000000000LL;      /* 5000 s of uptime */
static int realtime_reads, monotonic_reads;

/* Defined in the executable, so clock.c's calls bind here instead of to libc. */
int clock_gettime(clockid_t clock, struct timespec *ts)
{
    int64_t ns;
    if (clock == CLOCK_REALTIME) {
        ns = fake_realtime;
        realtime_reads++;
    } else if (clock == CLOCK_MONOTONIC) {
        ns = fake_monotonic;
        monotonic_reads++;
    } else {
        printf("unexpected clock id %d\n", (int)clock);
        ns = 0;
    }
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
    return 0;
}

static int failures;

static void expect(long long got, long long want, const char *what)
{
    if (got != want) {
        printf("%s: got %lld, want %lld\n", what, got, want);
        failures++;
    }
}

static void set_wall_clock(int64_t delta_s) { fake_realtime += delta_s * 1000000000LL; }
static void time_passes_ms(int64_t ms) { fake_realtime += ms * 1000000LL; fake_monotonic += ms * 1000000LL; }

static void grace_period_ignores_wall_clock(void)
{
    realtime_reads = 0;
    int64_t kill_at = deadline_after_ms(10 * 1000); /* `berth stop -t 10` */
    time_passes_ms(4000);
    set_wall_clock(-3600); /* set back an hour: a wall-clock deadline would wait 1 h more */
    expect(ms_until(kill_at), 6000, "grace period after the wall clock went back an hour");
    set_wall_clock(+7200); /* forward two hours: a wall-clock deadline would kill at once */
    expect(ms_until(kill_at), 6000, "grace period after the wall clock went forward two hours");
    time_passes_ms(5999);
    expect(ms_until(kill_at), 1, "grace period 1 ms before its end");
    time_passes_ms(1);
    expect(ms_until(kill_at), 0, "grace period at its end");
    time_passes_ms(500);
    expect(ms_until(kill_at), 0, "grace period after its end");
    expect(realtime_reads, 0, "wall-clock reads while timing the grace period");
}

static void backoff_sleep_ignores_wall_clock(void)
{
    realtime_reads = 0;
    int64_t until = deadline_after_ms(restart_delay_ms(0, 0));
    set_wall_clock(+3600);
    expect(ms_until(until), 100, "first backoff after the wall clock went forward an hour");
    fake_monotonic += 400000; /* 0.4 ms: rounded up, a poll must not wake early and spin */
    expect(ms_until(until), 100, "backoff 99.6 ms before its end");
    expect(realtime_reads, 0, "wall-clock reads while timing the backoff");
}

static void backoff_doubles_and_resets(void)
{
    long delay = 0;
    const long want[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000 };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        delay = restart_delay_ms(delay, 1000000000LL); /* runs of 1 s */
        expect(delay, want[i], "backoff after a short run");
    }
    expect(restart_delay_ms(delay, 10000000001LL), 100, "backoff after a run longer than 10 s");
    expect(restart_delay_ms(400, 10000000000LL), 800, "backoff after a run of exactly 10 s");
}

static void timestamps_use_wall_clock(void)
{
    realtime_reads = monotonic_reads = 0;
    expect(now_realtime_ns(), fake_realtime, "now_realtime_ns");
    expect(now_monotonic_ns(), fake_monotonic, "now_monotonic_ns");
    expect(realtime_reads, 1, "wall-clock reads for one timestamp");
    expect(monotonic_reads, 1, "monotonic reads for one duration reading");
}

int main(void)
{
    grace_period_ignores_wall_clock();
    backoff_sleep_ignores_wall_clock();
    backoff_doubles_and_resets();
    timestamps_use_wall_clock();
    if (failures == 0)
        printf("ok\n");
    return failures ? 1 : 0;
}
