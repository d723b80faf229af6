package io.jmultifd.multifd.transport;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.LongAdder;

/**
 * The file transport: one snapshot file, written and read with positioned I/O from many threads at once
 * (QEMU's QIOChannelFile with pwritev/preadv). Two channels on the file: {@link #pages()} for page data, opened
 * with O_DIRECT when asked ({@code direct-io=on}: buffers, offsets and lengths aligned to
 * {@link #IO_ALIGNMENT}), and {@link #metadata()}, buffered, for the header, tables and completion record, which
 * lie in their own 1 MiB-aligned area so that the two never share a cached page. Closing it from another thread
 * makes blocked reads and writes return with an exception.
 */
public final class PageFile implements AutoCloseable {
    /** O_DIRECT transfers are multiples of this, at offsets and addresses that are. */
    public static final int IO_ALIGNMENT = 4096;

    private final Path path;
    private final FileChannel metadata;
    private final FileChannel pages;
    private final boolean direct;
    private final LongAdder written = new LongAdder();
    private final LongAdder read = new LongAdder();

    private PageFile(Path path, FileChannel metadata, FileChannel pages, boolean direct) {
        this.path = path;
        this.metadata = metadata;
        this.pages = pages;
        this.direct = direct;
    }

    /** A new, empty file (an existing one is replaced) of {@code length} bytes, all a hole. */
    public static PageFile create(Path path, boolean direct, long length) throws IOException {
        FileChannel meta = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
                raf.setLength(length); // ftruncate: sparse, nothing allocated
            }
            return new PageFile(path, meta, openPages(path, direct, StandardOpenOption.WRITE), direct);
        } catch (IOException | RuntimeException e) {
            meta.close();
            throw e;
        }
    }

    /** An existing file, read only. */
    public static PageFile open(Path path, boolean direct) throws IOException {
        FileChannel meta = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new PageFile(path, meta, openPages(path, direct, StandardOpenOption.READ), direct);
        } catch (IOException | RuntimeException e) {
            meta.close();
            throw e;
        }
    }

    private static FileChannel openPages(Path path, boolean direct, OpenOption mode) throws IOException {
        if (!direct) {
            return FileChannel.open(path, mode);
        }
        try {
            return FileChannel.open(path, mode, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException("direct-io=on: the file system of " + path + " (" + fileSystemType(path)
                    + ") refuses O_DIRECT (" + e.getMessage() + "); use direct-io=off or another file system", e);
        }
    }

    static String fileSystemType(Path path) {
        try {
            return Files.getFileStore(path).type();
        } catch (IOException | RuntimeException e) {
            return "type unknown";
        }
    }

    public Path path() {
        return path;
    }

    public boolean direct() {
        return direct;
    }

    /** Header, tables, completion record: small, buffered, positioned. */
    public FileChannel metadata() {
        return metadata;
    }

    public long size() throws IOException {
        return metadata.size();
    }

    public long bytesWritten() {
        return written.sum();
    }

    public long bytesRead() {
        return read.sum();
    }

    /** Writes all of {@code src} at {@code position} on the page channel (repeated while partial). */
    public void writePages(ByteBuffer src, long position) throws IOException {
        checkAligned(src, position);
        long pos = position;
        while (src.hasRemaining()) {
            int n = pages.write(src, pos);
            pos += n;
            written.add(n);
        }
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code position}; the file ending first is an EOF naming {@code what}. */
    public void readPages(ByteBuffer dst, long position, String what) throws IOException {
        readPages(dst, position, dst.remaining(), what);
    }

    /**
     * Reads at least {@code minimum} bytes at {@code position}, at most {@code dst.remaining()} (an O_DIRECT read of
     * whole blocks may run into the end of the file after what it needs).
     */
    public void readPages(ByteBuffer dst, long position, long minimum, String what) throws IOException {
        checkAligned(dst, position);
        long pos = position;
        while (pos - position < minimum) {
            int n = pages.read(dst, pos);
            if (n < 0) {
                throw new EOFException(what + ": the file ends at " + pages.size());
            }
            pos += n;
            read.add(n);
        }
    }

    private void checkAligned(ByteBuffer b, long position) {
        if (direct && (position % IO_ALIGNMENT != 0 || b.remaining() % IO_ALIGNMENT != 0)) {
            throw new IllegalArgumentException("O_DIRECT transfer of " + b.remaining() + " bytes at " + position
                    + " is not aligned to " + IO_ALIGNMENT);
        }
    }

    /** Writes {@code src} at {@code position} on the metadata channel. */
    public void writeMetadata(ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            int n = metadata.write(src, pos);
            pos += n;
            written.add(n);
        }
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code position} of the metadata channel. */
    public void readMetadata(ByteBuffer dst, long position, String what) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = metadata.read(dst, pos);
            if (n < 0) {
                throw new EOFException(what + ": the file ends at " + metadata.size());
            }
            pos += n;
            read.add(n);
        }
    }

    /** Makes everything written so far durable (fdatasync on both channels' file). */
    public void sync() throws IOException {
        pages.force(false);
        metadata.force(true);
    }

    /** Sets the length (ftruncate: growing adds a hole). */
    public void setLength(long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    @Override
    public void close() {
        for (FileChannel c : new FileChannel[] {pages, metadata}) {
            try {
                c.close();
            } catch (IOException ignored) {
                // after the data was synced (or after a failure) closing loses nothing more
            }
        }
    }
}
