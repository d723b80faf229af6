package io.jmultifd.cli;

import io.jmultifd.multifd.guest.AvailableMemory;
import java.io.PrintWriter;
import java.util.function.Supplier;

/**
 * Where a command writes: {@code out} carries results (the JSON object, tables), {@code err} carries progress,
 * summaries and errors. {@code progress} says whether stderr is a terminal that may show a progress bar.
 * {@code memory} tells how much memory a guest may take (tests say how much).
 */
record CliContext(PrintWriter out, PrintWriter err, boolean progress, Supplier<AvailableMemory> memory) {}
