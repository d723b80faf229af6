package io.jmultifd.multifd;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the destination logs (System.Logger goes to java.util.logging), while open. */
final class LogCapture implements AutoCloseable {
    private final Logger logger = Logger.getLogger(MigrationDestination.class.getName()); // held: JUL keeps weak refs
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            messages.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    LogCapture() {
        logger.addHandler(handler);
    }

    List<String> messages() {
        return List.copyOf(messages);
    }

    /** The first message containing {@code fragment}, or null. */
    String find(String fragment) {
        return messages.stream().filter(m -> m.contains(fragment)).findFirst().orElse(null);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
