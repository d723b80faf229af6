package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a generated section goes on a docs page, and what a full run keeps of it. */
class MarkedSectionTest {
    private static final MarkedSection S = new MarkedSection("<!-- b -->", "<!-- e -->");

    @Test
    void theSectionIsFoundWithItsMarkersOrNotAtAll() {
        assertEquals("<!-- b -->\nx\n<!-- e -->", S.in("head\n<!-- b -->\nx\n<!-- e -->\ntail\n"));
        assertEquals("", S.in("head\n"));
        assertEquals("", S.in("<!-- e -->\n<!-- b -->\n"), "an end before the begin is no section");
    }

    @Test
    void itIsWrittenInPlaceBeforeAHeadingAtTheEndOrOnANewPage(@TempDir Path dir) throws Exception {
        Path page = dir.resolve("docs/p.md");
        S.write(page, "one", "## Notes");
        assertEquals("# Benchmarks\n\n<!-- b -->\none\n<!-- e -->\n", Files.readString(page));

        Files.writeString(page, "# P\n\nrows\n\n## Notes\n\nn\n");
        S.write(page, "two\n", "## Notes");
        assertEquals("# P\n\nrows\n\n<!-- b -->\ntwo\n<!-- e -->\n\n## Notes\n\nn\n", Files.readString(page));

        S.write(page, "three", "## Notes");
        assertEquals("# P\n\nrows\n\n<!-- b -->\nthree\n<!-- e -->\n\n## Notes\n\nn\n", Files.readString(page));

        Files.writeString(page, "# P\nlast line");
        S.write(page, "four", null);
        assertEquals("# P\nlast line\n\n<!-- b -->\nfour\n<!-- e -->\n", Files.readString(page));
        Files.writeString(page, "# P\n");
        S.write(page, "five", "## Not there");
        assertEquals("# P\n\n<!-- b -->\nfive\n<!-- e -->\n", Files.readString(page));
        assertEquals("", S.in(dir.resolve("none.md")));
    }
}
