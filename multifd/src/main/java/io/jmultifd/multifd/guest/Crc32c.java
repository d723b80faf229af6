package io.jmultifd.multifd.guest;

/**
 * CRC32C arithmetic on lengths instead of bytes (zlib's {@code crc32_combine}, for the Castagnoli polynomial):
 * the CRC32C of a message followed by {@code n} zero bytes, and of two messages joined, each from the CRCs and
 * lengths alone in O(log n) steps. A checksum that counts gigabytes of free pages as zeros thus costs nothing per
 * free byte. Values are those of {@link java.util.zip.CRC32C#getValue()}.
 */
public final class Crc32c {
    /** The Castagnoli polynomial, bit-reflected as CRC32C computes. */
    private static final int POLY = 0x82F63B78;
    /** {@code X2N[k]} = x^(2^k) mod P; 64 entries cover any length in bytes below 2^61. */
    private static final int[] X2N = new int[64];

    static {
        int p = 1 << 30; // x^1
        X2N[0] = p;
        for (int k = 1; k < X2N.length; k++) {
            X2N[k] = p = multModP(p, p);
        }
    }

    private Crc32c() {}

    /** The CRC32C of the message whose CRC32C is {@code crc}, followed by {@code zeros} zero bytes. */
    static long appendZeros(long crc, long zeros) {
        if (zeros == 0) {
            return crc;
        }
        // CRC32C starts from and ends with all ones: undo the final inversion, shift the register through the
        // zeros (a multiplication by x^(8 * zeros)), invert again.
        return Integer.toUnsignedLong(multModP(xPow8n(zeros), (int) crc ^ -1) ^ -1);
    }

    /** The CRC32C of A followed by B, from {@code crcA}, {@code crcB} and the length of B in bytes. */
    public static long combine(long crcA, long crcB, long lengthB) {
        if (lengthB == 0) {
            return crcA;
        }
        return Integer.toUnsignedLong(multModP(xPow8n(lengthB), (int) crcA) ^ (int) crcB);
    }

    /** x^(8n) mod P. */
    private static int xPow8n(long n) {
        if (n < 0 || n >= 1L << 61) {
            throw new IllegalArgumentException("length out of range: " + n);
        }
        int p = 1 << 31; // x^0
        for (int k = 3; n != 0; n >>>= 1, k++) {
            if ((n & 1) != 0) {
                p = multModP(X2N[k], p);
            }
        }
        return p;
    }

    /** a * b mod P, in the reflected representation (bit 31 is x^0). */
    private static int multModP(int a, int b) {
        if (a == 0) {
            return 0;
        }
        int m = 1 << 31;
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    return p;
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
    }
}
