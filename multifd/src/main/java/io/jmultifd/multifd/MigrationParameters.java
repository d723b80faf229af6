package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.HugePagePolicy;
import io.jmultifd.multifd.guest.Sizes;
import io.jmultifd.multifd.tls.TlsSettings;
import io.jmultifd.multifd.verify.VerifyMode;
import io.jmultifd.multifd.wire.Capabilities;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodRegistry;

import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The parameters of one side of a migration, by QEMU's names where QEMU has one. Built with
 * {@link #from(Map)}, which rejects unknown names and bad values with an {@link IllegalArgumentException}
 * naming the parameter and the value.
 */
public final class MigrationParameters {
    public static final String CHANNELS = "multifd-channels";
    public static final String COMPRESSION = "multifd-compression";
    public static final String ZERO_PAGE = "multifd-zero-page";
    public static final String MAX_BANDWIDTH = "max-bandwidth";
    public static final String DOWNTIME_LIMIT = "downtime-limit";
    public static final String PAGE_SIZE = "page-size";
    public static final String PACKET_PAGES = "packet-pages";
    public static final String PEER_TIMEOUT = "peer-timeout";
    public static final String SETUP_TIMEOUT = "setup-timeout";
    public static final String CONVERGENCE_TIMEOUT = "convergence-timeout";
    public static final String FORCE_CONVERGE = "force-converge";
    public static final String MAX_GUEST_SIZE = "max-guest-size";
    public static final String PREALLOC = "prealloc";
    public static final String GUEST_HUGEPAGES = "guest-hugepages";
    public static final String MAPPED_RAM = "mapped-ram";
    public static final String DIRECT_IO = "direct-io";
    public static final String FREE_PAGE_HINT = "free-page-hint";
    public static final String POSTCOPY_RAM = "postcopy-ram";
    public static final String POSTCOPY_PREEMPT = "postcopy-preempt";
    public static final String POSTCOPY_PAUSE_TIMEOUT = "postcopy-pause-timeout";
    public static final String VERIFY = "verify";
    public static final String TLS_CREDS = TlsSettings.CREDS;
    public static final String TLS_HOSTNAME = TlsSettings.HOSTNAME;
    public static final String TLS_AUTHZ = TlsSettings.AUTHZ;
    public static final String TLS_VERIFY_PEER = TlsSettings.VERIFY_PEER;
    public static final String TLS_MIN_VERSION = TlsSettings.MIN_VERSION;

    /** Engine parameters and their defaults, in documentation order. */
    public static final Map<String, String> ENGINE_DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(CHANNELS, "2");
        d.put(COMPRESSION, "none");
        d.put(ZERO_PAGE, "multifd");
        d.put(MAX_BANDWIDTH, "0");
        d.put(DOWNTIME_LIMIT, "300");
        d.put(PAGE_SIZE, "4096");
        d.put(PACKET_PAGES, "128");
        d.put(PEER_TIMEOUT, "30000");
        d.put(SETUP_TIMEOUT, "10000");
        d.put(CONVERGENCE_TIMEOUT, "60000");
        d.put(FORCE_CONVERGE, "false");
        d.put(MAX_GUEST_SIZE, Long.toString(defaultMaxGuestSize()));
        d.put(PREALLOC, "false");
        d.put(GUEST_HUGEPAGES, "auto");
        d.put(MAPPED_RAM, "off");
        d.put(DIRECT_IO, "off");
        d.put(FREE_PAGE_HINT, "on");
        d.put(POSTCOPY_RAM, "off");
        d.put(POSTCOPY_PREEMPT, "off");
        d.put(POSTCOPY_PAUSE_TIMEOUT, "0");
        d.put(VERIFY, "inline");
        d.put(TLS_CREDS, "");
        d.put(TLS_HOSTNAME, "");
        d.put(TLS_AUTHZ, "");
        d.put(TLS_VERIFY_PEER, "on");
        d.put(TLS_MIN_VERSION, "1.3");
        ENGINE_DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> values;
    private final int channels;
    private final CompressionMethod method;
    private final Map<String, String> methodHandshake;
    private final ZeroPageMode zeroPageMode;
    private final long maxBandwidth;
    private final long downtimeLimitMs;
    private final int pageSize;
    private final int packetPages;
    private final long peerTimeoutMs;
    private final long setupTimeoutMs;
    private final long convergenceTimeoutMs;
    private final boolean forceConverge;
    private final long maxGuestSize;
    private final boolean prealloc;
    private final HugePagePolicy guestHugePages;
    private final boolean mappedRam;
    private final boolean directIo;
    private final boolean freePageHint;
    private final Capabilities capabilities;
    private final long postcopyPauseTimeoutMs;
    private final VerifyMode verify;
    private final TlsSettings tls;

    private MigrationParameters(Map<String, String> given) {
        Map<String, String> known = knownParameters();
        for (String name : given.keySet()) {
            if (!known.containsKey(name)) {
                throw new IllegalArgumentException("unknown parameter " + name + "; known: "
                        + String.join(", ", new TreeSet<>(known.keySet())));
            }
        }
        Map<String, String> v = new TreeMap<>(given);
        this.values = Collections.unmodifiableMap(v);
        this.channels = (int) number(CHANNELS, 1, 255);
        this.pageSize = (int) number(PAGE_SIZE, 512, 1 << 20);
        if (Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException(PAGE_SIZE + "=" + get(PAGE_SIZE) + ": must be a power of two");
        }
        this.packetPages = (int) number(PACKET_PAGES, 1, 4096);
        this.zeroPageMode = ZeroPageMode.parse(get(ZERO_PAGE));
        this.maxBandwidth = number(MAX_BANDWIDTH, 0, Long.MAX_VALUE);
        this.downtimeLimitMs = number(DOWNTIME_LIMIT, 0, 86_400_000L);
        this.peerTimeoutMs = number(PEER_TIMEOUT, 1, 86_400_000L);
        this.setupTimeoutMs = number(SETUP_TIMEOUT, 1, 86_400_000L);
        this.convergenceTimeoutMs = number(CONVERGENCE_TIMEOUT, 0, 86_400_000L);
        this.maxGuestSize = number(MAX_GUEST_SIZE, 1, Long.MAX_VALUE);
        this.forceConverge = bool(FORCE_CONVERGE);
        this.prealloc = bool(PREALLOC);
        this.guestHugePages = HugePagePolicy.parse(GUEST_HUGEPAGES, get(GUEST_HUGEPAGES));
        this.mappedRam = onOff(MAPPED_RAM);
        this.directIo = onOff(DIRECT_IO);
        this.freePageHint = onOff(FREE_PAGE_HINT);
        if (onOff(POSTCOPY_PREEMPT) && !onOff(POSTCOPY_RAM)) { // as QEMU: preempt is a mode of postcopy
            throw new IllegalArgumentException(POSTCOPY_PREEMPT + "=on needs " + POSTCOPY_RAM + "=on");
        }
        this.capabilities = new Capabilities(onOff(POSTCOPY_RAM), onOff(POSTCOPY_PREEMPT));
        this.postcopyPauseTimeoutMs = number(POSTCOPY_PAUSE_TIMEOUT, 0, 86_400_000L * 365);
        this.verify = VerifyMode.parse(VERIFY, get(VERIFY));
        this.tls = TlsSettings.parse(get(TLS_CREDS), get(TLS_HOSTNAME), get(TLS_AUTHZ), onOff(TLS_VERIFY_PEER),
                get(TLS_MIN_VERSION));
        this.method = CompressionMethods.find(get(COMPRESSION));
        // The method checks its own parameters and names the bad one.
        this.methodHandshake = Collections.unmodifiableMap(
                new TreeMap<>(method.handshakeParameters(methodParameters())));
    }

    private boolean bool(String name) {
        String v = get(name);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(name + "=" + v + ": must be one of [false, true]");
        }
        return v.equals("true");
    }

    /** QEMU's capability and parameter spelling: on/off (true/false accepted too). */
    private boolean onOff(String name) {
        return switch (get(name)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(name + "=" + get(name) + ": must be one of [off, on]");
        };
    }

    /** Validates and freezes the given parameters (missing ones take their defaults). */
    public static MigrationParameters from(Map<String, String> given) {
        return new MigrationParameters(given);
    }

    /** All defaults. */
    public static MigrationParameters defaults() {
        return from(Map.of());
    }

    /** A copy with some values replaced (validated again). */
    public MigrationParameters with(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        Map<String, String> m = new TreeMap<>(values);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return from(m);
    }

    /**
     * Every parameter name the engine or some method on the class path accepts, with its default. Each name has one
     * owner: a method that declares an engine parameter's name is an error naming both.
     */
    public static Map<String, String> knownParameters() {
        MethodRegistry methods = MethodRegistry.installed();
        methods.requireUndeclared(ENGINE_DEFAULTS.keySet(), "the engine");
        Map<String, String> known = new TreeMap<>(ENGINE_DEFAULTS);
        known.putAll(methods.parameterDefaults());
        return known;
    }

    private String get(String name) {
        String s = values.get(name);
        return s != null ? s : ENGINE_DEFAULTS.get(name);
    }

    /** A non-negative integer, sizes with their k/M/G/T suffix (powers of 1024) included. */
    private long number(String name, long min, long max) {
        String raw = get(name);
        long v;
        try {
            v = Sizes.parse(raw);
        } catch (Sizes.InvalidSize e) {
            throw new IllegalArgumentException(name + "=" + raw + ": " + e.problem().words());
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + "=" + raw + ": must be between " + min + " and " + max);
        }
        return v;
    }

    /** Where the JVM cannot tell the physical memory size. */
    static final long FALLBACK_MAX_GUEST_SIZE = 16L << 30;

    /**
     * Half the physical memory (the container's limit in a container), in whole pages of 4 KiB: a source that
     * nobody authenticated must not make the destination commit all of the host's memory; a larger guest
     * is the operator's explicit choice ({@code max-guest-size}).
     */
    static long defaultMaxGuestSize() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                long total = os.getTotalMemorySize();
                if (total > 0) {
                    return Math.max(4096, (total / 2) & ~4095L);
                }
            }
        } catch (RuntimeException | LinkageError ignored) {
            // fall through to a fixed cap
        }
        return FALLBACK_MAX_GUEST_SIZE;
    }

    /** Whether {@code name} was given (a default was not just taken). */
    public boolean given(String name) {
        return values.containsKey(name);
    }

    /** Every value, defaults included (engine parameters and the method's own). */
    public Map<String, String> toMap() {
        Map<String, String> m = new TreeMap<>(ENGINE_DEFAULTS);
        method.parameterDefaults().forEach(m::putIfAbsent);
        m.putAll(values);
        return m;
    }

    /** What the method sees: its own namespace, the parameters it declares, with their defaults filled in. */
    public MethodParameters methodParameters() {
        Map<String, String> m = new TreeMap<>(method.parameterDefaults());
        m.replaceAll((name, defaultValue) -> values.getOrDefault(name, defaultValue));
        return new MethodParameters(m);
    }

    public int channels() { return channels; }
    public CompressionMethod method() { return method; }
    public String methodName() { return method.name(); }
    /** The method's parameters that the decoder needs; carried by the handshake and compared. */
    public Map<String, String> methodHandshake() { return methodHandshake; }
    public ZeroPageMode zeroPageMode() { return zeroPageMode; }
    /** Bytes per second over all channels, 0 = unlimited. */
    public long maxBandwidth() { return maxBandwidth; }
    public long downtimeLimitMs() { return downtimeLimitMs; }
    public int pageSize() { return pageSize; }
    public int packetPages() { return packetPages; }
    public long peerTimeoutMs() { return peerTimeoutMs; }
    /** Bounds each wait for the peer during setup: connecting, the handshake and its answer, the data connections. */
    public long setupTimeoutMs() { return setupTimeoutMs; }
    public long convergenceTimeoutMs() { return convergenceTimeoutMs; }
    public boolean forceConverge() { return forceConverge; }
    /** Destination: the largest guest (sum of block sizes) it agrees to allocate. */
    public long maxGuestSize() { return maxGuestSize; }

    /** Destination: back received anonymous blocks with memory up front (QEMU's {@code -mem-prealloc}). */
    public boolean prealloc() { return prealloc; }

    /**
     * Anonymous guest RAM that this end allocates asks for transparent huge pages (as QEMU's RAM); each end's own,
     * not in the handshake.
     */
    public HugePagePolicy guestHugePages() { return guestHugePages; }

    /** Save to / restore from a {@code file:} endpoint with pages at fixed offsets (QEMU's mapped-ram capability). */
    public boolean mappedRam() { return mappedRam; }

    /** A {@code file:} endpoint's page I/O bypasses the page cache (O_DIRECT), QEMU's {@code direct-io}. */
    public boolean directIo() { return directIo; }
    /** Source: pages the guest hinted free go as FREE ranges, unread; both ends must agree (the handshake). */
    public boolean freePageHint() { return freePageHint; }
    /** When this side checks its whole memory against its page digests: after the handover, or before it. */
    public VerifyMode verify() { return verify; }

    /** {@code postcopy-ram} and {@code postcopy-preempt}: both ends must agree (the handshake). */
    public Capabilities capabilities() { return capabilities; }

    /** ms a side stays in postcopy-paused before it gives the guest up; 0 = until resumed or cancelled (QEMU's). */
    public long postcopyPauseTimeoutMs() { return postcopyPauseTimeoutMs; }

    /** TLS on every connection ({@code tls-creds} and the parameters that go with it); {@link TlsSettings#OFF} without. */
    public TlsSettings tls() { return tls; }

    @Override
    public String toString() {
        return toMap().toString().toLowerCase(Locale.ROOT);
    }
}
