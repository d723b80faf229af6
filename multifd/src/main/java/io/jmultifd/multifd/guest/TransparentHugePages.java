package io.jmultifd.multifd.guest;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.Libc;
import io.jmultifd.linux.VirtualMemory;
import io.jmultifd.linux.ffi.linux_h;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks the kernel to back anonymous guest RAM with transparent huge pages, as QEMU does for its RAM
 * ({@code madvise(MADV_HUGEPAGE)}): in THP's {@code madvise} mode (Debian's default) a 2 MiB page then takes one
 * page fault where 4 KiB pages take 512, which is most of what a destination's receive threads spend in the kernel
 * besides copying. Mappings are aligned to the huge page size so that all of them can be backed.
 *
 * <p>Where the kernel does not give huge pages (built without THP: madvise answers EINVAL; THP mode {@code never};
 * linux-bindings unavailable) memory stays on small pages: that is said once per instance, as information, and the
 * blocks report {@link HugePages#UNAVAILABLE}. Tests inject a kernel that refuses.
 */
public final class TransparentHugePages {
    private static final System.Logger LOG = System.getLogger(TransparentHugePages.class.getName());
    private static final Path SYSFS = Path.of("/sys/kernel/mm/transparent_hugepage");
    /** x86-64's PMD size, when sysfs does not say. */
    private static final long DEFAULT_SIZE = 2L << 20;
    private static final TransparentHugePages OFF = new TransparentHugePages(false, null, DEFAULT_SIZE, null);

    /** madvise(MADV_HUGEPAGE) over a mapping; replaced in tests. */
    @FunctionalInterface
    interface Advisor {
        void adviseHugePages(MemorySegment mapping) throws ErrnoException;
    }

    private final boolean asked;
    private final String mode; // the THP mode in effect (always, madvise, never), null when unknown
    private final long size;
    private final Advisor advisor;
    private final AtomicBoolean told = new AtomicBoolean();
    /** Why {@code auto} chose small pages, said by the first mapping that takes them; null otherwise. */
    private final String offBecause;

    private TransparentHugePages(boolean asked, String mode, long size, Advisor advisor) {
        this(asked, mode, size, advisor, null);
    }

    private TransparentHugePages(boolean asked, String mode, long size, Advisor advisor, String offBecause) {
        this.offBecause = offBecause;
        this.asked = asked;
        this.mode = mode;
        this.size = size;
        this.advisor = advisor;
    }

    private static final class Kernel { // read at first use
        static final TransparentHugePages INSTANCE = new TransparentHugePages(true,
                selected(read(SYSFS.resolve("enabled"))), pmdSize(read(SYSFS.resolve("hpage_pmd_size"))),
                mapping -> VirtualMemory.madvise(mapping, linux_h.MADV_HUGEPAGE()));
    }

    /** The kernel's transparent huge pages, asked for by every anonymous mapping ({@code guest-hugepages=on}). */
    public static TransparentHugePages system() {
        return Kernel.INSTANCE;
    }

    /**
     * Small pages ({@code guest-hugepages=off}): mappings are advised {@code MADV_NOHUGEPAGE}, also against THP mode
     * {@code always}; blocks report {@link HugePages#OFF}.
     */
    public static TransparentHugePages off() {
        return OFF;
    }

    /** {@link #system()} when {@code on}, else {@link #off()}. */
    public static TransparentHugePages of(boolean on) {
        return on ? system() : off();
    }

    /**
     * The {@code guest-hugepages} parameter: {@code auto} is {@link #system()} except on a virtual machine that
     * reports its free memory to the hypervisor, where it is {@link #off()} and says so once.
     */
    public static TransparentHugePages of(HugePagePolicy policy) {
        return of(policy, policy == HugePagePolicy.AUTO ? FreePageReporting.onThisMachine() : Optional.empty());
    }

    /** As {@link #of(HugePagePolicy)} on a machine whose free page reporting device is {@code reporting}. */
    static TransparentHugePages of(HugePagePolicy policy, Optional<Path> reporting) {
        return switch (policy) {
            case ON -> system();
            case OFF -> off();
            case AUTO -> reporting.map(TransparentHugePages::offForReporting).orElse(system());
        };
    }

    /** One per process: the first anonymous guest mapping says why it is on small pages. */
    private static final AtomicBoolean REPORTING_TOLD = new AtomicBoolean();

    private static TransparentHugePages offForReporting(Path features) {
        return new TransparentHugePages(false, null, DEFAULT_SIZE, null, "guest memory on small pages "
                + "(guest-hugepages=auto): this machine hands free memory back to its hypervisor (free page reporting, "
                + features + "), so each huge page would be a fresh host allocation at its first write; "
                + "guest-hugepages=on asks anyway");
    }

    /** A kernel in THP mode {@code mode} (null: unknown) whose madvise is {@code advisor}, for tests. */
    static TransparentHugePages forTest(String mode, Advisor advisor) {
        return new TransparentHugePages(true, mode, DEFAULT_SIZE, advisor);
    }

    /** Whether mappings ask for huge pages (and so are aligned to {@link #size()}). */
    boolean asked() {
        return asked;
    }

    /** The huge page size: what mappings that ask for them are aligned to. */
    long size() {
        return size;
    }

    /**
     * Asks for huge pages over a fresh anonymous mapping, or with {@code guest-hugepages=off} advises against them
     * ({@code MADV_NOHUGEPAGE}: THP mode {@code always} gives none either). Never fails: says once why they are
     * unavailable.
     */
    HugePages advise(MemorySegment mapping) {
        if (!asked) {
            if (offBecause != null && REPORTING_TOLD.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.INFO, offBecause);
            }
            try {
                VirtualMemory.madvise(mapping, linux_h.MADV_NOHUGEPAGE());
            } catch (ErrnoException e) {
                // a kernel without THP: small pages anyway
            }
            return HugePages.OFF;
        }
        if ("never".equals(mode)) {
            return unavailable("the kernel's transparent huge pages are off (" + SYSFS.resolve("enabled")
                    + " is [never])");
        }
        try {
            advisor.adviseHugePages(mapping);
            return HugePages.ON;
        } catch (ErrnoException e) {
            return unavailable("the kernel refused madvise(MADV_HUGEPAGE): " + Libc.strerror(e.errno())
                    + (e.errno() == linux_h.EINVAL() ? " (a kernel without transparent huge pages)" : ""));
        }
    }

    /** Asked for, not to be had: says why, once. */
    HugePages unavailable(String why) {
        if (told.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.INFO, "guest memory stays on small pages: " + why
                    + "; each page then costs a page fault when first written. guest-hugepages=off stops asking.");
        }
        return HugePages.UNAVAILABLE;
    }

    /** The word in brackets of a sysfs mode list ("always [madvise] never" gives madvise); null when none. */
    static String selected(String modes) {
        if (modes == null) {
            return null;
        }
        int open = modes.indexOf('[');
        int close = modes.indexOf(']', open + 1);
        return open >= 0 && close > open ? modes.substring(open + 1, close) : null;
    }

    private static long pmdSize(String text) {
        try {
            long v = text == null ? 0 : Long.parseLong(text.strip());
            return v > 0 && Long.bitCount(v) == 1 ? v : DEFAULT_SIZE;
        } catch (NumberFormatException e) {
            return DEFAULT_SIZE;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return null; // no THP in this kernel (or no sysfs): madvise answers for itself
        }
    }

    @Override
    public String toString() {
        return asked ? "transparent huge pages (mode " + mode + ", " + size + " bytes)" : "small pages";
    }
}
