package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full run regenerating docs/benchmarks.md keeps the postcopy section, which PostcopyBenchmark's output fills. */
class PostcopyBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void theSectionBetweenItsMarkersIsKeptAndNothingElse() throws Exception {
        Path page = dir.resolve("benchmarks.md");
        Files.writeString(page, "# old\n<!-- bench:postcopy:begin (x) -->\n## Postcopy\n| a |\n<!-- bench:postcopy:end -->\nrest\n");
        assertEquals("<!-- bench:postcopy:begin (x) -->\n## Postcopy\n| a |\n<!-- bench:postcopy:end -->\n\n",
                PostcopyBenchmark.kept(page));
        Files.writeString(page, "# a page without the section\n");
        assertEquals("", PostcopyBenchmark.kept(page));
        assertEquals("", PostcopyBenchmark.kept(dir.resolve("absent.md")));
    }
}
