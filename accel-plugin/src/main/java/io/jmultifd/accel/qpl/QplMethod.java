package io.jmultifd.accel.qpl;

import io.jmultifd.qpl.jobs.QplCalls;
import io.jmultifd.qpl.jobs.QplException;
import io.jmultifd.qpl.jobs.QplPath;
import io.jmultifd.spi.ChannelContext;
import io.jmultifd.spi.ChannelReceiver;
import io.jmultifd.spi.ChannelSender;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.MethodUnavailableException;
import io.jmultifd.spi.PageCodec;
import io.jmultifd.spi.TierStatus;
import io.jmultifd.sw.perpage.JavaDeflatePageCodec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The {@code qpl} method: every page its own raw DEFLATE stream, in this module's per-page packet format
 * ({@link PerPageFormat}), compressed on an IAA work queue (hardware: {@code jobs}' {@code HardwareBatchExecutor}),
 * on QPL's software path ({@code SoftwarePageExecutor}), or in pure Java (java: sw-fallback's
 * {@link JavaDeflatePageCodec}); each tier is a {@link PageCodec} of its own, used as it is.
 *
 * <p>The tier is chosen per channel at setup from {@code qpl-path}: {@code auto} takes hardware when a hardware
 * job initialises and accepts work, else software when libqpl loads and a software job works, else java, and
 * says once per process which and why. A channel whose own jobs fail to initialise although the process-wide
 * probe passed goes down a tier the same way. Pinning a tier that is unavailable is a
 * {@link MethodUnavailableException} naming the QPL status, or listing the places the loader tried.
 *
 * <p>This class loads without libqpl: nothing here touches the generated bindings before
 * {@code QplLibrary} has loaded the library.
 */
public final class QplMethod implements CompressionMethod {
    private final Supplier<QplEnvironment> environment;
    private final ChannelExecutors executors;

    /** The method as {@link java.util.ServiceLoader} makes it: the process-wide probe, the real bindings. */
    public QplMethod() {
        this(QplEnvironment::processWide, QplPath.HARDWARE, QplCalls::bindings);
    }

    /**
     * For tests: another environment (e.g. "libqpl not found"), the hardware tier's jobs on another path (software
     * jobs stand in for IAA), and wrapped calls (fault injection).
     */
    QplMethod(Supplier<QplEnvironment> environment, QplPath hardwareJobPath, Supplier<QplCalls> calls) {
        this(environment, ChannelExecutors.of(hardwareJobPath, calls));
    }

