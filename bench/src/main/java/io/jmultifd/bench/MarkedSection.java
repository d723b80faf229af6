package io.jmultifd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A generated part of a docs page between two marker lines: the run that owns it rewrites only that part, and the
 * full run, which regenerates the rest of docs/benchmarks.md, keeps it as it was. One implementation for every
 * such section (free-page hints, snapshots, TLS), so that they place and keep their text alike.
 *
 * @param begin the opening marker line, which names the command that generates the section
 * @param end   the closing marker line
 */
record MarkedSection(String begin, String end) {

    /** The part of {@code text} with its markers, or "" when the text lacks them. */
    String in(String text) {
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) return "";
        return text.substring(b, e + end.length());
    }

    /** As {@link #in(String)} for a page on disk; "" when there is no such page. */
    String in(Path page) throws IOException {
        return Files.isRegularFile(page) ? in(Files.readString(page)) : "";
    }

    /**
     * Writes {@code content} into {@code page} between the markers: in place of the old content when the page has
     * them; else, with its markers, before the first occurrence of {@code before} (null, or not on the page: at the
     * end); a page "# Benchmarks" of its own when there is none.
     */
    Path write(Path page, String content, String before) throws IOException {
        String marked = begin + "\n" + content + (content.endsWith("\n") ? "" : "\n") + end + "\n";
        String text;
        if (!Files.isRegularFile(page)) {
            Files.createDirectories(page.toAbsolutePath().getParent());
            text = "# Benchmarks\n\n" + marked;
        } else {
            String old = Files.readString(page);
            int at = before == null ? -1 : old.indexOf(before);
            if (old.contains(begin)) {
                text = Report.replaceBetween(old, begin, end, content);
            } else if (at >= 0) {
                text = old.substring(0, at) + marked + "\n" + old.substring(at);
            } else {
                text = old + (old.endsWith("\n") ? "\n" : "\n\n") + marked;
            }
        }
        Files.writeString(page, text);
        return page;
    }

    /** The run's failures (results' "failures"), as a list after a section's text; nothing when there were none. */
    static void appendFailures(StringBuilder sb, Map<String, Object> results) {
        if (results.get("failures") instanceof List<?> f && !f.isEmpty()) {
            sb.append("\nFailures in this run:\n\n");
            f.forEach(x -> sb.append("- ").append(x).append('\n'));
        }
    }
}
