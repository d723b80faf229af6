package io.jmultifd.cli;

import io.jmultifd.multifd.guest.AvailableMemory;
import io.jmultifd.multifd.guest.FreeList;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.SyntheticContent;
import io.jmultifd.multifd.guest.TransparentHugePages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Builds the source guest from {@code --synthetic} or {@code --source}; bad input is a usage error naming it. */
final class Guests {
    /** The name of the single block of a synthetic guest. */
    static final String SYNTHETIC_BLOCK = "synthetic";

    private Guests() {}

    static SyntheticContent.Spec parseSynthetic(CommandSpec spec, String text, int pageSize) {
        try {
            SyntheticContent.Spec parsed = SyntheticContent.Spec.parse(text);
            parsed.requirePageMultiple(pageSize);
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--synthetic " + text + ": " + e.getMessage());
        }
    }

    /**
     * A usage error, before anything is allocated, when {@code bytes} of guest memory exceed what is available:
     * filling more would get the process OOM-killed without a word. {@code what} says who needs them, e.g.
     * "--synthetic 1T:mixed: the guest needs ".
     */
    static void requireMemory(CommandSpec spec, String what, long bytes, AvailableMemory available) {
        if (bytes > available.bytes()) {
            throw new ParameterException(spec.commandLine(), what + bytes(bytes) + " of memory; this machine has "
                    + bytes(available.bytes()) + " available (" + available.source() + ")");
        }
    }

    private static String bytes(long n) {
        return n + " bytes (" + Reports.bytes(n) + ")";
    }

    /** Allocates and fills the guest (for a large guest this takes a while), on huge pages where the kernel has them. */
    static GuestMemory synthetic(SyntheticContent.Spec parsed, int pageSize, long seed) {
        return synthetic(parsed, pageSize, seed, TransparentHugePages.system());
    }

    /** Allocates and fills the guest, asking for huge pages as {@code hugePages} says. */
    static GuestMemory synthetic(SyntheticContent.Spec parsed, int pageSize, long seed, TransparentHugePages hugePages) {
        RamBlock block = anonymous(SYNTHETIC_BLOCK, parsed.size(), pageSize, hugePages, "the guest");
        try {
            SyntheticContent.fill(block.memory(), pageSize, parsed.mix(), seed);
            return withFreeList(GuestMemory.of(block), parsed, seed);
        } catch (RuntimeException | Error e) {
            block.close();
            throw e;
        }
    }

    /** With {@code free=PERCENT}, the guest gets its free list (the free pages keep their stale content). */
    static GuestMemory withFreeList(GuestMemory guest, SyntheticContent.Spec parsed, long seed) {
        if (parsed.freePercent() > 0) {
            FreeList.create(guest, parsed.freePercent(), seed);
        }
        return guest;
    }

    /**
     * One block per image, named after the file. Mapped (MAP_SHARED, no copy) when nothing writes to the guest;
     * copied into anonymous memory when a workload runs (it must not write into the user's files) or when the
     * file is read-only.
     */
    static GuestMemory images(CommandSpec spec, List<Path> images, int pageSize, boolean withWorkload,
            AvailableMemory available, TransparentHugePages hugePages) {
        Set<String> names = new HashSet<>();
        long copiedBytes = 0;
        for (Path image : images) {
            String problem = null;
            long size = -1;
            if (!Files.exists(image)) {
                problem = "no such file";
            } else if (!Files.isRegularFile(image)) {
                problem = "not a regular file";
            } else if (!Files.isReadable(image)) {
                problem = "not readable";
            } else {
                try {
                    size = Files.size(image);
                } catch (IOException e) {
                    problem = e.getMessage();
                }
                if (size == 0) {
                    problem = "empty file";
                } else if (size > 0 && size % pageSize != 0) {
                    problem = "size " + size + " is not a multiple of the page size " + pageSize;
                }
            }
            if (problem == null && !names.add(image.getFileName().toString())) {
                problem = "two images are called " + image.getFileName() + " (block names must differ)";
            }
            if (problem != null) {
                throw new ParameterException(spec.commandLine(), "--source " + image + ": " + problem);
            }
            if (copied(image, withWorkload)) {
                copiedBytes = copiedBytes > Long.MAX_VALUE - size ? Long.MAX_VALUE : copiedBytes + size;
            }
        }
        requireMemory(spec, withWorkload ? "--source: the images are copied into memory (a workload writes to the "
                + "guest) and need " : "--source: the read-only images are copied into memory and need ",
                copiedBytes, available);
        List<RamBlock> blocks = new ArrayList<>();
        try {
            for (Path image : images) {
                String name = image.getFileName().toString();
                long size = Files.size(image);
                if (!copied(image, withWorkload)) {
                    blocks.add(RamBlock.mapFile(name, image, size, pageSize));
                } else {
                    RamBlock block = anonymous(name, size, pageSize, hugePages, "--source " + image);
                    blocks.add(block);
                    readInto(image, block.memory());
                }
            }
            return GuestMemory.of(blocks);
        } catch (IOException e) {
            blocks.forEach(RamBlock::close);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            blocks.forEach(RamBlock::close);
            throw e;
        }
    }

    /** Whether an image is copied into anonymous memory rather than mapped. */
    private static boolean copied(Path image, boolean withWorkload) {
        return withWorkload || !Files.isWritable(image);
    }

    /**
     * Anonymous memory for a block (on huge pages as {@code guest-hugepages} says); a failure despite
     * {@link #requireMemory} (an address space limit, the heap for the dirty bitmap) is an error that says so, never
     * an OutOfMemoryError's stack trace.
     */
    static RamBlock anonymous(String name, long size, int pageSize, TransparentHugePages hugePages, String what) {
        try {
            return RamBlock.anonymous(name, size, pageSize, false, hugePages);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            throw new IllegalStateException("cannot allocate " + what + " of " + bytes(size) + ": "
                    + Main.describe(e));
        }
    }

    private static void readInto(Path image, MemorySegment memory) throws IOException {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
            long at = 0;
            long size = memory.byteSize();
            while (at < size) {
                ByteBuffer window = memory.asSlice(at, Math.min(size - at, 1L << 30)).asByteBuffer();
                while (window.hasRemaining()) {
                    if (channel.read(window, at + window.position()) < 0) {
                        throw new IOException(image + " became shorter while it was read");
                    }
                }
                at += window.capacity();
            }
        }
    }
}
