#!/usr/bin/env python3
"""Saves and restores a guest whose RAM is a guest image with QEMU, and times both; run by bench/qemu-snapshot.sh
inside the chroot that holds QEMU (standard library only).

usage: qemu_snapshot.py IMAGE SHA256 WORKDIR CHANNELS DIRECT_IO LAYOUT
  LAYOUT mapped-ram: capabilities mapped-ram + multifd, multifd-channels CHANNELS, direct-io DIRECT_IO (on|off),
                     migrate file:WORKDIR/qemu.snap, restore with -incoming defer + migrate-incoming file:...
  LAYOUT stream:     no capability, migrate exec:cat > WORKDIR/qemu.stream (one sequential stream),
                     restore with migrate-incoming exec:cat WORKDIR/qemu.stream (CHANNELS, DIRECT_IO ignored)

The guest: -machine none with one RAM block, a memory-backend-file over IMAGE (share=off, prealloc=on: QEMU
copies the image into its own anonymous memory before the save, as a running guest's RAM), paused (-S). The page
cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before the save and before the restore when this runs
as root. Restore target: a memory-backend-ram of the same size (lazy, as jmultifd's default destination). After the
restore, pmemsave streams the restored RAM through a FIFO into SHA-256, compared with SHA256 (not timed).

Prints one line of key=value pairs: qemu=VERSION save_s=... save_completed_s=... save_sync_s=... restore_s=...
file_bytes=... allocated_bytes=... sha256_match=true|false caches_dropped=true|false total_time_ms=...
"""
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time

QEMU = "qemu-system-x86_64"


class Qmp:
    """A QMP client on a unix socket: commands in order, events kept for wait_event."""

    def __init__(self, path, timeout=600):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError("QMP socket " + path + " did not open")
                time.sleep(0.05)
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self.events = []
        greeting = self._read()
        self.version = greeting["QMP"]["version"]["qemu"]
        self.package = greeting["QMP"]["version"].get("package", "")
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.reader.readline()
        if not line:
            raise RuntimeError("QEMU closed its QMP socket")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall((json.dumps(msg) + "\n").encode())
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise RuntimeError(name + " " + json.dumps(args) + ": " + r["error"]["desc"])
            return r["return"]

    def wait_migration(self):
        """Waits for the MIGRATION event that ends the migration; returns its status."""
        while True:
            for e in self.events:
                if e["event"] == "MIGRATION" and e["data"]["status"] in ("completed", "failed", "cancelled"):
                    self.events.remove(e)
                    return e["data"]["status"]
            self.events = [e for e in self.events if e["event"] != "MIGRATION"]
            r = self._read()
            if "event" in r:
                self.events.append(r)


def drop_caches():
    subprocess.run(["sync"], check=True)
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def start_qemu(workdir, name, size, backend, extra):
    sock = os.path.join(workdir, "qmp-" + name + ".sock")
    if os.path.exists(sock):
        os.unlink(sock)
    log = open(os.path.join(workdir, "qemu-" + name + ".log"), "w")
    argv = [QEMU, "-nodefaults", "-display", "none", "-machine", "none,memory-backend=m", "-m", "%dM" % (size >> 20),
            "-object", backend, "-S", "-qmp", "unix:" + sock + ",server=on,wait=off"] + extra
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        return proc, Qmp(sock)
    except Exception:
        proc.kill()
        proc.wait()
        log.close()
        with open(os.path.join(workdir, "qemu-" + name + ".log")) as f:
            raise RuntimeError("QEMU did not start: " + " ".join(argv) + ": " + f.read().strip())


def stop_qemu(proc, qmp):
    try:
        qmp.cmd("quit")
    except Exception:
        pass
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def configure(qmp, layout, channels, direct_io):
    caps = [{"capability": "events", "state": True}]
    if layout == "mapped-ram":
        caps += [{"capability": "mapped-ram", "state": True}, {"capability": "multifd", "state": True}]
    qmp.cmd("migrate-set-capabilities", capabilities=caps)
    if layout == "mapped-ram":
        qmp.cmd("migrate-set-parameters", **{"multifd-channels": channels, "direct-io": direct_io == "on"})


