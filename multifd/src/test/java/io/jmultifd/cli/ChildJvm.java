package io.jmultifd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jmultifd} in a child JVM: the same java and class path as this test JVM, stdout and stderr to files
 * (read while it runs, so no pipe can fill up and block it).
 */
final class ChildJvm implements AutoCloseable {
    /** Generous bounds against a hang; they are never what a test asserts. */
    static final long HANG_GUARD_SECONDS = 120;

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final String name;

    private ChildJvm(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static ChildJvm start(Path dir, String name, String... args) throws IOException {
        return start(dir, name, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, String, String...)}, with extra environment variables for the child. */
    static ChildJvm start(Path dir, String name, java.util.Map<String, String> environment, String... args)
            throws IOException {
        return start(dir, name, environment, Main.class, args);
    }

    /** As {@link #start(Path, String, String...)}, running another main class of the test class path. */
    static ChildJvm startMain(Path dir, String name, Class<?> mainClass, String... args) throws IOException {
        return start(dir, name, java.util.Map.of(), mainClass, args);
    }

    /** As {@link #start(Path, String, String...)}, with the class path entries that {@code drop} matches left out. */
    static ChildJvm startWithout(Path dir, String name, Predicate<String> drop, String... args) throws IOException {
        String classPath = String.join(java.io.File.pathSeparator, java.util.Arrays.stream(
                System.getProperty("java.class.path").split(java.io.File.pathSeparator)).filter(drop.negate()).toList());
        return start(dir, name, java.util.Map.of(), Main.class, classPath, args);
    }

    /**
     * As {@link #start(Path, String, String...)}, run through {@code launcher} (e.g. {@code setpriv} to another user)
     * with {@code classPath}, which that user must be able to read.
     */
    static ChildJvm startThrough(Path dir, String name, List<String> launcher, String classPath, String... args)
            throws IOException {
        return start(dir, name, java.util.Map.of(), launcher, Main.class, classPath, args);
    }

    private static ChildJvm start(Path dir, String name, java.util.Map<String, String> environment,
            Class<?> mainClass, String... args) throws IOException {
        return start(dir, name, environment, mainClass, System.getProperty("java.class.path"), args);
    }

    private static ChildJvm start(Path dir, String name, java.util.Map<String, String> environment,
            Class<?> mainClass, String classPath, String... args) throws IOException {
        return start(dir, name, environment, List.of(), mainClass, classPath, args);
    }

    private static ChildJvm start(Path dir, String name, java.util.Map<String, String> environment,
            List<String> launcher, Class<?> mainClass, String classPath, String... args) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx512m");
        // A crash report goes next to the child's output, not into the module's directory.
        command.add("-XX:ErrorFile=" + dir.resolve(name + ".hs_err_pid%p.log"));
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Path out = dir.resolve(name + ".stdout");
        Path err = dir.resolve(name + ".stderr");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        return new ChildJvm(name, p, out, err);
    }

    Process process() {
        return process;
    }

    String stdout() throws IOException {
        return Files.readString(stdout);
    }

    String stderr() throws IOException {
        return Files.readString(stderr);
    }

    /** Polls stderr until {@code pattern} matches (group 1 returned), or the process ends without it. */
    Optional<String> awaitStderr(Pattern pattern) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(stderr());
            if (m.find()) {
                return Optional.of(m.groupCount() >= 1 ? m.group(1) : m.group());
            }
            if (!process.isAlive()) {
                m = pattern.matcher(stderr());
                return m.find() ? Optional.of(m.groupCount() >= 1 ? m.group(1) : m.group()) : Optional.empty();
            }
            Thread.sleep(20);
        }
        return Optional.empty();
    }

    /** Polls until {@code condition} holds or the process ends. */
    boolean awaitWhileAlive(Predicate<ChildJvm> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (condition.test(this)) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.test(this);
    }

    /** The exit code; a child that hangs is killed and the test fails on its -1. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    String describe() {
        try {
            return name + ": exit " + (process.isAlive() ? "(running)" : process.exitValue()) + "\n--- stdout\n"
                    + stdout() + "--- stderr\n" + stderr();
        } catch (IOException e) {
            return name + ": " + e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }
}
