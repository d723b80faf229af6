package io.jmultifd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A QMP client on QEMU's unix socket: the greeting, {@code qmp_capabilities}, then one command at a time; events
 * that arrive between are skipped (the benchmark polls {@code query-migrate}).
 */
final class QmpClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;
    /** QEMU's version from the greeting, e.g. 7.2.22. */
    final String version;

    private QmpClient(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        this.version = version(readMessage());
        execute("qmp_capabilities", Map.of());
    }

    /**
     * Connects to {@code socket} once QEMU has made it; gives up when {@code qemu} ends first or after
     * {@code timeoutMillis}.
     */
    static QmpClient connect(Path socket, Process qemu, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return new QmpClient(ch);
            } catch (IOException e) {
                ch.close();
                if (!qemu.isAlive()) throw new IOException("QEMU ended (exit code " + qemu.exitValue() + ") before its QMP socket "
                        + socket + " answered");
                if (System.nanoTime() > deadline) throw new IOException("QMP socket " + socket + " did not answer: " + e.getMessage());
                Thread.sleep(20);
            }
        }
    }

    /** The version in a QMP greeting: {"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 22}, ...}}}. */
    static String version(JsonNode greeting) throws IOException {
        JsonNode v = greeting.path("QMP").path("version").path("qemu");
        if (!v.path("major").isInt()) throw new IOException("not a QMP greeting: " + greeting);
        return v.path("major").asInt() + "." + v.path("minor").asInt() + "." + v.path("micro").asInt();
    }

    /** Runs {@code command}; returns its "return" value, or throws with QEMU's error description. */
    JsonNode execute(String command, Map<String, ?> arguments) throws IOException {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("execute", command);
        if (!arguments.isEmpty()) message.put("arguments", arguments);
        out.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            JsonNode reply = readMessage();
            if (reply.has("event")) continue;
            if (reply.has("error")) {
                throw new IOException("QMP " + command + " " + JSON.writeValueAsString(arguments) + ": "
                        + reply.path("error").path("desc").asText(reply.toString()));
            }
            return reply.path("return");
        }
    }

    private JsonNode readMessage() throws IOException {
        String line = in.readLine();
        if (line == null) throw new IOException("QEMU closed its QMP socket");
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
