package io.jmultifd.multifd.snapshot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The header at offset 0 of a snapshot file (see {@link SnapshotFormat}): what the file holds and where. Every
 * offset is computed by {@link #layOut} and checked by {@link #decode} against the others before it is used.
 *
 * @param completionOffset where the completion record lies (right after the header)
 * @param dataOffset       COMPRESSED: where the payloads start (aligned to 1 MiB); RAW: the end of the last block
 */
public record SnapshotHeader(int layout, int pageSize, String method, Map<String, String> methodParameters,
                             List<Block> blocks, long completionOffset, long dataOffset) {

    /**
     * @param tableOffset where the block's table (bitmap, then CRCs or index) lies
     * @param pagesOffset RAW: where page 0 lies, aligned to 1 MiB; COMPRESSED: 0
     */
    public record Block(String name, long size, long tableOffset, long pagesOffset) {}

    public SnapshotHeader {
        methodParameters = new TreeMap<>(methodParameters);
        blocks = List.copyOf(blocks);
    }

    /** Lays out a file for these blocks: header, completion record, tables, then the page regions. */
    public static SnapshotHeader layOut(int layout, int pageSize, String method, Map<String, String> methodParameters,
                                        List<Map.Entry<String, Long>> namesAndSizes) {
        List<Block> unplaced = new ArrayList<>();
        for (Map.Entry<String, Long> e : namesAndSizes) {
            unplaced.add(new Block(e.getKey(), e.getValue(), 0, 0));
        }
        SnapshotHeader draft = new SnapshotHeader(layout, pageSize, method, methodParameters, unplaced, 0, 0);
        long completion = SnapshotFormat.alignUp(draft.encodedLength(), 8);
        long next = completion + SnapshotCompletion.encodedLength(unplaced.size());
        List<Long> tables = new ArrayList<>();
        for (Block b : unplaced) {
            next = SnapshotFormat.alignUp(next, 8);
            tables.add(next);
            next += BlockTable.encodedLength(layout, b.size() / pageSize);
        }
        List<Block> placed = new ArrayList<>();
        for (int i = 0; i < unplaced.size(); i++) {
            Block b = unplaced.get(i);
            long pages = 0;
            if (layout == SnapshotFormat.LAYOUT_RAW) {
                next = SnapshotFormat.alignUp(next, SnapshotFormat.REGION_ALIGNMENT);
                pages = next;
                next += b.size();
            }
            placed.add(new Block(b.name(), b.size(), tables.get(i), pages));
        }
        long data = layout == SnapshotFormat.LAYOUT_COMPRESSED
                ? SnapshotFormat.alignUp(next, SnapshotFormat.REGION_ALIGNMENT) : next;
        return new SnapshotHeader(layout, pageSize, method, methodParameters, placed, completion, data);
    }

    public boolean compressed() {
        return layout == SnapshotFormat.LAYOUT_COMPRESSED;
    }

    public long pageCount(int block) {
        return blocks.get(block).size() / pageSize;
    }

    public int encodedLength() {
        int n = 4 + 2 + 2 + 4 + 4 + Fields.strLength(method) + 2;
        for (Map.Entry<String, String> e : methodParameters.entrySet()) {
            n += Fields.strLength(e.getKey()) + Fields.strLength(e.getValue());
        }
        n += 4;
        for (Block b : blocks) {
            n += Fields.strLength(b.name()) + 8 + 8 + 8;
        }
        return n + 8 + 8 + 4;
    }

    public ByteBuffer encode() {
        ByteBuffer dst = ByteBuffer.allocate(encodedLength());
        dst.putInt(SnapshotFormat.MAGIC_HEADER).putShort((short) SnapshotFormat.VERSION).putShort((short) layout)
                .putInt(dst.capacity()).putInt(pageSize);
        Fields.putStr(dst, method);
        dst.putShort((short) methodParameters.size());
        methodParameters.forEach((k, v) -> {
            Fields.putStr(dst, k);
            Fields.putStr(dst, v);
        });
        dst.putInt(blocks.size());
        for (Block b : blocks) {
            Fields.putStr(dst, b.name());
            dst.putLong(b.size()).putLong(b.tableOffset()).putLong(b.pagesOffset());
        }
        dst.putLong(completionOffset).putLong(dataOffset);
        CRC32C crc = new CRC32C();
        crc.update(dst.array(), 0, dst.position());
        dst.putInt((int) crc.getValue());
        return dst.flip();
    }

    /** The first bytes of a file: magic, version, layout and the header's length, checked before the rest is read. */
    public static int headerLength(ByteBuffer first12, String file) throws SnapshotException {
        Fields f = new Fields(first12, "header of " + file);
        long magic = f.u32("magic");
        int version = f.u16("version");
        f.u16("layout");
        long length = f.u32("header length");
        if (magic != (SnapshotFormat.MAGIC_HEADER & 0xFFFFFFFFL)) {
            throw new SnapshotException(file + " is not a jmultifd snapshot: magic " + String.format("0x%08x", magic)
                    + " (expected " + String.format("0x%08x", SnapshotFormat.MAGIC_HEADER) + ")");
        }
        if (version != SnapshotFormat.VERSION) {
            throw new SnapshotException(file + " is a snapshot of version " + version + "; this jmultifd reads version "
                    + SnapshotFormat.VERSION);
        }
        if (length < 12 || length > SnapshotFormat.MAX_HEADER_LENGTH) {
            throw new SnapshotException("header of " + file + ": length " + length + " outside 12.."
                    + SnapshotFormat.MAX_HEADER_LENGTH);
        }
        return (int) length;
    }

    /**
     * Decodes the whole header (its length given by {@link #headerLength}) and checks its CRC, then every field
     * against its limits and every offset against the layout: tables and regions in order, none overlapping.
     */
    public static SnapshotHeader decode(ByteBuffer src, String file) throws SnapshotException {
        String what = "header of " + file;
        int length = src.remaining();
        if (length < 16) {
            throw new SnapshotException(what + " cut short");
        }
        CRC32C crc = new CRC32C();
        crc.update(src.slice(src.position(), length - 4));
        int stored = src.getInt(src.position() + length - 4);
        if ((int) crc.getValue() != stored) {
            throw new SnapshotException(what + " is damaged: its CRC32C does not match");
        }
        Fields f = new Fields(src.slice(src.position(), length - 4), what);
        f.u32("magic");
        f.u16("version");
        int layout = f.u16("layout");
        f.u32("header length");
        if (layout != SnapshotFormat.LAYOUT_RAW && layout != SnapshotFormat.LAYOUT_COMPRESSED) {
            throw new SnapshotException(what + ": unknown layout " + layout);
        }
        long pageSize = f.u32("page size");
        if (pageSize < 512 || pageSize > (1 << 20) || Long.bitCount(pageSize) != 1) {
            throw new SnapshotException(what + ": page size " + pageSize + " is not a power of two in 512..1M");
        }
        String method = f.str("method");
        int n = f.u16("parameter count");
        if (n > SnapshotFormat.MAX_METHOD_PARAMETERS) {
            throw new SnapshotException(what + ": " + n + " method parameters exceed " + SnapshotFormat.MAX_METHOD_PARAMETERS);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            params.put(f.str("parameter name"), f.str("parameter value"));
        }
        long count = f.u32("block count");
        if (count == 0 || count > SnapshotFormat.MAX_BLOCKS) {
            throw new SnapshotException(what + ": block count " + count + " outside 1.." + SnapshotFormat.MAX_BLOCKS);
        }
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = f.str("block name");
            blocks.add(new Block(name, f.u64("size of block " + name), f.u64("table offset of block " + name),
                    f.u64("pages offset of block " + name)));
        }
        long completion = f.u64("completion offset");
        long data = f.u64("data offset");
        SnapshotHeader h = new SnapshotHeader(layout, (int) pageSize, method, params, blocks, completion, data);
        SnapshotHeader expected;
        try {
            expected = layOut(layout, (int) pageSize, method, params,
                    blocks.stream().map(b -> Map.entry(b.name(), checkedSize(b, pageSize, what))).toList());
        } catch (SizeException e) {
            throw new SnapshotException(e.getMessage());
        }
        // The layout is a function of the blocks: any offset that differs was damaged or forged.
        if (!expected.equals(h)) {
            throw new SnapshotException(what + ": offsets do not follow the layout of its blocks");
        }
        return h;
    }

    private static final class SizeException extends RuntimeException {
        SizeException(String m) {
            super(m, null, false, false);
        }
    }

    private static long checkedSize(Block b, long pageSize, String what) {
        if (b.size() <= 0 || b.size() % pageSize != 0 || b.size() / pageSize > Integer.MAX_VALUE
                || b.size() > (1L << 50)) {
            throw new SizeException(what + ": block " + b.name() + " has size " + b.size()
                    + ", not a positive multiple of the page size " + pageSize + " below 1 PiB");
        }
        return b.size();
    }
}
