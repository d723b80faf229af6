package io.jmultifd.multifd;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a migration goes: {@code tcp:HOST:PORT} (HOST may be {@code [v6addr]}), {@code file:PATH} (a snapshot
 * file: the source saves to it, the destination restores from it; {@code mapped-ram=on}), or an in-process
 * endpoint for tests and the demo. The in-process transport carries the same bytes through the same
 * code path as TCP: the destination listens on a loopback socket registered under the name.
 */
public sealed interface Endpoint {

    record Tcp(String host, int port) implements Endpoint {
        public Tcp {
            Objects.requireNonNull(host);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        @Override
        public String toString() {
            return "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    record InProcess(String name) implements Endpoint {
        public InProcess {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("in-process endpoint needs a name");
            }
        }

        @Override
        public String toString() {
            return "inprocess:" + name;
        }
    }

    /** A snapshot file (package snapshot): saved to by the source, restored from by the destination. */
    record File(Path path) implements Endpoint {
        public File {
            Objects.requireNonNull(path);
        }

        @Override
        public String toString() {
            return "file:" + path;
        }
    }

    static Endpoint file(Path path) {
        return new File(path);
    }

    static Endpoint inProcess(String name) {
        return new InProcess(name);
    }

    static Endpoint tcp(String host, int port) {
        return new Tcp(host, port);
    }

    /** {@code tcp:HOST:PORT}, {@code file:PATH} or {@code inprocess:NAME}. */
    static Endpoint parse(String s) {
        if (s.startsWith("file:")) {
            String path = s.substring("file:".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("endpoint " + s + ": expected file:PATH");
            }
            try {
                return new File(Path.of(path));
            } catch (java.nio.file.InvalidPathException e) {
                throw new IllegalArgumentException("endpoint " + s + ": " + e.getMessage());
            }
        }
        if (s.startsWith("inprocess:")) {
            return new InProcess(s.substring("inprocess:".length()));
        }
        if (!s.startsWith("tcp:")) {
            throw new IllegalArgumentException("endpoint " + s + ": expected tcp:HOST:PORT");
        }
        String rest = s.substring(4);
        int colon = rest.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("endpoint " + s + ": expected tcp:HOST:PORT");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint " + s + ": port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("endpoint " + s + ": port must be 0..65535");
        }
        return new Tcp(host, port);
    }
}
