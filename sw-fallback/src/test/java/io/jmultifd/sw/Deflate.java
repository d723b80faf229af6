package io.jmultifd.sw;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.zip.Deflater;

/** Test-side java.util.zip helpers, to build streams independently of the code under test. */
public final class Deflate {
    private Deflate() {}

    public static byte[] compress(byte[] input, int level, int strategy, boolean nowrap) {
        Deflater d = new Deflater(level, nowrap);
        try {
            d.setStrategy(strategy);
            d.setInput(input);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    public static byte[] raw(byte[] input) {
        return compress(input, 6, Deflater.DEFAULT_STRATEGY, true);
    }

    public static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    public static byte[] concat(List<MemorySegment> pages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (MemorySegment p : pages) {
            out.writeBytes(bytes(p));
        }
        return out.toByteArray();
    }
}
