package io.jmultifd.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU's rows of the snapshot benchmark: {@code bench/qemu-snapshot.sh run} saves and restores a guest whose RAM is
 * the guest image with the QEMU of a chroot (see that script and {@code bench/qemu_snapshot.py}), and prints one
 * line of key=value pairs, parsed here.
 */
final class QemuSnapshots {
    private final Path script;
    private final Path chroot;

    QemuSnapshots(Path repo, Path chroot) {
        this.script = repo.resolve("bench/qemu-snapshot.sh");
        this.chroot = chroot;
    }

    /** Why QEMU cannot run here, or null. */
    String problem() {
        if (!Files.isExecutable(script)) return script + " is missing or not executable";
        if (!Files.isDirectory(chroot)) return "no chroot " + chroot + " (bench/qemu-snapshot.sh setup " + chroot + ")";
        return null;
    }

    /** One save and restore; layout mapped-ram or stream (then channels and direct-io mean nothing to QEMU). */
    Map<String, Object> run(Path image, String sha256, Path dir, String layout, int channels, boolean directIo) {
        List<String> command = List.of(script.toString(), "run", chroot.toString(), image.toString(), sha256,
                dir.toString(), Integer.toString(channels), directIo ? "on" : "off", layout);
        Yardsticks.Outcome o = Yardsticks.command("qemu " + layout, command);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", String.join(" ", command));
        if (!o.ok()) {
            m.put("missing", o.problem());
            return m;
        }
        m.putAll(o.figures());
        return m;
    }
}