    /** For tests: another environment, and executors whose setup may fail. */
    QplMethod(Supplier<QplEnvironment> environment, ChannelExecutors executors) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.executors = Objects.requireNonNull(executors, "executors");
    }

    @Override
    public String name() {
        return "qpl";
    }

    @Override
    public String description() {
        return "per-page DEFLATE through Intel QPL: IAA hardware, QPL software, or pure Java (qpl-path)";
    }

    @Override
    public Map<String, String> parameterDefaults() {
        return QplSettings.defaults();
    }

    /**
     * Checks {@code qpl-path}, {@code qpl-submit-retries} and {@code qpl-huffman}. Returns no parameters: every
     * tier inflates every other tier's streams, fixed or dynamic Huffman, so the destination needs none of
     * them to decode.
     */
    @Override
    public Map<String, String> handshakeParameters(MethodParameters parameters) {
        QplSettings.from(parameters);
        return Map.of();
    }

    /** A pinned hardware or software path must be usable here (the same reasons channel setup gives). */
    @Override
    public void checkUsable(MethodParameters parameters) {
        QplSettings.PathChoice path = QplSettings.from(parameters).path();
        if (path == QplSettings.PathChoice.HARDWARE || path == QplSettings.PathChoice.SOFTWARE) {
            QplEnvironment env = environment.get();
            requireLibrary(env, path.word());
            requirePath(path == QplSettings.PathChoice.HARDWARE ? env.hardware() : env.software(), path.word());
        }
    }

    @Override
    public List<TierStatus> tiers() {
        QplEnvironment env = environment.get();
        return List.of(
                new TierStatus("hardware", env.hardware().available(), pathDetail(env.hardware())),
                new TierStatus("software", env.software().available(), pathDetail(env.software())),
                new TierStatus("java", true, "pure-Java raw DEFLATE, needs no native library"));
    }

    private static String pathDetail(QplEnvironment.PathCheck check) {
        return check.available() ? check.detail() + " (" + check.status() + ")" : check.detail();
    }

    /** What {@code jmultifd qpl-info} prints. */
    @Override
    public Map<String, String> diagnostics() {
        QplEnvironment env = environment.get();
        Map<String, String> d = new LinkedHashMap<>();
        d.put("library_path", env.libraryPath());
        d.put("library_source", env.librarySource());
        d.put("library_version", env.libraryVersion());
        d.put("bindings_version", io.jmultifd.qpl.QplLibrary.BINDINGS_VERSION);
        if (!env.library().available()) {
            d.put("library_search", env.library().describe());
        }
        d.put("hardware_status", env.hardware().status());
        d.put("hardware_detail", env.hardware().detail());
        d.put("software_status", env.software().status());
        d.put("software_detail", env.software().detail());
        return d;
    }

    @Override
    public ChannelSender newSender(ChannelContext context) {
        PageCodec codec = openCodec(context);
        try {
            return new PerPageSender(context, codec);
        } catch (RuntimeException | Error e) {
            codec.close();
            throw e;
        }
    }

    @Override
    public ChannelReceiver newReceiver(ChannelContext context) {
        PageCodec codec = openCodec(context);
        try {
            return new PerPageReceiver(context, codec);
        } catch (RuntimeException | Error e) {
            codec.close();
            throw e;
        }
    }

    /** The channel's tier, by {@code qpl-path}. */
    PageCodec openCodec(ChannelContext context) {
        QplSettings settings = QplSettings.from(context.parameters());
        QplEnvironment env = environment.get();
        return switch (settings.path()) {
            case JAVA -> javaCodec(context, settings);
            case SOFTWARE -> {
                requireLibrary(env, "software");
                requirePath(env.software(), "software");
                try {
                    yield softwareCodec(context, settings);
                } catch (QplException e) {
                    throw new MethodUnavailableException("qpl-path=software: software path unavailable: "
                            + e.getMessage(), e);
                }
            }
            case HARDWARE -> {
                requireLibrary(env, "hardware");
                requirePath(env.hardware(), "hardware");
                try {
                    yield hardwareCodec(context, settings);
                } catch (QplException e) {
                    throw new MethodUnavailableException("qpl-path=hardware: hardware path unavailable: "
                            + e.getMessage(), e);
                }
            }
            case AUTO -> autoCodec(context, settings, env);
        };
    }

    private PageCodec autoCodec(ChannelContext context, QplSettings settings, QplEnvironment env) {
        String hardwareWhy = env.hardware().available() ? null : env.hardware().detail();
        if (hardwareWhy == null) {
            try {
                PageCodec codec = hardwareCodec(context, settings);
                QplEnvironment.logOnce("qpl: using the hardware path (IAA) of " + env.libraryLine());
                return codec;
            } catch (QplException e) {
                // The probe worked but this channel's jobs did not (e.g. no work queue left): go down a tier.
                hardwareWhy = e.getMessage();
            }
        }
        String softwareWhy = env.library().available() ? env.software().detail() : env.library().describe();
        if (env.software().available()) {
            try {
                PageCodec codec = softwareCodec(context, settings);
                QplEnvironment.logOnce("qpl: hardware unavailable (" + hardwareWhy + "), using the software path of "
                        + env.libraryLine());
                return codec;
            } catch (QplException e) {
                // As for hardware: the probe's job worked, this channel's did not.
                softwareWhy = e.getMessage();
            }
        }
        QplEnvironment.logOnce("qpl: libqpl unusable, using the java tier (pure Java); software path: "
                + softwareWhy);
        return javaCodec(context, settings);
    }

    private static void requireLibrary(QplEnvironment env, String tier) {
        if (!env.library().available()) {
            throw new MethodUnavailableException("qpl-path=" + tier + ": " + tier + " path unavailable: "
                    + env.library().describe());
        }
    }

    private static void requirePath(QplEnvironment.PathCheck check, String tier) {
        if (!check.available()) {
            throw new MethodUnavailableException("qpl-path=" + tier + ": " + tier + " path unavailable: "
                    + check.detail());
        }
    }

    private PageCodec hardwareCodec(ChannelContext context, QplSettings settings) {
        return executors.hardware(context, settings);
    }

    private PageCodec softwareCodec(ChannelContext context, QplSettings settings) {
        return executors.software(context, settings);
    }

    private static PageCodec javaCodec(ChannelContext context, QplSettings settings) {
        return new JavaDeflatePageCodec(context.pageSize(), JavaDeflatePageCodec.DEFAULT_LEVEL, settings.huffman());
    }
}
