package io.jmultifd.multifd.guest;

import java.util.Locale;

/**
 * Byte counts as people write them: {@code 4096}, {@code 4k}, {@code 64M}, {@code 1G}, {@code 2T}, {@code 512MiB},
 * {@code 64kB}. The one parser behind every size the engine (parameters such as {@code max-bandwidth}), the
 * synthetic guests ({@code --synthetic SIZE:MIX}) and the bench read, so they all accept the same spellings.
 *
 * <p>Suffixes are powers of 1024, as QEMU's: k, M, G, T in either case, optionally followed by {@code B} or
 * {@code iB}; a bare number may end in {@code B}. No sign, no fraction, no space inside.
 *
 * <p>Only JDK classes are used: {@code bench/make-guest-image.sh} compiles this file with the guest image
 * builder before anything is built.
 */
public final class Sizes {
    /** What {@link #parse} accepts, for messages and help texts. */
    public static final String SYNTAX = "a whole number of bytes with an optional suffix k, M, G or T (powers of "
            + "1024, either case; B or iB may follow, e.g. 64kB, 512MiB)";

    private Sizes() {}

    /**
     * The number of bytes {@code text} stands for, at least 0.
     *
     * @throws InvalidSize naming the text and what is wrong with it
     */
    public static long parse(String text) {
        String original = text == null ? "" : text;
        String t = original.strip();
        if (t.isEmpty()) {
            throw new InvalidSize(original, InvalidSize.Problem.EMPTY);
        }
        boolean negative = t.charAt(0) == '-';
        String body = negative ? t.substring(1) : t;
        int digitsEnd = 0;
        // ASCII digits only: Character.isDigit (and Long.parseLong) would also take other scripts' digits.
        while (digitsEnd < body.length() && body.charAt(digitsEnd) >= '0' && body.charAt(digitsEnd) <= '9') {
            digitsEnd++;
        }
        int shift = switch (body.substring(digitsEnd).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            case "t", "tb", "tib" -> 40;
            default -> -1;
        };
        if (digitsEnd == 0 || shift < 0) {
            throw new InvalidSize(original, InvalidSize.Problem.NOT_A_NUMBER);
        }
        if (negative) {
            throw new InvalidSize(original, InvalidSize.Problem.NEGATIVE);
        }
        long n;
        try {
            n = Long.parseLong(body, 0, digitsEnd, 10);
        } catch (NumberFormatException e) {
            // Only ASCII digits reach here, so the number does not fit in a long.
            throw new InvalidSize(original, InvalidSize.Problem.TOO_LARGE);
        }
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new InvalidSize(original, InvalidSize.Problem.TOO_LARGE);
        }
        return n << shift;
    }

    /**
     * A text that is not a size. The message names the text and the problem and, when the text is no number,
     * what would be; {@link #problem()} lets a caller that names the value itself phrase it its own way.
     */
    public static final class InvalidSize extends IllegalArgumentException {
        /** What is wrong, with a few words for it. */
        public enum Problem {
            EMPTY("empty"),
            NOT_A_NUMBER("not a number"),
            NEGATIVE("must not be negative"),
            TOO_LARGE("too large");

            private final String words;

            Problem(String words) {
                this.words = words;
            }

            /** E.g. {@code too large}. */
            public String words() {
                return words;
            }
        }

        private final String text;
        private final Problem problem;

        InvalidSize(String text, Problem problem) {
            super("bad size '" + text + "' (use e.g. 512M, 1G): " + switch (problem) {
                case EMPTY -> "empty; expected " + SYNTAX;
                case NOT_A_NUMBER -> "not " + SYNTAX;
                case NEGATIVE -> problem.words();
                case TOO_LARGE -> "too large (the largest size is " + Long.MAX_VALUE + " bytes, 8 EiB - 1)";
            });
            this.text = text;
            this.problem = problem;
        }

        /** The text as given. */
        public String text() {
            return text;
        }

        public Problem problem() {
            return problem;
        }
    }
}
