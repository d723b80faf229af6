package io.jmultifd.multifd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.Sizes.InvalidSize;
import io.jmultifd.multifd.guest.Sizes.InvalidSize.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    // Moved from SyntheticContentTest with the parser it tested.
    @ParameterizedTest
    @CsvSource({"4096,4096", "4k,4096", "4K,4096", "2M,2097152", "1g,1073741824", "1T,1099511627776",
            "512MiB,536870912", "64kB,65536"})
    void sizes(String text, long expected) {
        assertEquals(expected, Sizes.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"0,0", "1,1", "512B,512", "512b,512",
            "3k,3072", "3K,3072", "3kB,3072", "3KB,3072", "3kiB,3072", "3KiB,3072", "3kib,3072",
            "5m,5242880", "5M,5242880", "5MB,5242880", "5MiB,5242880", "5mb,5242880",
            "7g,7516192768", "7G,7516192768", "7GB,7516192768", "7GiB,7516192768",
            "2t,2199023255552", "2T,2199023255552", "2TB,2199023255552", "2TiB,2199023255552",
            "' 64M ',67108864", "007M,7340032"})
    void everySuffixIsAPowerOf1024InEitherCase(String text, long expected) {
        assertEquals(expected, Sizes.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"9223372036854775807,9223372036854775807", "9007199254740991k,9223372036854774784",
            "8796093022207M,9223372036853727232", "8589934591G,9223372035781033984", "8388607T,9223370937343148032"})
    void theLargestOfEachSuffixStillFits(String text, long expected) {
        assertEquals(expected, Sizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "99999999999999999999", "9007199254740992k",
            "8796093022208M", "8589934592G", "17179869185G", "8388608T", "99999999999T"})
    void overflowIsTooLargeNotAWrappedNumber(String text) {
        InvalidSize e = assertThrows(InvalidSize.class, () -> Sizes.parse(text));
        assertEquals(Problem.TOO_LARGE, e.problem());
        assertEquals("bad size '" + text + "' (use e.g. 512M, 1G): too large (the largest size is "
                + "9223372036854775807 bytes, 8 EiB - 1)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-1M", "-0", "-99999999999999999999G"})
    void negativeSizesAreRefused(String text) {
        InvalidSize e = assertThrows(InvalidSize.class, () -> Sizes.parse(text));
        assertEquals(Problem.NEGATIVE, e.problem());
        assertEquals("bad size '" + text + "' (use e.g. 512M, 1G): must not be negative", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptyIsRefusedWithTheSyntax(String text) {
        InvalidSize e = assertThrows(InvalidSize.class, () -> Sizes.parse(text));
        assertEquals(Problem.EMPTY, e.problem());
        assertEquals("bad size '" + text + "' (use e.g. 512M, 1G): empty; expected a whole number of bytes with an "
                + "optional suffix k, M, G or T (powers of 1024, either case; B or iB may follow, e.g. 64kB, 512MiB)",
                e.getMessage());
    }

    @Test
    void nullIsEmpty() {
        assertEquals(Problem.EMPTY, assertThrows(InvalidSize.class, () -> Sizes.parse(null)).problem());
    }

    @ParameterizedTest
    @ValueSource(strings = {"12Q", "M", "k", "iB", "B", "1.5M", "1,5M", "1 G", "+5", "0x10", "1e6", "5iB", "5KK",
            "5MiBs", "5P", "5E", "five", "--5", "-", "-M", "\u0661\u0662"})
    void garbageIsNotANumberAndTheMessageSaysWhatIs(String text) {
        InvalidSize e = assertThrows(InvalidSize.class, () -> Sizes.parse(text));
        assertEquals(Problem.NOT_A_NUMBER, e.problem());
        assertEquals(text, e.text());
        assertEquals("bad size '" + text + "' (use e.g. 512M, 1G): not a whole number of bytes with an optional "
                + "suffix k, M, G or T (powers of 1024, either case; B or iB may follow, e.g. 64kB, 512MiB)",
                e.getMessage());
    }

    @Test
    void problemsHaveShortWordsForCallersThatNameTheValueThemselves() {
        assertEquals("empty", Problem.EMPTY.words());
        assertEquals("not a number", Problem.NOT_A_NUMBER.words());
        assertEquals("must not be negative", Problem.NEGATIVE.words());
        assertEquals("too large", Problem.TOO_LARGE.words());
    }
}
