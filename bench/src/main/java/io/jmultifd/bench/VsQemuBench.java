package io.jmultifd.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --vs-qemu}: jmultifd against QEMU on the same guest image over loopback TCP (issue 11). For each method
 * and channel count, {@code repetitions} rounds of QEMU on this machine (Debian 12's), QEMU in the chroot (Debian
 * unstable's) and jmultifd, one after the other, so that a drift in the shared machine's load hits all three; then
 * jmultifd's {@code qpl} (software path) alternating with its own {@code zstd}, unlimited and at 1 Gbit/s.
 * {@link VsQemuReport} turns the runs into medians, ratios and the goal table.
 */
final class VsQemuBench {
    /** 1 Gbit/s in max-bandwidth's bytes per second. */
    static final long ONE_GBIT = 125_000_000L;

    record Settings(Path image, long guestBytes, Path work, Path repo, Path chroot, int repetitions, List<String> methods,
                    List<Integer> channels, int settleSeconds) {}

    private final Settings s;
    private final List<String> failures;

    VsQemuBench(Settings s, List<String> failures) {
        this.s = s;
        this.failures = failures;
    }

    Map<String, Object> run() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("guest_bytes", s.guestBytes());
        settings.put("repetitions", s.repetitions());
        settings.put("methods", s.methods());
        settings.put("channels", s.channels());
        settings.put("qemu_max_bandwidth", QemuMigration.MAX_BANDWIDTH);
        settings.put("qemu_chroot", s.chroot().toString());
        settings.put("settle_seconds", s.settleSeconds());
        out.put("settings", settings);
        List<Map<String, Object>> runs = new ArrayList<>();
        out.put("runs", runs);
        List<QemuMigration.Install> installs = List.of(QemuMigration.Install.host(),
                QemuMigration.Install.inChroot(s.repo(), s.chroot()));
        JmultifdMigration jmultifd = new JmultifdMigration(s.repo(), s.image());
        for (String method : s.methods()) {
            for (int ch : s.channels()) {
                for (int rep = 1; rep <= s.repetitions(); rep++) {
                    for (QemuMigration.Install install : installs) {
                        runs.add(qemu(install, method, ch, rep));
                    }
                    runs.add(jmultifd(jmultifd, method, ch, 0, rep));
                }
            }
        }
        for (int ch : s.channels()) {
            for (long bw : List.of(0L, ONE_GBIT)) {
                for (int rep = 1; rep <= s.repetitions(); rep++) {
                    runs.add(tagged(jmultifd(jmultifd, "zstd", ch, bw, rep), "qpl"));
                    runs.add(tagged(jmultifd(jmultifd, "qpl-software", ch, bw, rep), "qpl"));
                }
            }
        }
        VsQemuReport.derive(out);
        return out;
    }

    private Map<String, Object> qemu(QemuMigration.Install install, String method, int channels, int rep) {
        Map<String, Object> r = key("qemu:" + (install.chroot() == null ? "host" : "chroot"), method, channels,
                QemuMigration.MAX_BANDWIDTH, rep);
        String what = String.format(Locale.ROOT, "QEMU (%s) %s ch=%d rep %d", install.name(), method, channels, rep);
        try {
            settle();
            QemuMigration.Outcome o = new QemuMigration(install, s.image(), s.guestBytes(), s.work()).run(method, channels);
            r.putAll(o.toMap());
            if (o.error() != null) failures.add(what + ": " + o.error());
            System.out.printf(Locale.ROOT, "  %s: QEMU %s %s, %d ms, downtime %d ms, CPU %.2f + %.2f s%n", what,
                    o.qemuVersion(), o.source().status(), o.source().totalTimeMs(), o.source().downtimeMs(),
                    o.cpuSourceSeconds(), o.cpuDestinationSeconds());
        } catch (Exception e) {
            r.put("error", GuestImageBuilder.reason(e));
            failures.add(what + ": " + GuestImageBuilder.reason(e));
            System.out.println("  " + what + ": FAILED: " + GuestImageBuilder.reason(e));
        }
        return r;
    }

    private Map<String, Object> jmultifd(JmultifdMigration jmultifd, String variant, int channels, long bandwidth, int rep) {
        Map<String, Object> r = key("jmultifd", variant, channels, bandwidth, rep);
        String what = String.format(Locale.ROOT, "jmultifd %s ch=%d bw=%s rep %d", variant, channels,
                bandwidth == 0 ? "unlimited" : bandwidth + " B/s", rep);
        try {
            settle();
            JmultifdMigration.Outcome o = jmultifd.run(MethodVariant.of(variant), channels, bandwidth);
            r.putAll(o.toMap());
            if (o.error() != null) {
                failures.add(what + ": " + o.error());
                System.out.println("  " + what + ": FAILED: " + o.error());
            } else {
                System.out.printf(Locale.ROOT, "  %s: %s, %d ms, downtime %d ms, CPU %.2f s (both JVMs)%n", what,
                        o.source().status(), o.source().totalTimeMs(), o.source().downtimeMs(), o.cpuSeconds());
            }
        } catch (Exception e) {
            r.put("error", GuestImageBuilder.reason(e));
            failures.add(what + ": " + GuestImageBuilder.reason(e));
            System.out.println("  " + what + ": FAILED: " + GuestImageBuilder.reason(e));
        }
        return r;
    }

    /**
     * Idles before a migration: the previous one's memory is freed by then and, on a VM with free page reporting,
     * handed back to the host, so no tool gets a guest backed by what the one before it just freed.
     */
    private void settle() throws InterruptedException {
        Thread.sleep(s.settleSeconds() * 1000L);
    }

    private static Map<String, Object> key(String who, String method, int channels, long bandwidth, int rep) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("who", who);
        r.put("method", method);
        r.put("channels", channels);
        r.put("max_bandwidth", bandwidth);
        r.put("repetition", rep);
        return r;
    }

    private static Map<String, Object> tagged(Map<String, Object> run, String block) {
        run.put("block", block);
        return run;
    }
}
