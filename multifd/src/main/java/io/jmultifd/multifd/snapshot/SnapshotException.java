package io.jmultifd.multifd.snapshot;

import java.io.IOException;

/** A snapshot file breaks the layout's rules: cut short, damaged, unfinished or of another version. */
public class SnapshotException extends IOException {
    public SnapshotException(String message) {
        super(message);
    }
}