def sha256_of_ram(qmp, workdir, size):
    fifo = os.path.join(workdir, "qemu-ram.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    digest = hashlib.sha256()
    got = {}

    def read():
        with open(fifo, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                got["bytes"] = got.get("bytes", 0) + len(b)
                digest.update(b)

    t = threading.Thread(target=read)
    t.start()
    qmp.cmd("pmemsave", val=0, size=size, filename=fifo)
    t.join()
    os.unlink(fifo)
    if got.get("bytes", 0) != size:
        raise RuntimeError("pmemsave gave %d bytes of %d" % (got.get("bytes", 0), size))
    return digest.hexdigest()


def main(argv):
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    image, sha, workdir, channels, direct_io, layout = argv[1], argv[2], argv[3], int(argv[4]), argv[5], argv[6]
    if layout not in ("mapped-ram", "stream") or direct_io not in ("on", "off"):
        print(__doc__, file=sys.stderr)
        return 2
    size = os.path.getsize(image)
    if size % (1 << 20):
        raise RuntimeError("the image must be a multiple of 1 MiB (-m takes MiB): %d bytes" % size)
    target = os.path.join(workdir, "qemu.snap" if layout == "mapped-ram" else "qemu.stream")
    uri = "file:" + target if layout == "mapped-ram" else "exec:cat > " + target
    incoming = "file:" + target if layout == "mapped-ram" else "exec:cat " + target
    if os.path.exists(target):
        os.unlink(target)
    out = {}

    # Save.
    proc, qmp = start_qemu(workdir, "src", size,
                           "memory-backend-file,id=m,mem-path=%s,size=%d,share=off,prealloc=on" % (image, size), [])
    try:
        out["qemu"] = "%d.%d.%d" % (qmp.version["major"], qmp.version["minor"], qmp.version["micro"])
        configure(qmp, layout, channels, direct_io)
        dropped = drop_caches()
        t0 = time.monotonic()
        qmp.cmd("migrate", uri=uri)
        status = qmp.wait_migration()
        t1 = time.monotonic()
        info = qmp.cmd("query-migrate")
        if status != "completed":
            raise RuntimeError("save " + status + ": " + info.get("error-desc", json.dumps(info)))
        # QEMU reports completed before the file's pages are on disk unless they went there by O_DIRECT; fsync
        # so that the save time covers what jmultifd's save does (its completion record is written last, synced).
        fd = os.open(target, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        t2 = time.monotonic()
        out["save_s"] = round(t2 - t0, 3)
        out["save_completed_s"] = round(t1 - t0, 3)
        out["save_sync_s"] = round(t2 - t1, 3)
        out["total_time_ms"] = info.get("total-time", -1)
        out["transferred_bytes"] = info.get("ram", {}).get("transferred", -1)
    finally:
        stop_qemu(proc, qmp)
    st = os.stat(target)
    out["file_bytes"] = st.st_size
    out["allocated_bytes"] = st.st_blocks * 512

    # Restore.
    extra = ["-incoming", "defer"]
    proc, qmp = start_qemu(workdir, "dst", size, "memory-backend-ram,id=m,size=%d" % size, extra)
    try:
        configure(qmp, layout, channels, direct_io)
        dropped = drop_caches() and dropped
        t0 = time.monotonic()
        qmp.cmd("migrate-incoming", uri=incoming)
        status = qmp.wait_migration()
        t1 = time.monotonic()
        if status != "completed":
            info = qmp.cmd("query-migrate")
            raise RuntimeError("restore " + status + ": " + info.get("error-desc", json.dumps(info)))
        out["restore_s"] = round(t1 - t0, 3)
        out["sha256_match"] = str(sha256_of_ram(qmp, workdir, size) == sha).lower()
    finally:
        stop_qemu(proc, qmp)
    out["caches_dropped"] = str(dropped).lower()
    os.unlink(target)
    for name in ("src", "dst"):
        os.unlink(os.path.join(workdir, "qemu-" + name + ".log"))
    print(" ".join("%s=%s" % (k, v) for k, v in out.items()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except RuntimeError as e:
        print("qemu_snapshot: " + str(e), file=sys.stderr)
        sys.exit(1)
