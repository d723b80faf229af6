package io.jmultifd.cli;

import io.jmultifd.multifd.BlockFactory;
import io.jmultifd.multifd.guest.BackingFiles;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * {@code incoming --output IMAGE}: each received block is mapped straight from a staging file next to IMAGE (no
 * copy after the migration), and only a COMPLETED migration renames the files to their final names: IMAGE for a
 * single block, IMAGE.&lt;block&gt; for several. A failed or cancelled migration leaves nothing under a final
 * name ({@link #discard()} removes the staging files).
 *
 * <p>A staging name is never a final name: {@code .IMAGE.<block>~jmultifd-<pid>-<random>.part} carries a '~'
 * after IMAGE and a '.', and block names are made safe for a file name (no path separators, no leading dot) by
 * keeping only {@code [A-Za-z0-9._-]}. The random part makes it new for every run, so nothing is overwritten.
 * A file from an earlier run is deleted only when it has such a name for this IMAGE and no live run holds it
 * ({@link BackingFiles#deleteIfUnused}): the staging file of a run that died. Nothing else next to IMAGE is
 * removed, and only a COMPLETED migration replaces files under the final names.
 *
 * <p>Each staging file's disk space is reserved while the destination allocates the guest, before it accepts the
 * migration; that reservation is what keeps a full disk from faulting a write into the mapping later (see
 * {@link BackingFiles}). A disk without the room refuses the migration, naming IMAGE, the bytes needed and free.
 */
final class ImageOutput {
    private static final System.Logger LOG = System.getLogger(ImageOutput.class.getName());
    private static final String STAGING_MARK = "~jmultifd-";
    private static final String STAGING_END = ".part";

    private final Path image;
    private final BackingFiles files;
    private final String runId;
    private final Map<String, Staged> staged = new LinkedHashMap<>();
    private final Set<String> usedSuffixes = new HashSet<>();
    private final Map<String, String> suffixes = new LinkedHashMap<>();
    private long reservedBytes;
    private boolean staleRemoved;
    private boolean committed;

    /** A block's staging file and the reservation that marks it as in use. */
    private record Staged(Path path, BackingFiles.Reservation reservation) {}

    ImageOutput(Path image) {
        this(image, BackingFiles.system());
    }

    /** @param files how staging files are reserved and stale ones proven unused (tests inject a full disk) */
    ImageOutput(Path image, BackingFiles files) {
        this.image = image.toAbsolutePath().normalize();
        this.files = files;
        this.runId = ProcessHandle.current().pid() + "-"
                + String.format("%08x", ThreadLocalRandom.current().nextInt());
        if (Files.isDirectory(this.image)) {
            throw new IllegalArgumentException("is a directory; give a file name");
        }
        Path dir = this.image.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("directory " + dir + " is not writable");
        }
    }

    /**
     * Maps each block from a new staging file whose disk space is reserved first; with {@code prealloc}, every
     * page of the mapping is also touched before the migration writes to it.
     */
    BlockFactory blockFactory(boolean prealloc) {
        return (name, size, pageSize) -> {
            Path staging = stage(name, size);
            RamBlock block = RamBlock.mapFile(name, staging, size, pageSize);
            if (prealloc) {
                block.touchEveryPage(); // cannot fault: every block of the file is reserved
            }
            return block;
        };
    }

    /** Creates and reserves the staging file of a block; on failure the message names IMAGE, needed and free. */
    private synchronized Path stage(String name, long size) {
        if (!staleRemoved) {
            staleRemoved = true;
            removeStaleStagingFiles(); // before the free space is measured: what they held is free again
        }
        Path staging = image.resolveSibling("." + image.getFileName() + "." + safeSuffix(name) + STAGING_MARK
                + runId + STAGING_END);
        Path dir = staging.getParent();
        long free;
        try {
            free = files.usableBytes(dir);
        } catch (IOException e) {
            free = -1; // unknown: the reservation itself decides
        }
        if (free >= 0 && free < size) {
            throw new IllegalStateException("--output " + image + ": block " + name + " needs " + bytes(size)
                    + ", only " + bytes(free) + " free on " + dir + reservedBefore());
        }
        BackingFiles.Reservation reservation;
        try {
            reservation = files.create(staging, size);
        } catch (IOException e) {
            long freeNow;
            try {
                freeNow = files.usableBytes(dir);
            } catch (IOException unknown) {
                freeNow = -1;
            }
            throw new UncheckedIOException("--output " + image + ": cannot reserve the " + bytes(size)
                    + " that block " + name + " needs (" + (freeNow < 0 ? "free space unknown" : bytes(freeNow)
                    + " free") + " on " + dir + reservedBefore() + "): " + e.getMessage(), e);
        }
        staged.put(name, new Staged(staging, reservation));
        reservedBytes += size;
        return staging;
    }

    private String reservedBefore() {
        return reservedBytes == 0 ? "" : ", after the " + bytes(reservedBytes) + " reserved for the blocks before it";
    }

    private static String bytes(long n) {
        return n + " bytes (" + Reports.bytes(n) + ")";
    }

    /** Deletes the staging files of earlier runs for this IMAGE that no live run holds. */
    private void removeStaleStagingFiles() {
        Pattern staleName = Pattern.compile(Pattern.quote("." + image.getFileName() + ".")
                + "[A-Za-z0-9_-][A-Za-z0-9._-]*" + Pattern.quote(STAGING_MARK) + "[0-9]+-[0-9a-f]{8}"
                + Pattern.quote(STAGING_END));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(image.getParent())) {
            for (Path entry : entries) {
                if (!staleName.matcher(entry.getFileName().toString()).matches()) {
                    continue;
                }
                try {
                    if (files.deleteIfUnused(entry)) {
                        LOG.log(System.Logger.Level.INFO, "removed " + entry
                                + ", the staging file of an earlier run that did not finish");
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "left " + entry + " in place: " + e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot look for stale staging files next to " + image + ": "
                    + e.getMessage());
        }
    }

    /**
     * Flushes every block to its file and renames it to its final name; returns the written paths.
     * Call only after a COMPLETED migration, before the received memory is closed.
     */
    synchronized List<String> commit(GuestMemory received) {
        List<RamBlock> blocks = received.blocks();
        List<String> written = new ArrayList<>();
        for (RamBlock block : blocks) {
            Staged staging = staged.get(block.name());
            if (staging == null) {
                throw new IllegalStateException("block " + block.name() + " was not written to a file");
            }
            if (block.memory().isMapped()) {
                block.memory().force();
            }
            Path target = blocks.size() == 1 ? image
                    : image.resolveSibling(image.getFileName() + "." + suffixes.get(block.name()));
            try {
                try {
                    Files.move(staging.path(), target, StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(staging.path(), target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot rename " + staging.path() + " to " + target + ": "
                        + e.getMessage(), e);
            }
            staged.remove(block.name());
            staging.reservation().close(); // after the rename: a staging name is never free while in use
            written.add(target + " (" + block.size() + " bytes, block " + block.name() + ")");
        }
        committed = true;
        return written;
    }

    /** Removes the staging files that were not committed. */
    synchronized void discard() {
        for (Staged staging : staged.values()) {
            try {
                Files.deleteIfExists(staging.path());
            } catch (IOException ignored) {
                // a leftover staging file never carries a final name; a later run removes it
            } finally {
                staging.reservation().close();
            }
        }
        staged.clear();
    }

    boolean committed() {
        return committed;
    }

    /** A file-name-safe, unique suffix for a block name. */
    private String safeSuffix(String blockName) {
        String existing = suffixes.get(blockName);
        if (existing != null) {
            return existing;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < blockName.length() && sb.length() < 100; i++) {
            char c = blockName.charAt(i);
            sb.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || (c == '.' && i > 0) ? c : '_');
        }
        String base = sb.isEmpty() ? "block" : sb.toString();
        String suffix = base;
        for (int n = 2; !usedSuffixes.add(suffix); n++) {
            suffix = base + "-" + n;
        }
        suffixes.put(blockName, suffix);
        return suffix;
    }
}
