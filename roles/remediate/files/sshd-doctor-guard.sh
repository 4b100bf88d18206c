#!/bin/sh
# sshd.doctor remediate: the on-host half of a commit-confirmed change (POSIX sh, no Python).
#
#   guard.sh arm DIR TIMEOUT UNIT INIT SSHD CONFIG PRIVSEP LISTEN FILE...
#       take the host lock (/run/sshd-doctor.lock), copy every FILE (cp -a: owner, group, mode,
#       xattrs, SELinux context) into DIR, and start a timer that runs `fire DIR` after TIMEOUT s
#   guard.sh confirm DIR      the controller logged in anew: cancel the timer, release the lock
#   guard.sh rollback DIR WHY restore now (the controller saw a failure), cancel the timer
#   guard.sh fire DIR         the timer: restore, restart sshd, record why in DIR/undone
#   guard.sh restore DIR      put every file back as it was (used by rollback and fire)
#
# Restore writes the target of a symlink (the link stays a link) by renaming a cp -a copy of
# the backup next to it: the file is old or new, never torn. A file that did not exist before
# the run is removed. Files whose bytes are unchanged are left alone (mtime kept).
set -u
LOCK=/run/sshd-doctor.lock

die() { echo "sshd-doctor-guard: $*" >&2; exit 1; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
run_of() { basename "$1"; }

cancel_timer() {
    dir=$1
    if [ -f "$dir/timer.unit" ]; then
        systemctl stop "$(cat "$dir/timer.unit").timer" >/dev/null 2>&1
        systemctl reset-failed "$(cat "$dir/timer.unit").timer" "$(cat "$dir/timer.unit").service" >/dev/null 2>&1
    fi
    if [ -f "$dir/timer.pid" ]; then
        kill "$(cat "$dir/timer.pid")" >/dev/null 2>&1
    fi
    return 0
}

release_lock() {
    if [ "$(cat "$LOCK/run" 2>/dev/null)" = "$(run_of "$1")" ]; then
        rm -rf "$LOCK"
    fi
}

restore() {
    dir=$1
    [ -f "$dir/files" ] || return 0
    rc=0
    while IFS='	' read -r n real; do
        [ -n "$real" ] || continue
        if [ -f "$dir/f/$n.absent" ]; then
            if [ -e "$real" ]; then rm -f "$real" || rc=1; echo "removed $real"; fi
            continue
        fi
        if cmp -s "$dir/f/$n" "$real" 2>/dev/null; then
            # same bytes: put back owner, group and mode only if they drifted
            chown --reference="$dir/f/$n" "$real" 2>/dev/null
            chmod --reference="$dir/f/$n" "$real" 2>/dev/null
            continue
        fi
        tmp="$(dirname "$real")/.$(basename "$real").sshd-doctor-restore"
        if cp -a "$dir/f/$n" "$tmp" && mv -f "$tmp" "$real"; then
            echo "restored $real"
        else
            rm -f "$tmp"
            echo "cannot restore $real" >&2
            rc=1
        fi
    done < "$dir/files"
    return $rc
}

active() {
    if [ "$(cat "$1/init")" = systemd ]; then
        systemctl is-active --quiet "$(cat "$1/unit")"
    else
        service "$(cat "$1/unit")" status >/dev/null 2>&1
    fi
}

restart_sshd() {
    dir=$1; changed=$2
    [ "$(cat "$dir/was_active")" = yes ] || return 0
    unit=$(cat "$dir/unit")
    # nothing was put back and sshd still runs: nothing to restart
    if [ -z "$changed" ] && active "$dir"; then return 0; fi
    if [ "$(cat "$dir/init")" = systemd ]; then
        systemctl reset-failed "$unit" >/dev/null 2>&1
        systemctl restart "$unit" >/dev/null 2>&1
    else
        service "$unit" restart >/dev/null 2>&1
    fi
    sleep 1
    active "$dir" && { echo "restarted $unit"; return 0; }
    # The restored files do not start (a latent change that was already on disk before the
    # run, such as a ListenAddress on no interface): start sshd on the addresses it listened
    # on before the run, so the host is reachable again, and say so.
    listen=$(cat "$dir/listen" 2>/dev/null)
    [ -n "$listen" ] || { echo "cannot restart $unit" >&2; return 1; }
    set -- "$(cat "$dir/sshd")" -D -f "$(cat "$dir/config")"
    for a in $listen; do set -- "$@" -o "ListenAddress=$a"; done
    mkdir -p -m 0755 "$(cat "$dir/privsep")"
    if [ "$(cat "$dir/init")" = systemd ]; then
        systemd-run --unit="sshd-doctor-fallback-$(run_of "$dir")" --quiet "$@" || return 1
    else
        setsid nohup "$@" >/dev/null 2>&1 &
    fi
    sleep 1
    echo "$unit does not start with the restored files; started a fallback sshd on the listeners of before the run ($listen): sshd-doctor-fallback-$(run_of "$dir")"
    echo "fallback" > "$dir/fallback"
}

# Keep the newest SSHD_DOCTOR_KEEP finished backup sets (confirmed or undone) next to DIR.
prune() {
    keep=${SSHD_DOCTOR_KEEP:-10}
    parent=$(dirname "$1")
    ls -1 "$parent" | sort -r | while read -r name; do
        d="$parent/$name"
        [ "$d" = "$1" ] && continue
        [ -f "$d/confirmed" ] || [ -f "$d/undone" ] || continue
        keep=$((keep - 1))
        [ "$keep" -lt 0 ] && rm -rf "$d"
    done
    return 0
}

undo() {
    dir=$1; by=$2; why=$3
    restored=$(restore "$dir")
    out=$(printf '%s\n' "$restored"; restart_sshd "$dir" "$restored")
    printf '%s\t%s\t%s\t%s\n' "$(now)" "$by" "$why" "$(echo "$out" | tr '\n' ';')" > "$dir/undone"
    echo "$out"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: guard.sh arm|confirm|rollback|fire|restore DIR ..."
case $cmd in
arm)
    timeout=$3; unit=$4; init=$5; sshd=$6; config=$7; privsep=$8; listen=$9
    shift 9
    mkdir -p "$dir/f" || die "cannot create $dir"
    if ! mkdir "$LOCK" 2>/dev/null; then
        holder=$(cat "$LOCK/run" 2>/dev/null)
        hdir="$(dirname "$dir")/$holder"
        if [ -n "$holder" ] && [ ! -f "$hdir/confirmed" ] && [ ! -f "$hdir/undone" ] && [ -d "$hdir" ]; then
            rm -rf "$dir"
            die "another sshd.doctor remediate run ($holder, since $(cat "$LOCK/since" 2>/dev/null)) is changing this host: wait until it ends (its timer undoes it at the latest $(cat "$hdir/deadline" 2>/dev/null)); nothing was changed"
        fi
        rm -rf "$LOCK"; mkdir "$LOCK" || die "cannot take $LOCK"
    fi
    run_of "$dir" > "$LOCK/run"; now > "$LOCK/since"
    prune "$dir"
    echo "$unit" > "$dir/unit"; echo "$init" > "$dir/init"; echo "$sshd" > "$dir/sshd"
    echo "$config" > "$dir/config"; echo "$privsep" > "$dir/privsep"; echo "$listen" > "$dir/listen"
    if active "$dir"; then echo yes > "$dir/was_active"; else echo no > "$dir/was_active"; fi
    : > "$dir/files"
    n=0
    for path in "$@"; do
        n=$((n + 1))
        real=$(readlink -f "$path") || real=$path
        [ -n "$real" ] || real=$path
        if [ -e "$real" ]; then
            cp -a "$real" "$dir/f/$n" || { release_lock "$dir"; die "cannot back up $real into $dir"; }
        else
            : > "$dir/f/$n.absent"
        fi
        printf '%s\t%s\n' "$n" "$real" >> "$dir/files"
    done
    date -u -d "@$(( $(date +%s) + timeout ))" +%Y-%m-%dT%H:%M:%SZ > "$dir/deadline" 2>/dev/null
    if [ "$init" = systemd ] && command -v systemd-run >/dev/null 2>&1; then
        u="sshd-doctor-rollback-$(run_of "$dir")"
        systemd-run --unit="$u" --on-active="${timeout}s" --timer-property=AccuracySec=1s --quiet \
            /bin/sh "$dir/guard.sh" fire "$dir" || { release_lock "$dir"; die "systemd-run cannot arm the timer"; }
        echo "$u" > "$dir/timer.unit"
    else
        setsid nohup /bin/sh -c 'sleep "$1"; exec /bin/sh "$2/guard.sh" fire "$2"' sh "$timeout" "$dir" \
            >/dev/null 2>&1 < /dev/null &
        echo $! > "$dir/timer.pid"
    fi
    echo "armed: $dir, undone at $(cat "$dir/deadline") unless confirmed"
    ;;
confirm)
    if [ -f "$dir/undone" ]; then
        die "too late: the timer already undid this run's changes ($(cut -f1,3 "$dir/undone" | tr '\t' ' ')); raise remediate_confirm_timeout"
    fi
    cancel_timer "$dir"
    now > "$dir/confirmed"
    release_lock "$dir"
    echo "confirmed"
    ;;
rollback)
    cancel_timer "$dir"
    if [ -f "$dir/undone" ]; then cat "$dir/undone"; release_lock "$dir"; exit 0; fi
    undo "$dir" controller "${3:-failure seen by the controller}"
    rc=$?
    release_lock "$dir"
    exit $rc
    ;;
fire)
    [ -f "$dir/confirmed" ] && exit 0
    [ -f "$dir/undone" ] && exit 0
    undo "$dir" timer "not confirmed within the timeout (no new SSH login from the controller)"
    release_lock "$dir"
    ;;
restore)
    restore "$dir"
    ;;
*)
    die "unknown command $cmd"
    ;;
esac
