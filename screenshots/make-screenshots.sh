#!/bin/sh
# Regenerates screenshots/*.png from the real dashboard, driven through tmux.
#
#   screenshots/make-screenshots.sh BERTH_BINARY [ROOT_DIR]
#
# BERTH_BINARY is the `berth` executable (e.g. .build/debug/berth). Without ROOT_DIR (the usual
# way) the script makes a throw-away root under /var/tmp, imports the busybox image, starts a small
# stack of busybox containers (two `web` replicas logging requests, a `worker` burning CPU in
# bursts, a `cache` holding memory under a limit, a `backup` that failed) and removes all of it
# again at the end; that needs root. With ROOT_DIR it photographs whatever that root holds and
# leaves it alone.
#
# Needs tmux, /usr/bin/python3 with Pillow (Debian: python3-pil) and fonts-dejavu-core. Everything
# runs on a tmux server of its own (`tmux -L`), so other tmux sessions are never touched.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 BERTH_BINARY [ROOT_DIR]" >&2
    exit 2
fi
berth=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
socket=berth-shots-$$
session=shots
cols=120
rows=40
export LANG=C.UTF-8 LC_ALL=C.UTF-8
tmux() { command tmux -L "$socket" -f /dev/null "$@"; }

own_root=
if [ $# -eq 2 ]; then
    root=$2
    global="--root $root"
else
    own_root=/var/tmp/berth-shots-$$
    root=$own_root
    global="--root $root --cgroup-parent berth-shots-$$"
fi
b() { "$berth" $global "$@"; }

cleanup() {
    tmux kill-server 2>/dev/null || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$socket" # tmux leaves its socket file behind
    rm -f "$here/.capture.txt"
    if [ -n "$own_root" ]; then
        ids=$(b ps -a -q 2>/dev/null || true)
        [ -z "$ids" ] || b rm -f $ids >/dev/null || true
        b network rm 2>/dev/null || true # the root's own bridge, when the containers made one
        rm -rf "$own_root"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$own_root" ]; then
    b image import-busybox >/dev/null
    # Two replicas of a web service that log requests (and the odd slow one on stderr).
    for i in 1 2; do
        b run -d --name web-$i -l berth.service=web -m 64m --cpus 0.5 busybox sh -c '
            n=0; paths="/ /api/items /api/items/42 /static/app.js /healthz /api/orders /login"
            while true; do
                n=$((n+1))
                for p in $paths; do
                    [ $((n % 7)) -eq 0 ] && [ "$p" = /api/orders ] && { echo "slow request: POST $p took 1204ms" >&2; continue; }
                    echo "10.0.0.$((n % 9 + 2)) - - \"GET $p HTTP/1.1\" 200 $((n * 37 % 4000 + 120)) $((n % 13 + 1))ms"
                    sleep 0.$((n % 4 + 1))
                done
            done' >/dev/null
    done
    # A worker that burns CPU in bursts.
    b run -d --name worker --cpus 1 busybox sh -c '
        batch=0
        while true; do
            batch=$((batch+1)); i=0
            while [ $i -lt $((batch % 3 * 100000 + 80000)) ]; do i=$((i+1)); done
            echo "batch $batch: processed $((batch * 250 % 900 + 100)) jobs"
            sleep 1
        done' >/dev/null
    # A cache that holds about 40 MiB under a 96 MiB limit.
    b run -d --name cache -m 96m busybox sh -c '
        data=$(head -c 41943040 /dev/zero | tr "\0" x)
        echo "cache warmed: ${#data} bytes"
        n=0
        while true; do n=$((n+1)); echo "stats: keys=$((n * 13 + 2048)) hit-rate=9$((n % 10)).$((n % 7))%"; sleep 2; done' >/dev/null
    # A job that ran and failed.
    b run -d --name backup busybox sh -c '
        echo "backup: dumping 3 databases"; echo "backup: orders.db ok"
        echo "error: /backup: no space left on device" >&2; exit 1' >/dev/null
    sleep 1
fi

stop_server() { # and wait until it is gone, or the next new-session may reach the dying one
    tmux kill-server 2>/dev/null || true
    while tmux list-sessions >/dev/null 2>&1; do sleep 0.1; done
    sleep 0.2
}
start() { # start ENV... -- dashboard arguments...
    stop_server
    envs=
    while [ "$1" != -- ]; do envs="$envs $1"; shift; done
    shift
    tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
        "env TERM=xterm-256color $envs '$berth' $global top --all --interval 0.5 $*"
}
keys() { tmux send-keys -t "$session" "$@"; sleep 1; }
cmd() { tmux send-keys -t "$session" : ; tmux send-keys -t "$session" -l "$1"; tmux send-keys -t "$session" Enter; sleep 1; }
shot() { # shot NAME
    tmux capture-pane -t "$session" -p -e -N > "$here/.capture.txt"
    /usr/bin/python3 "$here/render.py" "$here/.capture.txt" "$here/$1.png" --cols "$cols" --rows "$rows"
    echo "wrote screenshots/$1.png"
}

start -- --theme default
sleep 40 # let the history graphs fill (80 samples)
keys G # the worker: the busiest graphs
shot overview
keys k Tab # the cache, detail pane focused
shot detail
keys g j 3 # the first web replica's log (g selects the web heading, j its first replica)
sleep 1
shot logs
keys T z
shot logs-fullscreen
keys z T 1 '?'
shot help
keys Escape
cmd 'sort cpu'
shot sorted-by-cpu
keys 5 # the images view
shot images
keys 1 g j i # the inspect view of the first web replica
shot inspect
keys Escape

# Every shipped theme, on the same live session (the graphs keep their history).
cmd 'sort name'
keys g j j # web-2 (g: the web heading)
for theme in default light high-contrast nord gruvbox solarized-dark; do
    cmd "theme $theme"
    shot "theme-$theme"
done

start NO_COLOR=1 -- --theme default
sleep 10
shot mono
# ASCII borders, glyphs and graphs. A non-UTF-8 LANG is not enough: the dashboard falls back to
# C.UTF-8, which glibc 2.35+ has built in; BERTH_ASCII asks for ASCII outright.
start BERTH_ASCII=1 -- --theme default
sleep 10
shot ascii
cols=80
rows=24
start -- --theme default
sleep 6
shot compact-80x24
