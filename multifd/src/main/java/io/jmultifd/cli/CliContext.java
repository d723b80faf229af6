package io.jmultifd.cli;

import io.jmultifd.multifd.guest.AvailableMemory;
import java.io.PrintWriter;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Where a command writes: {@code out} carries results (the JSON object, tables), {@code err} carries progress,
 * summaries and errors, with {@code status} on top of it for the live progress line. {@code progress} says whether
 * stderr is a terminal that may show a progress bar, {@code columns} how wide it is. {@code memory} tells how much
 * memory a guest may take (tests say how much).
 */
record CliContext(PrintWriter out, PrintWriter err, StatusLine status, boolean progress, IntSupplier columns,
                  Supplier<AvailableMemory> memory) {
    CliContext(PrintWriter out, PrintWriter err, boolean progress, IntSupplier columns, Supplier<AvailableMemory> memory) {
        this(out, err, new StatusLine(err), progress, columns, memory);
    }
}
