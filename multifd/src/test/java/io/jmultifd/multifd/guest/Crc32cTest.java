package io.jmultifd.multifd.guest;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The arithmetic against java.util.zip.CRC32C fed the actual bytes. */
class Crc32cTest {
    private static final long[] LENGTHS = {0, 1, 3, 8, 63, 4096, 4097, 65_535, 262_144, 1_048_589, 5 << 20};

    @Test
    void appendingZerosByArithmeticEqualsFeedingThem() {
        SplittableRandom random = new SplittableRandom(1);
        for (int prefixLength : new int[] {0, 1, 100, 4096}) {
            byte[] prefix = new byte[prefixLength];
            random.nextBytes(prefix);
            for (long zeros : LENGTHS) {
                CRC32C fed = new CRC32C();
                fed.update(prefix);
                long crcPrefix = fed.getValue();
                fed.update(new byte[(int) zeros]);
                assertEquals(fed.getValue(), Crc32c.appendZeros(crcPrefix, zeros),
                        prefixLength + " bytes then " + zeros + " zeros");
            }
        }
    }

    @Test
    void combiningTwoCrcsEqualsTheCrcOfBothMessages() {
        SplittableRandom random = new SplittableRandom(2);
        for (long a : LENGTHS) {
            for (long b : LENGTHS) {
                byte[] first = new byte[(int) a];
                byte[] second = new byte[(int) b];
                random.nextBytes(first);
                random.nextBytes(second);
                CRC32C both = new CRC32C();
                both.update(first);
                both.update(second);
                assertEquals(both.getValue(), Crc32c.combine(crc(first), crc(second), b), a + " then " + b + " bytes");
            }
        }
    }

    private static long crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return c.getValue();
    }
}
