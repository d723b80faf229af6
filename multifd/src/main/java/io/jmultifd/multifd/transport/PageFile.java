package io.jmultifd.multifd.transport;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.LongAdder;

/**
 * The file transport: one snapshot file, written and read with positioned I/O from many threads at once
 * (QEMU's QIOChannelFile with pwritev/preadv). Two channels on the file: {@link #pages()} for page data, opened
 * with O_DIRECT when asked ({@code direct-io=on}: buffers, offsets and lengths aligned to
 * {@link #IO_ALIGNMENT}), and {@link #metadata()}, buffered, for the header, tables and completion record, which
 * lie in their own 1 MiB-aligned area so that the two never share a cached page. A file opened for reading has one
 * page channel per reader thread: each open file has its own readahead state, which readers at different places
 * of one shared channel would keep resetting. Closing it from another thread makes blocked reads and writes return
 * with an exception.
 */
public final class PageFile implements AutoCloseable {
    /** O_DIRECT transfers are multiples of this, at offsets and addresses that are. */
    public static final int IO_ALIGNMENT = 4096;

    private final Path path;
    private final FileChannel metadata;
    private final FileChannel pages;
    private final FileChannel[] readers;
    private final boolean direct;
    private final LongAdder written = new LongAdder();
    private final LongAdder read = new LongAdder();

    private PageFile(Path path, FileChannel metadata, FileChannel[] readers, boolean direct) {
        this.path = path;
        this.metadata = metadata;
        this.pages = readers[0];
        this.readers = readers;
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
            return new PageFile(path, meta, new FileChannel[] {openPages(path, direct, StandardOpenOption.WRITE)}, direct);
        } catch (IOException | RuntimeException e) {
            meta.close();
            throw e;
        }
    }

    /** An existing file, read only, with one page channel. */
    public static PageFile open(Path path, boolean direct) throws IOException {
        return open(path, direct, 1);
    }

    /** An existing file, read only, with {@code readers} page channels (one per reading thread). */
    public static PageFile open(Path path, boolean direct, int readers) throws IOException {
        Object identity = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        FileChannel meta = FileChannel.open(path, StandardOpenOption.READ);
        FileChannel[] channels = new FileChannel[Math.max(1, readers)];
        try {
            for (int i = 0; i < channels.length; i++) {
                channels[i] = openPages(path, direct, StandardOpenOption.READ);
            }
            // every channel must read the file the header comes from
            if (identity != null && !identity.equals(Files.readAttributes(path, BasicFileAttributes.class).fileKey())) {
                throw new IOException(path + " was replaced while it was being opened");
            }
            return new PageFile(path, meta, channels, direct);
        } catch (IOException | RuntimeException e) {
            closeAll(channels);
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
        readPages(0, dst, position, minimum, what);
    }

    /** {@link #readPages(ByteBuffer, long, long, String)} through page channel {@code reader} (0..readers-1). */
    public void readPages(int reader, ByteBuffer dst, long position, long minimum, String what) throws IOException {
        checkAligned(dst, position);
        FileChannel channel = readers[reader % readers.length];
        long pos = position;
        while (pos - position < minimum) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new EOFException(what + ": the file ends at " + channel.size());
            }
            pos += n;
            read.add(n);
        }
    }

    /**
     * Reads the file's bytes [{@code from}, {@code to}) into {@code buffer} through page channel {@code reader},
     * widened to whole {@link #IO_ALIGNMENT} blocks with O_DIRECT ({@code buffer} must hold the widened span);
     * returns the file offset of the buffer's first byte.
     */
    public long readSpan(int reader, MemorySegment buffer, long from, long to, String what) throws IOException {
        long readFrom = direct ? from / IO_ALIGNMENT * IO_ALIGNMENT : from;
        long readTo = direct ? (to + IO_ALIGNMENT - 1) / IO_ALIGNMENT * IO_ALIGNMENT : to;
        readPages(reader, buffer.asSlice(0, readTo - readFrom).asByteBuffer(), readFrom, to - readFrom, what);
        return readFrom;
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
        closeAll(readers);
        closeAll(new FileChannel[] {metadata});
    }

    private static void closeAll(FileChannel[] channels) {
        for (FileChannel c : channels) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (IOException ignored) {
                // after the data was synced (or after a failure) closing loses nothing more
            }
        }
    }
}
