# shellcheck shell=bash
# TCP ports of the servers, all on 127.0.0.1. Sourced, not run; needs log.sh.

# port_valid N: true when N is a TCP port number (1-65535, no leading zero).
port_valid() { [[ "$1" =~ ^[1-9][0-9]{0,4}$ ]] && [ "$1" -le 65535 ]; }

# ports_busy PORT...: prints (one a line) those PORTs a process listens on at 127.0.0.1
# or 0.0.0.0, where a server of ours could not bind them (IPv4 listeners, from
# /proc/net/tcp; an IPv6 one may or may not be dual-stack, so it is not counted).
ports_busy() {
    local p want=" " hex
    for p in "$@"; do
        printf -v hex '%04X' "$p"
        want+="$hex "
    done
    awk -v want="$want" 'NR > 1 && $4 == "0A" {
        split($2, a, ":")
        if ((a[1] == "0100007F" || a[1] == "00000000") && index(want, " " a[2] " ")) print a[2]
    }' /proc/net/tcp 2>/dev/null | sort -u | while read -r hex; do echo $((16#$hex)); done
}

# ports_free HINT PORT...: dies unless every PORT is a port number that nothing listens
# on yet (ports_busy); HINT ends the message (where to set other ports).
ports_free() {
    local hint=$1 p busy
    shift
    for p in "$@"; do port_valid "$p" || die "bad port: '$p' (1-65535); $hint"; done
    busy=$(ports_busy "$@")
    [ -z "$busy" ] || die "port(s) ${busy//$'\n'/ } already in use on 127.0.0.1; $hint"
}
