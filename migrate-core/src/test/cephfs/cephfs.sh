#!/usr/bin/env bash
# The project's CephFS fixture (issue #21): a one-host Ceph cluster on 127.0.0.1 (one mon, one
# memstore OSD, one MDS, no mgr) and the filesystem mounted twice with ceph-fuse under two client
# ids: two independent clients with their own caches, as two hosts would be. Used by the Maven
# profile `cephfs` (CephFsIT); never by the per-commit CI.
#
#   cephfs.sh start     installs the Debian packages if missing (root), starts, mounts A and B
#   cephfs.sh stop      unmounts, stops the processes (by PID, newest first), wipes the state
#
# Environment (all optional):
#   CEPHFS_DIR       state directory             (default /tmp/migrate-cephfs)
#   MNT_A / MNT_B    mount points                (default $CEPHFS_DIR-mnt/a, $CEPHFS_DIR-mnt/b)
#   MON_V2_PORT / MON_V1_PORT  mon ports         (default 13340 / 16840: apart from the RGW fixture's 13300/16789)
#   MEMSTORE_BYTES   memstore capacity           (default 2 GiB)
#   MDS_TICK         mds tick interval, seconds  (default 5, Ceph's own default; the docs recommend 0.05)
set -euo pipefail

D=${CEPHFS_DIR:-/tmp/migrate-cephfs}
MNT_A=${MNT_A:-$D-mnt/a}
MNT_B=${MNT_B:-$D-mnt/b}
MON_V2_PORT=${MON_V2_PORT:-13340}
MON_V1_PORT=${MON_V1_PORT:-16840}
MEMSTORE_BYTES=${MEMSTORE_BYTES:-2147483648}
MDS_TICK=${MDS_TICK:-5}

stop() {
    [ -f "$D/mounts" ] && while read -r _ mp; do
        if mountpoint -q "$mp"; then
            umount "$mp" 2>/dev/null || fusermount3 -u "$mp" 2>/dev/null || fusermount -u "$mp" 2>/dev/null || umount -l "$mp"
            echo "unmounted $mp"
        fi
    done < "$D/mounts"
    rm -f "$D/mounts"
    [ -f "$D/pids" ] || { echo "no $D/pids: nothing to stop"; return 0; }
    tac "$D/pids" | while read -r name pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            kill -0 "$pid" 2>/dev/null && { echo "$name ($pid) did not stop: KILL"; kill -KILL "$pid"; }
            echo "stopped $name ($pid)"
        fi
    done
    rm -f "$D/pids"
    [ "${KEEP:-0}" = 1 ] || rm -rf "$D"
}

case "${1:-}" in
    start) ;;
    stop) stop; exit 0 ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- packages
need=""
for b in ceph-mon ceph-osd ceph-mds ceph-fuse ceph ceph-authtool monmaptool uuidgen; do command -v $b >/dev/null || need=1; done
if [ -n "$need" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "missing Ceph packages; run as root to install them" >&2; exit 1; }
    echo "installing Debian packages (ceph-mon ceph-osd ceph-mds ceph-fuse ceph-common uuid-runtime fuse3)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends ceph-mon ceph-osd ceph-mds ceph-fuse ceph-common uuid-runtime fuse3 >/dev/null
fi

t0=$(date +%s%N)
stamp() { echo "[$(( ($(date +%s%N) - t0) / 1000000 )) ms] $*"; }

stamp "$(ceph --version)"

if [ -e "$D/pids" ]; then
    echo "$D/pids exists: run $0 stop first" >&2; exit 1
fi
rm -rf "$D"; mkdir -p "$D"/{log,run,mon.a,osd.0,mds.a}
: > "$D/pids"

FSID=$(uuidgen)
CONF=$D/ceph.conf
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
log to stderr = false
err to stderr = true
debug ms = 0
mon data = $D/mon.\$id
osd data = $D/osd.\$id
mds data = $D/mds.\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon max pg per osd = 1000
mon osd down out interval = 0
osd op num shards = 1
osd op num threads per shard = 2
mds tick interval = $MDS_TICK

[mon]
mon initial members = a
mon cluster log file = $D/log/cluster.log
EOF

