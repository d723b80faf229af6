package io.jmultifd.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jmultifd plot}: a PNG of one side's {@code --json-progress} output. */
@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw what to look at after a slow migration from the --json-progress output of one side "
                + "(migrate or incoming): transfer rate and dirty rate, bytes remaining and rounds "
                + "(dirty-sync-count) over time, as a PNG of three stacked charts."},
        footer = {"", "Exit codes: 0 written, 1 failed, 2 usage error (a missing or unreadable PROGRESS file, one "
                + "that holds no --json-progress events, an OUT that exists without --force or cannot be written)."})
final class PlotCommand implements Callable<Integer> {
    static final int MIN_SIZE = 200;
    static final int MAX_SIZE = 10_000;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROGRESS.jsonl",
            description = "What 'jmultifd migrate|incoming --json-progress' wrote to stdout.")
    Path progress;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.png", description = "The PNG to write.")
    Path output;

    @Option(names = "--force", description = "Let --output replace an existing file.")
    boolean force;

    @Option(names = "--width", paramLabel = "PIXELS", defaultValue = "1000",
            description = "Width of the image (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--height", paramLabel = "PIXELS", defaultValue = "1200",
            description = "Height of the image, shared by the three charts (default: ${DEFAULT-VALUE}).")
    int height;

    private final CliContext context;

    PlotCommand(CliContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        for (int size : new int[] {width, height}) {
            if (size < MIN_SIZE || size > MAX_SIZE) {
                throw usage((size == width ? "--width " : "--height ") + size + ": must be " + MIN_SIZE + ".."
                        + MAX_SIZE + " pixels");
            }
        }
        Path directory = output.toAbsolutePath().getParent();
        if (Files.isDirectory(output) || directory == null || !Files.isDirectory(directory)) {
            throw usage("--output " + output + ": " + (Files.isDirectory(output) ? "is a directory"
                    : "no directory " + directory));
        }
        if (!force && Files.exists(output, LinkOption.NOFOLLOW_LINKS)) {
            throw usage("--output " + output + ": the file exists; add --force to replace it");
        }
        ProgressSeries series;
        try {
            series = ProgressSeries.parse(Files.readAllLines(progress, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw usage(progress + ": no such file");
        } catch (MalformedInputException e) {
            throw usage(progress + ": not text (not --json-progress output)");
        } catch (IOException e) {
            throw usage(progress + ": cannot read it (" + Main.describe(e) + ")");
        } catch (IllegalArgumentException e) {
            throw usage(progress + ": " + e.getMessage());
        }
        // A server has no display: draw off-screen (must be set before AWT starts).
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        BufferedImage image = ProgressPlot.render(series, progress.getFileName().toString(), width, height);
        // Written beside OUT, then renamed: a failed write never leaves half a PNG or replaces a good one.
        Path part = null;
        try {
            part = Files.createTempFile(directory, "." + output.getFileName(), ".part");
            if (!ImageIO.write(image, "png", part.toFile())) {
                throw new IOException("no PNG writer in this Java runtime");
            }
            Files.move(part, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            part = null;
        } catch (IOException e) {
            throw usage("--output " + output + ": cannot write it (" + Main.describe(e) + ")");
        } finally {
            if (part != null) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException ignored) {
                    // nothing more to do: the error above is what the user must see
                }
            }
        }
        context.err().println("plot: " + series.points().size() + (series.points().size() == 1 ? " event" : " events") + " of the "
                + (series.side().isEmpty() ? "migration" : series.side()) + " -> " + output + " (" + width + "x"
                + height + ")");
        return Main.EXIT_OK;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
