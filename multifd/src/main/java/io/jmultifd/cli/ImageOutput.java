package io.jmultifd.cli;

import io.jmultifd.multifd.BlockFactory;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code incoming --output IMAGE}: each received block is mapped straight from a temporary file next to IMAGE
 * (no copy after the migration), and only a COMPLETED migration renames the files to their final names: IMAGE
 * for a single block, IMAGE.&lt;block&gt; for several. A failed or cancelled migration leaves nothing under a final
 * name ({@link #discard()} removes the temporary files).
 *
 * <p>Block names come from the wire, so they are made safe for a file name (no path separators, no leading dot).
 */
final class ImageOutput {
    private final Path image;
    private final Map<String, Path> temporaries = new LinkedHashMap<>();
    private final Set<String> usedSuffixes = new HashSet<>();
    private final Map<String, String> suffixes = new LinkedHashMap<>();
    private boolean committed;

    ImageOutput(Path image) {
        this.image = image.toAbsolutePath().normalize();
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
     * Maps each block from a fresh temporary file (a stale one is removed first: the file must start sparse);
     * with {@code prealloc}, every page of it is backed before the migration writes to it.
     */
    BlockFactory blockFactory(boolean prealloc) {
        return (name, size, pageSize) -> {
            Path temporary;
            synchronized (this) {
                String suffix = safeSuffix(name);
                temporary = image.resolveSibling(image.getFileName() + "." + suffix + ".part");
                temporaries.put(name, temporary);
            }
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the stale " + temporary + ": " + e.getMessage(), e);
            }
            RamBlock block = RamBlock.mapFile(name, temporary, size, pageSize);
            if (prealloc) {
                block.touchEveryPage();
            }
            return block;
        };
    }

    /**
     * Flushes every block to its file and renames it to its final name; returns the written paths.
     * Call only after a COMPLETED migration, before the received memory is closed.
     */
    synchronized List<String> commit(GuestMemory received) {
        List<RamBlock> blocks = received.blocks();
        List<String> written = new ArrayList<>();
        for (RamBlock block : blocks) {
            Path temporary = temporaries.get(block.name());
            if (temporary == null) {
                throw new IllegalStateException("block " + block.name() + " was not written to a file");
            }
            if (block.memory().isMapped()) {
                block.memory().force();
            }
            Path target = blocks.size() == 1 ? image
                    : image.resolveSibling(image.getFileName() + "." + suffixes.get(block.name()));
            try {
                try {
                    Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot rename " + temporary + " to " + target + ": " + e.getMessage(), e);
            }
            temporaries.remove(block.name());
            written.add(target + " (" + block.size() + " bytes, block " + block.name() + ")");
        }
        committed = true;
        return written;
    }

    /** Removes the temporary files that were not committed. */
    synchronized void discard() {
        for (Path temporary : temporaries.values()) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // best effort: a leftover .part file never carries a final name
            }
        }
        temporaries.clear();
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