# ---------------------------------------------------------------- keys (one keyring, all entities)
K=$D/keyring
ceph-authtool --create-keyring "$K" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n mds.a --cap mon 'allow profile mds' --cap mgr 'allow profile mds' --cap osd 'allow rwx' --cap mds 'allow *' >/dev/null
for c in n1 n2; do
    ceph-authtool "$K" --gen-key -n client.$c --cap mon 'allow r' --cap mds 'allow rw' --cap osd 'allow rw' >/dev/null
done

C="ceph -c $CONF"
start_bg() { # name, command...  (foreground daemon in background; PID recorded)
    local name=$1; shift
    nohup "$@" > "$D/log/$name.out" 2>&1 &
    echo "$name $!" >> "$D/pids"
}

# ---------------------------------------------------------------- mon
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]" "$D/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" --keyring "$K"
start_bg mon.a ceph-mon -c "$CONF" -i a -f
for i in $(seq 1 60); do $C -s >/dev/null 2>&1 && break; sleep 0.5; done
$C -s >/dev/null
stamp "mon up"

# ---------------------------------------------------------------- osd (memstore)
OSD_UUID=$(uuidgen)
OSD_ID=$($C osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || { echo "unexpected osd id $OSD_ID" >&2; exit 1; }
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" > "$D/log/osd-mkfs.out" 2>&1
start_bg osd.0 ceph-osd -c "$CONF" -i 0 -f
for i in $(seq 1 120); do
    $C osd stat 2>/dev/null | grep -q "1 up" && break; sleep 0.5
done
$C osd stat | grep -q "1 up" || { echo "osd did not come up" >&2; tail -20 "$D/log/osd.0.log" >&2; exit 1; }
stamp "osd up ($($C osd stat))"

# ---------------------------------------------------------------- filesystem (no mgr: pools + fs new)
$C osd pool create cephfs_metadata 8 8 >/dev/null 2>&1
$C osd pool create cephfs_data 8 8 >/dev/null 2>&1
$C fs new cephfs cephfs_metadata cephfs_data >/dev/null 2>&1
stamp "fs created: $($C fs ls 2>&1)"

# ---------------------------------------------------------------- mds
start_bg mds.a ceph-mds -c "$CONF" -i a -f
for i in $(seq 1 120); do
    $C mds stat 2>/dev/null | grep -q "up:active" && break; sleep 0.5
done
$C mds stat | grep -q "up:active" || { echo "mds not active: $($C mds stat)" >&2; tail -30 "$D/log/mds.a.log" >&2; exit 1; }
stamp "mds active ($($C mds stat))"

# ---------------------------------------------------------------- two ceph-fuse clients
mountit() { # client id, mount point
    local id=$1 mp=$2
    mkdir -p "$mp"
    mountpoint -q "$mp" && { echo "$mp already mounted" >&2; exit 1; }
    start_bg "fuse.$id" ceph-fuse -c "$CONF" --id "$id" -f "$mp"
    for i in $(seq 1 60); do mountpoint -q "$mp" && break; sleep 0.5; done
    mountpoint -q "$mp" || { echo "ceph-fuse $id did not mount $mp" >&2; cat "$D/log/fuse.$id.out" >&2; tail -20 "$D/log/client.$id.log" >&2; exit 1; }
    echo "mount $mp" >> "$D/mounts"
}
mountit n1 "$MNT_A"
mountit n2 "$MNT_B"
stamp "mounted: $(findmnt -n -o TARGET,FSTYPE "$MNT_A") / $(findmnt -n -o TARGET,FSTYPE "$MNT_B")"

# sanity: write through A, read through B
echo "hello $FSID" > "$MNT_A/.probe-$$"
sleep 0.2
[ "$(cat "$MNT_B/.probe-$$")" = "hello $FSID" ] || { echo "A->B visibility check failed" >&2; exit 1; }
rm -f "$MNT_A/.probe-$$"
stamp "A->B visibility ok; $($C fs status cephfs 2>/dev/null | head -3 | tail -1 || true)"

cat > "$D/env" <<EOF
CEPH_CONF=$CONF
MNT_A=$MNT_A
MNT_B=$MNT_B
EOF
cat "$D/env"
echo "pids:"; cat "$D/pids"
ps -o pid,rss,vsz,comm -p "$(awk '{print $2}' "$D/pids" | paste -sd,)"
