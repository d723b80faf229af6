package io.jmultifd.cli;

import java.io.PrintWriter;

/**
 * Where a command writes: {@code out} carries results (the JSON object, tables), {@code err} carries progress,
 * summaries and errors. {@code progress} says whether stderr is a terminal that may show a progress bar.
 */
record CliContext(PrintWriter out, PrintWriter err, boolean progress) {}
