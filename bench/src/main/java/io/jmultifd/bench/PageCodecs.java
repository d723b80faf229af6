package io.jmultifd.bench;

import io.jmultifd.sw.perpage.Huffman;
import io.jmultifd.sw.perpage.JavaDeflatePageCodec;
import io.jmultifd.sw.perpage.PageCodec;
import java.util.List;

/** The per-page codecs of the {@code qpl} format, configured as the C reference runs libqpl: level 1, fixed Huffman. */
final class PageCodecs {
    static final List<String> TIERS = List.of("software", "java");

    private PageCodecs() {}

    static PageCodec open(String tier) {
        return switch (tier) {
            case "java" -> new JavaDeflatePageCodec(BenchPages.PAGE, 1, Huffman.FIXED);
            default -> throw new IllegalArgumentException("page codec tier " + tier + ": unknown; known: " + TIERS);
        };
    }
}
