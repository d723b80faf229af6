package io.jmultifd.cli;

import io.jmultifd.multifd.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The control socket's protocol (docs/postcopy.md): one request line from the client, one reply line from the
 * source, then the source closes. Lines are UTF-8 ending in {@code \n}, printable text only. Requests:
 * {@code resume} or {@code resume tcp:HOST:PORT} (QEMU's {@code migrate -r}). Replies: {@code ok TEXT} or
 * {@code error TEXT}. Every read is bounded in size and time, so a client that sends garbage, too much or nothing
 * costs the source one short-lived thread.
 */
final class ControlProtocol {
    /** A request's limit, its newline included (a URI fits many times). */
    static final int MAX_REQUEST_BYTES = 1024;
    /** A reply's limit, its newline included (the text is cut to fit). */
    static final int MAX_REPLY_BYTES = 4096;
    static final String RESUME = "resume";

    private ControlProtocol() {
    }

    /** A request or reply that breaks the rules; its message is what the other end is told. */
    static final class BadLine extends Exception {
        BadLine(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code resume}, to {@code toOrNull} (null: where the migration went last). */
    record Resume(Endpoint.Tcp toOrNull) {
        String encode() {
            return toOrNull == null ? RESUME : RESUME + " " + toOrNull;
        }

        static Resume decode(String line) throws BadLine {
            String[] words = line.strip().split(" +", -1);
            if (words.length == 0 || words[0].isEmpty()) {
                throw new BadLine("empty request; the one known: " + RESUME + " [tcp:HOST:PORT]");
            }
            if (!words[0].equals(RESUME)) {
                throw new BadLine("unknown request '" + shorten(words[0], 40) + "'; the one known: " + RESUME
                        + " [tcp:HOST:PORT]");
            }
            if (words.length > 2) {
                throw new BadLine(RESUME + " takes at most one argument, tcp:HOST:PORT");
            }
            return new Resume(words.length == 1 ? null : destination(words[1]));
        }
    }

    /** A resume's new destination: tcp:HOST:PORT with a real port (the control socket takes nothing else). */
    static Endpoint.Tcp destination(String uri) throws BadLine {
        Endpoint e;
        try {
            e = Endpoint.parse(uri);
        } catch (IllegalArgumentException ex) {
            throw new BadLine(shorten(ex.getMessage(), 200));
        }
        if (!(e instanceof Endpoint.Tcp tcp) || tcp.port() == 0) {
            throw new BadLine("a resume goes to tcp:HOST:PORT (the destination's port), not " + shorten(uri, 200));
        }
        return tcp;
    }

    /** {@code ok TEXT} or {@code error TEXT}. */
    record Reply(boolean ok, String text) {
        static Reply ok(String text) {
            return new Reply(true, text);
        }

        static Reply error(String text) {
            return new Reply(false, text);
        }

        /** One line within {@link #MAX_REPLY_BYTES}: line breaks and control characters become spaces. */
        byte[] encode() {
            String clean = printable(text);
            String line = (ok ? "ok " : "error ") + shorten(clean, MAX_REPLY_BYTES / 4 - 8) + "\n";
            return line.getBytes(StandardCharsets.UTF_8);
        }

        static Reply decode(String line) throws BadLine {
            if (line.startsWith("ok ")) {
                return ok(line.substring(3));
            }
            if (line.startsWith("error ")) {
                return error(line.substring(6));
            }
            throw new BadLine("not a reply of jmultifd migrate: '" + shorten(printable(line), 80) + "'");
        }
    }

    /**
     * Reads one line of at most {@code maxBytes} (newline included) within {@code timeoutMs}; the channel is left
     * non-blocking. Its text without the newline; BadLine when it is too long, not UTF-8 or not printable, when the
     * peer closes before the newline, or when the time runs out.
     */
    static String readLine(SocketChannel channel, int maxBytes, long timeoutMs, String what)
            throws IOException, BadLine {
        ByteBuffer buffer = ByteBuffer.allocate(maxBytes);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (true) {
                int n = channel.read(buffer);
                if (n < 0) {
                    throw new BadLine(buffer.position() == 0 ? "the connection closed without a " + what
                            : "the connection closed in the middle of a " + what);
                }
                for (int i = buffer.position() - n; i < buffer.position(); i++) {
                    if (buffer.get(i) == '\n') {
                        if (i + 1 != buffer.position()) {
                            throw new BadLine("more than one line in the " + what);
                        }
                        return text(buffer.flip().limit(i), what);
                    }
                }
                if (!buffer.hasRemaining()) {
                    throw new BadLine(what + " longer than " + maxBytes + " bytes");
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new BadLine("no " + what + " within " + timeoutMs + " ms");
                }
                selector.select(left);
                selector.selectedKeys().clear();
            }
        }
    }

    private static String text(ByteBuffer bytes, String what) throws BadLine {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new BadLine(what + " is not UTF-8 text");
        }
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        if (!s.equals(printable(s))) {
            throw new BadLine(what + " holds control characters");
        }
        return s;
    }

    /** Control characters replaced by spaces. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return sb.toString();
    }

    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
